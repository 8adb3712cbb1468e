"""Monitoring per model (`monitoring.layout: model`): PodMonitor, PrometheusRule and dashboards
(golden files), switches, stability. The environment layout: test_render_monitoring_environment."""

from __future__ import annotations

import json

import pytest

from generator import targets, yamlio
from generator.config import EnvironmentConfig
from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState, Deployed
from generator.plan.planner import plan
from generator.render import render
from generator.render.dashboard import dashboard_uid
from generator.targets import TARGETS
from generator.validate.monitoring_checks import dashboard_problems, dashboard_texts, rule_expression_problems
from tests.support.golden import assert_golden
from tests.support.snapshots import snapshot

DEFAULTS = parse_environment("namespace: models-dev\nalias: dev\nmonitoring: {layout: model}\n", "dev.yaml")
CONFIGURED = parse_environment(
    """
namespace: models-prod
alias: champion
monitoring:
  layout: model
  labels: {release: kube-prometheus-stack}
  podmonitor: {interval: 15s}
  rules:
    window: 10m
    for: 2m
    severity: page
    error_ratio: 0.01
    latency_p95_seconds: 0.25
    no_traffic_for: 1h
    canary_error_ratio_margin: 0.005
    canary_latency_ratio: 1.2
  dashboard:
    delivery: grafana-operator
    folder: Models
    url: https://grafana.example.com/
    instance_selector: {dashboards: main}
""",
    "prod.yaml",
)
SNAPSHOT = snapshot({"fraud-detector": {"champion": 2, "dev": 3}})


def documents(config=DEFAULTS, env: str = "dev", models=SNAPSHOT) -> dict[str, dict]:
    return render(plan({env: config}, models, CurrentState()))


def test_default_monitoring_matches_golden() -> None:
    rendered = documents()
    for name in ("podmonitor", "prometheusrule", "dashboard"):
        assert_golden(
            f"monitoring/defaults/{name}.yaml", yamlio.dump(rendered[f"dev/fraud-detector/{name}.yaml"])
        )


def test_configured_monitoring_matches_golden() -> None:
    rendered = documents(CONFIGURED, "prod")
    for name in ("podmonitor", "prometheusrule", "dashboard"):
        text = yamlio.dump(rendered[f"prod/fraud-detector/{name}.yaml"])
        assert_golden(f"monitoring/configured/{name}.yaml", text)


def test_dashboard_json_matches_golden_and_loads_back() -> None:
    configmap = documents()["dev/fraud-detector/dashboard.yaml"]
    (text,) = dashboard_texts(configmap)
    assert_golden("monitoring/defaults/dashboard.json", text)
    assert dashboard_problems(text) == []
    operator = documents(CONFIGURED, "prod")["prod/fraud-detector/dashboard.yaml"]
    assert dashboard_problems(operator["spec"]["json"]) == []


