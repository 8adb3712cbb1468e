"""PromQL parsing, Grafana macros and dashboard load-back checks (no external tools)."""

from __future__ import annotations

import json

import pytest

from generator.config.monitoring import MonitoringSettings
from generator.render.dashboard import dashboard_document, dashboard_json
from generator.render.monitoring import Subject, prometheus_rule
from generator.targets.seldon_v1 import promql
from generator.validate.monitoring_checks import (
    dashboard_expressions,
    dashboard_problems,
    dashboard_texts,
    first_difference,
    promql_problem,
    rule_expression_problems,
    substitute_macros,
)

SUBJECT = Subject("prod", "models-prod", "fraud-detector", "fraud-detector", MonitoringSettings(), promql)


def test_every_generated_expression_parses() -> None:
    rule = prometheus_rule(SUBJECT, "https://grafana.example.com/d/x")
    assert rule_expression_problems(rule["spec"]["groups"]) == []
    expressions = dashboard_expressions(json.loads(dashboard_json(SUBJECT)))
    assert len(expressions) == 12
    assert [where for where, expr in expressions if promql_problem(expr)] == []


def test_queries_inside_alert_templates_are_parsed_too() -> None:
    groups = [
        {
            "name": "g",
            "rules": [
                {
                    "alert": "A",
                    "expr": "up == 0",
                    "annotations": {"description": "{{ range query `sum(up` }}{{ end }}"},
                }
            ],
        }
    ]
    (problem,) = rule_expression_problems(groups)
    assert problem.startswith("rule A, annotation description: invalid PromQL")


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("sum(rate(x[5m])", "unclosed left parenthesis"),
        ("a - on (x) group_left ((b))", "invalid PromQL"),
        ("rate(x[$window])", "unknown variable(s) $window"),
        ("   ", "empty PromQL expression"),
    ],
)
def test_invalid_promql_is_reported(expr: str, fragment: str) -> None:
    problem = promql_problem(expr)
    assert problem is not None and fragment in problem


def test_grafana_macros_become_durations() -> None:
    assert substitute_macros("rate(x[$__rate_interval]) + rate(x[${__range}])") == "rate(x[1m]) + rate(x[1h])"
    assert promql_problem(promql.requests(SUBJECT.selector, "$__rate_interval", "predictor_name")) is None


def test_a_dashboard_the_sdk_would_change_is_reported() -> None:
    data = json.loads(dashboard_json(SUBJECT))
    data["panels"][1]["fieldConfig"]["defaults"].pop("custom", None)
    data["panels"][1]["options"] = None
    problems = dashboard_problems(json.dumps(data))
    assert len(problems) == 1
    assert "grafana-foundation-sdk" in problems[0]


def test_broken_dashboard_json_and_queries_are_reported() -> None:
    assert dashboard_problems("{not json")[0].startswith("dashboard is not valid JSON")
    data = json.loads(dashboard_json(SUBJECT))
    data["panels"][2]["targets"][0]["expr"] = "sum(rate(x[5m])"
    (problem,) = dashboard_problems(json.dumps(data))
    assert problem.startswith("dashboard panel 'Request rate' query A: invalid PromQL")


def test_dashboard_texts_come_from_sidecar_configmaps_and_operator_resources() -> None:
    configmap = dashboard_document(SUBJECT)
    assert dashboard_texts(configmap) == [dashboard_json(SUBJECT)]
    unlabelled = {**configmap, "metadata": {"name": "other"}}
    assert dashboard_texts(unlabelled) == []
    operator = {"kind": "GrafanaDashboard", "spec": {"json": "{}"}}
    assert dashboard_texts(operator) == ["{}"]


def test_first_difference_names_the_json_path() -> None:
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) is None
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "$.a[1].b"
    assert first_difference({"a": 1}, {"a": 1, "c": 0}) == "$.c"
    assert first_difference([1], [1, 2]) == "$ (length)"
