"""Seldon Core 2 rollouts end to end: `model-gitops sync` on a seldon-v2 environment reads its gates
from a real Prometheus scraping Seldon Core 2-shaped agent metrics (per Model), promotes a healthy
canary and rolls back a failing one, with a real MLflow server and a bare Git remote. The
environment keeps its alert rules and dashboard on (validated with the rest by every sync); its
PodMonitor is Seldon's agent one, not rendered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator import yamlio
from generator.app.sources import gate_queries
from generator.metrics.prometheus import read as read_prometheus
from generator.model.readings import ReadingRequest
from tests.conftest import require
from tests.support.cli import Result, invoke
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry
from tests.support.seldon_v2_agent import ModelTraffic, SeldonV2Agent
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-sc2"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Metrics:
    agent: SeldonV2Agent
    url: str


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Metrics]:
    require("prometheus")
    agent = SeldonV2Agent()
    target = agent.start()
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), [target], "1s")
    server.start()
    try:
        yield Metrics(agent, url)
    finally:
        server.stop()
        agent.stop()


def environment(prefix: str) -> str:
    return (
        f"target: seldon-v2\nnamespace: {NAMESPACE}\nalias: champion\nmodels:\n  include: ['{prefix}*']\n"
        'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
        "monitoring: {podmonitor: {enabled: false}}\n"
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
        result = invoke(args, cwd=self.gitops.worktree)
        assert result.code == 0, result.err + result.out
        return result

    def items(self, model: str) -> list[dict]:  # type: ignore[type-arg]
        return list(yamlio.load(self.gitops.remote_show(f"rendered/prod/{model}/model.yaml"))["items"])

    def subject(self) -> str:
        return self.gitops.remote_log()[0]


@pytest.fixture
def cli(gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, prometheus: Metrics) -> Cli:
    return Cli(gitops, registry, cache_dir, prometheus)


def start_canary(cli: Cli, stem: str) -> str:
    """Version 1 serving, then the alias moves to 2: canary 2 at 25%, an Experiment in Git."""
    model = cli.registry.unique(stem)
    cli.registry.create(model, 2, {"champion": 1})
    cli.gitops.write_environment("prod", environment(model))
    cli.sync(timedelta(0))
    files = sorted(f.rsplit("/", 1)[1] for f in cli.gitops.remote_files() if f"/prod/{model}/" in f)
    assert files == ["dashboard.yaml", "model.yaml", "prometheusrule.yaml"]
    cli.registry.set_alias(model, "champion", 2)
    cli.sync(timedelta(minutes=1))
    assert cli.subject() == f"rollout(prod): {model}: canary 2 at 25% (stable 1)"
    assert [item["metadata"]["name"] for item in cli.items(model)] == [model, f"{model}-canary-2", model]
    return model


def serve(cli: Cli, model: str, serving: ModelTraffic, canary: ModelTraffic) -> None:
    """Traffic on both Models until Prometheus holds enough of it for the gates (bounded wait)."""
    cli.prometheus.agent.set(NAMESPACE, model, serving)
    cli.prometheus.agent.set(NAMESPACE, f"{model}-canary-2", canary)
    wanted = [
        ReadingRequest("prod", model, NAMESPACE, model, role, version, 10, target="seldon-v2")
        for role, version in (("stable", "1"), ("canary", "2"))
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readings = read_prometheus(cli.prometheus.url, wanted, targets=gate_queries())
        if all(
            (r := readings.get("prod", model, role)) and r.requests >= 50 for role in ("stable", "canary")
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw 50 requests on both Models: {readings}")


def test_a_healthy_canary_is_promoted_on_seldon_core_2_metrics(cli: Cli) -> None:
    model = start_canary(cli, "sc2-walk")
    serve(cli, model, ModelTraffic(f"{model}_1", 60), ModelTraffic(f"{model}-canary-2_1", 20))

    cli.sync(timedelta(minutes=12))
    assert cli.subject().startswith(
        f"promote(prod): {model}: canary 2 at 25% -> 100%, promoted over 1 (error 0%"
    )
    [serving] = cli.items(model)
    assert serving["metadata"]["name"] == model
    assert serving["metadata"]["annotations"]["model-gitops.io/version"] == "2"


def test_a_failing_canary_is_rolled_back_and_held(cli: Cli) -> None:
    model = start_canary(cli, "sc2-fail")
    serve(cli, model, ModelTraffic(f"{model}_1", 60), ModelTraffic(f"{model}-canary-2_1", 20, errors=10))

    cli.sync(timedelta(minutes=12))
    assert cli.subject().startswith(f"rollback(prod): {model}: canary 2 at 25% rolled back to 1")
    [serving] = cli.items(model)  # no candidate, no Experiment
    annotations = serving["metadata"]["annotations"]
    assert (annotations["model-gitops.io/version"], annotations["model-gitops.io/rollout-hold"]) == ("1", "2")

    released = invoke(["release-hold", model, "--push"], cwd=cli.gitops.worktree)
    assert released.code == 0, released.err
    assert cli.subject() == f"release-hold(prod): {model} 2"
    [serving] = cli.items(model)
    assert "model-gitops.io/rollout-hold" not in serving["metadata"]["annotations"]
    cli.sync(timedelta(minutes=40))  # the alias still says 2: the canary starts again
    assert [item["metadata"]["name"] for item in cli.items(model)] == [model, f"{model}-canary-2", model]
