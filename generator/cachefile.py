"""JSON files in the cache directory: read leniently, replaced atomically.

Everything under the cache directory can be rebuilt (`docs/operations.md`), so a file that is
missing, unreadable or not JSON reads as None, and one that cannot be written is simply not
kept: never an error. A write goes to a unique temporary file beside the target and is renamed
over it, so concurrent runs and threads only ever see a whole file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_json(path: Path) -> Any:
    """The file's JSON, or None when it is missing, unreadable or not JSON."""
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Replace `path` with `data` as compact JSON (keys sorted); best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(json.dumps(data, separators=(",", ":"), sort_keys=True))
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
