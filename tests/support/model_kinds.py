"""Real MLflow 3 models of each kind the runtime rules tell apart, logged to a real MLflow server.

Each logger trains or defines a tiny model over the DataFrame `features()`, logs it with its first
two rows as input example (so the signature's columns say `"required": true`) and the training
environment's pins as `pip_requirements` (MLflow would otherwise load the model in a subprocess to
infer them), registers it and returns the version. Each takes about 1-5 s.

What each kind's `MLmodel` says, as logged here by MLflow 3.17.2 on Python 3.11.7 (numpy 2.4.6,
cloudpickle 3.1.3), read from the stored files:

- `sklearn-skops`: `python_function.loader_module: mlflow.sklearn`, `sklearn.serialization_format:
  skops` (`pickled_model: model.skops`, not a pickle), `python_version: 3.11.7`, no
  `cloudpickle_version`; requirements.txt pins mlflow, scikit-learn, numpy, pandas, skops.
- `sklearn-cloudpickle`: `loader_module: mlflow.sklearn`, `serialization_format: cloudpickle`
  (`model.pkl`, holding numpy 2 arrays), `python_version: 3.11.7`, no `cloudpickle_version` in
  MLmodel; requirements.txt pins mlflow, scikit-learn, numpy, pandas, cloudpickle.
- `pyfunc-cloudpickle`: `loader_module: mlflow.pyfunc.model`, `python_model: python_model.pkl` (the
  class pickled by value: it loads where this package is absent), `cloudpickle_version: 3.1.3`,
  `python_version: 3.11.7`; requirements.txt pins mlflow, numpy, pandas, cloudpickle.
- `pyfunc-code`: `loader_module: mlflow.pyfunc.loaders.code_model`, `model_code_path: <the absolute
  path logged>` (the file is stored as `sum_model.py`; nothing is pickled), and still
  `cloudpickle_version: 3.1.3` and `python_version: 3.11.7`; requirements.txt pins mlflow, numpy,
  pandas.

Every kind's signature inputs are `[{"type": "double", "name": "amount", "required": true}, ...]`,
and `saved_input_example_info` names `input_example.json` and `serving_input_example.json`.

The pyfuncs answer a DataFrame (`total`): MLServer 1.7.1's MLflow runtime cannot encode a pandas
Series (`AttributeError: 'float' object has no attribute 'dtype'`, HTTP 500 on /infer).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from generator.registry import examples
from tests.support.registry import log_sklearn_model

EXPERIMENT = "model-kinds"
COLUMNS = ("amount", "age")
ROWS = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
LABELS = [0, 1, 1, 0]
# What the models were trained with: a runtime with these versions (and this Python) loads them all.
TRAINED = ("mlflow", "scikit-learn", "numpy", "pandas", "scipy", "cloudpickle", "skops")
# A models-from-code file: the model is this code, not a pickle.
CODE_MODEL = '''"""A models-from-code pyfunc: the sum of its two inputs."""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class SumModel(PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"total": model_input["amount"] + model_input["age"]})


mlflow.models.set_model(SumModel())
'''


@dataclass(frozen=True)
class LoggedModel:
    kind: str
    name: str
    version: str


def features() -> Any:
    import pandas as pd

    return pd.DataFrame(ROWS, columns=list(COLUMNS))


def training_packages() -> dict[str, str]:
    """This venv's versions of the packages the models were trained with."""
    return {package: version(package) for package in TRAINED}


def pins(*packages: str) -> list[str]:
    """The training environment's pins (this venv's versions) for `packages`."""
    return [f"{package}=={version(package)}" for package in packages]


def log_sklearn_skops(url: str, name: str, workdir: Path) -> str:
    """scikit-learn with MLflow 3's default serialization, skops."""
    return log_sklearn_model(url, name)


def log_sklearn_cloudpickle(url: str, name: str, workdir: Path) -> str:
    """scikit-learn serialized with cloudpickle: a pickle made with numpy 2 on this Python."""
    import mlflow
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression().fit(features(), LABELS)
    with _run(url):
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            serialization_format="cloudpickle",
            input_example=features().head(2),
            pip_requirements=pins("mlflow", "scikit-learn", "numpy", "pandas", "cloudpickle"),
            registered_model_name=name,
        )
    return str(info.registered_model_version)


def log_pyfunc_cloudpickle(url: str, name: str, workdir: Path) -> str:
    """A `PythonModel` instance, cloudpickled by value (its class is local, so not importable)."""
    import mlflow

    with _run(url):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=_sum_model(),
            input_example=features().head(2),
            pip_requirements=pins("mlflow", "numpy", "pandas", "cloudpickle"),
            registered_model_name=name,
        )
    return str(info.registered_model_version)


def log_pyfunc_code(url: str, name: str, workdir: Path) -> str:
    """A models-from-code pyfunc: `python_model` is the path of a file calling `set_model`."""
    import mlflow

    code = workdir / "sum_model.py"
    code.write_text(CODE_MODEL)
    with _run(url):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(code),
            input_example=features().head(2),
            pip_requirements=pins("mlflow", "numpy", "pandas"),
            registered_model_name=name,
        )
    return str(info.registered_model_version)


KINDS: dict[str, Callable[[str, str, Path], str]] = {
    "sklearn-skops": log_sklearn_skops,
    "sklearn-cloudpickle": log_sklearn_cloudpickle,
    "pyfunc-cloudpickle": log_pyfunc_cloudpickle,
    "pyfunc-code": log_pyfunc_code,
}


def log_kind(url: str, kind: str, name: str, workdir: Path) -> LoggedModel:
    """Log, register (as `name`) and return a real model of `kind` (a key of KINDS)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return LoggedModel(kind, name, KINDS[kind](url, name, workdir))


def mlmodel_text(url: str, name: str, model_version: str) -> str:
    """The registered version's `MLmodel` file as MLflow stored it."""
    import mlflow

    uri = f"models:/{name}/{model_version}/MLmodel"
    mlflow.set_tracking_uri(url)
    return str(mlflow.artifacts.load_text(uri))


def _sum_model() -> Any:
    """A `PythonModel` whose class is defined here, so cloudpickle pickles it by value."""
    from mlflow.pyfunc import PythonModel

    class SumModel(PythonModel):
        # No type hints: MLflow 3 would try (and fail) to derive a schema from `Any`.
        def predict(self, context, model_input, params=None):
            import pandas as pd

            return pd.DataFrame({"total": model_input["amount"] + model_input["age"]})

    return SumModel()


@contextlib.contextmanager
def _run(url: str) -> Iterator[None]:
    """An MLflow run in the `model-kinds` experiment of the server at `url`, MLflow's logs quiet."""
    examples.quiet_mlflow()
    import mlflow

    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run():
        yield
