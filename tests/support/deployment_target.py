"""A minimal serving target for tests: a plain `apps/v1` Deployment running a model server image.

It exists to prove the `ServingTarget` protocol: this module plus one registration line
(`TARGETS[TARGET.name] = TARGET`) is all a new target needs.
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

HEALTH_KEY = "resource.customizations.health.apps_Deployment"
HEALTH_LUA = 'hs = {}\nhs.status = "Healthy"\nreturn hs\n'


class PlainDeployment:
    name = "plain-deployment"
    api_version = "apps/v1"
    kind = "Deployment"
    file_name = "deployment.yaml"
    crd = ""  # a core kind: no CRD
    health_checks: Mapping[str, str] = {HEALTH_KEY: HEALTH_LUA}
    metrics = None
    strategies = frozenset({"replace"})

    def render(self, deployment: Target) -> Document:
        labels = {"app.kubernetes.io/name": deployment.directory}
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "metadata": {
                "name": deployment.directory,
                "annotations": {
                    f"{ANNOTATION_PREFIX}model": deployment.model,
                    f"{ANNOTATION_PREFIX}version": deployment.version.version,
                },
            },
            "spec": {
                "replicas": deployment.seldon.replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "server",
                                "image": "example.org/model-server:1",
                                "env": [{"name": "MODEL_URI", "value": deployment.model_uri}],
                            }
                        ]
                    },
                },
            },
        }

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        annotations = (document.get("metadata") or {}).get("annotations") or {}
        model = annotations.get(f"{ANNOTATION_PREFIX}model")
        version = annotations.get(f"{ANNOTATION_PREFIX}version")
        if not isinstance(model, str) or not isinstance(version, str):
            return None
        return ReadBack(model, version, dict(annotations))

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        replicas = (document.get("spec") or {}).get("replicas")
        return ["spec.replicas: at most 10 here"] if isinstance(replicas, int) and replicas > 10 else []

    def served_by(self, settings: SeldonSettings) -> str:
        return "example.org/model-server:1"

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        return RuntimeProfile("example.org/model-server:1", "example.org/model-server:1", None)

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        return None


TARGET = PlainDeployment()
