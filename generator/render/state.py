"""Read what Git already holds: the rendered tree parsed into a `CurrentState`. Pure.

The caller (the workspace) supplies the files' bytes; this module only parses them, so the
current state can come from disk, from a Git tree, or from a test. A `Memo` lets the caller
remember what each serving document said, by its bytes, between runs (`app.statecache`), so
only documents that changed are parsed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from generator import targets, yamlio
from generator.model import CurrentState, Deployed
from generator.targets.base import ReadBack


@dataclass
class Memo:
    """What serving documents said (None: not one of ours), by target and content hash: `known`
    from earlier runs, `used` what this run needed (looked up or parsed)."""

    known: Mapping[str, ReadBack | None] = field(default_factory=dict)
    used: dict[str, ReadBack | None] = field(default_factory=dict)
    parsed: int = 0

    def read_back(self, target: targets.ServingTarget, content: bytes) -> ReadBack | None:
        key = f"{target.name}:{hashlib.sha256(content).hexdigest()}"
        if key in self.known:
            found = self.known[key]
        else:
            found = _read_back(target, content)
            self.parsed += 1
        self.used[key] = found
        return found


def current_state(
    files: dict[str, bytes], directories: Collection[str] | None = None, memo: Memo | None = None
) -> CurrentState:
    """Parse `<env>/<dir>/<serving file>` files (paths relative to rendered/), any target's.

    With `directories` (a scoped run), only the serving files of those model directories are
    parsed; the others stay bytes in `files`.
    """
    deployed: dict[str, dict[str, Deployed]] = {}
    for path in sorted(files):
        parts = path.split("/")
        if directories is not None and (len(parts) != 3 or parts[1] not in directories):
            continue
        target = targets.by_file(parts[2]) if len(parts) == 3 else None
        if target is None:
            continue
        found = read_deployed(target, parts[1], files[path], memo)
        if found is not None:
            deployed.setdefault(parts[0], {})[found.model] = found
    return CurrentState(deployed=deployed, files=dict(files))


def read_deployed(
    target: targets.ServingTarget, directory: str, content: bytes, memo: Memo | None = None
) -> Deployed | None:
    """One serving document's deployment (None when it is not one of ours or not YAML)."""
    found = memo.read_back(target, content) if memo is not None else _read_back(target, content)
    if found is None:
        return None
    return Deployed(
        found.model, found.version, directory, found.annotations, found.predictor, found.served_by
    )


def _read_back(target: targets.ServingTarget, content: bytes) -> ReadBack | None:
    try:
        document = yamlio.load(content.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    return target.read_back(document)
