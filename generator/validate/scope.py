"""What a validation run has to build: which files, in how many `kubectl kustomize` runs.

kustomize's resource map grows quadratically with the resources of one build
(kubernetes-sigs/kustomize#5084): here 2000 resources take ~5 s and 4000 ~20 s, so an environment
with thousands of models cannot be built at once and stay linear. Two rules keep it linear:

- When the caller passes what rendered/ already holds (validated when it was written), only the
  resources whose bytes changed are built and checked. Anything else that changed (the
  kustomization itself, a file that is not a resource, a deletion) means the whole environment.
- An environment whose kustomization only sets per-resource things (namespace, labels) is built
  in chunks of at most `CHUNK` resources: such a resource's output does not depend on the others.
  Any other kustomization is built at once, exactly as written.

`Sources` maps a built resource back to the file of the build that holds it, for messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator import yamlio
from generator.model.layout import KUSTOMIZATION_FILE

CHUNK = 500  # ~0.8 s per run here; 4 x 500 resources cost a third of 1 x 2000
PER_RESOURCE_KEYS = frozenset({"apiVersion", "kind", "namespace", "labels", "resources"})


@dataclass(frozen=True)
class Build:
    """One kustomize run: `files` (paths relative to rendered/<env>) including its kustomization."""

    env: str
    index: int
    files: dict[str, bytes]


def builds(files: Mapping[str, bytes], env: str, previous: Mapping[str, bytes] | None = None) -> list[Build]:
    """The kustomize runs that validate `env` (none when nothing in it changed since `previous`)."""
    mine = _under(files, env)
    if KUSTOMIZATION_FILE not in mine:
        return []
    before = _under(previous, env) if previous is not None else None
    changed = {path for path, content in mine.items() if before is None or before.get(path) != content}
    deleted = before is not None and not set(before) <= set(mine)
    if not changed and not deleted:
        return []
    kustomization = _kustomization(mine[KUSTOMIZATION_FILE])
    resources = _chunkable_resources(kustomization, mine)
    if kustomization is None or resources is None:
        return [Build(env, 0, mine)]
    scope = resources if deleted or not changed <= set(resources) else [r for r in resources if r in changed]
    if scope == resources and len(scope) <= CHUNK:
        return [Build(env, 0, mine)]
    return [
        Build(
            env, index, {**{r: mine[r] for r in chunk}, KUSTOMIZATION_FILE: _narrowed(kustomization, chunk)}
        )
        for index, chunk in enumerate(_chunks(scope))
    ]


def _under(files: Mapping[str, bytes], env: str) -> dict[str, bytes]:
    prefix = f"{env}/"
    return {path[len(prefix) :]: content for path, content in files.items() if path.startswith(prefix)}


def _kustomization(content: bytes) -> dict[str, object] | None:
    try:
        document = yamlio.load(content.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _chunkable_resources(
    kustomization: dict[str, object] | None, files: Mapping[str, bytes]
) -> list[str] | None:
    """The resource files, if the kustomization only transforms each resource on its own."""
    if kustomization is None or not set(kustomization) <= PER_RESOURCE_KEYS:
        return None
    resources = kustomization.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, str) and r in files for r in resources):
        return None  # remote bases, directories, missing files: kustomize reports them
    return list(resources)


def _narrowed(kustomization: dict[str, object], resources: list[str]) -> bytes:
    return yamlio.dump({**kustomization, "resources": resources}).encode()


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def resource_name(document: dict[object, object]) -> str | None:
    """`metadata.name` when it is a string."""
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


class Sources:
    """Which file of a build holds a resource, for messages. Parsed on first use only (problems are rare)."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._files = files
        self._index: dict[tuple[object, str], str] | None = None

    def find(self, kind: str, name: str | None) -> str | None:
        if self._index is None:
            self._index = {}
            for path, content in sorted(self._files.items()):
                for document in (_documents(content) or []) if path != KUSTOMIZATION_FILE else []:
                    key = (document.get("kind"), resource_name(document) or "")
                    self._index.setdefault(key, path)
        return self._index.get((kind, name or ""))

    def unreadable(self) -> list[str]:
        """The files whose YAML cannot be read (too deep, or not YAML at all)."""
        return [path for path, content in sorted(self._files.items()) if _documents(content) is None]


def _documents(content: bytes) -> list[dict[object, object]] | None:
    """The file's resources, a `List`'s items in its place (kustomize builds them so)."""
    try:
        documents = yamlio.load_all(content.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    found = [document for document in documents if isinstance(document, dict)]
    return [item for document in found for item in _listed(document)]


def _listed(document: dict[object, object]) -> list[dict[object, object]]:
    items = document.get("items") if document.get("kind") == "List" else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else [document]
