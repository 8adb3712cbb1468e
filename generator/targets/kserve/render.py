"""The KServe `InferenceService` of one model in one environment (`serving.kserve.io/v1beta1`).

One predictor, `spec.predictor.model`: `modelFormat: mlflow` over protocol v2 (KServe picks its
MLServer runtime, or the environment's `kserve.runtime`), the version's `storageUri`, resources,
service account, and a fixed size (`minReplicas` = `maxReplicas` = `seldon.replicas`). A declared
`seldon.runtime` is rendered as the model container's `image`: KServe merges the predictor's
container over the runtime's (`MergeServingRuntimeAndInferenceServiceSpecs`), so the runtime keeps
its command, ports and environment and only the image changes.

KServe keeps one predictor spec; a canary is a Knative revision of it. Each canary step renders the
candidate's `storageUri` with `canaryTrafficPercent: <weight>`: Knative sends that share to the new
(latest) revision and the rest to the last revision that had all the traffic, the stable one
(`ksvc_reconciler.go`). The stable `storageUri` is recorded in `model-gitops.io/rollout-stable-uri`;
promotion drops `canaryTrafficPercent` (the candidate takes 100%), and a rollback renders the stable
`storageUri` again. The rollout's steps stop below 100 (the state machine promotes instead), so the
candidate never becomes KServe's "rolled out" revision before promotion.

Metadata labels and `model-gitops.io/*` annotations are Seldon v1's (read back the same way); the
predictor's own labels name the version its spec serves and its role (`model-gitops.io/predictor`:
`default`, or `canary` for a candidate) on every pod, for the metrics (`promql`).
"""

from __future__ import annotations

from typing import Any

from generator.config import SeldonSettings
from generator.config.kserve import KServeSettings
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX
from generator.plan.planner import Target
from generator.plan.rollout_state import KEY, ROLES
from generator.targets.seldon_v1.render import labels, resources

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"
STABLE_URI = f"{KEY}stable-uri"
MODEL_FORMAT = "mlflow"
PROTOCOL = "v2"
ROLE_LABEL = f"{ANNOTATION_PREFIX}predictor"
VERSION_LABEL = "app.kubernetes.io/version"
SERVING_ROLE = ROLES["replace"][0]
CANARY_ROLE = ROLES["canary"][1]


def inference_service(target: Target) -> Document:
    settings = target.settings if isinstance(target.settings, KServeSettings) else KServeSettings()
    canary = _canary(target)
    rollout = {**target.rollout, **({STABLE_URI: target.model_uri} if canary else {})}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": target.directory,
            "labels": labels(target),
            "annotations": {
                f"{ANNOTATION_PREFIX}model": target.model,
                f"{ANNOTATION_PREFIX}version": target.version.version,
                f"{ANNOTATION_PREFIX}alias": target.alias,
                f"{ANNOTATION_PREFIX}run-id": target.version.run_id,
                f"{ANNOTATION_PREFIX}source": target.version.source,
                **dict(sorted(rollout.items())),
                DEPLOYMENT_MODE: settings.deployment_mode,
            },
        },
        "spec": {"predictor": predictor(target, settings, canary)},
    }


def _canary(target: Target) -> bool:
    """Whether this is a canary step; other two-version strategies are refused at config load."""
    if target.candidate is None:
        return False
    if target.strategy != "canary":
        raise ValueError(f"the kserve target cannot render strategy {target.strategy!r}")
    return True


def predictor(target: Target, settings: KServeSettings, canary: bool) -> dict[str, Any]:
    """The predictor: the candidate's spec on a canary step, else the deployed version's."""
    seldon = target.seldon
    version = target.candidate if canary and target.candidate else target.version
    spec: dict[str, Any] = sizing(seldon)
    if canary:
        spec["canaryTrafficPercent"] = target.weight
    if seldon.service_account_name:
        spec["serviceAccountName"] = seldon.service_account_name
    spec["labels"] = {VERSION_LABEL: version.version, ROLE_LABEL: CANARY_ROLE if canary else SERVING_ROLE}
    spec["model"] = model(target.candidate_uri if canary else target.model_uri, seldon, settings)
    return spec


def sizing(seldon: SeldonSettings) -> dict[str, Any]:
    """A fixed size (`replicas`), or the autoscaler's bounds and its CPU target."""
    scaling = seldon.autoscaling
    if scaling is None:
        return {"minReplicas": seldon.replicas, "maxReplicas": seldon.replicas}
    spec: dict[str, Any] = {"minReplicas": scaling.min_replicas, "maxReplicas": scaling.max_replicas}
    if scaling.cpu_utilization:
        spec |= {"scaleMetric": "cpu", "scaleTarget": scaling.cpu_utilization}
    return spec


def model(uri: str, seldon: SeldonSettings, settings: KServeSettings) -> dict[str, Any]:
    spec: dict[str, Any] = {"modelFormat": {"name": MODEL_FORMAT}, "protocolVersion": PROTOCOL}
    if settings.runtime:
        spec["runtime"] = settings.runtime
    if seldon.runtime is not None:
        spec["image"] = seldon.runtime.image
    spec["storageUri"] = uri
    wanted = resources(seldon.resources)
    if wanted:
        spec["resources"] = wanted
    return spec
