"""Monitoring of one model in one environment: PodMonitor, PrometheusRule and dashboard. Pure.

The documents depend on the environment's configuration and the model's name only, never on the
deployed version: alerts name the version from the labels of the series that fire (Seldon v1 and
KServe: `predictor_version`, the MLflow version), so a new version changes the serving document and
nothing else. What is scraped, queried and said comes from the environment's serving target's
PromQL vocabulary (`generator.targets.base.MetricsVocabulary`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.config.monitoring import MonitoringSettings, RuleSettings
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX
from generator.targets.base import MetricsVocabulary, ScrapeEndpoint, SeriesSelector, Wording

PODMONITOR_FILE = "podmonitor.yaml"
RULES_FILE = "prometheusrule.yaml"
DASHBOARD_FILE = "dashboard.yaml"
MONITORING_API = "monitoring.coreos.com/v1"


@dataclass(frozen=True)
class Subject:
    """What is monitored: one model (its serving document's `directory`) in one environment, and
    the PromQL vocabulary of the environment's target."""

    environment: str
    namespace: str
    model: str
    directory: str
    settings: MonitoringSettings
    metrics: MetricsVocabulary

    @property
    def selector(self) -> SeriesSelector:
        return self.metrics.selector(self.namespace, self.directory)

    @property
    def wording(self) -> Wording:
        return self.metrics.WORDING

    def labels(self) -> dict[str, str]:
        """Labels of every monitoring resource: the model's, then the configured extra labels."""
        own = {
            "app.kubernetes.io/name": self.directory,
            "app.kubernetes.io/instance": f"{self.directory}-{self.environment}",
            f"{ANNOTATION_PREFIX}environment": self.environment,
        }
        return {**own, **self.settings.labels}


def pod_monitor(subject: Subject, scrape: ScrapeEndpoint) -> Document:
    """Scrape the metrics of every pod serving the model (`scrape`: the target's endpoint)."""
    endpoint: dict[str, Any] = {"port": scrape.port} if isinstance(scrape.port, str) else {}
    endpoint["path"] = scrape.path
    if subject.settings.podmonitor.interval:
        endpoint["interval"] = subject.settings.podmonitor.interval
    relabelings = _undeclared_port(scrape) + [
        {"sourceLabels": [source], "targetLabel": target} for source, target in scrape.labels
    ]
    if relabelings:
        endpoint["relabelings"] = relabelings
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": {"name": subject.directory, "labels": subject.labels()},
        "spec": {
            "selector": {"matchLabels": {scrape.pod_label: subject.directory}},
            "podMetricsEndpoints": [endpoint],
        },
    }


def _undeclared_port(scrape: ScrapeEndpoint) -> list[dict[str, Any]]:
    """A port number the pods do not declare: Prometheus discovers one target per declared port
    of each container (or one per container without ports), so keep the serving container's and
    point each at `<pod IP>:<port>` (IPv6 addresses in brackets). Targets of one container that
    end up alike are scraped once."""
    if isinstance(scrape.port, str):
        return []
    container = ["__meta_kubernetes_pod_container_name"]
    return [
        {"action": "keep", "sourceLabels": container, "regex": scrape.container},
        _address("([^:]+)", f"$1:{scrape.port}"),  # IPv4
        _address("(.+:.+)", f"[$1]:{scrape.port}"),  # IPv6
    ]


def _address(regex: str, replacement: str) -> dict[str, Any]:
    """Set the scrape address from the pod's IP when it matches `regex`."""
    source = ["__meta_kubernetes_pod_ip"]
    return {"sourceLabels": source, "regex": regex, "targetLabel": "__address__", "replacement": replacement}


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
    rules, promql = subject.settings.rules, subject.metrics
    selector, window, per_predictor = subject.selector, rules.window, promql.PER_PREDICTOR
    found: list[tuple[str, str, str, str]] = []
    if rules.error_ratio is not None:
        expr = f"{promql.error_ratio(selector, window, per_predictor)} > {promql.number(rules.error_ratio)}"
        found.append(("ModelHighErrorRatio", expr, *_error_text(subject, rules)))
    if rules.latency_p95_seconds is not None:
        p95 = promql.quantile(0.95, selector, window, per_predictor)
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


def _label(name: str) -> str:
    """The value of the firing series' label `name`, in an alert template."""
    return f"{{{{ $labels.{name} }}}}"


def _literal(text: str) -> str:
    """`text` as it should read in an alert template: a model name cannot inject template actions."""
    if "{{" not in text and "}}" not in text:
        return text
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


def _head(subject: Subject) -> str:
    return f"{_literal(subject.model)} ({subject.environment})"


def _where(subject: Subject) -> str:
    return f"{_literal(subject.model)} in environment {subject.environment} (namespace {subject.namespace})"


def _on(words: Wording) -> str:
    """`predictor canary, MLflow version 3`: the firing series' predictor, then its version."""
    return f"{words.predictor} {_label(words.predictor_label)}, {words.version} {_label(words.version_label)}"


def _version_of(words: Wording) -> str:
    """`MLflow version 3 (predictor canary)`: the firing series' version, then its predictor."""
    return (
        f"{words.version} {_label(words.version_label)} ({words.predictor} {_label(words.predictor_label)})"
    )


def _error_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    words, number = subject.wording, subject.metrics.number
    return (
        f"{_head(subject)}: {{{{ $value | humanizePercentage }}}} of requests fail on {_on(words)}",
        f"More than {number((rules.error_ratio or 0) * 100)}% of the requests to model "
        f"{_where(subject)}, "
        f"{_version_of(words)}, got {words.error_answer} over the last {rules.window}.",
    )


def _latency_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    words, number = subject.wording, subject.metrics.number
    return (
        f"{_head(subject)}: {words.latency} latency {{{{ $value | humanizeDuration }}}} on {_on(words)}",
        f"The {words.latency_long} of model {_where(subject)}, {_version_of(words)}, "
        f"is above {number(rules.latency_p95_seconds or 0)}s over the last {rules.window}.",
    )


def _no_traffic_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    words = subject.wording
    seen = subject.metrics.versions_seen(subject.selector, "1d")
    versions = (
        f"{{{{ range query `{seen}` }}}}{{{{ .Labels.{words.version_label} }}}} {{{{ else }}}}"
        "none seen in the last day {{ end }}"
    )
    return (
        f"{_head(subject)}: no requests for {rules.no_traffic_for}",
        f"Model {_where(subject)} served no request in the last {rules.no_traffic_for} "
        f"({words.version}s that served in the last day: {versions.rstrip()}).",
    )


def _canary_error_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    words = subject.wording
    margin = subject.metrics.number((rules.canary_error_ratio_margin or 0) * 100)
    version = f"{words.version} {_label(words.version_label)}"
    return (
        f"{_head(subject)}: canary {version} fails more than stable",
        f"The canary of model {_where(subject)}, {version}, has an error ratio "
        f"{{{{ $value | humanizePercentage }}}} above the stable {words.predictor}'s "
        f"(allowed: {margin} points) over the last {rules.window}.",
    )


def _canary_latency_text(subject: Subject, rules: RuleSettings) -> tuple[str, str]:
    words = subject.wording
    ratio = subject.metrics.number(rules.canary_latency_ratio or 0)
    version = f"{words.version} {_label(words.version_label)}"
    return (
        f"{_head(subject)}: canary {version} is slower than stable",
        f"The canary of model {_where(subject)}, {version}, has a {words.latency} latency of "
        f"{{{{ $value | humanizeDuration }}}}, more than {ratio} "
        f"times the stable {words.predictor}'s over the last {rules.window}.",
    )
