"""The MLmodel check on files read through MLflow's artifact code (a local store: no server)."""

from __future__ import annotations

from pathlib import Path

from generator.registry.artifacts import check_model_files


def location(tmp_path: Path, mlmodel: str) -> str:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "MLmodel").write_text(mlmodel)
    return (tmp_path / "model").as_uri()


def test_an_mlmodel_nested_past_the_recursion_limit_is_this_versions_problem(tmp_path: Path) -> None:
    deep = "flavors:\n  python_function:\n    x: " + "[" * 5000 + "]" * 5000 + "\n"
    uri = location(tmp_path, deep)
    problems = check_model_files(f"sqlite:///{tmp_path / 'unused.db'}", {uri: {"MLFLOW_SERVER"}})
    assert problems == {uri: f"the MLmodel file at {uri} is not valid YAML (or nested too deeply)"}


def test_a_sound_mlmodel_passes(tmp_path: Path) -> None:
    uri = location(tmp_path, "flavors:\n  python_function: {loader_module: mlflow.sklearn}\n")
    assert check_model_files(f"sqlite:///{tmp_path / 'unused.db'}", {uri: {"MLFLOW_SERVER"}}) == {}
