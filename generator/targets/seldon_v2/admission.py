"""What Seldon Core 2 v2.10.2 refuses in a `Model` or an `Experiment` that its CRDs admit. Pure.

Seldon Core 2 has no admission webhook: the operator converts each resource for the scheduler and
the scheduler validates it, and a refusal shows only in the resource's status. Rule by rule, from
SeldonIO/seldon-core@v2.10.2:

- Model `memory` must convert to whole bytes with apimachinery's `Quantity.AsInt64`, else "Can't
  convert model memory quantity to bytes" (`operator/apis/mlops/v1alpha1/model_types.go`,
  `AsSchedulerModel`). `AsInt64` fails for a quantity held with a negative scale: a fraction of a
  byte (`0.5`), milli units (`500m`, even `1000m`), and a binary suffix with a fraction (`1.5Gi`,
  parsed by the slow path into an `inf.Dec`); `1.5G` is 1500000000 and passes.
- Model `explainer` and `llm` exclude each other (`ModelSpec.Validate`, same file).
- Model `replicas`, `minReplicas`, `maxReplicas`: replicas not below minReplicas, minReplicas not
  above maxReplicas, replicas not above maxReplicas (`operator/internal/utils.go`,
  `GetValidatedScalingSpec`).
- Experiment: at least one candidate or a mirror; `default`, when set, is one of the candidates;
  candidate and mirror names are all different (`scheduler/pkg/store/experiment/validate.go`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

QUANTITY = re.compile(
    r"^\+?(?P<whole>[0-9]*)(\.(?P<fraction>[0-9]*))?((?P<suffix>[a-zA-Z]*)|[eE](?P<exponent>[-+]?[0-9]+))$"
)
DECIMAL_EXPONENTS = {"": 0, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY_SUFFIXES = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}


def admission_problems(document: Mapping[str, Any]) -> list[str]:
    """`field: problem` for each rule a built Model or Experiment breaks."""
    spec = document.get("spec")
    if not isinstance(spec, dict):
        return []
    if document.get("kind") == "Model":
        return _memory(spec.get("memory")) + _explainer_or_llm(spec) + _scaling(spec)
    if document.get("kind") == "Experiment":
        return _experiment(spec)
    return []


def whole_bytes(quantity: str) -> bool:
    """Whether apimachinery's `Quantity.AsInt64` converts `quantity` (see the module docstring)."""
    match = QUANTITY.match(quantity.strip())
    if match is None or not (match["whole"] or match["fraction"]):
        return False
    fraction, suffix = match["fraction"] or "", match["suffix"] or ""
    if suffix in BINARY_SUFFIXES:
        return not fraction
    exponent = int(match["exponent"]) if match["exponent"] else DECIMAL_EXPONENTS.get(suffix)
    return exponent is not None and exponent >= 0 and len(fraction) <= exponent


def _memory(memory: object) -> list[str]:
    if memory is None or (isinstance(memory, int) and not isinstance(memory, bool)):
        return []
    if isinstance(memory, str) and whole_bytes(memory):
        return []
    return [
        f"spec.memory: {memory!r} is not a whole number of bytes, which Seldon Core 2 needs "
        "(Can't convert model memory quantity to bytes); write it as e.g. 1536Mi or 2Gi"
    ]


def _explainer_or_llm(spec: Mapping[str, Any]) -> list[str]:
    if spec.get("explainer") is not None and spec.get("llm") is not None:
        return ["spec: a Model cannot have both explainer and llm"]
    return []


def _scaling(spec: Mapping[str, Any]) -> list[str]:
    replicas, low, high = (_count(spec.get(key)) for key in ("replicas", "minReplicas", "maxReplicas"))
    found = []
    if replicas is not None and low and replicas < low:
        found.append(f"spec.replicas: {replicas} is below minReplicas {low}")
    if low and high and low > high:
        found.append(f"spec.minReplicas: {low} is above maxReplicas {high}")
    if replicas is not None and high and replicas > high:
        found.append(f"spec.replicas: {replicas} is above maxReplicas {high}")
    return found


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _experiment(spec: Mapping[str, Any]) -> list[str]:
    candidates = spec.get("candidates")
    names = [c.get("name") for c in candidates if isinstance(c, dict)] if isinstance(candidates, list) else []
    mirror = spec.get("mirror")
    mirrored = mirror.get("name") if isinstance(mirror, dict) else None
    found = []
    if not names and mirrored is None:
        found.append("spec: an Experiment needs a candidate or a mirror")
    default = spec.get("default")
    if default is not None and default not in names:
        found.append(f"spec.default: {default!r} is not one of the candidates")
    everyone = [*names, *([mirrored] if mirrored is not None else [])]
    repeated = sorted({str(name) for name in everyone if everyone.count(name) > 1})
    if repeated:
        found.append(f"spec: each candidate and the mirror must differ; {', '.join(repeated)} repeats")
    return found
