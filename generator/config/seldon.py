"""Seldon settings of an environment and per-model overrides.

A server/protocol pair for which Seldon's default `seldon-config` has no image (`config.servers`)
is refused here, at load, unless a runtime (`seldon.runtime`, with its image) is declared: Seldon
would admit it and start a pod with no image. Both checks (the
environment's pair, and each override's with what it inherits) see the whole settings, and a
ValidationError raised inside a validator keeps its location under the field being validated,
so messages name `seldon.implementation` or `overrides.<model>.implementation`.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from generator.config.base import DNS_LABEL, SECRET_NAME, Quantity, Strict
from generator.config.monitoring import AlertThresholds
from generator.config.runtime import RuntimeSettings
from generator.config.servers import default_image, protocols_with_image
from generator.config.strategy import Strategy

Protocol = Literal["seldon", "v2"]

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


class Autoscaling(Strict):
    """Scale each deployment between `min_replicas` and `max_replicas`, rendered natively per
    target (Seldon v1 `hpaSpec`, KServe `minReplicas`/`maxReplicas`/`scaleTarget`, Seldon Core 2
    `minReplicas`/`maxReplicas`); `cpu_utilization` is the target share of the CPU request."""

    min_replicas: int = Field(1, ge=1, le=100)
    max_replicas: int = Field(ge=1, le=100)
    cpu_utilization: int | None = Field(None, ge=1, le=100, description="Percent of the CPU request.")

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas {self.min_replicas} is above max_replicas {self.max_replicas}")
        return self


class SeldonSettings(Strict):
    """What every SeldonDeployment of an environment gets unless a model overrides it."""

    protocol: Protocol = "seldon"
    implementation: Implementation = "MLFLOW_SERVER"
    replicas: int = Field(1, ge=1, le=100)
    resources: Resources = Resources()
    env_secret_ref_name: str | None = Field(None, pattern=SECRET_NAME)
    service_account_name: str | None = Field(None, pattern=DNS_LABEL)
    runtime: RuntimeSettings | None = None  # None: the server's default image
    autoscaling: Autoscaling | None = None  # None: a fixed `replicas`

    @model_validator(mode="after")
    def _cpu_request_for_autoscaling(self) -> SeldonSettings:
        """CPU utilization is measured against the CPU request: without one the HPA never scales."""
        if self.autoscaling and self.autoscaling.cpu_utilization and not self.resources.requests.cpu:
            raise ValueError(
                "autoscaling.cpu_utilization needs resources.requests.cpu (utilization is a share of it)"
            )
        return self

    @model_validator(mode="after")
    def _has_image(self) -> SeldonSettings:
        """Refused at `implementation`, naming the protocol's key (`seldon.protocol`)."""
        if self.runtime is None and not default_image(self.implementation, self.protocol):
            error = _no_image(self.implementation, self.protocol, "seldon.protocol")
            details = InitErrorDetails(type=error, loc=("implementation",), input=self.implementation)
            raise ValidationError.from_exception_data("seldon", [details])
        return self


class ModelOverride(Strict):
    """Per-model changes to the environment's Seldon settings; unset fields inherit."""

    protocol: Protocol | None = None
    implementation: Implementation | None = None
    replicas: int | None = Field(None, ge=1, le=100)
    resources: Resources | None = None
    env_secret_ref_name: str | None = Field(None, pattern=SECRET_NAME)
    service_account_name: str | None = Field(None, pattern=DNS_LABEL)
    runtime: RuntimeSettings | None = None  # replaces the environment's runtime as a whole
    autoscaling: Autoscaling | None = None  # replaces the environment's autoscaling as a whole
    strategy: Strategy | None = None  # replaces only the keys it names (see config.strategy)
    alerts: AlertThresholds | None = None  # the model's own alert thresholds (the keys it names)


def check_override_images(seldon: SeldonSettings, overrides: dict[str, ModelOverride]) -> None:
    """Refuse an override whose server/protocol pair (with what it inherits) has no default image.

    Raised as a ValidationError located at `<model>.implementation` (or `.protocol`), so the
    message names the key path under `overrides`.
    """
    errors = []
    for model, override in overrides.items():
        implementation = override.implementation or seldon.implementation
        protocol = override.protocol or seldon.protocol
        if override.runtime or seldon.runtime or default_image(implementation, protocol):
            continue
        key = "implementation" if override.implementation else "protocol"
        source = f"overrides.{model}.protocol" if override.protocol else "seldon.protocol"
        error = _no_image(implementation, protocol, source)
        errors.append(InitErrorDetails(type=error, loc=(model, key), input=getattr(override, key)))
    if errors:
        raise ValidationError.from_exception_data("overrides", errors)


def _no_image(implementation: str, protocol: str, source: str) -> PydanticCustomError:
    valid = protocols_with_image(implementation, get_args(Protocol))
    return PydanticCustomError(
        "server_without_image",
        "{implementation} has no image for protocol {protocol} ({source}) in Seldon Core v1.18.2's "
        "default seldon-config, so its pods would start without one; {implementation} runs with "
        "protocol {valid}, or declare seldon.runtime with an image",
        {
            "implementation": implementation,
            "protocol": protocol,
            "source": source,
            "valid": " or ".join(valid),
        },
    )
