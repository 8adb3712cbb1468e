"""Crash safety (SIGKILL at random points), the mass-delete guard, and secrets kept out of output."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.gitrepo import workspace
from tests.e2e.test_sync import environment, sync
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e


def rendered(gitops: GitopsRepo) -> dict[str, bytes]:
    root = gitops.worktree / "rendered"
    workspace.recover(root) if root.is_dir() else None
    return workspace.read_tree(root)


def test_sigkill_at_any_moment_leaves_old_or_new_state_and_the_next_run_converges(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    prefix = registry.unique("crash")
    for index in range(4):
        registry.create(f"{prefix}-{index}", 2, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    assert sync(gitops, registry, cache_dir).code == 0
    old = rendered(gitops)
    commits_before = len(git(gitops.worktree, "log", "--format=%s").splitlines())
    for index in range(4):
        registry.set_alias(f"{prefix}-{index}", "dev", 2)

    command = [
        sys.executable,
        "-m",
        "generator",
        "sync",
        "--tracking-uri",
        registry.url,
        "--cache-dir",
        str(cache_dir),
    ]
    chooser = random.Random(7)
    seen = []
    for _ in range(5):
        process = subprocess.Popen(
            command,
            cwd=gitops.worktree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(chooser.uniform(1.0, 9.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        seen.append(rendered(gitops))
        git(gitops.worktree, "fsck", "--no-progress")

    final = invoke(command[3:], cwd=gitops.worktree)
    assert final.code == 0, final.err
    new = rendered(gitops)
    assert new != old
    assert all(state in (old, new) for state in seen)
    assert git(gitops.worktree, "status", "--porcelain", "--", "rendered") == ""
    subjects = git(gitops.worktree, "log", "--format=%s").splitlines()
    assert len(subjects) == commits_before + 1 and subjects[0] == (
        f"deploy(dev): {prefix}-0 1 -> 2 (+3 more changes in dev)"
    )


def test_mass_removal_needs_allow_prune(registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path) -> None:
    prefix = registry.unique("prune")
    for index in range(3):
        registry.create(f"{prefix}-{index}", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    assert sync(gitops, registry, cache_dir).code == 0
    commits = gitops.remote_log()
    for index in range(2):
        registry.delete_alias(f"{prefix}-{index}", "dev")

    refused = sync(gitops, registry, cache_dir)
    assert refused.code == 1
    assert refused.err.strip().startswith("error: dev: refusing to remove 2 of 3 deployments")
    assert refused.err.strip().endswith("re-run with --allow-prune if this is intended")
    assert gitops.remote_log() == commits

    allowed = sync(gitops, registry, cache_dir, "--allow-prune")
    assert allowed.code == 0, allowed.err
    assert [f for f in gitops.remote_files() if f.endswith("seldondeployment.yaml")] == [
        f"rendered/dev/{prefix}-2/seldondeployment.yaml"
    ]


def test_an_empty_registry_never_wipes_an_environment(
    gitops: GitopsRepo, tmp_path: Path, cache_dir: Path
) -> None:
    from tests.support.servers import mlflow_server

    (gitops.worktree / "rendered" / "dev" / "old").mkdir(parents=True)
    (gitops.worktree / "rendered" / "dev" / "old" / "seldondeployment.yaml").write_text(
        "metadata:\n  annotations:\n    model-gitops.io/model: old\n    model-gitops.io/version: '3'\n"
    )
    git(gitops.worktree, "add", "rendered")
    git(gitops.worktree, "commit", "-qm", "deployed earlier")
    gitops.write_environment("dev", "namespace: d\nalias: dev\n")
    server, url = mlflow_server(tmp_path / "empty")
    server.start()
    try:
        result = invoke(
            ["sync", "--allow-prune", "--tracking-uri", url, "--cache-dir", str(cache_dir)],
            cwd=gitops.worktree,
        )
    finally:
        server.stop()
    assert result.code == 1
    assert "the registry returned no model with any configured alias" in result.err
    assert (gitops.worktree / "rendered" / "dev" / "old" / "seldondeployment.yaml").is_file()


def test_tokens_never_reach_files_commits_or_output(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    token = "tok-" + registry.unique("secret")
    prefix = registry.unique("sec")
    registry.create(f"{prefix}-a", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    env = {"MLFLOW_TRACKING_TOKEN": token, "GITHUB_TOKEN": token + "-gh"}
    result = invoke(
        ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)],
        cwd=gitops.worktree,
        env=env,
    )
    assert result.code == 0, result.err
    failing = invoke(
        ["plan", "--tracking-uri", f"http://me:{token}@127.0.0.1:9"], cwd=gitops.worktree, env=env
    )
    assert failing.code == 1
    everything = (
        git(gitops.remote, "log", "-p", "--all") + result.out + result.err + failing.out + failing.err
    )
    assert token not in everything


def test_moving_monitoring_to_one_set_per_environment_is_one_commit_and_no_mass_delete(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    """Switching `monitoring.layout` from model to environment removes 3 files per model and adds
    3: one commit that says so, not refused by the mass-delete guard, which still refuses a real
    mass removal afterwards."""
    prefix = registry.unique("migrate")
    for index in range(4):
        registry.create(f"{prefix}-{index}", 1, {"dev": 1})
    per_model = environment("dev", "models-dev", prefix, "monitoring: {layout: model}\n")
    gitops.write_environment("dev", per_model)
    assert sync(gitops, registry, cache_dir).code == 0
    monitoring = ("dashboard.yaml", "podmonitor.yaml", "prometheusrule.yaml")
    before = [f for f in gitops.remote_files() if f.endswith(monitoring)]
    assert len(before) == 12 and all(f.count("/") == 3 for f in before)
    commits = len(gitops.remote_log())

    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    migrated = sync(gitops, registry, cache_dir)
    assert migrated.code == 0, migrated.err
    after = [f for f in gitops.remote_files() if f.endswith(monitoring)]
    assert after == [f"rendered/dev/{name}" for name in monitoring]
    log = gitops.remote_log()
    assert len(log) == commits + 2  # the environment file's commit, then the sync's
    assert log[0] == (
        "monitoring(dev): one PodMonitor, PrometheusRule and dashboard for the environment, "
        "replacing those of 4 models"
    )
    body = git(gitops.remote, "log", "-1", "--format=%b", "main")
    assert "update(dev)" not in body  # no model's own manifests changed
    assert len([f for f in gitops.remote_files() if f.endswith("seldondeployment.yaml")]) == 4

    for index in range(3):
        registry.delete_alias(f"{prefix}-{index}", "dev")
    refused = sync(gitops, registry, cache_dir)
    assert refused.code == 1
    assert refused.err.strip().startswith("error: dev: refusing to remove 3 of 4 deployments")
    assert gitops.remote_log() == log
