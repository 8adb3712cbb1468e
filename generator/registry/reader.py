"""The only module that talks to MLflow: read the registry into a `Snapshot`.

Reads are batched and paged so the number of requests does not grow with models times
environments: one paged search of registered models (which carries aliases), version searches
with `name IN (...)` in chunks (or, when most models are wanted, one paged search of all
versions), then batched lookups of where the aliased versions' artifacts live (logged models
for `models:/` sources, runs for `runs:/` sources; POST searches, so batches of `POST_BATCH`
ids rather than URL-sized chunks; a few ids are each fetched by id instead). A read scoped to
`names` fetches each named model by name (up to `DIRECT_LOOKUPS` of them), so its requests do not
grow with the registry. With a cache directory, the artifact locations of logged models and runs
(which MLflow never changes) are remembered between runs (`locations`), and only new ids are
looked up. http(s) registries are read through MLflow's REST API (`rest`) without importing
mlflow. Every MLflow failure is translated here into a `RegistryError` that
names the URI and says what to do.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

from generator.errors import RegistryError, redact, shorten
from generator.model import ModelVersion, RegisteredModel, Snapshot
from generator.registry import rest
from generator.registry.connection import announce_retries, check_reachable, check_store_support
from generator.registry.locations import Locations
from generator.registry.rest import ABSENT, RestError, RestReader

T = TypeVar("T")
PAGE = 1000
CHUNK_CHARS = 3000  # `name IN (...)` of a GET search: well below 4 KB request lines
POST_BATCH = 500  # ids per POST search: its filter is in the body; stays below SQLite's 999 variables
DIRECT_LOOKUPS = 10  # up to this many names or ids: one GET each, rather than (paged) searches
_QUIET_RETRIES = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


def read_snapshot(
    tracking_uri: str,
    aliases: set[str],
    wanted: Callable[[str], bool] = lambda _: True,
    deployed: Iterable[tuple[str, str]] = (),
    run_metrics: bool = False,
    names: Collection[str] | None = None,
    cache_dir: Path | None = None,
) -> Snapshot:
    """Registered models carrying any of `aliases` (and `wanted`), with their aliased versions.

    `deployed` (model, version) pairs are read too (a rollout's stable version); with
    `run_metrics`, the metrics of every read version's run come along (offline gates). With
    `names`, only those models are read (one that does not exist is simply absent). With
    `cache_dir`, where logged models and runs keep their artifacts is remembered between runs.
    """
    from generator.registry.runs import read_run_metrics  # runs builds on this module

    reader = RegistryReader(tracking_uri, cache_dir)
    with translate_errors(tracking_uri):
        if names is None:
            models = reader.registered_models(aliases, wanted)
        else:
            models = reader.named_models(names, aliases, wanted)
        needed = {(m.name, v) for m in models for a, v in m.aliases.items() if a in aliases}
        found = {m.name for m in models}
        needed |= {(name, v) for name, v in deployed if name in found}
        versions = reader.versions(sorted({name for name, _ in needed}), needed)
        versions = reader.resolve_storage(versions)
        runs = {v.run_id for v in versions.values() if v.run_id} if run_metrics else set()
        metrics = read_run_metrics(reader, runs)
    reader.locations.save(scoped=names is not None)
    return Snapshot(tracking_uri, {m.name: m for m in models}, versions, metrics)


class RegistryReader:
    """Batched, paged reads through `api`: MLflow's REST API for http(s) URIs, else an `MlflowClient`."""

    def __init__(self, tracking_uri: str, cache_dir: Path | None = None) -> None:
        _check_local_store(tracking_uri)
        check_reachable(tracking_uri)  # refused: fail now, not after the client's retries
        announce_retries()
        for variable, value in _QUIET_RETRIES.items():
            os.environ.setdefault(variable, value)
            if not os.environ[variable].strip().isdigit():
                raise RegistryError(
                    f"{variable}={os.environ[variable]!r} is not a whole number",
                    "fix or unset the environment variable",
                )
        self.uri = tracking_uri
        self.registered_total = 0
        self._experiments: list[str] | None = None
        self._client: Any = None
        self.locations = Locations(cache_dir, tracking_uri)
        # http(s): MLflow's REST API without importing mlflow (start-up time); else the client.
        self.api: Any = RestReader(tracking_uri) if rest.usable(tracking_uri) else self.client

    @property
    def client(self) -> Any:
        """The `MlflowClient` (for writes, artifacts, webhooks and non-http registries)."""
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        return self._client

    def registered_models(self, aliases: set[str], wanted: Callable[[str], bool]) -> list[RegisteredModel]:
        found = []
        for model in _pages(self.api.search_registered_models, max_results=PAGE):
            self.registered_total += 1
            if wanted(model.name):
                found.append(_registered(model))
        return sorted((m for m in found if aliases & set(m.aliases)), key=lambda m: m.name)

    def named_models(
        self, names: Collection[str], aliases: set[str], wanted: Callable[[str], bool]
    ) -> list[RegisteredModel]:
        """`registered_models` restricted to `names`: each fetched by name when they are few."""
        chosen = {name for name in names if name and wanted(name)}
        if len(chosen) > DIRECT_LOOKUPS:
            return self.registered_models(aliases, lambda name: name in chosen)
        found = [m for m in map(self._registered_model, sorted(chosen)) if m is not None]
        return [m for m in found if aliases & set(m.aliases)]

    def _registered_model(self, name: str) -> RegisteredModel | None:
        model = _unless_absent(self.api.get_registered_model, name)
        return None if model is None else _registered(model)

    def versions(self, names: list[str], needed: set[tuple[str, str]]) -> dict[tuple[str, str], ModelVersion]:
        versions = {}
        for found in self._version_pages(names):
            key = (found.name, str(found.version))
            if key in needed:
                versions[key] = _version(found)
        return versions

    def _version_pages(self, names: list[str]) -> Iterator[Any]:
        """Versions of `names`: by name in URL-sized chunks, or all of them when that is most of
        the registry (known only after a search of all registered models)."""
        if names and self.registered_total and 2 * len(names) >= self.registered_total:
            order = ["name ASC", "version_number ASC"]  # stable while paging
            yield from _pages(self.api.search_model_versions, None, PAGE * 10, order)
            return
        for chunk in _chunks(names, _quote):
            query = f"name IN ({', '.join(_quote(n) for n in chunk)})"
            yield from _pages(self.api.search_model_versions, query, max_results=PAGE * 10)

    def resolve_storage(
        self, versions: dict[tuple[str, str], ModelVersion]
    ) -> dict[tuple[str, str], ModelVersion]:
        """Replace `models:/` and `runs:/` sources by the storage location MLflow recorded."""
        logged = {v.source.split("/", 1)[1] for v in versions.values() if _logged_model_id(v)}
        runs = {parsed[0] for v in versions.values() if (parsed := run_source(v.source))}
        if not logged and not runs:
            return versions
        locations = self._remembered("logged_models", logged, self._logged_model_locations)
        run_roots = self._remembered("runs", runs, self._run_artifact_roots)
        return {key: _with_storage(v, locations, run_roots) for key, v in versions.items()}

    def _remembered(
        self, kind: str, ids: set[str], look_up: Callable[[set[str]], dict[str, str]]
    ) -> dict[str, str]:
        """Locations of `ids`: those remembered from earlier runs, the others looked up."""
        known = self.locations.recall(kind, ids)
        fresh = look_up(ids - known.keys())
        self.locations.remember(kind, fresh)
        return {**known, **fresh}

    def experiment_ids(self) -> list[str]:
        """Every experiment's id (searched once per reader: logged-model and run searches need them)."""
        if self._experiments is None:
            self._experiments = [
                e.experiment_id for e in _pages(self.api.search_experiments, max_results=PAGE)
            ]
        return self._experiments

    def _logged_model_locations(self, ids: set[str]) -> dict[str, str]:
        if len(ids) <= DIRECT_LOOKUPS:
            found = _existing(self.api.get_logged_model, ids)
            return {m.model_id: _as_uri(m.artifact_location) for m in found}
        locations = {}
        for chunk in _batches(sorted(ids)):
            query = f"attributes.model_id IN ({', '.join(_quote(i) for i in chunk)})"
            search = self.api.search_logged_models
            for model in _pages(search, self.experiment_ids(), query, max_results=PAGE):
                locations[model.model_id] = _as_uri(model.artifact_location)
        return locations

    def runs(self, ids: set[str]) -> list[Any]:
        """The runs of `ids` that exist: each fetched by id when they are few, else searched."""
        if len(ids) <= DIRECT_LOOKUPS:
            return _existing(self.api.get_run, ids)
        runs: list[Any] = []
        for chunk in _batches(sorted(ids)):
            query = f"attributes.run_id IN ({', '.join(_quote(i) for i in chunk)})"
            runs.extend(_pages(self.api.search_runs, self.experiment_ids(), query, max_results=PAGE))
        return runs

    def _run_artifact_roots(self, ids: set[str]) -> dict[str, str]:
        return {
            run.info.run_id: _as_uri(str(run.info.artifact_uri))
            for run in self.runs(ids)
            if run.info.artifact_uri
        }


def _registered(model: Any) -> RegisteredModel:
    model_aliases = {str(a): str(v) for a, v in (model.aliases or {}).items()}
    tags = {str(k): str(v) for k, v in (model.tags or {}).items()}
    return RegisteredModel(model.name, model_aliases, tags)


def _unless_absent(fetch: Callable[[str], T], key: str) -> T | None:
    """`fetch(key)`, or None when MLflow answers that it does not exist."""
    try:
        return fetch(key)
    except Exception as exc:  # MlflowException or rest.RestError, both with MLflow's error code
        if getattr(exc, "error_code", None) != ABSENT:
            raise
        return None


def _existing(fetch: Callable[[str], T], keys: Iterable[str]) -> list[T]:
    """`fetch` of each key (in order) that exists."""
    return [found for key in sorted(keys) if (found := _unless_absent(fetch, key)) is not None]


def _version(version: Any) -> ModelVersion:
    source = str(version.source or "")
    return ModelVersion(
        name=version.name,
        version=str(version.version),
        source=source,
        storage_uri=_as_uri(source),
        run_id=str(version.run_id or ""),
        status=str(version.status or ""),
        tags={str(k): str(v) for k, v in (version.tags or {}).items()},
    )


def _with_storage(version: ModelVersion, logged: dict[str, str], runs: dict[str, str]) -> ModelVersion:
    model_id = _logged_model_id(version)
    if model_id and model_id in logged:
        return replace(version, storage_uri=logged[model_id])
    parsed = run_source(version.source)
    if parsed and parsed[0] in runs:
        run_id, path = parsed
        location = f"{runs[run_id].rstrip('/')}/{path}" if path else runs[run_id]
        return replace(version, storage_uri=location.rstrip("/"))
    return version


def run_source(source: str) -> tuple[str, str] | None:
    """`runs:/<run_id>/<path>` -> (run id, path), as MLflow reads it; `runs:/<run_id>` is the run's
    artifact root (path ""). None for other sources and for a `runs:/` URI without a run id."""
    if not source.startswith("runs:/"):
        return None
    run_id, _, path = source[len("runs:/") :].partition("/")
    return (run_id, path.strip("/")) if run_id else None


def _logged_model_id(version: ModelVersion) -> str | None:
    if version.source.startswith("models:/m-") and version.source.count("/") == 1:
        return version.source.split("/", 1)[1]
    return None


def _as_uri(location: str) -> str:
    """Local paths as `file://` URIs, so rewrites and checks see one form."""
    return f"file://{location}" if location.startswith("/") else location


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _chunks(items: list[str], render: Callable[[str], str]) -> Iterator[list[str]]:
    """Split items so each `IN (...)` filter stays well below URL length limits."""
    chunk: list[str] = []
    size = 0
    for item in items:
        cost = len(render(item)) + 2
        if chunk and size + cost > CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += cost
    if chunk:
        yield chunk


def _batches(items: list[str], size: int = POST_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pages(search: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterable[Any]:
    token = None
    while True:
        page = search(*args, page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


def _check_local_store(uri: str) -> None:
    check_store_support(uri)
    if uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///") :])
        if not path.is_file():
            raise RegistryError(
                f"no MLflow database at {path}",
                "check MLFLOW_TRACKING_URI (run `model-gitops demo` to create an example registry)",
            )


@contextmanager
def translate_errors(uri: str) -> Iterator[None]:
    """Turn whatever MLflow or the HTTP stack raised into one actionable `RegistryError`."""
    try:
        yield
    except RegistryError:
        raise
    except Exception as exc:
        if not _is_registry_failure(exc):
            raise
        raise RegistryError(*_explain(redact(uri), exc)) from None


def _is_registry_failure(exc: Exception) -> bool:
    from requests import RequestException

    return isinstance(exc, (RestError, RequestException, OSError, *_mlflow_exceptions("MlflowException")))


def _response_status(exc: Exception) -> int | None:
    """The HTTP status of a real server answer (not MlflowException's default of 500)."""
    if isinstance(exc, RestError):
        return exc.status
    if isinstance(exc, _mlflow_exceptions("RestException")):
        return int(cast(Any, exc).get_http_status_code())
    return None


def _mlflow_exceptions(name: str) -> tuple[type[Exception], ...]:
    """MLflow's exception class `name` if mlflow is loaded (if not, nothing raised one)."""
    module = sys.modules.get("mlflow.exceptions")
    return (getattr(module, name),) if module is not None else ()


def _explain(uri: str, exc: Exception) -> tuple[str, str]:
    text = " ".join(str(exc).split())
    lowered = text.lower()
    status = _response_status(exc)
    server_error = re.search(r"too many (5\d\d) error responses", text)
    if server_error or (status is not None and status >= 500):
        code = server_error.group(1) if server_error else status
        return (
            f"MLflow at {uri} failed with HTTP {code} after retries",
            "retry later or check the server logs",
        )
    if "timed out" in lowered or "timeout" in lowered:
        return f"MLflow at {uri} did not answer in time", "check the server's health and load"
    if "refused" in lowered or "failed to establish" in lowered or "max retries exceeded" in lowered:
        return f"MLflow at {uri} refused the connection", "is the server running?"
    if status in (401, 403) or re.search(r"\b(401|403)\b", text):
        return (
            f"MLflow at {uri} rejected the credentials",
            "check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD",
        )
    return f"MLflow at {uri} failed ({shorten(text, 200)})", "check the tracking URI and the server logs"
