"""Seldon settings of an environment and per-model overrides."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from generator.config.base import DNS_LABEL, SECRET_NAME, Quantity, Strict
from generator.config.strategy import Strategy

Implementation = Literal[
    "MLFLOW_SERVER",
    "SKLEARN_SERVER",
    "XGBOOST_SERVER",
    "TENSORFLOW_SERVER",
    "HUGGINGFACE_SERVER",
    "TRITON_SERVER",
]


class ResourceList(Strict):
    cpu: Quantity | None = None
    memory: Quantity | None = None


class Resources(Strict):
    requests: ResourceList = ResourceList()
    limits: ResourceList = ResourceList()


class SeldonSettings(Strict):
    """What every SeldonDeployment of an environment gets unless a model overrides it."""

    protocol: Literal["seldon", "v2"] = "seldon"
    implementation: Implementation = "MLFLOW_SERVER"
    replicas: int = Field(1, ge=1, le=100)
    resources: Resources = Resources()
    env_secret_ref_name: str | None = Field(None, pattern=SECRET_NAME)
    service_account_name: str | None = Field(None, pattern=DNS_LABEL)


class ModelOverride(Strict):
    """Per-model changes to the environment's Seldon settings; unset fields inherit."""

    protocol: Literal["seldon", "v2"] | None = None
    implementation: Implementation | None = None
    replicas: int | None = Field(None, ge=1, le=100)
    resources: Resources | None = None
    env_secret_ref_name: str | None = Field(None, pattern=SECRET_NAME)
    service_account_name: str | None = Field(None, pattern=DNS_LABEL)
    strategy: Strategy | None = None  # replaces only the keys it names (see config.strategy)
