"""Progress of long steps on a terminal (rich), and nothing at all anywhere else.

Only when stderr is a terminal (and TERM is not `dumb`): a transient spinner per phase of the
run (`generator.timing` phases: reading the registry, checking artifacts, validating, committing
and pushing, creating the demo registry), with a bar when the phase reports counted units. It is
drawn on stderr and erased when the phase ends, so stdout stays the report; in logs, pipes and
tests nothing is drawn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from generator import timing

LABELS = {
    "state": "reading rendered/",
    "registry": "reading the MLflow registry",
    "metrics": "reading Prometheus",
    "plan+render": "planning and rendering",
    "artifacts": "checking model artifacts",
    "validate": "validating manifests",
    "write+git": "committing and pushing",
    "write-back": "tagging model versions in MLflow",
    "examples": "creating example model versions",
}


class RichProgress:
    """A `timing.Watcher` drawing one transient task per phase on `stream`."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(file=stream, stderr=True)
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.tasks: dict[str, Any] = {}

    def begin(self, name: str) -> None:
        if not self.tasks:
            self.bar.start()
        self.tasks[name] = self.bar.add_task(LABELS.get(name, name), total=None)
        self.bar.refresh()

    def update(self, name: str, done: int, total: int) -> None:
        if name in self.tasks:
            self.bar.update(self.tasks[name], completed=done, total=total)

    def end(self, name: str) -> None:
        task = self.tasks.pop(name, None)
        if task is not None:
            self.bar.remove_task(task)
        if not self.tasks:
            self.bar.stop()


def wanted(stream: IO[str]) -> bool:
    """Draw progress only on an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


@contextmanager
def on_terminal() -> Iterator[None]:
    """Show the phases run inside the block on stderr, if stderr is a terminal."""
    stream = sys.stderr
    if not wanted(stream):
        yield
        return
    with timing.watching(RichProgress(stream)):
        yield
