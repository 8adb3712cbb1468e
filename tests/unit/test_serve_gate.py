"""`strategy.offline: [{serve: true}]`: no traffic for a candidate until its serve check passed.

The result is the version's `model-gitops.serve-check` MLflow tag (written by `serve-check --tag`).
Each run goes through plan -> render -> YAML -> parsed back, like the other rollout tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from generator.config.loader import parse_environment
from generator.config.strategy import OfflineGate
from generator.errors import ConfigError
from generator.model import Snapshot
from generator.plan import gates
from generator.plan.planner import Plan
from tests.support.rollouts import Runs
from tests.support.snapshots import snapshot

REPLACE = parse_environment(
    "namespace: models-prod\nalias: champion\nstrategy: {offline: [{serve: true}]}\n", "prod.yaml"
)
CANARY = parse_environment(
    "namespace: models-prod\nalias: champion\n"
    "strategy: {type: canary, offline: [{serve: true}, {metric: val_auc, max_drop: 0.01}]}\n",
    "prod.yaml",
)
STEP = timedelta(minutes=10)


def at(version: int, tag: str | None = None) -> Snapshot:
    found = snapshot({"fraud": {"champion": version}}, 9)
    metrics = {f"run-fraud-{n}": {"val_auc": 0.9} for n in range(1, 10)}
    found = replace(found, run_metrics=metrics)
    if tag is None:
        return found
    key = ("fraud", str(version))
    versions = {**found.versions, key: replace(found.versions[key], tags={gates.SERVE_TAG: tag})}
    return replace(found, versions=versions)


def said(result: Plan) -> list[str]:
    return [c.describe() for c in [*result.changes, *result.waits]]


def deployed(runs: Runs) -> str:
    return runs.document("prod", "fraud")["metadata"]["annotations"]["model-gitops.io/version"]


def test_config_accepts_serve_next_to_metric_gates_and_refuses_serve_false() -> None:
    assert CANARY.strategy.offline == [OfflineGate(serve=True), OfflineGate(metric="val_auc", max_drop=0.01)]
    for wrong in ("{serve: false}", "{serve: true, metric: auc}", "{}"):
        with pytest.raises(
            ConfigError, match=r"strategy\.offline\.0: .*either `metric: <name>` or `serve: true`"
        ):
            parse_environment(f"namespace: a\nalias: b\nstrategy: {{offline: [{wrong}]}}\n", "prod.yaml")


def test_without_a_result_the_candidate_waits_at_stable() -> None:
    runs = Runs({"prod": REPLACE})
    runs.run(at(7))
    result = runs.run(at(8), after=STEP)
    assert deployed(runs) == "7"
    assert said(result) == [
        "wait(prod): fraud: 8 waits before any traffic (stable 7): no serve-check result yet "
        "(run `model-gitops serve-check --gate`)"
    ]


def test_a_passed_check_lets_the_replace_through() -> None:
    runs = Runs({"prod": REPLACE})
    runs.run(at(7))
    runs.run(at(8, "passed (mlserver-1.7.1-py3.11, 21 s): ready, answered"), after=STEP)
    assert deployed(runs) == "8"


def test_a_failed_check_holds_the_candidate_with_mlservers_reason() -> None:
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    failed = (
        "failed (mlserver-1.7.1-py3.11, 9 s): MLServer exited (code 0) without the model ready: TypeError: x"
    )
    result = runs.run(at(8, failed), after=STEP)
    assert deployed(runs) == "7"
    annotations = runs.document("prod", "fraud")["metadata"]["annotations"]
    assert annotations["model-gitops.io/rollout-hold"] == "8"
    assert "TypeError: x" in annotations["model-gitops.io/rollout-hold-reason"]
    assert any("held before any traffic" in line for line in said(result))


def test_a_skipped_check_is_never_a_pass() -> None:
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    result = runs.run(at(8, "skipped (seldon-mlserver-1.3.5, 0 s): no Python 3.8 here"), after=STEP)
    assert deployed(runs) == "7"
    assert "no Python 3.8 here" in said(result)[0]
    assert "canary" not in [p["name"] for p in runs.document("prod", "fraud")["spec"]["predictors"]]


def test_gate_outcomes_from_the_tag() -> None:
    serve = [OfflineGate(serve=True)]
    assert gates.offline(serve, {}, {}, "passed (p, 3 s): ok").outcome == gates.PASS
    assert gates.offline(serve, {}, {}, "failed (p, 3 s): boom").reason == "serve-check failed (p, 3 s): boom"
    assert gates.offline(serve, {}, {}, "skipped (p, 0 s): no Python 3.8 here").outcome == gates.WAIT
    assert gates.offline(serve, {}, {}, None).outcome == gates.WAIT
    assert gates.offline(serve, {}, {}, "garbage").outcome == gates.WAIT
