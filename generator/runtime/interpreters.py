"""Find a Python interpreter of a given major.minor on this machine; never download one.

Looked for, in order: pyenv's versions (`$PYENV_ROOT` or `~/.pyenv`, newest patch first), then
`pythonX.Y` on PATH. Each candidate is run once to confirm its version (a pyenv shim on PATH for a
version that is not installed fails that test).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = re.compile(r"^(?P<major>[0-9]+)\.(?P<minor>[0-9]+)$")
PATCH = re.compile(r"^(?P<minor>[0-9]+\.[0-9]+)\.(?P<patch>[0-9]+)$")
PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


@dataclass(frozen=True)
class Interpreter:
    """A Python executable and its full version (`3.11.7`)."""

    path: Path
    version: str


def find_python(version: str, pyenv_root: Path | None = None, path: str | None = None) -> Interpreter | None:
    """An interpreter whose major.minor is `version` ("3.11"), or None when there is none here."""
    if VERSION.match(version) is None:
        return None
    for candidate in _candidates(version, pyenv_root or _pyenv_root(), path):
        found = _probe(candidate)
        if found is not None and found.rsplit(".", 1)[0] == version:
            return Interpreter(candidate, found)
    return None


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _candidates(version: str, pyenv_root: Path, path: str | None) -> list[Path]:
    found = []
    versions = pyenv_root / "versions"
    if versions.is_dir():
        installed = []
        for entry in versions.iterdir():
            match = PATCH.match(entry.name)
            if match and match.group("minor") == version:
                installed.append((int(match.group("patch")), entry))
        for _, entry in sorted(installed, reverse=True):
            found.append(entry / "bin" / f"python{version}")
    on_path = shutil.which(f"python{version}", path=path)
    if on_path:
        found.append(Path(on_path))
    return [p for p in found if p.is_file()]


def _probe(executable: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(executable), "-c", PROBE], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 and PATCH.match(text) else None
