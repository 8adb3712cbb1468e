"""The outside-world side of traffic strategies, used by the app and the CLI.

- what a run reads from MLflow: the environments' aliases plus A/B challenger aliases, the
  deployed (stable and candidate) versions, and run metrics when an offline gate is configured;
- Prometheus readings, only for deployments mid-rollout (A/B too for `status`);
- the clock: `Settings.now` (`--now` / `MODEL_GITOPS_NOW`) or the real one;
- after a commit, MLflow tags on versions that were rolled back or held
  (`model-gitops.rollback.<env>`, value: the reason);
- `release-hold`: remove the hold annotations in rendered/ and commit, so the next sync tries
  the candidate again. Git stays the only store of rollout state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator import gitrepo, registry, yamlio
from generator.config import EnvironmentConfig
from generator.config.settings import Settings
from generator.config.strategy import strategy_for
from generator.errors import ModelGitopsError
from generator.gitrepo import workspace
from generator.metrics import prometheus
from generator.model import CurrentState, Snapshot
from generator.model.layout import SELDON_FILE
from generator.model.readings import Readings
from generator.plan.planner import Plan
from generator.plan.rollout_state import HOLD, State, reading_requests, release_hold
from generator.registry.writer import tag_versions
from generator.render.state import current_state
from generator.report.rollout import rollout_rows, rollout_table

TAG_PREFIX = "model-gitops.rollback."
TAGGED_KINDS = ("rollback", "hold")
MAX_TAG_VALUE = 500


def aliases(environments: dict[str, EnvironmentConfig]) -> set[str]:
    """Every alias a run needs: each environment's, and A/B challengers (overrides included)."""
    found = {config.alias for config in environments.values()}
    for config in environments.values():
        strategies = [config.strategy, *(o.strategy for o in config.overrides.values() if o.strategy)]
        found |= {s.challenger for s in strategies if s.challenger}
    return found


def deployed_versions(current: CurrentState) -> set[tuple[str, str]]:
    """(model, version) of every deployed stable and candidate version."""
    versions = set()
    for deployments in current.deployed.values():
        for model, deployed in deployments.items():
            versions.add((model, deployed.version))
            candidate = State.of(deployed).candidate
            if candidate:
                versions.add((model, candidate))
    return versions


def needs_run_metrics(environments: dict[str, EnvironmentConfig]) -> bool:
    for config in environments.values():
        models = ["", *config.overrides]
        if any(strategy_for(config, model).offline for model in models):
            return True
    return False


def read_snapshot(
    settings: Settings, environments: dict[str, EnvironmentConfig], current: CurrentState
) -> Snapshot:
    """The registry snapshot a run (or `status`) plans from."""
    return registry.read_snapshot(
        settings.tracking_uri,
        aliases(environments),
        lambda name: any(config.models.selects(name) for config in environments.values()),
        deployed=deployed_versions(current),
        run_metrics=needs_run_metrics(environments),
    )


def read_readings(
    settings: Settings,
    environments: dict[str, EnvironmentConfig],
    current: CurrentState,
    include_ab: bool = False,
) -> Readings:
    """Prometheus readings of the deployments mid-rollout (no request when there are none)."""
    return prometheus.read(settings.prometheus_url, reading_requests(environments, current, include_ab))


def clock(settings: Settings) -> datetime:
    return settings.now or datetime.now(UTC)


def tag_holds(tracking_uri: str, plan: Plan) -> dict[tuple[str, str], dict[str, str]]:
    """Tag each rolled-back or held version in MLflow with the reason; returns what was tagged."""
    tags: dict[tuple[str, str], dict[str, str]] = {}
    for change in plan.changes:
        if change.kind in TAGGED_KINDS and change.to_version:
            key = (change.model, change.to_version)
            tags.setdefault(key, {})[f"{TAG_PREFIX}{change.environment}"] = change.reason[:MAX_TAG_VALUE]
    tag_versions(tracking_uri, tags)
    return tags


@dataclass(frozen=True)
class Released:
    commit: str | None
    released: list[tuple[str, str]]  # (environment, version that was held)
    pushed: bool


def release_message(model: str, released: list[tuple[str, str]]) -> str:
    lines = [f"release-hold({env}): {model} {version}" for env, version in released]
    if len(lines) == 1:
        return lines[0] + "\n"
    return f"release-hold: {model} in {len(lines)} environments\n\n" + "\n".join(lines) + "\n"


def release(settings: Settings, model: str) -> Released:
    """Clear `model`'s hold in every selected environment of rendered/ and commit it."""
    repo = gitrepo.open_worktree(settings.repo, settings.cache_dir)
    rendered = Path(repo.working_tree_dir) / settings.rendered_dir
    current = current_state(workspace.read_tree(rendered))
    released, paths = [], []
    for env, deployments in sorted(current.deployed.items()):
        deployed = deployments.get(model)
        if (settings.only and env not in settings.only) or deployed is None:
            continue
        if not deployed.annotations.get(HOLD):
            continue
        path = f"{env}/{deployed.directory}/{SELDON_FILE}"
        document, held = release_hold(yamlio.load(current.files[path].decode("utf-8")))
        workspace.write_atomic(rendered / path, yamlio.dump(document).encode())
        released.append((env, held))
        paths.append(f"{settings.rendered_dir}/{path}")
    if not released:
        where = ", ".join(settings.only) if settings.only else "any environment"
        raise ModelGitopsError(f"{model} is not held in {where}", "nothing to release")
    author = gitrepo.Identity.parse(settings.author) if settings.author else None
    commit = gitrepo.commit_paths(repo, paths, release_message(model, released), author)
    if settings.push and commit is not None:
        gitrepo.push(repo, settings.remote, settings.branch)
    return Released(commit, released, settings.push and commit is not None)


def status_text(
    settings: Settings, environments: dict[str, EnvironmentConfig], current: CurrentState, snapshot: Snapshot
) -> str:
    """The rollout section of `status`: per-predictor readings next to offline metrics."""
    readings = read_readings(settings, environments, current, include_ab=True)
    return rollout_table(rollout_rows(environments, current, snapshot, readings), readings)
