"""Decide, per environment and model, what should be deployed: the pure heart of a sync.

`plan()` takes plain data (environment configs, a registry snapshot, the current rendered state)
and returns a `Plan`: the deployments each environment should hold, the changes from what Git
has, and the models rejected with their reason. No I/O happens here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from generator.config import EnvironmentConfig, SeldonSettings
from generator.errors import ModelRejected
from generator.model import CurrentState, Deployed, ModelVersion, Snapshot
from generator.naming import resource_name
from generator.storage import model_uri


@dataclass(frozen=True)
class Target:
    """One model as it should be deployed in one environment."""

    environment: str
    namespace: str
    alias: str
    model: str
    directory: str
    version: ModelVersion
    model_uri: str
    seldon: SeldonSettings


@dataclass(frozen=True)
class Change:
    """A difference between Git and the desired state (or a model that could not be planned)."""

    environment: str
    model: str
    kind: str  # deploy | update | remove | reject
    from_version: str | None = None
    to_version: str | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.kind == "deploy":
            return f"deploy({self.environment}): {self.model} {self.to_version}"
        if self.kind == "update":
            return f"deploy({self.environment}): {self.model} {self.from_version} -> {self.to_version}"
        if self.kind == "remove":
            return f"remove({self.environment}): {self.model} {self.from_version}"
        return f"reject({self.environment}): {self.model}: {self.reason}"


@dataclass(frozen=True)
class EnvironmentPlan:
    name: str
    config: EnvironmentConfig
    targets: list[Target]
    kept: list[Deployed] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def directories(self) -> list[str]:
        """Every model directory the environment holds after this plan, sorted."""
        return sorted({t.directory for t in self.targets} | {k.directory for k in self.kept})


@dataclass(frozen=True)
class Plan:
    environments: dict[str, EnvironmentPlan]

    @property
    def changes(self) -> list[Change]:
        return [c for env in self.environments.values() for c in env.changes if c.kind != "reject"]

    @property
    def rejections(self) -> list[Change]:
        return [c for env in self.environments.values() for c in env.changes if c.kind == "reject"]


def plan(environments: dict[str, EnvironmentConfig], snapshot: Snapshot, current: CurrentState) -> Plan:
    """The desired state of every environment and how it differs from `current`."""
    return Plan(
        {
            name: plan_environment(name, config, snapshot, current.deployed.get(name, {}))
            for name, config in sorted(environments.items())
        }
    )


def plan_environment(
    name: str, config: EnvironmentConfig, snapshot: Snapshot, deployed: dict[str, Deployed]
) -> EnvironmentPlan:
    targets: list[Target] = []
    rejected: dict[str, str] = {}
    for model in sorted(snapshot.models):
        version = snapshot.aliased(model, config.alias)
        if version is None or not config.models.selects(model):
            continue
        try:
            targets.append(_target(name, config, model, version))
        except ModelRejected as exc:
            rejected[model] = exc.one_line()
    targets = _drop_collisions(targets, rejected)
    kept = [deployed[m] for m in sorted(rejected) if m in deployed]
    changes = _changes(name, targets, deployed, rejected)
    return EnvironmentPlan(name, config, targets, kept, changes)


def _target(env: str, config: EnvironmentConfig, model: str, version: ModelVersion) -> Target:
    label = f"{env}: {model} version {version.version}"
    uri = model_uri(version.storage_uri, config.storage.rewrites, label)
    return Target(
        environment=env,
        namespace=config.namespace,
        alias=config.alias,
        model=model,
        directory=resource_name(model),
        version=version,
        model_uri=uri,
        seldon=config.seldon_for(model),
    )


def _drop_collisions(targets: list[Target], rejected: dict[str, str]) -> list[Target]:
    by_directory: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_directory[target.directory].append(target)
    kept = []
    for directory, group in by_directory.items():
        if len(group) == 1:
            kept.append(group[0])
            continue
        names = ", ".join(repr(t.model) for t in group)
        for target in group:
            rejected[target.model] = f"models {names} all map to the name {directory!r}; rename one"
    return sorted(kept, key=lambda t: t.model)


def _changes(
    env: str, targets: list[Target], deployed: dict[str, Deployed], rejected: dict[str, str]
) -> list[Change]:
    changes = []
    wanted = {t.model: t for t in targets}
    for model in sorted(set(wanted) | set(deployed) | set(rejected)):
        before = deployed.get(model)
        if model in rejected:
            changes.append(Change(env, model, "reject", reason=rejected[model]))
        elif model not in wanted and before is not None:
            changes.append(Change(env, model, "remove", from_version=before.version))
        elif before is None:
            changes.append(Change(env, model, "deploy", to_version=wanted[model].version.version))
        elif before.version != wanted[model].version.version:
            version = wanted[model].version.version
            changes.append(Change(env, model, "update", before.version, version))
    return changes
