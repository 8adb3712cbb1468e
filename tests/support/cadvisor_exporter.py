"""A stand-in for the kubelet's cAdvisor metrics, on 127.0.0.1, for a real Prometheus to scrape.

Serves `/prometheus` in the text exposition format with the two series `right-size` reads, shaped
as kube-prometheus-stack's kubelet scrape (`/metrics/cadvisor`) exposes them:
`container_cpu_usage_seconds_total` (a counter of CPU seconds) and
`container_memory_working_set_bytes` (a gauge), labelled `namespace`, `pod`, `container`, plus
`id`, `image` and `name` as cAdvisor sets them. Each pod also has the series cAdvisor reports
beside its containers: the pod's cgroup (`container=""`) and the pause container (`POD`).

A container's CPU counter grows by its set number of cores times the wall-clock time between
scrapes, so `rate()` reads those cores whatever the scrape timing. `start()` may be called more
than once: each server is another scrape target of the same containers (duplicate series, as
when two jobs scrape one kubelet).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"


@dataclass
class _Container:
    cores: float
    memory: float
    seconds: float = 0.0
    last: float = 0.0


class CadvisorExporter:
    def __init__(self) -> None:
        self.containers: dict[tuple[str, str, str], _Container] = {}
        self.lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []

    def set(self, namespace: str, pod: str, container: str, cores: float, memory: float) -> None:
        """A container of `pod` using `cores` CPU and `memory` bytes from now on."""
        with self.lock:
            now = time.monotonic()
            found = self.containers.get((namespace, pod, container))
            if found is None:
                self.containers[(namespace, pod, container)] = _Container(cores, memory, last=now)
                return
            self._advance(found, now)
            found.cores, found.memory = cores, memory

    def remove(self, namespace: str, pod: str) -> None:
        """The pod is gone: its series stop."""
        with self.lock:
            for key in [key for key in self.containers if key[:2] == (namespace, pod)]:
                del self.containers[key]

    def scrape(self) -> str:
        with self.lock:
            now = time.monotonic()
            for container in self.containers.values():
                self._advance(container, now)
            return self._text()

    @staticmethod
    def _advance(container: _Container, now: float) -> None:
        container.seconds += container.cores * (now - container.last)
        container.last = now

    def _text(self) -> str:
        cpu = [f"# HELP {CPU} Cumulative cpu time consumed in seconds.", f"# TYPE {CPU} counter"]
        memory = [f"# HELP {MEMORY} Current working set in bytes.", f"# TYPE {MEMORY} gauge"]
        pods: dict[tuple[str, str], list[_Container]] = {}
        for (namespace, pod, name), container in sorted(self.containers.items()):
            pods.setdefault((namespace, pod), []).append(container)
            labels = _labels(namespace, pod, name)
            cpu.append(f"{CPU}{{{labels}}} {container.seconds:.6f}")
            memory.append(f"{MEMORY}{{{labels}}} {container.memory:.0f}")
        for (namespace, pod), containers in pods.items():
            whole = _labels(namespace, pod, "")  # the pod's cgroup: every container together
            cpu.append(f"{CPU}{{{whole}}} {sum(c.seconds for c in containers):.6f}")
            memory.append(f"{MEMORY}{{{whole}}} {sum(c.memory for c in containers):.0f}")
            pause = _labels(namespace, pod, "POD")
            cpu.append(f"{CPU}{{{pause}}} 0.01")
            memory.append(f"{MEMORY}{{{pause}}} 262144")
        return "\n".join([*cpu, *memory]) + "\n"

    def start(self) -> str:
        """Serve on a free port; returns `host:port` for Prometheus's static target."""
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/prometheus":
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

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _labels(namespace: str, pod: str, container: str) -> str:
    cgroup = f"/kubepods/burstable/pod-{pod}" + (f"/{container}" if container else "")
    image = (
        "" if not container else ("registry.k8s.io/pause:3.9" if container == "POD" else f"img/{container}")
    )
    return (
        f'container="{container}",id="{cgroup}",image="{image}",name="{container}",'
        f'namespace="{namespace}",pod="{pod}"'
    )
