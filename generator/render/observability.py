"""Which monitoring files an environment holds, and their documents. Pure.

`monitoring.layout` decides where they go. `environment` (the default when the target can tell
deployments apart by a label, `MetricsVocabulary.ENVIRONMENT`): one `podmonitor.yaml`,
`prometheusrule.yaml` and `dashboard.yaml` next to the environment's kustomization, watching
every model at once; models with thresholds of their own (`overrides.<model>.alerts`) get a rule
group of their own in the same PrometheusRule, and the environment's rules leave them out.
`model`: one of each in every model's directory (Seldon Core 2's only layout).

The set of files depends on the environment's `monitoring` switches and its serving target only,
so the kustomization can list them for every model, including models kept from an earlier run. A
target whose metrics are scraped by the serving stack's own monitor (Seldon Core 2) gets no
PodMonitor.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import targets
from generator.config import EnvironmentConfig
from generator.config.monitoring import MonitoringSettings
from generator.model import Document
from generator.render.dashboard import dashboard_document, dashboard_uid, environment_dashboard_uid
from generator.render.monitoring import (
    DASHBOARD_FILE,
    PODMONITOR_FILE,
    RULES_FILE,
    Subject,
    pod_monitor,
    prometheus_rule,
)
from generator.targets.base import MetricsVocabulary, ScrapeEndpoint


def layout(config: EnvironmentConfig) -> str:
    """`environment` or `model`: as set, else the widest the target's metrics allow."""
    if config.monitoring.layout is not None:
        return config.monitoring.layout
    return "environment" if _metrics(config).ENVIRONMENT is not None else "model"


def monitoring_files(config: EnvironmentConfig) -> list[str]:
    """File names of the monitoring documents the environment generates (wherever they go)."""
    settings = config.monitoring
    switches = (
        (DASHBOARD_FILE, settings.dashboard.enabled),
        (PODMONITOR_FILE, settings.podmonitor.enabled and _scrape(config) is not None),
        (RULES_FILE, settings.rules.enabled),
    )
    return [name for name, enabled in switches if enabled]


def model_monitoring_files(config: EnvironmentConfig) -> list[str]:
    """File names in each model's directory (none when the environment is watched as a whole)."""
    files = monitoring_files(config)
    return files if files and layout(config) == "model" else []


def environment_monitoring_files(config: EnvironmentConfig) -> list[str]:
    """File names next to the environment's kustomization (none when each model has its own)."""
    files = monitoring_files(config)
    return files if files and layout(config) == "environment" else []


def _metrics(config: EnvironmentConfig) -> MetricsVocabulary:
    return targets.get(config.target).metrics


def _scrape(config: EnvironmentConfig) -> ScrapeEndpoint | None:
    return _metrics(config).SCRAPE


def _own_settings(config: EnvironmentConfig, model: str) -> MonitoringSettings:
    """The environment's monitoring settings with the model's own alert thresholds, if any."""
    override = config.overrides.get(model)
    if override is None or override.alerts is None:
        return config.monitoring
    rules = config.monitoring.rules.with_thresholds(override.alerts)
    return config.monitoring.model_copy(update={"rules": rules})


def monitoring_documents(
    environment: str, config: EnvironmentConfig, model: str, directory: str
) -> dict[str, Document]:
    """The monitoring documents in one model's directory, by file name (`layout: model`)."""
    files = model_monitoring_files(config)
    if not files:
        return {}
    metrics = _metrics(config)
    subject = Subject(environment, config.namespace, model, directory, _own_settings(config, model), metrics)
    dashboard = config.monitoring.dashboard
    link = dashboard.link(dashboard_uid(environment, model)) if dashboard.enabled else None
    return _documents(files, subject, link, ())


def environment_monitoring_documents(
    environment: str, config: EnvironmentConfig, models: Iterable[tuple[str, str]]
) -> dict[str, Document]:
    """The environment's monitoring documents, by file name (`layout: environment`): `models`
    are its (model, directory) pairs, kept ones included; none while it has no model."""
    files = environment_monitoring_files(config)
    models = list(models)
    if not files or not models:
        return {}  # nothing to watch yet
    metrics = _metrics(config)
    own = tuple(
        Subject(environment, config.namespace, model, directory, settings, metrics)
        for model, directory in sorted(models, key=lambda pair: pair[1])
        if (settings := _own_settings(config, model)) is not config.monitoring
    )
    excluded = tuple(subject.name for subject in own)
    subject = Subject(environment, config.namespace, None, None, config.monitoring, metrics, excluded)
    dashboard = config.monitoring.dashboard
    link = dashboard.link(environment_dashboard_uid(environment)) if dashboard.enabled else None
    return _documents(files, subject, link, own)


def _documents(
    files: list[str], subject: Subject, link: str | None, own: tuple[Subject, ...]
) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    scrape = subject.metrics.SCRAPE
    if DASHBOARD_FILE in files:
        documents[DASHBOARD_FILE] = dashboard_document(subject)
    if PODMONITOR_FILE in files and scrape is not None:
        documents[PODMONITOR_FILE] = pod_monitor(subject, scrape)
    if RULES_FILE in files:
        documents[RULES_FILE] = prometheus_rule(subject, link, own)
    return documents
