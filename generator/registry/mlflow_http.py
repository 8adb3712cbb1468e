"""MLflow's client environment over HTTP, resolved without importing `mlflow` (about 1.7 s).

The REST reader (`generator.registry.rest`) and the artifact proxy reader
(`generator.registry.proxied`) talk to an MLflow tracking server as MLflow's own client would,
from the same environment: credentials (`MLFLOW_TRACKING_USERNAME`/`PASSWORD`, else
`~/.mlflow/credentials`, else `MLFLOW_TRACKING_TOKEN`), TLS (`MLFLOW_TRACKING_INSECURE_TLS`,
`MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_TRACKING_CLIENT_CERT_PATH`), the request headers of
MLflow's default header provider, and retries and timeout (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`,
`_BACKOFF_FACTOR`, `_BACKOFF_JITTER`, `_TIMEOUT`, `MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER`) as
urllib3's `Retry`, which both `requests` and a urllib3 pool take.

What only MLflow's code does (an auth plugin `MLFLOW_TRACKING_AUTH`, AWS SigV4, a request header
provider plugin, Databricks' context headers, a non-http(s) URI) makes `needs_mlflow` true: the
callers then keep MLflow's own client. `artifacts_url` resolves `mlflow-artifacts:` URIs to the
tracking server's artifact proxy exactly as `MlflowArtifactsRepository.resolve_uri` does.
"""

from __future__ import annotations

import base64
import configparser
import functools
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit, urlunparse

from generator.errors import RegistryError

HTTP_SCHEMES = ("http", "https")
ARTIFACTS_ROOT = "/api/2.0/mlflow-artifacts/artifacts"  # MLflow's artifact proxy service
RETRIED_STATUSES = (408, 429, 500, 502, 503, 504)  # MLflow's transient failures
NEEDS_MLFLOW = ("MLFLOW_TRACKING_AUTH", "MLFLOW_TRACKING_AWS_SIGV4")  # auth only MLflow's code performs
WORKSPACE = "MLFLOW_WORKSPACE"
WORKSPACE_HEADER = "X-MLFLOW-WORKSPACE"  # mlflow.utils.workspace_utils.WORKSPACE_HEADER_NAME
HEADER_PLUGINS = "mlflow.request_header_provider"  # entry points MLflow adds headers from
DATABRICKS_RUNTIME = "DATABRICKS_RUNTIME_VERSION"  # where MLflow's Databricks header provider applies
TRUE, FALSE = ("true", "1"), ("false", "0")


def over_http(uri: str) -> bool:
    return urlsplit(uri).scheme in HTTP_SCHEMES


def needs_mlflow(uri: str) -> bool:
    """Whether talking to `uri` takes MLflow's own client (not plain HTTP from this environment)."""
    return not over_http(uri) or needs_mlflow_auth() or mlflow_adds_headers()


def needs_mlflow_auth() -> bool:
    """An auth plugin or AWS SigV4: only MLflow's code signs or authorizes the requests."""
    return any(os.environ.get(variable, "").strip() for variable in NEEDS_MLFLOW)


def mlflow_adds_headers() -> bool:
    """Whether MLflow's header providers add to `client_headers` (a plugin, or Databricks' context)."""
    return bool(os.environ.get(DATABRICKS_RUNTIME)) or _header_plugins()


def workspace() -> str | None:
    """The workspace MLflow's client names in its requests (`MLFLOW_WORKSPACE`), if any."""
    return os.environ.get(WORKSPACE, "").strip() or None


@functools.cache
def _header_plugins() -> bool:
    """Whether an installed package adds request headers to MLflow's (an auth header, often)."""
    from importlib.metadata import entry_points

    return bool(entry_points(group=HEADER_PLUGINS))


def client_headers() -> dict[str, str]:
    """What MLflow's client sends on every request: its default headers and the authorization."""
    version = _mlflow_version()
    return {
        "User-Agent": f"mlflow-python-client/{version}",
        "X-MLflow-Client-Version": version,
        **auth_header(),
    }


@functools.cache
def _mlflow_version() -> str:
    """`mlflow.__version__`, read from the installed distribution's metadata (no import)."""
    from importlib.metadata import PackageNotFoundError, version

    for distribution in ("mlflow", "mlflow-skinny"):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return "unknown"


def auth_header() -> dict[str, str]:
    """Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD (or the credentials file), else the token."""
    username, password = credentials()
    if username and password:
        pair = base64.standard_b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def credentials() -> tuple[str | None, str | None]:
    """Username and password: each from the environment, else from `~/.mlflow/credentials`."""
    stored: dict[str, str] = {}
    path = Path(os.path.expanduser("~/.mlflow/credentials"))
    if path.is_file():
        config = configparser.ConfigParser()
        config.read(path)
        stored = dict(config["mlflow"]) if "mlflow" in config else {}
    username = os.environ.get("MLFLOW_TRACKING_USERNAME") or stored.get("mlflow_tracking_username")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD") or stored.get("mlflow_tracking_password")
    return username, password


