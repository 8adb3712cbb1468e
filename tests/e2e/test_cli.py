"""The command-line contract: help, exit codes (0/1/2/3), one-line errors, redaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_sync import environment, sync
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e
COMMANDS = ["plan", "render", "validate", "sync", "status", "schema", "crd-schema", "demo"]


def run_module(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_every_command_has_help() -> None:
    top = run_module("--help")
    assert top.returncode == 0
    for command in COMMANDS:
        assert command in top.stdout
        result = invoke([command, "--help"])
        assert result.code == 0 and "Usage: model-gitops" in result.out and len(result.out) > 200


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--detailed-exitcode", "--no-such-option"],
        ["validate", "--tracking-uri", "sqlite:///x.db"],  # validate reads no registry
        ["plan", "--now", "yesterday"],
    ],
)
def test_a_bad_option_exits_1_never_2(args: list[str]) -> None:
    """2 means "changes pending" to `plan --detailed-exitcode`: a typo must not look like it."""
    result = invoke(args)
    assert result.code == 1
    assert "Error:" in result.err and "Traceback" not in result.err


def test_schema_is_json_schema_of_the_config() -> None:
    result = invoke(["schema"])
    schema = json.loads(result.out)
    assert schema["required"] == ["namespace"]  # and `alias` or `promote` (a validator says so)
    assert schema["additionalProperties"] is False


def test_bad_config_exits_1_with_one_line(gitops: GitopsRepo) -> None:
    gitops.write_environment("prod", "namespace: models-prod\nalias: champion\nseldon: {replicas: -1}\n")
    result = run_module("plan", "--tracking-uri", "sqlite:///nowhere.db", cwd=gitops.worktree)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: environments/prod.yaml: seldon.replicas: Input should be greater than or equal to 1"
    ]


def test_unreachable_mlflow_is_one_clear_line_without_credentials(gitops: GitopsRepo) -> None:
    gitops.write_environment("dev", "namespace: d\nalias: dev\n")
    port = free_port()
    result = run_module(
        "plan",
        "--tracking-uri",
        f"http://user:s3cret@127.0.0.1:{port}",
        cwd=gitops.worktree,
        MLFLOW_HTTP_REQUEST_MAX_RETRIES="1",
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: MLflow at http://***@127.0.0.1:{port} refused the connection: is the server running? "
        "(start it, or fix --tracking-uri / MLFLOW_TRACKING_URI)"
    )
    assert "s3cret" not in result.stdout + result.stderr


def test_missing_sqlite_registry_is_explained(gitops: GitopsRepo) -> None:
    gitops.write_environment("dev", "namespace: d\nalias: dev\n")
    result = invoke(["plan", "--tracking-uri", "sqlite:////nonexistent/mlflow.db"], cwd=gitops.worktree)
    assert result.code == 1
    assert "no MLflow database at /nonexistent/mlflow.db" in result.err


def test_a_bug_exits_3_with_a_traceback(gitops: GitopsRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.app import job

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("unexpected state")

    monkeypatch.setattr(job, "compute", broken)
    result = invoke(["plan"], cwd=gitops.worktree)
    assert result.code == 3
    assert "Traceback" in result.err and "RuntimeError: unexpected state" in result.err


def test_plan_detailed_exitcode_and_status(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("plan")
    registry.create(f"{prefix}-a", 2, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    args = ["--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]

    pending = invoke(["plan", "--detailed-exitcode", "--diff", *args], cwd=gitops.worktree)
    assert pending.code == 2, pending.err
    assert f"+ {prefix}-a 1" in pending.out
    assert f"+++ b/rendered/dev/{prefix}-a/seldondeployment.yaml" in pending.out
    assert invoke(["plan", "--check", *args], cwd=gitops.worktree).code == 1

    assert sync(gitops, registry, cache_dir).code == 0
    quiet = invoke(["plan", "--detailed-exitcode", *args], cwd=gitops.worktree)
    assert (quiet.code, quiet.out.strip()) == (0, "dev: no changes")

    registry.set_alias(f"{prefix}-a", "dev", 2)
    status = invoke(["status", *args], cwd=gitops.worktree)
    assert status.code == 0, status.err
    assert status.out.splitlines()[0].split() == ["MODEL", "dev"]
    assert f"{prefix}-a  1 -> 2" in status.out


def test_plan_exits_like_sync_when_a_model_would_be_refused(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    """Exit 1 wins over --detailed-exitcode's 2; without a refusal, changes are 2 again."""
    prefix = registry.unique("refused")
    registry.create(f"{prefix}-a", 1, {"dev": 1})
    missing = f"runs:/{registry.run_id}/nothing-here"  # the run has no MLmodel file there
    registry.create(f"{prefix}-b", 1, {"dev": 1}, source=missing)
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    args = ["--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]

    planned = invoke(["plan", "--detailed-exitcode", *args], cwd=gitops.worktree)
    assert planned.code == 1, planned.out + planned.err
    assert f"+ {prefix}-a 1" in planned.out
    assert f"! {prefix}-b: " in planned.out and "nothing-here" in planned.out, planned.out
    assert planned.err == "error: 1 model(s) could not be delivered (see above)\n"

    registry.delete_alias(f"{prefix}-b", "dev")
    fixed = invoke(["plan", "--detailed-exitcode", *args], cwd=gitops.worktree)
    assert (fixed.code, fixed.err) == (2, "")

    registry.set_alias(f"{prefix}-b", "dev", 1)
    synced = invoke(["sync", *args], cwd=gitops.worktree)
    assert synced.code == planned.code == 1
    assert synced.err == planned.err
