"""MLflow webhook payloads, and which of them can change what is deployed. Pure.

MLflow posts `{"entity": ..., "action": ..., "timestamp": ..., "data": {...}}`
(`mlflow/webhooks/delivery.py`, payload shapes in `mlflow/webhooks/types.py`). A sync is worth
running for a new model version, an alias created (set) or deleted, and a model version tag set
or deleted, but only when some environment selects the model, and for alias events only when
that environment follows the alias (its `alias`, or an A/B `challenger`). Tags under
`model-gitops.` are the sync's own write-back: reacting to them would only echo each run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.config import EnvironmentConfig
from generator.config.strategy import strategy_for

MODEL_VERSION_CREATED = "model_version.created"
ALIAS_CREATED = "model_version_alias.created"
ALIAS_DELETED = "model_version_alias.deleted"
TAG_SET = "model_version_tag.set"
TAG_DELETED = "model_version_tag.deleted"
RELEVANT = (MODEL_VERSION_CREATED, ALIAS_CREATED, ALIAS_DELETED, TAG_SET, TAG_DELETED)
"""The events `model-gitops webhook register` subscribes to."""
KNOWN = (
    *RELEVANT,
    "registered_model.created",
    "prompt.created",
    "prompt_version.created",
    "prompt_tag.set",
    "prompt_tag.deleted",
    "prompt_version_tag.set",
    "prompt_version_tag.deleted",
    "prompt_alias.created",
    "prompt_alias.deleted",
    "budget_policy.exceeded",
)
OWN_TAG_PREFIX = "model-gitops."
MAX_FIELD = 1000


class Malformed(ValueError):
    """The body is not an MLflow webhook payload."""


@dataclass(frozen=True)
class Event:
    """One registry event: `kind` is `entity.action`; the rest comes from its data."""

    kind: str
    model: str
    version: str | None = None
    alias: str | None = None
    key: str | None = None

    def describe(self) -> str:
        parts = [self.kind, self.model]
        if self.version:
            parts.append(f"v{self.version}")
        if self.alias:
            parts.append(f"@{self.alias}")
        if self.key:
            parts.append(f"tag {self.key}")
        return " ".join(parts)


def parse(body: bytes) -> Event:
    """The event in an MLflow webhook body, or `Malformed` (call it on verified bodies only)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Malformed("the body is not JSON") from None
    except RecursionError:  # only a signed body gets here, but a bug in a sender must not crash us
        raise Malformed("the body is nested too deeply") from None
    if not isinstance(document, dict):
        raise Malformed("the body is not a JSON object")
    entity, action, data = document.get("entity"), document.get("action"), document.get("data")
    if not isinstance(entity, str) or not isinstance(action, str) or not isinstance(data, dict):
        raise Malformed("expected `entity`, `action` and a `data` object")
    name = _text(data, "name")
    if not name:
        raise Malformed("the event's data has no model `name`")
    return Event(
        kind=f"{entity}.{action}",
        model=name,
        version=_text(data, "version"),
        alias=_text(data, "alias"),
        key=_text(data, "key"),
    )


def _text(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > MAX_FIELD:
        raise Malformed(f"`data.{field}` is not a short string")
    return value


def followed_aliases(config: EnvironmentConfig, model: str) -> set[str]:
    """The aliases an environment deploys `model` from: its own, and an A/B challenger."""
    strategy = strategy_for(config, model)
    aliases = {config.alias} if config.alias else set()
    if strategy.type == "ab" and strategy.challenger:
        aliases.add(strategy.challenger)
    return aliases


@dataclass(frozen=True)
class Filter:
    """Decides which events can change what is deployed, for a set of environments."""

    environments: Mapping[str, EnvironmentConfig]

    def ignore_reason(self, event: Event) -> str | None:
        """None if the event should trigger a sync; else why not (a short metrics label)."""
        if event.kind not in RELEVANT:
            return "event_type"
        if event.kind in (TAG_SET, TAG_DELETED) and (event.key or "").startswith(OWN_TAG_PREFIX):
            return "own_tag"
        selecting = [c for c in self.environments.values() if c.models.selects(event.model)]
        if not selecting:
            return "model_not_selected"
        if event.kind in (ALIAS_CREATED, ALIAS_DELETED) and not any(
            event.alias in followed_aliases(c, event.model) for c in selecting
        ):
            return "alias_not_followed"
        return None
