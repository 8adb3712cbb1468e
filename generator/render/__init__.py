"""Turn a `Plan` into documents, keyed by their path under `rendered/`. Pure: no I/O.

Each environment gets `<env>/<model>/seldondeployment.yaml` per deployed model, its monitoring
documents (PodMonitor, PrometheusRule, dashboard: one of each for the environment, or one per
model in its directory; see `observability`) and an `<env>/kustomization.yaml` listing every
resource, sorted. Given a `GitSource`, `argocd/` gets the Argo CD AppProject and Applications.
Models kept from an earlier run (rejected this time) and directories a scoped run leaves alone
(`plan.scope`) are listed but not re-rendered: their files stay as Git has them.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator import targets
from generator.model import Document
from generator.model.layout import KUSTOMIZATION_FILE
from generator.plan.naming import resource_name
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
    return dict(documents(plan, argocd))


def documents(plan: Plan, argocd: GitSource | None = None) -> Iterator[tuple[str, Document]]:
    """The same documents one at a time, so a caller can keep each as bytes and drop it: only a
    few documents are ever held as Python objects, however many models there are."""
    for env_plan in plan.environments.values():
        yield from render_environment(env_plan)
    if argocd is not None:
        yield from render_argocd(plan, argocd).items()


def render_environment(env_plan: EnvironmentPlan) -> Iterator[tuple[str, Document]]:
    """One environment's documents: each model's serving document, the monitoring, the
    kustomization listing them."""
    serving = targets.get(env_plan.config.target)
    for target in env_plan.targets:
        yield f"{env_plan.name}/{target.directory}/{serving.file_name}", serving.render(target)
    yield from _monitoring(env_plan)
    files = [serving.file_name, *model_monitoring_files(env_plan.config)]
    resources = [f"{directory}/{name}" for directory in env_plan.directories for name in files]
    resources += environment_monitoring_files(env_plan.config) if env_plan.directories else []
    yield f"{env_plan.name}/{KUSTOMIZATION_FILE}", kustomization(env_plan.config.namespace, resources)


def _monitoring(env_plan: EnvironmentPlan) -> Iterator[tuple[str, Document]]:
    """Monitoring documents of the environment and of every model, kept ones included (they
    depend on config and names, not versions)."""
    name, config = env_plan.name, env_plan.config
    models = [(t.model, t.directory) for t in env_plan.targets] + [
        (k.model, k.directory) for k in env_plan.kept
    ]
    watched = models + _untouched_models(env_plan)
    for file, document in environment_monitoring_documents(name, config, watched).items():
        yield f"{name}/{file}", document
    for model, directory in models:
        for file, document in monitoring_documents(name, config, model, directory).items():
            yield f"{name}/{directory}/{file}", document


def _untouched_models(env_plan: EnvironmentPlan) -> list[tuple[str, str]]:
    """(model, directory) of the directories a scoped run leaves alone. Only models with
    settings of their own need their name (`overrides`); the directory stands in for the rest."""
    named = {resource_name(model): model for model in env_plan.config.overrides}
    return [(named.get(directory, directory), directory) for directory in env_plan.untouched]
