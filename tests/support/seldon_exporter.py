"""A stand-in for Seldon's executor metrics endpoint, on 127.0.0.1, for a real Prometheus to scrape.

Serves `/prometheus` in the text exposition format with the histogram
`seldon_api_executor_server_requests_seconds` (labels namespace, deployment_name, predictor_name,
predictor_version, service, method, code). Counters move by a fixed amount on every scrape, as set
by the test, so readings depend on scrapes, not on wall-clock time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METRIC = "seldon_api_executor_server_requests_seconds"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Traffic:
    """What one predictor receives per scrape: requests, how many fail, and their latency."""

    version: str
    requests: int
    errors: int = 0
    latency: float = 0.05
    error_sample: str | None = None  # expose the failing requests' series as this value ("NaN")


@dataclass
class _Counters:
    count: float = 0.0
    total: float = 0.0
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))


class SeldonExporter:
    PATH = "/prometheus"  # where the scrape finds the metrics

    def __init__(self) -> None:
        self.traffic: dict[tuple[str, str, str], Traffic] = {}
        self.counters: dict[tuple[str, str, str, str, str], _Counters] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def set(self, namespace: str, deployment: str, predictor: str, traffic: Traffic | None) -> None:
        with self.lock:
            if traffic is None:
                self.traffic.pop((namespace, deployment, predictor), None)
            else:
                self.traffic[(namespace, deployment, predictor)] = traffic

    def scrape(self) -> str:
        with self.lock:
            for (namespace, deployment, predictor), traffic in self.traffic.items():
                for code, count in (("200", traffic.requests - traffic.errors), ("500", traffic.errors)):
                    key = (namespace, deployment, predictor, traffic.version, code)
                    counters = self.counters.setdefault(key, _Counters())
                    counters.count += count
                    counters.total += count * traffic.latency
                    for index, bound in enumerate(BUCKETS):
                        counters.buckets[index] += count if traffic.latency <= bound else 0
            return self._text()

    def _text(self) -> str:
        lines = [f"# HELP {METRIC} Executor request latency.", f"# TYPE {METRIC} histogram"]
        for key, counters in sorted(self.counters.items()):
            namespace, deployment, predictor, version, code = key
            traffic = self.traffic.get((namespace, deployment, predictor))
            poison = traffic.error_sample if traffic is not None and code != "200" else None
            labels = (
                f'namespace="{namespace}",deployment_name="{deployment}",predictor_name="{predictor}",'
                f'predictor_version="{version}",service="predictions",method="post",code="{code}"'
            )
            for bound, inside in zip(BUCKETS, counters.buckets, strict=True):
                lines.append(f'{METRIC}_bucket{{{labels},le="{bound}"}} {poison or inside}')
            lines.append(f'{METRIC}_bucket{{{labels},le="+Inf"}} {poison or counters.count}')
            lines.append(f"{METRIC}_sum{{{labels}}} {poison or counters.total}")
            lines.append(f"{METRIC}_count{{{labels}}} {poison or counters.count}")
        return "\n".join(lines) + "\n"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host` and `port` (default: a free one); returns `host:port` for Prometheus's
        static target."""
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != exporter.PATH:
                    self.send_error(404)
                    return
                body = exporter.scrape().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"{host}:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
