"""Seldon Core 2 (`mlops.seldon.io/v1alpha1`): a `Model` per served version and, for a canary, a
shadow or an A/B test, an `Experiment`, all in one `List` per model and environment
(`rendered/<env>/<model>/model.yaml`).

`render` builds the List, `admission` mirrors what the operator and scheduler refuse, `health` is
the Argo CD health checks of both kinds, `promql` the model metrics vocabulary, `runtimes` the
MLServer of Seldon Core 2 v2.10.2's `mlserver` Server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.config import SeldonSettings
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX
from generator.model.runtime import RuntimeProfile
from generator.plan.planner import Target
from generator.targets.base import ReadBack
from generator.targets.seldon_v2 import admission, health, promql
from generator.targets.seldon_v2.render import API_VERSION, REQUIREMENTS, RUNTIME_IMAGE, seldon_v2_list
from generator.targets.seldon_v2.runtimes import runtime_for

# The CRDs Seldon Core 2 v2.10.2 installs (the helm chart's copies are built from these).
CRD_BASE = "https://raw.githubusercontent.com/SeldonIO/seldon-core/v2.10.2/operator/config/crd/bases"
MODEL_CRD_URL = f"{CRD_BASE}/mlops.seldon.io_models.yaml"
EXPERIMENT_CRD_URL = f"{CRD_BASE}/mlops.seldon.io_experiments.yaml"
# MLServer's MLflow runtime loads every model through `mlflow.pyfunc.load_model`.
REQUIRED_FLAVOR = "python_function"


class SeldonV2:
    """The `seldon-v2` target."""

    name = "seldon-v2"
    api_version = API_VERSION
    kind = "Model"
    companion_kinds = ("Experiment",)  # rendered with the Model, checked by the same admission rules
    file_name = "model.yaml"
    crd = (MODEL_CRD_URL, EXPERIMENT_CRD_URL)
    health_checks: Mapping[str, str] = health.HEALTH_CHECKS
    strategies = frozenset({"replace", "canary", "ab", "shadow"})
    metrics = promql

    def render(self, deployment: Target) -> Document:
        return seldon_v2_list(deployment)

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        serving = serving_model(document)
        metadata = serving.get("metadata") if serving is not None else None
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        if serving is None or not isinstance(annotations, dict):
            return None
        model = annotations.get(f"{ANNOTATION_PREFIX}model")
        version = annotations.get(f"{ANNOTATION_PREFIX}version")
        if not isinstance(model, str) or not isinstance(version, str):
            return None
        found = {str(k): str(v) for k, v in annotations.items()}
        return ReadBack(model, version, found, "", served_by(serving))

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        return admission.admission_problems(document)

    def served_by(self, settings: SeldonSettings) -> str:
        return _served_by(list(REQUIREMENTS), settings.runtime.image if settings.runtime else "")

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        return runtime_for(settings)

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        return REQUIRED_FLAVOR


def serving_model(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The List's first item when it is a Model: the serving Model, which carries the annotations."""
    items = document.get("items") if document.get("kind") == "List" else None
    first = items[0] if isinstance(items, list) and items else None
    if not isinstance(first, dict) or first.get("kind") != "Model":
        return None
    return first


def served_by(model: Mapping[str, Any]) -> str:
    """`requirements: mlflow [image]` as the serving Model says ("" if unreadable)."""
    spec = model.get("spec")
    requirements = spec.get("requirements") if isinstance(spec, dict) else None
    if not isinstance(requirements, list):
        return ""
    annotations = (model.get("metadata") or {}).get("annotations") or {}
    image = annotations.get(RUNTIME_IMAGE, "") if isinstance(annotations, dict) else ""
    return _served_by([str(r) for r in requirements], str(image))


def _served_by(requirements: list[str], image: str) -> str:
    return f"requirements: {', '.join(requirements)}{' ' + image if image else ''}"


TARGET = SeldonV2()
