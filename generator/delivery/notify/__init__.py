"""One message per destination per run: what was deployed, promoted, rolled back, held or refused.

`messages` is pure: it groups the run's changes by the destinations their environments name
(`notify` in the environment file) and builds each message; `send` hands them to the senders
(one module per outside system: `slack`, `webhook`). A failed notification is a warning, never
a failed run; URLs are secrets and are never shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.errors import redact
from generator.plan.planner import Change, Plan
from generator.printable import printable
from generator.report.plain import all_changes, describe

EVENTS = {"deploy": "deploy", "update": "deploy", "config": "deploy", "promote": "promote"}
EVENTS |= {
    "rollback": "rollback",
    "abort": "rollback",
    "hold": "hold",
    "reject": "reject",
    "remove": "remove",
}
EVENTS |= {kind: "rollout" for kind in ("start", "restart", "advance", "release")}
Sender = Callable[[str, "Message"], None]  # (url, message); raises NotifyError


@dataclass(frozen=True)
class Message:
    """What one destination hears about one run."""

    kind: str  # slack | webhook
    url_env: str
    changes: tuple[Change, ...]
    commit: str | None = None
    environments: tuple[str, ...] = field(default_factory=tuple)

    @property
    def lines(self) -> list[str]:
        return [printable(redact(describe(change))) for change in self.changes]

    @property
    def text(self) -> str:
        where = f" (commit {self.commit[:12]})" if self.commit else ""
        count = len(self.changes)
        head = f"model-gitops: {count} change{'s' * (count != 1)} in {', '.join(self.environments)}{where}"
        return "\n".join([head, *(f"- {line}" for line in self.lines)])

    def payload(self) -> dict[str, Any]:
        """The generic webhook's JSON (documented in docs/notifications.md)."""
        return {
            "source": "model-gitops",
            "commit": self.commit,
            "environments": list(self.environments),
            "changes": [_change(change) for change in self.changes],
            "text": self.text,
        }


def messages(plan: Plan, touched: list[str], commit: str | None) -> list[Message]:
    """The messages of a run, one per destination, in a stable order."""
    grouped: dict[tuple[str, str], list[Change]] = {}
    news = sorted([*all_changes(plan, touched), *plan.rejections], key=lambda c: (c.environment, c.model))
    for change in news:
        if commit is None and change.kind != "reject":
            continue  # nothing was committed: only refusals are news
        notify = plan.environments[change.environment].config.notify
        event = EVENTS.get(change.kind)
        if event is None or event not in notify.events:
            continue
        for kind in ("slack", "webhook"):
            destination = getattr(notify, kind)
            if destination is not None:
                grouped.setdefault((kind, destination.url_env), []).append(change)
    return [
        Message(kind, url_env, tuple(changes), commit, tuple(sorted({c.environment for c in changes})))
        for (kind, url_env), changes in sorted(grouped.items())
    ]


def send(
    found: list[Message], senders: Mapping[str, Sender], env: Mapping[str, str] | None = None
) -> list[str]:
    """Send each message; the warnings of those that could not be sent."""
    env = os.environ if env is None else env
    warnings = []
    for message in found:
        url = env.get(message.url_env, "").strip()
        if not url:
            warnings.append(f"notify: {message.url_env} is not set, so no {message.kind} message was sent")
            continue
        try:
            senders[message.kind](url, message)
        except NotifyError as exc:
            warnings.append(f"notify: the {message.kind} message ({message.url_env}) was not sent: {exc}")
    return warnings


class NotifyError(Exception):
    """A notification the destination did not take (one line, URL never included)."""


def _change(change: Change) -> dict[str, Any]:
    return {
        "environment": change.environment,
        "model": change.model,
        "kind": change.kind,
        "event": EVENTS.get(change.kind, change.kind),
        "from_version": change.from_version,
        "to_version": change.to_version,
        "reason": redact(change.reason),
        "detail": redact(change.detail),
        "text": redact(describe(change)),
    }
