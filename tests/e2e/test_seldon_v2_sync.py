"""End to end with `target: seldon-v2`: a real MLflow server, a real bare Git remote, real
`kubectl kustomize` and strict kubeconform against Seldon Core 2's own CRDs (offline copies)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import yamlio
from generator.config.settings import ValidationSettings
from generator.validate.runner import validate_tree
from tests.e2e.test_sync import REWRITES, sync
from tests.support.gitops import GitopsRepo, git
from tests.support.golden import GOLDEN
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

MONITORING_OFF = (
    "monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}\n"
)


def environment(prefix: str) -> str:
    return (
        f"target: seldon-v2\nnamespace: models-dev\nalias: dev\nmodels:\n  include: ['{prefix}*']\n"
        f"{REWRITES}{MONITORING_OFF}strategy: {{type: canary, steps: [20, 100]}}\n"
    )


def test_sync_commits_seldon_core_2_models_then_a_canary_experiment(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("sc2")
    model = f"{prefix}-detector"
    registry.create(model, 2, {"dev": 1})
    gitops.write_environment("dev", environment(prefix))
    path = f"rendered/dev/{model}/model.yaml"

    first = sync(gitops, registry, cache_dir)
    assert first.code == 0, first.err
    assert path in gitops.remote_files()
    [serving] = yamlio.load(gitops.remote_show(path))["items"]
    assert (serving["kind"], serving["metadata"]["name"]) == ("Model", model)
    assert serving["spec"]["storageUri"].startswith("s3://mlflow-artifacts/")
    assert serving["spec"]["requirements"] == ["mlflow"]
    assert serving["metadata"]["annotations"]["model-gitops.io/version"] == "1"
    kustomization = yamlio.load(gitops.remote_show("rendered/dev/kustomization.yaml"))
    assert kustomization["resources"] == [f"{model}/model.yaml"]

    registry.set_alias(model, "dev", 2)
    second = sync(gitops, registry, cache_dir)
    assert second.code == 0, second.err
    assert gitops.remote_log()[0] == f"rollout(dev): {model}: canary 2 at 20% (stable 1)"
    assert git(gitops.remote, "show", "--name-only", "--format=", "main").split() == [path]
    serving, candidate, experiment = yamlio.load(gitops.remote_show(path))["items"]
    assert serving["metadata"]["annotations"]["model-gitops.io/rollout-candidate"] == "2"
    assert candidate["metadata"]["annotations"]["model-gitops.io/version"] == "2"
    assert candidate["metadata"]["name"] == f"{model}-canary-2"
    assert experiment["spec"] == {
        "default": model,
        "candidates": [{"name": model, "weight": 80}, {"name": f"{model}-canary-2", "weight": 20}],
    }

    commits = len(gitops.remote_log())
    third = sync(gitops, registry, cache_dir)  # no Prometheus: the canary waits, nothing changes
    assert third.code == 0, third.err
    assert len(gitops.remote_log()) == commits


def validation(cache: Path) -> ValidationSettings:
    return ValidationSettings(
        schema_locations=os.environ["MODEL_GITOPS_SCHEMA_LOCATIONS"].split(),
        crds=os.environ["MODEL_GITOPS_CRDS"].split(),
        cache_dir=cache,
    )


def tree(lists: dict[str, bytes]) -> dict[str, bytes]:
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "models-prod",
        "resources": sorted(f"{name}/model.yaml" for name in lists),
    }
    files = {f"prod/{name}/model.yaml": content for name, content in lists.items()}
    return {**files, "prod/kustomization.yaml": yamlio.dump(kustomization).encode()}


def test_every_strategy_passes_kustomize_strict_kubeconform_and_admission(cache_dir: Path) -> None:
    golden = GOLDEN / "seldon_v2"
    lists = {kind: (golden / f"{kind}.yaml").read_bytes() for kind in ("replace", "canary", "shadow", "ab")}
    renamed = {kind: content.replace(b"fraud-detector", kind.encode()) for kind, content in lists.items()}
    assert validate_tree(tree(renamed), ["prod"], validation(cache_dir)) == []


def test_strict_schemas_and_admission_name_the_model_and_its_file(cache_dir: Path) -> None:
    document = yamlio.load((GOLDEN / "seldon_v2" / "canary.yaml").read_text())
    document["items"][1]["spec"]["memory"] = "1.5Gi"
    document["items"][2]["spec"]["traffic"] = 50
    problems = validate_tree(
        tree({"fraud-detector": yamlio.dump(document).encode()}), ["prod"], validation(cache_dir)
    )
    assert problems == [
        "prod/fraud-detector-canary-8 (Model in prod/fraud-detector/model.yaml): spec.memory: '1.5Gi' is not "
        "a whole number of bytes, which Seldon Core 2 needs (Can't convert model memory quantity to bytes); "
        "write it as e.g. 1536Mi or 2Gi",
        "prod/fraud-detector (Experiment): '/spec': additional properties 'traffic' not allowed",
    ]
