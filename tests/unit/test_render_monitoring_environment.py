"""Monitoring per environment (`monitoring.layout: environment`, the default): one PodMonitor,
PrometheusRule and dashboard for every model, models with their own thresholds kept exact."""

from __future__ import annotations

import json

import pytest

from generator import yamlio
from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed
from generator.plan.planner import plan
from generator.render import render
from generator.render.dashboard import environment_dashboard_uid
from generator.targets import TARGETS
from generator.validate.monitoring_checks import dashboard_problems, dashboard_texts, rule_expression_problems
from tests.support.golden import assert_golden
from tests.support.snapshots import snapshot

CAPABILITIES = {name: target.strategies for name, target in TARGETS.items()}
DEFAULTS = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
OWN_THRESHOLDS = parse_environment(
    """
namespace: models-prod
alias: champion
monitoring:
  labels: {release: kube-prometheus-stack}
  dashboard: {url: https://grafana.example.com}
overrides:
  fraud-detector: {alerts: {error_ratio: 0.2, latency_p95_seconds: null}}
  not-deployed: {alerts: {error_ratio: 0.3}}
""",
    "prod.yaml",
)
MODELS = snapshot({"fraud-detector": {"dev": 3, "champion": 3}, "churn": {"dev": 1, "champion": 1}})
FILES = ("dashboard.yaml", "podmonitor.yaml", "prometheusrule.yaml")


def documents(config=DEFAULTS, env: str = "dev", models=MODELS, current=None) -> dict[str, dict]:
    return render(plan({env: config}, models, current or CurrentState()))


def alerts(rule: dict, group: int = 0) -> dict[str, dict]:
    return {r["alert"]: r for r in rule["spec"]["groups"][group]["rules"]}


def test_one_set_of_monitoring_files_per_environment_matches_golden() -> None:
    rendered = documents()
    for name in FILES:
        assert_golden(f"monitoring/environment/{name}", yamlio.dump(rendered[f"dev/{name}"]))
    (text,) = dashboard_texts(rendered["dev/dashboard.yaml"])
    assert_golden("monitoring/environment/dashboard.json", text)
    assert not [path for path in rendered if path.count("/") == 2 and not path.endswith("deployment.yaml")]
    assert rendered["dev/kustomization.yaml"]["resources"] == [
        "churn/seldondeployment.yaml",
        "dashboard.yaml",
        "fraud-detector/seldondeployment.yaml",
        "podmonitor.yaml",
        "prometheusrule.yaml",
    ]


def test_the_podmonitor_selects_every_seldon_pod_and_labels_up_with_the_deployment() -> None:
    monitor = documents()["dev/podmonitor.yaml"]
    assert monitor["metadata"]["name"] == "model-gitops-dev"
    assert monitor["spec"]["selector"] == {
        "matchExpressions": [{"key": "seldon-deployment-id", "operator": "Exists"}]
    }
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["relabelings"] == [
        {
            "sourceLabels": ["__meta_kubernetes_pod_label_seldon_deployment_id"],
            "targetLabel": "seldon_deployment_id",
        }
    ]


def test_alerts_group_by_deployment_and_name_the_firing_one() -> None:
    rule = documents()["dev/prometheusrule.yaml"]
    (group,) = rule["spec"]["groups"]
    assert group["name"] == "model-gitops.dev"
    found = alerts(rule)
    error = found["ModelHighErrorRatio"]
    assert 'deployment_name="' not in error["expr"] and '{namespace="models-dev"}' in error["expr"]
    assert "by (namespace, deployment_name, predictor_name, predictor_version)" in error["expr"]
    assert error["labels"]["model"] == "{{ $labels.deployment_name }}"
    assert error["annotations"]["summary"].startswith("{{ $labels.deployment_name }} (dev)")
    assert error["annotations"]["dashboard"] == (
        f"/d/{environment_dashboard_uid('dev')}?var-deployment={{{{ $labels.deployment_name }}}}"
    )
    no_traffic = found["ModelNoTraffic"]
    assert 'up{namespace="models-dev", seldon_deployment_id!=""}' in no_traffic["expr"]
    assert "printf `" in no_traffic["annotations"]["description"]
    assert rule_expression_problems(rule["spec"]["groups"]) == []


def test_models_with_their_own_thresholds_get_exact_rules_and_are_left_out_of_the_generic_ones() -> None:
    rule = documents(OWN_THRESHOLDS, "prod")["prod/prometheusrule.yaml"]
    generic, own = rule["spec"]["groups"]
    assert (generic["name"], own["name"]) == ("model-gitops.prod", "model-gitops.prod.fraud-detector")
    assert all('deployment_name!~"fraud-detector"' in r["expr"] for r in generic["rules"])
    mine = alerts(rule, 1)
    assert mine["ModelHighErrorRatio"]["expr"].endswith("> 0.2")
    assert 'deployment_name="fraud-detector"' in mine["ModelHighErrorRatio"]["expr"]
    assert mine["ModelHighErrorRatio"]["labels"]["model"] == "fraud-detector"
    assert "ModelHighLatencyP95" not in mine and "ModelHighLatencyP95" in alerts(rule, 0)
    assert mine["ModelNoTraffic"]["annotations"]["dashboard"] == (
        f"https://grafana.example.com/d/{environment_dashboard_uid('prod')}?var-deployment=fraud-detector"
    )
    assert "not-deployed" not in json.dumps(rule)  # an override of a model that is not deployed
    assert rule_expression_problems(rule["spec"]["groups"]) == []


