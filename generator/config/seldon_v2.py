"""`seldon_v2:` the settings of an environment whose target is `seldon-v2` (Seldon Core 2).

Seldon Core 2 schedules each `Model` onto a `Server` whose capabilities cover the Model's
`requirements`; model-gitops renders `requirements: [mlflow]`, which MLServer Servers carry.
`server` pins the Models to one named Server instead. The other Model fields come from the
`seldon:` block as for Seldon Core v1: `replicas`, `resources` (the memory), `env_secret_ref_name`
(the rclone storage secret, `secretName`) and `runtime` (what the Server's image holds).

What the `seldon:` block says that Seldon Core 2 has no place for is refused at load, naming the
key (`seldon_v2_problems`): another prepackaged server than MLflow's, a service account (the
Server's pods run with one, not the Model), a CPU (likewise) and the `seldon` protocol (Seldon
Core 2 serves the Open Inference Protocol, v2, only). So is a PodMonitor per model asked for with
`monitoring.podmonitor.enabled: true` (by default none is rendered for seldon-v2): Seldon Core 2's
metrics are per Model on the Server pods that
every Model shares, scraped once by Seldon's own `agent` PodMonitor, so a PodMonitor per model
would scrape them again and count each series twice. The alert rules and the dashboard query those
metrics (`generator.targets.seldon_v2.promql`).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from generator.config.base import DNS_LABEL, Strict
from generator.config.monitoring import MonitoringSettings
from generator.config.seldon import ModelOverride, Resources, SeldonSettings

SERVED_IMPLEMENTATION = "MLFLOW_SERVER"


class SeldonV2Settings(Strict):
    """Seldon Core 2 settings of every Model the environment renders."""

    server: str | None = Field(
        None,
        pattern=DNS_LABEL,
        description="The Seldon Core 2 Server every Model is scheduled on (spec.server); unset: any "
        "Server whose capabilities include mlflow.",
    )


def seldon_v2_problems(
    seldon: SeldonSettings, overrides: Mapping[str, ModelOverride], monitoring: MonitoringSettings
) -> list[str]:
    """What `seldon:` and `overrides:` set that a Seldon Core 2 Model cannot carry, and a
    PodMonitor per model, key first."""
    problems = _problems("seldon", seldon, seldon.model_fields_set)
    for model, override in overrides.items():
        problems += _problems(f"overrides.{model}", override, override.model_fields_set)
    return problems + _monitoring_problems(monitoring)


def _monitoring_problems(monitoring: MonitoringSettings) -> list[str]:
    """The environment layout, or a PodMonitor asked for in the file (the default one is simply
    not rendered for seldon-v2)."""
    found = []
    if monitoring.layout == "environment":
        found.append(
            "monitoring.layout: Seldon Core 2's series name Models (a canary is a Model of its own), "
            "not deployments, so one rule group cannot tell the models of an environment apart; "
            "remove the key (seldon-v2 monitors each model: layout model)"
        )
    asked = "enabled" in monitoring.podmonitor.model_fields_set and monitoring.podmonitor.enabled
    if not asked:
        return found
    return [
        *found,
        "monitoring.podmonitor.enabled: Seldon Core 2's model metrics come from the Server pods every "
        "Model shares, which Seldon's agent PodMonitor (prometheus/monitors/agent-podmonitor.yaml) "
        "scrapes once; a PodMonitor per model would scrape them again and count every request twice. "
        "Install Seldon's PodMonitor and set monitoring.podmonitor.enabled to false (the rules and "
        "dashboard read its series)",
    ]


def _problems(where: str, settings: SeldonSettings | ModelOverride, given: set[str]) -> list[str]:
    found = []
    if settings.implementation not in (None, SERVED_IMPLEMENTATION):
        found.append(
            f"{where}.implementation: the seldon-v2 target serves MLflow models only "
            f"(requirements: [mlflow] on an MLServer Server); remove {settings.implementation}"
        )
    if "protocol" in given and settings.protocol == "seldon":
        found.append(
            f"{where}.protocol: Seldon Core 2 serves the Open Inference Protocol (v2) only; "
            "remove the key or set v2"
        )
    if settings.service_account_name is not None:
        found.append(
            f"{where}.service_account_name: a Seldon Core 2 Model has no service account (its "
            "Server's pods run with one); remove the key"
        )
    found += [f"{where}.{key}: {reason}" for key, reason in _cpu_problems(settings.resources)]
    if settings.autoscaling is not None and settings.autoscaling.cpu_utilization is not None:
        found.append(
            f"{where}.autoscaling.cpu_utilization: Seldon Core 2 scales a Model between its "
            "min_replicas and max_replicas on inference load, not CPU; remove the key"
        )
    return found


def _cpu_problems(resources: Resources | None) -> list[tuple[str, str]]:
    if resources is None:
        return []
    reason = "a Seldon Core 2 Model has only a memory (its Server's pods have the CPU); remove the key"
    wanted = (("requests", resources.requests.cpu), ("limits", resources.limits.cpu))
    return [(f"resources.{kind}.cpu", reason) for kind, value in wanted if value is not None]


def model_memory(resources: Resources) -> str | None:
    """The Model's `memory`: the memory request, else the memory limit (None when neither is set).

    Seldon Core 2 packs Models onto Server replicas by this amount, as Kubernetes packs pods by
    their requests."""
    return resources.requests.memory or resources.limits.memory
