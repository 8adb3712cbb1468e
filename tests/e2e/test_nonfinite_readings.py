"""Online gates against a real Prometheus whose scrape target exposes NaN counters.

An executor exposing `NaN` for its failing requests' series makes Prometheus answer `"NaN"` for
the canary's request and error counts (the NaN series is part of both sums): the gate must fail
on it, saying so, not read it as "no data" (wait forever) or "no errors" (pass).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest

from generator.app.sources import gate_queries
from generator.config.strategy import OnlineGates
from generator.metrics.prometheus import read
from generator.model.readings import ReadingRequest, Readings
from generator.plan import gates
from tests.conftest import require
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
WANTED = [
    ReadingRequest("prod", "fraud", NAMESPACE, "fraud", "stable", "2", 10),
    ReadingRequest("prod", "fraud", NAMESPACE, "fraud", "canary", "3", 10),
]
GATES = OnlineGates(min_requests=50, window="10s")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    exporter = SeldonExporter()
    exporter.set(NAMESPACE, "fraud", "stable", Traffic("2", requests=100, errors=1))
    exporter.set(NAMESPACE, "fraud", "canary", Traffic("3", requests=100, errors=30, error_sample="NaN"))
    target = exporter.start()
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), [target], "1s")
    server.start()
    try:
        yield url
    finally:
        server.stop()
        exporter.stop()


def readings_with_traffic(url: str) -> Readings:
    """Poll (bounded) until the stable predictor has enough requests and the canary a reading."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readings = read(url, WANTED, gate_queries())
        stable = readings.get("prod", "fraud", "stable")
        if (
            stable is not None
            and stable.requests >= GATES.min_requests
            and readings.get("prod", "fraud", "canary")
        ):
            return readings
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw enough requests: {readings}")


def test_a_nan_error_count_from_prometheus_fails_the_gate(prometheus: str) -> None:
    readings = readings_with_traffic(prometheus)
    canary, stable = readings.get("prod", "fraud", "canary"), readings.get("prod", "fraud", "stable")
    assert canary is not None and stable is not None
    assert math.isnan(canary.requests) and math.isnan(canary.errors)  # as Prometheus answered
    assert math.isfinite(stable.errors) and stable.errors > 0
    result = gates.online(GATES, canary, stable)
    assert result.outcome == "fail"
    assert result.reason.startswith("Prometheus gave nan as the canary request count (not a finite number)")
