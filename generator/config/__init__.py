"""Configuration models (pydantic). One module per concern; `EnvironmentConfig` ties them up."""

from generator.config.base import Strict
from generator.config.environment import (
    EnvironmentConfig,
    ModelSelection,
    Rewrite,
    Storage,
    json_schema,
)
from generator.config.seldon import ModelOverride, Resources, SeldonSettings

__all__ = [
    "EnvironmentConfig",
    "ModelOverride",
    "ModelSelection",
    "Resources",
    "Rewrite",
    "SeldonSettings",
    "Storage",
    "Strict",
    "json_schema",
]
