"""Which MLflow webhook events trigger a sync: parsing, relevance, selection, own tags."""

from __future__ import annotations

import json

import pytest

from generator.config import EnvironmentConfig
from generator.webhook import events
from generator.webhook.events import Event, Filter, Malformed, parse
from generator.webhook.runner import dispatch_payload


def body(entity: str, action: str, **data: object) -> bytes:
    return json.dumps(
        {"entity": entity, "action": action, "timestamp": "2026-01-05T09:00:00Z", "data": data}
    ).encode()


def env(
    alias: str, include: list[str], exclude: list[str] | None = None, **extra: object
) -> EnvironmentConfig:
    return EnvironmentConfig.model_validate(
        {
            "namespace": "models",
            "alias": alias,
            "models": {"include": include, "exclude": exclude or []},
            **extra,
        }
    )


FILTER = Filter(
    {
        "dev": env("dev", ["fraud-*", "churn-*"]),
        "prod": env("champion", ["fraud-*"], ["fraud-experimental"]),
        "ab": env("champion", ["pricing-*"], strategy={"type": "ab", "challenger": "challenger"}),
        "canary": env(
            "champion",
            ["search-*"],
            overrides={"search-special": {"strategy": {"type": "ab", "challenger": "b"}}},
        ),
    }
)


def test_parse_each_model_event_shape_mlflow_sends() -> None:
    assert parse(
        body("model_version", "created", name="m", version="3", source="models:/x", run_id=None)
    ) == Event("model_version.created", "m", version="3")
    assert parse(body("model_version_alias", "created", name="m", alias="champion", version="3")) == Event(
        "model_version_alias.created", "m", version="3", alias="champion"
    )
    assert parse(body("model_version_alias", "deleted", name="m", alias="champion")) == Event(
        "model_version_alias.deleted", "m", alias="champion"
    )
    assert parse(body("model_version_tag", "set", name="m", version="1", key="k", value="v")) == Event(
        "model_version_tag.set", "m", version="1", key="k"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"entity": "model_version"}',
        body("model_version", "created", version="1"),  # no name
        body("model_version", "created", name=["a"]),
        body("model_version", "created", name="m", version="9" * 2000),
        b"\xff\xfe",
        b"[" * 200_000 + b"]" * 200_000,  # deeper than the JSON parser's recursion limit
        b'{"data": ' * 100_000 + b"1" + b"}" * 100_000,
    ],
)
def test_malformed_bodies_are_refused(raw: bytes) -> None:
    with pytest.raises(Malformed):
        parse(raw)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (Event(events.ALIAS_CREATED, "fraud-detector", "3", "champion"), None),
        (Event(events.ALIAS_DELETED, "fraud-detector", None, "dev"), None),
        (Event(events.MODEL_VERSION_CREATED, "churn-model", "2"), None),
        (Event(events.TAG_SET, "fraud-detector", "2", key="owner"), None),
        (Event(events.TAG_DELETED, "fraud-detector", "2", key="owner"), None),
        (Event(events.ALIAS_CREATED, "pricing-model", "2", "challenger"), None),  # A/B challenger alias
        (Event(events.ALIAS_CREATED, "search-special", "2", "b"), None),  # per-model A/B override
        (Event(events.ALIAS_CREATED, "search-other", "2", "b"), "alias_not_followed"),
        (Event(events.ALIAS_CREATED, "fraud-detector", "3", "candidate"), "alias_not_followed"),
        (
            Event(events.ALIAS_CREATED, "fraud-experimental", "3", "champion"),
            "alias_not_followed",
        ),  # excluded
        (Event(events.ALIAS_CREATED, "fraud-experimental", "3", "dev"), None),  # but dev selects it
        (Event(events.ALIAS_CREATED, "unrelated-model", "1", "champion"), "model_not_selected"),
        (Event(events.MODEL_VERSION_CREATED, "unrelated-model", "1"), "model_not_selected"),
        (Event(events.TAG_SET, "fraud-detector", "2", key="model-gitops.prod.state"), "own_tag"),
        (Event("registered_model.created", "fraud-detector"), "event_type"),
        (Event("prompt_alias.created", "fraud-detector", alias="champion"), "event_type"),
    ],
)
def test_filter(event: Event, reason: str | None) -> None:
    assert FILTER.ignore_reason(event) == reason


def test_dispatch_payload_names_models_and_events_in_a_stable_order() -> None:
    batch = [
        Event(events.ALIAS_CREATED, "fraud-detector", "3", "champion"),
        Event(events.ALIAS_CREATED, "churn-model", "2", "dev"),
        Event(events.ALIAS_CREATED, "fraud-detector", "4", "champion"),
    ]
    payload = dispatch_payload(batch)
    assert payload["model"] == "churn-model, fraud-detector"
    assert payload["models"] == ["churn-model", "fraud-detector"] and payload["models_complete"] is True
    assert payload["event"] == "model_version_alias.created"
    assert payload["events"][0] == "model_version_alias.created fraud-detector v3 @champion"
    assert payload["count"] == 3
    assert len(payload) <= 10  # GitHub's limit on client_payload's top-level keys
    assert "environment" not in payload  # sync.yml would narrow the run to one environment


def test_a_dispatch_of_more_models_than_listed_is_not_scoped() -> None:
    batch = [Event(events.ALIAS_CREATED, f"model-{i:03d}", "1", "champion") for i in range(60)]
    payload = dispatch_payload(batch)
    assert len(payload["models"]) == 50 and payload["models_complete"] is False  # sync.yml: every model
