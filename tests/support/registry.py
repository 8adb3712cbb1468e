"""Registry content for tests, created through a real MLflow server.

One real scikit-learn model is logged per session (`examples.seed`); tests then register as many
models and versions as they need pointing at that logged model's artifacts, which is fast and
still gives every version a real `MLmodel` with the `python_function` flavor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from generator.registry import examples


@dataclass
class TestRegistry:
    url: str
    source: str
    run_id: str

    @classmethod
    def prepare(cls, url: str) -> TestRegistry:
        examples.quiet_mlflow()
        import mlflow

        examples.seed(url, [examples.ExampleModel("base-model", 1)])
        client = mlflow.MlflowClient(tracking_uri=url, registry_uri=url)
        version = client.get_model_version("base-model", "1")
        return cls(url, version.source, version.run_id)

    @property
    def client(self):  # type: ignore[no-untyped-def]
        import mlflow

        return mlflow.MlflowClient(tracking_uri=self.url, registry_uri=self.url)

    def unique(self, stem: str) -> str:
        return f"{stem}-{uuid.uuid4().hex[:6]}"

    def create(
        self, name: str, versions: int, aliases: dict[str, int] | None = None, source: str | None = None
    ) -> None:
        client = self.client
        client.create_registered_model(name)
        for _ in range(versions):
            chosen = source or self.source
            model_id = chosen.split("/", 1)[1] if chosen.startswith("models:/m-") else None
            client.create_model_version(name, chosen, run_id=self.run_id, model_id=model_id)
        for alias, version in (aliases or {}).items():
            client.set_registered_model_alias(name, alias, str(version))

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self.client.set_registered_model_alias(name, alias, str(version))

    def delete_alias(self, name: str, alias: str) -> None:
        self.client.delete_registered_model_alias(name, alias)


def log_sklearn_model(url: str, name: str, input_example: bool = True) -> str:
    """Log a real scikit-learn model (MLflow 3's default serialization, skops) trained on a pandas
    DataFrame, with the first rows as its input example, register it as `name`; its version."""
    examples.quiet_mlflow()
    from importlib.metadata import version

    import mlflow
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    features = pd.DataFrame({"amount": [0.0, 1.0, 1.0, 0.0], "age": [1.0, 0.0, 1.0, 0.0]})
    # The training environment's pins, given: MLflow would load the model in a subprocess to infer them.
    requirements = [f"{p}=={version(p)}" for p in ("mlflow", "scikit-learn", "numpy", "pandas", "skops")]
    estimator = LogisticRegression().fit(features, [0, 1, 1, 0])
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    mlflow.set_experiment("serve-check")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            input_example=features.head(2) if input_example else None,
            pip_requirements=requirements,
            registered_model_name=name,
        )
    return str(info.registered_model_version)


def create_with_runs(registry: TestRegistry, name: str, aucs: list[float], aliases: dict[str, int]) -> None:
    """A model whose versions each have their own run with `val_auc` logged (offline gates)."""
    client = registry.client
    experiment = client.get_experiment_by_name("model-gitops-examples").experiment_id
    client.create_registered_model(name)
    model_id = registry.source.split("/", 1)[1] if registry.source.startswith("models:/m-") else None
    for auc in aucs:
        run = client.create_run(experiment).info.run_id
        client.log_metric(run, "val_auc", auc)
        client.set_terminated(run)
        client.create_model_version(name, registry.source, run_id=run, model_id=model_id)
    for alias, version in aliases.items():
        client.set_registered_model_alias(name, alias, str(version))
