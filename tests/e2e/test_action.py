"""The GitHub Action (action.yml): its shell steps run here as a runner would run them.

Each `run` step of the composite action is taken from action.yml, its `${{ }}` expressions filled
in from the inputs (defaults from action.yml), and run with `bash -eo pipefail` and the runner's
files (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH, RUNNER_TEMP). The install step installs the
action's own source into a fresh virtualenv (with `pip`, from the package index); the run step
then syncs, plans and validates with that install against a real MLflow server and Git remote.
The `uses:` steps (setup-python, setup-go) are GitHub's and are not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator import yamlio
from tests.conftest import ROOT
from tests.e2e.test_sync import environment
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ACTION = yamlio.load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(?P<name>[\w.-]+)\s*\}\}")


@dataclass
class Runner:
    """A runner's files and PATH (the fresh virtualenv first)."""

    root: Path
    path: str

    def file(self, name: str) -> Path:
        return self.root / name

    def text(self, name: str) -> str:
        found = self.file(name)
        return found.read_text() if found.exists() else ""

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.text("output").splitlines() if "=" in line)


def step(name_start: str) -> dict[str, Any]:
    (found,) = [s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith(name_start)]
    return found


def evaluate(text: str, inputs: dict[str, str]) -> str:
    """`${{ inputs.x }}`, `${{ github.action_path }}` and `${{ github.action_ref }}` filled in."""
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values = {f"inputs.{k}": v for k, v in {**defaults, **inputs}.items()}
    values |= {"github.action_path": str(ROOT), "github.action_ref": ""}
    return EXPRESSION.sub(lambda m: values[m.group("name")], text)


def run_step(
    runner: Runner, found: dict[str, Any], inputs: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    assert found["shell"] == "bash"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {key: evaluate(str(value), inputs) for key, value in found.get("env", {}).items()}
    env |= {
        "PATH": runner.path,
        "GITHUB_STEP_SUMMARY": str(runner.file("summary")),
        "GITHUB_OUTPUT": str(runner.file("output")),
        "GITHUB_PATH": str(runner.file("path")),
        "RUNNER_TEMP": str(runner.file("temp")),
    }
    script = evaluate(found["run"], inputs)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The install step, run once into a fresh virtualenv."""
    root = tmp_path_factory.mktemp("runner")
    (root / "temp").mkdir()
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    runner = Runner(root, f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    done = run_step(runner, step("Install"), {}, root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (venv / "bin" / "model-gitops").exists()
    assert "model-gitops " in done.stdout
    assert runner.text("path").strip() == str(root / "temp" / "model-gitops-bin")
    return runner


@pytest.fixture
def runner(installed: Runner) -> Runner:
    """The installed runner with empty summary and output files."""
    for name in ("summary", "output"):
        installed.file(name).unlink(missing_ok=True)
    return installed


def test_the_sync_step_pushes_and_writes_the_job_summary(
    runner: Runner, gitops: GitopsRepo, registry: TestRegistry
) -> None:
    prefix = registry.unique("action")
    registry.create(f"{prefix}-m", 2, {"dev": 2})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    inputs = {"command": "sync", "tracking-uri": registry.url}

    done = run_step(runner, step("model-gitops"), inputs, gitops.worktree)
    assert done.returncode == 0, done.stderr
    assert f"rendered/dev/{prefix}-m/seldondeployment.yaml" in gitops.remote_files()
    assert runner.outputs()["exit-code"] == "0"
    assert prefix in runner.text("summary")

    done = run_step(runner, step("model-gitops"), {"command": "validate"}, gitops.worktree)
    assert done.returncode == 0, done.stderr
    assert "valid: " in runner.text("summary")


def test_a_dry_run_puts_the_plan_in_the_summary_and_writes_nothing(
    runner: Runner, gitops: GitopsRepo, registry: TestRegistry
) -> None:
    prefix = registry.unique("dryrun")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    commits = len(gitops.remote_log())
    inputs = {"command": "sync", "dry-run": "true", "tracking-uri": registry.url, "environment": "dev"}

    done = run_step(runner, step("model-gitops"), inputs, gitops.worktree)
    assert done.returncode == 0, done.stderr
    assert runner.outputs() == {"exit-code": "2", "changes": "true"}
    summary = runner.text("summary")
    assert summary.startswith("## model-gitops sync (dry run)") and prefix in summary
    assert len(gitops.remote_log()) == commits


def test_an_unknown_command_fails_with_an_annotation(runner: Runner, tmp_path: Path) -> None:
    done = run_step(runner, step("model-gitops"), {"command": "deploy"}, tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("::error::unknown command 'deploy'")
