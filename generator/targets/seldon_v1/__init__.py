"""Seldon Core v1: one `SeldonDeployment` per model and environment (the default target).

`render` builds the document, `admission` mirrors Seldon's webhook, `health` is the Argo CD health
check, `promql` the executor metrics vocabulary shared by gates, alerts and dashboards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.config import SeldonSettings
from generator.config.base import DNS_LABEL
from generator.model import Deployed, Document
from generator.model.runtime import RuntimeProfile
from generator.model.usage import UsageRequest
from generator.plan.planner import Target
from generator.targets.base import ReadBack, recorded
from generator.targets.seldon_v1 import admission, health, promql, usage
from generator.targets.seldon_v1.render import API_VERSION, GRAPH_NODE, seldon_deployment
from generator.targets.seldon_v1.runtimes import runtime_for

PREDICTOR_NAME = re.compile(DNS_LABEL)
# The CRD Seldon's helm chart installs: it schemas graph `children` recursively, where the
# `operator/config/crd/bases/` copy leaves them `{}` (nested nodes unchecked). It is a helm
# template: its directive lines (`{{- if ... }}`) are dropped before reading
# (`generator.validate.schemas`).
CRD_URL = (
    "https://raw.githubusercontent.com/SeldonIO/seldon-core/v1.18.2/helm-charts/seldon-core-operator/"
    "templates/customresourcedefinition_v1_seldondeployments.machinelearning.seldon.io.yaml"
)
# Which MLflow flavor each prepackaged server loads (Seldon v1.18.2's servers; MLServer's runtimes).
REQUIRED_FLAVOR = {
    "MLFLOW_SERVER": "python_function",
    "SKLEARN_SERVER": "sklearn",
    "XGBOOST_SERVER": "xgboost",
    "TENSORFLOW_SERVER": "tensorflow",
}


class SeldonV1:
    """The `seldon-v1` target."""

    name = "seldon-v1"
    api_version = API_VERSION
    kind = "SeldonDeployment"
    file_name = "seldondeployment.yaml"
    crd = CRD_URL
    health_checks: Mapping[str, str] = {health.HEALTH_KEY: health.SELDON_HEALTH_LUA}
    strategies = frozenset({"replace", "canary", "ab", "shadow"})
    metrics = promql

    def render(self, deployment: Target) -> Document:
        return seldon_deployment(deployment)

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        found = recorded(document)
        if found is None:
            return None
        model, version, annotations = found
        return ReadBack(
            model, version, annotations, serving_predictor(document, version), served_by(document)
        )

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        return admission.admission_problems(dict(document))

    def served_by(self, settings: SeldonSettings) -> str:
        image = f" {settings.runtime.image}" if settings.runtime else ""
        return f"{settings.implementation} {settings.protocol}{image}"

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        return runtime_for(settings)

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        return REQUIRED_FLAVOR.get(settings.implementation)

    def usage_request(self, environment: str, model: str, namespace: str, deployed: Deployed) -> UsageRequest:
        """What `right-size` reads for a deployed model (optional: targets without it are refused)."""
        return usage.usage_request(environment, model, namespace, deployed)


def serving_predictor(document: Mapping[str, Any], version: str) -> str:
    """The name of the first non-shadow predictor serving `version` ("" if none does).

    A renamed predictor is a new Deployment in Seldon (every pod replaced), so the plan keeps
    this name when the strategy changes or a candidate is promoted.
    """
    spec = document.get("spec")
    found = spec.get("predictors") if isinstance(spec, dict) else None
    for predictor in found if isinstance(found, list) else []:
        if not isinstance(predictor, dict) or predictor.get("shadow") is True:
            continue
        annotations = predictor.get("annotations")
        serves = annotations.get("version") if isinstance(annotations, dict) else None
        name = predictor.get("name")
        if str(serves) == version and isinstance(name, str) and PREDICTOR_NAME.fullmatch(name):
            return name
    return ""


def served_by(document: Mapping[str, Any]) -> str:
    """`IMPLEMENTATION protocol [image]` of the first predictor as the file says ("" if unreadable):
    the image only when the graph's container declares one."""
    spec = document.get("spec")
    predictors = spec.get("predictors") if isinstance(spec, dict) else None
    first = predictors[0] if isinstance(predictors, list) and predictors else None
    graph = first.get("graph") if isinstance(first, dict) else None
    implementation = graph.get("implementation") if isinstance(graph, dict) else None
    if not isinstance(implementation, str) or not isinstance(spec, dict):
        return ""
    image = _graph_image(first) if isinstance(first, dict) else ""
    return f"{implementation} {spec.get('protocol') or 'seldon'}{' ' + image if image else ''}"


def _graph_image(predictor: Mapping[str, Any]) -> str:
    """The image of the graph node's container in `componentSpecs` ("" when none is declared)."""
    specs = predictor.get("componentSpecs")
    for component in specs if isinstance(specs, list) else []:
        pod = component.get("spec") if isinstance(component, dict) else None
        containers = pod.get("containers") if isinstance(pod, dict) else None
        for container in containers if isinstance(containers, list) else []:
            if isinstance(container, dict) and container.get("name") == GRAPH_NODE:
                image = container.get("image")
                return image if isinstance(image, str) else ""
    return ""


TARGET = SeldonV1()
