"""Reaching the MLflow server: fail fast when nothing listens, say so when a request is retried.

MLflow's HTTP client retries every failure with backoff, a refused connection included, which
made a stopped server cost ten silent seconds. `check_reachable` opens one TCP connection before
the first request: refused, or a host name that does not resolve, is a `RegistryError` at once
(which URI, what to do). Timeouts and 5xx answers, which can recover, are still retried by the
client, and `announce_retries` logs each retry (logger `model_gitops.registry`, shown on stderr).
"""

from __future__ import annotations

import importlib.util
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from generator.errors import RegistryError, redact
from generator.registry import mlflow_http

PROBE_SECONDS = 5.0
# Registries MLflow opens in-process through SQLAlchemy: full `mlflow`, not the `mlflow-skinny` client.
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
LOG = logging.getLogger("model_gitops.registry")
_RETRY_LOGGER = "urllib3.util.retry"


def check_reachable(uri: str) -> None:
    """Raise `RegistryError` now if the http(s) MLflow server at `uri` refuses or cannot be found."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or mlflow_http.environment_proxy(uri):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return  # MLflow reports a malformed URI in its own words
    shown = redact(uri)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_SECONDS):
            return
    except ConnectionRefusedError:
        raise RegistryError(
            f"MLflow at {shown} refused the connection",
            "is the server running? (start it, or fix --tracking-uri / MLFLOW_TRACKING_URI)",
        ) from None
    except socket.gaierror:
        raise RegistryError(
            f"MLflow at {shown}: host {parts.hostname} not found", "fix --tracking-uri / MLFLOW_TRACKING_URI"
        ) from None
    except OSError:
        return  # a timeout or the like: the client's own retries decide


def check_store_support(uri: str) -> None:
    """Raise `RegistryError` now if `uri` is a database registry that this install cannot open.

    The base install has `mlflow-skinny` (the client of an MLflow server); a `sqlite:///` or other
    database URI needs MLflow's server stores, which come with the full `mlflow` package.
    """
    scheme = urlsplit(uri).scheme.split("+")[0]
    if scheme in DATABASE_SCHEMES and importlib.util.find_spec("sqlalchemy") is None:
        raise RegistryError(
            f"a {scheme} registry ({redact(uri)}) needs the full mlflow package; "
            "this install has the client only",
            "point --tracking-uri at an MLflow server (http(s)://...), or pip install 'model-gitops[demo]'",
        )


class _RetryAnnouncer(logging.Handler):
    """Turns urllib3's record of a retry into one line saying what failed and which try is next."""

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        retry: Any = args[1] if len(args) == 2 else None
        history = getattr(retry, "history", None)
        if not history:
            return
        last = history[-1]
        cause = f"HTTP {last.status}" if last.status else _error_name(last.error)
        left = retry.total if isinstance(retry.total, int) else 0
        LOG.warning(
            "MLflow request %s failed (%s); retrying (%d of %d)",
            redact(str(args[0])).split("?")[0],
            cause,
            len(history),
            len(history) + left,
        )


def _error_name(error: object) -> str:
    text = type(error).__name__ if error is not None else "no answer"
    if "timeout" in text.lower() or "timed out" in str(error).lower():
        return "timed out"
    return {"ProtocolError": "connection dropped", "NewConnectionError": "connection failed"}.get(text, text)


def announce_retries() -> None:
    """Log every retry of an HTTP request (idempotent)."""
    logger = logging.getLogger(_RETRY_LOGGER)
    if not any(isinstance(handler, _RetryAnnouncer) for handler in logger.handlers):
        logger.addHandler(_RetryAnnouncer())
        logger.setLevel(logging.DEBUG)
