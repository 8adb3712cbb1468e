"""Read what Git already holds: the rendered tree parsed into a `CurrentState`. Pure.

The caller (the workspace) supplies the files' bytes; this module only parses them, so the
current state can come from disk, from a Git tree, or from a test.
"""

from __future__ import annotations

from generator import yamlio
from generator.model import CurrentState, Deployed
from generator.model.layout import ANNOTATION_PREFIX, SELDON_FILE


def current_state(files: dict[str, bytes]) -> CurrentState:
    """Parse `<env>/<dir>/seldondeployment.yaml` files (paths relative to rendered/)."""
    deployed: dict[str, dict[str, Deployed]] = {}
    for path in sorted(files):
        parts = path.split("/")
        if len(parts) != 3 or parts[2] != SELDON_FILE:
            continue
        found = _deployed(parts[1], files[path])
        if found is not None:
            deployed.setdefault(parts[0], {})[found.model] = found
    return CurrentState(deployed=deployed, files=dict(files))


def _deployed(directory: str, content: bytes) -> Deployed | None:
    try:
        document = yamlio.load(content.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    annotations = (document.get("metadata") or {}).get("annotations") or {}
    model = annotations.get(f"{ANNOTATION_PREFIX}model")
    version = annotations.get(f"{ANNOTATION_PREFIX}version")
    if not isinstance(model, str) or not isinstance(version, str):
        return None
    return Deployed(model, version, directory, {str(k): str(v) for k, v in annotations.items()})
