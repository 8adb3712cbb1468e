"""The released package: built from a tagged checkout, installed in a clean virtualenv.

A copy of the working tree (tracked and new files, as Git sees them) becomes a repository tagged
`v9.8.7`; `pip wheel .` builds it, and `uv` installs the wheel with its dependencies from the
package index into a new virtualenv. That install has the MLflow client (`mlflow-skinny`) only,
and it still syncs against a real MLflow server, validating with the schemas the wheel carries
(`MODEL_GITOPS_SCHEMA_LOCATIONS` unset; only the Seldon CRD, which no registry publishes, is
given). `python -m build`
and `twine check` judge the sdist and wheel a release would upload.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.test_sync import environment
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TAG = "v9.8.7"
INSTALL_TIMEOUT = 900


def clean_environment() -> dict[str, str]:
    """This environment without PYTHONPATH (the installed package, not the source tree, answers)
    and without schema locations (the wheel's own schemas validate)."""
    dropped = {"PYTHONPATH", "MODEL_GITOPS_SCHEMA_LOCATIONS"}
    return {key: value for key, value in os.environ.items() if key not in dropped} | {
        "UV_PYTHON_DOWNLOADS": "never"
    }


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=clean_environment(), timeout=INSTALL_TIMEOUT
    )
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def tagged_copy(target: Path) -> Path:
    """The working tree as Git sees it (ignored files left out), committed and tagged `TAG`."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    identity = ["-c", "user.name=Release", "-c", "user.email=release@example.invalid"]
    run(["git", "init", "-q", "-b", "main"], cwd=target)
    run(["git", "add", "-A"], cwd=target)
    run(["git", *identity, "commit", "-q", "-m", "release"], cwd=target)
    run(["git", *identity, "tag", "-a", TAG, "-m", TAG], cwd=target)
    return target


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tagged_copy(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def wheel(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), "."], cwd=release)
    (built,) = wheels.glob("model_gitops-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv holding the wheel `pip wheel .` built, and its dependencies."""
    venv = tmp_path_factory.mktemp("clean") / "venv"
    uv = shutil.which("uv") or pytest.fail("uv is not installed; run scripts/bootstrap.sh")
    run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
    run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)])
    return venv


def test_the_wheel_carries_the_bundled_schemas_and_the_license(wheel: Path) -> None:
    bundled = sorted((ROOT / "generator" / "validate" / "bundled_schemas").rglob("*.json"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert bundled and {str(path.relative_to(ROOT)) for path in bundled} <= names
    assert "model_gitops-9.8.7.dist-info/licenses/LICENSE" in names


def test_the_wheel_is_named_after_the_tag_and_prints_it(installed: Path) -> None:
    result = run([str(installed / "bin" / "model-gitops"), "--version"])
    assert result.stdout == f"model-gitops {TAG.removeprefix('v')}\n"


def test_the_base_install_has_the_mlflow_client_only(installed: Path) -> None:
    probe = (
        "import importlib.metadata as m, importlib.util as u\n"
        "print(m.version('mlflow-skinny'))\n"
        "print(u.find_spec('sqlalchemy') is None, u.find_spec('sklearn') is None)\n"
        "try:\n    m.version('mlflow')\nexcept m.PackageNotFoundError:\n    print('no mlflow')\n"
    )
    lines = run([str(installed / "bin" / "python"), "-c", probe]).stdout.splitlines()
    assert lines[1:] == ["True True", "no mlflow"]


def test_the_base_install_syncs_against_an_mlflow_server(
    installed: Path, gitops: GitopsRepo, registry: TestRegistry, tmp_path: Path
) -> None:
    """Registry reads, artifact checks (MLmodel downloads) and validation on mlflow-skinny."""
    prefix = registry.unique("skinny")
    registry.create(f"{prefix}-m", 2, {"dev": 2})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    command = [str(installed / "bin" / "model-gitops"), "sync", "--push", "--tracking-uri", registry.url]
    result = run([*command, "--cache-dir", str(tmp_path / "cache")], cwd=gitops.worktree)
    assert f"rendered/dev/{prefix}-m/seldondeployment.yaml" in gitops.remote_files(), result.stderr


def test_a_database_registry_on_the_base_install_says_what_to_install(
    installed: Path, gitops: GitopsRepo, tmp_path: Path
) -> None:
    (tmp_path / "mlflow.db").touch()
    gitops.write_environment("dev", environment("dev", "models-dev", "m"))
    result = subprocess.run(
        [
            str(installed / "bin" / "model-gitops"),
            "plan",
            "--tracking-uri",
            f"sqlite:///{tmp_path}/mlflow.db",
        ],
        cwd=gitops.worktree,
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "model-gitops[demo]" in result.stderr


def test_sdist_and_wheel_pass_twine_check(release: Path, tmp_path: Path) -> None:
    run([sys.executable, "-m", "build", "--outdir", str(tmp_path), "."], cwd=release)
    built = sorted(path.name for path in tmp_path.iterdir())
    assert built == ["model_gitops-9.8.7-py3-none-any.whl", "model_gitops-9.8.7.tar.gz"]
    run([sys.executable, "-m", "twine", "check", "--strict", *[str(tmp_path / name) for name in built]])
