"""A counting HTTP proxy on 127.0.0.1: every request the sync sends to MLflow is counted.

It sits in front of the real `mlflow server` and forwards each request unchanged over a
keep-alive connection, so the count is exactly what a sync costs the server.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class CountingProxy:
    """Forward to `upstream` and count requests by `METHOD /path`."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.host, self.port = target.hostname or "127.0.0.1", target.port or 80
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.local = threading.local()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self) -> Counter[str]:
        """The counts since the last call, and start counting afresh."""
        with self.lock:
            counts, self.counts = self.counts, Counter()
        return counts

    def record(self, method: str, path: str) -> None:
        with self.lock:
            self.counts[f"{method} {endpoint(path)}"] += 1

    def connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.local.connection = connection
        return connection


def endpoint(path: str) -> str:
    """The endpoint of a request path: ids and artifact paths folded, so counts stay readable."""
    path = path.split("?", 1)[0]
    for marker in ("/mlflow-artifacts/artifacts/", "/get-artifact/"):
        if marker in path:
            return path[: path.index(marker) + len(marker)] + "..."
    return _ID.sub("{id}", path)


_ID = re.compile(r"(?<=/)(m-)?[0-9a-f]{32}(?=/|$)")


def _handler(proxy: CountingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            proxy.record(self.command, self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            status, reason, response_headers, data = _send(proxy, self.command, self.path, body, headers)
            self.send_response(status, reason)
            for key, value in response_headers:
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def _send(
    proxy: CountingProxy, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    for attempt in range(2):
        connection = proxy.connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.reason, response.getheaders(), response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            proxy.local.connection = None
            if attempt:
                raise
    raise AssertionError("unreachable")
