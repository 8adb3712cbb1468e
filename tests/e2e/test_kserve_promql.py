"""The KServe target's PromQL, alerts, dashboard, gate readings and PodMonitor against a real
Prometheus scraping MLServer-shaped REST metrics.

One InferenceService mid-canary: its serving revision (`default`, MLflow version 7) is fast and
nearly error-free, the candidate's (`canary`, version 8) is slow and fails 30% of inference calls;
a second InferenceService serves nothing. Readiness probes, ten per request and always 200, must
not count: with them the canary's error ratio would read about 3%. Prometheus loads the rendered
PrometheusRule groups of both; the expected alerts fire, every dashboard query answers, and the
online gates read each role. Separately, Prometheus scrapes two pods' bare MLServer metrics through
the rendered PodMonitor's relabelings, as prometheus-operator would configure it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from generator.app.sources import gate_queries
from generator.config.monitoring import MonitoringSettings
from generator.metrics import prometheus as prometheus_client
from generator.model.readings import ReadingRequest
from generator.render.dashboard import dashboard_json
from generator.render.monitoring import Subject, pod_monitor, prometheus_rule
from generator.targets.kserve import promql
from generator.validate.monitoring_checks import dashboard_expressions
from tests.conftest import require
from tests.e2e.test_monitoring_prometheus import api, eventually, firing, labels, query
from tests.support.mlserver_exporter import MLServerExporter, MLServerPod
from tests.support.seldon_exporter import Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
SERVICE = promql.Selector(NAMESPACE, "fraud-detector")
IDLE = promql.Selector(NAMESPACE, "idle-model")
WINDOW = "30s"
SETTINGS = MonitoringSettings.model_validate({"rules": {"for": "0s", "window": WINDOW}})
SERVING = Subject("prod", NAMESPACE, "fraud-detector", "fraud-detector", SETTINGS, promql)
IDLE_SUBJECT = Subject("prod", NAMESPACE, "idle-model", "idle-model", SETTINGS, promql)
LINK = "https://grafana.example.com/d/x"


def rule_files(workdir: Path) -> list[Path]:
    """The rendered PrometheusRule groups of both InferenceServices, as Prometheus rule files."""
    files = []
    for subject in (SERVING, IDLE_SUBJECT):
        path = workdir / f"{subject.directory}.rules.json"
        path.write_text(json.dumps({"groups": prometheus_rule(subject, LINK)["spec"]["groups"]}))
        files.append(path)
    return files


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus-kserve")
    exporter = MLServerExporter()
    exporter.set(NAMESPACE, "fraud-detector", "default", Traffic("7", requests=100, errors=1, latency=0.05))
    exporter.set(NAMESPACE, "fraud-detector", "canary", Traffic("8", requests=100, errors=30, latency=2.0))
    server, url = prometheus_server(workdir, [exporter.start()], rule_files=rule_files(workdir))
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


def test_the_rendered_alerts_fire_naming_predictor_and_mlflow_version(prometheus: str) -> None:
    wanted = {
        "ModelHighErrorRatio",
        "ModelHighLatencyP95",
        "ModelNoTraffic",
        "ModelCanaryErrorsWorseThanStable",
        "ModelCanaryLatencyWorseThanStable",
    }
    alerts = eventually(lambda: (a := firing(prometheus)) and wanted <= set(a) and a, "all five alerts")
    for name in ("ModelHighErrorRatio", "ModelHighLatencyP95", "ModelCanaryErrorsWorseThanStable"):
        (alert,) = alerts[name]  # the canary only: the serving revision is within the thresholds
        assert (alert["labels"]["predictor_name"], alert["labels"]["predictor_version"]) == ("canary", "8")
    (idle,) = alerts["ModelNoTraffic"]
    assert idle["labels"]["deployment_name"] == "idle-model"
    (errors,) = alerts["ModelHighErrorRatio"]
    summary = errors["annotations"]["summary"]
    assert summary.startswith(
        "fraud-detector (prod): 30% of requests fail on predictor canary, MLflow version 8"
    )
    assert errors["annotations"]["description"].endswith(f"Dashboard: {LINK}")


def test_every_dashboard_query_answers_per_role_and_version(prometheus: str) -> None:
    expressions = dict(dashboard_expressions(json.loads(dashboard_json(SERVING))))
    assert len(expressions) == 12
    eventually(lambda: query(prometheus, expressions["panel 'Error ratio (5xx)' query A"]), "rates")
    results = {where: query(prometheus, expr) for where, expr in expressions.items()}
    assert [where for where, result in results.items() if not result] == []
    both = [("canary", "8"), ("default", "7")]
    for where in (
        "panel 'MLflow versions serving' query A",
        "panel 'Traffic split' query A",
        "panel 'Latency p50 / p95 / p99' query B",
        "annotation 'New MLflow version serving'",
    ):
        assert labels(results[where], "predictor_name", "predictor_version") == both, where
    assert labels(results["panel 'p95 latency: canary vs stable' query A"], "predictor_name") == [
        ("default",)
    ]


ROLLOUT = [
    ReadingRequest("prod", "fraud-detector", NAMESPACE, "fraud-detector", role, version, 30, target="kserve")
    for role, version in (("default", "7"), ("canary", "8"))
]


def test_the_online_gates_read_each_revision_through_the_targets_queries(prometheus: str) -> None:
    def both() -> Any:
        found = prometheus_client.read(prometheus, ROLLOUT, gate_queries())
        roles = [found.get("prod", "fraud-detector", role) for role in ("default", "canary")]
        return found if all(r is not None and r.requests > 0 for r in roles) else None

    readings = eventually(both, "readings of both revisions")
    stable, canary = (readings.get("prod", "fraud-detector", role) for role in ("default", "canary"))
    assert canary.error_ratio == pytest.approx(0.3, abs=0.01)  # readiness probes are not requests
    assert stable.error_ratio == pytest.approx(0.01, abs=0.005)
    assert canary.p95_seconds > 1.0 > 0.1 > stable.p95_seconds


# The PodMonitor: two pods (their own loopback addresses, one port, as pods have their own IPs),
# each serving one revision's bare MLServer series at /metrics. Prometheus gets the targets
# prometheus-operator would discover: per pod, each declared port of each container (the
# kserve-container's inference port, the queue-proxy's), with the pods' metadata labels.

PODS = {"127.0.0.2": ("default", "7"), "127.0.0.3": ("canary", "8")}


def operator_job(monitor: dict[str, Any], pods: dict[str, str]) -> str:
    """The scrape job prometheus-operator makes of `monitor`: its own relabelings (namespace,
    container, pod), then the PodMonitor's, written as Prometheus configuration."""
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    own = [
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
    ]
    names = {"sourceLabels": "source_labels", "targetLabel": "target_label"}
    theirs = [{names.get(k, k): v for k, v in rule.items()} for rule in endpoint["relabelings"]]
    groups = []
    for ip, name in pods.items():
        role, version = PODS[ip]
        meta = {
            "__meta_kubernetes_namespace": NAMESPACE,
            "__meta_kubernetes_pod_name": name,
            "__meta_kubernetes_pod_ip": ip,
            "__meta_kubernetes_pod_label_serving_kserve_io_inferenceservice": "fraud-detector",
            "__meta_kubernetes_pod_label_model_gitops_io_predictor": role,
            "__meta_kubernetes_pod_label_app_kubernetes_io_version": version,
        }
        for container, port in (("kserve-container", 8080), ("queue-proxy", 8012), ("queue-proxy", 9091)):
            labels = {**meta, "__meta_kubernetes_pod_container_name": container}
            groups.append({"targets": [f"{ip}:{port}"], "labels": labels})
    job = {
        "job_name": "podmonitor",
        "metrics_path": endpoint["path"],
        "static_configs": groups,
        "relabel_configs": own + theirs,
    }
    return "  - " + json.dumps(job) + "\n"


