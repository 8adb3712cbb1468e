"""What runs a model in Seldon Core 2 v2.10.2: the MLServer of its default `mlserver` Server, or
the environment's declared `seldon.runtime`. Pure data.

The image: Seldon Core 2 v2.10.2 installs its `mlserver` ServerConfig with
`docker.io/seldonio/mlserver:1.7.1` (SeldonIO/seldon-core@v2.10.2
`k8s/helm-charts/seldon-core-v2-setup/values.yaml`, `serverConfig.mlserver.image`, and
`operator/config/serverconfigs/kustomization.yaml`), whose capabilities include `mlflow`.
What is inside it (SeldonIO/MLServer@1.7.1): the `Dockerfile` installs Python 3.10.12 and every
runtime (`RUNTIMES="all"`) under the constraints exported from the root `poetry.lock`: mlflow
2.19.0, scikit-learn 1.5.2, numpy 1.26.4, pandas 2.2.3, scipy 1.13.1, cloudpickle 3.1.0,
joblib 1.4.2, pyarrow 17.0.0, xgboost 2.1.2, lightgbm 4.6.0, uvloop 0.21.0; no skops. Its MLflow
runtime (`runtimes/mlflow`) loads through `mlflow.pyfunc.load_model`.

A Model does not name its image: the Server does. Declaring `seldon.runtime` tells the
compatibility rules and the serve check what the Server that runs these Models holds; nothing of
it is rendered but its image, recorded in an annotation so a changed Server image re-checks the
versions already serving.
"""

from __future__ import annotations

from generator.config import SeldonSettings
from generator.model.runtime import RuntimeProfile

MLSERVER_IMAGE = "seldonio/mlserver:1.7.1"
MLSERVER_171 = RuntimeProfile(
    MLSERVER_IMAGE,
    MLSERVER_IMAGE,
    "3.10",
    {
        "mlserver": "1.7.1",
        "mlflow": "2.19.0",
        "scikit-learn": "1.5.2",
        "numpy": "1.26.4",
        "pandas": "2.2.3",
        "scipy": "1.13.1",
        "cloudpickle": "3.1.0",
        "joblib": "1.4.2",
        "pyarrow": "17.0.0",
        "xgboost": "2.1.2",
        "lightgbm": "4.6.0",
        "uvloop": "0.21.0",
    },
    mlserver="1.7.1",
    source=(
        "SeldonIO/seldon-core@v2.10.2 helm values serverConfig.mlserver.image; "
        "SeldonIO/MLServer@1.7.1 Dockerfile (Python 3.10.12), poetry.lock"
    ),
)


def runtime_for(settings: SeldonSettings) -> RuntimeProfile:
    """The declared runtime, else the MLServer 1.7.1 of Seldon Core 2 v2.10.2's `mlserver` Server."""
    return settings.runtime.profile() if settings.runtime is not None else MLSERVER_171
