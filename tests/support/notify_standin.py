"""A local HTTP stand-in for Slack incoming webhooks and a generic JSON webhook (127.0.0.1).

It answers as Slack documents (api.slack.com/messaging/webhooks): 200 `ok` for a JSON body with
`text`, 400 `invalid_payload` otherwise; `fail_with` makes it answer an error status instead.
Every request is recorded (path and parsed JSON body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StandIn:
    url: str
    received: list[tuple[str, Any]] = field(default_factory=list)
    fail_with: int | None = None


@contextmanager
def notify_standin() -> Iterator[StandIn]:
    standin = StandIn("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            standin.received.append((self.path, body))
            if standin.fail_with is not None:
                self._answer(standin.fail_with, "no_service")
            elif self.path.startswith("/slack/") and not (isinstance(body, dict) and body.get("text")):
                self._answer(400, "invalid_payload")
            else:
                self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
