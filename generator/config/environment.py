"""The configuration of one environment: what `environments/<env>.yaml` may say.

Pydantic models, frozen, rejecting unknown keys. A file holding only `namespace` and `alias` is a
complete configuration. Loading files lives in `generator.config.loader`.
"""

from __future__ import annotations

import fnmatch
import re

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from generator.config.base import DNS_LABEL, Strict
from generator.config.delivery import Delivery
from generator.config.monitoring import ArgoCDSettings, MonitoringSettings
from generator.config.safety import Safety
from generator.config.seldon import ModelOverride, SeldonSettings
from generator.config.strategy import Strategy, merged


class ModelSelection(Strict):
    """Which registered models the environment deploys (shell-style globs on the model name)."""

    include: list[str] = ["*"]
    exclude: list[str] = []

    def selects(self, name: str) -> bool:
        included = any(fnmatch.fnmatchcase(name, pattern) for pattern in self.include)
        return included and not any(fnmatch.fnmatchcase(name, p) for p in self.exclude)


class Rewrite(Strict):
    """Map an artifact location MLflow records to one the cluster reads (regex at the start)."""

    from_: str = Field(alias="from", min_length=1)
    to: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


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

    @model_validator(mode="after")
    def _overrides_combine(self) -> EnvironmentConfig:
        """Each override, merged with the environment's settings, is valid (checked once, here)."""
        for model, override in self.overrides.items():
            try:
                merged(self.strategy, override.strategy)
                self.seldon_for(model)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                reason = str(first["msg"]).removeprefix("Value error, ")
                raise ValueError(
                    f"overrides.{model} combined with the environment's settings: "
                    f"{where + ': ' if where else ''}{reason}"
                ) from None
        return self

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
