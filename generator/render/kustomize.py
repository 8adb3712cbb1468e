"""The `kustomization.yaml` of one environment directory."""

from __future__ import annotations

from generator.model import Document


def kustomization(namespace: str, resources: list[str]) -> Document:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace,
        "labels": [{"pairs": {"app.kubernetes.io/managed-by": "model-gitops"}, "includeSelectors": False}],
        "resources": sorted(resources),
    }
