"""Which monitoring files a model directory holds, and their documents. Pure.

The set of files depends on the environment's `monitoring` switches and its serving target only,
so the environment's kustomization can list them for every model, including models kept from an
earlier run. The documents speak the target's PromQL vocabulary (`ServingTarget.metrics`); a
target whose metrics are scraped by the serving stack's own monitor (Seldon Core 2) gets no
PodMonitor per model.
"""

from __future__ import annotations

from generator import targets
from generator.config import EnvironmentConfig
from generator.model import Document
from generator.render.dashboard import dashboard_document, dashboard_uid
from generator.render.monitoring import (
    DASHBOARD_FILE,
    PODMONITOR_FILE,
    RULES_FILE,
    Subject,
    pod_monitor,
    prometheus_rule,
)
from generator.targets.base import ScrapeEndpoint


def monitoring_files(config: EnvironmentConfig) -> list[str]:
    """File names (in a model's directory) of the monitoring documents the environment generates."""
    settings = config.monitoring
    switches = (
        (DASHBOARD_FILE, settings.dashboard.enabled),
        (PODMONITOR_FILE, settings.podmonitor.enabled and _scrape(config) is not None),
        (RULES_FILE, settings.rules.enabled),
    )
    return [name for name, enabled in switches if enabled]


def _scrape(config: EnvironmentConfig) -> ScrapeEndpoint | None:
    return targets.get(config.target).metrics.SCRAPE


def monitoring_documents(
    environment: str, config: EnvironmentConfig, model: str, directory: str
) -> dict[str, Document]:
    """The monitoring documents of one model, by file name (the target's vocabulary is looked up
    only when there is one)."""
    files = monitoring_files(config)
    if not files:
        return {}
    metrics = targets.get(config.target).metrics
    subject = Subject(environment, config.namespace, model, directory, config.monitoring, metrics)
    dashboard = config.monitoring.dashboard
    link = dashboard.link(dashboard_uid(environment, model)) if dashboard.enabled else None
    documents: dict[str, Document] = {}
    if DASHBOARD_FILE in files:
        documents[DASHBOARD_FILE] = dashboard_document(subject)
    if PODMONITOR_FILE in files and metrics.SCRAPE is not None:
        documents[PODMONITOR_FILE] = pod_monitor(subject, metrics.SCRAPE)
    if RULES_FILE in files:
        documents[RULES_FILE] = prometheus_rule(subject, link)
    return documents
