"""Which monitoring files a model directory holds, and their documents. Pure.

The set of files depends on the environment's `monitoring` switches only, so the environment's
kustomization can list them for every model, including models kept from an earlier run.
"""

from __future__ import annotations

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


def monitoring_files(config: EnvironmentConfig) -> list[str]:
    """File names (in a model's directory) of the monitoring documents the environment generates."""
    settings = config.monitoring
    switches = (
        (DASHBOARD_FILE, settings.dashboard.enabled),
        (PODMONITOR_FILE, settings.podmonitor.enabled),
        (RULES_FILE, settings.rules.enabled),
    )
    return [name for name, enabled in switches if enabled]


def monitoring_documents(
    environment: str, config: EnvironmentConfig, model: str, directory: str
) -> dict[str, Document]:
    """The monitoring documents of one model, by file name."""
    subject = Subject(environment, config.namespace, model, directory, config.monitoring)
    dashboard = config.monitoring.dashboard
    link = dashboard.link(dashboard_uid(environment, model)) if dashboard.enabled else None
    documents: dict[str, Document] = {}
    if dashboard.enabled:
        documents[DASHBOARD_FILE] = dashboard_document(subject)
    if config.monitoring.podmonitor.enabled:
        documents[PODMONITOR_FILE] = pod_monitor(subject)
    if config.monitoring.rules.enabled:
        documents[RULES_FILE] = prometheus_rule(subject, link)
    return documents
