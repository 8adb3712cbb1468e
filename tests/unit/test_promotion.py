"""Promotion decisions (pure): soak, online gates in the source, offline gates, what is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed, ServedSince
from generator.model.readings import Reading, Readings
from generator.plan.promotion import judge
from tests.support.snapshots import snapshot

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PROD = parse_environment(
    "namespace: models-prod\npromote:\n  from: staging\n  soak: 24h\n"
    "  online: {min_requests: 100, max_error_ratio: 0.02}\n",
    "prod.yaml",
)


def state(staging: str | None, prod: str | None, served_hours: float = 30) -> CurrentState:
    deployed = {
        "staging": {"m": Deployed("m", staging, "m")} if staging else {},
        "prod": {"m": Deployed("m", prod, "m")} if prod else {},
    }
    since = {"staging": {"m": ServedSince(staging, "c0ffee" * 7, NOW - timedelta(hours=served_hours))}}
    return CurrentState(deployed, since=since if staging else {})


def readings(requests: float, errors: float) -> Readings:
    return Readings({("staging", "m", "default"): Reading(requests, errors, 0.08, 86400)})


def verdict(current: CurrentState, found: Readings | None = None):  # type: ignore[no-untyped-def]
    return judge("prod", PROD, "m", snapshot({"m": {"staging": 3}}), current, found or Readings(), NOW)


def test_what_staging_does_not_serve_is_not_promoted() -> None:
    assert verdict(state(None, "2")).version == "2"
    assert verdict(state(None, None)).version == ""
    assert verdict(state("3", "3")).version == "3"


def test_the_soak_is_counted_from_the_commit_that_started_serving_it() -> None:
    found = verdict(state("3", "2", served_hours=5), readings(500, 0))
    assert (found.version, found.waiting) == (
        "2",
        "promotion of 3 from staging: served there 5.0h of 24h (since c0ffeec0ffee)",
    )


def test_a_failing_staging_gate_keeps_prod_with_the_reason() -> None:
    found = verdict(state("3", "2"), readings(500, 50))
    assert found.version == "2"
    assert found.waiting.startswith("promotion of 3 from staging: fail: ")
    assert found.waiting.endswith("staging error ratio 10% > 2%")


def test_too_little_traffic_waits() -> None:
    found = verdict(state("3", "2"), readings(20, 0))
    assert found.version == "2" and "staging had 20 requests in 24h (needs 100)" in found.waiting


def test_a_version_that_qualifies_is_promoted_with_its_evidence() -> None:
    found = verdict(state("3", "2"), readings(500, 1))
    assert found.version == "3" and not found.waiting
    assert found.evidence.startswith(
        "promoted from staging; served there since c0ffeec0ffee (2026-05-31 06:00 UTC); "
    )
    assert "error 0.2%" in found.evidence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("namespace: p\n", "give `alias` (the MLflow alias to deploy) or `promote`"),
        ("namespace: p\npromote: {from: Staging}\n", "promote.from: must name an environment"),
        ("namespace: p\npromote: {from: s, soak: 0s}\n", "promote.soak: must be longer than 0s"),
        (
            "namespace: p\npromote: {from: s, approval: pull-request}\ndelivery: commit\n",
            "promote.approval: pull-request needs `delivery: pull-request`",
        ),
    ],
)
def test_promotion_settings_are_checked_at_load(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_environment(text, "prod.yaml")
    assert message in str(error.value)


def test_approval_by_pull_request_delivers_through_one() -> None:
    config = parse_environment("namespace: p\npromote: {from: s, approval: pull-request}\n", "prod.yaml")
    assert config.delivery.pull_request
