"""What the receiver answers over HTTP: deliveries, /healthz and /metrics (a WSGI application).

    POST <path> (default /webhook)   an MLflow delivery: 202 queued, 200 ignored (with the reason),
                                     401 unsigned / bad signature, 400 stale timestamp / malformed,
                                     409 replayed, 413 too large (from the HTTP server, `listener`)
    GET  /healthz                    200 {"status": "ok", ...}
    GET  /metrics                    Prometheus text format (see `telemetry`)

A delivery's signature is checked on the raw bytes before anything of its body is parsed, so a
body from someone without the secret costs a hash and nothing more; only authenticated
deliveries count as received. Deliveries are answered at once (MLflow waits for the answer and
retries 5xx and 429); the sync runs later in the runner thread. A rejected delivery is never
queued and its delivery id is not remembered, so MLflow's own retry of a delivery the receiver
failed to answer still counts. Registry text (model names, aliases, tag keys) is logged through
`printable`, so it cannot forge log lines, and refusals are logged at most once per reason every
10 s (`throttle`; /metrics counts every one). The connection limits live in `listener`.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from generator.errors import redact
from generator.printable import printable
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Event, Malformed, parse
from generator.webhook.runner import FilterHolder
from generator.webhook.signature import Rejected, Verifier
from generator.webhook.telemetry import Telemetry
from generator.webhook.throttle import Throttle, held_back

log = logging.getLogger("model_gitops.webhook")
MAX_BODY = 1024 * 1024
STATUS = {"unsigned": 401, "bad_signature": 401, "replayed": 409, "too_large": 413}
JSON = "application/json"


def shown(text: str) -> str:
    """Untrusted text as it may appear in a log line: secrets hidden, controls escaped."""
    return printable(redact(text))


@dataclass
class Receiver:
    """Everything a delivery goes through: signature, parsing, filter, debouncer, counters."""

    verifier: Verifier
    filters: FilterHolder
    debouncer: Debouncer[Event]
    telemetry: Telemetry
    path: str = "/webhook"
    clock: Callable[[], float] = time.time
    throttle: Throttle = field(default_factory=Throttle)

    def deliver(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Handle one delivery; the HTTP status and a small JSON answer."""
        try:
            self.verifier.verify(headers, body, self.clock())
        except Rejected as rejected:
            return self.reject(rejected.reason, rejected.detail)
        try:
            event = parse(body)
        except Malformed as malformed:
            self.telemetry.receive(None)
            return self.reject("malformed", str(malformed))
        self.telemetry.receive(event.kind)
        reason = self.filters.current.ignore_reason(event)
        if reason is not None:
            self.telemetry.ignored.labels(reason).inc()
            log.debug("ignored %s (%s)", shown(event.describe()), reason)
            return 200, {"status": "ignored", "reason": reason}
        self.debouncer.add(event)
        self.telemetry.pending.set(self.debouncer.pending)
        log.info("queued %s", shown(event.describe()))
        return 202, {"status": "queued"}

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "mode": self.telemetry.mode,
            "pending": self.debouncer.pending,
            "last_success": self.telemetry.last_success_at,
        }

    def reject(self, reason: str, detail: str, what: str = "delivery") -> tuple[int, dict[str, Any]]:
        """Count and log a refused delivery (or request); its status and answer."""
        self.telemetry.rejected.labels(reason).inc()
        held = self.throttle.allow(reason)
        if held is not None:
            log.warning("rejected a %s: %s (%s)%s", what, reason, shown(detail), held_back(held))
        return STATUS.get(reason, 400), {"status": "rejected", "reason": reason}


class App:
    """The WSGI application around a `Receiver` (set once the server is bound)."""

    def __init__(self, receiver: Receiver | None = None) -> None:
        self.receiver = receiver

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        try:
            status, payload, content_type = self._route(method, path, environ)
        except Exception as exc:  # noqa: BLE001 - a bug: log it whole, answer 500, keep serving
            log.error("request failed with a bug:\n%s", redact("".join(traceback.format_exception(exc))))
            status, payload, content_type = 500, _json({"status": "error"}), JSON
        log.debug("%s %s %s %d", environ.get("REMOTE_ADDR", "-"), shown(method), shown(path), status)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [payload]

    def _route(self, method: str, path: str, environ: dict[str, Any]) -> tuple[int, bytes, str]:
        receiver = self.receiver
        assert receiver is not None, "the receiver is set before serving"
        if method == "POST" and path == receiver.path:
            length = int(environ.get("CONTENT_LENGTH") or 0)  # digits only: checked by the server
            body = environ["wsgi.input"].read(length)
            status, answer = receiver.deliver(_headers(environ), body)
            return status, _json(answer), JSON
        if method == "GET" and path == "/healthz":
            return 200, _json(receiver.health()), JSON
        if method == "GET" and path == "/metrics":
            return 200, receiver.telemetry.exposition(), receiver.telemetry.content_type
        if path in (receiver.path, "/healthz", "/metrics"):
            return 405, _json({"status": "method not allowed"}), JSON
        return 404, _json({"status": "not found"}), JSON

    def refused(self, reason: str, detail: str) -> None:
        """A request the HTTP server refused before it reached the application."""
        if self.receiver is not None:
            self.receiver.reject(reason, detail, "request")


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    return {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


def _json(answer: Mapping[str, Any]) -> bytes:
    return json.dumps(answer, sort_keys=True).encode() + b"\n"
