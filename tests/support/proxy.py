"""A fault-injecting HTTP proxy on 127.0.0.1 in front of a real server (bounded, stoppable)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultProxy:
    """Forwards to `upstream`; `fail_next` requests answer 500, `hang` makes requests stall."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.fail_next = 0
        self.always_fail = False
        self.hang_seconds = 0.0
        self.fail_after: int | None = None
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.hang_seconds = 0
        self.server.shutdown()
        self.server.server_close()

    def _decide(self, path: str) -> str:
        with self.lock:
            self.requests.append(path)
            late = self.fail_after is not None and len(self.requests) > self.fail_after
            if self.always_fail or late or self.fail_next > 0:
                self.fail_next = max(0, self.fail_next - 1)
                return "fail"
        return "hang" if self.hang_seconds else "pass"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def _forward(self) -> None:
                decision = proxy._decide(self.path)
                if decision == "hang":
                    time.sleep(min(proxy.hang_seconds, 30))
                    self.close_connection = True
                    return
                if decision == "fail":
                    self._answer(500, b'{"error_code": "INTERNAL_ERROR", "message": "injected"}')
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                for key in ("Content-Type", "Authorization"):
                    if self.headers.get(key):
                        request.add_header(key, self.headers[key])
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        self._answer(response.status, response.read())
                except urllib.error.HTTPError as error:
                    self._answer(error.code, error.read())
                except OSError:
                    self._answer(502, b'{"error_code": "BAD_GATEWAY"}')

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            do_GET = do_POST = do_PATCH = do_DELETE = _forward

        return Handler
