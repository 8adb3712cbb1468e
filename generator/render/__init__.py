"""Turn a `Plan` into documents, keyed by their path under `rendered/`. Pure: no I/O.

Each environment gets `<env>/<model>/seldondeployment.yaml` per deployed model and an
`<env>/kustomization.yaml` listing every resource, sorted. Models kept from an earlier run
(rejected this time) are listed but not re-rendered: their files stay as Git has them.
"""

from __future__ import annotations

from generator.layout import KUSTOMIZATION_FILE, SELDON_FILE
from generator.model import Document
from generator.plan import EnvironmentPlan, Plan
from generator.render.kustomize import kustomization
from generator.render.seldon import seldon_deployment


def render(plan: Plan) -> dict[str, Document]:
    """Every generated document of every planned environment, by relative path."""
    documents: dict[str, Document] = {}
    for env_plan in plan.environments.values():
        documents.update(render_environment(env_plan))
    return documents


def render_environment(env_plan: EnvironmentPlan) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    for target in env_plan.targets:
        documents[f"{env_plan.name}/{target.directory}/{SELDON_FILE}"] = seldon_deployment(target)
    resources = [f"{directory}/{SELDON_FILE}" for directory in env_plan.directories]
    documents[f"{env_plan.name}/{KUSTOMIZATION_FILE}"] = kustomization(env_plan.config.namespace, resources)
    return documents
