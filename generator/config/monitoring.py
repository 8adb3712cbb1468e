"""Monitoring and Argo CD settings of an environment: the `monitoring:` and `argocd:` sections.

`monitoring` switches the PodMonitor, the PrometheusRule and the Grafana dashboard on or off, sets
extra labels (kube-prometheus-stack selects monitors and rules by `release: <name>`), alert
thresholds and how dashboards are delivered. `argocd` says how the environment's Application syncs:
automated (prune, selfHeal) everywhere except in an environment named `prod`, unless set.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator

from generator.config.base import HTTP_URL, HTTPS_URL, Strict, described

DURATION = described(
    r"^([0-9]+(ms|s|m|h|d|w|y))+$",
    "must be a Prometheus duration: whole numbers with units ms, s, m, h, d, w or y, e.g. 5m or 1h30m",
)
LABEL_PREFIX = r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
LABEL_NAME = rf"^{LABEL_PREFIX}[A-Za-z0-9]([-A-Za-z0-9_.]{{0,61}}[A-Za-z0-9])?$"
LABEL_VALUE = described(
    r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
    "must be a Kubernetes label value: letters, digits, '-', '_' and '.', starting and ending with "
    "a letter or digit, at most 63 characters",
)
PRODUCTION = "prod"
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
MAX_DURATION_SECONDS = 366 * 86400


def _bounded(value: str) -> str:
    """A Prometheus duration of at most a year (longer ones overflow Prometheus or mean a typo)."""
    parts = re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", value)
    if any(len(number) > 12 for number, _ in parts) or (
        sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts) > MAX_DURATION_SECONDS
    ):
        raise ValueError("must be at most a year (e.g. 365d)")
    return value


Duration = Annotated[str, Field(pattern=DURATION), AfterValidator(_bounded)]
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE)]


def _check_label_names(labels: dict[str, str]) -> dict[str, str]:
    for name in labels:
        if not re.match(LABEL_NAME, name):
            raise ValueError(f"{name!r} is not a valid Kubernetes label name")
    return labels


class PodMonitorSettings(Strict):
    """The PodMonitor of each model, scraping its pods where the serving target's metrics are
    (Seldon Core v1: the executor's `metrics` port at `/prometheus`; KServe: MLServer's 8082 at
    `/metrics`; Seldon Core 2 has none: Seldon's agent PodMonitor scrapes the shared Server pods)."""

    enabled: bool = True
    interval: Duration | None = None


class AlertThresholds(Strict):
    """One model's own alert thresholds (`overrides.<model>.alerts`); unset ones inherit the
    environment's, null switches that alert off for the model."""

    error_ratio: float | None = Field(default=None, gt=0, le=1)
    latency_p95_seconds: float | None = Field(default=None, gt=0)
    no_traffic_for: Duration | None = None
    canary_error_ratio_margin: float | None = Field(default=None, ge=0, le=1)
    canary_latency_ratio: float | None = Field(default=None, gt=0)


class RuleSettings(Strict):
    """The alert rules; a threshold set to null switches that alert off."""

    enabled: bool = True
    window: Duration = "5m"
    for_: Duration = Field(default="5m", alias="for")
    severity: LabelValue = "warning"
    error_ratio: float | None = Field(default=0.05, gt=0, le=1)
    latency_p95_seconds: float | None = Field(default=1.0, gt=0)
    no_traffic_for: Duration | None = "30m"
    canary_error_ratio_margin: float | None = Field(default=0.02, ge=0, le=1)
    canary_latency_ratio: float | None = Field(default=1.5, gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def with_thresholds(self, own: AlertThresholds) -> RuleSettings:
        """These rules with a model's own thresholds (the keys its override sets)."""
        return self.model_copy(update={key: getattr(own, key) for key in own.model_fields_set})


class DashboardSettings(Strict):
    """The Grafana dashboard of each model and how it reaches Grafana."""

    enabled: bool = True
    delivery: Literal["configmap", "grafana-operator"] = "configmap"
    folder: str | None = Field(default=None, min_length=1, max_length=140)
    url: str | None = Field(default=None, pattern=HTTP_URL)
    instance_selector: dict[str, LabelValue] = {"dashboards": "grafana"}

    @field_validator("instance_selector")
    @classmethod
    def _selector_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label_names(value)

    def link(self, uid: str) -> str:
        """Where the dashboard with `uid` opens (relative when no Grafana URL is set)."""
        base = (self.url or "").rstrip("/")
        return f"{base}/d/{uid}"


class MonitoringSettings(Strict):
    """Everything observability-related one environment generates.

    `layout: environment` (the default where the target allows it) makes one PodMonitor, one
    PrometheusRule and one dashboard for the whole environment; `layout: model` one of each per
    model (the only layout of Seldon Core 2, whose series name models, not deployments)."""

    layout: Literal["environment", "model"] | None = None
    labels: dict[str, LabelValue] = {}
    podmonitor: PodMonitorSettings = PodMonitorSettings()
    rules: RuleSettings = RuleSettings()
    dashboard: DashboardSettings = DashboardSettings()

    @field_validator("labels")
    @classmethod
    def _label_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label_names(value)


class ArgoCDSettings(Strict):
    """How Argo CD syncs the environment's Application (repository URL and revision are CLI options)."""

    enabled: bool = True
    sync: Literal["automated", "manual"] | None = None
    prune: bool = True
    self_heal: bool = True
    destination_server: str = Field(default="https://kubernetes.default.svc", pattern=HTTPS_URL)

    def sync_mode(self, environment: str) -> str:
        """`automated` or `manual`: as set, else manual for `prod` and automated elsewhere."""
        if self.sync is not None:
            return self.sync
        return "manual" if environment == PRODUCTION else "automated"
