"""Runtime profiles and static compatibility rules (issue 11) with real MLflow 3 models of each kind.

Four real models are logged once for the module (`tests.support.model_kinds`: scikit-learn with
skops, scikit-learn with cloudpickle, a cloudpickled pyfunc, a models-from-code pyfunc), each with
an input example, so each carries a signature with `"required": true` columns.

- With an environment's default Seldon settings (`MLFLOW_SERVER`, protocol v2: Seldon v1.18.2 runs
  `seldonio/mlserver:1.3.5-mlflow`, Python 3.8, MLflow 2.x, numpy 1.23, cloudpickle 2.2) `sync`
  refuses each version with the rules its MLmodel facts break, renders nothing for it, exits 1.
- With `seldon.runtime` declaring the training environment (Python 3.11, MLServer 1.7.1, this venv's
  mlflow, scikit-learn, numpy, pandas, cloudpickle, skops) `sync` renders each one with that image.
- `serve-check` with that environment (its profile, no command-line runtime) loads both pyfuncs in
  a real MLServer and answers their input examples.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from pathlib import Path

import psutil
import pytest

from generator import yamlio
from tests.support.cli import Result, invoke
from tests.support.gitops import GitopsRepo
from tests.support.model_kinds import KINDS, LoggedModel, log_kind, mlmodel_text, training_packages
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ALIAS = "champion"
IMAGE = "ghcr.io/acme/mlserver-mlflow:1.7.1-py311"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
FIX_HINT = "declare `seldon.runtime`"
RULES = {
    "signature-required",
    "skops-format",
    "pyfunc-loaders",
    "python-version",
    "numpy-major",
    "cloudpickle-major",
    "missing-package",
}
# The rules each kind breaks in Seldon's default MLFLOW_SERVER v2 image (mlflow 2.4.1, Python 3.8,
# numpy 1.24, cloudpickle 2.2), from its MLmodel facts and requirements.txt pins: every signature has
# `required` columns; the two pickles were made on Python 3.11 next to numpy 2 and cloudpickle 3.
# A skops file and a code model are not pickles: no Python/numpy/cloudpickle rule, though the code
# model's MLmodel has a `cloudpickle_version`.
EXPECTED = {
    "sklearn-skops": {"signature-required", "skops-format"},
    "sklearn-cloudpickle": {"signature-required", "python-version", "numpy-major", "cloudpickle-major"},
    "pyfunc-cloudpickle": {"signature-required", "python-version", "numpy-major", "cloudpickle-major"},
    "pyfunc-code": {"signature-required", "pyfunc-loaders"},
}
PICKLED = {"sklearn-cloudpickle", "pyfunc-cloudpickle"}
DEFAULT_IMAGE = "seldonio/mlserver:1.3.5-mlflow"
REWRITES = """storage:
  rewrites:
    - from: "mlflow-artifacts:/"
      to: "s3://mlflow-artifacts/"
"""


@pytest.fixture(scope="module")
def models(registry: TestRegistry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, LoggedModel]:
    """One real model of each kind, logged and registered once, its version aliased `champion`."""
    workdir = tmp_path_factory.mktemp("model-kinds")
    logged = {}
    for kind in KINDS:
        model = log_kind(registry.url, kind, registry.unique(kind), workdir / kind)
        registry.set_alias(model.name, ALIAS, int(model.version))
        logged[kind] = model
    return logged


def default_seldon() -> str:
    return "seldon:\n  protocol: v2\n  implementation: MLFLOW_SERVER\n"


def declared_seldon() -> str:
    """The training environment as a declared runtime, each version quoted (YAML reads 3.10 as 3.1)."""
    packages = ", ".join(f'{name}: "{pinned}"' for name, pinned in sorted(training_packages().items()))
    return (
        f"{default_seldon()}  runtime:\n    image: {IMAGE}\n    python: '{PYTHON}'\n"
        f"    mlserver: '1.7.1'\n    packages: {{{packages}}}\n"
    )


def environment(names: list[str], seldon: str) -> str:
    included = ", ".join(f"'{name}'" for name in names)
    return f"namespace: models-prod\nalias: {ALIAS}\nmodels:\n  include: [{included}]\n{seldon}{REWRITES}"


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path) -> Result:
    return invoke(
        ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache)], cwd=gitops.worktree
    )


def rendered(model: LoggedModel) -> str:
    return f"rendered/prod/{model.name}/seldondeployment.yaml"


def refusal_line(result: Result, model: LoggedModel) -> str:
    """The line reporting the model's refusal (the one naming it and the fix)."""
    lines = [
        line for line in (result.out + result.err).splitlines() if model.name in line and FIX_HINT in line
    ]
    assert len(lines) == 1, f"no single refusal line for {model.name}:\n{result.out}\n{result.err}"
    return lines[0]


def named_rules(line: str) -> set[str]:
    """The rule ids the line names in square brackets (`[a]`, `[a, b]` or `[a][b]`)."""
    names = {name for group in re.findall(r"\[([^\]]*)\]", line) for name in re.split(r"[,\s]+", group)}
    return names & RULES


