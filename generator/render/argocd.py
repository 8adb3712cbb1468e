"""Argo CD under `rendered/argocd/`: an AppProject, one Application per environment, a health check. Pure.

`kustomization.yaml` lists the AppProject and the Applications (`kubectl apply -k rendered/argocd`,
or point an app-of-apps Application at the directory). `argocd-cm-patch.yaml` is kept out of it:
it is a merge patch for Argo CD's own `argocd-cm` ConfigMap adding the SeldonDeployment health
check (Lua), applied once with `kubectl patch` or copied into the Argo CD Helm values.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from generator import targets
from generator.errors import ConfigError
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX, ARGOCD_DIR
from generator.plan.planner import EnvironmentPlan, Plan

API_VERSION = "argoproj.io/v1alpha1"
ARGOCD_NAMESPACE = "argocd"
PROJECT = "model-gitops"
KUSTOMIZATION_FILE = "kustomization.yaml"
PROJECT_FILE = "appproject.yaml"
HEALTH_PATCH_FILE = "argocd-cm-patch.yaml"
MANAGED_BY = {"app.kubernetes.io/managed-by": "model-gitops"}


@dataclass(frozen=True)
class GitSource:
    """Where Argo CD reads the rendered tree: repository URL, revision, and the rendered/ path in it."""

    repo_url: str
    target_revision: str = "HEAD"
    path: str = "rendered"


def application_file(environment: str) -> str:
    return f"application-{environment}.yaml"


def render_argocd(plan: Plan, source: GitSource) -> dict[str, Document]:
    """Every Argo CD document, by path relative to rendered/."""
    if ARGOCD_DIR in plan.environments:
        raise ConfigError(
            f"an environment cannot be named {ARGOCD_DIR!r}: rendered/{ARGOCD_DIR} holds the Argo CD "
            "applications",
            f"rename environments/{ARGOCD_DIR}.yaml",
        )
    environments = [e for e in plan.environments.values() if e.config.argocd.enabled]
    repo_url = public_url(source.repo_url)
    files: dict[str, Document] = {PROJECT_FILE: app_project(environments, repo_url)}
    for env_plan in environments:
        files[application_file(env_plan.name)] = application(env_plan, source, repo_url)
    documents = {f"{ARGOCD_DIR}/{name}": document for name, document in files.items()}
    documents[f"{ARGOCD_DIR}/{KUSTOMIZATION_FILE}"] = kustomization(sorted(files))
    used = sorted({env_plan.config.target for env_plan in plan.environments.values()})
    documents[f"{ARGOCD_DIR}/{HEALTH_PATCH_FILE}"] = health_patch(used)
    return documents


def public_url(url: str) -> str:
    """The repository URL without credentials (a token in the origin URL never reaches Git)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme and "@" in parsed.netloc:
        host = parsed.netloc.rsplit("@", 1)[1]
        return urllib.parse.urlunsplit(parsed._replace(netloc=host))
    return url


def app_project(environments: list[EnvironmentPlan], repo_url: str) -> Document:
    destinations = sorted({(e.config.argocd.destination_server, e.config.namespace) for e in environments})
    return {
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {"name": PROJECT, "namespace": ARGOCD_NAMESPACE, "labels": dict(MANAGED_BY)},
        "spec": {
            "description": "Models delivered from the MLflow Model Registry by model-gitops",
            "sourceRepos": [repo_url],
            "destinations": [{"server": server, "namespace": ns} for server, ns in destinations],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
        },
    }


def application_name(environment: str) -> str:
    """The Argo CD Application of an environment (what `model-gitops health` reads)."""
    return f"{PROJECT}-{environment}"


def application(env_plan: EnvironmentPlan, source: GitSource, repo_url: str) -> Document:
    settings = env_plan.config.argocd
    sync_policy: dict[str, Any] = {}
    if settings.sync_mode(env_plan.name) == "automated":
        sync_policy["automated"] = {"prune": settings.prune, "selfHeal": settings.self_heal}
    sync_policy["syncOptions"] = ["CreateNamespace=true"]
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {
            "name": application_name(env_plan.name),
            "namespace": ARGOCD_NAMESPACE,
            "labels": {**MANAGED_BY, f"{ANNOTATION_PREFIX}environment": env_plan.name},
        },
        "spec": {
            "project": PROJECT,
            "source": {
                "repoURL": repo_url,
                "targetRevision": source.target_revision,
                "path": f"{source.path.strip('/').removeprefix('./')}/{env_plan.name}",
            },
            "destination": {"server": settings.destination_server, "namespace": env_plan.config.namespace},
            "syncPolicy": sync_policy,
        },
    }


def kustomization(resources: list[str]) -> Document:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
    }


def health_patch(used: list[str]) -> Document:
    """A merge patch for `argocd-cm` that adds the health checks of the targets in use."""
    checks = {key: lua for name in used for key, lua in targets.get(name).health_checks.items()}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "argocd-cm",
            "namespace": ARGOCD_NAMESPACE,
            "labels": {"app.kubernetes.io/name": "argocd-cm", "app.kubernetes.io/part-of": "argocd"},
        },
        "data": dict(sorted(checks.items())),
    }
