"""Which versions the serve check looks at, in which environments. Pure.

- named on the command line: `MODEL` (the version the environment's alias points at) or
  `MODEL@VERSION`, in every selected environment that deploys the model;
- nothing named: every model each environment's alias points at;
- `--changed-since REF`: what rendered/ deploys now (stable and rollout candidates) and did not at REF;
- `--gate`: versions a `serve: true` offline gate is waiting on (the alias moved, no result yet).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.config import EnvironmentConfig
from generator.config.strategy import strategy_for
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed, Snapshot
from generator.plan.gates import SERVE_TAG
from generator.plan.rollout_state import State

TARGET = re.compile(r"^(?P<model>[^@].*?)(?:@(?P<version>[0-9]+))?$")
Wanted = tuple[str, str, str]  # environment, model, version


def parse_targets(values: tuple[str, ...] | list[str]) -> list[tuple[str, str | None]]:
    """`fraud` -> (fraud, None); `fraud@3` -> (fraud, "3")."""
    targets = []
    for value in values:
        match = TARGET.match(value.strip())
        if match is None or not match.group("model"):
            raise ConfigError(f"{value!r} is not MODEL or MODEL@VERSION", "e.g. fraud-detector@3")
        targets.append((match.group("model"), match.group("version")))
    return targets


def named(
    environments: dict[str, EnvironmentConfig], snapshot: Snapshot, targets: list[tuple[str, str | None]]
) -> list[Wanted]:
    """Each target in each environment that selects it (every aliased model when none is named)."""
    wanted: list[Wanted] = []
    for env, config in sorted(environments.items()):
        if targets:
            chosen = [(m, v) for m, v in targets if config.models.selects(m)]
        else:
            chosen = [(m, None) for m in sorted(snapshot.models) if config.models.selects(m)]
        for model, number in chosen:
            aliased = snapshot.aliased(model, config.alias)
            version = number or (aliased.version if aliased is not None else None)
            if version is not None:
                wanted.append((env, model, version))
    return wanted


def changed(before: CurrentState, after: CurrentState, only: set[str] | None = None) -> list[Wanted]:
    """Versions deployed (stable or candidate) in `after` but not in `before`, per environment."""
    wanted: list[Wanted] = []
    for env, deployments in sorted(after.deployed.items()):
        if only and env not in only:
            continue
        old = before.deployed.get(env, {})
        for model, deployed in sorted(deployments.items()):
            had = _versions(old.get(model))
            for version in sorted(_versions(deployed) - had):
                wanted.append((env, model, version))
    return wanted


def gated(
    environments: dict[str, EnvironmentConfig], snapshot: Snapshot, current: CurrentState
) -> list[Wanted]:
    """Aliased versions not deployed yet whose strategy has `serve: true` and that carry no result."""
    wanted: list[Wanted] = []
    for env, config in sorted(environments.items()):
        for model in sorted(snapshot.models):
            if not config.models.selects(model) or not _serve_gated(config, model):
                continue
            aliased = snapshot.aliased(model, config.alias)
            if aliased is None or aliased.version in _versions(current.deployed.get(env, {}).get(model)):
                continue
            if SERVE_TAG not in aliased.tags:
                wanted.append((env, model, aliased.version))
    return wanted


def _serve_gated(config: EnvironmentConfig, model: str) -> bool:
    return any(gate.serve for gate in strategy_for(config, model).offline)


def _versions(deployed: Deployed | None) -> set[str]:
    if deployed is None:
        return set()
    candidate = State.of(deployed).candidate
    return {deployed.version} | ({candidate} if candidate else set())


def storage(
    wanted: list[Wanted],
    snapshot: Snapshot,
    read: Callable[[set[tuple[str, str]]], dict[tuple[str, str], str]],
) -> dict[tuple[str, str], str]:
    """Where each wanted version's artifacts are: from the snapshot, else read from the registry."""
    found = {key: v.storage_uri for key, v in snapshot.versions.items()}
    missing = {(m, v) for _, m, v in wanted if (m, v) not in found}
    return {**found, **(read(missing) if missing else {})}
