"""Turn a `Plan` into documents, keyed by their path under `rendered/`. Pure: no I/O.

Each environment gets `<env>/<model>/seldondeployment.yaml` per deployed model, its monitoring
documents (PodMonitor, PrometheusRule, dashboard: one of each for the environment, or one per
model in its directory; see `observability`) and an `<env>/kustomization.yaml` listing every
resource, sorted. Given a `GitSource`, `argocd/` gets the
Argo CD AppProject and Applications. Models kept from an earlier run
(rejected this time) are listed but not re-rendered: their files stay as Git has them.
"""

from __future__ import annotations

from generator import targets
from generator.model import Document
from generator.model.layout import KUSTOMIZATION_FILE
from generator.plan.planner import EnvironmentPlan, Plan
from generator.render.argocd import GitSource, render_argocd
from generator.render.kustomize import kustomization
from generator.render.observability import (
    environment_monitoring_documents,
    environment_monitoring_files,
    model_monitoring_files,
    monitoring_documents,
)


def render(plan: Plan, argocd: GitSource | None = None) -> dict[str, Document]:
    """Every generated document of every planned environment (and Argo CD's), by relative path."""
    documents: dict[str, Document] = {}
    for env_plan in plan.environments.values():
        documents.update(render_environment(env_plan))
    if argocd is not None:
        documents.update(render_argocd(plan, argocd))
    return documents


def render_environment(env_plan: EnvironmentPlan) -> dict[str, Document]:
    serving = targets.get(env_plan.config.target)
    documents: dict[str, Document] = {}
    for target in env_plan.targets:
        documents[f"{env_plan.name}/{target.directory}/{serving.file_name}"] = serving.render(target)
    documents.update(_monitoring(env_plan))
    files = [serving.file_name, *model_monitoring_files(env_plan.config)]
    resources = [f"{directory}/{name}" for directory in env_plan.directories for name in files]
    resources += environment_monitoring_files(env_plan.config) if env_plan.directories else []
    documents[f"{env_plan.name}/{KUSTOMIZATION_FILE}"] = kustomization(env_plan.config.namespace, resources)
    return documents


def _monitoring(env_plan: EnvironmentPlan) -> dict[str, Document]:
    """Monitoring documents of the environment and of every model, kept ones included (they
    depend on config and names, not versions)."""
    name, config = env_plan.name, env_plan.config
    models = [(t.model, t.directory) for t in env_plan.targets] + [
        (k.model, k.directory) for k in env_plan.kept
    ]
    documents = {
        f"{name}/{file}": document
        for file, document in environment_monitoring_documents(name, config, models).items()
    }
    for model, directory in models:
        for file, document in monitoring_documents(name, config, model, directory).items():
            documents[f"{name}/{directory}/{file}"] = document
    return documents
