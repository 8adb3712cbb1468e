"""The pre-commit hooks this repository exports (.pre-commit-hooks.yaml), run by pre-commit itself.

`pre-commit try-repo` clones this repository, installs it into a hook environment of its own
(from the package index) and runs the hook in a GitOps repository, as a user's
`.pre-commit-config.yaml` would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, require
from tests.e2e.test_sync import environment, sync
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the module: the first run installs it."""
    return tmp_path_factory.mktemp("pre-commit")


def try_hook(hook: str, repo: Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    git(repo, "add", "-A")
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PRE_COMMIT_HOME": str(home)}
    return subprocess.run(
        [require("pre-commit"), "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo,
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_manifest_is_valid() -> None:
    done = subprocess.run(
        [require("pre-commit"), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_validate_hook_passes_a_valid_tree_and_stops_an_invalid_one(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    repo = tmp_path / "gitops"
    dev = repo / "rendered" / "dev"
    dev.mkdir(parents=True)
    git(tmp_path, "init", "-q", str(repo))
    document = (GOLDEN / "render" / "dev" / "fraud-detector" / "seldondeployment.yaml").read_text()
    (dev / "seldondeployment.yaml").write_text(document)
    (dev / "kustomization.yaml").write_text("resources:\n- seldondeployment.yaml\n")

    passed = try_hook("model-gitops-validate", repo, pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    (dev / "seldondeployment.yaml").write_text(document.replace("spec:\n", "spec:\n  replicaz: 2\n", 1))
    failed = try_hook("model-gitops-validate", repo, pre_commit_home)
    assert failed.returncode == 1 and "replicaz" in failed.stdout


def test_the_plan_check_hook_stops_a_stale_rendered_tree(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, pre_commit_home: Path
) -> None:
    prefix = registry.unique("hook")
    registry.create(f"{prefix}-m", 2, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    assert sync(gitops, registry, cache_dir).code == 0

    registry_env = {"MLFLOW_TRACKING_URI": registry.url}
    fresh = try_hook("model-gitops-plan-check", gitops.worktree, pre_commit_home, **registry_env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

    registry.set_alias(f"{prefix}-m", "dev", 2)
    stale = try_hook("model-gitops-plan-check", gitops.worktree, pre_commit_home, **registry_env)
    assert stale.returncode == 1, stale.stdout + stale.stderr
