"""The PromQL that online gates run (the HTTP side is covered against a real Prometheus)."""

from __future__ import annotations

from generator.metrics import prometheus
from generator.model.readings import ReadingRequest


def request(deployment: str, predictor: str, label: str | None = "namespace") -> ReadingRequest:
    return ReadingRequest("prod", deployment, "models-prod", deployment, predictor, "8", 300, label)


def test_one_group_three_queries_over_every_deployment() -> None:
    queries = prometheus.queries([request("fraud", "stable"), request("churn", "canary")])
    selector = 'namespace="models-prod",deployment_name=~"churn|fraud"'
    by = "deployment_name, predictor_name, predictor_version"
    metric = "seldon_api_executor_server_requests_seconds"
    assert queries == {
        "requests": f"sum by ({by}) (increase({metric}_count{{{selector}}}[300s]))",
        "errors": f'sum by ({by}) (increase({metric}_count{{{selector},code!~"2..|OK"}}[300s]))',
        "p95": f"histogram_quantile(0.95, sum by ({by}, le) (rate({metric}_bucket{{{selector}}}[300s])))",
    }


def test_namespace_label_can_be_left_out() -> None:
    assert 'namespace="' not in prometheus.queries([request("fraud", "stable", None)])["requests"]


def test_nothing_wanted_reads_nothing_and_no_url_waits() -> None:
    assert prometheus.read(None, []).unavailable == ""
    assert "no Prometheus URL configured" in prometheus.read(None, [request("fraud", "stable")]).unavailable


def test_regex_metacharacters_in_names_are_escaped_for_promql() -> None:
    query = prometheus.queries([request("price-forecaster.v2", "stable")])["requests"]
    assert 'deployment_name=~"price-forecaster\\\\.v2"' in query
