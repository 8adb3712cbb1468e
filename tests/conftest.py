"""Shared fixtures: real MLflow server, Git repositories and validation tools."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gitops import GitopsRepo, make_gitops_repo
from tests.support.registry import TestRegistry
from tests.support.servers import mlflow_server

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    return Path(os.environ.get("MODEL_GITOPS_SHARED", ROOT.parent / "shared")).resolve()


def seldon_crd() -> str:
    """The Seldon CRD: the offline copy in ../shared, else its public location (connected CI)."""
    from generator.targets.seldon_v1 import CRD_URL

    local = shared_dir() / "crds" / "machinelearning.seldon.io_seldondeployments.yaml"
    return str(local) if local.is_file() else CRD_URL


def kserve_crd() -> str:
    """KServe v0.20.0's InferenceService CRD: the offline copy in ../shared, else its public location."""
    from generator.targets.kserve import CRD_URL

    local = shared_dir() / "crds" / "serving.kserve.io_inferenceservices.yaml"
    return str(local) if local.is_file() else CRD_URL


def seldon_v2_crds() -> list[str]:
    """Seldon Core 2's Model and Experiment CRDs: the offline copies in ../shared (same file
    names as upstream), else their public locations."""
    from generator.targets.seldon_v2 import EXPERIMENT_CRD_URL, MODEL_CRD_URL

    found = []
    for url in (MODEL_CRD_URL, EXPERIMENT_CRD_URL):
        local = shared_dir() / "crds" / url.rsplit("/", 1)[1]
        found.append(str(local) if local.is_file() else url)
    return found


@pytest.fixture(scope="session", autouse=True)
def offline_validation() -> None:
    """Point validation at the offline schemas and CRDs of ../shared, as this project's CI does.

    Without ../shared (e.g. a GitHub-hosted runner) validation keeps its public defaults.
    """
    _tools_and_identity()
    shared = shared_dir()
    schemas = shared / "kubeconform-schemas"
    if not schemas.is_dir():
        return
    os.environ.setdefault(
        "MODEL_GITOPS_SCHEMA_LOCATIONS",
        f"{schemas}/{{{{.NormalizedKubernetesVersion}}}}-standalone{{{{.StrictSuffix}}}}/"
        f"{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json "
        f"{schemas}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
    )
    os.environ.setdefault("MODEL_GITOPS_CRDS", " ".join([seldon_crd(), kserve_crd(), *seldon_v2_crds()]))


def _tools_and_identity() -> None:
    tools = ROOT / ".tools" / "bin"
    os.environ["PATH"] = f"{tools}{os.pathsep}{os.environ['PATH']}"
    os.environ.setdefault("GIT_AUTHOR_NAME", "Test Runner")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@example.invalid")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Test Runner")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@example.invalid")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `mlflow server` (SQLite backend) for the whole session."""
    server, url = mlflow_server(tmp_path_factory.mktemp("mlflow"))
    server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def registry(mlflow_url: str) -> TestRegistry:
    return TestRegistry.prepare(mlflow_url)


@pytest.fixture
def gitops(tmp_path: Path) -> GitopsRepo:
    return make_gitops_repo(tmp_path)


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is not installed; run scripts/bootstrap.sh")
    return found


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """In CI, leave as soon as the report is printed: a stray non-daemon thread left by a failed
    test (e.g. one blocked on a queue) must not hold the job until CI's time limit."""
    if os.environ.get("CI") and _EXIT_STATUS:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
