"""The receiver without a network: deliveries through signature, filter and debouncer; the runner."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest

from generator.config import EnvironmentConfig
from generator.errors import GitError
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Event, Filter
from generator.webhook.runner import FilterHolder, Outcome, Runner
from generator.webhook.server import Receiver
from generator.webhook.signature import Verifier, sign
from generator.webhook.telemetry import BEGIN, END, Telemetry, replace_section
from generator.webhook.throttle import Throttle, ThrottleFilter

SECRET = "receiver-test-secret-0123456789"
NOW = 1_767_603_600
ENVIRONMENTS = {
    "prod": EnvironmentConfig(namespace="models", alias="champion", models={"include": ["fraud-*"]})
}


def delivery(model: str, alias: str = "champion", sent: int = NOW, delivery_id: str | None = None):
    body = json.dumps(
        {
            "entity": "model_version_alias",
            "action": "created",
            "data": {"name": model, "alias": alias, "version": "2"},
        }
    ).encode()
    ident = delivery_id or str(uuid.uuid4())
    headers = {
        "X-MLflow-Delivery-Id": ident,
        "X-MLflow-Timestamp": str(sent),
        "X-MLflow-Signature": sign(SECRET, ident, str(sent), body),
    }
    return headers, body


def receiver() -> Receiver:
    return Receiver(
        Verifier(SECRET),
        FilterHolder(Filter(ENVIRONMENTS)),
        Debouncer(window=60, max_wait=600),
        Telemetry("self-hosted"),
        clock=lambda: NOW,
    )


def test_deliveries_are_queued_ignored_or_rejected_and_counted() -> None:
    r = receiver()
    assert r.deliver(*delivery("fraud-detector")) == (202, {"status": "queued"})
    assert r.deliver(*delivery("other-model")) == (200, {"status": "ignored", "reason": "model_not_selected"})
    headers, body = delivery("fraud-detector", delivery_id="same-id")
    assert r.deliver(headers, body)[0] == 202
    assert r.deliver(headers, body) == (409, {"status": "rejected", "reason": "replayed"})
    forged = {**headers, "X-MLflow-Delivery-Id": "other-id"}
    assert r.deliver(forged, body) == (401, {"status": "rejected", "reason": "bad_signature"})
    assert r.deliver(*delivery("fraud-detector", sent=NOW - 3600))[0] == 400
    t = r.telemetry
    assert r.debouncer.pending == 2
    # received: authenticated deliveries only (the replay was signed, but is refused all the same)
    assert t.total("model_gitops_webhook_events_received_total") == 3
    assert t.total("model_gitops_webhook_events_received_total", event="model_version_alias.created") == 3
    assert t.total("model_gitops_webhook_events_rejected_total") == 3
    assert t.total("model_gitops_webhook_events_rejected_total", reason="stale_timestamp") == 1
    assert t.total("model_gitops_webhook_events_ignored_total", reason="model_not_selected") == 1
    assert b"model_gitops_webhook_events_rejected_total" in t.exposition()
    assert r.health()["pending"] == 2


class FakeTrigger:
    mode = "self-hosted"

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes
        self.batches: list[list[Event]] = []
        self.loaded = 0

    def run(self, batch: list[Event]) -> Outcome:
        self.batches.append(batch)
        result = self.outcomes.pop(0)
        if isinstance(result, BaseException):
            raise result
        assert isinstance(result, Outcome)
        return result

    def environments(self) -> Mapping[str, EnvironmentConfig]:
        self.loaded += 1
        return ENVIRONMENTS


def test_runner_counts_results_survives_errors_and_bugs_and_writes_the_summary(tmp_path: Path) -> None:
    trigger = FakeTrigger(
        [
            Outcome("success", "committed"),
            GitError("git push failed", "retry"),
            KeyError("bug"),
            Outcome("rejected", "x"),
        ]
    )
    trigger.mode = "actions"
    telemetry = Telemetry("actions")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step output\n")
    runner = Runner(trigger, Debouncer(0, 0), telemetry, FilterHolder(Filter({})), summary_file=summary)
    event = Event("model_version_alias.created", "fraud-detector", "2", "champion")
    results = [runner.run([event]).result for _ in range(4)]
    assert results == ["success", "error", "error", "rejected"]
    assert telemetry.total("model_gitops_webhook_runs_triggered_total") == 4
    assert telemetry.total("model_gitops_webhook_runs_completed_total", result="error") == 2
    assert telemetry.total("model_gitops_webhook_run_duration_seconds_count") == 4
    assert telemetry.last_success_at is not None
    runner.reload()
    assert runner.filters.current.environments == ENVIRONMENTS
    text = summary.read_text()
    assert text.startswith("# earlier step output\n") and text.count(BEGIN) == 1 and text.count(END) == 1
    assert '| `model_gitops_webhook_runs_completed_total{mode="actions",result="error"}` | 2 |' in text


def test_summary_section_is_replaced_not_appended() -> None:
    once = replace_section("intro", "A\n")
    twice = replace_section(once, "B\n")
    assert twice == f"intro\n{BEGIN}\nB\n{END}\n"


def test_catch_up_runs_once_at_start_before_any_event() -> None:
    trigger = FakeTrigger([Outcome("success", "nothing to commit")])
    runner = Runner(trigger, Debouncer(0, 0), Telemetry("self-hosted"), FilterHolder(Filter({})))
    runner.start(catch_up=True)
    runner.stop(timeout=10)
    assert trigger.batches == [[]]
    assert runner.filters.current.environments == ENVIRONMENTS  # reloaded after the run


DEEP = b"[" * 200_000 + b"]" * 200_000


def test_the_signature_is_checked_before_the_body_is_parsed() -> None:
    """A 200k-deep JSON body from anyone without the secret is refused, unparsed and uncounted."""
    r = receiver()
    headers, _ = delivery("fraud-detector")
    unsigned = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    assert r.deliver(unsigned, DEEP) == (401, {"status": "rejected", "reason": "unsigned"})
    assert r.deliver(headers, DEEP) == (401, {"status": "rejected", "reason": "bad_signature"})
    t = r.telemetry
    assert t.total("model_gitops_webhook_events_received_total") == 0
    assert t.total("model_gitops_webhook_events_rejected_total") == 2


def test_a_signed_but_deeply_nested_body_is_malformed_not_a_crash() -> None:
    r = receiver()
    ident = str(uuid.uuid4())
    headers = {
        "X-MLflow-Delivery-Id": ident,
        "X-MLflow-Timestamp": str(NOW),
        "X-MLflow-Signature": sign(SECRET, ident, str(NOW), DEEP),
    }
    assert r.deliver(headers, DEEP) == (400, {"status": "rejected", "reason": "malformed"})
    assert r.telemetry.total("model_gitops_webhook_events_received_total", event="other") == 1


def test_names_are_escaped_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """A model name cannot forge a log line or reverse the text around it."""
    r = receiver()
    forged = "fraud-x\n2026-01-05 09:00:00 INFO run success\u202e"
    with caplog.at_level(logging.DEBUG, logger="model_gitops"):
        assert r.deliver(*delivery(forged))[0] == 202
        assert r.deliver(*delivery("other\x1b[2J\n"))[0] == 200
        trigger = FakeTrigger([Outcome("error", "could not deliver fraud-x\nFAKE\u2066")])
        runner = Runner(trigger, r.debouncer, r.telemetry, r.filters)
        runner.run(r.debouncer.take())
    lines = [record.getMessage() for record in caplog.records]
    assert lines and all("\n" not in line and "\u202e" not in line and "\x1b" not in line for line in lines)
    assert all("\u2066" not in line for line in lines)
    text = "\n".join(lines)
    assert "fraud-x\\n2026-01-05 09:00:00 INFO run success\\u202e" in text
    assert "other\\x1b[2J\\n" in text
    assert "could not deliver fraud-x\\nFAKE\\u2066" in text


def test_refusals_do_not_flood_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Every refusal is counted; the log shows one line per reason every 10 s, saying how many more."""
    clock = FakeClock()
    r = receiver()
    r.throttle = Throttle(clock=clock)
    headers, body = delivery("fraud-detector")
    unsigned = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    with caplog.at_level(logging.WARNING, logger="model_gitops"):
        for _ in range(100):
            r.deliver(unsigned, body)
        r.deliver({**headers, "X-MLflow-Signature": "v1,AAAA"}, body)  # another reason: its own line
        clock.now += 10
        r.deliver(unsigned, body)
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3, lines
    assert "unsigned" in lines[0] and "more" not in lines[0]
    assert "bad_signature" in lines[1]
    assert "unsigned" in lines[2] and "(and 99 more like it since the last such line)" in lines[2]
    assert r.telemetry.total("model_gitops_webhook_events_rejected_total", reason="unsigned") == 101


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_filter_holds_back_repeated_library_warnings() -> None:
    clock = FakeClock()
    throttle_filter = ThrottleFilter(Throttle(clock=clock))

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("waitress", logging.WARNING, __file__, 1, message, None, None)

    limit = "total open connections reached the connection limit, no longer accepting new connections"
    assert throttle_filter.filter(record(limit))
    assert not any(throttle_filter.filter(record(limit)) for _ in range(5))
    assert throttle_filter.filter(record("another warning"))
    clock.now = 11
    again = record(limit)
    assert throttle_filter.filter(again) and again.getMessage().endswith(
        "(and 5 more like it since the last such line)"
    )
