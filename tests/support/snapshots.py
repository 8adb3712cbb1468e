"""Plain-data registry snapshots for unit tests (no MLflow involved)."""

from __future__ import annotations

from generator.model import ModelVersion, RegisteredModel, Snapshot


def version(name: str, number: int, uri: str | None = None, **fields: object) -> ModelVersion:
    return ModelVersion(
        name=name,
        version=str(number),
        source=f"models:/m-{name.lower()}{number}",
        storage_uri=uri or f"s3://models/{name}/{number}",
        run_id=f"run-{name}-{number}",
        **fields,  # type: ignore[arg-type]
    )


def snapshot(models: dict[str, dict[str, int]], versions: int = 3, **uris: str) -> Snapshot:
    """`{"model": {"alias": version}}` -> a Snapshot whose models each have `versions` versions."""
    registered = {
        name: RegisteredModel(name, {a: str(v) for a, v in aliases.items()})
        for name, aliases in models.items()
    }
    all_versions = {
        (name, str(n)): version(name, n, uris.get(f"{name}_{n}"))
        for name in models
        for n in range(1, versions + 1)
    }
    return Snapshot("sqlite:///test.db", registered, all_versions)
