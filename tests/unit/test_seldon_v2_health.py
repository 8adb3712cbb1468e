"""Argo CD health checks of Seldon Core 2 Models and Experiments, executed as Argo CD does (the
resource is the global `obj`, the script returns a table) in a Lua 5.1, from the argocd-cm patch
of an environment whose target is seldon-v2.

Statuses are shaped as Seldon Core 2 v2.10.2's operator writes them: knative conditions, the
Model's scheduler state in `message` and its explanation in `reason`
(`operator/scheduler/model.go`), the Experiment's text in `reason`
(`operator/scheduler/experiment.go`), a scheduler refusal as a `ModelReady` condition
(`operator/controllers/mlops/experiment_controller.go`).
"""

from __future__ import annotations

from typing import Any

import pytest
from lupa import lua51

from generator import yamlio
from generator.config.loader import parse_environment
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from generator.render.argocd import GitSource
from generator.targets.seldon_v2.health import EXPERIMENT_HEALTH_KEY, MODEL_HEALTH_KEY
from tests.support.snapshots import snapshot

ENVIRONMENT = """\
target: seldon-v2
namespace: models-dev
alias: dev
monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}
"""


def health_scripts() -> dict[str, str]:
    envs = {"dev": parse_environment(ENVIRONMENT, "dev.yaml")}
    documents = render(
        plan(envs, snapshot({"m": {"dev": 1}}), CurrentState()), GitSource("https://git.example/r.git")
    )
    patch = yamlio.load(yamlio.dump(documents["argocd/argocd-cm-patch.yaml"]))  # what Argo CD reads
    assert sorted(patch["data"]) == [EXPERIMENT_HEALTH_KEY, MODEL_HEALTH_KEY]
    return dict(patch["data"])


SCRIPTS = health_scripts()


def run_health(key: str, resource: dict[str, Any]) -> dict[str, str]:
    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = to_lua(lua, resource)
    result = lua.execute(SCRIPTS[key])
    return {name: result[name] for name in result}


def to_lua(lua, value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return lua.table_from({k: to_lua(lua, v) for k, v in value.items()})
    if isinstance(value, list):
        return lua.table_from([to_lua(lua, v) for v in value])
    return value


def resource(kind: str, conditions: list[dict[str, str]] | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "apiVersion": "mlops.seldon.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "fraud-detector", "namespace": "models-dev"},
        "spec": {"storageUri": "s3://m/1"},
    }
    if conditions is not None:
        found["status"] = {"conditions": conditions}
    return found


def condition(kind: str, status: str, message: str = "", reason: str = "") -> dict[str, str]:
    found = {"type": kind, "status": status, "lastTransitionTime": "2026-01-05T09:00:00Z"}
    if message:
        found["message"] = message
    if reason:
        found["reason"] = reason
    return found


def model_status(status: str, state: str, reason: str = "") -> list[dict[str, str]]:
    return [condition("ModelReady", status, state, reason), condition("Ready", status, state, reason)]


@pytest.mark.parametrize(
    ("conditions", "expected", "message"),
    [
        (model_status("True", "ModelAvailable"), "Healthy", "Model is available: ModelAvailable"),
        (
            model_status("False", "ModelProgressing", "Loading on mlserver-0"),
            "Progressing",
            "Model is not ready yet: ModelProgressing: Loading on mlserver-0",
        ),
        (
            model_status(
                "False", "ScheduleFailed", "failed to schedule model fraud-detector. [no matching servers]"
            ),
            "Degraded",
            "Model failed: ScheduleFailed: failed to schedule model fraud-detector. [no matching servers]",
        ),
        (
            model_status("False", "ModelFailed", "rclone copy failed"),
            "Degraded",
            "Model failed: ModelFailed: rclone copy failed",
        ),
        (model_status("False", "ModelScaledDown"), "Suspended", "Model is scaled down: ModelScaledDown"),
        (
            [condition("Ready", "Unknown"), condition("ModelReady", "Unknown")],
            "Progressing",
            "Model is not ready yet",
        ),
        (
            [condition("ModelReady", "True", "ModelAvailable")],
            "Healthy",
            "Model is available: ModelAvailable",
        ),
        ([], "Progressing", "Waiting for Seldon Core 2 to report the Model's conditions"),
        (None, "Progressing", "Waiting for Seldon Core 2 to report the Model's conditions"),
    ],
)
def test_model_health_follows_its_ready_condition(
    conditions: list[dict[str, str]] | None, expected: str, message: str
) -> None:
    assert run_health(MODEL_HEALTH_KEY, resource("Model", conditions)) == {
        "status": expected,
        "message": message,
    }


def experiment_status(
    candidates: str, mirror: str, active: str, description: str = ""
) -> list[dict[str, str]]:
    ready = "True" if "False" not in (candidates, mirror, active) else "False"
    return [
        condition(
            "CandidatesReady", candidates, reason=f"Candidates {'' if candidates == 'True' else 'not '}ready"
        ),
        condition("ExperimentReady", active, reason=description),
        condition("MirrorReady", mirror, reason=f"Mirror {'' if mirror == 'True' else 'not '}ready"),
        condition("Ready", ready),
    ]


@pytest.mark.parametrize(
    ("conditions", "expected", "message"),
    [
        (experiment_status("True", "True", "True", "experiment active"), "Healthy", "Experiment is active"),
        (
            experiment_status("False", "True", "False"),
            "Progressing",
            "Experiment is not active yet: Candidates not ready",
        ),
        (
            experiment_status("True", "False", "False"),
            "Progressing",
            "Experiment is not active yet: Mirror not ready",
        ),
        (
            experiment_status("True", "True", "False", "waiting for models"),
            "Progressing",
            "Experiment is not active yet: waiting for models",
        ),
        (
            [
                condition(
                    "ModelReady",
                    "False",
                    reason="default model/pipeline a not found in experiment b candidates",
                )
            ],
            "Degraded",
            "Experiment refused by the Seldon scheduler: default model/pipeline a not found in experiment b "
            "candidates",
        ),
        (
            [
                *experiment_status("True", "True", "True"),
                condition("ModelReady", "False", reason="old error"),
            ],
            "Healthy",
            "Experiment is active",
        ),
        (None, "Progressing", "Waiting for Seldon Core 2 to start the Experiment"),
    ],
)
def test_experiment_health_follows_its_conditions(
    conditions: list[dict[str, str]] | None, expected: str, message: str
) -> None:
    result = run_health(EXPERIMENT_HEALTH_KEY, resource("Experiment", conditions))
    assert result == {"status": expected, "message": message}
