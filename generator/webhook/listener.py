"""The receiver's HTTP server: waitress, with bounded connections, reads and bodies.

Why waitress: the receiver faces the network (often through a reverse proxy, sometimes not), and
the stdlib `ThreadingHTTPServer` it used before had no limits at all: a thread and a full body
buffer per connection (300 slow 1 MiB bodies held 300 MB), a listen backlog of 5 (a burst of
500 deliveries went partly unanswered), an unhandled `Content-Length: ²`, and a `Server:` header
naming the Python version. Waitress is a production WSGI server in pure Python (no compiler, one
small dependency-free package) whose documented settings cover exactly what was missing, so the
limits are configuration, not code of ours:

- `connection_limit` (`--max-connections`, 100): beyond it waitress stops accepting; further
  clients wait in the kernel's queue, `backlog` (1024) long, and are served as slots free up;
- `channel_timeout` (`--read-timeout`, 10 s): a connection idle that long is closed;
- `max_request_body_size` (1 MiB: 413) and `max_request_header_size` (64 KiB: 431); bodies are
  buffered by a single I/O thread, in memory up to `inbuf_overflow` (64 KiB) and in a temporary
  file beyond, so memory stays bounded by connections x 64 KiB;
- waitress parses the request line and headers strictly (a non-digit `Content-Length` is a 400);
- `ident` empty: no `Server:` header at all;
- a fixed pool of 4 worker threads runs the application, which answers in microseconds.

One limit waitress lacks is a deadline for a whole request: `channel_timeout` counts idleness, so
a client trickling one byte a second would hold its slot forever (and 100 such clients would
lock MLflow out). `_Server.maintenance` adds it through waitress's own extension points (the
`channel_class`, and the periodic `maintenance` that already enforces `channel_timeout`): a
request still incomplete `--read-timeout` seconds after its first byte is closed and counted as
rejected (`timeout`). Requests waitress refuses itself (413, 431, 400) are counted through the
channel's `error_task_class` (`too_large`, `bad_request`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

from generator.errors import ConfigError
from generator.webhook.server import MAX_BODY, App


@dataclass(frozen=True)
class Limits:
    """How much of this process a client can hold."""

    max_connections: int = 100
    read_timeout: int = 10  # seconds: idle connection, and whole request from its first byte
    backlog: int = 1024
    max_body: int = MAX_BODY
    max_header: int = 64 * 1024
    in_memory: int = 64 * 1024  # per connection; larger bodies are buffered in a temporary file
    threads: int = 4


class _ErrorTask(ErrorTask):  # type: ignore[misc]
    """Waitress's answer to a request it refused itself; counted before it is sent."""

    def execute(self) -> None:
        error = self.request.error
        code = getattr(error, "code", 500)
        if code < 500:  # a 500 here is a bug of the application, logged by waitress itself
            reason = "too_large" if code in (413, 431) else "bad_request"
            self.channel.server.app.refused(reason, f"{code} {error.reason}: {error.body}")
        super().execute()


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A connection that remembers when the request it is reading began."""

    error_task_class = _ErrorTask
    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.time()
        result = bool(super().received(data))
        if self.request is None:
            self.request_started = None
        return result


class _Server(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel

    def __init__(self, app: App, adj: Adjustments) -> None:
        self.app = app
        super().__init__(app, adj=adj)

    def maintenance(self, now: float) -> None:
        """Close requests that took longer than the read timeout, then idle connections."""
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                channel.request_started = None
                channel.will_close = True
                self.app.refused("timeout", f"request not complete after {self.adj.channel_timeout}s")
        super().maintenance(now)


class WebhookServer:
    """The HTTP server around an `App`, serving from a background thread or the caller's."""

    def __init__(
        self, app: App, host: str = "127.0.0.1", port: int = 8787, limits: Limits | None = None
    ) -> None:
        limits = limits or Limits()
        try:
            adjustments = Adjustments(
                host=host,
                port=port,
                threads=limits.threads,
                connection_limit=limits.max_connections,
                backlog=limits.backlog,
                channel_timeout=limits.read_timeout,
                cleanup_interval=1,
                max_request_body_size=limits.max_body,
                max_request_header_size=limits.max_header,
                inbuf_overflow=limits.in_memory,
                ident="",
                clear_untrusted_proxy_headers=False,
                log_socket_errors=False,
                expose_tracebacks=False,
                asyncore_use_poll=True,
            )
            self._server = _Server(app, adjustments)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {_why(exc)}",
                "stop what uses that port or choose another --port (or --host)",
            ) from None
        self.host, self.port = str(self._server.effective_host), int(self._server.effective_port)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> WebhookServer:
        self._thread = threading.Thread(target=self.serve_forever, name="model-gitops-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until `stop` (or an exception such as KeyboardInterrupt in this thread)."""
        sockets: dict[int, Any] = self._server._map
        while not self._stopping.is_set() and sockets:
            wasyncore.loop(timeout=0.5, use_poll=True, map=sockets, count=1)

    def stop(self) -> None:
        """Stop serving and close every socket (the port is free again); idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread is not None:
            self._server.pull_trigger()
            self._thread.join(10)
        self._server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._server._map)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).rstrip(".").lower() or type(exc).__name__
