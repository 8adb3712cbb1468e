"""What `sync` and `plan` tell people about delivery: terminal lines and the Markdown summary.

The Markdown is `generator.report.markdown`, the same renderer as the pull-request bodies, so the
GitHub job summary, `plan --format markdown` and a pull request say the same thing.
"""

from __future__ import annotations

from typing import Any

import click

from generator.config.settings import Settings
from generator.delivery import flow
from generator.printable import printable
from generator.report import escape, markdown, plain


def plan_markdown(settings: Settings, computed: Any, diff: bool = False) -> str:
    """The plan as Markdown (with the rendered diff in a collapsed block when asked)."""
    context = flow.markdown_context(settings, computed)
    text = plain.file_diff(computed.current.files, computed.desired, computed.changed) if diff else ""
    return markdown.plan_markdown(computed.plan, computed.changed, context, text)


def retried(result: Any) -> str:
    """What happened when the remote moved under the run."""
    tries = result.delivered.attempts
    if result.pushed:
        return f"the remote moved meanwhile: re-planned and pushed on try {tries}"
    return f"the remote moved meanwhile: re-planned on try {tries}; nothing left to commit"


def delivery_markdown(result: Any) -> str:
    """What the sync did, as a Markdown list (appended to the job summary)."""
    delivered = result.delivered
    lines = ["### Delivery", ""]
    if result.commit:
        pushed = " and pushed" if result.pushed else ""
        subject = escape.text(result.message.splitlines()[0])
        lines.append(f"- committed `{result.commit[:12]}`{pushed}: {subject}")
    else:
        lines.append("- nothing to commit")
    if delivered is not None:
        if delivered.earlier and result.pushed:
            lines.append(f"- pushed {delivered.earlier} earlier local commit(s) as well")
        if delivered.attempts > 1:
            lines.append(f"- {retried(result)}")
        for outcome in delivered.pull_requests:
            link = f" [{outcome.sign}{outcome.number}]({escape.url(outcome.url)})" if outcome.number else ""
            lines.append(f"- {escape.text(outcome.environment)}: {outcome.noun} {outcome.action}{link}")
        if delivered.tagged:
            lines.append(f"- tagged {delivered.tagged} model version(s) in MLflow")
        lines += [f"- :warning: {escape.text(w)}" for w in delivered.warnings]
    return "\n".join(lines) + "\n"


def show_delivery(settings: Settings, result: Any) -> None:
    """Print retries, pull requests, write-back and warnings; append the job summary if asked."""
    delivered = result.delivered
    if delivered is not None:
        if delivered.earlier and result.pushed:
            click.echo(f"pushed {delivered.earlier} earlier local commit(s) to {settings.remote} as well")
        if delivered.attempts > 1:
            click.echo(retried(result))
        for outcome in delivered.pull_requests:
            click.echo(printable(outcome.describe()))
        if delivered.tagged:
            click.echo(f"tagged {delivered.tagged} model version(s) in MLflow")
        for warning in delivered.warnings:
            click.echo(f"warning: {printable(warning)}", err=True)
    target = settings.delivery.summary_file
    if target is not None:
        text = plan_markdown(settings, result.computed) + "\n" + delivery_markdown(result)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
