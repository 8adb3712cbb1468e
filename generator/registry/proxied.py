"""Small files read straight from MLflow's artifact proxy: one pooled HTTP GET per file.

`mlflow server` serves artifacts at `GET <tracking uri>/api/2.0/mlflow-artifacts/artifacts/<path>`
(MLflow's documented artifact proxy). A version stored at `mlflow-artifacts:/<path>` (or at an
http(s) location) is read here with one request per file on a connection pool shared by every
worker, instead of through MLflow's download machinery, which costs several milliseconds of client
CPU per file (an artifact repository object, a temporary directory, Databricks and proxy probes on
every request): measured in docs/performance.md ("Artifact check throughput").

It sends what MLflow's client sends: the request headers of MLflow's header providers (resolved
once), the workspace header, and MLflow's credentials (`MLFLOW_TRACKING_TOKEN`,
`MLFLOW_TRACKING_USERNAME`/`PASSWORD` or `~/.mlflow/credentials`, `MLFLOW_TRACKING_INSECURE_TLS`,
`MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_TRACKING_CLIENT_CERT_PATH`), with MLflow's retries of
transient answers and its timeout. Authentication that only MLflow's code performs (an auth
plugin `MLFLOW_TRACKING_AUTH`, AWS SigV4, Databricks) makes `proxy_for` return None: the caller
keeps MLflow's artifact code, as for every other scheme (s3, gs, file, ...).
"""

from __future__ import annotations

import base64
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import urllib3

SCHEMES = ("mlflow-artifacts", "http", "https")  # the locations read here
TRANSIENT = (408, 429, 500, 502, 503, 504)  # what MLflow's client retries


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
            from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

            folder = MlflowArtifactsRepository.resolve_uri(folder, self.tracking_uri)
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
    if urlsplit(tracking_uri).scheme not in ("http", "https"):
        return None
    from mlflow.utils.credentials import get_default_host_creds

    creds = get_default_host_creds(tracking_uri)
    if creds.auth or creds.aws_sigv4 or getattr(creds, "use_databricks_sdk", False):
        return None
    pool = _pool(tracking_uri, creds, workers)
    return ArtifactProxy(tracking_uri, pool, _headers(creds))


def _headers(creds: Any) -> dict[str, str]:
    """MLflow's request headers, resolved once, plus its workspace and authorization headers."""
    from mlflow.tracking.request_header.registry import resolve_request_headers

    headers = {str(k): str(v) for k, v in resolve_request_headers().items()}
    headers.update(_workspace_header())
    if creds.username and creds.password:
        pair = f"{creds.username}:{creds.password}".encode()
        headers["Authorization"] = "Basic " + base64.standard_b64encode(pair).decode()
    elif creds.token:
        headers["Authorization"] = f"Bearer {creds.token}"
    return headers


def _workspace_header() -> dict[str, str]:
    try:
        from mlflow.utils.workspace_context import get_request_workspace
        from mlflow.utils.workspace_utils import WORKSPACE_HEADER_NAME
    except ImportError:  # an MLflow without workspaces
        return {}
    workspace = get_request_workspace()
    return {WORKSPACE_HEADER_NAME: workspace} if workspace else {}


def _pool(tracking_uri: str, creds: Any, workers: int) -> urllib3.PoolManager:
    """A pool with MLflow's retries, timeout, TLS settings and the environment's HTTP proxy."""
    from mlflow.environment_variables import (
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR,
        MLFLOW_HTTP_REQUEST_MAX_RETRIES,
        MLFLOW_HTTP_REQUEST_TIMEOUT,
    )

    retries = urllib3.Retry(
        total=MLFLOW_HTTP_REQUEST_MAX_RETRIES.get(),
        backoff_factor=MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR.get(),
        status_forcelist=TRANSIENT,
        allowed_methods=None,
        raise_on_status=False,
    )
    options: dict[str, Any] = {
        "maxsize": max(1, workers),
        "retries": retries,
        "timeout": float(MLFLOW_HTTP_REQUEST_TIMEOUT.get()),  # connect and read, as requests takes it
        **_tls(creds),
    }
    proxy = _environment_proxy(tracking_uri)
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def _tls(creds: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if creds.server_cert_path:
        options["ca_certs"] = creds.server_cert_path
    elif creds.ignore_tls_verification:
        options["cert_reqs"] = "CERT_NONE"
    if creds.client_cert_path:
        options["cert_file"] = creds.client_cert_path
    return options


def _environment_proxy(url: str) -> str | None:
    """`HTTP(S)_PROXY` for `url` unless `NO_PROXY` exempts its host (as requests, thus MLflow, does)."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _cause(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    return type(reason).__name__
