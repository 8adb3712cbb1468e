"""External commands (kubectl kustomize, kubeconform, promtool): found, run, failures translated.

Commands are always run with an argument list (never a shell), with a timeout, and a missing
binary becomes a `ToolError` that says how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from generator.errors import ToolError

INSTALL_HINTS = {
    "kubeconform": "install it: go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0",
    "kubectl": "install kubectl (it includes kustomize) or pass --kubectl",
    "kustomize": "install kustomize or pass --kubectl pointing at kubectl",
    "promtool": "install promtool (Debian/Ubuntu: apt-get install prometheus)",
}
TIMEOUT_SECONDS = 300


def find(command: str) -> str:
    """The absolute path of `command` (a name on PATH or a path), or a `ToolError`."""
    found = shutil.which(command)
    if found is None:
        name = Path(command).name
        raise ToolError(f"{command} not found", INSTALL_HINTS.get(name, f"install {name}"))
    return found


def run(
    args: list[str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion and return it; exit codes are the caller's to judge."""
    executable = find(args[0])
    try:
        return subprocess.run(
            [executable, *args[1:]],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"{Path(args[0]).name} did not finish within {TIMEOUT_SECONDS}s") from None
    except OSError as exc:
        raise ToolError(f"could not run {args[0]}: {exc.strerror}") from None
