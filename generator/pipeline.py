"""The checked middle of a sync: artifact checks, guards, rendering, validation with isolation.

A model that fails its artifact check or validation is quarantined (rejected, last good files
kept) and the rest is rendered and validated again, so one broken model never blocks the others.
Problems that belong to no single model (a broken kustomization, a missing tool) stop the run.
"""

from __future__ import annotations

from generator import yamlio
from generator.config import EnvironmentConfig
from generator.errors import ValidationFailed
from generator.model import CurrentState
from generator.plan import Plan
from generator.quarantine import attribute, quarantine
from generator.registry.artifacts import check_model_files
from generator.render import render
from generator.render.argocd import GitSource
from generator.validate import ValidationSettings, validate_tree

MAX_QUARANTINE_ROUNDS = 3


def artifact_reasons(plan: Plan, current: CurrentState, tracking_uri: str) -> dict[tuple[str, str], str]:
    """Check the MLmodel file of every version about to be newly deployed."""
    locations: dict[str, set[str]] = {}
    fresh = []
    for env, env_plan in plan.environments.items():
        deployed = current.deployed.get(env, {})
        for target in env_plan.targets:
            before = deployed.get(target.model)
            if before is not None and before.version == target.version.version:
                continue
            fresh.append((env, target))
            locations.setdefault(target.version.storage_uri, set()).add(target.seldon.implementation)
    problems = check_model_files(tracking_uri, locations) if locations else {}
    return {
        (env, t.model): f"version {t.version.version}: {problems[t.version.storage_uri]}"
        for env, t in fresh
        if t.version.storage_uri in problems
    }


def desired_tree(plan: Plan, current: CurrentState, argocd: GitSource | None = None) -> dict[str, bytes]:
    """Rendered documents as bytes, plus the untouched files of models kept from last time."""
    desired = {path: yamlio.dump(document).encode() for path, document in render(plan, argocd).items()}
    for env_name, env_plan in plan.environments.items():
        for kept in env_plan.kept:
            prefix = f"{env_name}/{kept.directory}/"
            desired.update({p: c for p, c in current.files.items() if p.startswith(prefix)})
    return desired


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
        problems = validate_tree(desired, sorted(environments), settings)
        if not problems:
            return plan, desired
        reasons, unowned = attribute(plan, problems)
        if unowned or not reasons:
            raise ValidationFailed(unowned or problems)
        plan = quarantine(plan, current, reasons)
    raise ValidationFailed(problems)