def verify() -> bool | str:
    """`requests`' `verify`: False (insecure TLS), the server's CA bundle, or True."""
    insecure = flag("MLFLOW_TRACKING_INSECURE_TLS", default=False)
    server_cert = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH")
    if insecure and server_cert:
        raise RegistryError(
            "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set",
            "unset one of them",
        )
    return False if insecure else server_cert or True


def client_cert() -> str | None:
    return os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH") or None


def pool_tls() -> dict[str, Any]:
    """`verify` and `client_cert` as urllib3 pool options, with the CA bundle `requests` would use.

    `requests` (thus MLflow) checks a server against REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, else
    certifi's bundle, unless MLFLOW_TRACKING_SERVER_CERT_PATH names one; a folder is a CA folder."""
    checked = verify()
    options: dict[str, Any] = (
        {"cert_reqs": "CERT_NONE"} if checked is False else {"cert_reqs": "CERT_REQUIRED"}
    )
    if checked is not False:
        bundle = checked if isinstance(checked, str) else _default_ca_bundle()
        options["ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"] = bundle
    if cert := client_cert():
        options["cert_file"] = cert
    return options


def _default_ca_bundle() -> str:
    import certifi

    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()


def timeout() -> float:
    """Seconds to connect, and to wait for an answer (MLFLOW_HTTP_REQUEST_TIMEOUT)."""
    return float(os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "120"))


def retry(raise_on_status: bool = True) -> Any:
    """MLflow's retry policy (`mlflow.utils.request_utils`), from the same environment variables.

    `raise_on_status=False` returns the last answer once retries are spent (urllib3 pools);
    `requests` needs True to raise its `RetryError`."""
    from urllib3.util.retry import Retry

    tries = int(os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "7"))
    return Retry(
        total=tries,
        connect=tries,
        read=tries,
        redirect=tries,
        status=tries,
        status_forcelist=RETRIED_STATUSES,
        backoff_factor=float(os.environ.get("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "2")),
        backoff_jitter=float(os.environ.get("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "1.0")),
        allowed_methods=None,  # the searches are POSTs, and reads: retried as MLflow does
        raise_on_status=raise_on_status,
        respect_retry_after_header=flag("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", default=True),
    )


def flag(variable: str, default: bool) -> bool:
    """A boolean variable as MLflow reads one: true/false/1/0 in any case, else an error."""
    value = os.environ.get(variable, "").strip().lower()
    if not value:
        return default
    if value not in TRUE + FALSE:
        raise RegistryError(
            f"{variable}={value!r} is not true or false", "fix or unset the environment variable"
        )
    return value in TRUE


def artifacts_url(artifact_uri: str, tracking_uri: str) -> str:
    """The artifact proxy URL of an `mlflow-artifacts:` URI (`:/path` or `://host:port/path`).

    Exactly `mlflow.store.artifact.mlflow_artifacts_repo.MlflowArtifactsRepository.resolve_uri`,
    raising `ValueError` where it raises (a port without a host, a non-http(s) tracking URI)."""
    track, artifact = urlparse(tracking_uri), urlparse(artifact_uri)
    if artifact.hostname and _numeric(artifact.hostname) and not artifact.port:
        raise ValueError(f"the mlflow-artifacts URI has a port ({artifact.hostname}) but no host")
    if track.scheme not in HTTP_SCHEMES:
        raise ValueError("an mlflow-artifacts URI needs an http(s) tracking URI")
    if artifact.path == "/":
        path = f"{ARTIFACTS_ROOT}/"
    elif artifact.path == ARTIFACTS_ROOT:
        path = ARTIFACTS_ROOT
    else:
        path = f"{track.path}/{ARTIFACTS_ROOT}/{artifact.path}"
    path = re.sub(r"//+", "/", path)
    resolved = urlunparse((track.scheme, artifact.netloc or track.netloc, path, "", "", ""))
    return resolved.replace("///", "/").rstrip("/")


def _numeric(hostname: str) -> bool:
    try:
        float(hostname)
    except ValueError:
        return False
    return True


def environment_proxy(url: str) -> str | None:
    """`HTTP(S)_PROXY` for `url` unless `NO_PROXY` exempts its host (as requests, thus MLflow, does)."""
    from urllib.request import getproxies, proxy_bypass

    parts = urlsplit(url)
    proxy = getproxies().get(parts.scheme)
    if not proxy or proxy_bypass(parts.hostname or ""):
        return None
    return str(proxy)
