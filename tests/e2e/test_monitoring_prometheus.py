"""The generated PromQL against a real Prometheus scraping Seldon-shaped executor metrics.

Prometheus loads the generated PrometheusRule groups as rule files and scrapes a stand-in for the
executor's `/prometheus` endpoint: a stable predictor (MLflow version 2) that is fast and nearly
error-free, a canary (version 3) that is slow and fails 30% of requests, and a second deployment
that serves nothing. A third deployment canaries against a serving predictor that kept the name
`default` (the canary comparisons must not assume `stable`). The expected alerts must fire with
their templates expanded, and every dashboard query must return the expected series.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from generator.config.monitoring import MonitoringSettings
from generator.render.dashboard import dashboard_json, dashboard_uid
from generator.render.monitoring import Subject, prometheus_rule
from generator.targets.seldon_v1 import promql
from generator.validate.monitoring_checks import dashboard_expressions, substitute_macros
from tests.conftest import require
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
SETTINGS = MonitoringSettings.model_validate({"rules": {"for": "0s"}})
SERVING = Subject("prod", NAMESPACE, "fraud-detector", "fraud-detector", SETTINGS, promql)
IDLE = Subject("prod", NAMESPACE, "idle-model", "idle-model", SETTINGS, promql)
KEPT = Subject("prod", NAMESPACE, "kept-name", "kept-name", SETTINGS, promql)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus")
    rules = []
    for subject in (SERVING, IDLE):
        path = workdir / f"{subject.directory}.rules.json"
        document = prometheus_rule(subject, "https://grafana.example.com/d/x")
        path.write_text(json.dumps({"groups": document["spec"]["groups"]}))
        rules.append(path)
    exporter = SeldonExporter()
    exporter.set(NAMESPACE, "fraud-detector", "stable", Traffic("2", requests=100, errors=1, latency=0.05))
    exporter.set(NAMESPACE, "fraud-detector", "canary", Traffic("3", requests=100, errors=30, latency=2.0))
    exporter.set(NAMESPACE, "kept-name", "default", Traffic("2", requests=100, errors=1, latency=0.05))
    exporter.set(NAMESPACE, "kept-name", "canary", Traffic("3", requests=100, errors=30, latency=2.0))
    target = exporter.start()
    server, url = prometheus_server(workdir, [target], rule_files=rules)
    try:
        server.start()
        yield url
    finally:
        server.stop()
        exporter.stop()


def api(url: str, path: str, **params: str) -> Any:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{url}/api/v1/{path}{query}", timeout=10) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    return body["data"]


def eventually(probe: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    """Poll until `probe` returns something truthy (Prometheus needs a few scrapes for rates)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def query(url: str, expr: str) -> list[dict[str, Any]]:
    return list(api(url, "query", query=substitute_macros(expr))["result"])


