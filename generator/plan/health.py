"""The health tag `model-gitops health` writes, read back (status, promotion). Pure."""

from __future__ import annotations

from generator.model import ModelVersion

HEALTH_TAG = "model-gitops.{environment}.health"


def health_of(version: ModelVersion | None, environment: str) -> str:
    """`Healthy`, `Degraded`, ... as last written for `environment` ("" when never read)."""
    if version is None:
        return ""
    value = version.tags.get(HEALTH_TAG.format(environment=environment), "")
    return value.split(" (", 1)[0]
