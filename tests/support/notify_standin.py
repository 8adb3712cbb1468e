"""A local HTTP stand-in for Slack incoming webhooks and a generic JSON webhook (127.0.0.1).

It answers as Slack documents (api.slack.com/messaging/webhooks): 200 `ok` for a JSON body with
`text`, 400 `invalid_payload` otherwise; `fail_with` makes it answer an error status instead.
Every request is recorded (path and parsed JSON body).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.local_http import QuietHandler, serving


@dataclass
class StandIn:
    url: str
    received: list[tuple[str, Any]] = field(default_factory=list)
    fail_with: int | None = None


@contextmanager
def notify_standin() -> Iterator[StandIn]:
    standin = StandIn("")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            standin.received.append((self.path, body))
            if standin.fail_with is not None:
                self.answer(standin.fail_with, "no_service", "text/plain")
            elif self.path.startswith("/slack/") and not (isinstance(body, dict) and body.get("text")):
                self.answer(400, "invalid_payload", "text/plain")
            else:
                self.answer(200, "ok", "text/plain")

    with serving(Handler) as url:
        standin.url = url
        yield standin
