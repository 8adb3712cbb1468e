"""One sync, end to end: read, plan, render, validate, write, commit, push.

Entry points (the CLI, the demo) build a `Settings` and call `compute()` for a dry run or
`sync()` for the real thing; both run the same code up to the point of writing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from generator import gitrepo, targets, timing
from generator.app import holds, promotions, statecache
from generator.app.environments import load_all, promotion_sources
from generator.app.pipeline import artifact_reasons, render_validated
from generator.app.sources import LiveSources, Sources
from generator.config import EnvironmentConfig
from generator.config.loader import reviewed, select
from generator.config.settings import Settings
from generator.delivery import flow, notify
from generator.delivery.argocd_source import argocd_source, managed_directories
from generator.delivery.notify import http as notify_http
from generator.gitrepo import workspace
from generator.model import CurrentState, Snapshot
from generator.plan import guards, scope
from generator.plan.planner import Plan, plan
from generator.plan.quarantine import quarantine
from generator.render.state import current_state
from generator.report import plain


@dataclass(frozen=True)
class Computed:
    """What a run would write, next to what Git has."""

    plan: Plan
    current: CurrentState
    desired: dict[str, bytes]
    changed: list[str]
    snapshot: Snapshot | None = None


@dataclass(frozen=True)
class SyncResult:
    computed: Computed
    commit: str | None
    pushed: bool
    delivered: flow.Delivery | None = None

    @property
    def message(self) -> str:
        if self.delivered is not None:
            return self.delivered.message
        return plain.commit_message(self.computed.plan, self.computed.changed)


def compute(
    settings: Settings, root: Path, validate: bool = True, sources: Sources | None = None
) -> Computed:
    """Plan and render every selected environment of the repository at `root`, validated.

    `sources` is what the run reads besides the repository (default: MLflow, Prometheus and the
    clock that `settings` name).
    """
    sources = sources or LiveSources(settings)
    everything = load_all(settings, root)
    environments = select(everything, settings.only or None)
    promoted_from = promotion_sources(environments, everything)
    models, unscoped = scope.models_for(settings.models, reviewed(environments))
    scoped = scope.directories(models) if models else None
    with timing.phase("state"):
        tree = workspace.read_tree(root / settings.rendered_dir)
        memo = statecache.load(settings.cache_dir)
        current = current_state(tree, scoped, memo)
        statecache.save(settings.cache_dir, memo, scoped is not None)
        current = promotions.with_history(root, settings.rendered_dir, environments, everything, current)
    with timing.phase("registry"):
        snapshot = sources.snapshot(environments, current, models)
        snapshot = scope.scoped_snapshot(snapshot, models) if models else snapshot
    with timing.phase("metrics"):
        readings = sources.readings({**promoted_from, **environments}, current)
    with timing.phase("plan+render"):
        the_plan = plan(environments, snapshot, current, readings, sources.now())
        if scoped is not None:
            left = scope.untouched(tree, serving_files(environments), scoped)
            the_plan = scope.with_untouched(the_plan, left)
        _check_removals(the_plan, current, settings, registry_empty=scoped is None and not snapshot.models)
        the_plan = replace(the_plan, warnings=[*the_plan.warnings, *unscoped])
    if settings.check_artifacts:
        with timing.phase("artifacts"):
            reasons, warnings = artifact_reasons(
                the_plan, current, settings.tracking_uri, settings.artifact_workers, settings.cache_dir
            )
            the_plan = quarantine(the_plan, current, reasons)
            the_plan = replace(the_plan, warnings=[*the_plan.warnings, *warnings])
    with timing.phase("validate"):
        validation = settings.validation if validate else None
        argocd = argocd_source(settings, root)
        the_plan, desired = render_validated(the_plan, current, environments, validation, argocd)
    owned = managed_directories(the_plan, desired)
    managed = {path: content for path, content in tree.items() if path.split("/")[0] in owned}
    changed = sorted(p for p in set(managed) | set(desired) if managed.get(p) != desired.get(p))
    return Computed(the_plan, current, desired, changed, snapshot)


def serving_files(environments: dict[str, EnvironmentConfig]) -> dict[str, str]:
    """Each environment's serving document file name (its target's)."""
    return {name: targets.get(config.target).file_name for name, config in environments.items()}


def _check_removals(plan: Plan, current: CurrentState, settings: Settings, registry_empty: bool) -> None:
    """The mass-delete guard, counting the directories a scoped run leaves alone as deployed."""
    counts = {
        env: len(current.deployed.get(env, {})) + len(env_plan.untouched)
        for env, env_plan in plan.environments.items()
    }
    guards.check_removals(plan, counts, registry_empty, settings.allow_prune)


def sync(settings: Settings, sources: Sources | None = None) -> SyncResult:
    """Write and commit what changed, push race-safely, keep pull requests in step, tag MLflow.

    `generator.delivery.flow` delivers; when the remote moved it re-plans with `compute` on the new head.
    """
    sources = sources or LiveSources(settings)
    repo = gitrepo.open_worktree(settings.repo, settings.cache_dir)
    delivered = flow.deliver(settings, repo, lambda root: compute(settings, root, sources=sources))
    computed, commit = delivered.computed, delivered.commit
    if commit is not None:
        holds.tag_holds(settings.tracking_uri, computed.plan)  # rolled back / held versions
    if settings.push:  # a promotion lands: its evidence on the version, `set_alias` moved
        promotions.land(settings.tracking_uri, computed.plan, computed.current, computed.snapshot)
    if settings.push:  # a run that delivers tells people; a local try does not
        news = notify.messages(computed.plan, computed.changed, commit)
        delivered.warnings.extend(notify.send(news, notify_http.SENDERS))
    return SyncResult(computed, commit, delivered.pushed, delivered)
