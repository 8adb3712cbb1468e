"""The checked middle of a sync: artifact and runtime checks, rendering, validation with isolation.

A model that fails its artifact check (flavor, runtime compatibility) or validation is quarantined
(rejected, last good files kept) and the rest is rendered and validated again, so one broken
model never blocks the others.
Problems that belong to no single model (a broken kustomization, a missing tool) stop the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import targets, yamlio
from generator.config import EnvironmentConfig, SeldonSettings
from generator.config.settings import ValidationSettings
from generator.errors import ValidationFailed
from generator.model import CurrentState, Deployed, ModelVersion
from generator.model.runtime import ModelFacts
from generator.plan import compat
from generator.plan.planner import Plan
from generator.plan.quarantine import attribute, quarantine
from generator.plan.rollout_state import State
from generator.registry.artifacts import read_model_facts
from generator.render import documents as rendered_documents
from generator.render.argocd import GitSource
from generator.targets.base import ServingTarget
from generator.validate.runner import validate_tree

Reasons = dict[tuple[str, str], str]

MAX_QUARANTINE_ROUNDS = 3


@dataclass(frozen=True)
class Fresh:
    """A version about to serve that its server has not loaded yet."""

    env: str
    model: str
    version: ModelVersion
    settings: SeldonSettings
    serving_target: ServingTarget
    strict: bool


def artifact_reasons(
    plan: Plan, current: CurrentState, tracking_uri: str, workers: int = 16, cache_dir: Path | None = None
) -> tuple[Reasons, list[str]]:
    """Check every version about to serve traffic that is not serving yet, or whose server changes
    (another implementation, protocol or runtime image): the MLflow flavor its server needs and the
    compatibility rules against its runtime (`generator.plan.compat`).

    That covers the stable version of a new deployment and the candidate of a rollout (canary,
    shadow, challenger) before it gets any traffic. Returns the versions refused (per environment
    and model) and the warnings of soft findings.
    """
    fresh = _fresh(plan, current)
    uris = {item.version.storage_uri for item in fresh}
    facts = read_model_facts(tracking_uri, uris, workers, cache_dir) if fresh else {}
    reasons: Reasons = {}
    warnings: list[str] = []
    for item in fresh:
        refused, warned = _judge(item, facts[item.version.storage_uri])
        if refused:
            reasons.setdefault((item.env, item.model), f"version {item.version.version}: {refused}")
        warnings += [f"{item.env}/{item.model} version {item.version.version}: {w}" for w in warned]
    return reasons, warnings


def _fresh(plan: Plan, current: CurrentState) -> list[Fresh]:
    fresh = []
    for env, env_plan in plan.environments.items():
        deployed = current.deployed.get(env, {})
        serving_target = targets.get(env_plan.config.target)
        strict = env_plan.config.safety.strict_runtime
        for target in env_plan.targets:
            before = deployed.get(target.model)
            serving = _serving(before)
            if before is not None and before.served_by != serving_target.served_by(target.seldon):
                serving = set()  # the server changed: what it serves must be checked again
            for version in (target.version, target.candidate):
                if version is not None and version.version not in serving:
                    fresh.append(Fresh(env, target.model, version, target.seldon, serving_target, strict))
    return fresh


def _judge(item: Fresh, facts: ModelFacts | str) -> tuple[str, list[str]]:
    """(why the version is refused or "", warnings)."""
    if isinstance(facts, str):
        return facts, []
    needed = item.serving_target.required_flavor(item.settings)
    if needed and needed not in facts.flavors:
        have = ", ".join(sorted(facts.flavors)) or "none"
        implementation = item.settings.implementation
        return (
            f"{implementation} needs the {needed!r} flavor but the MLmodel file has {have}; "
            "log the model with that flavor or choose another implementation"
        ), []
    profile = item.serving_target.runtime(item.settings)
    found = compat.findings(facts, profile)
    refusing = [f for f in found if f.hard or item.strict]
    warned = [f"{f}; `safety.strict_runtime: true` would refuse it" for f in found if f not in refusing]
    if not refusing:
        return "", warned
    listed = "; ".join(str(f) for f in refusing)
    where = f"{item.env}'s runtime {profile.summary}"
    return f"will not load in {where}: {listed}; {compat.fix(refusing)}", warned


def _serving(deployed: Deployed | None) -> set[str]:
    """Versions Git already serves for a model (checked when they started serving)."""
    state = State.of(deployed)
    candidate = {state.candidate} if state.in_progress and not state.hold else set()
    return ({deployed.version} if deployed else set()) | candidate


def desired_tree(plan: Plan, current: CurrentState, argocd: GitSource | None = None) -> dict[str, bytes]:
    """Rendered documents as bytes, plus the files of models kept from last time and of the
    directories a scoped run leaves alone, as Git has them."""
    desired = {  # each document is dumped as it is rendered: only the bytes stay
        path: _same(current.files.get(path), yamlio.dump(document).encode())
        for path, document in rendered_documents(plan, argocd)
    }
    for env_name, env_plan in plan.environments.items():
        prefixes = tuple(
            f"{env_name}/{d}/" for d in [*(k.directory for k in env_plan.kept), *env_plan.untouched]
        )
        if prefixes:
            desired.update({p: c for p, c in current.files.items() if p.startswith(prefixes)})
    return desired


def _same(before: bytes | None, content: bytes) -> bytes:
    """Git's copy when unchanged, so an unchanged tree is held in memory once, not twice."""
    return before if before is not None and before == content else content


def render_validated(
    plan: Plan,
    current: CurrentState,
    environments: dict[str, EnvironmentConfig],
    settings: ValidationSettings | None,
    argocd: GitSource | None = None,
) -> tuple[Plan, dict[str, bytes]]:
    """Render, validate, quarantine models that fail, and repeat until clean (bounded)."""
    for _ in range(MAX_QUARANTINE_ROUNDS):
        desired = desired_tree(plan, current, argocd)
        if settings is None:
            return plan, desired
        problems = validate_tree(desired, sorted(environments), settings, previous=current.files)
        if not problems:
            return plan, desired
        reasons, unowned = attribute(plan, problems)
        if unowned or not reasons:
            raise ValidationFailed(unowned or problems)
        plan = quarantine(plan, current, reasons)
    raise ValidationFailed(problems)
