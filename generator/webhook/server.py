"""The receiver's HTTP endpoint (stdlib `ThreadingHTTPServer`), 127.0.0.1 by default.

    POST <path> (default /webhook)   an MLflow delivery: 202 queued, 200 ignored (with the reason),
                                     401 unsigned / bad signature, 400 stale timestamp / malformed,
                                     409 replayed, 413 too large, 411 no Content-Length
    GET  /healthz                    200 {"status": "ok", ...}
    GET  /metrics                    Prometheus text format (see `telemetry`)

Deliveries are answered at once (MLflow waits for the answer and retries 5xx and 429); the
sync runs later in the runner thread. A rejected delivery is never queued and its delivery id is
not remembered, so MLflow's own retry of a delivery the receiver failed to answer still counts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from generator.errors import redact
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Event, Malformed, parse
from generator.webhook.runner import FilterHolder
from generator.webhook.signature import Rejected, Verifier
from generator.webhook.telemetry import Telemetry

log = logging.getLogger("model_gitops.webhook")
MAX_BODY = 1024 * 1024
STATUS = {"unsigned": 401, "bad_signature": 401, "replayed": 409, "too_large": 413}


@dataclass
class Receiver:
    """Everything a delivery goes through: signature, parsing, filter, debouncer, counters."""

    verifier: Verifier
    filters: FilterHolder
    debouncer: Debouncer[Event]
    telemetry: Telemetry
    path: str = "/webhook"
    clock: Callable[[], float] = time.time

    def deliver(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Handle one delivery; the HTTP status and a small JSON answer."""
        try:
            kind: str | None = parse(body).kind
        except Malformed:
            kind = None
        self.telemetry.receive(kind)
        try:
            self.verifier.verify(headers, body, self.clock())
            event = parse(body)
        except Rejected as rejected:
            return self._reject(rejected.reason, rejected.detail)
        except Malformed as malformed:
            return self._reject("malformed", str(malformed))
        reason = self.filters.current.ignore_reason(event)
        if reason is not None:
            self.telemetry.ignored.labels(reason).inc()
            log.debug("ignored %s (%s)", event.describe(), reason)
            return 200, {"status": "ignored", "reason": reason}
        self.debouncer.add(event)
        self.telemetry.pending.set(self.debouncer.pending)
        log.info("queued %s", redact(event.describe()))
        return 202, {"status": "queued"}

    def too_large(self) -> tuple[int, dict[str, Any]]:
        self.telemetry.receive(None)
        return self._reject("too_large", f"bodies are limited to {MAX_BODY} bytes")

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "mode": self.telemetry.mode,
            "pending": self.debouncer.pending,
            "last_success": self.telemetry.last_success_at,
        }

    def _reject(self, reason: str, detail: str) -> tuple[int, dict[str, Any]]:
        self.telemetry.rejected.labels(reason).inc()
        log.warning("rejected a delivery: %s (%s)", reason, redact(detail))
        return STATUS.get(reason, 400), {"status": "rejected", "reason": reason}


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver
    timeout = 15  # seconds a client may take to send its request
    server_version = "model-gitops-webhook"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), redact(format % args))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._json(200, self.receiver.health())
        elif path == "/metrics":
            self._send(200, self.receiver.telemetry.exposition(), self.receiver.telemetry.content_type)
        else:
            self._json(404, {"status": "not found"})

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != self.receiver.path:
            self._json(404, {"status": "not found"})
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._json(411, {"status": "rejected", "reason": "length_required"})
            return
        if int(length) > MAX_BODY:
            self.close_connection = True
            self._json(*self.receiver.too_large())
            return
        body = self.rfile.read(int(length))
        headers = {k: v for k, v in self.headers.items()}
        self._json(*self.receiver.deliver(headers, body))

    def _json(self, status: int, answer: dict[str, Any]) -> None:
        self._send(status, json.dumps(answer, sort_keys=True).encode() + b"\n", "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class WebhookServer:
    """The HTTP server around a `Receiver`, serving from a background thread or the caller's."""

    def __init__(self, receiver: Receiver, host: str = "127.0.0.1", port: int = 8787) -> None:
        handler = type("Handler", (_Handler,), {"receiver": receiver})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> WebhookServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="model-gitops-http", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(10)
