"""A model's saved input example as the V2 inference request MLServer's MLflow runtime accepts. Pure.

MLflow 3 saves `serving_input_example.json` next to the model when it is logged with an input
example: `{"dataframe_split": {"columns": [...], "data": [[...]]}}`, `{"dataframe_records": [...]}`,
or a tensor payload `{"inputs": [[...]]}` / `{"inputs": {"name": [...]}}`. MLServer 1.7.1's MLflow
runtime decodes a request with the request's content type, else the one it derived from the signature:

- `pd` (PandasCodec): one input per column, shape `[rows, 1]`, each a pandas Series; string columns
  are `BYTES` with content type `str`;
- `np` (NumpyRequestCodec): the first input as one array, `data` flattened row-major, `shape` the array's;
- `dict` (the runtime's TensorDictCodec): every input as a named array.

Column and tensor types come from the signature (MLflow's ColSpec / TensorSpec types, mapped as
`mlserver_mlflow.metadata` maps them) and are inferred from the values when there is no signature.
"""

from __future__ import annotations

import json
from typing import Any

COLUMN_TYPES = {
    "boolean": "BOOL",
    "integer": "INT32",
    "long": "INT64",
    "float": "FP32",
    "double": "FP64",
    "string": "BYTES",
    "binary": "BYTES",
    "datetime": "BYTES",
}
TENSOR_TYPES = {
    "bool": "BOOL",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
}


class UnsupportedExample(ValueError):
    """An input example this module cannot turn into a V2 request (the check is then ready-only)."""


def inference_request(example: Any, signature_inputs: str | None) -> dict[str, Any]:
    """The V2 request body for `example` (a parsed serving_input_example.json)."""
    specs = _specs(signature_inputs)
    if not isinstance(example, dict):
        raise UnsupportedExample("the input example is not a JSON object")
    if "dataframe_split" in example:
        columns, rows = _split(example["dataframe_split"])
        return _dataframe(columns, rows, specs)
    if "dataframe_records" in example:
        records = example["dataframe_records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnsupportedExample("dataframe_records is not a list of objects")
        columns = list(dict.fromkeys(key for record in records for key in record))
        return _dataframe(columns, [[r.get(c) for c in columns] for r in records], specs)
    payload = example.get("inputs", example.get("instances"))
    if isinstance(payload, dict):
        inputs = [
            _tensor(str(name), value, _tensor_type(specs, str(name))) for name, value in payload.items()
        ]
        return {"parameters": {"content_type": "dict"}, "inputs": inputs}
    if isinstance(payload, list):
        return {
            "parameters": {"content_type": "np"},
            "inputs": [_tensor("input-0", payload, _tensor_type(specs))],
        }
    raise UnsupportedExample(
        f"no dataframe or tensor payload in the example (keys: {', '.join(sorted(example))})"
    )


def _specs(signature_inputs: str | None) -> list[dict[str, Any]]:
    if not signature_inputs:
        return []
    try:
        specs = json.loads(signature_inputs)
    except ValueError:
        return []
    return [s for s in specs if isinstance(s, dict)] if isinstance(specs, list) else []


def _split(split: Any) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(split, dict) or not isinstance(split.get("data"), list):
        raise UnsupportedExample("dataframe_split has no data")
    rows = [row if isinstance(row, list) else [row] for row in split["data"]]
    width = max((len(row) for row in rows), default=0)
    columns = split.get("columns") or [str(i) for i in range(width)]
    return [str(c) for c in columns], rows


def _dataframe(columns: list[str], rows: list[list[Any]], specs: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        raise UnsupportedExample("the input example has no rows")
    types = {str(s["name"]): str(s.get("type")) for s in specs if "name" in s}
    inputs = []
    for index, column in enumerate(columns):
        values = [row[index] if index < len(row) else None for row in rows]
        datatype = COLUMN_TYPES.get(types.get(column, ""), "") or _infer(values)
        entry: dict[str, Any] = {
            "name": column,
            "datatype": datatype,
            "shape": [len(values), 1],
            "data": values,
        }
        if datatype == "BYTES":
            if all(isinstance(v, str) for v in values):
                entry["parameters"] = {"content_type": "str"}
            else:
                entry["data"] = [json.dumps(v) for v in values]
                entry["parameters"] = {"content_type": "pd_json"}
        inputs.append(entry)
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def _tensor(name: str, value: Any, datatype: str) -> dict[str, Any]:
    shape, flat = _shape(value), _flatten(value)
    if not flat:
        raise UnsupportedExample(f"tensor {name!r} of the input example is empty")
    entry: dict[str, Any] = {"name": name, "datatype": datatype or _infer(flat), "shape": shape, "data": flat}
    if entry["datatype"] == "BYTES":
        entry["parameters"] = {"content_type": "str"}
    return entry


def _tensor_type(specs: list[dict[str, Any]], name: str | None = None) -> str:
    for spec in specs:
        tensor = spec.get("tensor-spec")
        if isinstance(tensor, dict) and (name is None or spec.get("name") == name):
            return TENSOR_TYPES.get(str(tensor.get("dtype")), "")
    return ""


def _shape(value: Any) -> list[int]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return shape or [1]


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return [value]
    return [item for element in value for item in _flatten(element)]


def _infer(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "BOOL"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "INT64"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "FP64"
    return "BYTES"
