"""Validation with real kubectl kustomize and kubeconform against the offline schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from tests.support.cli import invoke

pytestmark = pytest.mark.e2e

GOOD = {
    "apiVersion": "machinelearning.seldon.io/v1",
    "kind": "SeldonDeployment",
    "metadata": {"name": "fraud"},
    "spec": {
        "protocol": "v2",
        "predictors": [
            {
                "name": "default",
                "traffic": 100,
                "graph": {
                    "name": "model",
                    "type": "MODEL",
                    "implementation": "MLFLOW_SERVER",
                    "modelUri": "s3://b/m",
                    "children": [],
                },
            }
        ],
    },
}


def write_tree(root: Path, document: dict) -> None:
    env = root / "rendered" / "dev"
    (env / "fraud").mkdir(parents=True)
    (env / "fraud" / "seldondeployment.yaml").write_text(yamlio.dump(document))
    (env / "kustomization.yaml").write_text(
        yamlio.dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "models-dev",
                "resources": ["fraud/seldondeployment.yaml"],
            }
        )
    )


def validate(root: Path, cache: Path):
    import subprocess

    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return invoke(["validate", "--cache-dir", str(cache)], cwd=root)


def test_valid_tree_passes(tmp_path: Path, cache_dir: Path) -> None:
    write_tree(tmp_path, GOOD)
    result = validate(tmp_path, cache_dir)
    assert (result.code, result.out.strip()) == (0, "valid: dev"), result.err


def test_unknown_field_is_caught_by_kubeconform_strict(tmp_path: Path, cache_dir: Path) -> None:
    bad = yamlio.load(yamlio.dump(GOOD))
    bad["spec"]["predictors"][0]["graph"]["modelUrl"] = "s3://typo"
    write_tree(tmp_path, bad)
    result = validate(tmp_path, cache_dir)
    assert result.code == 1
    assert "dev/fraud (SeldonDeployment)" in result.err
    assert "modelUrl" in result.err and "/spec/predictors/0/graph" in result.err


def test_wrong_type_is_caught(tmp_path: Path, cache_dir: Path) -> None:
    bad = yamlio.load(yamlio.dump(GOOD))
    bad["spec"]["predictors"][0]["replicas"] = "three"
    write_tree(tmp_path, bad)
    result = validate(tmp_path, cache_dir)
    assert result.code == 1 and "/spec/predictors/0/replicas" in result.err


def test_admission_rules_are_applied(tmp_path: Path, cache_dir: Path) -> None:
    bad = yamlio.load(yamlio.dump(GOOD))
    bad["spec"]["predictors"][0]["traffic"] = 50
    write_tree(tmp_path, bad)
    result = validate(tmp_path, cache_dir)
    assert result.code == 1
    assert "dev/fraud: spec.predictors[].traffic: a single predictor must have traffic 0 or 100" in result.err


def test_broken_kustomization_is_reported(tmp_path: Path, cache_dir: Path) -> None:
    write_tree(tmp_path, GOOD)
    (tmp_path / "rendered" / "dev" / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    result = validate(tmp_path, cache_dir)
    assert result.code == 1 and "dev: kustomize build failed" in result.err


def test_crd_schema_command_writes_kubeconform_schemas(tmp_path: Path) -> None:
    from tests.conftest import seldon_crd

    result = invoke(["crd-schema", seldon_crd(), "-o", str(tmp_path / "out")])
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "machinelearning.seldon.io" / "seldondeployment_v1.json").is_file()


def test_missing_crd_file_is_one_clear_line(tmp_path: Path, cache_dir: Path) -> None:
    write_tree(tmp_path, GOOD)
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = invoke(
        ["validate", "--crd", str(tmp_path / "nope.yaml"), "--cache-dir", str(cache_dir)], cwd=tmp_path
    )
    assert result.code == 1
    missing = tmp_path / "nope.yaml"
    hint = "pass an existing file or an https URL to --crd"
    assert result.err.strip() == f"error: CRD file {missing} not found: {hint}"
