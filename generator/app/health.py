"""`model-gitops health`: what Argo CD says of each deployed version, written back to MLflow.

For each selected environment, its Argo CD Application (`model-gitops-<env>`, rendered in
rendered/argocd/) is read; each serving resource of the environment's target is matched to the
model whose directory it is, and the version Git deploys there is tagged
`model-gitops.<env>.health = Healthy (2026-06-01T09:00:00Z)` (Progressing, Degraded, ...).
`status` shows the tags; `promote.require_healthy` waits for `Healthy` in the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator import targets
from generator.app.environments import load_selected
from generator.config.settings import Settings
from generator.delivery.argocd_api import application_health
from generator.gitrepo import workspace
from generator.plan.health import HEALTH_TAG
from generator.registry.writer import tag_versions
from generator.render.argocd import application_name
from generator.render.state import current_state


@dataclass(frozen=True)
class Health:
    environment: str
    model: str
    version: str
    status: str
    message: str = ""

    def line(self) -> str:
        said = f" ({self.message})" if self.message else ""
        return f"{self.environment}: {self.model} {self.version}: {self.status}{said}"


def read_health(settings: Settings, root: Path, server: str) -> list[Health]:
    """The health Argo CD reports for every deployed model of the selected environments."""
    environments = load_selected(settings, root)
    current = current_state(workspace.read_tree(root / settings.rendered_dir))
    found = []
    for env, config in sorted(environments.items()):
        target = targets.get(config.target)
        application = application_health(server, application_name(env))
        by_directory = {r.name: r for r in application.resources if r.kind == target.kind}
        for model, deployed in sorted(current.deployed.get(env, {}).items()):
            resource = by_directory.get(deployed.directory)
            status = resource.health if resource is not None and resource.health else "Missing"
            message = resource.message if resource is not None else "not in the Argo CD application"
            found.append(Health(env, model, deployed.version, status, message))
    return found


def write_health(tracking_uri: str, found: list[Health], now: datetime) -> None:
    """Tag each version with its environment's health and when it was read."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    tags: dict[tuple[str, str], dict[str, str]] = {}
    for item in found:
        key = HEALTH_TAG.format(environment=item.environment)
        tags.setdefault((item.model, item.version), {})[key] = f"{item.status} ({stamp})"
    tag_versions(tracking_uri, tags)
