"""The action's run step (scripts/action/run.sh) passes a webhook batch's models to `sync` and
`plan` as `--model` arguments, one per name, whatever the names hold; a `model-gitops` stand-in
on PATH records the arguments it was given."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

RECORDER = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["RECORDED"], "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def run_step(tmp_path: Path, command: str, models: str, **extra: str) -> tuple[int, list[list[str]], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    recorder = bin_dir / "model-gitops"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_text("")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "RECORDED": str(recorded),
        "COMMAND": command,
        "ENVIRONMENT": "prod",
        "MODELS": models,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        **extra,
    }
    done = subprocess.run(
        ["bash", str(ROOT / "scripts/action/run.sh")], env=env, capture_output=True, text=True, check=False
    )
    calls = [json.loads(line) for line in recorded.read_text().splitlines()]
    return done.returncode, calls, done.stdout + done.stderr


def test_sync_gets_one_model_option_per_name(tmp_path: Path) -> None:
    names = ["fraud", "churn model", "-x", "it's $(no) `shell`", "ünïcode 🙂"]
    code, calls, out = run_step(tmp_path, "sync", json.dumps(names))
    assert code == 0, out
    scope = [arg for name in names for arg in ("--model", name)]
    assert calls == [["sync", "--push", "--summary", str(tmp_path / "summary"), "--env", "prod", *scope]]


def test_a_dry_run_plans_the_same_models(tmp_path: Path) -> None:
    code, calls, out = run_step(tmp_path, "sync", '["fraud"]', DRY_RUN="true")
    assert code == 0, out
    assert calls[0][0] == "plan" and calls[0][-2:] == ["--model", "fraud"]


@pytest.mark.parametrize("models", ["", "[]"])
def test_no_models_syncs_every_model(tmp_path: Path, models: str) -> None:
    code, calls, out = run_step(tmp_path, "sync", models)
    assert code == 0, out
    assert "--model" not in calls[0]


@pytest.mark.parametrize("models", ["fraud", '{"a": 1}', '["a", 3]', '[""]', '["a\\u0000b"]'])
def test_models_that_are_not_a_list_of_names_fail_before_anything_runs(tmp_path: Path, models: str) -> None:
    code, calls, out = run_step(tmp_path, "sync", models)
    assert code == 1 and calls == []
    assert "::error::the models input is not a JSON list of model names" in out
