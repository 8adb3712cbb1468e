"""What runs a model in Seldon Core v1.18.2: the built-in runtime profile of each prepackaged
server and protocol, or the environment's declared `seldon.runtime`. Pure data.

Images: `generator.config.servers` (the helm chart's `predictor_servers`). What is inside them:
- MLServer 1.3.5 (`seldonio/mlserver:1.3.5-*`): SeldonIO/MLServer@1.3.5 `Dockerfile`
  (`PYTHON_VERSION=3.8.16`) and `runtimes/*/setup.py`, which pin nothing (`mlflow`,
  `scikit-learn`, `xgboost[scikit-learn]`; no lock file): the versions are what resolved when the
  images were built (July 2023): mlflow 2.4.1, scikit-learn 1.3.0 (seldon-core PR #4972
  regenerated its sample models for it), numpy 1.24.3, pandas 2.0.3, cloudpickle 2.2.1, xgboost
  1.7.6. The sklearn runtime reads `model.joblib`, `model.pickle` or `model.pkl`
  (`runtimes/sklearn/mlserver_sklearn/sklearn.py`), the xgboost runtime `model.bst`,
  `model.json` or `model.ubj` (`runtimes/xgboost/mlserver_xgboost/xgboost.py`), not via MLflow.
- `seldonio/{sklearn,xgboost,mlflow}server:1.18.2` (seldon protocol): s2i on
  `seldon-core-s2i-python38:1.18.2` (Python 3.8.10); seldon-core itself forces `numpy<2`
  (SeldonIO/seldon-core@v1.18.2 `python/setup.py`).
  `servers/sklearnserver/sklearnserver/requirements.txt`: scikit-learn 0.24.2, joblib;
  `SKLearnServer.py` loads only `model.joblib`. `servers/xgboostserver/xgboostserver/
  requirements.txt`: xgboost 1.4.2, scikit-learn 1.0.2; `XGBoostServer.py` loads only
  `model.bst`. The mlflowserver builds the model's own conda environment at start
  (`conda_env_create.py`: Python from the model) and installs `mlflow>=2.9.2,<3`, `numpy<2`,
  `pandas<=2.0.0` into it (`requirements.txt`).
TensorFlow, Triton, Hugging Face and Tempo servers carry no MLflow loading facts: no rule applies.
"""

from __future__ import annotations

from generator.config import SeldonSettings
from generator.config.servers import default_image
from generator.model.runtime import RuntimeProfile

MLSERVER_135 = {"mlserver": "1.3.5", "numpy": "1.24.3", "pandas": "2.0.3"}
MLSERVER_135_SOURCE = "SeldonIO/MLServer@1.3.5 Dockerfile, runtimes/*/setup.py (resolved at build, July 2023)"
SELDON_S2I = {"numpy": "1.24.4"}  # the newest numpy<2 on Python 3.8
SKLEARN_FILES = ("model.joblib", "model.pickle", "model.pkl")
XGBOOST_FILES = ("model.bst", "model.json", "model.ubj")

BUILT_IN: dict[tuple[str, str], RuntimeProfile] = {
    ("MLFLOW_SERVER", "v2"): RuntimeProfile(
        "seldonio/mlserver:1.3.5-mlflow",
        "seldonio/mlserver:1.3.5-mlflow",
        "3.8",
        {**MLSERVER_135, "mlflow": "2.4.1", "scikit-learn": "1.3.0", "cloudpickle": "2.2.1"},
        mlserver="1.3.5",
        source=MLSERVER_135_SOURCE,
    ),
    ("SKLEARN_SERVER", "v2"): RuntimeProfile(
        "seldonio/mlserver:1.3.5-sklearn",
        "seldonio/mlserver:1.3.5-sklearn",
        "3.8",
        {**MLSERVER_135, "scikit-learn": "1.3.0", "joblib": "1.3.1"},
        source=MLSERVER_135_SOURCE,
        model_files=SKLEARN_FILES,
    ),
    ("XGBOOST_SERVER", "v2"): RuntimeProfile(
        "seldonio/mlserver:1.3.5-xgboost",
        "seldonio/mlserver:1.3.5-xgboost",
        "3.8",
        {**MLSERVER_135, "xgboost": "1.7.6", "scikit-learn": "1.3.0"},
        source=MLSERVER_135_SOURCE,
        model_files=XGBOOST_FILES,
    ),
    ("MLFLOW_SERVER", "seldon"): RuntimeProfile(
        "seldonio/mlflowserver:1.18.2",
        "seldonio/mlflowserver:1.18.2",
        None,
        {"mlflow": "2.22.0", "numpy": "1.26.4", "pandas": "2.0.0"},  # the newest `mlflow<3`, `numpy<2` ...
        source="SeldonIO/seldon-core@v1.18.2 servers/mlflowserver (model's conda env, mlflow<3, numpy<2)",
        builds_environment=True,
    ),
    ("SKLEARN_SERVER", "seldon"): RuntimeProfile(
        "seldonio/sklearnserver:1.18.2",
        "seldonio/sklearnserver:1.18.2",
        "3.8",
        {**SELDON_S2I, "scikit-learn": "0.24.2", "joblib": "1.4.2"},
        source="SeldonIO/seldon-core@v1.18.2 servers/sklearnserver (loads model.joblib)",
        model_files=("model.joblib",),
    ),
    ("XGBOOST_SERVER", "seldon"): RuntimeProfile(
        "seldonio/xgboostserver:1.18.2",
        "seldonio/xgboostserver:1.18.2",
        "3.8",
        {**SELDON_S2I, "xgboost": "1.4.2", "scikit-learn": "1.0.2"},
        source="SeldonIO/seldon-core@v1.18.2 servers/xgboostserver (loads model.bst)",
        model_files=("model.bst",),
    ),
}
_STAND_INS = {"kfserving": "v2"}


def runtime_for(settings: SeldonSettings) -> RuntimeProfile:
    """The declared runtime, else the built-in profile of the server and protocol (image only when
    nothing is known of what is inside it)."""
    if settings.runtime is not None:
        return settings.runtime.profile()
    protocol = _STAND_INS.get(settings.protocol, settings.protocol)
    built_in = BUILT_IN.get((settings.implementation, protocol))
    if built_in is not None:
        return built_in
    image = default_image(settings.implementation, settings.protocol)
    return RuntimeProfile(image or settings.implementation, image, None, source="helm predictor_servers")
