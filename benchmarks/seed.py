"""Fill a real MLflow server with N registered models, quickly.

One real scikit-learn model is logged (`generator.registry.examples.seed`); every benchmark
version then points at that logged model's source (with `model_id=`, as MLflow 3 needs for
`models:/m-...` sources), the way tests/support/registry.py does. Registration runs in a few
threads; the server's SQLite store serialises the writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from generator.registry import examples

ENVIRONMENTS = {"dev": "dev", "staging": "staging", "prod": "champion"}
BASE_MODEL = "bench-base"


@dataclass(frozen=True)
class Registry:
    url: str
    source: str
    run_id: str
    names: list[str]
    versions: int

    def client(self):  # type: ignore[no-untyped-def]
        import mlflow

        return mlflow.MlflowClient(tracking_uri=self.url, registry_uri=self.url)

    def aliases(self) -> dict[str, int]:
        """Where each alias points initially: dev newest, staging one older, champion the first."""
        return {"dev": self.versions, "staging": max(1, self.versions - 1), "champion": 1}


def model_names(count: int) -> list[str]:
    """Mostly DNS-safe names, every tenth one a name that has to be sanitised and hashed."""
    return [f"Team{i % 7}_Forecaster.v{i:05d}" if i % 10 == 9 else f"model-{i:05d}" for i in range(count)]


def seed(url: str, count: int, versions: int, threads: int = 4) -> Registry:
    examples.seed(url, [examples.ExampleModel(BASE_MODEL, 1)])
    import mlflow

    examples.quiet_mlflow()
    base = mlflow.MlflowClient(tracking_uri=url, registry_uri=url).get_model_version(BASE_MODEL, "1")
    registry = Registry(url, str(base.source), str(base.run_id), model_names(count), versions)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda chunk: _register(registry, chunk), _split(registry.names, threads * 8)))
    return registry


def _register(registry: Registry, names: list[str]) -> None:
    client = registry.client()
    model_id = registry.source.split("/", 1)[1] if registry.source.startswith("models:/m-") else None
    for name in names:
        client.create_registered_model(name)
        for _ in range(registry.versions):
            client.create_model_version(
                name, registry.source, run_id=registry.run_id, model_id=model_id, await_creation_for=0
            )
        for alias, version in registry.aliases().items():
            client.set_registered_model_alias(name, alias, str(version))


def _split(items: list[str], parts: int) -> Iterator[list[str]]:
    size = max(1, -(-len(items) // parts))
    for start in range(0, len(items), size):
        yield items[start : start + size]
