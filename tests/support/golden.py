"""Golden files: compare bytes, or rewrite them when UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def assert_golden(relative: str, actual: str | bytes) -> None:
    path = GOLDEN / relative
    data = actual.encode() if isinstance(actual, str) else actual
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.is_file(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes()
    assert data == expected, f"{relative} differs from its golden file (UPDATE_GOLDEN=1 to accept)"
