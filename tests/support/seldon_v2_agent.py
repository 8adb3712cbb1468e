"""A stand-in for Seldon Core 2's agent metrics endpoint, on 127.0.0.1, for a real Prometheus.

Serves, on any path, the counters the agent of SeldonIO/seldon-core@v2.10.2 exposes per Model
(`scheduler/pkg/metrics/agent.go`): `seldon_model_infer_total` and
`seldon_model_infer_seconds_total`, labels `server`, `server_replica`, `model`, `model_internal`,
`method_type`, `code`, plus the `namespace` that prometheus-operator adds to what a PodMonitor
scrapes. Counters move by a fixed amount on every scrape, as set by the test.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNT = "seldon_model_infer_total"
SECONDS = "seldon_model_infer_seconds_total"


@dataclass
class ModelTraffic:
    """What one Model receives per scrape: requests, failures (REST 500 and gRPC Unavailable,
    half each), and their latency."""

    internal: str  # `model_internal`: <model>_<Seldon model version>
    requests: int
    errors: int = 0
    latency: float = 0.05


class SeldonV2Agent:
    def __init__(self) -> None:
        self.traffic: dict[tuple[str, str], ModelTraffic] = {}
        self.counts: dict[tuple[str, str, str, str, str], tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def set(self, namespace: str, model: str, traffic: ModelTraffic | None) -> None:
        with self.lock:
            if traffic is None:
                self.traffic.pop((namespace, model), None)
            else:
                self.traffic[(namespace, model)] = traffic

    def scrape(self) -> str:
        with self.lock:
            for (namespace, model), traffic in self.traffic.items():
                rest_errors = traffic.errors // 2
                answers = (
                    ("rest", "200", traffic.requests - traffic.errors),
                    ("rest", "500", rest_errors),
                    ("grpc", "Unavailable", traffic.errors - rest_errors),
                )
                for method, code, count in answers:
                    key = (namespace, model, traffic.internal, method, code)
                    seen, spent = self.counts.get(key, (0.0, 0.0))
                    self.counts[key] = (seen + count, spent + count * traffic.latency)
            return self._text()

    def _text(self) -> str:
        lines = [
            f"# HELP {COUNT} A count of server inference calls",
            f"# TYPE {COUNT} counter",
            f"# HELP {SECONDS} A sum of server inference call latencies",
            f"# TYPE {SECONDS} counter",
        ]
        for (namespace, model, internal, method, code), (seen, spent) in sorted(self.counts.items()):
            labels = (
                f'namespace="{namespace}",server="mlserver",server_replica="0",model="{model}",'
                f'model_internal="{internal}",method_type="{method}",code="{code}"'
            )
            lines += [f"{COUNT}{{{labels}}} {seen}", f"{SECONDS}{{{labels}}} {spent}"]
        return "\n".join(lines) + "\n"

    def start(self) -> str:
        """Serve on a free port; returns `host:port` for Prometheus's static target."""
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = agent.scrape().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
