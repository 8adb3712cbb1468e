"""Small files read straight from MLflow's artifact proxy: one pooled HTTP GET per file.

`mlflow server` serves artifacts at `GET <tracking uri>/api/2.0/mlflow-artifacts/artifacts/<path>`
(MLflow's documented artifact proxy). A version stored at `mlflow-artifacts:/<path>` (or at an
http(s) location) is read here with one request per file on a connection pool shared by every
worker, instead of through MLflow's download machinery, which costs several milliseconds of client
CPU per file (an artifact repository object, a temporary directory, Databricks and proxy probes on
every request): measured in docs/performance.md ("Artifact check throughput").

It sends what MLflow's client sends, from MLflow's client environment read without importing
`mlflow` (`generator.registry.mlflow_http`: credentials, TLS, default headers, retries of transient
answers, timeout), plus the workspace header; `mlflow-artifacts:` locations resolve to the proxy
URL as MLflow resolves them. Only when a header provider plugin (or Databricks' context) adds
headers is MLflow imported, to resolve them once. Authentication that only MLflow's code performs
(an auth plugin `MLFLOW_TRACKING_AUTH`, AWS SigV4) makes `proxy_for` return None: the caller keeps
MLflow's artifact code, as for every other scheme (s3, gs, file, ...).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import urllib3

from generator.registry import mlflow_http

SCHEMES = ("mlflow-artifacts", *mlflow_http.HTTP_SCHEMES)  # the locations read here


class Absent(Exception):
    """The server answered 404: the file does not exist."""


class ProxyError(Exception):
    """Any other failed read: an HTTP error after retries, or no answer."""


class ArtifactProxy:
    """Reads files of folders the artifact proxy serves, on one pool for every thread."""

    def __init__(self, tracking_uri: str, pool: urllib3.PoolManager, headers: dict[str, str]) -> None:
        self.tracking_uri, self.pool, self.headers = tracking_uri, pool, headers

    def serves(self, uri: str) -> bool:
        """Whether the folder at `uri` is read here: a location on the tracking server itself.

        Another host (an http(s) source, `mlflow-artifacts://other-host/...`) keeps MLflow's
        artifact code, so the tracking server's credentials go nowhere MLflow would not send them.
        """
        if urlsplit(uri).scheme not in SCHEMES:
            return False
        try:
            return _origin(self.file_url(uri, "")) == _origin(self.tracking_uri)
        except Exception:  # noqa: BLE001 - MLflow's code will say what is wrong with the location
            return False

    def file_url(self, folder: str, name: str) -> str:
        """The URL of file `name` of the folder at `folder`, resolved as MLflow resolves it."""
        if urlsplit(folder).scheme == "mlflow-artifacts":
            folder = mlflow_http.artifacts_url(folder, self.tracking_uri)
        from requests.utils import requote_uri

        return requote_uri(f"{folder.rstrip('/')}/{name}")

    def text(self, folder: str, name: str) -> str:
        """The file's text; `Absent` for a 404, `ProxyError` for anything else that fails."""
        url = self.file_url(folder, name)
        try:
            response = self.pool.request("GET", url, headers=self.headers, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise ProxyError(f"GET {name} failed: {_cause(exc)}") from None
        if response.status == 404:
            raise Absent(f"{name} does not exist (HTTP 404)")
        if response.status != 200:
            raise ProxyError(f"GET {name} answered HTTP {response.status} {response.reason or ''}".strip())
        return bytes(response.data).decode("utf-8")

    def close(self) -> None:
        """Close the pooled connections."""
        self.pool.clear()


def proxy_for(tracking_uri: str, workers: int) -> ArtifactProxy | None:
    """A reader for `tracking_uri`'s artifact proxy, or None when MLflow's code must read."""
    if not mlflow_http.over_http(tracking_uri) or mlflow_http.needs_mlflow_auth():
        return None
    return ArtifactProxy(tracking_uri, _pool(tracking_uri, workers), _headers())


def _headers() -> dict[str, str]:
    """MLflow's request headers, resolved once, plus its workspace and authorization headers."""
    if mlflow_http.mlflow_adds_headers():
        headers = {**_plugin_headers(), **mlflow_http.auth_header()}
    else:
        headers = mlflow_http.client_headers()
    if workspace := mlflow_http.workspace():
        headers[mlflow_http.WORKSPACE_HEADER] = workspace
    return headers


def _plugin_headers() -> dict[str, str]:
    """The headers of every MLflow header provider in context: MLflow's own code, imported once."""
    from mlflow.tracking.request_header.registry import resolve_request_headers

    return {str(k): str(v) for k, v in resolve_request_headers().items()}


def _pool(tracking_uri: str, workers: int) -> urllib3.PoolManager:
    """A pool with MLflow's retries, timeout, TLS settings and the environment's HTTP proxy."""
    options: dict[str, Any] = {
        "maxsize": max(1, workers),
        "retries": mlflow_http.retry(raise_on_status=False),
        "timeout": mlflow_http.timeout(),  # connect and read, as requests takes it
        **mlflow_http.pool_tls(),
    }
    proxy = mlflow_http.environment_proxy(tracking_uri)
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _cause(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    return type(reason).__name__
