"""Safety limits of an environment: the mass-delete guard, what registry tags may change, and how
strictly a version must match its runtime."""

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
    strict_runtime: bool = Field(
        False,
        description="Refuse versions whose runtime only drifts from their training environment "
        "(a newer mlflow major, another scikit-learn minor, requirements the runtime does not list) "
        "instead of warning.",
    )
