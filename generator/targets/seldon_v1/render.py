"""The Seldon Core v1 `SeldonDeployment` of one model in one environment.

One predictor per role (`generator.plan.rollout_state.ROLES`): `default` for replace; `stable`
(100 - w) and `canary` (w) for a canary; `stable` (100) and `shadow` (`shadow: true`, mirrored
traffic) for a shadow; `champion` and `challenger` at a fixed split for A/B. Those are the names of
a new deployment: once in Git, the main predictor keeps its name (`Target.predictor`) across
strategy changes and promotions, so they change its version in place (a rolling update) instead
of creating a new Deployment. The candidate's replicas are `Target.candidate_replicas`.
Each predictor's `version` annotation (Seldon's `predictor_version` metric label) is the MLflow
version; rollout state is recorded in `model-gitops.io/rollout-*` annotations, sorted.
"""

from __future__ import annotations

from typing import Any

from generator.config import Resources, SeldonSettings
from generator.config.seldon import Autoscaling
from generator.model import Document, ModelVersion
from generator.model.layout import ANNOTATION_PREFIX
from generator.plan.planner import Target
from generator.plan.rollout_state import ROLES

API_VERSION = "machinelearning.seldon.io/v1"
GRAPH_NODE = "model"


def seldon_deployment(target: Target) -> Document:
    version = target.version
    return {
        "apiVersion": API_VERSION,
        "kind": "SeldonDeployment",
        "metadata": {
            "name": target.directory,
            "labels": labels(target),
            "annotations": {
                f"{ANNOTATION_PREFIX}model": target.model,
                f"{ANNOTATION_PREFIX}version": version.version,
                f"{ANNOTATION_PREFIX}alias": target.alias,
                f"{ANNOTATION_PREFIX}run-id": version.run_id,
                f"{ANNOTATION_PREFIX}source": version.source,
                **dict(sorted(target.rollout.items())),
            },
        },
        "spec": {
            "protocol": target.seldon.protocol,
            "predictors": predictors(target),
        },
    }


def predictors(target: Target) -> list[dict[str, Any]]:
    """The main predictor, and the candidate's when a rollout or an A/B test runs."""
    role, second = ROLES[target.strategy]
    main = target.predictor or role
    if target.candidate is None or not second:
        return [predictor(main, target, traffic=100)]
    candidate = target.candidate, target.candidate_uri, target.candidate_replicas
    if target.strategy == "shadow":
        shadow = predictor(second, target, 100, *candidate)
        return [predictor(main, target, traffic=100), {**shadow, "shadow": True}]
    return [
        predictor(main, target, traffic=100 - target.weight),
        predictor(second, target, target.weight, *candidate),
    ]


def labels(target: Target) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": target.directory,
        "app.kubernetes.io/instance": f"{target.directory}-{target.environment}",
        "app.kubernetes.io/version": target.version.version,
        f"{ANNOTATION_PREFIX}environment": target.environment,
    }


def predictor(
    name: str,
    target: Target,
    traffic: int,
    version: ModelVersion | None = None,
    uri: str = "",
    replicas: int = 0,
) -> dict[str, Any]:
    settings = target.seldon
    number = (version or target.version).version
    spec: dict[str, Any] = {
        "name": name,
        "replicas": replicas or settings.replicas,
        "traffic": traffic,
        "annotations": {"version": number},
        "labels": {"version": number},
        "graph": graph(uri or target.model_uri, settings),
    }
    containers = container_specs(settings, candidate=version is not None)
    if containers:
        spec["componentSpecs"] = containers
    return spec


def graph(uri: str, settings: SeldonSettings) -> dict[str, Any]:
    node: dict[str, Any] = {
        "name": GRAPH_NODE,
        "type": "MODEL",
        "implementation": settings.implementation,
        "modelUri": uri,
        "children": [],
    }
    if settings.env_secret_ref_name:
        node["envSecretRefName"] = settings.env_secret_ref_name
    if settings.service_account_name:
        node["serviceAccountName"] = settings.service_account_name
    return node


def container_specs(settings: SeldonSettings, candidate: bool = False) -> list[dict[str, Any]]:
    """The graph node's container: a declared runtime's image (it replaces the server's default
    image; the operator keeps a non-empty one) and resources, when either is set; and the
    autoscaler (`hpaSpec`; a candidate starts from one replica)."""
    container: dict[str, Any] = {"name": GRAPH_NODE}
    if settings.runtime is not None:
        container["image"] = settings.runtime.image
    wanted = resources(settings.resources)
    if wanted:
        container["resources"] = wanted
    component: dict[str, Any] = {"spec": {"containers": [container]}} if len(container) > 1 else {}
    if settings.autoscaling is not None:
        component["hpaSpec"] = hpa_spec(settings.autoscaling, candidate)
    return [component] if component else []


def hpa_spec(autoscaling: Autoscaling, candidate: bool) -> dict[str, Any]:
    """Seldon's `hpaSpec` with an autoscaling/v2 metric (`metricsv2`) on CPU utilization."""
    spec: dict[str, Any] = {
        "minReplicas": 1 if candidate else autoscaling.min_replicas,
        "maxReplicas": autoscaling.max_replicas,
    }
    if autoscaling.cpu_utilization:
        target = {"type": "Utilization", "averageUtilization": autoscaling.cpu_utilization}
        spec["metricsv2"] = [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]
    return spec


def resources(given: Resources) -> dict[str, Any]:
    return {kind: values for kind, values in given.model_dump(exclude_none=True).items() if values}
