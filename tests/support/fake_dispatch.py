"""A stand-in for GitHub's `repository_dispatch` endpoint on 127.0.0.1.

Implements `POST /repos/{owner}/{repo}/dispatches` as documented
(https://docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event): a JSON body
with `event_type` (a string of 1-100 characters) and an optional `client_payload` object of at
most 10 top-level keys; answers 204 No Content, 401 without the right bearer token, 404 for
another repository, 422 for an invalid body. Checks the headers GitHub expects and records every
request (and anything wrong with it) for the tests.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/api/v3"


@dataclass
class FakeDispatch:
    repository: str
    token: str
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeDispatch:
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def check(self, headers: dict[str, str], path: str, raw: bytes) -> tuple[int, Any]:
        if path != f"{PREFIX}/repos/{self.repository}/dispatches":
            self.problems.append(f"POST to {path}")
            return 404, {"message": "Not Found"}
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        if "application/vnd.github+json" not in headers.get("accept", ""):
            self.problems.append(f"Accept {headers.get('accept')!r}")
        if headers.get("x-github-api-version") != "2022-11-28":
            self.problems.append(f"X-GitHub-Api-Version {headers.get('x-github-api-version')!r}")
        if not headers.get("user-agent"):
            self.problems.append("no User-Agent")
        if "application/json" not in headers.get("content-type", ""):
            self.problems.append(f"Content-Type {headers.get('content-type')!r}")
        try:
            body = json.loads(raw)
        except ValueError:
            self.problems.append("body is not JSON")
            return 400, {"message": "Problems parsing JSON"}
        event_type, payload = body.get("event_type"), body.get("client_payload", {})
        if not isinstance(event_type, str) or not 1 <= len(event_type) <= 100:
            self.problems.append(f"event_type {event_type!r}")
            return 422, {"message": "Invalid request.", "errors": ["event_type is invalid"]}
        if not isinstance(payload, dict) or len(payload) > 10 or set(body) - {"event_type", "client_payload"}:
            self.problems.append(f"body {body!r}")
            return 422, {"message": "Invalid request.", "errors": ["client_payload is invalid"]}
        self.dispatches.append(body)
        return 204, None


class _Handler(BaseHTTPRequestHandler):
    state: FakeDispatch

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.state._lock:
            status, answer = self.state.check(headers, self.path, raw)
        self.send_response(status)
        if answer is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = json.dumps(answer).encode()
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
