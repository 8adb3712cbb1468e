"""Example registry content for the demo and the tests: real logged pyfunc models.

Each version is a real scikit-learn model logged with `mlflow.sklearn.log_model` (so its
artifacts hold an `MLmodel` file with the `python_function` flavor), registered, and given
aliases. Works against any tracking URI (a SQLite file or an `mlflow server`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

from generator import timing
from generator.errors import RegistryError
from generator.registry.connection import check_store_support


@dataclass(frozen=True)
class ExampleModel:
    name: str
    versions: int
    aliases: dict[str, int] = field(default_factory=dict)
    metric: str = "val_auc"


DEMO_MODELS = [
    ExampleModel("fraud-detector", 3, {"dev": 3, "staging": 2, "champion": 2}),
    ExampleModel("churn-model", 2, {"dev": 2, "staging": 2, "champion": 1}),
    ExampleModel("Price_Forecaster.v2", 1, {"dev": 1}),
]


def quiet_mlflow() -> None:
    for name in ("mlflow", "alembic", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def seed(tracking_uri: str, models: list[ExampleModel], artifact_location: str | None = None) -> None:
    """Log, register and alias every version of `models` in the registry at `tracking_uri`.

    MLflow's own chatter (prints and INFO logs) is kept out of the terminal.
    """
    check_store_support(tracking_uri)
    if importlib.util.find_spec("sklearn") is None:
        raise RegistryError(
            "the example models need scikit-learn, which this install lacks",
            "pip install 'model-gitops[demo]'",
        )
    quiet_mlflow()
    import mlflow

    quiet_mlflow()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        _seed(mlflow, tracking_uri, models, artifact_location)


def _seed(mlflow, tracking_uri: str, models: list[ExampleModel], artifact_location: str | None) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    experiment = _experiment(client, "model-gitops-examples", artifact_location)
    features = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    labels = np.array([0, 1, 1, 0])
    total, done = sum(model.versions for model in models), 0
    requirements = training_requirements()
    for model in models:
        for number in range(1, model.versions + 1):
            timing.progress("examples", done, total)
            done += 1
            with mlflow.start_run(experiment_id=experiment, run_name=f"{model.name}-v{number}"):
                mlflow.log_metric(model.metric, round(0.80 + 0.01 * number, 4))
                estimator = LogisticRegression().fit(features, labels)
                mlflow.sklearn.log_model(
                    estimator, name="model", registered_model_name=model.name, pip_requirements=requirements
                )
        for alias, version in model.aliases.items():
            client.set_registered_model_alias(model.name, alias, str(version))


def example_runtime(image: str) -> dict[str, Any]:
    """The `seldon.runtime` that loads the example models: this Python, the pins they record,
    MLServer 1.7.1 (the demo's environments, the tests' and the benchmarks')."""
    packages = dict(pin.split("==", 1) for pin in training_requirements())
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"image": image, "python": python, "mlserver": "1.7.1", "packages": packages}


def training_requirements() -> list[str]:
    """This environment's pins of what the example models need (given: MLflow would otherwise
    infer them by loading each model in a subprocess, and record whatever that process imported)."""
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for package in ("mlflow", "scikit-learn", "numpy", "pandas", "scipy", "cloudpickle", "skops"):
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pins


def set_alias(tracking_uri: str, model: str, alias: str, version: int) -> None:
    quiet_mlflow()
    import mlflow

    mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).set_registered_model_alias(
        model, alias, str(version)
    )


def _experiment(client, name: str, artifact_location: str | None) -> str:  # type: ignore[no-untyped-def]
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    return str(client.create_experiment(name, artifact_location=artifact_location))
