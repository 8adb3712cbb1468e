"""Monitoring of one model in one environment: PodMonitor, PrometheusRule and dashboard. Pure.

The documents depend on the environment's configuration and the model's name only, never on the
deployed version: alerts name the MLflow version from the `predictor_version` label of the series
that fire, so a new version changes the SeldonDeployment and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.config.monitoring import MonitoringSettings, RuleSettings
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX
from generator.targets.seldon_v1 import promql
from generator.targets.seldon_v1.promql import PER_PREDICTOR, Selector

PODMONITOR_FILE = "podmonitor.yaml"
RULES_FILE = "prometheusrule.yaml"
DASHBOARD_FILE = "dashboard.yaml"
MONITORING_API = "monitoring.coreos.com/v1"
POD_LABEL = "seldon-deployment-id"
METRICS_PORT = "metrics"
METRICS_PATH = "/prometheus"


@dataclass(frozen=True)
class Subject:
    """What is monitored: one model (its SeldonDeployment `directory`) in one environment."""

    environment: str
    namespace: str
    model: str
    directory: str
    settings: MonitoringSettings

    @property
    def selector(self) -> Selector:
        return Selector(self.namespace, self.directory)

    def labels(self) -> dict[str, str]:
        """Labels of every monitoring resource: the model's, then the configured extra labels."""
        own = {
            "app.kubernetes.io/name": self.directory,
            "app.kubernetes.io/instance": f"{self.directory}-{self.environment}",
            f"{ANNOTATION_PREFIX}environment": self.environment,
        }
        return {**own, **self.settings.labels}


def pod_monitor(subject: Subject) -> Document:
    """Scrape the executor of every predictor pod of the SeldonDeployment."""
    endpoint: dict[str, Any] = {"port": METRICS_PORT, "path": METRICS_PATH}
    if subject.settings.podmonitor.interval:
        endpoint["interval"] = subject.settings.podmonitor.interval
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": {"name": subject.directory, "labels": subject.labels()},
        "spec": {
            "selector": {"matchLabels": {POD_LABEL: subject.directory}},
            "podMetricsEndpoints": [endpoint],
        },
    }


def prometheus_rule(subject: Subject, dashboard_link: str | None) -> Document:
    """The model's alerts, one rule group named after environment and model."""
    return {
        "apiVersion": MONITORING_API,
        "kind": "PrometheusRule",
        "metadata": {"name": subject.directory, "labels": subject.labels()},
        "spec": {"groups": [{"name": group_name(subject), "rules": alert_rules(subject, dashboard_link)}]},
    }


def group_name(subject: Subject) -> str:
    return f"model-gitops.{subject.environment}.{subject.directory}"


def alert_rules(subject: Subject, dashboard_link: str | None) -> list[dict[str, Any]]:
    rules = subject.settings.rules
    selector, window = subject.selector, rules.window
    found: list[tuple[str, str, str, str]] = []
    if rules.error_ratio is not None:
        expr = f"{promql.error_ratio(selector, window, PER_PREDICTOR)} > {promql.number(rules.error_ratio)}"
        found.append(("ModelHighErrorRatio", expr, *_error_text(subject, rules)))
    if rules.latency_p95_seconds is not None:
        p95 = promql.quantile(0.95, selector, window, PER_PREDICTOR)
        expr = f"{p95} > {promql.number(rules.latency_p95_seconds)}"
        found.append(("ModelHighLatencyP95", expr, *_latency_text(subject, rules)))
    if rules.no_traffic_for is not None:
        expr = promql.no_traffic(selector, rules.no_traffic_for)
        found.append(("ModelNoTraffic", expr, *_no_traffic_text(subject, rules)))
    if rules.canary_error_ratio_margin is not None:
        margin = promql.number(rules.canary_error_ratio_margin)
        expr = f"{promql.canary_error_ratio_excess(selector, window)} > {margin}"
        found.append(("ModelCanaryErrorsWorseThanStable", expr, *_canary_error_text(subject, rules)))
    if rules.canary_latency_ratio is not None:
        expr = promql.canary_slower(selector, window, rules.canary_latency_ratio)
        found.append(("ModelCanaryLatencyWorseThanStable", expr, *_canary_latency_text(subject, rules)))
    return [_rule(subject, name, expr, summary, text, dashboard_link) for name, expr, summary, text in found]


def _rule(
    subject: Subject, name: str, expr: str, summary: str, description: str, link: str | None
) -> dict[str, Any]:
    annotations = {"summary": summary, "description": description}
    if link is not None:
        annotations["description"] = f"{description} Dashboard: {link}"
        annotations["dashboard"] = link
    return {
        "alert": name,
        "expr": expr,
        "for": subject.settings.rules.for_,
        "labels": {
            "severity": subject.settings.rules.severity,
            "model": subject.model,
            "environment": subject.environment,
        },
        "annotations": annotations,
    }


VERSION = "{{ $labels.predictor_version }}"
PREDICTOR = "{{ $labels.predictor_name }}"


def _literal(text: str) -> str:
    """`text` as it should read in an alert template: a model name cannot inject template actions."""
    if "{{" not in text and "}}" not in text:
        return text
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


def _head(subject: Subject) -> str:
    return f"{_literal(subject.model)} ({subject.environment})"


def _where(subject: Subject) -> str:
    return f"{_literal(subject.model)} in environment {subject.environment} (namespace {subject.namespace})"


def _error_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    return (
        f"{_head(subject)}: {{{{ $value | humanizePercentage }}}} of requests "
        f"fail on predictor {PREDICTOR}, MLflow version {VERSION}",
        f"More than {promql.number((rules.error_ratio or 0) * 100)}% of the requests to model "
        f"{_where(subject)}, "
        f"MLflow version {VERSION} (predictor {PREDICTOR}), got a 5xx answer over the last {rules.window}.",
    )


def _latency_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    return (
        f"{_head(subject)}: p95 latency {{{{ $value | humanizeDuration }}}} "
        f"on predictor {PREDICTOR}, MLflow version {VERSION}",
        f"The 95th percentile latency of model {_where(subject)}, MLflow version {VERSION} "
        f"(predictor {PREDICTOR}), is above {promql.number(rules.latency_p95_seconds or 0)}s "
        f"over the last {rules.window}.",
    )


def _no_traffic_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    seen = promql.versions_seen(subject.selector, "1d")
    versions = (
        f"{{{{ range query `{seen}` }}}}{{{{ .Labels.predictor_version }}}} {{{{ else }}}}"
        "none seen in the last day {{ end }}"
    )
    return (
        f"{_head(subject)}: no requests for {rules.no_traffic_for}",
        f"Model {_where(subject)} served no request in the last {rules.no_traffic_for} "
        f"(MLflow versions that served in the last day: {versions.rstrip()}).",
    )


def _canary_error_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    margin = promql.number((rules.canary_error_ratio_margin or 0) * 100)
    return (
        f"{_head(subject)}: canary MLflow version {VERSION} fails more than stable",
        f"The canary of model {_where(subject)}, MLflow version {VERSION}, has an error ratio "
        f"{{{{ $value | humanizePercentage }}}} above the stable predictor's (allowed: {margin} points) "
        f"over the last {rules.window}.",
    )


def _canary_latency_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    return (
        f"{_head(subject)}: canary MLflow version {VERSION} is slower than stable",
        f"The canary of model {_where(subject)}, MLflow version {VERSION}, has a p95 latency of "
        f"{{{{ $value | humanizeDuration }}}}, more than {promql.number(rules.canary_latency_ratio or 0)} "
        f"times the stable predictor's over the last {rules.window}.",
    )
