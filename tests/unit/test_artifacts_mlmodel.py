"""Model facts read through MLflow's artifact code (a local store: no server): MLmodel, the
saving environment's requirements and Python, and what cannot be read."""

from __future__ import annotations

from pathlib import Path

from generator.model.runtime import ModelFacts
from generator.registry.artifacts import pins, read_model_facts

SKOPS_MLMODEL = """\
flavors:
  python_function: {loader_module: mlflow.sklearn, model_path: model.skops, python_version: 3.11.7}
  sklearn: {pickled_model: model.skops, serialization_format: skops, sklearn_version: 1.9.1}
mlflow_version: 3.17.2
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""


def location(tmp_path: Path, files: dict[str, str]) -> str:
    (tmp_path / "model").mkdir()
    for name, text in files.items():
        (tmp_path / "model" / name).write_text(text)
    return (tmp_path / "model").as_uri()


def read(tmp_path: Path, uri: str) -> ModelFacts | str:
    return read_model_facts(f"sqlite:///{tmp_path / 'unused.db'}", {uri})[uri]


def test_an_mlmodel_nested_past_the_recursion_limit_is_this_versions_problem(tmp_path: Path) -> None:
    deep = "flavors:\n  python_function:\n    x: " + "[" * 5000 + "]" * 5000 + "\n"
    uri = location(tmp_path, {"MLmodel": deep})
    assert read(tmp_path, uri) == f"the MLmodel file at {uri} is not valid YAML (or nested too deeply)"


def test_a_missing_mlmodel_says_where_it_looked(tmp_path: Path) -> None:
    uri = location(tmp_path, {"requirements.txt": "mlflow==3.17.2\n"})
    problem = read(tmp_path, uri)
    assert isinstance(problem, str)
    assert problem.startswith(f"cannot read the MLmodel file at {uri} (")
    assert problem.endswith("check the artifacts exist")


def test_an_mlmodel_without_flavors_is_refused(tmp_path: Path) -> None:
    uri = location(tmp_path, {"MLmodel": "- just\n- a list\n"})
    assert read(tmp_path, uri) == f"the MLmodel file at {uri} lists no flavors"


def test_an_mlflow_3_models_facts_come_from_mlmodel_and_requirements(tmp_path: Path) -> None:
    requirements = "mlflow==3.17.2\nnumpy==2.4.6\nscikit_learn==1.9.1\nskops\n# comment\n-r extra.txt\n"
    uri = location(tmp_path, {"MLmodel": SKOPS_MLMODEL, "requirements.txt": requirements})
    facts = read(tmp_path, uri)
    assert isinstance(facts, ModelFacts)
    assert facts.mlflow_version == "3.17.2"
    assert facts.python == "3.11.7"
    assert facts.signature_required
    assert facts.flavors["sklearn"]["serialization_format"] == "skops"
    assert facts.requirements == {"mlflow": "3.17.2", "numpy": "2.4.6", "scikit-learn": "1.9.1", "skops": ""}


def test_older_models_fall_back_to_python_env_and_conda(tmp_path: Path) -> None:
    mlmodel = "flavors:\n  python_function: {loader_module: mlflow.sklearn}\nmlflow_version: 2.3.0\n"
    conda = "dependencies:\n- python=3.8.10\n- pip:\n  - mlflow==2.3.0\n  - cloudpickle==2.2.1\n"
    uri = location(tmp_path, {"MLmodel": mlmodel, "conda.yaml": conda, "python_env.yaml": "python: 3.8.10\n"})
    facts = read(tmp_path, uri)
    assert isinstance(facts, ModelFacts)
    assert facts.python == "3.8.10"
    assert facts.requirements == {"mlflow": "2.3.0", "cloudpickle": "2.2.1"}
    assert not facts.signature_required


def test_pins_read_names_extras_and_markers() -> None:
    lines = ["Pandas[performance]==2.2.3 ; python_version>='3.9'", "torch>=2", "zope.interface==7.0"]
    assert pins(lines) == {"pandas": "2.2.3", "torch": "", "zope-interface": "7.0"}
