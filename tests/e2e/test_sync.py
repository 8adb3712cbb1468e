"""End to end: a real MLflow server, a real bare Git remote, real kustomize and kubeconform."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

REWRITES = """
storage:
  rewrites:
    - from: "mlflow-artifacts:/"
      to: "s3://mlflow-artifacts/"
"""


def environment(alias: str, namespace: str, prefix: str, extra: str = "") -> str:
    return f"namespace: {namespace}\nalias: {alias}\nmodels:\n  include: ['{prefix}*']\n{REWRITES}{extra}"


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, *extra: str):
    return invoke(
        ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache), *extra],
        cwd=gitops.worktree,
    )


def test_sync_commits_each_change_once(gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path) -> None:
    prefix = registry.unique("fraud")
    registry.create(f"{prefix}-detector", 3, {"dev": 3, "champion": 2})
    registry.create(f"{prefix}-scorer", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    gitops.write_environment("prod", environment("champion", "models-prod", prefix))

    first = sync(gitops, registry, cache_dir)
    assert first.code == 0, first.err
    files = gitops.remote_files()
    assert f"rendered/dev/{prefix}-detector/seldondeployment.yaml" in files
    assert f"rendered/prod/{prefix}-detector/seldondeployment.yaml" in files
    assert f"rendered/prod/{prefix}-scorer/seldondeployment.yaml" not in files
    prod = yamlio.load(gitops.remote_show(f"rendered/prod/{prefix}-detector/seldondeployment.yaml"))
    predictor = prod["spec"]["predictors"][0]
    assert predictor["annotations"]["version"] == "2"
    assert predictor["graph"]["modelUri"].startswith("s3://mlflow-artifacts/")
    kustomization = yamlio.load(gitops.remote_show("rendered/prod/kustomization.yaml"))
    assert kustomization["namespace"] == "models-prod"

    registry.set_alias(f"{prefix}-detector", "champion", 3)
    second = sync(gitops, registry, cache_dir)
    assert second.code == 0, second.err
    assert gitops.remote_log()[0] == f"deploy(prod): {prefix}-detector 2 -> 3"
    changed = git(gitops.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == [f"rendered/prod/{prefix}-detector/seldondeployment.yaml"]

    commits = len(gitops.remote_log())
    third = sync(gitops, registry, cache_dir)
    assert third.code == 0, third.err
    assert "nothing to commit" in third.out
    assert len(gitops.remote_log()) == commits


def test_sync_into_another_repository_by_url(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("remote")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    result = invoke(
        [
            "sync",
            "--push",
            "--repo",
            f"file://{gitops.remote}",
            "--tracking-uri",
            registry.url,
            "--cache-dir",
            str(cache_dir),
        ],
        cwd=cache_dir,
    )
    assert result.code == 0, result.err
    assert f"rendered/dev/{prefix}-m/seldondeployment.yaml" in gitops.remote_files()
    assert not (gitops.worktree / "rendered").exists()
