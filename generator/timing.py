"""Lightweight phase timing: `with phase("registry"): ...` around each step of a sync.

Costs nothing unless someone is recording (the benchmark does, via `recording()`); then each
phase's wall time is added to the recorder under its name. No I/O, no dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_recorders: list[dict[str, float]] = []


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the enclosed block into every active recorder (no-op when none is active)."""
    if not _recorders:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        for recorder in _recorders:
            recorder[name] = recorder.get(name, 0.0) + elapsed


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect `{phase: seconds}` for everything run inside the block."""
    recorder: dict[str, float] = {}
    _recorders.append(recorder)
    try:
        yield recorder
    finally:
        _recorders.remove(recorder)
