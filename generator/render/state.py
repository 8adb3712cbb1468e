"""Read what Git already holds: the rendered tree parsed into a `CurrentState`. Pure.

The caller (the workspace) supplies the files' bytes; this module only parses them, so the
current state can come from disk, from a Git tree, or from a test.
"""

from __future__ import annotations

from collections.abc import Collection

from generator import targets, yamlio
from generator.model import CurrentState, Deployed


def current_state(files: dict[str, bytes], directories: Collection[str] | None = None) -> CurrentState:
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
        found = read_deployed(target, parts[1], files[path])
        if found is not None:
            deployed.setdefault(parts[0], {})[found.model] = found
    return CurrentState(deployed=deployed, files=dict(files))


def read_deployed(target: targets.ServingTarget, directory: str, content: bytes) -> Deployed | None:
    """One serving document's deployment (None when it is not one of ours or not YAML)."""
    try:
        document = yamlio.load(content.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    found = target.read_back(document)
    if found is None:
        return None
    return Deployed(
        found.model, found.version, directory, found.annotations, found.predictor, found.served_by
    )
