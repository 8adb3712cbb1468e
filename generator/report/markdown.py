"""Markdown for people who review a plan: pull-request bodies, job summaries, `plan --format markdown`. Pure.

Built on `generator.report.plain` (the same change list and wording as the terminal and the commit
messages): a table of model, from -> to version, strategy and step, offline metric deltas and
links to the MLflow model version and run, then a Mermaid diagram of each model's rollout steps
(GitHub renders Mermaid). Everything from the registry goes through `generator.report.escape`
(inline text or code spans), so a model name, tag or reason cannot inject links, images, HTML or
mentions into a pull request. Same inputs, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from generator.config import EnvironmentConfig
from generator.config.strategy import strategy_for
from generator.model import CurrentState, ModelVersion
from generator.model.layout import ANNOTATION_PREFIX
from generator.plan.planner import Change, Plan, Target
from generator.report import plain
from generator.report.escape import code, fence, html_text, label, text, url
from generator.report.runtime import runtime_line

RUN_ID = f"{ANNOTATION_PREFIX}run-id"
MAX_METRICS = 4
MARKER = "<!-- model-gitops:{environment} -->"
KIND_TEXT = {"deploy": "new", "update": "update", "remove": "remove", "config": "settings"}


@dataclass(frozen=True)
class Context:
    """What the Markdown shows besides the plan: Git before and after, run metrics, links."""

    before: CurrentState = field(default_factory=CurrentState)
    after: CurrentState = field(default_factory=CurrentState)
    run_metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    versions: dict[tuple[str, str], ModelVersion] = field(default_factory=dict)
    ui_url: str | None = None
    delivery: dict[str, str] = field(default_factory=dict)  # environment -> "commit" | "pull-request"


@dataclass(frozen=True)
class Row:
    """One changing model in one environment, ready to print."""

    environment: str
    model: str
    kind: str
    from_version: str
    to_version: str
    strategy: str
    step: str
    steps: tuple[int, ...]
    metrics: str
    links: str
    detail: str = ""


def ui_base(tracking_uri: str) -> str | None:
    """The MLflow UI behind an http(s) tracking URI, without credentials; None otherwise."""
    parts = urlsplit(tracking_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def rows(plan: Plan, touched: list[str], context: Context, environment: str | None = None) -> list[Row]:
    changes = plain.all_changes(plan, touched)
    return [_row(plan, c, context) for c in changes if environment in (None, c.environment)]


def _row(plan: Plan, change: Change, context: Context) -> Row:
    env_plan = plan.environments[change.environment]
    steps = tuple(strategy_for(env_plan.config, change.model).steps)
    target = next((t for t in env_plan.targets if t.model == change.model), None)
    new = _version(context, change.model, change.to_version, target)
    old = _version(context, change.model, change.from_version, target)
    if target is not None and target.candidate is not None and change.kind not in ("update", "deploy"):
        new, old = target.candidate, target.version
    to_version = change.to_version or (new.version if new is not None else "")
    from_version = change.from_version or (old.version if old is not None and old is not new else "")
    return Row(
        environment=change.environment,
        model=change.model,
        kind=change.kind,
        from_version=from_version,
        to_version=to_version,
        strategy=target.strategy if target is not None else "replace",
        step=_step(change, target, steps),
        steps=steps,
        metrics=_metrics(context, new, old or _before(context, change)),
        links=_links(context, change.model, new),
        detail=change.detail or plain.describe(change).split(": ", 1)[1],
    )


def _version(context: Context, model: str, number: str | None, target: Target | None) -> ModelVersion | None:
    if not number:
        return None
    for candidate in (getattr(target, "candidate", None), getattr(target, "version", None)):
        if candidate is not None and candidate.version == number:
            return candidate
    return context.versions.get((model, number))


def _before(context: Context, change: Change) -> ModelVersion | None:
    """The deployed version as Git records it (its run id), when the registry did not send it."""
    deployed = context.before.deployed.get(change.environment, {}).get(change.model)
    if deployed is None:
        return None
    run = deployed.annotations.get(RUN_ID, "")
    return ModelVersion(change.model, deployed.version, "", "", run)


def _step(change: Change, target: Target | None, steps: tuple[int, ...]) -> str:
    if change.kind == "remove" or target is None:
        return "removed" if change.kind == "remove" else "—"
    if target.candidate is None:
        return "100%"
    if target.strategy == "canary":
        index = steps.index(target.weight) + 1 if target.weight in steps else "?"
        return f"{target.weight}% ({index}/{len(steps)})"
    if target.strategy == "shadow":
        return "shadow (mirrored)"
    return f"{100 - target.weight}/{target.weight}"


def _metrics(context: Context, new: ModelVersion | None, old: ModelVersion | None) -> str:
    values = context.run_metrics.get(new.run_id, {}) if new is not None and new.run_id else {}
    baseline = context.run_metrics.get(old.run_id, {}) if old is not None and old.run_id else {}
    if not values or new is old:
        return "—"
    shown = []
    for name in sorted(values)[:MAX_METRICS]:
        value = f"{text(name)} {values[name]:.4g}"
        if name in baseline:
            value += f" ({values[name] - baseline[name]:+.4g})"
        shown.append(value)
    more = f"<br>+{len(values) - MAX_METRICS} more" if len(values) > MAX_METRICS else ""
    return "<br>".join(shown) + more


def _links(context: Context, model: str, version: ModelVersion | None) -> str:
    if context.ui_url is None or version is None:
        return "—"
    base = context.ui_url
    page = f"{base}/#/models/{quote(model, safe='')}/versions/{quote(version.version, safe='')}"
    found = [f"[version {text(version.version)}]({url(page)})"]
    if version.run_id:
        found.append(f"[run]({url(base)}/#/runs/{quote(version.run_id, safe='')})")
    return " · ".join(found)


def table(found: list[Row], with_environment: bool) -> list[str]:
    head = ["Model", "From", "To", "Strategy", "Step", "Offline metrics (Δ vs from)", "MLflow"]
    if with_environment:
        head.insert(0, "Environment")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in found:
        cells = [
            code(row.model, table=True),
            text(row.from_version) or "—",
            text(row.to_version) or "—",
            f"{text(row.strategy)} ({KIND_TEXT.get(row.kind, text(row.kind))})",
            row.step,
            row.metrics,
            row.links,
        ]
        if with_environment:
            cells.insert(0, text(row.environment))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def mermaid(row: Row) -> list[str]:
    """A left-to-right diagram of the model's way from the deployed version to the new one."""
    old = label(f"version {row.from_version}" if row.from_version else "nothing deployed")
    new = label(f"version {row.to_version}")
    lines = ["```mermaid", "flowchart LR", f'  n0["{old}"]']
    if row.kind == "remove":
        lines += ['  gone["removed"]', "  n0 --> gone"]
    elif row.strategy == "canary" and row.from_version:
        names = [f"n{i + 1}" for i in range(len(row.steps))]
        for name, weight in zip(names, row.steps, strict=True):
            lines.append(f'  {name}["{new} at {weight}%"]')
        lines.append("  n0 --> " + " --> ".join(names))
        current = row.step.split("%")[0]
        lines += [f"  class {n} current" for n, w in zip(names, row.steps, strict=True) if str(w) == current]
    elif row.strategy == "shadow" and row.from_version:
        lines += [f'  n1["{new} as shadow (mirrored traffic)"]', f'  n2["{new} at 100%"]']
        lines.append("  n0 --> n1 --> n2")
    elif row.strategy == "ab" and row.from_version:
        lines += [f'  n1["{new}: challenger, split {label(row.step)}"]', "  n0 --- n1"]
    else:
        lines += [f'  n1["{new} at 100%"]', "  n0 --> n1"]
    lines += ["  classDef current fill:#fde68a,stroke:#b45309", "```"]
    return lines


