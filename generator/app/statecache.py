"""What rendered/'s serving documents said, remembered between runs in the cache directory, so
a run parses only the documents that changed since the last one (`render.state.Memo`).

Entries are keyed by the target and the document's bytes (sha256), and the file is stamped with a
fingerprint of the code that reads documents (the targets, `yamlio`, `render.state`): a new
version of the tool starts afresh. A full run keeps only the entries it used, so the file stays the
size of rendered/; a scoped run adds to it. Anything unreadable is ignored (the documents are
parsed again); the file is replaced atomically, so concurrent runs only lose entries, never
read a torn file.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from generator import cachefile
from generator.render import state
from generator.targets.base import ReadBack

FILE = "rendered-state.json"
_READERS = ("targets", "yamlio", "render/state.py", "model")


def load(cache_dir: Path) -> state.Memo:
    """A memo of what earlier runs read (empty when there is none or it cannot be read)."""
    data = cachefile.read_json(cache_dir / FILE)
    try:
        if data.get("fingerprint") != fingerprint():
            return state.Memo()
        return state.Memo(known={key: _entry(value) for key, value in data["entries"].items()})
    except (ValueError, TypeError, KeyError, AttributeError):
        return state.Memo()


def save(cache_dir: Path, memo: state.Memo, scoped: bool) -> None:
    """Remember this run's entries (and, after a scoped run, the earlier ones too); best effort."""
    if not memo.parsed and (scoped or len(memo.used) == len(memo.known)):
        return  # nothing new to remember
    entries = {**memo.known, **memo.used} if scoped else memo.used
    data = {"fingerprint": fingerprint(), "entries": {k: _plain(v) for k, v in entries.items()}}
    cachefile.write_json(cache_dir / FILE, data)


@cache
def fingerprint() -> str:
    """A hash of the source of everything that turns a document's bytes into a `ReadBack`."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in _READERS:
        found = package / name
        for path in sorted(found.rglob("*.py")) if found.is_dir() else [found]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _plain(found: ReadBack | None) -> list[Any] | None:
    if found is None:
        return None
    return [found.model, found.version, found.annotations, found.predictor, found.served_by]


def _entry(value: Any) -> ReadBack | None:
    if value is None:
        return None
    model, version, annotations, predictor, served_by = value
    if not all(isinstance(v, str) for v in (model, version, predictor, served_by)):
        raise TypeError("not an entry")
    if not isinstance(annotations, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
    ):
        raise TypeError("not an entry")
    return ReadBack(model, version, annotations, predictor, served_by)
