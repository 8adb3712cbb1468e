"""The PromQL that online gates run (the HTTP side is covered against a real Prometheus)."""

from __future__ import annotations

import math

import pytest

from generator.app.sources import gate_queries
from generator.errors import MetricsError
from generator.metrics import prometheus
from generator.model.readings import ReadingRequest
from generator.targets.kserve import promql as kserve_promql
from generator.targets.seldon_v1 import promql


def request(deployment: str, predictor: str, label: str | None = "namespace") -> ReadingRequest:
    return ReadingRequest("prod", deployment, "models-prod", deployment, predictor, "8", 300, label)


def test_one_group_three_queries_over_every_deployment() -> None:
    queries = promql.reading_queries([request("fraud", "stable"), request("churn", "canary")])
    selector = 'namespace="models-prod",deployment_name=~"churn|fraud"'
    by = "deployment_name, predictor_name, predictor_version"
    metric = "seldon_api_executor_server_requests_seconds"
    assert queries == {
        "requests": f"sum by ({by}) (increase({metric}_count{{{selector}}}[300s]))",
        "errors": f'sum by ({by}) (increase({metric}_count{{{selector},code!~"2..|OK"}}[300s]))',
        "p95": f"histogram_quantile(0.95, sum by ({by}, le) (rate({metric}_bucket{{{selector}}}[300s])))",
    }


def test_namespace_label_can_be_left_out() -> None:
    assert 'namespace="' not in promql.reading_queries([request("fraud", "stable", None)])["requests"]


def test_kserve_gates_count_inference_calls_and_key_samples_as_seldon_v1() -> None:
    queries = kserve_promql.reading_queries([request("fraud", "canary")])
    selector = 'namespace="models-prod",deployment_name=~"fraud",path=~".*/infer"'
    metric = "rest_server_request_duration_seconds"
    assert queries["requests"].endswith(f"(increase({metric}_count{{{selector}}}[300s]))")
    assert queries["errors"].endswith(f'(increase({metric}_count{{{selector},status_code!~"2.."}}[300s]))')
    assert f"rate({metric}_bucket{{{selector}}}[300s])" in queries["p95"]
    assert kserve_promql.READING_LABELS == promql.READING_LABELS
    assert kserve_promql.reading_key(request("fraud", "canary")) == ("fraud", "canary", "8")


def test_every_target_has_gate_queries() -> None:
    assert sorted(gate_queries()) == ["kserve", "seldon-v1", "seldon-v2"]


def test_nothing_wanted_reads_nothing_and_no_url_waits() -> None:
    assert prometheus.read(None, [], gate_queries()).unavailable == ""
    wanted = [request("fraud", "stable")]
    assert "no Prometheus URL configured" in prometheus.read(None, wanted, gate_queries()).unavailable


def test_a_target_without_gate_queries_waits() -> None:
    unknown = ReadingRequest("prod", "m", "models-prod", "m", "stable", "8", 300, target="elsewhere")
    found = prometheus.read("http://127.0.0.1:9", [unknown], gate_queries())
    assert found.unavailable.startswith("no gate queries for target 'elsewhere'")
    assert found.values == {}


def test_regex_metacharacters_in_names_are_escaped_for_promql() -> None:
    query = promql.reading_queries([request("price-forecaster.v2", "stable")])["requests"]
    assert 'deployment_name=~"price-forecaster\\\\.v2"' in query


def sample(predictor: str, value: str) -> dict[str, object]:
    labels = {"deployment_name": "fraud", "predictor_name": predictor, "predictor_version": "8"}
    return {"metric": labels, "value": [1435781451.781, value]}


def test_nan_and_inf_samples_are_kept_as_prometheus_gives_them() -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [sample("canary", "NaN"), sample("stable", "+Inf"), sample("shadow", "12.5")],
        },
    }
    found = prometheus.parse_vector(body, "http://prometheus", promql.READING_LABELS)
    assert math.isnan(found[("fraud", "canary", "8")])
    assert found[("fraud", "stable", "8")] == math.inf
    assert found[("fraud", "shadow", "8")] == 12.5


@pytest.mark.parametrize(
    "result",
    [[{"metric": {}, "value": "7"}], [{"metric": {}}], [{"metric": {}, "value": [1, "seven"]}], "x", [None]],
)
def test_answers_not_shaped_like_a_vector_are_metrics_errors(result: object) -> None:
    with pytest.raises(MetricsError, match="answered a result that is not an instant vector"):
        answer = {"status": "success", "data": {"result": result}}
        prometheus.parse_vector(answer, "http://prometheus", promql.READING_LABELS)


@pytest.mark.parametrize(
    ("status", "body", "text", "reason"),
    [
        (
            400,
            {"status": "error", "errorType": "bad_data", "error": "parse error"},
            "",
            "answered 400 (parse error)",
        ),
        (200, ["not", "an", "object"], '["not", "an", "object"]', 'answered 200 (["not", "an", "object"])'),
        (502, None, "<html>Bad Gateway</html>", "answered 502 (<html>Bad Gateway</html>)"),
    ],
)
def test_error_answers_become_one_line_metrics_errors(
    status: int, body: object, text: str, reason: str
) -> None:
    with pytest.raises(MetricsError) as caught:
        prometheus.checked_answer(status, body, text, "http://prometheus")
    assert caught.value.one_line() == f"Prometheus at http://prometheus {reason}: rollouts wait"
