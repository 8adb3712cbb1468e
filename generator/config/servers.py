"""Seldon Core v1.18.2's prepackaged model servers and the image each gets per protocol. Pure data.

Source: SeldonIO/seldon-core v1.18.2, `helm-charts/seldon-core-operator/values.yaml`,
`predictor_servers` (what the chart writes into the `seldon-config` ConfigMap). The operator picks
the image in `operator/apis/machinelearning.seldon.io/v1/prepack.go`,
`PredictorServerConfig.PrepackImageName`: an empty protocol means seldon, and v2 and kfserving
stand in for each other. A pair with no image leaves the pod without one: the deployment is
admitted and then fails in the cluster.
"""

from __future__ import annotations

PREDICTOR_SERVERS: dict[str, dict[str, str]] = {
    "MLFLOW_SERVER": {"seldon": "seldonio/mlflowserver:1.18.2", "v2": "seldonio/mlserver:1.3.5-mlflow"},
    "SKLEARN_SERVER": {"seldon": "seldonio/sklearnserver:1.18.2", "v2": "seldonio/mlserver:1.3.5-sklearn"},
    "TENSORFLOW_SERVER": {
        "seldon": "seldonio/tfserving-proxy:1.18.2",
        "tensorflow": "tensorflow/serving:2.1.0",
    },
    "XGBOOST_SERVER": {"seldon": "seldonio/xgboostserver:1.18.2", "v2": "seldonio/mlserver:1.3.5-xgboost"},
    "TRITON_SERVER": {"v2": "nvcr.io/nvidia/tritonserver:21.08-py3"},
    "HUGGINGFACE_SERVER": {"v2": "seldonio/mlserver:1.3.5-huggingface"},
    "TEMPO_SERVER": {"v2": "seldonio/mlserver:1.3.5-slim"},
}
_STAND_INS = {"v2": "kfserving", "kfserving": "v2"}


def default_image(implementation: str, protocol: str) -> str | None:
    """The image Seldon's default `seldon-config` runs `implementation` with for `protocol`, if any."""
    images = PREDICTOR_SERVERS.get(implementation, {})
    protocol = protocol or "seldon"
    return images.get(protocol) or images.get(_STAND_INS.get(protocol, ""))


def protocols_with_image(implementation: str, offered: tuple[str, ...]) -> list[str]:
    """Which of the `offered` protocols have a default image for `implementation`."""
    return [protocol for protocol in offered if default_image(implementation, protocol)]