def test_podmonitor_selects_the_seldon_deployment_pods() -> None:
    monitor = documents(CONFIGURED, "prod")["prod/fraud-detector/podmonitor.yaml"]
    assert monitor["spec"]["selector"] == {"matchLabels": {"seldon-deployment-id": "fraud-detector"}}
    assert monitor["spec"]["podMetricsEndpoints"] == [
        {"port": "metrics", "path": "/prometheus", "interval": "15s"}
    ]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_alerts_use_thresholds_and_name_model_version_environment_and_dashboard() -> None:
    rule = documents(CONFIGURED, "prod")["prod/fraud-detector/prometheusrule.yaml"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (group,) = rule["spec"]["groups"]
    alerts = {r["alert"]: r for r in group["rules"]}
    assert sorted(alerts) == [
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
    ]
    assert alerts["ModelHighErrorRatio"]["expr"].endswith("> 0.01")
    assert "[10m]" in alerts["ModelHighErrorRatio"]["expr"]
    assert alerts["ModelHighLatencyP95"]["expr"].endswith("> 0.25")
    assert "[1h]" in alerts["ModelNoTraffic"]["expr"]
    assert alerts["ModelCanaryLatencyWorseThanStable"]["expr"].endswith("* 1.2")
    link = f"https://grafana.example.com/d/{dashboard_uid('prod', 'fraud-detector')}"
    for alert in alerts.values():
        assert alert["for"] == "2m"
        assert alert["labels"] == {"severity": "page", "model": "fraud-detector", "environment": "prod"}
        assert alert["annotations"]["dashboard"] == link
        description = alert["annotations"]["description"]
        assert "fraud-detector" in description and "environment prod" in description
        assert "MLflow version" in description and link in description
    assert rule_expression_problems(rule["spec"]["groups"]) == []


def test_a_null_threshold_switches_that_alert_off() -> None:
    config = parse_environment(
        "namespace: n\nalias: dev\nmonitoring:\n  layout: model\n"
        "  rules: {no_traffic_for: null, canary_latency_ratio: null}\n",
        "dev.yaml",
    )
    rule = documents(config)["dev/fraud-detector/prometheusrule.yaml"]
    names = [r["alert"] for r in rule["spec"]["groups"][0]["rules"]]
    assert "ModelNoTraffic" not in names and "ModelCanaryLatencyWorseThanStable" not in names
    assert "ModelHighErrorRatio" in names


@pytest.mark.parametrize("switched_off", ["podmonitor", "rules", "dashboard"])
def test_each_kind_can_be_switched_off(switched_off: str) -> None:
    config = parse_environment(
        f"namespace: n\nalias: dev\nmonitoring:\n  layout: model\n  {switched_off}: {{enabled: false}}\n",
        "dev.yaml",
    )
    rendered = documents(config)
    file = {"podmonitor": "podmonitor", "rules": "prometheusrule", "dashboard": "dashboard"}[switched_off]
    assert f"dev/fraud-detector/{file}.yaml" not in rendered
    resources = rendered["dev/kustomization.yaml"]["resources"]
    assert f"fraud-detector/{file}.yaml" not in resources
    assert "fraud-detector/seldondeployment.yaml" in resources
    if switched_off == "dashboard":
        rules = rendered["dev/fraud-detector/prometheusrule.yaml"]["spec"]["groups"][0]["rules"]
        assert all("dashboard" not in r["annotations"] for r in rules)


def test_kustomization_lists_monitoring_of_every_model_sorted() -> None:
    resources = documents()["dev/kustomization.yaml"]["resources"]
    assert resources == sorted(resources)
    assert resources == [
        "fraud-detector/dashboard.yaml",
        "fraud-detector/podmonitor.yaml",
        "fraud-detector/prometheusrule.yaml",
        "fraud-detector/seldondeployment.yaml",
    ]


def test_monitoring_does_not_change_with_the_version() -> None:
    before = documents(models=snapshot({"fraud-detector": {"dev": 1}}))
    after = documents(models=snapshot({"fraud-detector": {"dev": 2}}))
    changed = sorted(p for p in before if yamlio.dump(before[p]) != yamlio.dump(after[p]))
    assert changed == ["dev/fraud-detector/seldondeployment.yaml"]


def test_rendering_is_byte_stable() -> None:
    first = {p: yamlio.dump(d) for p, d in documents(CONFIGURED, "prod").items()}
    second = {p: yamlio.dump(d) for p, d in documents(CONFIGURED, "prod").items()}
    assert first == second


def test_dashboard_uid_is_stable_distinct_and_short() -> None:
    uid = dashboard_uid("prod", "fraud-detector")
    assert uid == dashboard_uid("prod", "fraud-detector")
    assert uid != dashboard_uid("dev", "fraud-detector") != dashboard_uid("prod", "other")
    assert len(uid) <= 40
    configmap = documents()["dev/fraud-detector/dashboard.yaml"]
    (text,) = dashboard_texts(configmap)
    assert json.loads(text)["uid"] == dashboard_uid("dev", "fraud-detector")


def test_sidecar_configmap_keys_do_not_collide_across_environments() -> None:
    dev = documents()["dev/fraud-detector/dashboard.yaml"]
    prod = documents(DEFAULTS, "prod", snapshot({"fraud-detector": {"dev": 1}}))[
        "prod/fraud-detector/dashboard.yaml"
    ]
    assert dev["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert set(dev["data"]).isdisjoint(prod["data"])


def test_model_names_cannot_inject_alert_template_actions() -> None:
    hostile = 'x{{ query "up" }}'
    rule = documents(models=snapshot({hostile: {"dev": 1}}))
    (path,) = [p for p in rule if p.endswith("prometheusrule.yaml")]
    summary = rule[path]["spec"]["groups"][0]["rules"][0]["annotations"]["summary"]
    assert '{{ "x{{ query \\"up\\" }}" }}' in summary
    assert rule[path]["spec"]["groups"][0]["rules"][0]["labels"]["model"] == hostile


@pytest.mark.parametrize(
    "monitoring",
    [
        "labels: {'Bad Key': x}",
        "labels: {release: 'not a value!'}",
        "rules: {window: 5 minutes}",
        "rules: {error_ratio: 2}",
        "dashboard: {delivery: email}",
        "dashboard: {url: grafana.example.com}",
        "podmonitor: {unknown: 1}",
    ],
)
def test_invalid_monitoring_config_is_rejected(monitoring: str) -> None:
    with pytest.raises(ConfigError, match=r"dev\.yaml"):
        parse_environment(f"namespace: n\nalias: dev\nmonitoring:\n  {monitoring}\n", "dev.yaml")


def test_a_model_layout_applies_the_models_own_thresholds() -> None:
    config = parse_environment(
        "namespace: models-dev\nalias: dev\nmonitoring: {layout: model}\n"
        "overrides: {fraud-detector: {alerts: {error_ratio: 0.2, no_traffic_for: null}}}\n",
        "dev.yaml",
    )
    rule = documents(config)["dev/fraud-detector/prometheusrule.yaml"]
    alerts = {r["alert"]: r["expr"] for r in rule["spec"]["groups"][0]["rules"]}
    assert alerts["ModelHighErrorRatio"].endswith("> 0.2")
    assert "ModelNoTraffic" not in alerts and alerts["ModelHighLatencyP95"].endswith("> 1")


def test_models_kept_from_an_earlier_run_keep_their_monitoring() -> None:
    """A model rejected this run keeps its last SeldonDeployment; its monitoring is still listed."""
    current = CurrentState(
        deployed={"dev": {"fraud-detector": Deployed("fraud-detector", "1", "fraud-detector")}}
    )
    broken = snapshot({"fraud-detector": {"dev": 2}}, **{"fraud-detector_2": "ftp://nowhere/model"})
    the_plan = plan({"dev": DEFAULTS}, broken, current)
    assert [c.kind for c in the_plan.rejections] == ["reject"]
    rendered = render(the_plan)
    assert "dev/fraud-detector/seldondeployment.yaml" not in rendered  # Git's copy is kept as it is
    assert "dev/fraud-detector/podmonitor.yaml" in rendered
    assert rendered["dev/kustomization.yaml"]["resources"] == [
        "fraud-detector/dashboard.yaml",
        "fraud-detector/podmonitor.yaml",
        "fraud-detector/prometheusrule.yaml",
        "fraud-detector/seldondeployment.yaml",
    ]


# Other serving targets: the same documents in the target's own PromQL vocabulary

CAPABILITIES = {name: target.strategies for name, target in TARGETS.items()}
KSERVE = parse_environment(
    "target: kserve\nnamespace: models-prod\nalias: champion\n"
    "monitoring: {layout: model, labels: {release: kube-prometheus-stack}, podmonitor: {interval: 15s}}\n",
    "prod.yaml",
    CAPABILITIES,
)
SELDON_V2 = parse_environment(
    "target: seldon-v2\nnamespace: models-prod\nalias: champion\n"
    "monitoring: {podmonitor: {enabled: false}}\n",
    "prod.yaml",
    CAPABILITIES,
)


@pytest.mark.parametrize(
    ("config", "golden", "files"),
    [
        (KSERVE, "kserve", ("podmonitor", "prometheusrule", "dashboard")),
        (SELDON_V2, "seldon_v2", ("prometheusrule", "dashboard")),
    ],
)
def test_each_targets_monitoring_matches_golden_and_validates(
    config: EnvironmentConfig, golden: str, files: tuple[str, ...]
) -> None:
    rendered = documents(config, "prod")
    for name in files:
        text = yamlio.dump(rendered[f"prod/fraud-detector/{name}.yaml"])
        assert_golden(f"monitoring/{golden}/{name}.yaml", text)
    (dashboard,) = dashboard_texts(rendered["prod/fraud-detector/dashboard.yaml"])
    assert_golden(f"monitoring/{golden}/dashboard.json", dashboard)
    assert dashboard_problems(dashboard) == []
    rule = rendered["prod/fraud-detector/prometheusrule.yaml"]
    assert rule_expression_problems(rule["spec"]["groups"]) == []
    serving = targets.get(config.target).file_name
    assert rendered["prod/kustomization.yaml"]["resources"] == sorted(
        f"fraud-detector/{name}" for name in (serving, *(f"{file}.yaml" for file in files))
    )


def test_the_kserve_podmonitor_reaches_mlservers_undeclared_metrics_port() -> None:
    monitor = documents(KSERVE, "prod")["prod/fraud-detector/podmonitor.yaml"]
    assert monitor["spec"]["selector"] == {
        "matchLabels": {"serving.kserve.io/inferenceservice": "fraud-detector"}
    }
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert "port" not in endpoint and endpoint["path"] == "/metrics" and endpoint["interval"] == "15s"
    keep, ipv4, ipv6, *labels = endpoint["relabelings"]
    assert keep == {
        "action": "keep",
        "sourceLabels": ["__meta_kubernetes_pod_container_name"],
        "regex": "kserve-container",
    }
    assert (ipv4["replacement"], ipv6["replacement"]) == ("$1:8082", "[$1]:8082")
    assert {label["targetLabel"] for label in labels} == {
        "deployment_name",
        "predictor_name",
        "predictor_version",
    }


def test_seldon_v2_alerts_speak_of_models_and_mean_latency() -> None:
    rule = documents(SELDON_V2, "prod")["prod/fraud-detector/prometheusrule.yaml"]
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert "seldon_model_infer_total" in alerts["ModelHighErrorRatio"]["expr"]
    latency = alerts["ModelHighLatencyP95"]
    assert (
        "seldon_model_infer_seconds_total" in latency["expr"] and "histogram_quantile" not in latency["expr"]
    )
    assert "mean latency" in latency["annotations"]["summary"]
    assert (
        "on Model {{ $labels.model }}, Seldon model version {{ $labels.model_internal }}"
        in (latency["annotations"]["summary"])
    )
    assert "predictor_" not in json.dumps(rule)


def test_a_target_without_a_scrape_endpoint_gets_no_podmonitor_even_if_asked() -> None:
    """Seldon Core 2's loader refuses it; rendering an unchecked config still writes none."""
    unchecked = SELDON_V2.model_copy(
        update={
            "monitoring": SELDON_V2.monitoring.model_copy(
                update={"podmonitor": DEFAULTS.monitoring.podmonitor}
            )
        }
    )
    assert unchecked.monitoring.podmonitor.enabled
    rendered = documents(unchecked, "prod")
    assert "prod/fraud-detector/podmonitor.yaml" not in rendered
    assert "fraud-detector/podmonitor.yaml" not in rendered["prod/kustomization.yaml"]["resources"]
