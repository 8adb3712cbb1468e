"""The seldon-v2 PromQL vocabulary against a real Prometheus scraping Seldon Core 2-shaped metrics.

A stand-in for the agent of the Server pods serves per-Model counters: the serving Model
`fraud-detector` (fast, 1% errors), its canary `fraud-detector-canary-8` (slow, 30% errors, half of
them REST 500 and half gRPC Unavailable) and another model's serving Model `fraud-detector-v2`
(a name sharing the prefix: never part of fraud-detector's series). Each vocabulary function must
return the expected series and values, and the online gates' queries the readings of each role.
Prometheus also loads the rendered PrometheusRule groups of fraud-detector and of an idle model:
the expected alerts fire, naming the Model, and every dashboard query answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.app.sources import gate_queries
from generator.config.monitoring import MonitoringSettings
from generator.metrics import prometheus as prometheus_client
from generator.model.readings import ReadingRequest
from generator.render.dashboard import dashboard_json
from generator.render.monitoring import Subject, prometheus_rule
from generator.targets.seldon_v2 import promql
from generator.targets.seldon_v2.promql import PER_PREDICTOR, Selector
from generator.validate.monitoring_checks import dashboard_expressions
from tests.conftest import require
from tests.e2e.test_monitoring_prometheus import eventually, firing, query
from tests.support.seldon_v2_agent import ModelTraffic, SeldonV2Agent
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
WINDOW = "30s"
SERVING = Selector(NAMESPACE, "fraud-detector")
CANARY = "fraud-detector-canary-8"
SETTINGS = MonitoringSettings.model_validate({"rules": {"for": "0s", "window": WINDOW}})
SUBJECTS = [
    Subject("prod", NAMESPACE, name, name, SETTINGS, promql) for name in ("fraud-detector", "idle-model")
]


def rule_files(workdir: Path) -> list[Path]:
    """The rendered PrometheusRule groups of both models, as Prometheus rule files."""
    files = []
    for subject in SUBJECTS:
        path = workdir / f"{subject.directory}.rules.json"
        path.write_text(json.dumps({"groups": prometheus_rule(subject, None)["spec"]["groups"]}))
        files.append(path)
    return files


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus")
    agent = SeldonV2Agent()
    agent.set(NAMESPACE, "fraud-detector", ModelTraffic("fraud-detector_3", 100, errors=1, latency=0.05))
    agent.set(NAMESPACE, CANARY, ModelTraffic(f"{CANARY}_1", 100, errors=30, latency=2.0))
    agent.set(NAMESPACE, "fraud-detector-v2", ModelTraffic("fraud-detector-v2_1", 50, errors=50, latency=9.0))
    target = agent.start()
    server, url = prometheus_server(workdir, [target], "1s", rule_files=rule_files(workdir))
    try:
        server.start()
        eventually(lambda: len(query(url, promql.requests(SERVING, WINDOW, PER_PREDICTOR))) == 2, "two rates")
        yield url
    finally:
        server.stop()
        agent.stop()


def by_model(result: list[dict[str, Any]]) -> dict[str, float]:
    return {sample["metric"].get("model", ""): float(sample["value"][1]) for sample in result}


def test_a_deployment_is_its_serving_model_and_its_candidates_only(prometheus: str) -> None:
    found = query(prometheus, promql.requests(SERVING, WINDOW, PER_PREDICTOR))
    assert sorted((s["metric"]["model"], s["metric"]["model_internal"]) for s in found) == [
        ("fraud-detector", "fraud-detector_3"),
        (CANARY, f"{CANARY}_1"),
    ]
    shares = by_model(query(prometheus, promql.traffic_share(SERVING, WINDOW, "model")))
    assert shares == {"fraud-detector": pytest.approx(0.5, abs=0.02), CANARY: pytest.approx(0.5, abs=0.02)}
    seen = query(prometheus, promql.versions_seen(SERVING, "5m"))
    assert sorted(s["metric"]["model_internal"] for s in seen) == [f"{CANARY}_1", "fraud-detector_3"]


def test_errors_count_rest_5xx_and_grpc_server_codes(prometheus: str) -> None:
    ratios = by_model(query(prometheus, promql.error_ratio(SERVING, WINDOW, PER_PREDICTOR)))
    assert ratios == {"fraud-detector": pytest.approx(0.01, abs=0.002), CANARY: pytest.approx(0.3, abs=0.01)}


def test_latency_is_the_mean_of_each_model(prometheus: str) -> None:
    means = by_model(query(prometheus, promql.quantile(0.95, SERVING, WINDOW, PER_PREDICTOR)))
    assert means == {"fraud-detector": pytest.approx(0.05, rel=0.01), CANARY: pytest.approx(2.0, rel=0.01)}


def test_canary_comparisons_pick_the_canary_against_the_serving_model(prometheus: str) -> None:
    excess = by_model(query(prometheus, promql.canary_error_ratio_excess(SERVING, WINDOW)))
    assert excess == {CANARY: pytest.approx(0.29, abs=0.01)}
    slower = by_model(query(prometheus, promql.canary_slower(SERVING, WINDOW, 1.5)))
    assert slower == {CANARY: pytest.approx(2.0, rel=0.01)}
    assert query(prometheus, promql.canary_slower(SERVING, WINDOW, 100)) == []


def test_no_traffic_is_one_series_for_an_idle_deployment_only(prometheus: str) -> None:
    assert len(query(prometheus, promql.no_traffic(Selector(NAMESPACE, "idle-model"), "1m"))) == 1
    assert query(prometheus, promql.no_traffic(SERVING, "1m")) == []


ROLLOUT = [
    ReadingRequest(
        "prod", "fraud-detector", NAMESPACE, "fraud-detector", role, version, 30, target="seldon-v2"
    )
    for role, version in (("stable", "7"), ("canary", "8"))
]


def test_the_gate_queries_read_each_role_of_a_rollout(prometheus: str) -> None:
    wanted = ROLLOUT
    results = {
        name: by_model(query(prometheus, expr)) for name, expr in promql.reading_queries(wanted).items()
    }
    stable, canary = (promql.reading_model(request) for request in wanted)
    assert (stable, canary) == ("fraud-detector", CANARY)
    assert set(results["requests"]) == {stable, canary}
    assert results["errors"][canary] / results["requests"][canary] == pytest.approx(0.3, abs=0.01)
    assert results["p95"] == {stable: pytest.approx(0.05, rel=0.01), canary: pytest.approx(2.0, rel=0.01)}


def test_the_online_gates_read_seldon_v2_rollouts_through_the_targets_queries(prometheus: str) -> None:
    readings = prometheus_client.read(prometheus, ROLLOUT, targets=gate_queries())
    assert readings.unavailable == ""
    stable, canary = (readings.get("prod", "fraud-detector", role) for role in ("stable", "canary"))
    assert stable is not None and canary is not None
    assert canary.requests > 0 and stable.requests == pytest.approx(canary.requests, rel=0.05)
    assert canary.error_ratio == pytest.approx(0.3, abs=0.01)
    assert stable.error_ratio == pytest.approx(0.01, abs=0.002)
    assert (stable.p95_seconds, canary.p95_seconds) == (
        pytest.approx(0.05, rel=0.01),
        pytest.approx(2.0, rel=0.01),
    )


def test_the_rendered_alerts_fire_naming_the_model_and_its_version(prometheus: str) -> None:
    wanted = {
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    }
    alerts = eventually(lambda: (a := firing(prometheus)) and wanted <= set(a) and a, "all five alerts")
    for name in wanted - {"ModelNoTraffic"}:
        # The canary's Model only (the serving one is within the thresholds). The rule's own `model`
        # label (model-gitops's model, as for every target) wins over the series' (the Model's
        # name), which `model_internal` and the texts still carry.
        (alert,) = alerts[name]
        assert (alert["labels"]["model"], alert["labels"]["model_internal"]) == (
            "fraud-detector",
            f"{CANARY}_1",
        )
        assert f"{CANARY}_1" in alert["annotations"]["summary"]
    (idle,) = alerts["ModelNoTraffic"]
    assert idle["labels"]["model"] == "idle-model"
    (slow,) = alerts["ModelHighLatencyP95"]
    assert slow["annotations"]["summary"] == (
        f"fraud-detector (prod): mean latency 2s on Model {CANARY}, Seldon model version {CANARY}_1"
    )


def test_every_dashboard_query_answers_per_model(prometheus: str) -> None:
    expressions = dict(dashboard_expressions(json.loads(dashboard_json(SUBJECTS[0]))))
    assert len(expressions) == 10  # one latency statistic: the mean
    results = {where: query(prometheus, expr) for where, expr in expressions.items()}
    assert [where for where, result in results.items() if not result] == []
    both = ["fraud-detector", CANARY]
    for where in ("panel 'Traffic split' query A", "panel 'Latency mean' query A"):
        assert sorted(r["metric"]["model"] for r in results[where]) == both, where
    for where, model in (
        ("panel 'Error ratio: canary vs stable' query A", "fraud-detector"),
        ("panel 'mean latency: canary vs stable' query B", CANARY),
    ):
        assert [r["metric"]["model"] for r in results[where]] == [model], where
