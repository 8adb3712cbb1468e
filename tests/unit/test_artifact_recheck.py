"""The artifact and runtime checks of versions about to serve (`generator.app.pipeline`).

A version already serving is checked again when its server changes (another implementation,
protocol or runtime image); the compatibility rules refuse what its runtime cannot load, warn on
drift, and refuse drift too with `safety.strict_runtime`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import yamlio
from generator.app import pipeline
from generator.config import EnvironmentConfig
from generator.model import CurrentState
from generator.model.runtime import ModelFacts
from generator.plan.planner import plan
from generator.render import render
from generator.render.state import current_state
from tests.support.snapshots import snapshot

RUNTIME = {
    "image": "ghcr.io/acme/mlserver-mlflow:1.7.1-py311",
    "python": "3.11",
    "mlserver": "1.7.1",
    "packages": {"mlflow": "3.17.2", "scikit-learn": "1.9.1", "numpy": "2.4.6", "skops": "0.16.0"},
}
SKOPS_MODEL = ModelFacts(
    flavors={
        "python_function": {"loader_module": "mlflow.sklearn", "python_version": "3.11.7"},
        "sklearn": {
            "pickled_model": "model.skops",
            "serialization_format": "skops",
            "sklearn_version": "1.9.1",
        },
    },
    mlflow_version="3.17.2",
    python="3.11.7",
    requirements={"mlflow": "3.17.2", "scikit-learn": "1.9.1", "numpy": "2.4.6", "skops": "0.16.0"},
    signature_required=True,
)


def environment(implementation: str = "MLFLOW_SERVER", **seldon: Any) -> dict[str, EnvironmentConfig]:
    safety = {"strict_runtime": seldon.pop("strict")} if "strict" in seldon else {}
    config = {
        "namespace": "models-dev",
        "alias": "dev",
        "seldon": {"implementation": implementation, "protocol": "v2", **seldon},
        "safety": safety,
    }
    return {"dev": EnvironmentConfig.model_validate(config)}


def deployed_with(environments: dict[str, EnvironmentConfig]) -> CurrentState:
    """What Git holds after version 2 of `m` was deployed with these settings."""
    documents = render(plan(environments, snapshot({"m": {"dev": 2}}), CurrentState({}, {})))
    return current_state({path: yamlio.dump(document).encode() for path, document in documents.items()})


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The locations whose files are read (the seam to MLflow), answering with SKOPS_MODEL."""
    asked: set[str] = set()

    def fake(
        tracking_uri: str, uris: set[str], workers: int, cache_dir: Path | None = None
    ) -> dict[str, ModelFacts | str]:
        asked.update(uris)
        return dict.fromkeys(uris, SKOPS_MODEL)

    monkeypatch.setattr(pipeline, "read_model_facts", fake)
    return asked


def check(
    environments: dict[str, EnvironmentConfig], current: CurrentState
) -> tuple[dict[Any, str], list[str]]:
    the_plan = plan(environments, snapshot({"m": {"dev": 2}}), current)
    return pipeline.artifact_reasons(the_plan, current, "sqlite:///unused.db")


def test_a_serving_version_is_not_checked_again_when_nothing_changes(checked: set[str]) -> None:
    declared = environment(runtime=RUNTIME)
    current = deployed_with(declared)
    assert current.deployed["dev"]["m"].served_by == f"MLFLOW_SERVER v2 {RUNTIME['image']}"
    assert check(declared, current) == ({}, [])
    assert checked == set()


def test_switching_the_server_checks_the_serving_version_again(checked: set[str]) -> None:
    current = deployed_with(environment(runtime=RUNTIME))
    reasons, _ = check(environment("XGBOOST_SERVER", runtime=RUNTIME), current)
    assert checked == {"s3://models/m/2"}
    assert reasons == {
        ("dev", "m"): "version 2: XGBOOST_SERVER needs the 'xgboost' flavor but the MLmodel file has "
        "python_function, sklearn; log the model with that flavor or choose another implementation"
    }


def test_dropping_the_declared_runtime_refuses_what_the_default_image_cannot_load(checked: set[str]) -> None:
    current = deployed_with(environment(runtime=RUNTIME))
    reasons, _ = check(environment(), current)
    assert checked == {"s3://models/m/2"}
    why = reasons[("dev", "m")]
    assert why.startswith(
        "version 2: will not load in dev's runtime "
        "seldonio/mlserver:1.3.5-mlflow (Python 3.8, mlflow 2.4.1): "
    )
    assert "[signature-required]" in why and "[skops-format]" in why
    assert why.endswith("declare `seldon.runtime` with Python 3.11, mlflow >= 3.9 and skops")


def test_a_declared_runtime_matching_the_training_environment_passes_silently(checked: set[str]) -> None:
    assert check(environment(runtime=RUNTIME), CurrentState({}, {})) == ({}, [])


def test_drift_warns_and_strict_runtime_refuses_it(checked: set[str]) -> None:
    older = {**RUNTIME, "packages": {**RUNTIME["packages"], "scikit-learn": "1.8.0"}}
    reasons, warnings = check(environment(runtime=older), CurrentState({}, {}))
    assert reasons == {}
    assert warnings == [
        "dev/m version 2: [sklearn-version] trained with scikit-learn 1.9.1, served with 1.8.0; "
        "`safety.strict_runtime: true` would refuse it"
    ]
    reasons, warnings = check(environment(runtime=older, strict=True), CurrentState({}, {}))
    assert warnings == []
    assert "[sklearn-version] trained with scikit-learn 1.9.1, served with 1.8.0" in reasons[("dev", "m")]
    assert reasons[("dev", "m")].endswith("declare `seldon.runtime` with scikit-learn >= 1.9.1")
