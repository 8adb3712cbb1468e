"""A scoped run: only some registered models (`sync --model`, a webhook batch). Pure.

The run reads only the named models from the registry and parses only their directories of
rendered/. Every other model directory of a planned environment that holds a serving document is
*untouched*: its files stay byte for byte as Git has them, the kustomization still lists it, and
the environment-wide monitoring still watches it. The environment's own files (kustomization,
environment-wide monitoring) and Argo CD's are rendered from the configuration as in any run. So
a scoped run writes what a full run would for the named models, and leaves every other model
as it was; the scheduled full sync reconciles those.

An environment delivered by pull request is always planned whole: its pull request carries
every pending change of the environment, and a run that saw only some models would drop the
others' from it (or close it). So a run selecting such an environment is not scoped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from generator.model import Snapshot
from generator.plan.naming import resource_name
from generator.plan.planner import Plan


def models_for(models: list[str], reviewed: list[str]) -> tuple[list[str], list[str]]:
    """(the models a run is limited to, [] for all; a warning when a scope had to be dropped).

    `reviewed`: the selected environments delivered by pull request."""
    if not models or not reviewed:
        return models, []
    shown = ", ".join(reviewed)
    return [], [
        f"every model synced, not only the ones named: {shown} delivered by pull request, planned whole"
    ]


def directories(models: Iterable[str]) -> set[str]:
    """The rendered/ directories of `models` (their resource names)."""
    return {resource_name(model) for model in models}


def scoped_snapshot(snapshot: Snapshot, models: Collection[str]) -> Snapshot:
    """`snapshot` with only `models` (whatever the reader returned besides)."""
    return replace(
        snapshot,
        models={name: found for name, found in snapshot.models.items() if name in models},
        versions={key: found for key, found in snapshot.versions.items() if key[0] in models},
    )


def untouched(
    paths: Iterable[str], serving_files: Mapping[str, str], scoped: Collection[str]
) -> dict[str, list[str]]:
    """Per environment, the model directories outside `scoped` that hold the environment's
    serving document (`serving_files`: environment -> file name), from rendered/ paths."""
    found: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        if len(parts) == 3 and serving_files.get(parts[0]) == parts[2] and parts[1] not in scoped:
            found.setdefault(parts[0], set()).add(parts[1])
    return {env: sorted(dirs) for env, dirs in found.items()}


def with_untouched(plan: Plan, found: Mapping[str, list[str]]) -> Plan:
    """`plan` whose environments keep their untouched directories."""
    environments = {
        name: replace(env_plan, untouched=found.get(name, [])) for name, env_plan in plan.environments.items()
    }
    return replace(plan, environments=environments)
