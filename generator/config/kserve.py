"""KServe settings of an environment: the `kserve:` block, read when `target: kserve`.

`deployment_mode` is rendered as the `serving.kserve.io/deploymentMode` annotation of every
InferenceService, with KServe v0.20.0's names: `Knative` (Serverless) or `Standard`
(RawDeployment). The old names are refused: KServe v0.20's mutating webhook rewrites them to the
new ones (`pkg/apis/serving/v1beta1/inference_service_defaults.go`), so Git would differ from the
cluster forever and Argo CD would never be in sync. `runtime` names the ServingRuntime (or
ClusterServingRuntime) that serves the models, rendered as `spec.predictor.model.runtime`; unset,
KServe picks the runtime that supports `modelFormat: mlflow` (its `kserve-mlserver`).

`check_environment` holds what the kserve target cannot do with the rest of an environment file
(`EnvironmentConfig` calls it when `target: kserve`), each refusal naming the key to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from generator.config.base import DNS_LABEL, Strict
from generator.config.strategy import strategy_for

if TYPE_CHECKING:
    from generator.config.environment import EnvironmentConfig
    from generator.config.seldon import ModelOverride, SeldonSettings

DeploymentMode = Literal["Knative", "Standard"]
LEGACY_MODES = {"Serverless": "Knative", "RawDeployment": "Standard"}
BUILT_IN_RUNTIME = "kserve-mlserver"  # KServe's ClusterServingRuntime for modelFormat mlflow
CANARY_MODE = "Knative"  # the only mode whose reconciler reads canaryTrafficPercent


class KServeSettings(Strict):
    """How the environment's InferenceServices run in KServe."""

    deployment_mode: DeploymentMode = Field(
        "Knative",
        description="Knative (KServe's Serverless; canary rollouts) or Standard (RawDeployment: "
        "plain Deployments, replace only).",
    )
    runtime: str | None = Field(
        None,
        pattern=DNS_LABEL,
        description="The ServingRuntime or ClusterServingRuntime serving the models (default: the one "
        "KServe picks for modelFormat mlflow, kserve-mlserver). Another runtime needs seldon.runtime "
        "to say what is inside it.",
    )

    @field_validator("deployment_mode", mode="before")
    @classmethod
    def _current_name(cls, value: object) -> object:
        if isinstance(value, str) and value in LEGACY_MODES:
            raise ValueError(
                f"KServe v0.20 renamed {value} to {LEGACY_MODES[value]} and its webhook rewrites the "
                f"old name, so Git would never match the cluster; write {LEGACY_MODES[value]}"
            )
        return value

    def check_environment(self, config: EnvironmentConfig) -> None:
        """ValueError for the first setting of `config` the kserve target cannot honour."""
        problem = next(
            (found for check in _CHECKS if (found := check(self, config)) is not None),
            None,
        )
        if problem is not None:
            raise ValueError(problem)


def _canary_needs_knative(kserve: KServeSettings, config: EnvironmentConfig) -> str | None:
    """KServe v0.20 reads `canaryTrafficPercent` only in its Knative reconciler."""
    if kserve.deployment_mode == CANARY_MODE:
        return None
    wanted = {"strategy": config.strategy.type}
    wanted |= {f"overrides.{m}.strategy": strategy_for(config, m).type for m in config.overrides}
    where = next((key for key, kind in wanted.items() if kind == "canary"), None)
    if where is None:
        return None
    return (
        f"{where}: canary needs kserve.deployment_mode: Knative; in {kserve.deployment_mode} mode "
        "KServe v0.20 ignores canaryTrafficPercent (only its Knative reconciler splits traffic), "
        "so use strategy replace there"
    )


def _mlflow_server_only(kserve: KServeSettings, config: EnvironmentConfig) -> str | None:
    """The InferenceService serves `modelFormat: mlflow` over protocol v2, whatever Seldon would."""
    for where, settings in _seldon_blocks(config):
        chosen = settings.model_fields_set
        if "implementation" in chosen and settings.implementation != "MLFLOW_SERVER":
            return (
                f"{where}.implementation: the kserve target serves MLflow models (modelFormat mlflow "
                f"in KServe's MLServer), not {settings.implementation}; remove the key"
            )
        if "protocol" in chosen and settings.protocol != "v2":
            return (
                f"{where}.protocol: the kserve target always serves the V2 inference protocol "
                "(protocolVersion: v2); remove the key or write v2"
            )
        if settings.env_secret_ref_name is not None:
            return (
                f"{where}.env_secret_ref_name: KServe reads storage credentials through the pod's "
                "service account (secrets annotated serving.kserve.io/s3-endpoint, ...); set "
                "seldon.service_account_name instead"
            )
    return None


def _other_runtime_declared(kserve: KServeSettings, config: EnvironmentConfig) -> str | None:
    """What runs the models must be known: the built-in runtime's profile, or a declared one."""
    if kserve.runtime in (None, BUILT_IN_RUNTIME) or config.seldon.runtime is not None:
        return None
    return (
        f"kserve.runtime: {kserve.runtime} is not KServe's {BUILT_IN_RUNTIME}, so what it runs is "
        "unknown; declare seldon.runtime (image, python, packages) so each version is checked "
        "against it (its image is rendered on the predictor)"
    )


def _seldon_blocks(config: EnvironmentConfig) -> list[tuple[str, SeldonSettings | ModelOverride]]:
    return [("seldon", config.seldon), *((f"overrides.{m}", o) for m, o in config.overrides.items())]


_CHECKS = (_canary_needs_knative, _mlflow_server_only, _other_runtime_declared)
