"""Seldon settings that model owners may change through registered-model tags. Pure.

Registry tags come from many users, so only an allowlist is read, and every value is validated:
`model-gitops.replicas` (an integer from 1 to the environment's `safety.tag_overrides.max_replicas`)
and `model-gitops.resources.{requests,limits}.{cpu,memory}` (Kubernetes quantities). Other
`model-gitops.*` tags are ignored. An invalid value rejects the model with a clear reason.
"""

from __future__ import annotations

import re

from generator.config.base import QUANTITY
from generator.config.safety import TagOverrides
from generator.config.seldon import SeldonSettings
from generator.errors import ModelRejected, redact

PREFIX = "model-gitops."
SHOWN = 40  # longer values are described by their length: cutting one could cut a token in half
RESOURCE_TAG = re.compile(r"^model-gitops\.resources\.(requests|limits)\.(cpu|memory)$")
_QUANTITY = re.compile(QUANTITY)


def apply_tag_overrides(
    settings: SeldonSettings, tags: dict[str, str], policy: TagOverrides, label: str
) -> SeldonSettings:
    """`settings` with the allowlisted, validated tag values applied."""
    if not policy.enabled or not any(key.startswith(PREFIX) for key in tags):
        return settings  # nothing to apply: no copy, no validation
    data = settings.model_dump()
    for key, value in sorted(tags.items()):
        if key == f"{PREFIX}replicas":
            data["replicas"] = _replicas(value, policy.max_replicas, label)
        elif match := RESOURCE_TAG.match(key):
            kind, resource = match.groups()
            data["resources"][kind][resource] = _quantity(key, value, label)
    return SeldonSettings.model_validate(data)


def _replicas(value: str, maximum: int, label: str) -> int:
    # The length check first: `int()` of more than 4,300 digits raises instead of converting.
    whole = value.isascii() and value.isdigit() and len(value) <= len(str(maximum))
    if not whole or not 1 <= int(value) <= maximum:
        raise ModelRejected(
            f"{label}: tag model-gitops.replicas={_shown(value)} is not a whole number from 1 to {maximum}",
            "fix the registered model's tag",
        )
    return int(value)


def _quantity(key: str, value: str, label: str) -> str:
    if len(value) > 20 or not _QUANTITY.match(value):
        raise ModelRejected(
            f"{label}: tag {key}={_shown(value)} is not a Kubernetes quantity (e.g. 500m, 2Gi)",
            "fix the registered model's tag",
        )
    return value


def _shown(value: str) -> str:
    return repr(redact(value)) if len(value) <= SHOWN else f"(a value of {len(value)} characters)"
