"""The rendered/ directory on disk: read it, and replace it all-or-nothing.

A write first puts every new file next to its target as a temporary file and flushes them all to
disk (one `os.sync()`, not one fsync per file: thousands of files per run), then writes
a journal (atomically) listing the renames and deletions, applies them, and removes the journal.
A run killed before the journal exists leaves the previous tree (its temporary files are swept
by the next run); a run killed after it is rolled forward by the next run. So rendered/ always
holds the previous state or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".model-gitops-"
JOURNAL = ".model-gitops-journal.json"


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its POSIX path relative to `root` (after crash recovery)."""
    if not root.is_dir():
        return {}
    recover(root)
    return {path: (root / path).read_bytes() for path in _paths(root)}


def _paths(root: Path) -> list[str]:
    """Relative POSIX paths of the files under `root` (temporary files skipped), sorted."""
    if not root.is_dir():
        return []
    found = (p for p in root.rglob("*") if p.is_file() and not p.name.startswith(TEMP_PREFIX))
    return sorted(p.relative_to(root).as_posix() for p in found)


def write_tree(root: Path, desired: dict[str, bytes], managed: list[str]) -> list[str]:
    """Make the `managed` top-level directories of `root` hold exactly `desired`.

    Returns the relative paths that were written or deleted, sorted.
    """
    if root.is_dir():
        recover(root)
    existing = [p for p in _paths(root) if p.split("/", 1)[0] in managed]
    # Compared one file at a time: holding the old tree next to `desired` would double the memory.
    unchanged = {p for p in existing if p in desired and (root / p).read_bytes() == desired[p]}
    writes = {p: c for p, c in desired.items() if p not in unchanged}
    deletions = sorted(set(existing) - set(desired))
    if not writes and not deletions:
        return []
    renames = {path: _stage(root / path, content, fsync=False) for path, content in sorted(writes.items())}
    os.sync()  # one flush of every staged file (per-file fsyncs cost ~1 ms each, thousands per run)
    journal: dict[str, object] = {"renames": {p: t.name for p, t in renames.items()}, "deletions": deletions}
    write_atomic(root / JOURNAL, json.dumps(journal, sort_keys=True).encode())
    _apply(root, journal)
    return sorted([*writes, *deletions])


def recover(root: Path) -> None:
    """Finish an interrupted write (journal present) or sweep its leftovers (no journal)."""
    journal_path = root / JOURNAL
    if journal_path.is_file():
        _apply(root, json.loads(journal_path.read_text("utf-8")))
    for leftover in root.rglob(f"{TEMP_PREFIX}*"):
        if leftover.is_file():
            leftover.unlink()
    _prune_empty(root)


def write_atomic(path: Path, content: bytes) -> None:
    """Write one file so that readers see the old or the new content, never a part."""
    temporary = _stage(path, content)
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _stage(path: Path, content: bytes, fsync: bool = True) -> Path:
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    name = str(path.parent / f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    try:  # a name of our own (O_EXCL) is cheaper than mkstemp's random tries, per file
        descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        descriptor, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _apply(root: Path, journal: dict[str, object]) -> None:
    renames = journal.get("renames") or {}
    assert isinstance(renames, dict)
    for relative, temporary in sorted(renames.items()):
        staged = (root / relative).parent / temporary
        if staged.is_file():
            os.replace(staged, root / relative)
    for relative in journal.get("deletions") or []:  # type: ignore[attr-defined]
        (root / relative).unlink(missing_ok=True)
    _fsync_directory(root)
    (root / JOURNAL).unlink(missing_ok=True)
    _prune_empty(root)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prune_empty(root: Path) -> None:
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
