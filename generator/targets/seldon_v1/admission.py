"""Seldon Core v1 admission rules that the CRD schema does not enforce. Pure.

Mirrors `seldondeployment_webhook.go` (v1.18.2): unique predictor names; at most one shadow
and never a shadow alone; traffic of several non-shadow predictors sums to exactly 100; a single
predictor has traffic 0/unset or 100; prepackaged servers need `modelUri`; protocol is one of
seldon, tensorflow, kfserving, v2; tensorflow is not allowed with SKLEARN/XGBOOST/MLFLOW servers.
"""

from __future__ import annotations

from typing import Any

PREPACKAGED = {
    "SKLEARN_SERVER",
    "XGBOOST_SERVER",
    "TENSORFLOW_SERVER",
    "MLFLOW_SERVER",
    "TRITON_SERVER",
    "HUGGINGFACE_SERVER",
    "TEMPO_SERVER",
}
PROTOCOLS = {"seldon", "tensorflow", "kfserving", "v2"}
NO_TENSORFLOW_PROTOCOL = {"SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER"}


def admission_problems(document: dict[str, Any]) -> list[str]:
    """What Seldon's admission webhook would reject in this SeldonDeployment, as field paths."""
    spec = document.get("spec") or {}
    predictors = spec.get("predictors") or []
    protocol = spec.get("protocol") or "seldon"
    problems = []
    if protocol not in PROTOCOLS:
        problems.append(f"spec.protocol: {protocol!r} is not one of {sorted(PROTOCOLS)}")
    if not predictors:
        problems.append("spec.predictors: at least one predictor is required")
    problems += _name_problems(predictors)
    problems += _shadow_and_traffic_problems(predictors)
    for index, predictor in enumerate(predictors):
        problems += _graph_problems(f"spec.predictors[{index}].graph", predictor.get("graph") or {}, protocol)
    return problems


def _name_problems(predictors: list[dict[str, Any]]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for index, predictor in enumerate(predictors):
        name = str(predictor.get("name"))
        if name in seen:
            problems.append(f"spec.predictors[{index}].name: duplicate predictor name {name!r}")
        seen.add(name)
    return problems


def _shadow_and_traffic_problems(predictors: list[dict[str, Any]]) -> list[str]:
    shadows = [p for p in predictors if p.get("shadow")]
    live = [p for p in predictors if not p.get("shadow")]
    problems = []
    if len(shadows) > 1:
        problems.append("spec.predictors: at most one shadow predictor is allowed")
    if shadows and not live:
        problems.append("spec.predictors: a shadow predictor needs a non-shadow predictor")
    if len(live) == 1 and (live[0].get("traffic") or 0) not in (0, 100):
        problems.append("spec.predictors[].traffic: a single predictor must have traffic 0 or 100")
    if len(live) > 1:
        total = sum(int(p.get("traffic") or 0) for p in live)
        if total != 100:
            problems.append(f"spec.predictors[].traffic: traffic sums to {total}, must be 100")
    return problems


def _graph_problems(path: str, node: dict[str, Any], protocol: str) -> list[str]:
    problems = []
    implementation = node.get("implementation")
    if implementation in PREPACKAGED and not node.get("modelUri"):
        problems.append(f"{path}.modelUri: {implementation} needs a modelUri")
    if protocol == "tensorflow" and implementation in NO_TENSORFLOW_PROTOCOL:
        problems.append(f"{path}.implementation: {implementation} does not serve the tensorflow protocol")
    for index, child in enumerate(node.get("children") or []):
        problems += _graph_problems(f"{path}.children[{index}]", child, protocol)
    return problems
