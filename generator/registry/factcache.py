"""The facts of model versions already read, kept on disk between syncs on the same machine.

A logged model's and a run's artifacts are immutable in MLflow in normal use (MLflow writes them
once when the model is logged; the registry points versions at them and never rewrites them), so
the facts read from a storage location stay true: a version checked once is not downloaded again
by the next sync, the webhook receiver or a local run sharing the cache directory. Someone who
overwrites files at a location in place (a hand-edited S3 prefix) can forget what was read by
deleting `<cache dir>/model-facts/`.

Only facts are kept, never failures, so a fixed upload is read again. Entries are keyed by a
hash of the location (and, for locations relative to a tracking server, of the tracking URI) and
spread over 256 small JSON files by the hash's first byte. A file is merged with what is on disk
and replaced atomically, so processes sharing the directory need no lock: at worst two writing
the same file at once drop each other's new entries, which are then read again. A corrupt,
unreadable or foreign file is a miss, never an error; a read-only or full disk only means nothing
is kept. At most `limit` entries are kept (about 600 bytes each): the oldest go first.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator import cachefile
from generator.model.runtime import ModelFacts

FOLDER = "model-facts"  # under the cache directory
FORMAT = 1
SHARDS = 256
DEFAULT_LIMIT = 100_000  # about 60 MB at most
RELATIVE_SCHEMES = ("mlflow-artifacts", "runs", "models", "")  # their meaning depends on the server


class FactCache:
    """`ModelFacts` by storage location, in `directory` (created when first written)."""

    def __init__(self, directory: Path, tracking_uri: str, limit: int = DEFAULT_LIMIT) -> None:
        self.directory, self.tracking_uri = directory, tracking_uri.rstrip("/")
        self.per_shard = max(1, limit // SHARDS)

    def known(self, uris: set[str]) -> dict[str, ModelFacts]:
        """The facts kept for each of `uris` that has any."""
        found = {}
        for shard, keys in _by_shard({self._key(uri): uri for uri in uris}).items():
            entries = self._entries(shard)
            for key, uri in keys.items():
                facts = _facts(entries.get(key))
                if facts is not None:
                    found[uri] = facts
        return found

    def keep(self, facts: dict[str, ModelFacts]) -> None:
        """Save `facts` (each exactly as JSON round-trips it, else not at all), the oldest beyond
        the limit dropped."""
        now = time.time()
        entries = {self._key(uri): _entry(one, now) for uri, one in facts.items()}
        for shard, added in _by_shard({k: v for k, v in entries.items() if v is not None}).items():
            merged = {**self._entries(shard), **added}
            newest = sorted(merged, key=lambda key: _saved(merged[key]), reverse=True)[: self.per_shard]
            self._write(shard, {key: merged[key] for key in newest})

    def _key(self, uri: str) -> str:
        scope = self.tracking_uri if urlsplit(uri).scheme in RELATIVE_SCHEMES else ""
        return hashlib.sha256(f"{scope}\n{uri}".encode()).hexdigest()

    def _path(self, shard: str) -> Path:
        return self.directory / f"{shard}.json"

    def _entries(self, shard: str) -> dict[str, Any]:
        """A shard's entries; none when it is absent, unreadable or not ours."""
        document = cachefile.read_json(self._path(shard))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return {}
        entries = document.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _write(self, shard: str, entries: dict[str, Any]) -> None:
        """Replace the shard (best effort: nothing kept means these versions are read again)."""
        cachefile.write_json(self._path(shard), {"format": FORMAT, "entries": entries})


def _by_shard(keyed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    shards: dict[str, dict[str, Any]] = {}
    for key, value in keyed.items():
        shards.setdefault(key[:2], {})[key] = value
    return shards


def _entry(facts: ModelFacts, now: float) -> dict[str, Any] | None:
    """The entry to save, or None when JSON would not give `facts` back exactly (a date ...)."""
    entry = {"saved": now, "facts": asdict(facts)}
    try:
        exact = _facts(json.loads(json.dumps(entry))) == facts
    except (TypeError, ValueError):
        return None
    return entry if exact else None


def _saved(entry: Any) -> float:
    saved = entry.get("saved") if isinstance(entry, dict) else None
    return float(saved) if isinstance(saved, int | float) else 0.0


def _facts(entry: Any) -> ModelFacts | None:
    """The facts of a shard's entry, or None when it is missing or malformed."""
    data = entry.get("facts") if isinstance(entry, dict) else None
    if not isinstance(data, dict):
        return None
    try:
        facts = ModelFacts(
            flavors=data["flavors"],
            mlflow_version=data["mlflow_version"],
            python=data["python"],
            requirements=data["requirements"],
            signature_required=data["signature_required"],
        )
    except KeyError:
        return None
    return facts if _well_typed(facts) else None


def _well_typed(facts: ModelFacts) -> bool:
    return (
        isinstance(facts.flavors, dict)
        and all(isinstance(k, str) and isinstance(v, dict) for k, v in facts.flavors.items())
        and isinstance(facts.mlflow_version, str)
        and isinstance(facts.python, str)
        and isinstance(facts.requirements, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in facts.requirements.items())
        and isinstance(facts.signature_required, bool)
    )
