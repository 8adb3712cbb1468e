"""Fill a real MLflow server with N registered models, quickly.

One real scikit-learn model is logged (`generator.registry.examples.seed`) and the first benchmark
model is registered through the API, its versions pointing at that logged model's source (with
`model_id=`, as MLflow 3 needs for `models:/m-...` sources, the way tests/support/registry.py
does) and its aliases set. The other N-1 models are then either registered the same way through
the API (`api`, about 0.2 s per model on 2 busy cores) or cloned from the first one's rows in
the server's SQLite database in one transaction (`clone`, the default: under a second for 3000):
the same rows MLflow wrote, under other names.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator import yamlio
from generator.registry import examples

ENVIRONMENTS = {"dev": "dev", "staging": "staging", "prod": "champion"}


def runtime_block() -> str:
    """`seldon.runtime` loading the seeded MLflow 3 models (this Python, the pins they record)."""
    return yamlio.dump(
        {"seldon": {"runtime": examples.example_runtime("ghcr.io/acme/mlserver-mlflow:1.7.1")}}
    )


BASE_MODEL = "bench-base"
CLONED_TABLES = ("registered_models", "model_versions", "registered_model_aliases")


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


def seed(
    url: str, database: Path, count: int, versions: int, method: str = "clone", artifacts: Path | None = None
) -> Registry:
    """Register `count` models with `versions` versions and the three aliases each.

    With `artifacts` (the server's artifact directory), every version gets a logged model of its
    own (a copy of the real one, hard-linked): realistic for the lookups and artifact checks.
    """
    examples.seed(url, [examples.ExampleModel(BASE_MODEL, 1)])
    import mlflow

    examples.quiet_mlflow()
    base = mlflow.MlflowClient(tracking_uri=url, registry_uri=url).get_model_version(BASE_MODEL, "1")
    registry = Registry(url, str(base.source), str(base.run_id), model_names(count), versions)
    template, others = registry.names[0], registry.names[1:]
    _register(registry, [template])
    if method == "clone":
        _clone(database, template, others)
    else:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda chunk: _register(registry, chunk), _split(others, 32)))
    if artifacts is not None:
        _logged_model_per_version(database, artifacts, registry.source.split("/", 1)[1])
    return registry


def _logged_model_per_version(database: Path, artifacts: Path, model_id: str) -> None:
    """Give every registered version but the base one a copy of logged model `model_id`."""
    with contextlib.closing(sqlite3.connect(database, timeout=60)) as connection, connection:
        cursor = connection.execute("SELECT * FROM logged_models WHERE model_id = ?", (model_id,))
        columns = [column[0] for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
        source = next(artifacts.glob(f"*/models/{model_id}"))
        versions = connection.execute(
            "SELECT name, version FROM model_versions WHERE name != ?", (BASE_MODEL,)
        ).fetchall()
        for name, version in versions:
            copy = f"m-{uuid.uuid4().hex}"
            location = str(row["artifact_location"]).replace(model_id, copy)
            shutil.copytree(source, source.parent / copy, copy_function=os.link)
            values = {**row, "model_id": copy, "artifact_location": location}
            connection.execute(_insert("logged_models", columns), [values[c] for c in columns])
            connection.execute(
                "UPDATE model_versions SET source = ?, storage_location = ? WHERE name = ? AND version = ?",
                (f"models:/{copy}", location, name, version),
            )


def _clone(database: Path, template: str, names: list[str]) -> None:
    """Copy the template model's rows (model, versions, aliases) under every other name."""
    with contextlib.closing(sqlite3.connect(database, timeout=60)) as connection, connection:
        for table in CLONED_TABLES:
            cursor = connection.execute(f"SELECT * FROM {table} WHERE name = ?", (template,))  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            at = columns.index("name")
            copies = [(*row[:at], name, *row[at + 1 :]) for name in names for row in rows]
            connection.executemany(_insert(table, columns), copies)


def _insert(table: str, columns: list[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names from SQLite


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
