"""Hostile registry data on a real MLflow server: each bad version is quarantined with a reason,
the other models are still delivered (exit 1), nothing crashes (exit 3) and no secret leaks.

- a registered-model tag `model-gitops.replicas` of 4,301 digits (past Python's int conversion limit);
- a `runs:/<run_id>` source (no artifact path: the run's artifact root, which holds no MLmodel);
- a `runs:/<run_id>/model` source, which must resolve to the run's `model` artifacts and deploy;
- an MLmodel file nested thousands of levels deep (RecursionError in any recursive YAML parser);
- sources carrying credentials (`s3://KEY:SECRET@bucket/...`, a pre-signed URL's signature;
  the server refuses `https://` sources by default, so both use `s3://`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from generator import yamlio
from generator.config.strategy import OfflineGate
from generator.plan import gates
from generator.registry.reader import RegistryReader
from generator.registry.runs import read_run_metrics
from tests.e2e.test_sync import environment, sync
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
MLMODEL = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    python_version: 3.11.7\n"
DEEP = 5000


def run_with_model(registry: TestRegistry, tmp_path: Path, mlmodel: str) -> tuple[str, str]:
    """A run whose `model/` artifacts hold `mlmodel`; returns (run id, artifact root)."""
    client = registry.client
    experiment = client.get_experiment_by_name("model-gitops-examples").experiment_id
    run = client.create_run(experiment)
    directory = tmp_path / run.info.run_id
    directory.mkdir()
    (directory / "MLmodel").write_text(mlmodel)
    client.log_artifacts(run.info.run_id, str(directory), "model")
    client.set_terminated(run.info.run_id)
    return run.info.run_id, run.info.artifact_uri


def register(registry: TestRegistry, name: str, source: str, run_id: str | None = None) -> None:
    client = registry.client
    client.create_registered_model(name)
    client.create_model_version(name, source, run_id=run_id)
    client.set_registered_model_alias(name, "dev", "1")


def test_hostile_versions_are_quarantined_and_the_rest_is_delivered(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path, tmp_path: Path
) -> None:
    prefix = registry.unique("hostile")
    registry.create(f"{prefix}-good", 1, {"dev": 1})
    registry.create(f"{prefix}-replicas", 1, {"dev": 1})
    registry.client.set_registered_model_tag(f"{prefix}-replicas", "model-gitops.replicas", "7" * 4301)
    run_id, root = run_with_model(registry, tmp_path, MLMODEL)
    register(registry, f"{prefix}-runpath", f"runs:/{run_id}/model", run_id)
    register(registry, f"{prefix}-runroot", f"runs:/{run_id}", run_id)
    deep = "flavors:\n  python_function:\n    x: " + "[" * DEEP + "]" * DEEP + "\n"
    deep_run, deep_root = run_with_model(registry, tmp_path, deep)
    register(registry, f"{prefix}-deep", f"{deep_root}/model", deep_run)
    register(registry, f"{prefix}-leaky", f"s3://AKIAIOSFODNN7EXAMPLE:{SECRET}@bucket/models/m")
    presigned = f"s3://bucket/models/m?X-Amz-Credential=AKIA%2F1&X-Amz-Signature={SIGNATURE}"
    register(registry, f"{prefix}-signed", presigned)
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))

    planned = invoke(
        ["plan", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)], cwd=gitops.worktree
    )
    markdown = invoke(
        ["plan", "--format", "markdown", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)],
        cwd=gitops.worktree,
    )
    result = sync(gitops, registry, cache_dir)

    assert result.code == 1, result.err + result.out
    assert "Traceback" not in result.err and "bug" not in result.err
    reasons = {
        line.strip()[2:].split(": ", 1)[0]: line.split(": ", 1)[1]
        for line in result.out.splitlines()
        if line.startswith("  ! ")
    }
    assert set(reasons) == {f"{prefix}-{n}" for n in ("replicas", "runroot", "deep", "leaky", "signed")}
    assert reasons[f"{prefix}-replicas"].startswith(
        f"dev: {prefix}-replicas version 1: tag model-gitops.replicas=(a value of 4301 characters) "
        "is not a whole number from 1 to 10"
    )
    assert f"cannot read the MLmodel file at {root}" in reasons[f"{prefix}-runroot"]
    assert "is not valid YAML (or nested too deeply)" in reasons[f"{prefix}-deep"]
    assert reasons[f"{prefix}-leaky"].startswith(
        f"dev: {prefix}-leaky version 1: the version's source 's3://***@bucket/models/m' carries credentials"
    )
    assert "carries credentials (the query parameter X-Amz-Credential)" in reasons[f"{prefix}-signed"]

    delivered = gitops.remote_files()
    for model in ("good", "runpath"):
        assert f"rendered/dev/{prefix}-{model}/seldondeployment.yaml" in delivered
    for model in ("replicas", "runroot", "deep", "leaky", "signed"):
        assert f"rendered/dev/{prefix}-{model}/seldondeployment.yaml" not in delivered
    document = yamlio.load(gitops.remote_show(f"rendered/dev/{prefix}-runpath/seldondeployment.yaml"))
    uri = document["spec"]["predictors"][0]["graph"]["modelUri"]
    assert uri.startswith("s3://mlflow-artifacts/") and uri.endswith(f"/{run_id}/artifacts/model")

    everything = planned.out + planned.err + markdown.out + markdown.err + result.out + result.err
    everything += git(gitops.remote, "log", "-p", "--all")
    for secret in (SECRET, SECRET[:8], SIGNATURE[:8], "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in everything
    assert planned.code == markdown.code == 0 or "Traceback" not in planned.err + markdown.err


def test_non_finite_run_metrics_read_from_mlflow_fail_the_offline_gate(registry: TestRegistry) -> None:
    client = registry.client
    experiment = client.get_experiment_by_name("model-gitops-examples").experiment_id
    runs = {}
    for name, value in (("stable", 0.92), ("nan", math.nan), ("inf", math.inf)):
        runs[name] = client.create_run(experiment).info.run_id
        client.log_metric(runs[name], "val_auc", value)
    metrics = read_run_metrics(RegistryReader(registry.url), set(runs.values()))
    rules = [OfflineGate(metric="val_auc", max_drop=0.01)]
    for name in ("nan", "inf"):
        result = gates.offline(rules, metrics[runs[name]], metrics[runs["stable"]])
        assert result.outcome == "fail", (name, metrics[runs[name]])
        assert result.reason == f"the candidate's run logged val_auc = {name} (not a finite number)"