def plan_markdown(plan: Plan, touched: list[str], context: Context, diff: str = "") -> str:
    """The whole plan: one section per environment (job summaries, `plan --format markdown`)."""
    lines = ["## model-gitops plan", ""]
    found = rows(plan, touched, context)
    for env_name in plan.environments:
        env_rows = [r for r in found if r.environment == env_name]
        rejected = [c for c in plan.rejections if c.environment == env_name]
        how = "pull request" if context.delivery.get(env_name) == "pull-request" else "commit"
        lines.append(f"### {text(env_name)} ({how})")
        lines.append("")
        if not env_rows and not rejected:
            lines += ["No changes.", ""]
            continue
        if env_rows:
            serving = runtime_line(plan.environments[env_name].config, [r.model for r in env_rows])
            lines += [f"Runtime: {code(serving)}", ""]
            lines += [*table(env_rows, with_environment=False), "", *_details_of(env_rows)]
        lines += [f"- :x: {code(c.model)}: {text(c.reason)}" for c in rejected]
        lines += [""] if rejected else []
    if diff:
        lines += _details("Rendered diff", diff)
    return "\n".join(lines).rstrip() + "\n"


def pull_request_title(plan: Plan, environment: str, touched: list[str]) -> str:
    sub = Plan({environment: plan.environments[environment]})
    return plain.commit_message(sub, [p for p in touched if p.startswith(f"{environment}/")]).splitlines()[0]


def pull_request_body(
    plan: Plan, environment: str, touched: list[str], context: Context, files: list[str]
) -> str:
    """What a reviewer of one environment's pull request needs to decide."""
    found = rows(plan, touched, context, environment)
    config = plan.environments[environment].config
    lines = [
        MARKER.format(environment=environment),
        f"## Deploy to {code(environment)} (namespace {code(config.namespace)})",
        "",
        _why(config),
        "",
        f"Runtime: {code(runtime_line(config, [row.model for row in found]) or 'none')}",
        "",
        *table(found, with_environment=False),
        "",
        *_details_of(found),
    ]
    for row in found:
        lines += [f"#### {code(row.model)}", "", *mermaid(row), ""]
    lines += _details(f"{len(files)} rendered file(s)", "\n".join(f"rendered/{f}" for f in files))
    lines += [
        "---",
        "Opened by model-gitops. Every run updates this branch and pull request; if the alias moves "
        "back, the pull request is closed. Do not push to this branch: the next run replaces it.",
    ]
    return "\n".join(lines) + "\n"


def _why(config: EnvironmentConfig) -> str:
    """Why this pull request exists: an alias moved, or versions qualified for promotion."""
    merge = "Merging this pull request deploys the change below; Argo CD then syncs the cluster."
    if config.promote is not None:
        source = code(config.promote.from_)
        return f"Versions that served in {source} for {config.promote.soak} and passed its gates. {merge}"
    return f"The models' {code('@' + str(config.alias))} alias moved in the MLflow registry. {merge}"


def _details_of(found: list[Row]) -> list[str]:
    """The rollout changes in the words of the commit message (gate readings, reasons)."""
    lines = [f"- {code(row.model)}: {text(row.detail)}" for row in found if row.kind not in KIND_TEXT]
    return [*lines, ""] if lines else []


def _details(summary: str, content: str, limit: int = 60000) -> list[str]:
    body = content if len(content) <= limit else content[:limit] + "\n... (truncated)"
    marks = fence(body)
    head = ["<details>", f"<summary>{html_text(summary)}</summary>", ""]
    return [*head, marks, body.rstrip(), marks, "</details>", ""]
