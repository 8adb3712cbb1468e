"""The Seldon Core v1 `SeldonDeployment` of one model in one environment."""

from __future__ import annotations

from typing import Any

from generator.config import Resources, SeldonSettings
from generator.layout import ANNOTATION_PREFIX
from generator.model import Document
from generator.plan import Target

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
            },
        },
        "spec": {
            "protocol": target.seldon.protocol,
            "predictors": [predictor("default", target, traffic=100)],
        },
    }


def labels(target: Target) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": target.directory,
        "app.kubernetes.io/instance": f"{target.directory}-{target.environment}",
        "app.kubernetes.io/version": target.version.version,
        f"{ANNOTATION_PREFIX}environment": target.environment,
    }


def predictor(name: str, target: Target, traffic: int) -> dict[str, Any]:
    settings = target.seldon
    spec: dict[str, Any] = {
        "name": name,
        "replicas": settings.replicas,
        "traffic": traffic,
        "annotations": {"version": target.version.version},
        "labels": {"version": target.version.version},
        "graph": graph(target.model_uri, settings),
    }
    containers = container_specs(settings.resources)
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


def container_specs(resources: Resources) -> list[dict[str, Any]]:
    wanted = {kind: values for kind, values in resources.model_dump(exclude_none=True).items() if values}
    if not wanted:
        return []
    return [{"spec": {"containers": [{"name": GRAPH_NODE, "resources": wanted}]}}]
