"""The Seldon Core 2 resources of one model in one environment, as one `v1` `List`.

Items, in this order:
- the serving `Model`, named after the model's directory: the name clients call. It keeps that
  name whatever version it serves, so a new version (a replace, a promotion) is an update of
  its `storageUri`, which Seldon Core 2 rolls out as a new model version behind the same name.
  It carries every `model-gitops.io/` annotation (model, version, alias, run id, source, the
  declared runtime's image, rollout state): `read_back` reads them from it.
- during a canary, a shadow or an A/B test, the candidate's `Model`,
  `<directory>-<role>-<MLflow version>` (`candidate_name`), sized by `Target.candidate_replicas`;
- and an `Experiment` named after the directory whose `default` is the serving Model, so the
  requests clients send to that Model are split by the candidates' weights: canary `100 - w`
  and `w`, A/B `100 - split` and `split`; a shadow is the Experiment's `mirror` at 100 percent
  with the serving Model as its only candidate.

One file per model keeps the kustomization's resource list independent of rollout state; kustomize
(and so Argo CD) replaces a `List` by its items.
"""

from __future__ import annotations

from typing import Any

from generator.config.seldon_v2 import SeldonV2Settings, model_memory
from generator.model import Document, ModelVersion
from generator.model.layout import ANNOTATION_PREFIX
from generator.plan.planner import Target
from generator.plan.rollout_state import ROLES

API_VERSION = "mlops.seldon.io/v1alpha1"
LIST_API_VERSION = "v1"
REQUIREMENTS = ("mlflow",)
RUNTIME_IMAGE = f"{ANNOTATION_PREFIX}runtime-image"
ROLE = f"{ANNOTATION_PREFIX}role"


def candidate_name(directory: str, role: str, version: str) -> str:
    """The candidate's Model: `fraud-detector-canary-8` (role and MLflow version in the name, so
    Seldon's `model` metric label tells the candidate's requests from the serving Model's)."""
    return f"{directory}-{role}-{version}"


def seldon_v2_list(target: Target) -> Document:
    """The `List` holding the serving Model, and the candidate's Model and the Experiment if any."""
    items = [serving_model(target)]
    role = ROLES[target.strategy][1]
    if target.candidate is not None and role:
        name = candidate_name(target.directory, role, target.candidate.version)
        items += [candidate_model(target, target.candidate, name, role), experiment(target, name)]
    return {"apiVersion": LIST_API_VERSION, "kind": "List", "items": items}


def serving_model(target: Target) -> Document:
    version = target.version
    annotations = {
        f"{ANNOTATION_PREFIX}model": target.model,
        f"{ANNOTATION_PREFIX}version": version.version,
        f"{ANNOTATION_PREFIX}alias": target.alias,
        f"{ANNOTATION_PREFIX}run-id": version.run_id,
        f"{ANNOTATION_PREFIX}source": version.source,
    }
    if target.seldon.runtime is not None:
        annotations[RUNTIME_IMAGE] = target.seldon.runtime.image
    return {
        "apiVersion": API_VERSION,
        "kind": "Model",
        "metadata": {
            "name": target.directory,
            "labels": labels(target, version.version),
            "annotations": {**annotations, **dict(sorted(target.rollout.items()))},
        },
        "spec": model_spec(target, target.model_uri, target.seldon.replicas),
    }


def candidate_model(target: Target, version: ModelVersion, name: str, role: str) -> Document:
    return {
        "apiVersion": API_VERSION,
        "kind": "Model",
        "metadata": {
            "name": name,
            "labels": labels(target, version.version),
            "annotations": {
                f"{ANNOTATION_PREFIX}model": target.model,
                f"{ANNOTATION_PREFIX}version": version.version,
                f"{ANNOTATION_PREFIX}run-id": version.run_id,
                f"{ANNOTATION_PREFIX}source": version.source,
                ROLE: role,
            },
        },
        "spec": model_spec(
            target, target.candidate_uri, target.candidate_replicas or target.seldon.replicas, candidate=True
        ),
    }


def model_spec(target: Target, uri: str, replicas: int, candidate: bool = False) -> dict[str, Any]:
    settings = target.settings if isinstance(target.settings, SeldonV2Settings) else SeldonV2Settings()
    spec: dict[str, Any] = {"storageUri": uri, "requirements": list(REQUIREMENTS)}
    if settings.server:
        spec["server"] = settings.server
    if target.seldon.env_secret_ref_name:
        spec["secretName"] = target.seldon.env_secret_ref_name
    memory = model_memory(target.seldon.resources)
    if memory:
        spec["memory"] = memory
    scaling = target.seldon.autoscaling
    if scaling is None:
        spec["replicas"] = replicas
    else:  # Seldon Core 2 scales a Model between these on its inference load
        spec["minReplicas"] = 1 if candidate else scaling.min_replicas
        spec["maxReplicas"] = scaling.max_replicas
    return spec


def experiment(target: Target, candidate: str) -> Document:
    """The split (canary, A/B) or the mirror (shadow) between the serving Model and `candidate`."""
    serving = target.directory
    spec: dict[str, Any] = {"default": serving}
    if target.strategy == "shadow":
        spec["candidates"] = [{"name": serving, "weight": 100}]
        spec["mirror"] = {"name": candidate, "percent": 100}
    else:
        spec["candidates"] = [
            {"name": serving, "weight": 100 - target.weight},
            {"name": candidate, "weight": target.weight},
        ]
    return {
        "apiVersion": API_VERSION,
        "kind": "Experiment",
        "metadata": {
            "name": serving,
            "labels": labels(target, ""),
            "annotations": {f"{ANNOTATION_PREFIX}model": target.model},
        },
        "spec": spec,
    }


def labels(target: Target, version: str) -> dict[str, str]:
    """The model's labels; `app.kubernetes.io/version` (the MLflow version) on Models only."""
    found = {
        "app.kubernetes.io/name": target.directory,
        "app.kubernetes.io/instance": f"{target.directory}-{target.environment}",
        "app.kubernetes.io/version": version,
        f"{ANNOTATION_PREFIX}environment": target.environment,
    }
    return {key: value for key, value in found.items() if value}
