"""A small read-only client of MLflow's documented REST API 2.0, for http(s) tracking URIs.

Importing `mlflow` costs about 1.7 s of every run on 2 busy cores, and a no-op sync uses it only
for the registry read's few searches. `RestReader` answers the same calls `RegistryReader` makes
of an `MlflowClient` (same names, arguments, result attributes and page tokens) with `requests`
and plain JSON. It honours the client's environment as MLflow does (credentials, TLS, headers,
retries and timeout: `generator.registry.mlflow_http`). What it cannot do without MLflow (auth and
header plugins, AWS SigV4, Databricks, workspaces) is left to the `MlflowClient`: `usable(uri)`
says when this client applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import quote

from generator.model import RegisteredModel  # the same fields as MLflow's entity
from generator.registry import mlflow_http

API = "/api/2.0/mlflow"
ABSENT = "RESOURCE_DOES_NOT_EXIST"
MALFORMED = "MALFORMED_RESPONSE"
T = TypeVar("T")


def usable(uri: str) -> bool:
    """An http(s) URI whose client settings this module covers (else use `MlflowClient`)."""
    return not mlflow_http.needs_mlflow(uri) and mlflow_http.workspace() is None


class RestError(Exception):
    """An MLflow error answer: its HTTP status and `error_code` (as MLflow's `RestException`)."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code


@dataclass(frozen=True)
class Page:
    """One page of a search: its items and the next page's token (None on the last page)."""

    items: list[Any]
    token: str | None

    def __iter__(self) -> Any:
        return iter(self.items)


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    source: str
    run_id: str | None
    status: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    experiment_id: str


@dataclass(frozen=True)
class LoggedModel:
    model_id: str
    artifact_location: str


class RestReader:
    """The read calls of `MlflowClient` that `RegistryReader` uses, over MLflow's REST API."""

    def __init__(self, uri: str) -> None:
        import requests  # only when used: requests costs start-up time

        self.base = uri.rstrip("/") + API
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(max_retries=mlflow_http.retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(mlflow_http.client_headers())
        self.session.verify = mlflow_http.verify()  # also passed with each request, as MLflow does:
        # a session's `verify` gives way to REQUESTS_CA_BUNDLE, a request's (False, or a path) does not
        self.session.cert = mlflow_http.client_cert()
        self.timeout = mlflow_http.timeout()

    def search_registered_models(self, max_results: int, page_token: str | None = None) -> Page:
        found = self._get("registered-models/search", _params(max_results=max_results, page_token=page_token))
        return _page(found, "registered_models", _registered_model)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return _one(self._get("registered-models/get", {"name": name}), "registered_model", _registered_model)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        params = _params(
            filter=filter_string, max_results=max_results, order_by=order_by, page_token=page_token
        )
        found = self._get("model-versions/search", params)
        return _page(found, "model_versions", _model_version)

    def search_experiments(self, max_results: int, page_token: str | None = None) -> Page:
        body = _params(max_results=max_results, page_token=page_token, view_type="ACTIVE_ONLY")
        found = self._post("experiments/search", body)
        return _page(found, "experiments", lambda e: Experiment(str(e["experiment_id"])))

    def search_logged_models(
        self,
        experiment_ids: list[str],
        filter_string: str | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page:
        body = _params(
            experiment_ids=experiment_ids,
            filter=filter_string,
            max_results=max_results,
            page_token=page_token,
        )
        found = self._post("logged-models/search", body)
        return _page(found, "models", _logged_model)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return _one(self._get(f"logged-models/{quote(model_id, safe='')}", {}), "model", _logged_model)

    def search_runs(
        self,
        experiment_ids: list[str],
        filter_string: str = "",
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> Page:
        body = _params(
            experiment_ids=experiment_ids,
            filter=filter_string,
            max_results=max_results,
            page_token=page_token,
            run_view_type="ACTIVE_ONLY",
        )
        found = self._post("runs/search", body)
        return _page(found, "runs", _run)

    def get_run(self, run_id: str) -> Any:
        return _one(self._get("runs/get", {"run_id": run_id}), "run", _run)

    def _get(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/{endpoint}"
        return _answer(self.session.get(url, params=params, timeout=self.timeout, verify=self.session.verify))

    def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/{endpoint}"
        return _answer(self.session.post(url, json=body, timeout=self.timeout, verify=self.session.verify))


def _answer(response: Any) -> dict[str, Any]:
    """The JSON of a 200 answer; otherwise a `RestError` with MLflow's error code (or the status)."""
    if response.status_code == 200:
        found = _shaped(lambda: response.json() if response.content.strip() else {})
        return found if isinstance(found, dict) else {}
    try:
        error = response.json()
    except ValueError:
        error = None
    if isinstance(error, dict) and "error_code" in error:
        raise RestError(response.status_code, str(error["error_code"]), str(error.get("message", "")))
    text = " ".join(response.text.split())[:200]
    raise RestError(response.status_code, f"HTTP {response.status_code}", text)


def _page(found: dict[str, Any], key: str, convert: Callable[[Any], Any]) -> Page:
    """One page of a search answer with its items converted."""
    return _shaped(lambda: Page([convert(item) for item in found.get(key) or []], _token(found)))


def _one(found: dict[str, Any], key: str, convert: Callable[[Any], T]) -> T:
    return _shaped(lambda: convert(found[key]))


def _shaped(build: Callable[[], T]) -> T:
    """`build()`, or a `RestError` when the answer is not shaped as MLflow's (a proxy's login page,
    another server): registry data never ends in a traceback."""
    try:
        return build()
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        detail = f"the answer is not MLflow's REST API's ({type(exc).__name__}: {exc})"
        raise RestError(200, MALFORMED, detail[:300]) from None


def _params(**values: Any) -> dict[str, Any]:
    """The request's fields that are set (as MLflow's client sends only set proto fields)."""
    return {key: value for key, value in values.items() if value is not None}


def _token(found: dict[str, Any]) -> str | None:
    return found.get("next_page_token") or None


def _pairs(items: Iterable[dict[str, Any]], key: str, value: str) -> dict[str, str]:
    return {str(item.get(key, "")): str(item.get(value, "")) for item in items}


def _registered_model(found: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=str(found.get("name", "")),
        aliases=_pairs(found.get("aliases", []), "alias", "version"),
        tags=_pairs(found.get("tags", []), "key", "value"),
    )


def _model_version(found: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        name=str(found.get("name", "")),
        version=str(found.get("version", "")),
        source=str(found.get("source", "")),
        run_id=found.get("run_id"),
        status=str(found.get("status", "PENDING_REGISTRATION")),  # the proto enum's default
        tags=_pairs(found.get("tags", []), "key", "value"),
    )


def _logged_model(found: dict[str, Any]) -> LoggedModel:
    info = found.get("info", {})
    return LoggedModel(
        model_id=str(info.get("model_id", "")), artifact_location=str(info.get("artifact_uri", ""))
    )


def _run(found: dict[str, Any]) -> Any:
    """A run as `MlflowClient` shows it: `.info.run_id`, `.info.artifact_uri`, `.data.metrics`."""
    info = found.get("info", {})
    metrics = {
        str(m.get("key", "")): float(m.get("value", 0.0)) for m in found.get("data", {}).get("metrics", [])
    }
    return SimpleNamespace(
        info=SimpleNamespace(run_id=str(info.get("run_id", "")), artifact_uri=info.get("artifact_uri")),
        data=SimpleNamespace(metrics=metrics),
    )
