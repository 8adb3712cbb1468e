"""The configuration of one environment: what `environments/<env>.yaml` may say.

Pydantic models, frozen, rejecting unknown keys. A file holding only `namespace` and `alias` is a
complete configuration. Loading files lives in `generator.config.loader`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from generator.config.base import DNS_LABEL, Strict
from generator.config.delivery import Delivery
from generator.config.kserve import KServeSettings
from generator.config.monitoring import ArgoCDSettings, MonitoringSettings
from generator.config.notify import Notify
from generator.config.promote import Promotion
from generator.config.rewrite_regex import checked_pattern, checked_template
from generator.config.safety import Safety
from generator.config.seldon import ModelOverride, SeldonSettings, check_override_images
from generator.config.seldon_v2 import SeldonV2Settings, seldon_v2_problems
from generator.config.strategy import Strategy, merged

# Targets with a settings block of their own: target name -> EnvironmentConfig field.
TARGET_BLOCKS: dict[str, str] = {"kserve": "kserve", "seldon-v2": "seldon_v2"}


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

    target: str = Field(
        default="seldon-v1",
        description="The serving stack: seldon-v1 (default), kserve or seldon-v2.",
        min_length=1,
    )
    namespace: str = Field(pattern=DNS_LABEL)
    alias: str | None = Field(None, min_length=1, max_length=255)
    promote: Promotion | None = None
    models: ModelSelection = ModelSelection()
    seldon: SeldonSettings = SeldonSettings()
    kserve: KServeSettings = KServeSettings()
    seldon_v2: SeldonV2Settings = SeldonV2Settings()
    overrides: dict[str, ModelOverride] = {}
    storage: Storage = Storage()
    monitoring: MonitoringSettings = MonitoringSettings()
    argocd: ArgoCDSettings = ArgoCDSettings()
    strategy: Strategy = Strategy()
    delivery: Delivery = Delivery()
    safety: Safety = Safety()
    notify: Notify = Notify()

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str, info: ValidationInfo) -> str:
        """Checked against the serving targets the loader was given (`generator.targets.TARGETS`)."""
        known = (info.context or {}).get("targets")
        if known is not None and value not in known:
            raise ValueError(f"unknown serving target {value!r}; known targets: {', '.join(sorted(known))}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _promotion_approval(cls, data: Any) -> Any:
        """`promote.approval: pull-request` delivers through a pull request unless told otherwise."""
        promote = data.get("promote") if isinstance(data, dict) else None
        if isinstance(promote, dict) and promote.get("approval") == "pull-request" and "delivery" not in data:
            return {**data, "delivery": "pull-request"}
        return data

    @model_validator(mode="after")
    def _alias_or_promotion(self) -> EnvironmentConfig:
        if self.alias is None and self.promote is None:
            raise ValueError(
                "give `alias` (the MLflow alias to deploy) or `promote` (where versions come from)"
            )
        if (
            self.promote is not None
            and self.promote.approval == "pull-request"
            and not self.delivery.pull_request
        ):
            raise ValueError(
                "promote.approval: pull-request needs `delivery: pull-request` (or no `delivery` key)"
            )
        return self

    @model_validator(mode="after")
    def _target_can_do_the_strategies(self, info: ValidationInfo) -> EnvironmentConfig:
        """Each strategy (the environment's, each override's) is one the target can roll out."""
        known = (info.context or {}).get("targets")
        supported = known.get(self.target) if isinstance(known, Mapping) else None
        if not isinstance(supported, Collection) or isinstance(supported, str):
            return self
        wanted = {"strategy": self.strategy.type}
        for model, override in self.overrides.items():
            if override.strategy is not None:
                wanted[f"overrides.{model}.strategy"] = override.strategy.type
        for where, kind in wanted.items():
            if kind not in supported:
                raise ValueError(
                    f"{where}: the {self.target} target cannot roll out {kind!r}; "
                    f"it supports {', '.join(sorted(supported))}"
                )
        return self

    @model_validator(mode="after")
    def _seldon_v2_fits(self) -> EnvironmentConfig:
        """A seldon-v2 environment sets nothing in `seldon:` that a Seldon Core 2 Model cannot carry."""
        if self.target != "seldon-v2":
            return self
        problems = seldon_v2_problems(self.seldon, self.overrides, self.monitoring)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_validator("overrides")
    @classmethod
    def _override_images(
        cls, overrides: dict[str, ModelOverride], info: ValidationInfo
    ) -> dict[str, ModelOverride]:
        if "seldon" in info.data:  # otherwise `seldon` itself was refused
            check_override_images(info.data["seldon"], overrides)
        return overrides

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

    @model_validator(mode="after")
    def _target_block_fits(self) -> EnvironmentConfig:
        """The target's own block judges the rest of the file (`check_environment`, if it has one)."""
        block = TARGET_BLOCKS.get(self.target)
        check = getattr(getattr(self, block), "check_environment", None) if block else None
        if check is not None:
            check(self)
        return self

    def target_settings(self, model: str) -> Any:
        """The target's own settings block for `model` (None for targets without one)."""
        block = TARGET_BLOCKS.get(self.target)
        return getattr(self, block) if block else None

    def seldon_for(self, model: str) -> SeldonSettings:
        """The environment's Seldon settings with the model's override applied."""
        override = self.overrides.get(model)
        if override is None:
            return self.seldon
        changes = override.model_dump(exclude_none=True, by_alias=True, exclude={"strategy", "alerts"})
        return SeldonSettings.model_validate({**self.seldon.model_dump(), **changes})


def json_schema() -> dict[str, object]:
    """The JSON Schema of an environment file, for editor completion."""
    schema = EnvironmentConfig.model_json_schema(by_alias=True)
    schema["title"] = "model-gitops environment"
    return schema
