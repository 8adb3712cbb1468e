"""Where logged models' and runs' artifacts live, remembered between runs in the cache directory.

MLflow records a logged model's `artifact_location` and a run's `artifact_uri` when it creates
them and never changes them, yet resolving every aliased version's `models:/m-...` source costs
a search per `POST_BATCH` ids (6 requests, about 1 s of the server's time, at 1000 models x 3
environments). So the reader asks only for ids it has not seen. One file per tracking URI (named by
its hash: a URI may hold credentials); a full run keeps only the ids it used, so the file stays
the size of the registry's aliased versions, and a scoped run adds to it. Anything unreadable is
ignored (the ids are looked up again); the file is replaced atomically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from generator import cachefile

FOLDER = "registry-locations"
KINDS = ("logged_models", "runs")


class Locations:
    """Known locations by kind (`KINDS`) and id; `save` writes them back (best effort)."""

    def __init__(self, cache_dir: Path | None, tracking_uri: str) -> None:
        digest = hashlib.sha256(tracking_uri.encode()).hexdigest()[:24]
        self.path = cache_dir / FOLDER / f"{digest}.json" if cache_dir is not None else None
        self.known: dict[str, dict[str, str]] = self._load()
        self.used: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}

    def recall(self, kind: str, ids: Iterable[str]) -> dict[str, str]:
        """The remembered locations of `ids` (those not remembered are left out)."""
        found = {i: self.known[kind][i] for i in ids if i in self.known[kind]}
        self.used[kind].update(found)
        return found

    def remember(self, kind: str, found: dict[str, str]) -> None:
        self.used[kind].update(found)

    def save(self, scoped: bool) -> None:
        """Keep this run's locations (with the earlier ones after a scoped run)."""
        if self.path is None:
            return
        kept = {
            kind: {**self.known[kind], **self.used[kind]} if scoped else self.used[kind] for kind in KINDS
        }
        if kept == self.known:
            return
        cachefile.write_json(self.path, kept)

    def _load(self) -> dict[str, dict[str, str]]:
        empty: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        if self.path is None:
            return empty
        data = cachefile.read_json(self.path)
        try:
            return {kind: {str(k): str(v) for k, v in dict(data.get(kind, {})).items()} for kind in KINDS}
        except (ValueError, TypeError, AttributeError):
            return empty
