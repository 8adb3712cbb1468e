"""Lightweight phase timing and progress: `with phase("registry"): ...` around each step of a sync.

Costs nothing unless someone is listening. A recorder (the benchmark's, via `recording()`) adds
each phase's wall time under its name; a watcher (the CLI's progress display on a terminal, via
`watching()`) is told when a phase begins and ends and, through `progress()`, how many of its
units (artifact checks, validation chunks, example versions) are done. No I/O, no dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

_recorders: list[dict[str, float]] = []


class Watcher(Protocol):
    """Someone showing progress: told about phases and the units done in them."""

    def begin(self, name: str) -> None: ...

    def update(self, name: str, done: int, total: int) -> None: ...

    def end(self, name: str) -> None: ...


_watchers: list[Watcher] = []


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the enclosed block into every active recorder and show it to every watcher."""
    if not _recorders and not _watchers:
        yield
        return
    for watcher in _watchers:
        watcher.begin(name)
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        for recorder in _recorders:
            recorder[name] = recorder.get(name, 0.0) + elapsed
        for watcher in _watchers:
            watcher.end(name)


def progress(name: str, done: int, total: int) -> None:
    """`done` of `total` units of phase `name` are finished (no-op when nobody watches)."""
    for watcher in _watchers:
        watcher.update(name, done, total)


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect `{phase: seconds}` for everything run inside the block."""
    recorder: dict[str, float] = {}
    _recorders.append(recorder)
    try:
        yield recorder
    finally:
        _recorders.remove(recorder)


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    """Tell `watcher` about every phase and its progress inside the block."""
    _watchers.append(watcher)
    try:
        yield
    finally:
        _watchers.remove(watcher)