def shared_port() -> int:
    """A port free on both pods' addresses."""
    for _ in range(20):
        with socket.socket() as first:
            first.bind(("127.0.0.2", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.3", port))
                except OSError:
                    continue
            return port
    raise AssertionError("no port free on both pod addresses")


@dataclass
class Pods:
    url: str  # Prometheus
    port: int  # the metrics port of every pod


@pytest.fixture(scope="module")
def scraped_pods(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pods]:
    require("prometheus")
    port = shared_port()
    assert promql.SCRAPE is not None
    monitor = pod_monitor(SERVING, replace(promql.SCRAPE, port=port))
    pods = []
    for ip, (role, version) in PODS.items():
        pod = MLServerPod()
        traffic = Traffic(version, requests=100, errors=30 if role == "canary" else 1)
        pod.set(NAMESPACE, "fraud-detector", role, traffic)
        pod.start(ip, port)
        pods.append(pod)
    names = {ip: f"fraud-detector-predictor-{role}" for ip, (role, _) in PODS.items()}
    server, url = prometheus_server(
        tmp_path_factory.mktemp("prometheus-pods"), [], jobs=operator_job(monitor, names)
    )
    try:
        server.start()
        yield Pods(url, port)
    finally:
        server.stop()
        for pod in pods:
            pod.stop()


def test_the_podmonitor_scrapes_each_pod_once_with_the_labels_the_queries_select(scraped_pods: Pods) -> None:
    url = scraped_pods.url

    def active() -> list[dict[str, Any]]:
        targets = api(url, "targets")["activeTargets"]
        return targets if targets and all(t["health"] == "up" for t in targets) else []

    targets = eventually(active, "the pods' targets up")  # the queue-proxy's are dropped
    assert sorted((t["labels"]["container"], t["scrapeUrl"]) for t in targets) == [
        ("kserve-container", f"http://{ip}:{scraped_pods.port}/metrics") for ip in sorted(PODS)
    ]
    expr = promql.error_ratio(SERVICE, WINDOW, promql.PER_PREDICTOR)
    ratio = eventually(lambda: len(found := query(url, expr)) == 2 and found, "both revisions' error ratios")
    by_role = {
        r["metric"]["predictor_name"]: (r["metric"]["predictor_version"], float(r["value"][1])) for r in ratio
    }
    assert by_role["canary"] == ("8", pytest.approx(0.3, abs=0.01))
    assert by_role["default"] == ("7", pytest.approx(0.01, abs=0.005))
