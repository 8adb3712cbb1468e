"""Turn a `Plan` into documents, keyed by their path under `rendered/`. Pure: no I/O.

Each environment gets `<env>/<model>/seldondeployment.yaml` per deployed model, the model's
monitoring documents next to it (PodMonitor, PrometheusRule, dashboard; see `observability`) and an
`<env>/kustomization.yaml` listing every resource, sorted. Given a `GitSource`, `argocd/` gets the
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
from generator.render.observability import monitoring_documents, monitoring_files


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
    files = [serving.file_name, *monitoring_files(env_plan.config)]
    resources = [f"{directory}/{name}" for directory in env_plan.directories for name in files]
    documents[f"{env_plan.name}/{KUSTOMIZATION_FILE}"] = kustomization(env_plan.config.namespace, resources)
    return documents


def _monitoring(env_plan: EnvironmentPlan) -> dict[str, Document]:
    """Monitoring documents of every model, kept ones included (they depend on config, not version)."""
    models = [(t.model, t.directory) for t in env_plan.targets] + [
        (k.model, k.directory) for k in env_plan.kept
    ]
    documents: dict[str, Document] = {}
    for model, directory in models:
        for name, document in monitoring_documents(env_plan.name, env_plan.config, model, directory).items():
            documents[f"{env_plan.name}/{directory}/{name}"] = document
    return documents
