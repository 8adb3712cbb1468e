"""Serving targets, registered by name: a new target is one module plus one line in `TARGETS`.

Like pre-commit's languages: `ServingTarget` (in `base`) is the protocol, `TARGETS` the registry
dict, and an environment picks one with `target:` (default `seldon-v1`). Render, validation, the
reading of rendered/ and Argo CD's health checks look targets up here; plan, rollout, delivery
and the CLI never name one.
"""

from __future__ import annotations

from generator.targets import kserve, seldon_v1, seldon_v2
from generator.targets.base import ReadBack, ServingTarget

DEFAULT = seldon_v1.TARGET.name
TARGETS: dict[str, ServingTarget] = {
    seldon_v1.TARGET.name: seldon_v1.TARGET,
    kserve.TARGET.name: kserve.TARGET,
    seldon_v2.TARGET.name: seldon_v2.TARGET,
}


def get(name: str) -> ServingTarget:
    """The target registered as `name` (names are checked when environment files load)."""
    return TARGETS[name]


def by_file(file_name: str) -> ServingTarget | None:
    """The target whose serving documents are named `file_name`."""
    return next((t for t in TARGETS.values() if t.file_name == file_name), None)


def by_kind(api_version: object, kind: object) -> ServingTarget | None:
    """The target that renders documents of this API group (any version of it) and kind (its
    `kind`, or one of its optional `companion_kinds`, rendered next to it)."""
    group = str(api_version).split("/")[0]
    return next(
        (
            t
            for t in TARGETS.values()
            if t.api_version.split("/")[0] == group and kind in (t.kind, *getattr(t, "companion_kinds", ()))
        ),
        None,
    )


def crds(target: ServingTarget) -> list[str]:
    """The CRD locations a target's documents are validated against (none for a core kind)."""
    found = [target.crd] if isinstance(target.crd, str) else list(target.crd)
    return [crd for crd in found if crd]


__all__ = ["DEFAULT", "TARGETS", "ReadBack", "ServingTarget", "by_file", "by_kind", "crds", "get"]
