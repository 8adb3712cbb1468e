"""A version already serving is checked again when its server changes (issue 12 item 13)."""

from __future__ import annotations

import pytest

from generator import yamlio
from generator.app import pipeline
from generator.config import EnvironmentConfig
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from generator.render.state import current_state
from tests.support.snapshots import snapshot


def environment(implementation: str) -> dict[str, EnvironmentConfig]:
    return {
        "dev": EnvironmentConfig.model_validate(
            {
                "namespace": "models-dev",
                "alias": "dev",
                "seldon": {"implementation": implementation, "protocol": "v2"},
            }
        )
    }


def deployed_with(implementation: str) -> CurrentState:
    """What Git holds after version 2 of `m` was deployed with `implementation`."""
    documents = render(plan(environment(implementation), snapshot({"m": {"dev": 2}}), CurrentState({}, {})))
    return current_state({path: yamlio.dump(document).encode() for path, document in documents.items()})


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The locations the artifact check is asked about (the seam to MLflow), answering 'fine'."""
    asked: dict[str, set[str]] = {}

    def fake(tracking_uri: str, locations: dict[str, set[str]]) -> dict[str, str]:
        asked.update(locations)
        return {}

    monkeypatch.setattr(pipeline, "check_model_files", fake)
    return asked


def test_a_serving_version_is_not_checked_again_when_nothing_changes(checked: dict[str, set[str]]) -> None:
    current = deployed_with("MLFLOW_SERVER")
    assert current.deployed["dev"]["m"].served_by == "MLFLOW_SERVER v2"
    the_plan = plan(environment("MLFLOW_SERVER"), snapshot({"m": {"dev": 2}}), current)
    assert pipeline.artifact_reasons(the_plan, current, "sqlite:///unused.db") == {}
    assert checked == {}


def test_switching_the_server_checks_the_serving_version_again(checked: dict[str, set[str]]) -> None:
    current = deployed_with("MLFLOW_SERVER")
    the_plan = plan(environment("XGBOOST_SERVER"), snapshot({"m": {"dev": 2}}), current)
    pipeline.artifact_reasons(the_plan, current, "sqlite:///unused.db")
    assert checked == {"s3://models/m/2": {"XGBOOST_SERVER"}}
