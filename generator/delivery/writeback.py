"""What a delivery writes back to MLflow: deployment tags on model versions. Pure.

For each environment, the version its alias points at carries

    model-gitops.<env>.state         pending-review | deployed | canary-<N>% | shadow | rolled-back
    model-gitops.<env>.commit        the commit holding it (the pull request's head while pending)
    model-gitops.<env>.pull-request  the pull request's URL (pull-request delivery)

and a version this run replaced gets `retired` (a withdrawn proposal `withdrawn`), so the
registry UI shows where each version runs. Only differences from the tags the registry already
has are returned: a steady state writes nothing, and the run after a pull request is merged
turns `pending-review` into `deployed` (and retires the version it replaced).

That run also records how the pull request ended, for model-risk reviews (`approvals_due` says
which versions need a look at their host, `approval_tags` what to write):

    model-gitops.<env>.approval.status         approved | merged-without-approval | closed-unmerged
    model-gitops.<env>.approval.approvers      who approved (comma-separated), or none
    model-gitops.<env>.approval.merge-commit   the commit that landed it
    model-gitops.<env>.approval.merged-by      who merged it
    model-gitops.<env>.approval.merged-at      when
    model-gitops.<env>.approval.pull-request   the pull request (the evidence)

A version already holding a merged record keeps it when a later pull request about it (a rollout
step) closes unmerged: that one goes to `approval.unmerged`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.delivery.provider import Approval
from generator.model import CurrentState, Deployed, ModelVersion
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


@dataclass(frozen=True)
class ApprovalDue:
    """A version serving in a pull-request environment whose last pull request's end is unrecorded."""

    environment: str
    model: str
    version: str
    url: str
    recorded: bool  # an earlier pull request's outcome is on the version already


def approvals_due(
    plan: Plan,
    current: CurrentState,
    versions: Mapping[tuple[str, str], ModelVersion],
    open_urls: dict[str, str],
) -> list[ApprovalDue]:
    """Versions the base serves in pull-request environments whose `pull-request` tag names a pull
    request that is no longer open (`open_urls`: this run's open one per environment) and whose
    outcome is not recorded yet."""
    due: list[ApprovalDue] = []
    for env, env_plan in sorted(plan.environments.items()):
        if not env_plan.config.delivery.pull_request:
            continue
        for model, deployed in sorted(current.deployed.get(env, {}).items()):
            for number in _serving_versions(deployed):
                version = versions.get((model, number))
                tags = version.tags if version is not None else {}
                url = tags.get(key(env, "pull-request"), "")
                seen = (tags.get(key(env, "approval.pull-request")), tags.get(key(env, "approval.unmerged")))
                if url and url != open_urls.get(env) and url not in seen:
                    due.append(ApprovalDue(env, model, number, url, bool(seen[0])))
    return due


def approval_tags(due: ApprovalDue, approval: Approval) -> dict[str, str]:
    """What to record about how `due`'s pull request ended."""
    env = due.environment
    if not approval.merged and due.recorded:
        return {key(env, "approval.unmerged"): approval.url}
    if approval.merged:
        status = "approved" if approval.approvers else "merged-without-approval"
    else:
        status = "closed-unmerged"
    values = {
        "status": status,
        "approvers": ",".join(approval.approvers) or "none",
        "merge-commit": approval.merge_commit or ("unknown" if approval.merged else "none"),
        "merged-by": approval.merged_by or ("unknown" if approval.merged else "none"),
        "merged-at": approval.merged_at or ("unknown" if approval.merged else "none"),
        "pull-request": approval.url,
    }
    return {key(env, f"approval.{name}"): value for name, value in values.items()}


def add(tags: Tags, version: tuple[str, str], values: dict[str, str]) -> None:
    """Merge `values` into the tags to write on `version`."""
    _merge(tags, version, values)


def _serving_versions(deployed: Deployed) -> list[str]:
    notes = deployed.annotations
    found = {deployed.version, notes.get(f"{ROLLOUT}stable", ""), notes.get(f"{ROLLOUT}candidate", "")}
    return sorted(number for number in found if number)
