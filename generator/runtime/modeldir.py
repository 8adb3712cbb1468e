"""What a downloaded MLflow model directory says about checking it: its input example as a V2 request.

The example is `serving_input_example.json` (MLflow >= 2.13 writes it; MLmodel's
`saved_input_example_info.serving_input_path` names it), else `input_example.json` read with
`saved_input_example_info` (type `dataframe` with its pandas orient, or `ndarray`). The signature's
inputs (in MLmodel) give the column and tensor types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import yamlio
from generator.runtime.v2request import UnsupportedExample, inference_request


def example_request(model_dir: Path) -> tuple[dict[str, Any] | None, str]:
    """(the V2 request, "") or (None, why the check can only ask whether the model is ready)."""
    mlmodel = _mlmodel(model_dir)
    info = mlmodel.get("saved_input_example_info")
    info = info if isinstance(info, dict) else {}
    signature = mlmodel.get("signature")
    inputs = signature.get("inputs") if isinstance(signature, dict) else None
    example = _serving_example(model_dir, info)
    if example is None:
        return None, "the model has no input example"
    try:
        return inference_request(example, inputs if isinstance(inputs, str) else None), ""
    except UnsupportedExample as exc:
        return None, f"its input example cannot be sent as a V2 request ({exc})"


def _mlmodel(model_dir: Path) -> dict[str, Any]:
    try:
        document = yamlio.load((model_dir / "MLmodel").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yamlio.YAMLError):
        return {}
    return document if isinstance(document, dict) else {}


def _serving_example(model_dir: Path, info: dict[str, Any]) -> Any:
    serving = _json(model_dir / str(info.get("serving_input_path") or "serving_input_example.json"))
    if serving is not None:
        return serving
    raw = _json(model_dir / str(info.get("artifact_path") or "input_example.json"))
    if raw is None:
        return None
    kind, orient = info.get("type"), info.get("pandas_orient", "split")
    if kind == "dataframe":
        return {"dataframe_records": raw} if orient == "records" else {"dataframe_split": raw}
    if kind == "ndarray":
        return raw if isinstance(raw, dict) and "inputs" in raw else {"inputs": raw}
    return raw


def _json(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
