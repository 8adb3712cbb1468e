"""What `status` shows: deployed versions per model and environment, pending alias moves, and
rollouts with their per-predictor Prometheus readings next to offline metrics."""

from __future__ import annotations

from pathlib import Path

from generator.app.environments import load_selected
from generator.app.sources import LiveSources, Sources
from generator.config.settings import Settings
from generator.gitrepo import workspace
from generator.model import CurrentState, Snapshot
from generator.plan.health import HEALTH_TAG
from generator.printable import printable
from generator.render.state import current_state
from generator.report import plain
from generator.report.rollout import rollout_rows, rollout_table
from generator.report.runtime import runtime_line


def status_report(settings: Settings, root: Path, sources: Sources | None = None) -> str:
    """The `status` text of the repository at `root`."""
    sources = sources or LiveSources(settings)
    environments = load_selected(settings, root)
    current = current_state(workspace.read_tree(root / settings.rendered_dir))
    snapshot = sources.snapshot(environments, current)
    pending = {}
    for env, cfg in environments.items():
        for model in snapshot.models:
            version = snapshot.aliased(model, cfg.alias)
            if version is not None and cfg.models.selects(model):
                pending[(env, model)] = version.version
    text = plain.status_table(current, sorted(environments), pending)
    serving = [
        f"  {env}: {printable(line)}"
        for env, config in sorted(environments.items())
        if (line := runtime_line(config, {model for (e, model) in pending if e == env}))
    ]
    text += "\n\nruntimes:\n" + "\n".join(serving) if serving else ""
    health = _health(current, snapshot)
    text += "\n\nhealth (Argo CD, `model-gitops health`):\n" + "\n".join(health) if health else ""
    readings = sources.readings(environments, current, include_ab=True)
    rollouts = rollout_table(rollout_rows(environments, current, snapshot, readings), readings)
    return f"{text}\n\n{rollouts}" if rollouts else text


def _health(current: CurrentState, snapshot: Snapshot) -> list[str]:
    """`  prod: fraud 3: Healthy (2026-06-01T09:00:00Z)` for each deployed version with a health tag."""
    lines = []
    for env, deployments in sorted(current.deployed.items()):
        for model, deployed in sorted(deployments.items()):
            version = snapshot.versions.get((model, deployed.version))
            said = version.tags.get(HEALTH_TAG.format(environment=env), "") if version is not None else ""
            if said:
                lines.append(f"  {env}: {printable(model)} {deployed.version}: {printable(said)}")
    return lines
