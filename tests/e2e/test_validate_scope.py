"""Chunked and incremental validation find what a whole build finds (real kustomize, kubeconform)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import yamlio
from generator.config.settings import ValidationSettings
from generator.validate.runner import scope, validate_tree

pytestmark = pytest.mark.e2e


def settings(cache: Path) -> ValidationSettings:
    return ValidationSettings(
        schema_locations=os.environ["MODEL_GITOPS_SCHEMA_LOCATIONS"].split(),
        crds=os.environ["MODEL_GITOPS_CRDS"].split(),
        cache_dir=cache,
    )


def deployment(name: str, **graph: object) -> dict[str, object]:
    node = {"name": "model", "type": "MODEL", "implementation": "MLFLOW_SERVER", "modelUri": "s3://b/m"}
    return {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": name},
        "spec": {"predictors": [{"name": "default", "traffic": 100, "graph": {**node, **graph}}]},
    }


def tree(broken: dict[str, dict[str, object]]) -> dict[str, bytes]:
    """Five models in dev; `broken` replaces some graphs' fields."""
    names = [f"model-{i}" for i in range(5)]
    files = {
        f"dev/{name}/seldondeployment.yaml": yamlio.dump(deployment(name, **broken.get(name, {}))).encode()
        for name in names
    }
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "models-dev",
        "labels": [{"pairs": {"app.kubernetes.io/managed-by": "model-gitops"}, "includeSelectors": False}],
        "resources": [f"{name}/seldondeployment.yaml" for name in names],
    }
    files["dev/kustomization.yaml"] = yamlio.dump(kustomization).encode()
    return files


BROKEN = {"model-1": {"unknownField": 1}, "model-4": {"modelUri": ""}}  # kubeconform, admission


def test_chunked_builds_find_the_same_problems(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = validate_tree(tree(BROKEN), ["dev"], settings(cache_dir))
    monkeypatch.setattr(scope, "CHUNK", 2)
    chunked = validate_tree(tree(BROKEN), ["dev"], settings(cache_dir))
    assert sorted(chunked) == sorted(whole)
    assert any(p.startswith("dev/model-1 ") for p in whole)
    assert any(
        p.startswith("dev/model-4 (SeldonDeployment in dev/model-4/seldondeployment.yaml): ") for p in whole
    )


def test_only_what_changed_since_previous_is_checked(cache_dir: Path) -> None:
    assert validate_tree(tree(BROKEN), ["dev"], settings(cache_dir), previous=tree(BROKEN)) == []
    problems = validate_tree(
        tree(BROKEN), ["dev"], settings(cache_dir), previous=tree({"model-1": BROKEN["model-1"]})
    )
    assert problems and all(p.startswith("dev/model-4") for p in problems)
