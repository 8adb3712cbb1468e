"""`notify`: who hears about what a run delivered (Slack incoming webhook, a generic JSON webhook).

Destinations are named by the environment variable that holds their URL, never by the URL: an
incoming-webhook URL is a secret. One message per destination per run covers every environment
that names it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from generator.config.base import Strict, described

ENV_VAR = described(
    r"^[A-Z_][A-Z0-9_]{0,127}$",
    "must be the name of an environment variable: upper-case letters, digits and '_'",
)
Event = Literal["deploy", "promote", "rollback", "hold", "reject", "remove", "rollout"]
ALL_EVENTS: tuple[Event, ...] = ("deploy", "promote", "rollback", "hold", "reject", "remove", "rollout")


class Destination(Strict):
    url_env: str = Field(pattern=ENV_VAR, description="The environment variable holding the URL.")


class Notify(Strict):
    """Where and about what to send one message per run."""

    slack: Destination | None = None  # a Slack incoming webhook: {"text": ...}
    webhook: Destination | None = None  # any endpoint taking model-gitops's JSON (docs/notifications.md)
    events: list[Event] = Field(default_factory=lambda: list(ALL_EVENTS))
