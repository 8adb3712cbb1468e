"""What runs a model in KServe v0.20.0: the built-in profile of its MLflow runtime, or the
environment's declared `seldon.runtime`. Pure data.

KServe serves `modelFormat: mlflow` with its `kserve-mlserver` ClusterServingRuntime
(kserve/kserve@v0.20.0 `config/runtimes/kserve-mlserver.yaml`: formats mlflow "1" and "2" with
autoSelect, protocol v2), whose image `mlserver:replace` the install's kustomization sets to
`docker.io/seldonio/mlserver` tag `1.7.1` (`config/runtimes/kustomization.yaml`; the quick-install
manifests and the chart's `files/runtimes/resources.yaml` say the same). The Helm chart
`kserve-runtime-configs` overrides that tag with its value `kserve.servingruntime.mlserver.tag:
1.5.0` (`charts/kserve-runtime-configs/values.yaml`): a Helm install runs MLServer 1.5.0, whose
contents are not described here; declare `seldon.runtime` for it.

What is inside `seldonio/mlserver:1.7.1` (SeldonIO/MLServer@1.7.1): `Dockerfile` installs Python
3.10.12 (conda) and every runtime's wheel with `poetry export --with all-runtimes` constraints from
`poetry.lock`: mlflow 2.19.0, scikit-learn 1.5.2, numpy 1.26.4, pandas 2.2.3, cloudpickle 3.1.0,
xgboost 2.1.2, lightgbm 4.6.0; no skops. Its MLflow runtime (`runtimes/mlflow`) loads the model with
`mlflow.pyfunc.load_model` and installs none of the model's requirements.
"""

from __future__ import annotations

from generator.config import SeldonSettings
from generator.model.runtime import RuntimeProfile

IMAGE = "docker.io/seldonio/mlserver:1.7.1"
MLSERVER_171 = RuntimeProfile(
    IMAGE,
    IMAGE,
    "3.10",
    {
        "mlserver": "1.7.1",
        "mlflow": "2.19.0",
        "scikit-learn": "1.5.2",
        "numpy": "1.26.4",
        "pandas": "2.2.3",
        "cloudpickle": "3.1.0",
        "xgboost": "2.1.2",
        "lightgbm": "4.6.0",
    },
    mlserver="1.7.1",
    source="kserve/kserve@v0.20.0 config/runtimes (kserve-mlserver); SeldonIO/MLServer@1.7.1 "
    "Dockerfile, poetry.lock",
)


def runtime_for(settings: SeldonSettings) -> RuntimeProfile:
    """The declared runtime, else KServe's `kserve-mlserver` (config refuses any other runtime
    name without a declared one: `generator.config.kserve`)."""
    return settings.runtime.profile() if settings.runtime is not None else MLSERVER_171
