"""The configuration of one environment: what `environments/<env>.yaml` may say.

Pydantic models, frozen, rejecting unknown keys. A file holding only `namespace` and `alias` is a
complete configuration. Loading files lives in `generator.config.loader`.
"""

from __future__ import annotations

import fnmatch

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from generator.config.base import DNS_LABEL, Strict
from generator.config.delivery import Delivery
from generator.config.monitoring import ArgoCDSettings, MonitoringSettings
from generator.config.rewrite_regex import checked_pattern, checked_template
from generator.config.safety import Safety
from generator.config.seldon import ModelOverride, SeldonSettings
from generator.config.strategy import Strategy


class ModelSelection(Strict):
    """Which registered models the environment deploys (shell-style globs on the model name)."""

    include: list[str] = ["*"]
    exclude: list[str] = []

    def selects(self, name: str) -> bool:
        included = any(fnmatch.fnmatchcase(name, pattern) for pattern in self.include)
        return included and not any(fnmatch.fnmatchcase(name, p) for p in self.exclude)


class Rewrite(Strict):
    """Map an artifact location MLflow records to one the cluster reads (RE2 regex at the start)."""

    from_: str = Field(alias="from", min_length=1)
    to: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return checked_pattern(value)

    @field_validator("to")
    @classmethod
    def _refers_to_groups(cls, value: str, info: ValidationInfo) -> str:
        pattern = info.data.get("from_")
        return value if pattern is None else checked_template(value, pattern)


class Storage(Strict):
    rewrites: list[Rewrite] = []


class EnvironmentConfig(Strict):
    """One environment: where it deploys, which alias it follows, and how."""

    namespace: str = Field(pattern=DNS_LABEL)
    alias: str = Field(min_length=1, max_length=255)
    models: ModelSelection = ModelSelection()
    seldon: SeldonSettings = SeldonSettings()
    overrides: dict[str, ModelOverride] = {}
    storage: Storage = Storage()
    monitoring: MonitoringSettings = MonitoringSettings()
    argocd: ArgoCDSettings = ArgoCDSettings()
    strategy: Strategy = Strategy()
    delivery: Delivery = Delivery()
    safety: Safety = Safety()

    def seldon_for(self, model: str) -> SeldonSettings:
        """The environment's Seldon settings with the model's override applied."""
        override = self.overrides.get(model)
        if override is None:
            return self.seldon
        changes = override.model_dump(exclude_none=True, by_alias=True, exclude={"strategy"})
        return SeldonSettings.model_validate({**self.seldon.model_dump(), **changes})


def json_schema() -> dict[str, object]:
    """The JSON Schema of an environment file, for editor completion."""
    schema = EnvironmentConfig.model_json_schema(by_alias=True)
    schema["title"] = "model-gitops environment"
    return schema
