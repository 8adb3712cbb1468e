"""Notifications: which changes make news for which destination, and the real HTTP senders
against a local stand-in answering as Slack does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.config.loader import parse_environment
from generator.delivery import notify
from generator.delivery.notify import http
from generator.plan.planner import Change, EnvironmentPlan, Plan
from tests.support.notify_standin import notify_standin

PROD = """namespace: models-prod
alias: champion
notify:
  slack: {url_env: SLACK_MODELS}
  webhook: {url_env: MODEL_EVENTS}
  events: [deploy, rollback, reject]
"""
DEV = "namespace: models-dev\nalias: dev\nnotify: {slack: {url_env: SLACK_MODELS}}\n"


def plan(changes: list[Change]) -> Plan:
    environments = {
        "prod": EnvironmentPlan("prod", parse_environment(PROD, "prod.yaml"), []),
        "dev": EnvironmentPlan("dev", parse_environment(DEV, "dev.yaml"), []),
    }
    for change in changes:
        env = environments[change.environment]
        environments[change.environment] = replace(env, changes=[*env.changes, change])
    return Plan(environments)


CHANGES = [
    Change("prod", "fraud", "update", "2", "3"),
    Change("prod", "churn", "advance", "1", "2", detail="canary 2 at 10% -> 25%"),
    Change("prod", "risk", "reject", reason="version 4: token=s3cr3t refused"),
    Change("dev", "fraud", "deploy", None, "4"),
]


def test_one_message_per_destination_with_the_events_each_environment_wants() -> None:
    found = notify.messages(plan(CHANGES), [], "0123456789abcdef")
    assert [(m.kind, m.url_env, [c.model for c in m.changes]) for m in found] == [
        ("slack", "SLACK_MODELS", ["fraud", "fraud", "risk"]),  # dev's fraud, prod's fraud, prod's risk
        ("webhook", "MODEL_EVENTS", ["fraud", "risk"]),  # prod only; `advance` is not in its events
    ]
    assert found[0].text.splitlines() == [
        "model-gitops: 3 changes in dev, prod (commit 0123456789ab)",
        "- deploy(dev): fraud 4",
        "- deploy(prod): fraud 2 -> 3",
        "- reject(prod): risk: version 4: token=*** refused",
    ]


def test_without_a_commit_only_refusals_are_news() -> None:
    found = notify.messages(plan(CHANGES), [], None)
    assert [(m.kind, [c.kind for c in m.changes]) for m in found] == [
        ("slack", ["reject"]),
        ("webhook", ["reject"]),
    ]


def test_the_senders_post_what_slack_and_a_webhook_take() -> None:
    found = notify.messages(plan(CHANGES), [], "0123456789abcdef")
    with notify_standin() as standin:
        env = {"SLACK_MODELS": f"{standin.url}/slack/T000/B000/XXXX", "MODEL_EVENTS": f"{standin.url}/hook"}
        assert notify.send(found, http.SENDERS, env) == []
    (slack_path, slack), (hook_path, hook) = standin.received
    assert slack_path == "/slack/T000/B000/XXXX" and slack == {"text": found[0].text}
    assert hook_path == "/hook"
    assert hook["commit"] == "0123456789abcdef" and hook["environments"] == ["prod"]
    assert hook["changes"][1] == {
        "environment": "prod",
        "model": "risk",
        "kind": "reject",
        "event": "reject",
        "from_version": None,
        "to_version": None,
        "reason": "version 4: token=*** refused",
        "detail": "",
        "text": "reject(prod): risk: version 4: token=*** refused",
    }


@pytest.mark.parametrize("status", [404, 500])
def test_a_refused_notification_is_a_warning_that_never_shows_the_url(status: int) -> None:
    found = notify.messages(plan(CHANGES), [], "0123456789abcdef")[:1]
    with notify_standin() as standin:
        standin.fail_with = status
        url = f"{standin.url}/slack/T000/B000/SECRETPART"
        warnings = notify.send(found, http.SENDERS, {"SLACK_MODELS": url})
    assert warnings == [
        f"notify: the slack message (SLACK_MODELS) was not sent: it answered HTTP {status}: no_service"
    ]
    assert "SECRETPART" not in warnings[0]


def test_an_unset_or_unreachable_destination_is_a_warning() -> None:
    found = notify.messages(plan(CHANGES), [], "0123456789abcdef")[:1]
    assert notify.send(found, http.SENDERS, {}) == [
        "notify: SLACK_MODELS is not set, so no slack message was sent"
    ]
    with notify_standin() as standin:
        closed = standin.url
    assert notify.send(found, http.SENDERS, {"SLACK_MODELS": f"{closed}/slack/x"}) == [
        "notify: the slack message (SLACK_MODELS) was not sent: cannot reach it (ConnectionError)"
    ]
