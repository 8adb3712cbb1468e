"""Each compatibility rule, table-driven: the facts that trigger it, and the nearest that do not.

Facts are those MLflow 3.17 writes (see tests/unit/test_artifacts_mlmodel.py); runtimes are the
built-in Seldon v1.18.2 profiles and a declared Python 3.11 / MLflow 3 one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from generator.config import SeldonSettings
from generator.model.runtime import ModelFacts, RuntimeProfile
from generator.plan.compat import findings, fix
from generator.targets.seldon_v1.runtimes import runtime_for

MLSERVER_135 = runtime_for(SeldonSettings(implementation="MLFLOW_SERVER", protocol="v2"))
SKLEARN_135 = runtime_for(SeldonSettings(implementation="SKLEARN_SERVER", protocol="v2"))
XGBOOST_SELDON = runtime_for(SeldonSettings(implementation="XGBOOST_SERVER", protocol="seldon"))
MLFLOW_SELDON = runtime_for(SeldonSettings(implementation="MLFLOW_SERVER", protocol="seldon"))
TRAINING = RuntimeProfile(
    "ghcr.io/acme/mlserver-mlflow:1.7.1-py311",
    "ghcr.io/acme/mlserver-mlflow:1.7.1-py311",
    "3.11",
    {
        "mlflow": "3.17.2",
        "scikit-learn": "1.9.1",
        "numpy": "2.4.6",
        "cloudpickle": "3.1.3",
        "skops": "0.16.0",
    },
)
PYFUNC_PICKLE = {"loader_module": "mlflow.pyfunc.model", "python_model": "python_model.pkl"}


def facts(**changes: Any) -> ModelFacts:
    """A sound model for TRAINING; `changes` replace fields, `pyfunc`/`sklearn` flavor configs."""
    flavors: dict[str, dict[str, Any]] = {"python_function": changes.pop("pyfunc", {"loader_module": "x"})}
    if "sklearn" in changes:
        flavors["sklearn"] = changes.pop("sklearn")
    if "xgboost" in changes:
        flavors["xgboost"] = changes.pop("xgboost")
    base = ModelFacts(flavors, mlflow_version="3.17.2", python="3.11.7", requirements={"mlflow": "3.17.2"})
    return replace(base, **changes)


def rules(model: ModelFacts, profile: RuntimeProfile) -> list[str]:
    return [f"{'' if f.hard else '~'}{f.rule}" for f in findings(model, profile)]


@pytest.mark.parametrize(
    ("model", "profile", "expected"),
    [
        # signature `required` needs mlflow >= 2.10
        (facts(signature_required=True), MLSERVER_135, ["signature-required", "~mlflow-major"]),
        (facts(signature_required=True), TRAINING, []),
        # skops needs mlflow >= 3.9 and skops
        (facts(sklearn={"serialization_format": "skops"}), MLSERVER_135, ["skops-format", "~mlflow-major"]),
        (
            facts(sklearn={"serialization_format": "skops"}),
            replace(TRAINING, packages={"mlflow": "3.17.2"}),
            ["skops-format"],
        ),
        (facts(sklearn={"serialization_format": "skops"}), TRAINING, []),
        # models from code: mlflow.pyfunc.loaders.code_model needs 2.13, chat_model 2.11
        (
            facts(pyfunc={"loader_module": "mlflow.pyfunc.loaders.code_model"}),
            replace(MLSERVER_135, packages={"mlflow": "2.12.2"}),
            ["pyfunc-loaders", "~mlflow-major"],
        ),
        (
            facts(pyfunc={"loader_module": "mlflow.pyfunc.loaders.chat_model"}),
            replace(MLSERVER_135, packages={"mlflow": "2.12.2"}),
            ["~mlflow-major"],
        ),
        # pickles: Python major.minor, numpy 2 pickles, cloudpickle major
        (
            facts(pyfunc={**PYFUNC_PICKLE, "cloudpickle_version": "3.1.3"}),
            MLSERVER_135,
            ["python-version", "cloudpickle-major", "~mlflow-major"],
        ),
        (
            facts(sklearn={"serialization_format": "cloudpickle"}, requirements={"numpy": "2.4.6"}),
            replace(TRAINING, python="3.11", packages={**TRAINING.packages, "numpy": "1.26.4"}),
            ["numpy-major"],
        ),
        (facts(sklearn={"serialization_format": "skops"}, python="3.12.1"), TRAINING, []),  # not a pickle
        (facts(pyfunc=PYFUNC_PICKLE), MLFLOW_SELDON, ["~mlflow-major"]),  # it builds the model's Python
        # the loader's own package must be in the runtime
        (
            facts(sklearn={"serialization_format": "skops", "sklearn_version": "1.9.1"}),
            replace(TRAINING, packages={"mlflow": "3.17.2", "skops": "0.16.0", "numpy": "2.4.6"}),
            [],  # mlflow brings scikit-learn
        ),
        (
            facts(xgboost={"data": "model.ubj", "xgb_version": "3.0.0"}),
            TRAINING,
            ["missing-package"],
        ),
        # servers that read the file themselves
        (
            facts(sklearn={"pickled_model": "model.skops", "serialization_format": "skops"}),
            SKLEARN_135,
            ["model-file"],
        ),
        (
            facts(sklearn={"pickled_model": "model.pkl", "serialization_format": "pickle"}),
            SKLEARN_135,
            ["python-version"],
        ),
        (facts(xgboost={"data": "model.xgb"}), XGBOOST_SELDON, ["model-file"]),
        (facts(xgboost={"data": "model.bst"}), XGBOOST_SELDON, []),
        # drift: warnings
        (facts(sklearn={"sklearn_version": "1.8.0"}), TRAINING, ["~sklearn-version"]),
        (facts(requirements={"mlflow": "3.17.2", "rich": "15.0.0"}), TRAINING, ["~unlisted-requirement"]),
        # nothing is known of the runtime: no rule guesses
        (facts(signature_required=True, pyfunc=PYFUNC_PICKLE), RuntimeProfile("triton", "t", None), []),
    ],
)
def test_each_rule_fires_on_its_facts_and_only_there(
    model: ModelFacts, profile: RuntimeProfile, expected: list[str]
) -> None:
    assert rules(model, profile) == expected


def test_the_fix_names_one_runtime_that_satisfies_every_hard_finding() -> None:
    model = facts(
        pyfunc={**PYFUNC_PICKLE, "cloudpickle_version": "3.1.3"},
        sklearn={"serialization_format": "skops"},
        signature_required=True,
    )
    found = [f for f in findings(model, MLSERVER_135) if f.hard]
    assert (
        fix(found) == "declare `seldon.runtime` with Python 3.11, cloudpickle >= 3, mlflow >= 3.9 and skops"
    )


def test_a_file_format_problem_offers_the_other_way_out() -> None:
    found = findings(facts(xgboost={"data": "model.xgb"}), XGBOOST_SELDON)
    assert fix(found) == "serve it with MLFLOW_SERVER, or log it in a format the server reads"
    assert str(found[0]) == (
        "[model-file] seldonio/xgboostserver:1.18.2 loads model.bst; this version saved model.xgb"
    )


def test_the_messages_name_both_sides() -> None:
    found = findings(facts(sklearn={"serialization_format": "skops"}, signature_required=True), MLSERVER_135)
    assert [str(f) for f in found if f.hard] == [
        "[signature-required] the signature marks columns `required`, which mlflow 2.4.1 cannot read "
        "(needs mlflow >= 2.10)",
        "[skops-format] saved with skops serialization, which mlflow 2.4.1 cannot load "
        "(needs mlflow >= 3.9 and skops)",
    ]
