"""End to end: a scoped sync (`--model`, what a webhook batch runs) against a real MLflow server,
a real bare Git remote, real kustomize and kubeconform.

A scoped run must write exactly what a full run would for the named models and the environment's
own files, and leave every other model's files as Git has them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e


def environment(prefix: str, own_limits: str) -> str:
    return (
        f"namespace: models-prod\nalias: champion\nmodels:\n  include: ['{prefix}*']\n"
        f"overrides: {{{own_limits}: {{alerts: {{error_ratio: 0.5}}}}}}\n"
        "storage:\n  rewrites:\n    - from: 'mlflow-artifacts:/'\n      to: 's3://mlflow-artifacts/'\n"
    )


def run(command: str, gitops: GitopsRepo, registry: TestRegistry, cache: Path, *extra: str):
    args = [command, "--tracking-uri", registry.url, "--cache-dir", str(cache), *extra]
    return invoke([*args, "--push"] if command == "sync" else args, cwd=gitops.worktree)


def served(gitops: GitopsRepo, model: str) -> str | None:
    path = f"rendered/prod/{model}/seldondeployment.yaml"
    if path not in gitops.remote_files():
        return None
    return yamlio.load(gitops.remote_show(path))["spec"]["predictors"][0]["annotations"]["version"]


def last_commit_files(gitops: GitopsRepo) -> list[str]:
    return git(gitops.remote, "show", "--name-only", "--format=", "main").split()


@pytest.fixture
def two_models(gitops: GitopsRepo, registry: TestRegistry) -> tuple[str, str]:
    prefix = registry.unique("scope")
    first, second = f"{prefix}-a", f"{prefix}-b"
    registry.create(first, 3, {"champion": 1})
    registry.create(second, 3, {"champion": 1})
    gitops.write_environment("prod", environment(prefix, second))
    return first, second


def test_scoped_sync_deploys_only_the_named_model(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, two_models: tuple[str, str]
) -> None:
    first, second = two_models
    scoped = run("sync", gitops, registry, cache_dir, "--model", first)
    assert scoped.code == 0, scoped.err
    assert (served(gitops, first), served(gitops, second)) == ("1", None)
    resources = yamlio.load(gitops.remote_show("rendered/prod/kustomization.yaml"))["resources"]
    assert f"{first}/seldondeployment.yaml" in resources
    assert f"{second}/seldondeployment.yaml" not in resources

    full = run("sync", gitops, registry, cache_dir)
    assert full.code == 0, full.err
    assert (served(gitops, first), served(gitops, second)) == ("1", "1")


def test_scoped_sync_leaves_other_models_as_git_has_them(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, two_models: tuple[str, str]
) -> None:
    first, second = two_models
    assert run("sync", gitops, registry, cache_dir).code == 0
    rules = gitops.remote_show("rendered/prod/prometheusrule.yaml")
    assert f"model-gitops.prod.{second}" in rules  # its own thresholds: a group of its own
    registry.set_alias(first, "champion", 2)
    registry.set_alias(second, "champion", 3)

    plan = run("plan", gitops, registry, cache_dir, "--model", second)
    assert plan.code == 0, plan.err
    assert second in plan.out and first not in plan.out

    scoped = run("sync", gitops, registry, cache_dir, "--model", second)
    assert scoped.code == 0, scoped.err
    assert last_commit_files(gitops) == [f"rendered/prod/{second}/seldondeployment.yaml"]
    assert (served(gitops, first), served(gitops, second)) == ("1", "3")
    assert gitops.remote_show("rendered/prod/prometheusrule.yaml") == rules

    full = run("sync", gitops, registry, cache_dir)  # what the scoped run left: only the other model
    assert full.code == 0, full.err
    assert last_commit_files(gitops) == [f"rendered/prod/{first}/seldondeployment.yaml"]


def test_scoped_sync_removes_a_model_whose_alias_is_gone(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, two_models: tuple[str, str]
) -> None:
    first, second = two_models
    assert run("sync", gitops, registry, cache_dir).code == 0
    registry.client.delete_registered_model_alias(first, "champion")

    scoped = run("sync", gitops, registry, cache_dir, "--model", first)
    assert scoped.code == 0, scoped.err  # one of two deployments: not a mass delete, not "registry empty"
    assert (served(gitops, first), served(gitops, second)) == (None, "1")
    resources = yamlio.load(gitops.remote_show("rendered/prod/kustomization.yaml"))["resources"]
    assert f"{second}/seldondeployment.yaml" in resources
    assert not any(r.startswith(f"{first}/") for r in resources)


def test_scoped_sync_of_an_unknown_model_changes_nothing(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, two_models: tuple[str, str]
) -> None:
    first, _ = two_models
    assert run("sync", gitops, registry, cache_dir).code == 0
    commits = len(gitops.remote_log())
    scoped = run("sync", gitops, registry, cache_dir, "--model", f"{first}-missing")
    assert scoped.code == 0, scoped.err
    assert "nothing to commit" in scoped.out
    assert len(gitops.remote_log()) == commits
