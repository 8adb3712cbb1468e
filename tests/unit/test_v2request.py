"""Input examples as the V2 requests MLServer 1.7.1's MLflow runtime decodes (mlserver/codecs/pandas.py,
numpy.py and mlserver_mlflow/codecs.py at tag 1.7.1), and reading them from a model directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.runtime.modeldir import example_request
from generator.runtime.v2request import UnsupportedExample, inference_request

COLUMNS = '[{"type": "double", "name": "amount", "required": true}, {"type": "long", "name": "age"}]'
TENSOR = '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]'


def test_dataframe_split_is_one_pandas_column_per_input_typed_by_the_signature() -> None:
    example = {
        "dataframe_split": {"columns": ["amount", "age", "city"], "data": [[0.5, 3, "x"], [1, 4, "y"]]}
    }
    assert inference_request(example, COLUMNS) == {
        "parameters": {"content_type": "pd"},
        "inputs": [
            {"name": "amount", "datatype": "FP64", "shape": [2, 1], "data": [0.5, 1]},
            {"name": "age", "datatype": "INT64", "shape": [2, 1], "data": [3, 4]},
            {
                "name": "city",
                "datatype": "BYTES",
                "shape": [2, 1],
                "data": ["x", "y"],
                "parameters": {"content_type": "str"},
            },
        ],
    }


def test_dataframe_records_and_inferred_types_without_a_signature() -> None:
    request = inference_request({"dataframe_records": [{"a": 1, "b": True}, {"a": 2.5, "b": False}]}, None)
    assert [(i["name"], i["datatype"], i["data"]) for i in request["inputs"]] == [
        ("a", "FP64", [1, 2.5]),
        ("b", "BOOL", [True, False]),
    ]


def test_unnamed_tensor_is_one_numpy_input_flattened_with_its_shape() -> None:
    assert inference_request({"inputs": [[0.0, 1.0], [1.0, 0.0]]}, TENSOR) == {
        "parameters": {"content_type": "np"},
        "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [2, 2], "data": [0.0, 1.0, 1.0, 0.0]}],
    }


def test_named_tensors_use_the_runtimes_tensor_dict_codec() -> None:
    request = inference_request({"inputs": {"x": [[1, 2]], "y": [3]}}, None)
    assert request["parameters"] == {"content_type": "dict"}
    assert [(i["name"], i["shape"], i["datatype"]) for i in request["inputs"]] == [
        ("x", [1, 2], "INT64"),
        ("y", [1], "INT64"),
    ]


@pytest.mark.parametrize("example", [{"messages": [{"role": "user"}]}, [1, 2], {"dataframe_split": {}}])
def test_payloads_that_are_not_tables_or_tensors_are_refused_plainly(example: object) -> None:
    with pytest.raises(UnsupportedExample):
        inference_request(example, None)


def write_model(directory: Path, mlmodel: str, **files: object) -> Path:
    directory.mkdir()
    (directory / "MLmodel").write_text(mlmodel)
    for name, content in files.items():
        (directory / f"{name}.json").write_text(json.dumps(content))
    return directory


def test_model_dir_serving_example_with_the_signature(tmp_path: Path) -> None:
    mlmodel = f"signature:\n  inputs: '{COLUMNS}'\n"
    mlmodel += "saved_input_example_info:\n  serving_input_path: serving_input_example.json\n"
    example = {"dataframe_split": {"columns": ["amount", "age"], "data": [[1.0, 2]]}}
    request, why = example_request(write_model(tmp_path / "m", mlmodel, serving_input_example=example))
    assert why == "" and request is not None
    assert [i["datatype"] for i in request["inputs"]] == ["FP64", "INT64"]


def test_model_dir_falls_back_to_input_example_json(tmp_path: Path) -> None:
    mlmodel = "saved_input_example_info:\n  artifact_path: input_example.json\n  type: ndarray\n"
    request, _ = example_request(write_model(tmp_path / "m", mlmodel, input_example=[[1.0, 2.0]]))
    assert request is not None and request["inputs"][0]["shape"] == [1, 2]


def test_model_dir_without_an_example_is_a_ready_only_check(tmp_path: Path) -> None:
    request, why = example_request(write_model(tmp_path / "m", "flavors: {}\n"))
    assert request is None and why == "the model has no input example"
