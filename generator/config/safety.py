"""Safety limits of an environment: the mass-delete guard and what registry tags may change."""

from __future__ import annotations

from pydantic import Field

from generator.config.base import Strict


class TagOverrides(Strict):
    """Seldon settings model owners may set through registered-model tags (`model-gitops.*`).

    Only the allowlisted keys are read: `model-gitops.replicas` (bounded below) and
    `model-gitops.resources.{requests,limits}.{cpu,memory}` (Kubernetes quantities).
    """

    enabled: bool = True
    max_replicas: int = Field(10, ge=1, le=100)


class Safety(Strict):
    max_removed_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Refuse a run that removes more than this share of the environment's "
        "deployments (or all of them) unless --allow-prune is given.",
    )
    tag_overrides: TagOverrides = TagOverrides()
