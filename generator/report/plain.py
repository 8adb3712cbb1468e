"""Human-readable text of a plan: terminal output, commit messages, status tables. Pure.

One renderer for every place a plan is shown, so the terminal, the commit and (later) the pull
request body say the same thing.
"""

from __future__ import annotations

import difflib

from generator.model import CurrentState
from generator.plan.planner import Change, EnvironmentPlan, Plan
from generator.plan.rollout_state import State
from generator.printable import printable
from generator.render.monitoring import DASHBOARD_FILE, PODMONITOR_FILE, RULES_FILE
from generator.render.observability import layout
from generator.report.runtime import runtime_line

SYMBOLS = {"deploy": "+", "update": "~", "remove": "-", "reject": "!", "config": "~"}
SYMBOLS |= {kind: "~" for kind in ("start", "restart", "advance", "promote", "abort", "release")}
SYMBOLS |= {"rollback": "!", "hold": "!", "wait": "="}  # rollouts (generator.plan.rollout)
# What a commit's subject names when it holds several changes: the first kind in this order.
IMPORTANCE: tuple[str, ...] = ("rollback", "hold", "promote", "start", "restart", "advance", "abort")
IMPORTANCE += ("release", "deploy", "update", "config", "remove")
MONITORING_FILES = frozenset({DASHBOARD_FILE, PODMONITOR_FILE, RULES_FILE})


def changed_directories(touched: list[str]) -> set[tuple[str, str]]:
    """The (environment, model directory) pairs whose manifests changed, monitoring aside."""
    return {_directory(p) for p in touched if p.count("/") >= 2 and not _is_monitoring(p)}


def _directory(path: str) -> tuple[str, str]:
    env, directory, _ = path.split("/", 2)
    return env, directory


