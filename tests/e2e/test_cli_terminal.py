"""Progress on a terminal: drawn on stderr when it is a TTY (a real pseudo-terminal here), never
in pipes, logs or tests; stdout stays the plain report either way."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator import timing
from generator.cli import progress
from tests.e2e.test_sync import environment
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e


def on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run `model-gitops ARGS` with stderr on a pseudo-terminal; (exit code, stdout, terminal)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO once the child closed the terminal
            while data := os.read(master, 65536):
                chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out, _ = process.communicate(timeout=600)
    reader.join(timeout=30)
    os.close(master)
    return process.returncode, out.decode(), b"".join(chunks).decode("utf-8", "replace")


def test_long_steps_show_progress_on_a_terminal_and_nothing_elsewhere(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("tty")
    registry.create(f"{prefix}-model", 1, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    args = ["plan", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]

    code, out, terminal = on_a_terminal(args, gitops.worktree)
    assert code == 0, terminal
    for label in ("reading the MLflow registry", "checking model artifacts", "validating manifests"):
        assert label in terminal, terminal
    assert "\x1b" not in out and f"+ {prefix}-model 1" in out

    quiet = invoke(args, cwd=gitops.worktree)
    assert quiet.code == 0 and quiet.err == ""
    assert quiet.out.strip() == out.strip()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counted_phases_draw_a_bar_and_erase_it(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("TERM", "xterm")
    with progress.on_terminal(), timing.phase("examples"):
        timing.progress("examples", 3, 8)
        progress_shown = screen.getvalue()
    assert "creating example model versions" in screen.getvalue()
    assert progress_shown  # drawn while the phase runs
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.wanted(sys.stderr)
