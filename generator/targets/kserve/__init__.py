"""KServe: one `InferenceService` per model and environment (`target: kserve`).

`render` builds the document, `admission` mirrors KServe v0.20.0's webhook (and what its controller
refuses), `health` explains why Argo CD's built-in health check is used, `promql` is the traffic
vocabulary over MLServer's metrics, `runtimes` the built-in profile of KServe's MLflow runtime.
Strategies: replace and canary (Knative mode only, `config.kserve`). A/B and shadow are refused at
load: KServe has one predictor per InferenceService, so a fixed split between two versions needs an
InferenceGraph in front of two InferenceServices (another document kind, another name callers
would use), and KServe has no traffic mirror.
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
from generator.targets.kserve import admission, health, promql
from generator.targets.kserve.render import (
    API_VERSION,
    KIND,
    MODEL_FORMAT,
    PROTOCOL,
    SERVING_ROLE,
    inference_service,
)
from generator.targets.kserve.runtimes import runtime_for

# KServe v0.20.0's InferenceService CRD as its kserve-crd chart installs it (plain YAML; the offline
# copy is ../shared/crds/serving.kserve.io_inferenceservices.yaml, the same bytes).
CRD_URL = (
    "https://raw.githubusercontent.com/kserve/kserve/v0.20.0/charts/kserve-crd/templates/"
    "serving.kserve.io_inferenceservices.yaml"
)
REQUIRED_FLAVOR = "python_function"  # MLServer's MLflow runtime calls mlflow.pyfunc.load_model


class KServe:
    """The `kserve` target."""

    name = "kserve"
    api_version = API_VERSION
    kind = KIND
    file_name = "inferenceservice.yaml"
    crd = CRD_URL
    health_checks: Mapping[str, str] = health.HEALTH_CHECKS
    strategies = frozenset({"replace", "canary"})
    metrics = promql

    def render(self, deployment: Target) -> Document:
        return inference_service(deployment)

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        annotations = (document.get("metadata") or {}).get("annotations") or {}
        if not isinstance(annotations, dict):
            return None
        model = annotations.get(f"{ANNOTATION_PREFIX}model")
        version = annotations.get(f"{ANNOTATION_PREFIX}version")
        if not isinstance(model, str) or not isinstance(version, str):
            return None
        found = {str(k): str(v) for k, v in annotations.items()}
        return ReadBack(model, version, found, SERVING_ROLE, served_by(document))

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        return admission.admission_problems(document)

    def served_by(self, settings: SeldonSettings) -> str:
        image = f" {settings.runtime.image}" if settings.runtime else ""
        return f"{MODEL_FORMAT} {PROTOCOL}{image}"

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        return runtime_for(settings)

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        return REQUIRED_FLAVOR


def served_by(document: Mapping[str, Any]) -> str:
    """`<modelFormat> <protocolVersion> [image]` of the predictor as the file says ("" if unreadable)."""
    spec = document.get("spec")
    predictor = spec.get("predictor") if isinstance(spec, dict) else None
    model = predictor.get("model") if isinstance(predictor, dict) else None
    model_format = model.get("modelFormat") if isinstance(model, dict) else None
    name = model_format.get("name") if isinstance(model_format, dict) else None
    if not isinstance(name, str) or not isinstance(model, dict):
        return ""
    image = model.get("image")
    shown = f" {image}" if isinstance(image, str) and image else ""
    return f"{name} {model.get('protocolVersion') or 'v1'}{shown}"


TARGET = KServe()
