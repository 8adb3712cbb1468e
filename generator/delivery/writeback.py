"""What a delivery writes back to MLflow: deployment tags on model versions. Pure.

For each environment, the version its alias points at carries

    model-gitops.<env>.state         pending-review | deployed | canary-<N>% | shadow | rolled-back
    model-gitops.<env>.commit        the commit holding it (the pull request's head while pending)
    model-gitops.<env>.pull-request  the pull request's URL (pull-request delivery)

and a version this run replaced gets `retired` (a withdrawn proposal `withdrawn`), so the
registry UI shows where each version runs. Only differences from the tags the registry already
has are returned: a steady state writes nothing, and the run after a pull request is merged
turns `pending-review` into `deployed` (and retires the version it replaced).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.model import CurrentState, Deployed
from generator.model.layout import ANNOTATION_PREFIX
from generator.plan.planner import Plan
from generator.report import plain

ROLLOUT = f"{ANNOTATION_PREFIX}rollout-"
Tags = dict[tuple[str, str], dict[str, str]]


def key(environment: str, name: str) -> str:
    """`model-gitops.<env>.<name>`: the tag keys of one environment."""
    return f"model-gitops.{environment}.{name}"


@dataclass(frozen=True)
class Proposal:
    """An open pull request for one environment: its head commit, URL and what it proposes."""

    commit: str
    url: str
    models: frozenset[str]


@dataclass(frozen=True)
class Delivered:
    """Where the run left things: the base commit, and the open proposals per environment."""

    base_commit: str
    proposals: dict[str, Proposal] = field(default_factory=dict)
    skipped: frozenset[str] = frozenset()  # environments whose changes were not delivered
    withdrawn: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # env -> versions


def deployment_tags(plan: Plan, touched: list[str], after: CurrentState, delivered: Delivered) -> Tags:
    """The tags to set, by (model, version), given the plan and how it was delivered."""
    tags: Tags = {}
    for env, env_plan in plan.environments.items():
        if env in delivered.skipped:
            continue
        proposal = delivered.proposals.get(env)
        own = [p for p in touched if p.startswith(f"{env}/")]
        changes = {c.model: c for c in plain.all_changes(Plan({env: env_plan}), own)}
        deployed = after.deployed.get(env, {})
        for target in env_plan.targets:
            version, change = target.version, changes.get(target.model)
            if proposal is not None and target.model in proposal.models:
                wanted = {key(env, "state"): "pending-review", key(env, "commit"): proposal.commit}
                wanted[key(env, "pull-request")] = proposal.url
                if change is not None and change.from_version:
                    wanted[key(env, "replaces")] = change.from_version
                _merge(tags, (target.model, version.version), _differs(version.tags, wanted))
                continue
            state = deployment_state(deployed.get(target.model), version.version)
            if state is None or (change is None and version.tags.get(key(env, "state")) == state):
                continue
            wanted = {key(env, "state"): state, key(env, "commit"): delivered.base_commit}
            _merge(tags, (target.model, version.version), _differs(version.tags, wanted))
            replaced = version.tags.get(key(env, "replaces"))
            if state == "deployed" and replaced and replaced != version.version:
                _merge(tags, (target.model, replaced), {key(env, "state"): "retired"})
        for change in changes.values():
            if proposal is not None and change.model in proposal.models:
                continue
            old = change.from_version
            if change.kind in ("update", "remove") and old and not _serving(deployed.get(change.model), old):
                _merge(tags, (change.model, old), {key(env, "state"): "retired"})
        for model, number in delivered.withdrawn.get(env, ()):
            _merge(tags, (model, number), {key(env, "state"): "withdrawn"})
    return tags


def deployment_state(deployed: Deployed | None, version: str) -> str | None:
    """The state of `version` in the rendered SeldonDeployment, from its rollout annotations."""
    if deployed is None:
        return None
    notes = deployed.annotations
    strategy, step = notes.get(f"{ROLLOUT}strategy", ""), notes.get(f"{ROLLOUT}step", "")
    if notes.get(f"{ROLLOUT}candidate") == version:
        if strategy == "canary" and step.isdigit():
            return f"canary-{step}%"
        if strategy == "shadow":
            return "shadow"
    if deployed.version == version or notes.get(f"{ROLLOUT}stable") == version:
        return "deployed"
    if notes.get(f"{ROLLOUT}hold"):
        return "rolled-back"
    return None


def _serving(deployed: Deployed | None, version: str) -> bool:
    if deployed is None:
        return False
    notes = deployed.annotations
    return version in (deployed.version, notes.get(f"{ROLLOUT}stable"), notes.get(f"{ROLLOUT}candidate"))


def _differs(existing: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    return wanted if any(existing.get(k) != v for k, v in wanted.items()) else {}


def _merge(tags: Tags, version: tuple[str, str], values: dict[str, str]) -> None:
    if values:
        tags.setdefault(version, {}).update(values)
