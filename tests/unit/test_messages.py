"""Commit message templates."""

from __future__ import annotations

import pytest

from generator.config.loader import parse_environment
from generator.delivery.messages import check_template, commit_message
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed
from generator.plan.planner import plan
from tests.support.snapshots import snapshot

DEV = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
PROD = parse_environment("namespace: models-prod\nalias: champion\n", "prod.yaml")


def two_changes():  # type: ignore[no-untyped-def]
    current = CurrentState({"prod": {"fraud": Deployed("fraud", "7", "fraud")}})
    return plan({"dev": DEV, "prod": PROD}, snapshot({"fraud": {"dev": 8, "champion": 8}}, 8), current)


def test_default_is_the_report_message() -> None:
    assert commit_message(two_changes(), []) == (
        "deploy(dev): fraud 8 (+1 more change in dev, prod)\n\n"
        "deploy(dev): fraud 8\ndeploy(prod): fraud 7 -> 8\n"
    )


def test_template_placeholders() -> None:
    template = "chore: {subject}\n\n{body}\n\n{count} in {environments}\n{changes}\nSigned-off-by: Bot <b@x>"
    assert commit_message(two_changes(), [], check_template(template)) == (
        "chore: deploy(dev): fraud 8 (+1 more change in dev, prod)\n\n"
        "deploy(dev): fraud 8\ndeploy(prod): fraud 7 -> 8\n\n"
        "2 in dev, prod\ndeploy(dev): fraud 8\ndeploy(prod): fraud 7 -> 8\nSigned-off-by: Bot <b@x>\n"
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("deploy {model}", "unknown placeholder {model}"),
        ("deploy {subject", "commit message template: "),
        ("{0}", "unknown placeholder {0}"),
        ("   ", "commit message template is empty"),
    ],
)
def test_bad_templates_are_config_errors(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        check_template(template)
