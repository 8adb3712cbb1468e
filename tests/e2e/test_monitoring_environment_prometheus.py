"""The environment's monitoring (`monitoring.layout: environment`) against a real Prometheus.

One rule group watches every deployment of the namespace: Prometheus scrapes a stand-in for the
executors of `fraud-detector` (a good stable predictor, a failing slow canary) and `own-limits`
(the same traffic, but the model has its own error threshold of 50%, so its rules are a group of
their own and the environment's rules leave it out), and the `up` of a pod of `idle-model`, which
runs but never served (labelled as the environment's PodMonitor labels it). The generic alerts
must fire once per deployment that breaks them, naming it; the dashboard's queries, with its
variables set, must return the chosen deployment's series.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from generator.config.loader import parse_environment
from generator.render.observability import environment_monitoring_documents
from generator.validate.monitoring_checks import dashboard_expressions, dashboard_texts
from tests.conftest import require
from tests.e2e.test_monitoring_prometheus import evaluated_groups, eventually, firing, labels, query
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
CONFIG = parse_environment(
    f"namespace: {NAMESPACE}\nalias: champion\nmonitoring:\n  rules: {{for: 0s}}\n"
    "  dashboard: {url: https://grafana.example.com}\n"
    "overrides: {own-limits: {alerts: {error_ratio: 0.5}}}\n",
    "prod.yaml",
)
MODELS = [("fraud-detector", "fraud-detector"), ("own-limits", "own-limits"), ("idle-model", "idle-model")]
DOCUMENTS = environment_monitoring_documents("prod", CONFIG, MODELS)


def idle_pod_job(target: str) -> str:
    """A scrape job standing for the idle model's pod: its `up` labelled as the PodMonitor does."""
    return (
        "  - job_name: idle-pod\n    metrics_path: /prometheus\n    static_configs:\n"
        f"      - targets: ['{target}']\n"
        f"        labels: {{namespace: {NAMESPACE}, seldon_deployment_id: idle-model}}\n"
    )


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus")
    rules = workdir / "environment.rules.json"
    rules.write_text(json.dumps({"groups": DOCUMENTS["prometheusrule.yaml"]["spec"]["groups"]}))
    exporter, idle = SeldonExporter(), SeldonExporter()
    for deployment in ("fraud-detector", "own-limits"):
        exporter.set(NAMESPACE, deployment, "stable", Traffic("2", requests=100, errors=1, latency=0.05))
        exporter.set(NAMESPACE, deployment, "canary", Traffic("3", requests=100, errors=30, latency=2.0))
    target, idle_target = exporter.start(), idle.start()
    server, url = prometheus_server(workdir, [target], rule_files=[rules], jobs=idle_pod_job(idle_target))
    try:
        server.start()
        yield url
    finally:
        server.stop()
        exporter.stop()
        idle.stop()


def test_one_group_for_the_environment_and_one_for_the_model_with_its_own_limits(prometheus: str) -> None:
    groups = eventually(lambda: evaluated_groups(prometheus), "every rule evaluated without error")
    assert [(g["name"], len(g["rules"])) for g in groups] == [
        ("model-gitops.prod", 5),
        ("model-gitops.prod.own-limits", 5),
    ]


def test_alerts_fire_per_deployment_and_respect_a_models_own_threshold(prometheus: str) -> None:
    wanted = {
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    }
    both = {"fraud-detector", "own-limits"}  # alerts of one rule can start firing one evaluation apart

    def settled(found: dict[str, list[dict[str, Any]]]) -> bool:
        per = {name: {a["labels"]["deployment_name"] for a in found.get(name, [])} for name in wanted}
        return (
            wanted <= set(found)
            and both <= per["ModelHighLatencyP95"]
            and both <= per["ModelCanaryErrorsWorseThanStable"]
        )

    alerts = eventually(lambda: (a := firing(prometheus)) and settled(a) and a, "all five alerts")
    (errors,) = alerts["ModelHighErrorRatio"]  # own-limits fails 30%, under its own 50%
    assert (errors["labels"]["deployment_name"], errors["labels"]["predictor_name"]) == (
        "fraud-detector",
        "canary",
    )
    assert errors["labels"]["model"] == "fraud-detector" and errors["labels"]["environment"] == "prod"
    assert errors["annotations"]["summary"].startswith(
        "fraud-detector (prod): 30% of requests fail on predictor canary, MLflow version 3"
    )
    assert errors["annotations"]["dashboard"].endswith("?var-deployment=fraud-detector")
    latency = sorted(a["labels"]["deployment_name"] for a in alerts["ModelHighLatencyP95"])
    assert latency == ["fraud-detector", "own-limits"]
    canary = sorted(a["labels"]["model"] for a in alerts["ModelCanaryErrorsWorseThanStable"])
    assert canary == ["fraud-detector", "own-limits"]
    (idle,) = alerts["ModelNoTraffic"]
    assert idle["labels"]["deployment_name"] == "idle-model" and idle["labels"]["model"] == "idle-model"
    assert "none seen in the last day" in idle["annotations"]["description"]
    assert all("{{" not in a["annotations"]["description"] for found in alerts.values() for a in found)


def test_the_no_traffic_description_queries_the_firing_deployments_versions(prometheus: str) -> None:
    rules = DOCUMENTS["prometheusrule.yaml"]["spec"]["groups"][0]["rules"]
    (no_traffic,) = [r for r in rules if r["alert"] == "ModelNoTraffic"]
    template = no_traffic["annotations"]["description"]
    seen = template.split("printf `", 1)[1].split("`", 1)[0].replace("%s", "fraud-detector")
    result = eventually(lambda: query(prometheus, seen), "versions seen for fraud-detector")
    assert labels(result, "predictor_name", "predictor_version") == [("canary", "3"), ("stable", "2")]


def test_dashboard_variables_list_the_deployments_and_panels_show_the_chosen_one(prometheus: str) -> None:
    (text,) = dashboard_texts(DOCUMENTS["dashboard.yaml"])
    data = json.loads(text)
    variables = {v["name"]: v["query"] for v in data["templating"]["list"] if v.get("type") == "query"}
    inner = variables["deployment"].removeprefix("label_values(").rsplit(",", 1)[0]
    found = eventually(lambda: query(prometheus, inner), "the deployment variable's series")
    assert sorted({r["metric"]["deployment_name"] for r in found}) == ["fraud-detector", "own-limits"]
    chosen = {
        where: expr.replace("$deployment", "own-limits").replace("$version", ".*")
        for where, expr in dashboard_expressions(data)
        if where.startswith("panel")
    }
    eventually(lambda: query(prometheus, chosen["panel 'Error ratio (5xx)' query A"]), "rates")
    for where, expr in chosen.items():
        result = query(prometheus, expr)
        assert result, where
        assert {r["metric"].get("deployment_name", "own-limits") for r in result} == {"own-limits"}, where
