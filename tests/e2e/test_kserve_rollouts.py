"""KServe rollouts end to end: `model-gitops sync` on a kserve environment with its monitoring on
reads the canary's gates from a real Prometheus scraping MLServer-shaped metrics (as the rendered
PodMonitor labels them), promotes a healthy canary and rolls back a failing one, with a real MLflow
server, a bare Git remote, kustomize, strict kubeconform (KServe's CRD, the PodMonitor,
PrometheusRule and dashboard schemas) and promtool."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator import yamlio
from generator.app.sources import gate_queries
from generator.metrics.prometheus import read as read_prometheus
from generator.model.readings import ReadingRequest
from tests.conftest import require
from tests.e2e.test_sync_kserve import validation_args
from tests.support.cli import Result, invoke
from tests.support.gitops import GitopsRepo
from tests.support.mlserver_exporter import MLServerExporter
from tests.support.registry import TestRegistry
from tests.support.seldon_exporter import Traffic
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-kserve"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONITORING_FILES = ["dashboard.yaml", "podmonitor.yaml", "prometheusrule.yaml"]  # one set per environment


@dataclass
class Metrics:
    exporter: MLServerExporter
    url: str


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Metrics]:
    require("prometheus")
    exporter = MLServerExporter()
    target = exporter.start()
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), [target], "1s")
    server.start()
    try:
        yield Metrics(exporter, url)
    finally:
        server.stop()
        exporter.stop()


def environment(prefix: str) -> str:
    """Monitoring left at its defaults: PodMonitor, rules and dashboard are rendered and validated."""
    return (
        f"target: kserve\nnamespace: {NAMESPACE}\nalias: champion\nmodels:\n  include: ['{prefix}*']\n"
        "seldon:\n  replicas: 2\n  service_account_name: kserve-models\n"
        'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
        "strategy:\n  type: canary\n  steps: [25, 100]\n  step_time: 10m\n"
        "  online: {window: 10s, min_requests: 50}\n"
    )


@dataclass
class Cli:
    gitops: GitopsRepo
    registry: TestRegistry
    cache: Path
    prometheus: Metrics

    def sync(self, at: timedelta) -> Result:
        args = ["sync", "--push", "--tracking-uri", self.registry.url, "--cache-dir", str(self.cache)]
        args += ["--prometheus-url", self.prometheus.url, "--now", (T0 + at).isoformat()]
        result = invoke([*args, *validation_args(self.cache)], cwd=self.gitops.worktree)
        assert result.code == 0, result.err + result.out
        return result

    def service(self, model: str) -> dict[str, Any]:
        return dict(yamlio.load(self.gitops.remote_show(f"rendered/prod/{model}/inferenceservice.yaml")))

    def subject(self) -> str:
        return self.gitops.remote_log()[0]


@pytest.fixture
def cli(gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, prometheus: Metrics) -> Cli:
    return Cli(gitops, registry, cache_dir, prometheus)


def start_canary(cli: Cli, stem: str) -> str:
    """Version 1 serving with its monitoring, then the alias moves to 2: canary 2 at 25%."""
    model = cli.registry.unique(stem)
    cli.registry.create(model, 2, {"champion": 1})
    cli.gitops.write_environment("prod", environment(model))
    cli.sync(timedelta(0))
    files = sorted(f.rsplit("/", 1)[1] for f in cli.gitops.remote_files() if f"/prod/{model}/" in f)
    assert files == ["inferenceservice.yaml"]
    remote = cli.gitops.remote_files()
    assert all(f"rendered/prod/{name}" in remote for name in MONITORING_FILES)
    monitor = yamlio.load(cli.gitops.remote_show("rendered/prod/podmonitor.yaml"))
    assert monitor["spec"]["selector"] == {
        "matchExpressions": [{"key": "serving.kserve.io/inferenceservice", "operator": "Exists"}]
    }
    cli.registry.set_alias(model, "champion", 2)
    cli.sync(timedelta(minutes=1))
    assert cli.subject() == f"rollout(prod): {model}: canary 2 at 25% (stable 1)"
    predictor = cli.service(model)["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 25
    assert predictor["labels"] == {"app.kubernetes.io/version": "2", "model-gitops.io/predictor": "canary"}
    return model


def serve(cli: Cli, model: str, serving: Traffic, canary: Traffic) -> None:
    """Inference calls on both revisions until Prometheus holds enough for the gates (bounded)."""
    cli.prometheus.exporter.set(NAMESPACE, model, "default", serving)
    cli.prometheus.exporter.set(NAMESPACE, model, "canary", canary)
    wanted = [
        ReadingRequest("prod", model, NAMESPACE, model, role, version, 10, target="kserve")
        for role, version in (("default", "1"), ("canary", "2"))
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readings = read_prometheus(cli.prometheus.url, wanted, gate_queries())
        if all(
            (r := readings.get("prod", model, role)) and r.requests >= 50 for role in ("default", "canary")
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw 50 requests on both revisions: {readings}")


def test_a_healthy_kserve_canary_is_promoted_on_mlserver_metrics(cli: Cli) -> None:
    model = start_canary(cli, "ks-walk")
    serve(cli, model, Traffic("1", 60), Traffic("2", 20))

    cli.sync(timedelta(minutes=12))
    assert cli.subject().startswith(
        f"promote(prod): {model}: canary 2 at 25% -> 100%, promoted over 1 (error 0%"
    )
    predictor = cli.service(model)["spec"]["predictor"]
    assert "canaryTrafficPercent" not in predictor
    assert predictor["labels"] == {"app.kubernetes.io/version": "2", "model-gitops.io/predictor": "default"}


def test_a_failing_kserve_canary_is_rolled_back(cli: Cli) -> None:
    model = start_canary(cli, "ks-fail")
    serve(cli, model, Traffic("1", 60), Traffic("2", 20, errors=10))

    cli.sync(timedelta(minutes=12))
    assert cli.subject().startswith(f"rollback(prod): {model}: canary 2 at 25% rolled back to 1")
    service = cli.service(model)
    assert service["metadata"]["annotations"]["model-gitops.io/rollout-hold"] == "2"
    assert "canaryTrafficPercent" not in service["spec"]["predictor"]
    assert service["spec"]["predictor"]["labels"]["app.kubernetes.io/version"] == "1"