def _is_monitoring(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in MONITORING_FILES


def monitoring_lines(plan: Plan, touched: list[str]) -> list[tuple[str, str]]:
    """One line per environment whose monitoring files change on their own (settings, or a move
    between the per-model and the per-environment layout): monitoring files of a model whose
    manifests change as well belong to that model's change. (environment, line) pairs."""
    models = changed_directories(touched)
    lines = []
    for env_name, env_plan in plan.environments.items():
        mine = [p for p in touched if p.startswith(f"{env_name}/") and _is_monitoring(p)]
        per_model = {_directory(p) for p in mine if p.count("/") == 2} - models
        shared = [p for p in mine if p.count("/") == 1] if not _created_or_emptied(env_plan) else []
        if per_model or shared:
            line = _monitoring_line(env_name, layout(env_plan.config), len(per_model), bool(shared))
            lines.append((env_name, line))
    return lines


def _created_or_emptied(env_plan: EnvironmentPlan) -> bool:
    """Whether the environment gets its first models, or loses its last: its monitoring files
    come and go with them, part of those changes."""
    if env_plan.untouched:  # a scoped run: other models stay
        return False
    if not env_plan.targets and not env_plan.kept:
        return True
    deployed = {c.model for c in env_plan.changes if c.kind == "deploy"}
    return not env_plan.kept and all(t.model in deployed for t in env_plan.targets)


def _monitoring_line(env_name: str, chosen: str, models: int, shared: bool) -> str:
    if chosen == "environment" and models:
        what = "one PodMonitor, PrometheusRule and dashboard for the environment, "
        what += f"replacing those of {models} models"
    elif chosen == "model" and shared:
        what = "a PodMonitor, PrometheusRule and dashboard per model, replacing the environment's"
    else:
        what = "alert rules, dashboards or scrape settings"
    return f"monitoring({env_name}): {what}"


def all_changes(plan: Plan, touched: list[str]) -> list[Change]:
    """Version changes plus models whose manifests changed for other reasons (configuration)."""
    changes = plan.changes
    versioned = {(c.environment, c.model) for c in changes}
    directories = changed_directories(touched)  # once: touched can hold thousands of paths
    for env_name, env_plan in plan.environments.items():
        for target in env_plan.targets:
            key = (env_name, target.directory)
            if key in directories and (env_name, target.model) not in versioned:
                changes.append(Change(env_name, target.model, "config", to_version=target.version.version))
    return sorted(changes, key=lambda c: (c.environment, c.model))


def describe(change: Change) -> str:
    """One line for a change; registry text (names, reasons) made safe to print."""
    if change.kind == "config":
        return printable(
            f"update({change.environment}): {change.model} {change.to_version} (manifest settings)"
        )
    return printable(change.describe())


def plan_text(plan: Plan, touched: list[str]) -> str:
    changes = all_changes(plan, touched)
    monitoring = dict(monitoring_lines(plan, touched))
    lines = []
    for env_name in plan.environments:
        env_changes = [c for c in changes if c.environment == env_name]
        rejections = [c for c in plan.rejections if c.environment == env_name]
        waits = [c for c in plan.waits if c.environment == env_name]
        if not env_changes and not rejections and not waits and env_name not in monitoring:
            lines.append(f"{env_name}: no changes")
            continue
        lines.append(f"{env_name}:")
        serving = runtime_line(plan.environments[env_name].config, [c.model for c in [*env_changes, *waits]])
        lines += [f"  runtime: {printable(serving)}"] if serving else []
        lines += [f"  {SYMBOLS[c.kind]} {describe(c).split(': ', 1)[1]}" for c in [*env_changes, *waits]]
        lines += [f"  ~ {monitoring[env_name].split(': ', 1)[1]}"] if env_name in monitoring else []
        lines += [f"  ! {printable(c.model)}: {printable(c.reason)}" for c in rejections]
    lines += [f"warning: {printable(warning)}" for warning in plan.warnings]
    return "\n".join(lines)


def commit_message(plan: Plan, touched: list[str]) -> str:
    """The subject names the most important change (see IMPORTANCE); the body lists them all."""
    changes = all_changes(plan, touched)
    monitoring = monitoring_lines(plan, touched)
    body = [describe(c) for c in changes] + [line for _, line in monitoring] or ["re-render manifests"]
    if len(body) == 1:
        return body[0] + "\n"
    environments = sorted({c.environment for c in changes} | {env for env, _ in monitoring})
    first = describe(min(changes, key=_importance)) if changes else monitoring[0][1]
    more = len(body) - 1
    subject = f"{first} (+{more} more change{'s' * (more > 1)} in {', '.join(environments)})"
    return subject + "\n\n" + "\n".join(body) + "\n"


def _importance(change: Change) -> int:
    return IMPORTANCE.index(change.kind) if change.kind in IMPORTANCE else len(IMPORTANCE)


def file_diff(before: dict[str, bytes], after: dict[str, bytes], paths: list[str]) -> str:
    """A unified diff of the rendered files that change."""
    chunks: list[str] = []
    for path in paths:
        old = before.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = after.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        chunks += difflib.unified_diff(old, new, f"a/rendered/{path}", f"b/rendered/{path}")
    return "".join(chunks)


def status_table(current: CurrentState, environments: list[str], pending: dict[tuple[str, str], str]) -> str:
    """Model x environment -> deployed version (and the alias target when it differs).

    A candidate held after a failed gate is not a pending move: its cell reads `7 (8 held)` and
    the hold's reason follows the table, with how to release it.
    """
    models = sorted({m for env in current.deployed.values() for m in env} | {m for _, m in pending})
    header = ["MODEL", *environments]
    rows = [header]
    holds = []
    for model in models:
        row = [printable(model)]
        for env in environments:
            deployed = current.deployed.get(env, {}).get(model)
            state = State.of(deployed)
            cell = deployed.version if deployed else "-"
            wanted = pending.get((env, model))
            if state.hold and wanted in (None, state.hold):
                cell = f"{cell} ({state.hold} held)"
                holds.append(_hold_line(env, model, state))
            elif wanted is not None and wanted != cell:
                cell = f"{cell} -> {wanted}"
            row.append(printable(cell))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join([*(line.rstrip() for line in lines), *holds])


def _hold_line(env: str, model: str, state: State) -> str:
    reason = state.hold_reason or "no reason recorded"
    return printable(
        f"held: {env}/{model} {state.hold}: {reason}; `model-gitops release-hold {model}` tries it again"
    )
