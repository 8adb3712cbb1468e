"""The facts of model versions already read, kept on disk between syncs on the same machine.

A logged model's and a run's artifacts are immutable in MLflow in normal use (MLflow writes them
once when the model is logged; the registry points versions at them and never rewrites them), so
the facts read from a storage location stay true: a version checked once is not downloaded again
by the next sync, the webhook receiver or a local run sharing the cache directory. Someone who
overwrites files at a location in place (a hand-edited S3 prefix) can forget what was read by
deleting `<cache dir>/model-facts/`.

Only facts are kept, never failures, so a fixed upload is read again. One small JSON file per
location (named by a hash of the location and, for locations relative to a tracking server, of
the tracking URI), each written atomically; processes sharing the directory need no lock. A
corrupt, unreadable or foreign file is a miss, never an error; a read-only or full disk only
means nothing is kept. At most `limit` files are kept: the least recently used go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.model.runtime import ModelFacts

FORMAT = 1
DEFAULT_LIMIT = 20_000  # a few hundred bytes each: a few MB at most
RELATIVE_SCHEMES = ("mlflow-artifacts", "runs", "models", "")  # their meaning depends on the server


class FactCache:
    """`ModelFacts` by storage location, in `directory` (created when first written)."""

    def __init__(self, directory: Path, tracking_uri: str, limit: int = DEFAULT_LIMIT) -> None:
        self.directory, self.tracking_uri, self.limit = directory, tracking_uri.rstrip("/"), limit

    def known(self, uris: set[str]) -> dict[str, ModelFacts]:
        """The facts kept for each of `uris` that has any."""
        found = {}
        for uri in uris:
            facts = self._load(self._key(uri))
            if facts is not None:
                found[uri] = facts
        return found

    def keep(self, facts: dict[str, ModelFacts]) -> None:
        """Save `facts` (each exactly as JSON round-trips it, else not at all), then trim."""
        written = sum(self._save(self._key(uri), one) for uri, one in facts.items())
        if written:
            self._trim()

    def _key(self, uri: str) -> str:
        scope = self.tracking_uri if urlsplit(uri).scheme in RELATIVE_SCHEMES else ""
        return hashlib.sha256(f"{scope}\n{uri}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def _load(self, key: str) -> ModelFacts | None:
        path = self._path(key)
        try:
            document = json.loads(path.read_text("utf-8"))
            facts = _facts(document, key)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # absent, unreadable or corrupt: read the artifacts again
        if facts is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: trimmed last
        return facts

    def _save(self, key: str, facts: ModelFacts) -> bool:
        document = {"format": FORMAT, "key": key, "facts": asdict(facts)}
        try:
            text = json.dumps(document, sort_keys=True)
            if _facts(json.loads(text), key) != facts:
                return False  # a value JSON cannot carry exactly (a date, a tuple ...): not kept
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self._path(key), text)
        except (OSError, TypeError, ValueError):
            return False
        return True

    def _trim(self) -> None:
        """Delete the least recently used files beyond `limit` (down to 90% of it)."""
        try:
            entries = [(entry.stat().st_mtime, entry.path) for entry in os.scandir(self.directory)]
        except OSError:
            return
        if len(entries) <= self.limit:
            return
        for _, path in sorted(entries)[: len(entries) - self.limit * 9 // 10]:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _facts(document: Any, key: str) -> ModelFacts | None:
    """The facts in a cache file's document, or None when it is not one of ours for `key`."""
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("key") != key:
        return None
    data = document["facts"]
    facts = ModelFacts(
        flavors=data["flavors"],
        mlflow_version=data["mlflow_version"],
        python=data["python"],
        requirements=data["requirements"],
        signature_required=data["signature_required"],
    )
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


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
