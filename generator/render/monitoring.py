"""Monitoring of an environment: PodMonitor, PrometheusRule and dashboard. Pure.

A `Subject` is what one set of documents watches: one model (`monitoring.layout: model`), or
every model of the environment at once (`layout: environment`, the default where the target
can tell deployments apart by a label): one PodMonitor selecting every serving pod of the
namespace, one rule group whose alerts group by deployment, predictor and version, and one
dashboard with a deployment variable. Models with alert thresholds of their own
(`overrides.<model>.alerts`) keep exact rules: a group of their own, and the environment's rules
leave them out (`Subject.excluded`).

The documents depend on configuration and model names only, never on the deployed version:
alerts name the version from the labels of the series that fire (Seldon v1 and KServe:
`predictor_version`, the MLflow version), so a new version changes the serving document and
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
from generator.targets.base import (
    EnvironmentWide,
    MetricsVocabulary,
    ScrapeEndpoint,
    SeriesSelector,
    Wording,
    excluding,
    promql_string,
)

DEPLOYMENT_VARIABLE = "deployment"  # the environment dashboard's variable naming one deployment
PRINTF_NAME = "%s"  # where a template's printf puts the firing series' deployment
PODMONITOR_FILE = "podmonitor.yaml"
RULES_FILE = "prometheusrule.yaml"
DASHBOARD_FILE = "dashboard.yaml"
MONITORING_API = "monitoring.coreos.com/v1"


@dataclass(frozen=True)
class Subject:
    """What is monitored: one model (its serving document's `directory`) in one environment, or
    every model of it (`model` and `directory` None, `scope` the target's `EnvironmentWide`) but
    the `excluded` directories; and the PromQL vocabulary of the environment's target."""

    environment: str
    namespace: str
    model: str | None
    directory: str | None
    settings: MonitoringSettings
    metrics: MetricsVocabulary
    excluded: tuple[str, ...] = ()

    @property
    def scope(self) -> EnvironmentWide | None:
        """The target's environment-wide vocabulary when this subject is a whole environment."""
        return self.metrics.ENVIRONMENT if self.directory is None else None

    @property
    def selector(self) -> SeriesSelector:
        if self.scope is not None:
            return self.scope.selector(self.namespace, self.excluded)
        return self.metrics.selector(self.namespace, self.name)

    @property
    def name(self) -> str:
        """The monitoring resources' name: the model's directory, or `model-gitops-<env>`."""
        return self.directory if self.directory is not None else f"model-gitops-{self.environment}"

    @property
    def wording(self) -> Wording:
        return self.metrics.WORDING

    def labels(self) -> dict[str, str]:
        """Labels of every monitoring resource: the model's, then the configured extra labels."""
        own = {
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/instance": self.name
            if self.directory is None
            else f"{self.name}-{self.environment}",
            f"{ANNOTATION_PREFIX}environment": self.environment,
        }
        return {**own, **self.settings.labels}

    def model_label(self) -> str:
        """The `model` label of an alert: the model's name, or the firing series' deployment."""
        if self.model is not None:
            return self.model
        return _label(self.scope.deployment_label) if self.scope is not None else ""


def pod_monitor(subject: Subject, scrape: ScrapeEndpoint) -> Document:
    """Scrape the metrics of every pod serving the model (`scrape`: the target's endpoint)."""
    endpoint: dict[str, Any] = {"port": scrape.port} if isinstance(scrape.port, str) else {}
    endpoint["path"] = scrape.path
    if subject.settings.podmonitor.interval:
        endpoint["interval"] = subject.settings.podmonitor.interval
    relabelings = _undeclared_port(scrape) + [
        {"sourceLabels": [source], "targetLabel": target}
        for source, target in _copied_labels(subject, scrape)
    ]
    if relabelings:
        endpoint["relabelings"] = relabelings
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": {"name": subject.name, "labels": subject.labels()},
        "spec": {"selector": _pods(subject, scrape), "podMetricsEndpoints": [endpoint]},
    }


def _pods(subject: Subject, scrape: ScrapeEndpoint) -> dict[str, Any]:
    """The model's pods, or every pod of the namespace that carries the target's pod label."""
    if subject.directory is not None:
        return {"matchLabels": {scrape.pod_label: subject.directory}}
    return {"matchExpressions": [{"key": scrape.pod_label, "operator": "Exists"}]}


def _copied_labels(subject: Subject, scrape: ScrapeEndpoint) -> tuple[tuple[str, str], ...]:
    """The pod labels copied onto the series: the target's, plus (for a whole environment) the
    deployment's name on `up`, so a deployment that never served still has a series."""
    scope = subject.scope
    if scope is None or (scope.up_source, scope.up_label) in scrape.labels:
        return scrape.labels
    return (*scrape.labels, (scope.up_source, scope.up_label))


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


def prometheus_rule(subject: Subject, dashboard_link: str | None, own: tuple[Subject, ...] = ()) -> Document:
    """The subject's alerts, one rule group named after environment (and model), then a group
    for each of the `own` subjects (models with thresholds of their own)."""
    groups = [{"name": group_name(subject), "rules": alert_rules(subject, dashboard_link)}]
    for each in own:
        link = f"{dashboard_link}?var-{DEPLOYMENT_VARIABLE}={each.name}" if dashboard_link else None
        groups.append({"name": group_name(each), "rules": alert_rules(each, link)})
    return {
        "apiVersion": MONITORING_API,
        "kind": "PrometheusRule",
        "metadata": {"name": subject.name, "labels": subject.labels()},
        "spec": {"groups": groups},
    }


def group_name(subject: Subject) -> str:
    if subject.directory is None:
        return f"model-gitops.{subject.environment}"
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
        expr = _no_traffic(subject, rules.no_traffic_for)
        found.append(("ModelNoTraffic", expr, *_no_traffic_text(subject, rules)))
    if rules.canary_error_ratio_margin is not None:
        margin = promql.number(rules.canary_error_ratio_margin)
        expr = f"{promql.canary_error_ratio_excess(selector, window)} > {margin}"
        found.append(("ModelCanaryErrorsWorseThanStable", expr, *_canary_error_text(subject, rules)))
    if rules.canary_latency_ratio is not None:
        expr = promql.canary_slower(selector, window, rules.canary_latency_ratio)
        found.append(("ModelCanaryLatencyWorseThanStable", expr, *_canary_latency_text(subject, rules)))
    return [_rule(subject, name, expr, summary, text, dashboard_link) for name, expr, summary, text in found]


def _no_traffic(subject: Subject, window: str) -> str:
    """One series per deployment that served no request in `window`. For one model its series
    are absent or flat; for a whole environment, a deployment whose series are flat, or whose
    pods are up (`up`, labelled by the environment's PodMonitor) with no series at all."""
    scope, promql = subject.scope, subject.metrics
    if scope is None:
        return promql.no_traffic(subject.selector, window)
    by, selector = promql.PER_DEPLOYMENT, subject.selector
    flat = f"sum by ({by}) (increase({scope.series}{selector}[{window}])) == 0"
    pods = _running_deployments(subject, scope)
    return f"{flat} or ({pods} unless on ({by}) {scope.series}{selector})"


def _running_deployments(subject: Subject, scope: EnvironmentWide) -> str:
    """One series per deployment whose pods the environment's PodMonitor scrapes (its `up`),
    labelled by deployment as the serving series are."""
    matchers = (
        f"namespace={promql_string(subject.namespace)}",
        f'{scope.up_label}!=""',
        *excluding(scope.up_label, subject.excluded),
    )
    up = "up{" + ", ".join(matchers) + "}"
    if scope.up_label != scope.deployment_label:
        up = f'label_replace({up}, "{scope.deployment_label}", "$1", "{scope.up_label}", "(.+)")'
    return f"max by ({subject.metrics.PER_DEPLOYMENT}) ({up})"


def _rule(
    subject: Subject, name: str, expr: str, summary: str, description: str, link: str | None
) -> dict[str, Any]:
    annotations = {"summary": summary, "description": description}
    if link is not None and subject.directory is None and subject.scope is not None:
        link = f"{link}?var-{DEPLOYMENT_VARIABLE}={_label(subject.scope.deployment_label)}"
    if link is not None:
        annotations["description"] = f"{description} Dashboard: {link}"
        annotations["dashboard"] = link
    return {
        "alert": name,
        "expr": expr,
        "for": subject.settings.rules.for_,
        "labels": {
            "severity": subject.settings.rules.severity,
            "model": subject.model_label(),
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


def _model(subject: Subject) -> str:
    """The model as alert texts name it: its name, or the firing series' deployment."""
    return _literal(subject.model) if subject.model is not None else subject.model_label()


def _head(subject: Subject) -> str:
    return f"{_model(subject)} ({subject.environment})"


def _where(subject: Subject) -> str:
    return f"{_model(subject)} in environment {subject.environment} (namespace {subject.namespace})"


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
    versions = (
        f"{{{{ range {_versions_seen_query(subject)} }}}}{{{{ .Labels.{words.version_label} }}}} "
        "{{ else }}none seen in the last day {{ end }}"
    )
    return (
        f"{_head(subject)}: no requests for {rules.no_traffic_for}",
        f"Model {_where(subject)} served no request in the last {rules.no_traffic_for} "
        f"({words.version}s that served in the last day: {versions.rstrip()}).",
    )


def _versions_seen_query(subject: Subject) -> str:
    """The template pipeline querying the versions that served in the last day: of the model, or
    of the firing series' deployment (its name put into the query with `printf`)."""
    scope = subject.scope
    if scope is None:
        return f"query `{subject.metrics.versions_seen(subject.selector, '1d')}`"
    one = subject.metrics.selector(subject.namespace, PRINTF_NAME)
    seen = subject.metrics.versions_seen(one, "1d").replace("%", "%%").replace("%%s", "%s", 1)
    return f"printf `{seen}` $labels.{scope.deployment_label} | query"


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
