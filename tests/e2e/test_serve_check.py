"""`model-gitops serve-check` against a real MLServer: a real MLflow 3 model from a real registry.

The model is a scikit-learn model logged by this environment's MLflow 3 (skops serialization,
pandas input example). A runtime matching the training environment (MLServer 1.7.1 on Python
3.11 with the same mlflow, scikit-learn, numpy, pandas, skops) must load it and answer the input
example; MLServer 1.7.1's own environment (mlflow 2.19, no skops support) must fail with the
loader's error; a runtime whose Python is not on the machine is skipped, never passed.

The venvs are cached in a fixed directory (`MODEL_GITOPS_TEST_CACHE`, default
`~/.cache/model-gitops-tests`) so repeated runs reuse them; the first build takes a few minutes.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.metadata import version
from pathlib import Path

import psutil
import pytest

from generator.plan.gates import SERVE_TAG
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry, log_sklearn_model

pytestmark = pytest.mark.e2e
ENVIRONMENT = "namespace: models-prod\nalias: champion\n"
TRAINED = ["mlflow", "scikit-learn", "numpy", "pandas", "scipy", "cloudpickle", "skops"]
# MLServer 1.7.1's own pins (its poetry.lock): mlflow 2.19 cannot load skops-serialized models.
MLSERVER_171_LOCK = {"mlflow": "2.19.0", "scikit-learn": "1.5.2", "numpy": "1.26.4", "pandas": "2.2.3"}


def cache_dir() -> Path:
    return Path(os.environ.get("MODEL_GITOPS_TEST_CACHE", Path.home() / ".cache" / "model-gitops-tests"))


def runtime(python: str, packages: dict[str, str]) -> list[str]:
    args = ["--python", python, "--mlserver", "1.7.1"]
    for name, pinned in sorted(packages.items()):
        args += ["--package", f"{name}=={pinned}"]
    return args


def training_packages() -> dict[str, str]:
    return {name: version(name) for name in TRAINED}


@pytest.fixture(scope="module")
def model(registry: TestRegistry) -> str:
    name = registry.unique("served")
    number = log_sklearn_model(registry.url, name)
    registry.set_alias(name, "champion", int(number))
    return name


def serve_check(gitops: GitopsRepo, registry: TestRegistry, *args: str):  # type: ignore[no-untyped-def]
    if not (gitops.worktree / "environments" / "prod.yaml").is_file():
        gitops.write_environment("prod", ENVIRONMENT)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = invoke(
        ["serve-check", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir()), *args],
        cwd=gitops.worktree,
    )
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert left == [], f"processes left running: {left}"
    print(result.out, result.err, file=sys.stderr)
    return result


def test_a_runtime_matching_the_training_environment_answers_the_input_example(
    gitops: GitopsRepo, registry: TestRegistry, model: str
) -> None:
    result = serve_check(
        gitops, registry, model, "--tag", "--format", "markdown", *runtime("3.11", training_packages())
    )
    assert result.code == 0, result.out + result.err
    row = next(line for line in result.out.splitlines() if line.startswith(f"| `prod` | `{model}` | `1` |"))
    assert ":white_check_mark: passed" in row
    assert "ready, answered the input example" in row
    assert re.search(r"\| [0-9.]+ s \|", row)
    tag = registry.client.get_model_version(model, "1").tags[SERVE_TAG]
    assert re.match(r"passed \(mlserver-1\.7\.1-py3\.11, [0-9]+ s\): ready, answered", tag)


def test_mlserver_171s_own_environment_fails_with_the_loaders_error(
    gitops: GitopsRepo, registry: TestRegistry, model: str
) -> None:
    result = serve_check(gitops, registry, f"{model}@1", *runtime("3.11", MLSERVER_171_LOCK))
    assert result.code == 1, result.out + result.err
    line = next(line for line in result.out.splitlines() if line.startswith(f"prod: {model} 1 on "))
    assert ": failed: " in line
    assert "skops" in line, line  # mlflow 2.19: "Unrecognized serialization format: skops"
    assert "serve-check: 1 failed" in result.out


def test_a_runtime_whose_python_is_absent_is_skipped_never_passed(
    gitops: GitopsRepo, registry: TestRegistry, model: str
) -> None:
    result = serve_check(gitops, registry, model, *runtime("3.5", training_packages()))
    assert result.code == 0, result.out + result.err
    assert f"prod: {model} 1 on mlserver-1.7.1-py3.5: skipped: no Python 3.5 here" in result.out
    assert "passed" not in result.out
    assert "serve-check: 1 skipped" in result.out


def seldon_file(model: str, version: str, candidate: str = "") -> str:
    annotations = f"    model-gitops.io/model: {model}\n    model-gitops.io/version: '{version}'\n"
    if candidate:
        annotations += "    model-gitops.io/rollout-strategy: canary\n"
        annotations += f"    model-gitops.io/rollout-candidate: '{candidate}'\n"
    head = "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata:\n"
    return f"{head}  annotations:\n{annotations}"


def commit_rendered(gitops: GitopsRepo, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = gitops.worktree / "rendered" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(gitops.worktree, "add", "rendered")
    git(gitops.worktree, "commit", "-qm", "rendered")


def test_changed_since_checks_what_a_pull_request_deploys(gitops: GitopsRepo, registry: TestRegistry) -> None:
    fraud, churn = registry.unique("fraud"), registry.unique("churn")
    registry.create(fraud, 3, {"champion": 3})
    registry.create(churn, 1, {"champion": 1})
    gitops.write_environment("prod", ENVIRONMENT)
    commit_rendered(gitops, {f"prod/{fraud}/seldondeployment.yaml": seldon_file(fraud, "2")})
    commit_rendered(
        gitops,
        {
            f"prod/{fraud}/seldondeployment.yaml": seldon_file(fraud, "2", candidate="3"),
            f"prod/{churn}/seldondeployment.yaml": seldon_file(churn, "1"),
        },
    )
    result = serve_check(gitops, registry, "--changed-since", "HEAD~1", "--tag", *runtime("3.5", {}))
    assert result.code == 0, result.out + result.err
    lines = [line for line in result.out.splitlines() if line.startswith("prod: ")]
    assert lines == [
        f"prod: {churn} 1 on mlserver-1.7.1-py3.5: skipped: no Python 3.5 here (0.0 s)",
        f"prod: {fraud} 3 on mlserver-1.7.1-py3.5: skipped: no Python 3.5 here (0.0 s)",
    ]
    tag = registry.client.get_model_version(fraud, "3").tags[SERVE_TAG]
    assert tag == "skipped (mlserver-1.7.1-py3.5, 0 s): no Python 3.5 here"
    assert SERVE_TAG not in registry.client.get_model_version(fraud, "2").tags
    wrong = serve_check(gitops, registry, "--changed-since", "no-such-ref", *runtime("3.5", {}))
    assert wrong.code == 1 and "--changed-since 'no-such-ref' is not a commit" in wrong.err


def test_gate_checks_only_what_a_serve_gate_waits_on(gitops: GitopsRepo, registry: TestRegistry) -> None:
    gated, plain = registry.unique("gated"), registry.unique("plain")
    registry.create(gated, 2, {"champion": 2})
    registry.create(plain, 2, {"champion": 2})
    gitops.write_environment(
        "prod", ENVIRONMENT + f"overrides:\n  {gated}:\n    strategy: {{offline: [{{serve: true}}]}}\n"
    )
    commit_rendered(gitops, {f"prod/{gated}/seldondeployment.yaml": seldon_file(gated, "1")})
    result = invoke(
        [
            "serve-check",
            "--tracking-uri",
            registry.url,
            "--cache-dir",
            str(cache_dir()),
            "--gate",
            *runtime("3.5", {}),
        ],
        cwd=gitops.worktree,
    )
    assert result.code == 0, result.out + result.err
    assert [line.split(" on ")[0] for line in result.out.splitlines() if line.startswith("prod: ")] == [
        f"prod: {gated} 2"
    ]
    assert registry.client.get_model_version(gated, "2").tags[SERVE_TAG].startswith("skipped (")
