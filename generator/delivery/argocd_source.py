"""Where Argo CD reads the rendered tree, and which top-level directories of rendered/ a run owns.

The repository URL comes from `--repo-url` (MODEL_GITOPS_REPO_URL), else from the push remote
(`origin`) of the GitOps repository; the revision from `--target-revision` (default HEAD). A run
limited to some environments (`-e`) leaves `rendered/argocd` alone, so the Applications of the
other environments are never dropped; so does a repository without any URL.
"""

from __future__ import annotations

from pathlib import Path

from generator import gitrepo
from generator.config.settings import Settings
from generator.model.layout import ARGOCD_DIR
from generator.plan.planner import Plan
from generator.render.argocd import GitSource


def argocd_source(settings: Settings, root: Path) -> GitSource | None:
    """The Git source of the Argo CD Applications, or None when this run does not render them."""
    if settings.only:
        return None
    url = settings.argocd_repo_url or gitrepo.remote_url(root, settings.remote)
    if not url:
        return None
    return GitSource(url, settings.argocd_revision, settings.rendered_dir)


def managed_directories(plan: Plan, desired: dict[str, bytes]) -> list[str]:
    """Top-level directories of rendered/ this run writes: its environments, and argocd/ if rendered."""
    argocd = [ARGOCD_DIR] if any(path.startswith(f"{ARGOCD_DIR}/") for path in desired) else []
    return sorted([*plan.environments, *argocd])
