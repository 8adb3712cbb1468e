"""What KServe v0.20.0 refuses in an InferenceService beyond its CRD schema, checked before commit.

The webhook (kserve/kserve@v0.20.0 `pkg/apis/serving/v1beta1/inference_service_validation.go`,
`validateInferenceService`), rule by rule for what this target renders:
- `validateInferenceServiceName`: the name matches `[a-z]([-a-z0-9]*[a-z0-9])?` (a letter first,
  where a DNS label may start with a digit);
- `validateExactlyOneImplementation` (`component.go`): exactly one of the predictor's
  implementations (`model`, `sklearn`, ..., or `containers`);
- `validatePredictor`: `predictor.model.name` is not allowed;
- `ComponentExtensionSpec.Validate` -> `validateReplicas`: `minReplicas` and `maxReplicas` not
  negative, `minReplicas` at most `maxReplicas` unless `maxReplicas` is 0.
And what the controller refuses once admitted (the resource would be in Git, failing):
- the storage initializer reads only `gs://`, `s3://`, `pvc://`, `file://`, `https://`,
  `http://`, `hdfs://`, `webhdfs://`, `oci://`, `oci+native://` and `hf://` locations
  (`pkg/controller/v1beta1/inferenceservice/utils/utils.go`, `ValidateStorageURI`; a
  ClusterStorageContainer may add others): MLflow's `azureblob:` URIs are not among them;
- the predictor's Knative Service (or Deployment and Service) is named `<name>-predictor`
  (`pkg/constants/constants.go`, `PredictorServiceName`), a Kubernetes Service name: a DNS label
  of at most 63 characters, so the name has at most 53;
- `canaryTrafficPercent` is read only by the Knative reconciler
  (`reconcilers/knative/ksvc_reconciler.go`) as a traffic percentage (Knative refuses one outside
  0..100); in Standard mode it would be ignored;
- `serving.kserve.io/deploymentMode` is `Knative` or `Standard` (the target's modes; the webhook
  rewrites the deprecated `Serverless`/`RawDeployment`, which Argo CD would show as a diff).
A wrong shape is a problem, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from generator.config.kserve import CANARY_MODE, DeploymentMode
from generator.targets.kserve.render import DEPLOYMENT_MODE

NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
MAX_NAME = 63 - len("-predictor")
IMPLEMENTATIONS = (
    "model",
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "huggingface",
    "pmml",
    "lightgbm",
    "paddle",
)
STORAGE_PREFIXES = (
    "gs://",
    "s3://",
    "pvc://",
    "file://",
    "https://",
    "http://",
    "hdfs://",
    "webhdfs://",
    "oci://",
    "oci+native://",
    "hf://",
)
MODES: tuple[str, ...] = get_args(DeploymentMode)


def admission_problems(document: Mapping[str, Any]) -> list[str]:
    """Every rule above that `document` breaks, in words."""
    metadata = _mapping(document.get("metadata"))
    spec = _mapping(document.get("spec"))
    predictor = _mapping(spec.get("predictor"))
    mode = _mapping(metadata.get("annotations")).get(DEPLOYMENT_MODE, CANARY_MODE)
    return [
        *_name(metadata.get("name")),
        *_mode(mode),
        *_implementation(predictor),
        *_replicas(predictor),
        *_canary(predictor, mode),
        *_storage(_mapping(predictor.get("model")).get("storageUri")),
    ]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(name: object) -> list[str]:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return [
            f"metadata.name {name!r}: KServe needs a lowercase letter first, then lowercase letters, "
            "digits or '-' (ending with a letter or digit); rename the model"
        ]
    if len(name) > MAX_NAME:
        return [
            f"metadata.name {name!r}: longer than {MAX_NAME} characters, so its predictor service "
            f"{name}-predictor is not a valid Kubernetes name; rename the model"
        ]
    return []


def _mode(mode: object) -> list[str]:
    if mode in MODES:
        return []
    return [f"annotation {DEPLOYMENT_MODE}: {mode!r} is not one of {', '.join(MODES)}"]


def _implementation(predictor: Mapping[str, Any]) -> list[str]:
    found = [name for name in IMPLEMENTATIONS if predictor.get(name) is not None]
    if predictor.get("containers"):
        found.append("containers")
    if len(found) != 1:
        return [f"spec.predictor: exactly one of {', '.join(IMPLEMENTATIONS)} or containers, found {found}"]
    model = _mapping(predictor.get("model"))
    if model.get("name"):
        return ["spec.predictor.model.name: KServe's webhook refuses it (the runtime names the container)"]
    return []


def _replicas(predictor: Mapping[str, Any]) -> list[str]:
    least, most = predictor.get("minReplicas", 1), predictor.get("maxReplicas", 0)
    if not isinstance(least, int) or not isinstance(most, int):
        return ["spec.predictor.minReplicas and maxReplicas must be whole numbers"]
    if least < 0 or most < 0:
        return ["spec.predictor.minReplicas and maxReplicas cannot be negative"]
    if most and least > most:
        return [f"spec.predictor.minReplicas {least} is greater than maxReplicas {most}"]
    return []


def _canary(predictor: Mapping[str, Any], mode: object) -> list[str]:
    percent = predictor.get("canaryTrafficPercent")
    if percent is None:
        return []
    if mode != CANARY_MODE:
        return [f"spec.predictor.canaryTrafficPercent: ignored in {mode} mode (only Knative splits traffic)"]
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        return [f"spec.predictor.canaryTrafficPercent {percent!r}: a percentage from 0 to 100"]
    return []


def _storage(uri: object) -> list[str]:
    if uri is None:
        return []
    if isinstance(uri, str) and uri.startswith(STORAGE_PREFIXES):
        return []
    return [
        f"spec.predictor.model.storageUri {uri!r}: KServe's storage initializer reads "
        f"{', '.join(STORAGE_PREFIXES)} (for Azure Blob, an https://<account>.blob.core.windows.net "
        "URL); add a storage.rewrites entry"
    ]
