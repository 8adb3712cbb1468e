"""Plain data passed between the layers: what the registry holds and what Git already has.

These are frozen dataclasses with no behaviour that touches the outside world, so the pure core
(`plan`, `render`) can be fed from MLflow, from files or from a test with equal ease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model, as read from the registry."""

    name: str
    version: str
    source: str
    storage_uri: str
    run_id: str = ""
    status: str = "READY"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model with its aliases (alias -> version number as a string)."""

    name: str
    aliases: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """The registry state one run works from."""

    tracking_uri: str
    models: dict[str, RegisteredModel]
    versions: dict[tuple[str, str], ModelVersion]
    run_metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # run id -> metric -> value

    def aliased(self, model: str, alias: str | None) -> ModelVersion | None:
        """The READY version that `model@alias` points at, if any (None for no alias)."""
        registered = self.models.get(model)
        if registered is None or alias is None or alias not in registered.aliases:
            return None
        found = self.versions.get((model, registered.aliases[alias]))
        return found if found is not None and found.status == "READY" else None


@dataclass(frozen=True)
class Deployed:
    """What `rendered/<env>/<dir>/seldondeployment.yaml` currently says."""

    model: str
    version: str
    directory: str
    annotations: dict[str, str] = field(default_factory=dict)
    predictor: str = ""  # the serving (non-shadow) predictor's name, kept across strategies
    served_by: str = ""  # what serves it as the file says (server, protocol); "" when unknown


@dataclass(frozen=True)
class ServedSince:
    """Since when (the commit that first rendered it, and that commit's time) an environment has
    served a model's version without interruption: read from Git history (promotion soak)."""

    version: str
    commit: str
    time: datetime


@dataclass(frozen=True)
class CurrentState:
    """The rendered tree as it is in Git: environment -> model name -> deployment.

    `since` holds, for promotion sources only, since when each model's version has served.
    """

    deployed: dict[str, dict[str, Deployed]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    since: dict[str, dict[str, ServedSince]] = field(default_factory=dict)


Document = dict[str, Any]
