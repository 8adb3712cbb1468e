"""What `status` shows: deployed versions per model and environment, pending alias moves, and
rollouts with their per-predictor Prometheus readings next to offline metrics."""

from __future__ import annotations

from pathlib import Path

from generator.app.environments import load_selected
from generator.app.sources import LiveSources, Sources
from generator.config.settings import Settings
from generator.gitrepo import workspace
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
    readings = sources.readings(environments, current, include_ab=True)
    rollouts = rollout_table(rollout_rows(environments, current, snapshot, readings), readings)
    return f"{text}\n\n{rollouts}" if rollouts else text
