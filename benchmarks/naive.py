"""The naive way to read the registry, as the benchmark's baseline.

One `get_model_version_by_alias` call per model and environment, plus the per-version lookup
that resolving a `models:/` (or `runs:/`) source needs. It returns the same `Snapshot` as
`generator.registry.read_snapshot`, so everything after the read is identical.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from generator.model import ModelVersion, RegisteredModel, Snapshot


def read_snapshot(
    tracking_uri: str,
    aliases: set[str],
    wanted: Callable[[str], bool] = lambda _: True,
    deployed: Iterable[tuple[str, str]] = (),
    run_metrics: bool = False,
    names: Collection[str] | None = None,
    cache_dir: Path | None = None,  # the baseline remembers nothing between runs
) -> Snapshot:
    """Same arguments and result as `generator.registry.read_snapshot`, one call at a time."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    models: dict[str, RegisteredModel] = {}
    versions: dict[tuple[str, str], ModelVersion] = {}
    for registered in _all_models(client):
        if not wanted(registered.name) or (names is not None and registered.name not in names):
            continue
        found = {}
        for alias in sorted(aliases):
            version = _by_alias(client, registered.name, alias)
            if version is None:
                continue
            found[alias] = str(version.version)
            versions[(registered.name, str(version.version))] = _version(client, version)
        if found:
            tags = {str(k): str(v) for k, v in (registered.tags or {}).items()}
            models[registered.name] = RegisteredModel(registered.name, found, tags)
    for name, number in sorted(set(deployed)):
        if name in models and (name, number) not in versions:
            versions[(name, number)] = _version(client, client.get_model_version(name, number))
    metrics = {}
    if run_metrics:
        for run_id in sorted({v.run_id for v in versions.values() if v.run_id}):
            metrics[run_id] = dict(sorted(client.get_run(run_id).data.metrics.items()))
    return Snapshot(tracking_uri, dict(sorted(models.items())), versions, metrics)


def _all_models(client: Any) -> list[Any]:
    found, token = [], None
    while True:
        page = client.search_registered_models(max_results=1000, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            return found


def _by_alias(client: Any, name: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST" or "not found" in exc.message:
            return None  # this model has no such alias
        raise


def _version(client: Any, version: Any) -> ModelVersion:
    source = str(version.source or "")
    return ModelVersion(
        name=version.name,
        version=str(version.version),
        source=source,
        storage_uri=_storage(client, source),
        run_id=str(version.run_id or ""),
        status=str(version.status or ""),
        tags={str(k): str(v) for k, v in (version.tags or {}).items()},
    )


def _storage(client: Any, source: str) -> str:
    if source.startswith("models:/m-") and source.count("/") == 1:
        location = str(client.get_logged_model(source.split("/", 1)[1]).artifact_location)
    elif source.startswith("runs:/"):
        _, run_id, *path = source[len("runs:/") :].split("/")
        location = "/".join([client.get_run(run_id).info.artifact_uri, *path]).rstrip("/")
    else:
        location = source
    return f"file://{location}" if location.startswith("/") else location
