"""The serve check's results for people: one terminal line each, or a Markdown table. Pure.

The Markdown goes into pull-request bodies and job summaries (`serve-check --format markdown`);
everything from the registry or from MLServer's log is escaped like the rest of the Markdown.
"""

from __future__ import annotations

from collections import Counter

from generator.report import escape
from generator.runtime.servecheck import FAILED, PASSED, SKIPPED, Result

ICONS = {PASSED: ":white_check_mark:", FAILED: ":x:", SKIPPED: ":warning:"}


def line(result: Result) -> str:
    """`prod: fraud 3 on mlserver-1.7.1-py3.11: passed: ready, ... (21.3 s; venv cached)`."""
    c = result.candidate
    extra = "; ".join([f"{result.seconds:.1f} s", *result.notes])
    where = f"{c.environment}: {c.model} {c.version} on {c.profile.name}"
    return f"{where}: {result.outcome}: {result.detail} ({extra})"


def summary(results: list[Result]) -> str:
    """`serve-check: 1 passed, 1 failed, 1 skipped` (or that there was nothing to check)."""
    if not results:
        return "serve-check: nothing to check"
    counts = Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o}" for o in (PASSED, FAILED, SKIPPED) if counts[o]]
    return "serve-check: " + ", ".join(parts)


def markdown(results: list[Result]) -> str:
    """A `### Serve check` section with one table row per candidate."""
    lines = ["### Serve check", ""]
    if not results:
        return "\n".join([*lines, "Nothing to check.", ""])
    lines += [
        "| environment | model | version | runtime | result | time | detail |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        c = result.candidate
        detail = "; ".join([result.detail, *result.notes])
        lines.append(
            f"| {escape.code(c.environment, table=True)} | {escape.code(c.model, table=True)} "
            f"| {escape.code(c.version, table=True)} | {escape.code(c.profile.name, table=True)} "
            f"| {ICONS[result.outcome]} {result.outcome} | {result.seconds:.1f} s | {escape.text(detail)} |"
        )
    return "\n".join([*lines, "", summary(results), ""])
