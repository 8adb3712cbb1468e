"""The rule-cost benchmark's rule files: per environment, exclusion and group_left thresholds."""

from __future__ import annotations

import pytest

from benchmarks import rule_variants
from benchmarks.rule_variants import EXCLUSION, GROUP_LEFT, PER_ENVIRONMENT, PER_MODEL
from generator.validate.monitoring_checks import rule_expression_problems

NAMESPACE = "models-prod"
MODELS = ["fraud-detector", "churn.v2", "ranker"]
OVERRIDES = {"churn.v2": {"error_ratio": 0.02, "latency_p95_seconds": 0.5}}
COUNT = "seldon_api_executor_server_requests_seconds_count"


def rules_of(variant: str) -> list[dict]:
    (group,) = rule_variants.variant_groups(variant, NAMESPACE, MODELS, OVERRIDES)
    return list(group["rules"])


def test_threshold_join_compares_with_the_override_or_the_default() -> None:
    expr = rule_variants.threshold_join("error_ratio_expr", "error_ratio", NAMESPACE, 0.05)
    assert expr == (
        "(error_ratio_expr) > on (namespace, deployment_name) group_left () "
        '(model_gitops:alert_threshold:error_ratio{namespace="models-prod"} '
        "or on (namespace, deployment_name) "
        f'0.05 * group by (namespace, deployment_name) ({COUNT}{{namespace="models-prod"}}))'
    )


def test_threshold_records_label_each_overridden_model() -> None:
    records = rule_variants.threshold_records(NAMESPACE, OVERRIDES)
    assert records == [
        {
            "record": "model_gitops:alert_threshold:error_ratio",
            "expr": "vector(0.02)",
            "labels": {"namespace": NAMESPACE, "deployment_name": "churn.v2"},
        },
        {
            "record": "model_gitops:alert_threshold:latency_p95_seconds",
            "expr": "vector(0.5)",
            "labels": {"namespace": NAMESPACE, "deployment_name": "churn.v2"},
        },
    ]


def test_a_window_cannot_be_a_threshold_series() -> None:
    with pytest.raises(ValueError, match="no_traffic_for"):
        rule_variants.threshold_records(NAMESPACE, {"ranker": {"no_traffic_for": 1.0}})


def test_the_environment_group_selects_the_namespace_and_groups_per_predictor() -> None:
    rules = rules_of(PER_ENVIRONMENT)
    assert [r["alert"] for r in rules] == [
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    ]
    for rule in rules:
        assert "deployment_name=" not in rule["expr"] and 'namespace="models-prod"' in rule["expr"]
    assert "by (namespace, deployment_name, predictor_name, predictor_version)" in rules[0]["expr"]


def test_exclusion_leaves_overridden_models_out_and_gives_them_their_own_alerts() -> None:
    environment, model = rule_variants.variant_groups(EXCLUSION, NAMESPACE, MODELS, OVERRIDES)
    assert (environment["name"], model["name"]) == ("model-gitops.prod", "model-gitops.prod.churn.v2")
    generic, own = environment["rules"], model["rules"]
    assert all('deployment_name!~"churn\\\\.v2"' in r["expr"] for r in generic)
    assert len(own) == 5 and all('deployment_name="churn.v2"' in r["expr"] for r in own)
    assert own[0]["expr"].endswith("> 0.02") and own[1]["expr"].endswith("> 0.5")
    assert generic[0]["expr"].endswith("> 0.05")


def test_group_left_records_thresholds_before_the_alerts_that_join_them() -> None:
    rules = rules_of(GROUP_LEFT)
    assert [r.get("record", r.get("alert")) for r in rules[:3]] == [
        "model_gitops:alert_threshold:error_ratio",
        "model_gitops:alert_threshold:latency_p95_seconds",
        "ModelHighErrorRatio",
    ]
    assert "group_left () (model_gitops:alert_threshold:error_ratio" in rules[2]["expr"]
    assert "group_left" not in rules[4]["expr"]  # ModelNoTraffic keeps its window


@pytest.mark.parametrize("variant", [PER_MODEL, PER_ENVIRONMENT, EXCLUSION, GROUP_LEFT])
def test_every_variant_parses(variant: str) -> None:
    groups = rule_variants.variant_groups(variant, NAMESPACE, MODELS, OVERRIDES)
    assert rule_expression_problems(groups) == []


def test_per_model_is_what_the_product_renders_with_each_models_thresholds() -> None:
    groups = rule_variants.variant_groups(PER_MODEL, NAMESPACE, MODELS, OVERRIDES)
    assert [g["name"] for g in groups] == [f"model-gitops.prod.{m}" for m in MODELS]
    errors = {g["name"]: g["rules"][0]["expr"] for g in groups}
    assert errors["model-gitops.prod.churn.v2"].endswith("> 0.02")
    assert errors["model-gitops.prod.ranker"].endswith("> 0.05")
