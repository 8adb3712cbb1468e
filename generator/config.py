"""Environment configuration models: what `environments/<env>.yaml` may say.

Pydantic models, frozen, rejecting unknown keys. A file holding only `namespace` and `alias` is a
complete configuration. Loading files lives in `generator.environments`.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SECRET_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$"

Implementation = Literal[
    "MLFLOW_SERVER",
    "SKLEARN_SERVER",
    "XGBOOST_SERVER",
    "TENSORFLOW_SERVER",
    "HUGGINGFACE_SERVER",
    "TRITON_SERVER",
]
Quantity = Annotated[str, Field(pattern=QUANTITY)]


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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

    def seldon_for(self, model: str) -> SeldonSettings:
        """The environment's Seldon settings with the model's override applied."""
        override = self.overrides.get(model)
        if override is None:
            return self.seldon
        changes = override.model_dump(exclude_none=True, by_alias=True)
        return SeldonSettings.model_validate({**self.seldon.model_dump(), **changes})


def json_schema() -> dict[str, object]:
    """The JSON Schema of an environment file, for editor completion."""
    schema = EnvironmentConfig.model_json_schema(by_alias=True)
    schema["title"] = "model-gitops environment"
    return schema
