"""The checked middle of a sync: artifact checks, guards, rendering, validation with isolation.

A model that fails its artifact check or validation is quarantined (rejected, last good files
kept) and the rest is rendered and validated again, so one broken model never blocks the others.
Problems that belong to no single model (a broken kustomization, a missing tool) stop the run.
"""

from __future__ import annotations

from generator import targets, yamlio
from generator.config import EnvironmentConfig
from generator.config.settings import ValidationSettings
from generator.errors import ValidationFailed
from generator.model import CurrentState, Deployed
from generator.plan.planner import Plan
from generator.plan.quarantine import attribute, quarantine
from generator.plan.rollout_state import State
from generator.registry.artifacts import check_model_files
from generator.render import render
from generator.render.argocd import GitSource
from generator.validate.runner import validate_tree

MAX_QUARANTINE_ROUNDS = 3


def artifact_reasons(plan: Plan, current: CurrentState, tracking_uri: str) -> dict[tuple[str, str], str]:
    """Check the MLmodel file of every version about to serve traffic that is not serving yet,
    or whose server changes (another implementation or protocol in the environment's settings).

    That covers the stable version of a new deployment and the candidate of a rollout (canary,
    shadow, challenger) before it gets any traffic.
    """
    locations: dict[str, set[str]] = {}
    fresh = []
    for env, env_plan in plan.environments.items():
        deployed = current.deployed.get(env, {})
        serving_target = targets.get(env_plan.config.target)
        for target in env_plan.targets:
            before = deployed.get(target.model)
            serving = _serving(before)
            if before is not None and before.served_by != serving_target.served_by(target.seldon):
                serving = set()  # the server changed: what it serves must be checked again
            for version in (target.version, target.candidate):
                if version is None or version.version in serving:
                    continue
                fresh.append((env, target.model, version))
                locations.setdefault(version.storage_uri, set()).add(target.seldon.implementation)
    problems = check_model_files(tracking_uri, locations) if locations else {}
    reasons: dict[tuple[str, str], str] = {}
    for env, model, version in fresh:
        if version.storage_uri in problems:
            reasons.setdefault((env, model), f"version {version.version}: {problems[version.storage_uri]}")
    return reasons


def _serving(deployed: Deployed | None) -> set[str]:
    """Versions Git already serves for a model (checked when they started serving)."""
    state = State.of(deployed)
    candidate = {state.candidate} if state.in_progress and not state.hold else set()
    return ({deployed.version} if deployed else set()) | candidate


def desired_tree(plan: Plan, current: CurrentState, argocd: GitSource | None = None) -> dict[str, bytes]:
    """Rendered documents as bytes, plus the untouched files of models kept from last time."""
    documents = render(plan, argocd)  # each document is dropped once dumped: only the bytes stay
    desired = {
        path: _same(current.files.get(path), yamlio.dump(documents.pop(path)).encode())
        for path in list(documents)
    }
    for env_name, env_plan in plan.environments.items():
        for kept in env_plan.kept:
            prefix = f"{env_name}/{kept.directory}/"
            desired.update({p: c for p, c in current.files.items() if p.startswith(prefix)})
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
