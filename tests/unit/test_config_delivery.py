"""The `delivery` section of an environment file."""

from __future__ import annotations

import pytest

from generator.config import json_schema
from generator.config.loader import parse_environment
from generator.errors import ConfigError

BASE = "namespace: models-prod\nalias: champion\n"


def test_default_is_commit_and_the_short_form_equals_the_long_one() -> None:
    assert parse_environment(BASE, "prod.yaml").delivery.mode == "commit"
    short = parse_environment(BASE + "delivery: pull-request\n", "prod.yaml").delivery
    long = parse_environment(BASE + "delivery: {mode: pull-request}\n", "prod.yaml").delivery
    assert short == long and short.pull_request
    assert short.branch_for("prod") == "model-gitops/prod"
    assert short.labels == ["model-gitops"]


def test_pull_request_settings() -> None:
    text = BASE + "delivery:\n  mode: pull-request\n  branch: deploy/{environment}-models\n"
    text += "  labels: [deploy, prod]\n  reviewers: [alice]\n  team_reviewers: [ml-leads]\n  draft: true\n"
    delivery = parse_environment(text, "prod.yaml").delivery
    assert delivery.branch_for("prod") == "deploy/prod-models"
    assert (delivery.labels, delivery.reviewers, delivery.team_reviewers, delivery.draft) == (
        ["deploy", "prod"],
        ["alice"],
        ["ml-leads"],
        True,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("merge", "delivery.mode: Input should be 'commit' or 'pull-request'"),
        (
            "{mode: pull-request, branch: 'a..b'}",
            "delivery.branch: 'a..b' is not a valid Git branch",
        ),
        ("{mode: pull-request, branch: 'x y'}", "is not a valid Git branch name"),
        ("{mode: pull-request, labels: ['']}", "delivery.labels: entries must not be empty"),
        ("{mode: pull-request, reviewer: [a]}", "delivery.reviewer: unknown key"),
    ],
)
def test_invalid_delivery_names_file_and_key(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"prod\.yaml: ") as raised:
        parse_environment(BASE + f"delivery: {value}\n", "prod.yaml")
    assert message in str(raised.value)


def test_json_schema_accepts_both_forms() -> None:
    delivery = json_schema()["$defs"]["Delivery"]  # type: ignore[index]
    assert delivery["anyOf"][0] == {"enum": ["commit", "pull-request"], "type": "string"}
    assert "labels" in delivery["anyOf"][1]["properties"]
