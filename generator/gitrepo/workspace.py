"""The rendered/ directory on disk: read it, and replace it all-or-nothing.

A write first puts every new file next to its target as a temporary file and flushes them all to
disk (one `os.sync()`, not one fsync per file: thousands of files per run), then writes
a journal (atomically) listing the renames and deletions, applies them, and removes the journal.
A run killed before the journal exists leaves the previous tree (its temporary files are swept
by the next run); a run killed after it is rolled forward by the next run. So rendered/ always
holds the previous state or the new one, never a mix.

Nothing but plain files and directories is accepted under rendered/: a symbolic link (to a
directory or a file, committed or not), a fifo, a socket or a device stops the run before
anything is read or written, so nothing outside the repository is ever read or written through
it. Journal entries must be plain relative paths for the same reason.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from generator.errors import GitError, redact
from generator.printable import printable

TEMP_PREFIX = ".model-gitops-"
JOURNAL = ".model-gitops-journal.json"


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its POSIX path relative to `root` (after crash recovery)."""
    if not os.path.lexists(root):
        return {}
    base = os.fspath(root)
    return {path: _read(os.path.join(base, path)) for path in recover(root)}


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _walk(root: Path) -> tuple[list[str], list[str]]:
    """(files, directories) under `root` as sorted relative POSIX paths; links are never followed.

    Raises `GitError` naming the first entry that is not a plain file or directory.
    """
    if not os.path.lexists(root):
        return [], []
    _check(root, os.lstat(root), directory=True)
    files, directories, pending = [], [], [""]
    base = os.fspath(root)
    while pending:
        relative = pending.pop()
        with os.scandir(os.path.join(base, relative) if relative else base) as entries:
            for entry in entries:
                path = f"{relative}/{entry.name}" if relative else entry.name
                if entry.is_dir(follow_symlinks=False):  # the directory entry's type: no stat call
                    directories.append(path)
                    pending.append(path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(path)
                else:
                    _check(root / path, entry.stat(follow_symlinks=False))
    return sorted(files), sorted(directories)


def _check(path: Path, status: os.stat_result, directory: bool = False) -> None:
    """Refuse anything but a plain file or directory (a plain directory for `directory`)."""
    mode = status.st_mode
    if stat.S_ISDIR(mode) or (stat.S_ISREG(mode) and not directory):
        return
    if stat.S_ISLNK(mode):
        what = f"is a symbolic link (to {printable(redact(os.readlink(path)))})"
    elif directory:
        what = "is not a directory"
    else:
        what = "is not a regular file or directory (a fifo, socket or device)"
    raise GitError(
        f"{_shown(path)} {what}",
        "model-gitops never follows links under rendered/ and writes only plain files there: "
        "remove it (`git rm` it if it is committed, and commit), then run again; nothing was written",
    )


def _shown(path: Path) -> str:
    """`path` as the user would type it: relative to the working directory when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return printable(absolute.relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        return printable(str(absolute))


def write_tree(
    root: Path, desired: dict[str, bytes], managed: list[str], known: Mapping[str, bytes] | None = None
) -> list[str]:
    """Make the `managed` top-level directories of `root` hold exactly `desired`.

    `known` is what this run read from `root` earlier (`read_tree`), so unchanged files need not be
    read again. Returns the relative paths that were written or deleted, sorted.
    """
    found = recover(root) if root.is_dir() else []
    existing = [p for p in found if p.split("/", 1)[0] in managed]
    known = known or {}
    # Compared one file at a time: holding the old tree next to `desired` would double the memory.
    unchanged = {p for p in existing if p in desired and _holds(root, p, desired[p], known.get(p))}
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


def _holds(root: Path, path: str, content: bytes, known: bytes | None) -> bool:
    """Whether the file at `path` holds `content` (as `known` says, else as the disk says)."""
    if known is not None:
        return known is content or known == content
    return (root / path).read_bytes() == content


def recover(root: Path) -> list[str]:
    """Finish an interrupted write (journal present) or sweep its leftovers (no journal).

    Returns the files under `root` afterwards (sorted relative POSIX paths)."""
    files, directories = _walk(root)
    if JOURNAL in files:
        try:
            journal = json.loads((root / JOURNAL).read_bytes())
        except ValueError:
            raise _foreign_journal(root) from None
        if not isinstance(journal, dict):
            raise _foreign_journal(root)
        _apply(root, journal)
        files, directories = _walk(root)
    leftovers = [path for path in files if PurePosixPath(path).name.startswith(TEMP_PREFIX)]
    for leftover in leftovers:
        (root / leftover).unlink()
    swept = set(leftovers)
    kept = [path for path in files if path not in swept]
    _prune_empty(root, kept, directories)
    return kept


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
    deletions = journal.get("deletions") or []
    if not isinstance(renames, dict) or not isinstance(deletions, list):
        raise _foreign_journal(root)
    for relative, temporary in sorted(renames.items()):
        if not _plain(relative) or not _plain(temporary) or "/" in temporary:
            raise _foreign_journal(root)
        staged = (root / relative).parent / temporary
        if staged.is_file():
            os.replace(staged, root / relative)
    for relative in deletions:
        if not _plain(relative):
            raise _foreign_journal(root)
        (root / relative).unlink(missing_ok=True)
    _fsync_directory(root)
    (root / JOURNAL).unlink(missing_ok=True)
    if deletions:
        files, directories = _walk(root)
        _prune_empty(root, files, directories)


def _plain(relative: object) -> bool:
    """A relative path that stays below the directory it is relative to."""
    if not isinstance(relative, str) or not relative or relative.startswith("/") or "\0" in relative:
        return False
    return all(part not in ("", ".", "..") for part in relative.split("/"))


def _foreign_journal(root: Path) -> GitError:
    return GitError(
        f"{_shown(root / JOURNAL)} is not a journal model-gitops wrote (unreadable, or naming paths "
        f"outside {_shown(root)})",
        "delete it (`git rm` it if it is committed) and run again; nothing was written",
    )


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prune_empty(root: Path, files: list[str], directories: list[str]) -> None:
    """Remove the directories under `root` that hold no file (at any depth), deepest first."""
    holding = {parent for path in files for parent in _parents(path)}
    for directory in reversed(directories):
        if directory not in holding:
            (root / directory).rmdir()


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]
