"""Plain data of online metrics: what to read from Prometheus and what was read.

`ReadingRequest`s are derived from the rendered state (deployments mid-rollout); the metrics
adapter turns them into `Readings`, which `plan` consumes. No behaviour touches the outside world.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadingRequest:
    """One predictor of one deployment whose metrics a gate needs, read in its target's vocabulary."""

    environment: str
    model: str
    namespace: str
    deployment: str
    predictor: str
    version: str
    window_seconds: int
    namespace_label: str | None = "namespace"
    target: str = "seldon-v1"  # the environment's serving target (`EnvironmentConfig.target`)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.environment, self.model, self.predictor)


@dataclass(frozen=True)
class Reading:
    """Metrics of one predictor over a window: request and error counts, and the latency (the p95,
    or the mean where the serving stack keeps no histogram: Seldon Core 2)."""

    requests: float
    errors: float
    p95_seconds: float | None
    window_seconds: int

    @property
    def error_ratio(self) -> float | None:
        return self.errors / self.requests if self.requests > 0 else None

    @property
    def rate(self) -> float:
        """Requests per second over the window."""
        return self.requests / self.window_seconds if self.window_seconds else 0.0


@dataclass(frozen=True)
class Readings:
    """Readings by (environment, model, predictor); `unavailable` says why none could be taken."""

    values: dict[tuple[str, str, str], Reading] = field(default_factory=dict)
    unavailable: str = ""

    def get(self, environment: str, model: str, predictor: str) -> Reading | None:
        return self.values.get((environment, model, predictor))


NO_READINGS = Readings()
