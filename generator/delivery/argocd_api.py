"""The only module that talks to the Argo CD API: an Application's health and its resources'.

`GET /api/v1/applications/{name}` (Argo CD's REST API, `Authorization: Bearer <token>`) answers
the Application with `status.health.status` and `status.resources[]`, each resource with
`group`, `kind`, `namespace`, `name` and `health.status` (Healthy, Progressing, Degraded,
Suspended, Missing, Unknown). The token comes from `ARGOCD_AUTH_TOKEN` (the variable the
`argocd` CLI reads), never from the command line; failures become one-line `ArgoCDError`s.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from generator import __version__
from generator.errors import ArgoCDError, shorten

TOKEN_VARIABLE = "ARGOCD_AUTH_TOKEN"  # noqa: S105 - the variable's name, not a secret
TIMEOUT = 15.0


@dataclass(frozen=True)
class ResourceHealth:
    group: str
    kind: str
    namespace: str
    name: str
    health: str  # "" when Argo CD reports none for the resource
    message: str = ""


@dataclass(frozen=True)
class ApplicationHealth:
    name: str
    health: str
    sync: str
    revision: str
    resources: tuple[ResourceHealth, ...]


def application_health(server: str, name: str, token: str | None = None) -> ApplicationHealth:
    """The Application `name`'s health and its resources' on the Argo CD at `server`."""
    token = token if token is not None else os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise ArgoCDError(f"{TOKEN_VARIABLE} is not set", "create a read-only Argo CD token and export it")
    url = f"{server.rstrip('/')}/api/v1/applications/{quote(name, safe='')}"
    headers = {"Authorization": f"Bearer {token}", "User-Agent": f"model-gitops/{__version__}"}
    try:
        answer = requests.get(url, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise ArgoCDError(
            f"cannot reach Argo CD at {server} ({type(exc).__name__})", "check --argocd-url"
        ) from None
    if answer.status_code in (401, 403):
        raise ArgoCDError(f"Argo CD refused the token ({answer.status_code})", f"check {TOKEN_VARIABLE}")
    if answer.status_code == 404:
        raise ArgoCDError(
            f"Argo CD has no application {name}", "sync the Argo CD applications in rendered/ first"
        )
    if answer.status_code != 200:
        said = shorten(" ".join(answer.text.split()), 160)
        raise ArgoCDError(f"Argo CD answered HTTP {answer.status_code} for {name}: {said}")
    try:
        return _parsed(name, answer.json())
    except (ValueError, TypeError, AttributeError):
        raise ArgoCDError(f"Argo CD's answer for {name} is not an Application") from None


def _parsed(name: str, body: Any) -> ApplicationHealth:
    status = body.get("status") or {}
    resources = tuple(
        ResourceHealth(
            str(item.get("group") or ""),
            str(item.get("kind") or ""),
            str(item.get("namespace") or ""),
            str(item.get("name") or ""),
            str((item.get("health") or {}).get("status") or ""),
            str((item.get("health") or {}).get("message") or ""),
        )
        for item in status.get("resources") or []
        if isinstance(item, dict)
    )
    sync = status.get("sync") or {}
    return ApplicationHealth(
        name,
        str((status.get("health") or {}).get("status") or "Unknown"),
        str(sync.get("status") or "Unknown"),
        str(sync.get("revision") or ""),
        resources,
    )
