"""Commit messages from a user's template (`--message-template`). Pure.

The default message is `plain.commit_message` (one line per change). A template can wrap it
with the team's conventions; the placeholders are

    {subject}       the default first line, e.g. `deploy(prod): fraud-detector 2 -> 3`
    {body}          the default message after the first line (empty for one change)
    {changes}       every change on its own line
    {environments}  the environments that change, comma-separated
    {count}         the number of changes

e.g. `MODEL_GITOPS_COMMIT_TEMPLATE=$'chore(models): {subject}\\n\\n{changes}'`.
"""

from __future__ import annotations

import string

from generator.errors import ConfigError
from generator.plan.planner import Plan
from generator.report import plain

FIELDS = ("subject", "body", "changes", "environments", "count")


def check_template(template: str) -> str:
    """The template, if it only uses known placeholders and formats; else a `ConfigError`."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"commit message template: {exc}", "escape literal braces as {{ and }}") from None
    unknown = sorted(n for n in names if n not in FIELDS)
    if unknown:
        raise ConfigError(
            f"commit message template: unknown placeholder {{{unknown[0]}}}",
            f"use {', '.join('{' + f + '}' for f in FIELDS)}",
        )
    if not template.strip():
        raise ConfigError("commit message template is empty")
    return template


def commit_message(plan: Plan, touched: list[str], template: str | None = None) -> str:
    """The commit message of a plan, through `template` when one is set."""
    default = plain.commit_message(plan, touched)
    if template is None:
        return default
    changes = plain.all_changes(plan, touched)
    subject, _, body = default.partition("\n")
    text = template.format(
        subject=subject,
        body=body.strip("\n"),
        changes="\n".join(plain.describe(c) for c in changes),
        environments=", ".join(sorted({c.environment for c in changes})),
        count=len(changes),
    )
    return text.strip("\n") + "\n"