def evaluated_groups(url: str) -> list[dict[str, Any]]:
    """Prometheus's rule groups once every rule was evaluated without error (else empty)."""
    groups = api(url, "rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    done = all(r["health"] == "ok" and not r["lastEvaluation"].startswith("0001") for r in rules)
    return groups if rules and done else []


def test_rule_groups_load_and_evaluate_cleanly(prometheus: str) -> None:
    groups = eventually(lambda: evaluated_groups(prometheus), "every rule evaluated without error")
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == 10
    assert {r["name"] for r in rules} == {
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    }


def firing(url: str) -> dict[str, list[dict[str, Any]]]:
    alerts: dict[str, list[dict[str, Any]]] = {}
    for alert in api(url, "alerts")["alerts"]:
        if alert["state"] == "firing":
            alerts.setdefault(alert["labels"]["alertname"], []).append(alert)
    return alerts


def test_expected_alerts_fire_with_model_version_environment_and_link(prometheus: str) -> None:
    wanted = {
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    }
    alerts = eventually(lambda: (a := firing(prometheus)) and wanted <= set(a) and a, "all five alerts")
    for name in ("ModelHighErrorRatio", "ModelHighLatencyP95"):
        (alert,) = alerts[name]  # the canary only: the stable predictor is within the thresholds
        assert alert["labels"]["predictor_name"] == "canary"
        assert alert["labels"]["predictor_version"] == "3"
    for name in ("ModelCanaryErrorsWorseThanStable", "ModelCanaryLatencyWorseThanStable"):
        (alert,) = alerts[name]
        assert alert["labels"]["predictor_version"] == "3"
        assert "canary MLflow version 3" in alert["annotations"]["summary"]
    (idle,) = alerts["ModelNoTraffic"]
    assert idle["labels"]["deployment_name"] == "idle-model"
    assert "none seen in the last day" in idle["annotations"]["description"]
    (errors,) = alerts["ModelHighErrorRatio"]
    assert errors["labels"]["model"] == "fraud-detector" and errors["labels"]["environment"] == "prod"
    summary, description = errors["annotations"]["summary"], errors["annotations"]["description"]
    assert summary.startswith(
        "fraud-detector (prod): 30% of requests fail on predictor canary, MLflow version 3"
    )
    assert "environment prod (namespace models-prod)" in description
    assert description.endswith("Dashboard: https://grafana.example.com/d/x")
    assert "{{" not in summary + description


def test_canary_comparisons_find_a_serving_predictor_not_named_stable(prometheus: str) -> None:
    window = SETTINGS.rules.window
    excess = f"{promql.canary_error_ratio_excess(KEPT.selector, window)} > 0.1"
    slower = promql.canary_slower(KEPT.selector, window, 2)
    for expr in (excess, slower):
        found = eventually(lambda e=expr: query(prometheus, e), f"a result of {expr}")
        assert [(r["metric"]["predictor_name"], r["metric"]["predictor_version"]) for r in found] == [
            ("canary", "3")
        ]


def test_no_traffic_description_lists_the_versions_that_served(prometheus: str) -> None:
    seen = promql.versions_seen(SERVING.selector, "1d")
    rules = prometheus_rule(SERVING, None)["spec"]["groups"][0]["rules"]
    (no_traffic,) = [r for r in rules if r["alert"] == "ModelNoTraffic"]
    assert f"query `{seen}`" in no_traffic["annotations"]["description"]
    result = eventually(lambda: query(prometheus, seen), "versions seen for the serving deployment")
    assert labels(result, "predictor_name", "predictor_version") == [("canary", "3"), ("stable", "2")]


def by_panel(text: str) -> dict[str, str]:
    return dict(dashboard_expressions(json.loads(text)))


def labels(result: list[dict[str, Any]], *names: str) -> list[tuple[str, ...]]:
    return sorted(tuple(r["metric"].get(n, "") for n in names) for r in result)


def test_every_dashboard_query_returns_the_expected_series(prometheus: str) -> None:
    text = dashboard_json(SERVING)
    assert json.loads(text)["uid"] == dashboard_uid("prod", "fraud-detector")
    expressions = by_panel(text)
    assert len(expressions) == 12
    eventually(lambda: query(prometheus, expressions["panel 'Error ratio (5xx)' query A"]), "rates")
    results = {where: query(prometheus, expr) for where, expr in expressions.items()}
    empty = [where for where, result in results.items() if not result]
    assert empty == []
    both = [("canary", "3"), ("stable", "2")]
    for where in (
        "panel 'MLflow versions serving' query A",
        "panel 'Request rate' query A",
        "panel 'Traffic split' query A",
        "panel 'Error ratio (5xx)' query A",
        "panel 'Latency p50 / p95 / p99' query B",
        "annotation 'New MLflow version serving'",
    ):
        assert labels(results[where], "predictor_name", "predictor_version") == both, where
    split = {
        r["metric"]["predictor_name"]: float(r["value"][1]) for r in results["panel 'Traffic split' query A"]
    }
    assert split["canary"] == pytest.approx(0.5, abs=0.05) and sum(split.values()) == pytest.approx(1)
    ratio = {
        r["metric"]["predictor_name"]: float(r["value"][1])
        for r in results["panel 'Error ratio (5xx)' query A"]
    }
    assert ratio["canary"] == pytest.approx(0.3, abs=0.01) and ratio["stable"] == pytest.approx(
        0.01, abs=0.005
    )
    p95 = {
        r["metric"]["predictor_name"]: float(r["value"][1])
        for r in results["panel 'Latency p50 / p95 / p99' query B"]
    }
    assert p95["canary"] > 1 > 0.1 > p95["stable"]
    for where, name in (
        ("panel 'Error ratio: canary vs stable' query A", "stable"),
        ("panel 'Error ratio: canary vs stable' query B", "canary"),
        ("panel 'p95 latency: canary vs stable' query A", "stable"),
        ("panel 'p95 latency: canary vs stable' query B", "canary"),
    ):
        assert labels(results[where], "predictor_name") == [(name,)], where
