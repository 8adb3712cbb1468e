"""Validation with real kubectl kustomize and kubeconform against the offline schemas."""

from __future__ import annotations

import json
from collections.abc import Callable
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


def write_tree(root: Path, document: dict, dump: Callable[[dict], str] = yamlio.dump) -> None:
    env = root / "rendered" / "dev"
    (env / "fraud").mkdir(parents=True)
    (env / "fraud" / "seldondeployment.yaml").write_text(dump(document))
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
    assert result.err.strip() == (
        "error: validation failed: dev/fraud (SeldonDeployment in dev/fraud/seldondeployment.yaml): "
        "spec.predictors[0].traffic: a single predictor's traffic must be 100 when set, not 50: "
        "nothing was written or committed"
    )


def test_a_wrong_field_in_a_nested_graph_child_is_refused(tmp_path: Path, cache_dir: Path) -> None:
    """The helm chart's CRD schemas `children` recursively (operator/config's leaves them `{}`)."""
    bad = yamlio.load(yamlio.dump(GOOD))
    leaf = {"name": "leaf", "implementation": "SKLEARN_SERVER", "modelUri": "s3://b/l", "modelUrl": "typo"}
    graph = bad["spec"]["predictors"][0]["graph"]
    graph["children"] = [{"name": "mid", "implementation": "SIMPLE_MODEL", "children": [leaf]}]
    write_tree(tmp_path, bad)
    result = validate(tmp_path, cache_dir)
    assert result.code == 1
    assert "/spec/predictors/0/graph/children/0/children/0" in result.err and "modelUrl" in result.err


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (["componentSpecs"], None),  # the API server drops nulls
        (["graph", "implementation"], "HUGGINGFACE_SERVER"),  # HuggingFace may load from the Hub
    ],
)
def test_what_seldon_admits_passes(tmp_path: Path, cache_dir: Path, where: list[str], value: object) -> None:
    document = yamlio.load(yamlio.dump(GOOD))
    predictor = document["spec"]["predictors"][0]
    if where == ["graph", "implementation"]:
        predictor["graph"].update(implementation=value, modelUri="")
    else:
        predictor[where[0]] = value
    write_tree(tmp_path, document)
    result = validate(tmp_path, cache_dir)
    assert (result.code, result.out.strip()) == (0, "valid: dev"), result.err


HAND_EDITS = [
    ("children", {"a": 1}, "spec.predictors[0].graph.children: must be a list, not a mapping"),
    ("predictors", {"name": "x"}, "spec.predictors: must be a list, not a mapping"),
    ("traffic", "abc", "spec.predictors[0].traffic: must be an integer, not the string 'abc'"),
    ("graph", [1, 2], "spec.predictors[0].graph: must be a mapping, not a list"),
]


@pytest.mark.parametrize(("key", "value", "problem"), HAND_EDITS)
def test_a_hand_edited_wrong_shape_is_one_line_exit_1(
    tmp_path: Path, cache_dir: Path, key: str, value: object, problem: str
) -> None:
    document = yamlio.load(yamlio.dump(GOOD))
    owner = {"predictors": document["spec"], "children": document["spec"]["predictors"][0]["graph"]}
    owner.get(key, document["spec"]["predictors"][0])[key] = value
    write_tree(tmp_path, document)
    result = validate(tmp_path, cache_dir)
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert f"dev/fraud (SeldonDeployment in dev/fraud/seldondeployment.yaml): {problem}" in result.err


def test_a_document_nested_too_deeply_to_read_is_one_line_exit_1(tmp_path: Path, cache_dir: Path) -> None:
    document = yamlio.load(yamlio.dump(GOOD))
    document["spec"]["predictors"][0]["graph"] = "GRAPH"
    node = '{"name": "n", "implementation": "SIMPLE_MODEL", "children": ['
    # 300 levels pass kustomize in ~2 s (3000 take minutes) and already exceed Python's YAML reader
    deep = node * 300 + '{"name": "leaf", "implementation": "SIMPLE_MODEL"}' + "]}" * 300
    write_tree(tmp_path, document, dump=lambda d: json.dumps(d).replace('"GRAPH"', deep))
    result = validate(tmp_path, cache_dir)
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1 and "dev/fraud" in result.err


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
