"""Per-model isolation: take failing models out of a plan so the others still ship. Pure.

A model whose artifacts or rendered manifests fail a check is turned into a rejection: its last
good files (if Git has any) are kept untouched, the reason is reported, and every other model
of the environment is delivered as planned.
"""

from __future__ import annotations

import re
from dataclasses import replace

from generator.model import CurrentState
from generator.plan.planner import Change, EnvironmentPlan, Plan

_PROBLEM = re.compile(r"^(?P<env>[a-z0-9-]+)/(?P<name>[a-z0-9.-]+)[ :(]")


def quarantine(plan: Plan, current: CurrentState, reasons: dict[tuple[str, str], str]) -> Plan:
    """A plan where each `(environment, model)` in `reasons` is rejected with that reason."""
    environments = {}
    for name, env_plan in plan.environments.items():
        failing = {model: why for (env, model), why in reasons.items() if env == name}
        environments[name] = _without(env_plan, current, failing) if failing else env_plan
    return replace(plan, environments=environments)  # keeps plan.warnings


def _without(env_plan: EnvironmentPlan, current: CurrentState, failing: dict[str, str]) -> EnvironmentPlan:
    deployed = current.deployed.get(env_plan.name, {})
    targets = [t for t in env_plan.targets if t.model not in failing]
    kept = sorted([*env_plan.kept, *(deployed[m] for m in failing if m in deployed)], key=lambda d: d.model)
    changes = [c for c in env_plan.changes if c.model not in failing]
    changes += [Change(env_plan.name, m, "reject", reason=why) for m, why in sorted(failing.items())]
    return replace(env_plan, targets=targets, kept=kept, changes=sorted(changes, key=lambda c: c.model))


def attribute(plan: Plan, problems: list[str]) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Split validation problems into per-model reasons and ones that concern no single model."""
    owners = {
        (env, target.directory): target.model
        for env, env_plan in plan.environments.items()
        for target in env_plan.targets
    }
    reasons: dict[tuple[str, str], str] = {}
    unowned = []
    for problem in problems:
        model = _owner(problem, owners)
        if model is None:
            unowned.append(problem)
        else:
            env = problem.split("/", 1)[0]
            reasons.setdefault((env, model), f"failed validation: {problem}")
    return reasons, unowned


def _owner(problem: str, owners: dict[tuple[str, str], str]) -> str | None:
    match = _PROBLEM.match(problem)
    if not match:
        return None
    env, name = match.group("env"), match.group("name")
    candidates = [d for (e, d) in owners if e == env and (name == d or name.startswith(d + "-"))]
    return owners[(env, max(candidates, key=len))] if candidates else None