def test_the_dashboard_has_deployment_and_version_variables_and_validates() -> None:
    (text,) = dashboard_texts(documents()["dev/dashboard.yaml"])
    data = json.loads(text)
    assert data["uid"] == environment_dashboard_uid("dev") and len(data["uid"]) <= 40
    variables = {v["name"]: v for v in data["templating"]["list"]}
    assert variables["deployment"]["query"] == (
        'label_values(seldon_api_executor_server_requests_seconds_count{namespace="models-dev"}, '
        "deployment_name)"
    )
    assert variables["version"]["includeAll"] and variables["version"]["allValue"] == ".*"
    panel_queries = [t["expr"] for p in data["panels"] for t in p.get("targets", [])]
    assert panel_queries and all('deployment_name="$deployment"' in q for q in panel_queries)
    assert dashboard_problems(text) == []


def test_an_unknown_dashboard_variable_is_still_reported() -> None:
    (text,) = dashboard_texts(documents()["dev/dashboard.yaml"])
    broken = text.replace('deployment_name=\\"$deployment\\"', 'deployment_name=\\"$model\\"', 1)
    assert broken != text
    assert any("unknown variable(s) $model" in p for p in dashboard_problems(broken))


def test_environment_monitoring_depends_on_names_not_versions() -> None:
    before = documents(models=snapshot({"fraud-detector": {"dev": 1}}))
    after = documents(models=snapshot({"fraud-detector": {"dev": 2}}))
    assert [p for p in before if yamlio.dump(before[p]) != yamlio.dump(after[p])] == [
        "dev/fraud-detector/seldondeployment.yaml"
    ]
    added = documents(models=snapshot({"fraud-detector": {"dev": 1}, "new-model": {"dev": 1}}))
    assert all(yamlio.dump(added[f"dev/{name}"]) == yamlio.dump(before[f"dev/{name}"]) for name in FILES)


def test_a_kept_model_with_its_own_thresholds_keeps_its_rules() -> None:
    current = CurrentState(
        deployed={"prod": {"fraud-detector": Deployed("fraud-detector", "1", "fraud-detector")}}
    )
    broken = snapshot({"fraud-detector": {"champion": 2}}, **{"fraud-detector_2": "ftp://nowhere/model"})
    rendered = documents(OWN_THRESHOLDS, "prod", broken, current)
    assert "prod/fraud-detector/seldondeployment.yaml" not in rendered
    assert [g["name"] for g in rendered["prod/prometheusrule.yaml"]["spec"]["groups"]] == [
        "model-gitops.prod",
        "model-gitops.prod.fraud-detector",
    ]


def test_kserve_watches_the_environment_with_its_own_labels() -> None:
    config = parse_environment(
        "target: kserve\nnamespace: models-dev\nalias: dev\n", "dev.yaml", CAPABILITIES
    )
    rendered = documents(config)
    monitor = rendered["dev/podmonitor.yaml"]
    assert monitor["spec"]["selector"]["matchExpressions"][0]["key"] == "serving.kserve.io/inferenceservice"
    no_traffic = alerts(rendered["dev/prometheusrule.yaml"])["ModelNoTraffic"]["expr"]
    assert (
        'up{namespace="models-dev", deployment_name!=""}' in no_traffic and "label_replace" not in no_traffic
    )
    (text,) = dashboard_texts(rendered["dev/dashboard.yaml"])
    assert dashboard_problems(text) == []


def test_seldon_v2_keeps_one_set_per_model_and_refuses_the_environment_layout() -> None:
    v2 = "target: seldon-v2\nnamespace: models-dev\nalias: dev\nmonitoring: {podmonitor: {enabled: false}"
    rendered = documents(parse_environment(v2 + "}\n", "dev.yaml", CAPABILITIES))
    assert "dev/fraud-detector/prometheusrule.yaml" in rendered and "dev/prometheusrule.yaml" not in rendered
    with pytest.raises(ConfigError, match=r"monitoring\.layout: Seldon Core 2's series name Models"):
        parse_environment(v2 + ", layout: environment}\n", "dev.yaml", CAPABILITIES)


@pytest.mark.parametrize("layout", ["environments", "per-model", "1"])
def test_an_unknown_layout_is_refused_naming_the_key(layout: str) -> None:
    with pytest.raises(ConfigError, match=r"dev\.yaml: monitoring\.layout"):
        parse_environment(f"namespace: n\nalias: dev\nmonitoring: {{layout: {layout}}}\n", "dev.yaml")


def test_an_environment_without_models_gets_no_monitoring_yet() -> None:
    rendered = documents(models=snapshot({"fraud-detector": {"other-alias": 1}}))
    assert rendered["dev/kustomization.yaml"]["resources"] == []
    assert not [path for path in rendered if path.endswith(FILES)]