# What the rules read, per kind: (loader_module, sklearn serialization_format, has cloudpickle_version).
FACTS = {
    "sklearn-skops": ("mlflow.sklearn", "skops", False),
    "sklearn-cloudpickle": ("mlflow.sklearn", "cloudpickle", False),
    "pyfunc-cloudpickle": ("mlflow.pyfunc.model", None, True),
    "pyfunc-code": ("mlflow.pyfunc.loaders.code_model", None, True),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_carries_the_mlmodel_facts_the_rules_read(
    kind: str, models: dict[str, LoggedModel], registry: TestRegistry
) -> None:
    model = models[kind]
    mlmodel = yamlio.load(mlmodel_text(registry.url, model.name, model.version))
    pyfunc = mlmodel["flavors"]["python_function"]
    loader, serialization, cloudpickled = FACTS[kind]
    assert pyfunc["loader_module"] == loader
    assert mlmodel["flavors"].get("sklearn", {}).get("serialization_format") == serialization
    assert ("cloudpickle_version" in pyfunc) == cloudpickled
    assert pyfunc["python_version"] == platform.python_version()
    inputs = json.loads(mlmodel["signature"]["inputs"])
    assert [(column["name"], column["required"]) for column in inputs] == [("amount", True), ("age", True)]
    assert mlmodel["saved_input_example_info"]["artifact_path"] == "input_example.json"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_default_runtime_refuses_each_kind_with_the_rules_it_breaks(
    kind: str, models: dict[str, LoggedModel], gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = models[kind]
    gitops.write_environment("prod", environment([model.name], default_seldon()), runtime=False)

    result = sync(gitops, registry, cache_dir)

    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    line = refusal_line(result, model)
    assert f"version {model.version}" in line or f" {model.version} " in line, line
    assert named_rules(line) == EXPECTED[kind], line
    assert DEFAULT_IMAGE in line
    if kind in PICKLED:
        assert f"{FIX_HINT} with Python {PYTHON}" in line
    assert not [path for path in gitops.remote_files() if path.startswith(f"rendered/prod/{model.name}/")]


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_declared_training_runtime_deploys_each_kind_with_its_image(
    kind: str, models: dict[str, LoggedModel], gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    model = models[kind]
    gitops.write_environment("prod", environment([model.name], declared_seldon()))

    result = sync(gitops, registry, cache_dir)

    assert result.code == 0, result.out + result.err
    assert "strict_runtime" not in result.out + result.err  # no drift warning either
    document = yamlio.load(gitops.remote_show(rendered(model)))
    predictor = document["spec"]["predictors"][0]
    assert predictor["annotations"]["version"] == model.version
    assert predictor["graph"]["implementation"] == "MLFLOW_SERVER"
    container = predictor["componentSpecs"][0]["spec"]["containers"][0]
    assert container["name"] == "model"
    assert container["image"] == IMAGE


def test_dropping_the_declared_runtime_checks_a_deployed_version_again(
    models: dict[str, LoggedModel], gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    """Only the environment changed (back to Seldon's default image): the version already deployed
    is judged against the new runtime, refused, and its deployed files are kept."""
    model = models["sklearn-skops"]
    gitops.write_environment("prod", environment([model.name], declared_seldon()))
    deployed = sync(gitops, registry, cache_dir)
    assert deployed.code == 0, deployed.out + deployed.err
    before = gitops.remote_show(rendered(model))

    gitops.write_environment("prod", environment([model.name], default_seldon()), runtime=False)
    result = sync(gitops, registry, cache_dir)

    assert result.code == 1, result.out + result.err
    assert named_rules(refusal_line(result, model)) == EXPECTED["sklearn-skops"]
    assert gitops.remote_show(rendered(model)) == before


def serve_cache() -> Path:
    """The serve check's venvs, kept between runs (shared with tests/e2e/test_serve_check.py)."""
    return Path(os.environ.get("MODEL_GITOPS_TEST_CACHE", Path.home() / ".cache" / "model-gitops-tests"))


@pytest.mark.timeout(1200)  # a cold cache builds the venv (serve-check's --build-timeout: 900 s)
def test_serve_check_answers_both_pyfuncs_in_the_declared_runtime(
    models: dict[str, LoggedModel], gitops: GitopsRepo, registry: TestRegistry
) -> None:
    pyfuncs = [models["pyfunc-cloudpickle"], models["pyfunc-code"]]
    gitops.write_environment("prod", environment([m.name for m in pyfuncs], declared_seldon()))
    before = {p.pid for p in psutil.Process().children(recursive=True)}

    result = invoke(
        [
            "serve-check",
            "--tracking-uri",
            registry.url,
            "--cache-dir",
            str(serve_cache()),
            "--start-timeout",
            "120",
            "--request-timeout",
            "30",
            *[f"{m.name}@{m.version}" for m in pyfuncs],
        ],
        cwd=gitops.worktree,
    )

    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert left == [], f"processes left running: {left}"
    print(result.out, result.err, file=sys.stderr)
    assert result.code == 0, result.out + result.err
    for model in pyfuncs:
        line = next(
            line
            for line in result.out.splitlines()
            if line.startswith(f"prod: {model.name} {model.version} on ")
        )
        assert ": passed: " in line and "answered the input example" in line, line
    assert "serve-check: 2 passed" in result.out
