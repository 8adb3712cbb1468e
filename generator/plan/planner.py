"""Decide, per environment and model, what should be deployed: the pure heart of a sync.

`plan()` takes plain data (environment configs, a registry snapshot, the current rendered state,
Prometheus readings and the clock) and returns a `Plan`: the deployments each environment should
hold, the changes from what Git has, and the models rejected with their reason. No I/O happens
here. Traffic strategies (canary, shadow, A/B, holds) are decided per model by `generator.plan.rollout`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from generator.config import EnvironmentConfig, SeldonSettings
from generator.config.strategy import strategy_for
from generator.errors import ModelRejected
from generator.model import CurrentState, Deployed, ModelVersion, Snapshot
from generator.model.readings import NO_READINGS, Readings
from generator.plan import promotion, rollout
from generator.plan.naming import resource_name, unsafe_text_reason
from generator.plan.rollout_state import serving_name
from generator.plan.storage import check_source, model_uri
from generator.plan.tag_overrides import apply_tag_overrides

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    strategy: str = "replace"  # names the predictors (see rollout.ROLES)
    candidate: ModelVersion | None = None  # a second predictor: canary, shadow or challenger
    candidate_uri: str = ""
    weight: int = 0  # the candidate's traffic percentage (canary, ab)
    rollout: dict[str, str] = field(default_factory=dict)  # rollout-* annotations to record
    predictor: str = ""  # the serving predictor's name ("" = the strategy's role name)
    candidate_replicas: int = 0  # the candidate predictor's replicas (rollout.candidate_replicas)
    settings: Any = None  # the target's own settings block (`EnvironmentConfig.target_settings`)


@dataclass(frozen=True)
class Change:
    """A difference between Git and the desired state (or a model that could not be planned)."""

    environment: str
    model: str
    kind: str  # deploy | update | remove | reject, or a rollout kind (ROLLOUT_PREFIX)
    from_version: str | None = None
    to_version: str | None = None
    reason: str = ""
    detail: str = ""  # rollout kinds: what happens, e.g. `canary 8 at 10% -> 25% (error ...)`

    def describe(self) -> str:
        if self.kind in ROLLOUT_PREFIX:
            return f"{ROLLOUT_PREFIX[self.kind]}({self.environment}): {self.model}: {self.detail}"
        evidence = f" ({self.detail})" if self.detail else ""  # a promotion's evidence
        if self.kind == "deploy":
            return f"deploy({self.environment}): {self.model} {self.to_version}{evidence}"
        if self.kind == "update":
            moved = f"{self.from_version} -> {self.to_version}"
            return f"deploy({self.environment}): {self.model} {moved}{evidence}"
        if self.kind == "remove":
            return f"remove({self.environment}): {self.model} {self.from_version}"
        return f"reject({self.environment}): {self.model}: {self.reason}"


ROLLOUT_PREFIX = {
    "start": "rollout",
    "restart": "rollout",
    "advance": "rollout",
    "abort": "rollout",
    "release": "rollout",
    "promote": "promote",
    "rollback": "rollback",
    "hold": "hold",
    "wait": "wait",
}
NOT_CHANGES = ("reject", "wait")  # reported, but nothing in Git changes because of them


@dataclass(frozen=True)
class EnvironmentPlan:
    name: str
    config: EnvironmentConfig
    targets: list[Target]
    kept: list[Deployed] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)  # directories outside a scoped run (plan.scope)

    @property
    def directories(self) -> list[str]:
        """Every model directory the environment holds after this plan, sorted."""
        planned = {t.directory for t in self.targets} | {k.directory for k in self.kept}
        return sorted(planned | set(self.untouched))


@dataclass(frozen=True)
class Plan:
    environments: dict[str, EnvironmentPlan]
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [c for env in self.environments.values() for c in env.changes if c.kind not in NOT_CHANGES]

    @property
    def waits(self) -> list[Change]:
        """Rollouts that stay where they are this run (time, traffic, Prometheus, holds)."""
        return [c for env in self.environments.values() for c in env.changes if c.kind == "wait"]

    @property
    def rejections(self) -> list[Change]:
        return [c for env in self.environments.values() for c in env.changes if c.kind == "reject"]


def plan(
    environments: dict[str, EnvironmentConfig],
    snapshot: Snapshot,
    current: CurrentState,
    readings: Readings = NO_READINGS,
    now: datetime | None = None,
) -> Plan:
    """The desired state of every environment and how it differs from `current`.

    `readings` are the Prometheus readings of deployments mid-rollout and `now` the clock (the
    caller's; without it rollouts never see time pass).
    """
    clock = now or EPOCH
    return Plan(
        {
            name: plan_environment(
                name, config, snapshot, current.deployed.get(name, {}), readings, clock, current
            )
            for name, config in sorted(environments.items())
        },
        [readings.unavailable] if readings.unavailable else [],
    )


def plan_environment(
    name: str,
    config: EnvironmentConfig,
    snapshot: Snapshot,
    deployed: dict[str, Deployed],
    readings: Readings = NO_READINGS,
    now: datetime = EPOCH,
    current: CurrentState | None = None,
) -> EnvironmentPlan:
    """`current` (every environment's state) is what a `promote` environment promotes from."""
    targets: list[Target] = []
    rejected: dict[str, str] = {}
    decisions: dict[str, rollout.Decision] = {}
    promotions: dict[str, promotion.Verdict] = {}
    for model in sorted(snapshot.models):
        if not config.models.selects(model):
            continue
        if config.promote is not None:
            verdict = promotion.judge(name, config, model, snapshot, current or CurrentState(), readings, now)
            promotions[model] = verdict
            version = snapshot.versions.get((model, verdict.version)) if verdict.version else None
        else:
            version = snapshot.aliased(model, config.alias)
        if version is None:
            continue
        context = _context(name, config, snapshot, model, version, deployed.get(model), readings, now)
        unsafe = _unsafe_registry_text(model, version)
        if unsafe:
            rejected[model] = f"{name}: {unsafe}; rename or re-register it"
            continue
        try:
            decision = rollout.decide(context)
            tags = snapshot.models[model].tags
            targets.append(_target(name, config, model, decision, tags, context.deployed))
        except ModelRejected as exc:
            rejected[model] = exc.one_line()
            continue
        if decision.kind:
            decisions[model] = decision
    targets = _drop_collisions(targets, rejected)
    kept = [deployed[m] for m in sorted(rejected) if m in deployed]
    changes = _changes(name, targets, deployed, rejected, decisions)
    changes = promotion_changes(name, changes, promotions, deployed)
    return EnvironmentPlan(name, config, targets, kept, changes)


def promotion_changes(
    env: str, changes: list[Change], verdicts: dict[str, promotion.Verdict], deployed: dict[str, Deployed]
) -> list[Change]:
    """The evidence on the change a promotion makes, and a `wait` saying why one is not made yet."""
    out = [
        replace(c, detail="; ".join(filter(None, [c.detail, verdicts[c.model].evidence])))
        if c.model in verdicts and verdicts[c.model].evidence and c.kind in ("deploy", "update", "start")
        else c
        for c in changes
    ]
    for model, verdict in sorted(verdicts.items()):
        if verdict.waiting:
            before = deployed.get(model)
            out.append(
                Change(env, model, "wait", before.version if before else None, None, detail=verdict.waiting)
            )
    return sorted(out, key=lambda c: c.model)


def _context(
    env: str,
    config: EnvironmentConfig,
    snapshot: Snapshot,
    model: str,
    version: ModelVersion,
    before: Deployed | None,
    readings: Readings,
    now: datetime,
) -> rollout.Context:
    strategy = strategy_for(config, model)
    challenger = snapshot.aliased(model, strategy.challenger) if strategy.challenger else None
    return rollout.Context(
        environment=env,
        model=model,
        strategy=strategy,
        aliased=version,
        deployed=before,
        stable=snapshot.versions.get((model, before.version)) if before is not None else None,
        challenger=challenger if strategy.type == "ab" else None,
        run_metrics=snapshot.run_metrics,
        readings=readings,
        now=now,
    )


def _unsafe_registry_text(model: str, version: ModelVersion) -> str | None:
    """Registry strings that end up in manifests must be printable text of sane length."""
    fields = {"model name": model, "version source": version.source, "run id": version.run_id}
    reasons = (unsafe_text_reason(field, value) for field, value in fields.items())
    return next((reason for reason in reasons if reason), None)


def _target(
    env: str,
    config: EnvironmentConfig,
    model: str,
    decision: rollout.Decision,
    tags: dict[str, str],
    before: Deployed | None,
) -> Target:
    version, candidate = decision.stable, decision.candidate
    label = f"{env}: {model} version {version.version}"
    check_source(version, label)
    uri = model_uri(version.storage_uri, config.storage.rewrites, label)
    candidate_uri = ""
    if candidate is not None:
        label = f"{env}: {model} version {candidate.version}"
        check_source(candidate, label)
        candidate_uri = model_uri(candidate.storage_uri, config.storage.rewrites, label)
    seldon = apply_tag_overrides(config.seldon_for(model), tags, config.safety.tag_overrides, label)
    return Target(
        environment=env,
        namespace=config.namespace,
        alias=config.alias or "",
        model=model,
        directory=resource_name(model),
        version=version,
        model_uri=uri,
        seldon=seldon,
        strategy=decision.strategy,
        candidate=candidate,
        candidate_uri=candidate_uri,
        weight=decision.weight,
        rollout=decision.annotations,
        predictor=serving_name(before, decision.strategy),
        candidate_replicas=rollout.candidate_replicas(decision.strategy, seldon.replicas, decision.weight),
        settings=config.target_settings(model),
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
    env: str,
    targets: list[Target],
    deployed: dict[str, Deployed],
    rejected: dict[str, str],
    decisions: dict[str, rollout.Decision],
) -> list[Change]:
    changes = []
    wanted = {t.model: t for t in targets}
    for model in sorted(set(wanted) | set(deployed) | set(rejected)):
        before = deployed.get(model)
        decision = decisions.get(model)
        if model in rejected:
            changes.append(Change(env, model, "reject", reason=rejected[model]))
        elif model not in wanted and before is not None:
            changes.append(Change(env, model, "remove", from_version=before.version))
        else:
            if decision is not None:
                changes.append(_rollout_change(env, model, before, decision))
            if decision is None or decision.kind != "promote":
                changes += _version_change(env, model, before, wanted[model])
    return changes


def _rollout_change(env: str, model: str, before: Deployed | None, decision: rollout.Decision) -> Change:
    from_version = before.version if before is not None else None
    return Change(
        env, model, decision.kind, from_version, decision.subject or None, decision.reason, decision.detail
    )


def _version_change(env: str, model: str, before: Deployed | None, target: Target) -> list[Change]:
    if before is None:
        return [Change(env, model, "deploy", to_version=target.version.version)]
    if before.version == target.version.version:
        return []
    return [Change(env, model, "update", before.version, target.version.version)]
