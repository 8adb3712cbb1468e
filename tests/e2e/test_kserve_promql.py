"""The KServe target's PromQL against a real Prometheus scraping MLServer-shaped REST metrics.

One InferenceService mid-canary: its serving revision (`default`, MLflow version 7) is fast and
nearly error-free, the candidate's (`canary`, version 8) is slow and fails 30% of inference calls;
a second InferenceService serves nothing. Readiness probes, ten per request and always 200, must
not count: with them the canary's error ratio would read about 3%.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest

from generator.targets.kserve import promql
from tests.conftest import require
from tests.e2e.test_monitoring_prometheus import eventually, labels, query
from tests.support.mlserver_exporter import MLServerExporter
from tests.support.seldon_exporter import Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
SERVICE = promql.Selector(NAMESPACE, "fraud-detector")
IDLE = promql.Selector(NAMESPACE, "idle-model")
WINDOW = "30s"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus-kserve")
    exporter = MLServerExporter()
    exporter.set(NAMESPACE, "fraud-detector", "default", Traffic("7", requests=100, errors=1, latency=0.05))
    exporter.set(NAMESPACE, "fraud-detector", "canary", Traffic("8", requests=100, errors=30, latency=2.0))
    server, url = prometheus_server(workdir, [exporter.start()])
    try:
        server.start()
        yield url
    finally:
        server.stop()
        exporter.stop()


def values(url: str, expr: str) -> dict[str, float]:
    found = eventually(lambda: query(url, expr), f"a result of {expr}")
    return {r["metric"].get("predictor_name", ""): float(r["value"][1]) for r in found}


def test_error_ratio_and_traffic_count_inference_calls_only(prometheus: str) -> None:
    ratio = values(prometheus, promql.error_ratio(SERVICE, WINDOW, promql.PER_PREDICTOR))
    assert ratio["canary"] == pytest.approx(0.3, abs=0.01)
    assert ratio["default"] == pytest.approx(0.01, abs=0.005)
    share = values(prometheus, promql.traffic_share(SERVICE, WINDOW, promql.PER_PREDICTOR))
    assert share["canary"] == pytest.approx(0.5, abs=0.05) and sum(share.values()) == pytest.approx(1)
    p95 = values(prometheus, promql.quantile(0.95, SERVICE, WINDOW, promql.PER_PREDICTOR))
    assert p95["canary"] > 1.0 > 0.1 > p95["default"]


def test_canary_comparisons_find_the_serving_revision(prometheus: str) -> None:
    for expr in (
        f"{promql.canary_error_ratio_excess(SERVICE, WINDOW)} > 0.1",
        promql.canary_slower(SERVICE, WINDOW, 2),
    ):
        found = eventually(partial(query, prometheus, expr), f"a result of {expr}")
        assert labels(found, "predictor_name", "predictor_version") == [("canary", "8")]


def test_versions_seen_and_no_traffic(prometheus: str) -> None:
    seen = eventually(lambda: query(prometheus, promql.versions_seen(SERVICE, "1d")), "versions seen")
    assert labels(seen, "predictor_name", "predictor_version") == [("canary", "8"), ("default", "7")]
    assert query(prometheus, promql.no_traffic(IDLE, "5m"))  # never served: absent() answers
    assert not query(prometheus, promql.no_traffic(SERVICE, "5m"))
