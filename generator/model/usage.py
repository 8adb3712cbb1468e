"""Plain data of resource usage over a window: what `right-size` reads from Prometheus.

`UsageRequest`s name one deployment's pods (by the Kubernetes Deployment that owns them and the
model server's container) and the counter of the requests it answers; the metrics adapter turns
them into `Usage`, which `plan.rightsize` consumes. No behaviour touches the outside world.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UsageRequest:
    """One model's serving pods in one environment, and its request counter."""

    environment: str
    model: str
    namespace: str
    workload: str  # the Kubernetes Deployment whose pods (`<workload>-<hash>-<suffix>`) serve it
    container: str  # the model server's container in those pods
    requests_metric: str  # a counter of the requests the deployment answers
    requests_label: str  # the label of that counter naming the deployment
    deployment: str  # its value for this deployment

    @property
    def key(self) -> tuple[str, str]:
        return (self.environment, self.model)


@dataclass(frozen=True)
class Usage:
    """What one deployment used over the window; None where Prometheus had no (finite) sample."""

    window_seconds: int
    covered_seconds: float = 0.0  # how much of the window its pods reported CPU samples
    cpu_p95_per_pod: float | None = None  # cores, the pods' average at each step, its p95
    cpu_p95_total: float | None = None  # cores, all its pods together, p95
    memory_max_per_pod: float | None = None  # bytes, the largest working set of any pod
    requests_p95: float | None = None  # requests per second, p95
