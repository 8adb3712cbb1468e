"""The rollout part of `status`, pure: per predictor, traffic and Prometheus readings next to the
offline (MLflow run) metrics, for every deployment mid-rollout or running an A/B test.
"""

from __future__ import annotations

from generator.config import EnvironmentConfig
from generator.config.strategy import strategy_for
from generator.model import CurrentState, Snapshot
from generator.model.readings import Reading, Readings
from generator.plan.gates import milliseconds, number, percent
from generator.plan.rollout_state import ROLES, State, serving_name
from generator.printable import printable

HEADER = ["ENV", "MODEL", "PREDICTOR", "VERSION", "TRAFFIC", "REQ/S", "ERRORS", "P95", "OFFLINE", "STEP"]


def rollout_rows(
    environments: dict[str, EnvironmentConfig], current: CurrentState, snapshot: Snapshot, readings: Readings
) -> list[list[str]]:
    """One row per predictor of each deployment with a rollout or A/B test in progress."""
    rows = []
    for env, config in sorted(environments.items()):
        for model, deployed in sorted(current.deployed.get(env, {}).items()):
            state = State.of(deployed)
            if not state.in_progress:
                continue
            metrics = [g.metric for g in strategy_for(config, model).offline if g.metric is not None]
            shares = _traffic(state)
            step = f"{state.step} since {state.started}".strip() if state.started else state.step
            names = (serving_name(deployed, state.strategy), ROLES[state.strategy][1])
            for role, version, share in zip(names, (deployed.version, state.candidate), shares, strict=True):
                reading = readings.get(env, model, role)
                offline = _offline(snapshot, model, version, metrics)
                rows.append([env, model, role, version, share, *_online(reading), offline, step])
    return rows


def rollout_table(rows: list[list[str]], readings: Readings) -> str:
    """Aligned text of `rollout_rows` (empty when no rollout runs), with Prometheus's warning."""
    if not rows:
        return ""
    table = [HEADER, *([printable(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    if readings.unavailable:
        lines.append(f"warning: {printable(readings.unavailable)}")
    return "\n".join(lines)


def _traffic(state: State) -> tuple[str, str]:
    if state.strategy == "shadow":
        return "100%", "mirror"
    return f"{100 - state.weight}%", f"{state.weight}%"


def _online(reading: Reading | None) -> list[str]:
    if reading is None:
        return ["-", "-", "-"]
    return [f"{reading.rate:.2f}", percent(reading.error_ratio), milliseconds(reading.p95_seconds)]


def _offline(snapshot: Snapshot, model: str, version: str, metrics: list[str]) -> str:
    found = snapshot.versions.get((model, version))
    values = snapshot.run_metrics.get(found.run_id, {}) if found is not None else {}
    shown = [f"{name} {number(values[name])}" for name in metrics if name in values]
    return ", ".join(shown) or "-"
