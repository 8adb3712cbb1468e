"""Rolled-back and held versions: MLflow tags after a commit, and `release-hold`.

After a commit, each version that was rolled back or held gets the MLflow tag
`model-gitops.rollback.<env>` (value: the reason). `release-hold` removes the hold annotations in
rendered/ and commits, so the next sync tries the candidate again. Git stays the only store of
rollout state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import gitrepo, targets, yamlio
from generator.config.settings import Settings
from generator.errors import ModelGitopsError, shorten
from generator.gitrepo import workspace
from generator.plan.planner import Plan
from generator.plan.rollout_state import HOLD, release_hold
from generator.registry.writer import tag_versions
from generator.render.state import current_state

TAG_PREFIX = "model-gitops.rollback."
TAGGED_KINDS = ("rollback", "hold")
MAX_TAG_VALUE = 500


def tag_holds(tracking_uri: str, plan: Plan) -> dict[tuple[str, str], dict[str, str]]:
    """Tag each rolled-back or held version in MLflow with the reason; returns what was tagged."""
    tags: dict[tuple[str, str], dict[str, str]] = {}
    for change in plan.changes:
        if change.kind in TAGGED_KINDS and change.to_version:
            key = (change.model, change.to_version)
            tags.setdefault(key, {})[f"{TAG_PREFIX}{change.environment}"] = shorten(
                change.reason, MAX_TAG_VALUE
            )
    tag_versions(tracking_uri, tags)
    return tags


@dataclass(frozen=True)
class Released:
    commit: str | None
    released: list[tuple[str, str]]  # (environment, version that was held)
    pushed: bool


def release_message(model: str, released: list[tuple[str, str]]) -> str:
    lines = [f"release-hold({env}): {model} {version}" for env, version in released]
    if len(lines) == 1:
        return lines[0] + "\n"
    return f"release-hold: {model} in {len(lines)} environments\n\n" + "\n".join(lines) + "\n"


def release(settings: Settings, model: str) -> Released:
    """Clear `model`'s hold in every selected environment of rendered/ and commit it."""
    repo = gitrepo.open_worktree(settings.repo, settings.cache_dir)
    rendered = Path(repo.working_tree_dir) / settings.rendered_dir
    current = current_state(workspace.read_tree(rendered))
    released, paths = [], []
    for env, deployments in sorted(current.deployed.items()):
        deployed = deployments.get(model)
        if (settings.only and env not in settings.only) or deployed is None:
            continue
        if not deployed.annotations.get(HOLD):
            continue
        path = serving_file(current.files, env, deployed.directory)
        document, held = release_hold(yamlio.load(current.files[path].decode("utf-8")))
        workspace.write_atomic(rendered / path, yamlio.dump(document).encode())
        released.append((env, held))
        paths.append(f"{settings.rendered_dir}/{path}")
    if not released:
        where = ", ".join(settings.only) if settings.only else "any environment"
        raise ModelGitopsError(f"{model} is not held in {where}", "nothing to release")
    author = gitrepo.Identity.parse(settings.author) if settings.author else None
    commit = gitrepo.commit_paths(repo, paths, release_message(model, released), author)
    if settings.push and commit is not None:
        gitrepo.push(repo, settings.remote, settings.branch)
    return Released(commit, released, settings.push and commit is not None)


def serving_file(files: dict[str, bytes], env: str, directory: str) -> str:
    """The path of a deployed model's serving document, whichever target rendered it."""
    paths = [f"{env}/{directory}/{t.file_name}" for t in targets.TARGETS.values()]
    return next(p for p in paths if p in files)
