"""One cached virtualenv per runtime profile, built with `uv` on the profile's own Python.

The environment holds the profile's pinned packages plus `mlserver==V` and `mlserver-mlflow==V`
(and `uvloop<0.22` on Python >= 3.11: MLServer 1.7.1 does not start with uvloop 0.22, MLServer
issue 2286). Its directory is named by a hash of the interpreter's version and those requirements,
under `<cache>/serve-check/venvs/`. Building is safe with concurrent runs: a lock file per key, the
build in a temporary directory (a relocatable venv, byte-compiled), then one atomic rename; a
finished venv carries a marker file, so a half-built one is never used. uv never downloads an
interpreter (`UV_PYTHON_DOWNLOADS=never`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from generator.errors import ToolError
from generator.model.runtime import RuntimeProfile
from generator.runtime.interpreters import Interpreter

READY = ".model-gitops-ready"
MARKS = " \u00d7\u2570\u2500\u25b6\u2502"  # uv's box drawing around its messages
OPERATORS = ("==", ">=", "<=", "~=", "!=", ">", "<")


class BuildFailed(Exception):
    """The profile's environment could not be built (a one-line reason)."""


def requirements(profile: RuntimeProfile) -> list[str]:
    """The pins installed for `profile`, sorted."""
    pins = {name: _pin(name, version) for name, version in profile.packages.items() if name != "python"}
    if profile.mlserver:
        pins.setdefault("mlserver", f"mlserver=={profile.mlserver}")
        pins.setdefault("mlserver-mlflow", f"mlserver-mlflow=={profile.mlserver}")
    if profile.mlserver and profile.python and _at_least(profile.python, (3, 11)):
        pins.setdefault("uvloop", "uvloop<0.22")
    return sorted(pins.values())


def venv_key(interpreter: Interpreter, pins: list[str]) -> str:
    text = json.dumps({"python": interpreter.version, "requirements": pins}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_venv(
    profile: RuntimeProfile, interpreter: Interpreter, cache_dir: Path, timeout: float = 900
) -> tuple[Path, bool]:
    """The venv for `profile` (built now when missing) and whether it was already there."""
    pins = requirements(profile)
    root = cache_dir / "serve-check" / "venvs"
    root.mkdir(parents=True, exist_ok=True)
    key = venv_key(interpreter, pins)
    final = root / f"py{interpreter.version}-{key}"
    if (final / READY).is_file():
        return final, True
    with _locked(root / f"{key}.lock", timeout):
        if (final / READY).is_file():
            return final, True
        for leftover in root.glob(f".building-{key}-*"):  # a build that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        staging = root / f".building-{key}-{os.getpid()}"
        try:
            _build(staging, interpreter, pins, timeout)
            (staging / READY).write_text(json.dumps(pins, indent=1) + "\n", "utf-8")
            shutil.rmtree(final, ignore_errors=True)  # an unfinished leftover (no marker)
            os.rename(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return final, False


def uv_executable() -> str:
    """`uv` next to this Python (the project's venv) or on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("uv", path=search)
    if found is None:
        raise ToolError("uv is not installed", "pip install uv (scripts/bootstrap.sh does), then retry")
    return found


def _build(target: Path, interpreter: Interpreter, pins: list[str], timeout: float) -> None:
    uv = uv_executable()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    deadline = time.monotonic() + timeout
    _run(
        [uv, "venv", "--quiet", "--relocatable", "--python", str(interpreter.path), str(target)],
        env,
        deadline,
    )
    install = [
        uv,
        "pip",
        "install",
        "--quiet",
        "--compile-bytecode",
        "--python",
        str(target / "bin" / "python"),
    ]
    if pins:
        _run([*install, *pins], env, deadline)


def _run(args: list[str], env: dict[str, str], deadline: float) -> None:
    left = deadline - time.monotonic()
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=max(left, 1), check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildFailed("building the environment took too long (uv timed out)") from None
    if done.returncode != 0:
        raise BuildFailed(f"the profile's packages do not install: {_uv_reason(done.stderr)}")


def _uv_reason(stderr: str) -> str:
    """uv's explanation in one line (`Because ... we can conclude ...`)."""
    lines = [" ".join(line.strip(MARKS).split()) for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith("hint")]
    return " ".join(lines)[:400] or "uv failed"


def _pin(name: str, version: str) -> str:
    version = str(version).strip()
    return f"{name}{version}" if version.startswith(OPERATORS) else f"{name}=={version}"


def _at_least(version: str, floor: tuple[int, int]) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= floor


@contextlib.contextmanager
def _locked(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive lock on `path` (another run building the same venv is waited for)."""
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BuildFailed(f"another run is still building this environment ({path})") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
