"""Promotion around the pure decision (`generator.plan.promotion`): since when each source
environment has served its versions (Git history of rendered/), and, once a promotion lands,
its evidence as an MLflow tag and the `set_alias` alias moved to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator import targets
from generator.config import EnvironmentConfig
from generator.errors import shorten
from generator.gitrepo import file_history
from generator.model import CurrentState, Deployed, ServedSince, Snapshot
from generator.plan.planner import EnvironmentPlan, Plan
from generator.plan.promotion import kept_version
from generator.registry.writer import set_aliases, tag_versions
from generator.render.state import read_deployed

TAG = "model-gitops.{environment}.promotion"
MAX_TAG_VALUE = 5000


def with_history(
    root: Path,
    rendered: str,
    environments: dict[str, EnvironmentConfig],
    everything: dict[str, EnvironmentConfig],
    current: CurrentState,
) -> CurrentState:
    """`current` with `since` filled for the models a promoting environment may take next."""
    since: dict[str, dict[str, ServedSince]] = {}
    for env, config in sorted(environments.items()):
        source = config.promote.from_ if config.promote else None
        if source is None or source not in everything:
            continue
        target = targets.get(everything[source].target)
        here = current.deployed.get(env, {})
        for model, deployed in sorted(current.deployed.get(source, {}).items()):
            if deployed.version == kept_version(here.get(model)) or model in since.get(source, {}):
                continue
            path = f"{rendered}/{source}/{deployed.directory}/{target.file_name}"
            found = _since(root, path, target, deployed)
            if found is not None:
                since.setdefault(source, {})[model] = found
    return replace(current, since=since) if since else current


def _since(root: Path, path: str, target: targets.ServingTarget, deployed: Deployed) -> ServedSince | None:
    """The oldest commit of the unbroken run of commits whose file serves `deployed.version`."""
    found = None
    for commit, time, data in file_history(root, path):
        then = read_deployed(target, deployed.directory, data) if data is not None else None
        if then is None or then.version != deployed.version:
            break
        found = ServedSince(deployed.version, commit, time)
    return found


def land(tracking_uri: str, plan: Plan, current: CurrentState, snapshot: Snapshot | None) -> None:
    """Tag each promoted version with its evidence; move `set_alias` to what each promoting
    environment serves on the branch (for pull-request environments: once merged)."""
    tags: dict[tuple[str, str], dict[str, str]] = {}
    aliases: dict[tuple[str, str], str] = {}
    for env, env_plan in plan.environments.items():
        promote = env_plan.config.promote
        if promote is None:
            continue
        for change in env_plan.changes:
            if change.to_version and "promoted from" in change.detail:
                evidence = shorten(change.detail, MAX_TAG_VALUE)
                tags.setdefault((change.model, change.to_version), {})[TAG.format(environment=env)] = evidence
        if promote.set_alias:
            aliases |= _moved(env, env_plan, current, snapshot, promote.set_alias)
    tag_versions(tracking_uri, tags)
    set_aliases(tracking_uri, aliases)


def _moved(
    env: str, env_plan: EnvironmentPlan, current: CurrentState, snapshot: Snapshot | None, alias: str
) -> dict[tuple[str, str], str]:
    if env_plan.config.delivery.pull_request:
        serving = {m: d.version for m, d in current.deployed.get(env, {}).items()}
    else:
        serving = {t.model: t.version.version for t in env_plan.targets}
    moved = {}
    for model, version in serving.items():
        registered = snapshot.models.get(model) if snapshot is not None else None
        if registered is None or registered.aliases.get(alias) != version:
            moved[(model, alias)] = version
    return moved
