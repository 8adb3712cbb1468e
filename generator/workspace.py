"""The rendered/ directory on disk: read it, and replace it file by file, atomically.

Each file is written to a temporary file in the same directory and renamed over the old one,
so a crash never leaves a half-written manifest. Files of a managed environment that the new
tree no longer holds are deleted; empty directories are pruned.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".model-gitops-"


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its POSIX path relative to `root` (temporary files skipped)."""
    if not root.is_dir():
        return {}
    tree = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(TEMP_PREFIX):
            tree[path.relative_to(root).as_posix()] = path.read_bytes()
    return tree


def write_tree(root: Path, desired: dict[str, bytes], managed: list[str]) -> list[str]:
    """Make the `managed` top-level directories of `root` hold exactly `desired`.

    Returns the relative paths that were written or deleted, sorted.
    """
    current = {path: content for path, content in read_tree(root).items() if path.split("/", 1)[0] in managed}
    touched = []
    for path in sorted(desired):
        if current.get(path) != desired[path]:
            write_atomic(root / path, desired[path])
            touched.append(path)
    for path in sorted(set(current) - set(desired)):
        (root / path).unlink()
        touched.append(path)
    _prune_empty(root)
    return sorted(touched)


def write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune_empty(root: Path) -> None:
    if not root.is_dir():
        return
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
