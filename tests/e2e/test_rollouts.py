"""Traffic strategies end to end: real Prometheus scraping a Seldon-metrics exporter, real MLflow,
real Git, kustomize and kubeconform. The rollout clock is injected with `--now`; Prometheus is
read at its present, over a 10 s window, from counters the exporter moves on every scrape.
"""

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
from tests.support.registry import TestRegistry, create_with_runs
from tests.support.seldon_exporter import SeldonExporter, Traffic
from tests.support.servers import free_port, prometheus_server

pytestmark = pytest.mark.e2e

NAMESPACE = "models-prod"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CANARY = """
strategy:
  type: canary
  steps: [25, 50, 100]
  step_time: 10m
  online: {window: 10s, min_requests: 50}
  offline: [{metric: val_auc, max_drop: 0.01}]
"""


@dataclass
class Metrics:
    exporter: SeldonExporter
    url: str


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Metrics]:
    require("prometheus")
    exporter = SeldonExporter()
    target = exporter.start()
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), [target], "1s")
    server.start()
    try:
        yield Metrics(exporter, url)
    finally:
        server.stop()
        exporter.stop()


def environment(prefix: str, extra: str = CANARY) -> str:
    return (
        f"namespace: {NAMESPACE}\nalias: champion\nmodels:\n  include: ['{prefix}*']\n"
        'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n' + extra
    )


class Cli:
    def __init__(self, gitops: GitopsRepo, registry: TestRegistry, cache: Path, prometheus_url: str):
        self.gitops, self.registry, self.cache, self.prometheus_url = gitops, registry, cache, prometheus_url

    def __call__(self, command: str, at: timedelta, *extra: str) -> Result:
        args = [command, "--tracking-uri", self.registry.url, "--cache-dir", str(self.cache)]
        args += ["--prometheus-url", self.prometheus_url, *extra]
        if command != "status":  # status reads no clock: it shows what Git and Prometheus say now
            args += ["--now", (T0 + at).isoformat()]
        if command == "sync":
            args.append("--push")
        result = invoke(args, cwd=self.gitops.worktree)
        assert result.code == 0, result.err + result.out
        return result

    def predictors(self, model: str) -> list[tuple[str, str, int]]:
        predictors = self.document(model)["spec"]["predictors"]
        return [(p["name"], p["annotations"]["version"], p["traffic"]) for p in predictors]

    def document(self, model: str) -> dict:  # type: ignore[type-arg]
        return yamlio.load(self.gitops.remote_show(f"rendered/prod/{model}/seldondeployment.yaml"))

    def subject(self) -> str:
        return self.gitops.remote_log()[0]


def serve(prometheus: Metrics, model: str, **predictors: Traffic) -> None:
    for predictor in ("stable", "canary", "shadow", "champion", "challenger"):
        prometheus.exporter.set(NAMESPACE, model, predictor, predictors.get(predictor))


def wait_for_requests(prometheus: Metrics, model: str, minimum: float, **versions: str) -> None:
    """Block (bounded) until Prometheus has at least `minimum` requests in the window per predictor."""
    wanted = [ReadingRequest("prod", model, NAMESPACE, model, p, v, 10) for p, v in versions.items()]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readings = read_prometheus(prometheus.url, wanted, gate_queries())
        if all((r := readings.get("prod", model, p)) and r.requests >= minimum for p in versions):
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw {minimum} requests for {versions}: {readings}")


@pytest.fixture
def cli(gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, prometheus: Metrics) -> Cli:
    return Cli(gitops, registry, cache_dir, prometheus.url)


def start_canary(cli: Cli, registry: TestRegistry, stem: str, aucs: list[float] | None = None) -> str:
    """Version 1 deployed, then the alias moves to 2: canary 2 at 25%."""
    model = registry.unique(stem)
    create_with_runs(registry, model, aucs or [0.90, 0.91, 0.92], {"champion": 1})
    cli.gitops.write_environment("prod", environment(model))
    cli("sync", timedelta(0))
    registry.set_alias(model, "champion", 2)
    cli("sync", timedelta(minutes=1))
    return model


def test_full_canary_walk_to_promotion(cli: Cli, registry: TestRegistry, prometheus: Metrics) -> None:
    model = start_canary(cli, registry, "walk")
    assert cli.subject() == f"rollout(prod): {model}: canary 2 at 25% (stable 1; offline val_auc 0.91 vs 0.9)"
    assert cli.predictors(model) == [("stable", "1", 75), ("canary", "2", 25)]

    serve(prometheus, model, stable=Traffic("1", 60), canary=Traffic("2", 20))
    wait_for_requests(prometheus, model, 50, stable="1", canary="2")
    early = cli("sync", timedelta(minutes=5))
    assert "next step not before 2026-03-02T09:11:00Z" in early.out and "nothing to commit" in early.out

    cli("sync", timedelta(minutes=12))
    assert cli.subject().startswith(f"rollout(prod): {model}: canary 2 at 25% -> 50% (error 0% vs 0%, p95 ")
    assert cli.predictors(model) == [("stable", "1", 50), ("canary", "2", 50)]

    planned = cli("plan", timedelta(minutes=23))
    assert f"~ {model}: canary 2 at 50% -> 100%, promoted over 1" in planned.out
    cli("sync", timedelta(minutes=23))
    assert cli.subject().startswith(f"promote(prod): {model}: canary 2 at 50% -> 100%, promoted over 1")
    assert cli.predictors(model) == [("stable", "2", 100)]
    commits = len(cli.gitops.remote_log())
    assert "nothing to commit" in cli("sync", timedelta(minutes=40)).out
    assert len(cli.gitops.remote_log()) == commits


def test_degraded_canary_is_rolled_back_tagged_and_held(
    cli: Cli, registry: TestRegistry, prometheus: Metrics
) -> None:
    model = start_canary(cli, registry, "degraded")
    serve(prometheus, model, stable=Traffic("1", 60), canary=Traffic("2", 20, errors=10))
    wait_for_requests(prometheus, model, 50, stable="1", canary="2")
    cli("sync", timedelta(minutes=12))
    reason = "canary error ratio 50% > 5%"
    assert cli.subject() == (
        f"rollback(prod): {model}: canary 2 at 25% rolled back to 1: {reason}; holding 2"
    )
    assert cli.predictors(model) == [("stable", "1", 100)]
    annotations = cli.document(model)["metadata"]["annotations"]
    assert annotations["model-gitops.io/rollout-hold"] == "2"
    assert annotations["model-gitops.io/rollout-hold-reason"] == reason
    assert registry.client.get_model_version(model, "2").tags["model-gitops.rollback.prod"] == reason

    held = cli("sync", timedelta(minutes=30))
    assert "nothing to commit" in held.out and f"= {model}: 2 held at 1" in held.out

    released = invoke(["release-hold", model, "--push"], cwd=cli.gitops.worktree)
    assert released.code == 0, released.err
    assert cli.subject() == f"release-hold(prod): {model} 2"
    assert "model-gitops.io/rollout-hold" not in cli.document(model)["metadata"]["annotations"]
    again = invoke(["release-hold", model, "-e", "prod"], cwd=cli.gitops.worktree)
    assert (again.code, again.err.strip()) == (1, f"error: {model} is not held in prod: nothing to release")
    cli("sync", timedelta(minutes=40))
    assert cli.predictors(model) == [("stable", "1", 75), ("canary", "2", 25)]


def test_low_traffic_waits(cli: Cli, registry: TestRegistry, prometheus: Metrics) -> None:
    model = start_canary(cli, registry, "quiet")
    serve(prometheus, model, stable=Traffic("1", 60), canary=Traffic("2", 1))
    wait_for_requests(prometheus, model, 50, stable="1")
    wait_for_requests(prometheus, model, 1, canary="2")
    result = cli("sync", timedelta(minutes=12))
    assert "nothing to commit" in result.out
    assert f"= {model}: canary 2 at 25%: canary had " in result.out and "(needs 50)" in result.out
    assert cli.predictors(model) == [("stable", "1", 75), ("canary", "2", 25)]


def test_prometheus_down_waits_with_a_warning(cli: Cli, registry: TestRegistry) -> None:
    model = start_canary(cli, registry, "blind")
    cli.prometheus_url = f"http://127.0.0.1:{free_port()}"
    result = cli("sync", timedelta(hours=5))
    assert "nothing to commit" in result.out
    assert f"warning: Prometheus at {cli.prometheus_url} is unreachable (connection refused)" in result.out
    assert cli.predictors(model) == [("stable", "1", 75), ("canary", "2", 25)]


def test_offline_regression_blocks_before_any_traffic(cli: Cli, registry: TestRegistry) -> None:
    model = registry.unique("regress")
    create_with_runs(registry, model, [0.92, 0.85], {"champion": 1})
    cli.gitops.write_environment("prod", environment(model))
    cli("sync", timedelta(0))
    registry.set_alias(model, "champion", 2)
    cli("sync", timedelta(minutes=1))
    reason = "val_auc 0.85 vs 0.92 (drops 0.07 > 0.01)"
    assert cli.subject() == f"hold(prod): {model}: 2 held before any traffic: {reason}; holding 2"
    assert cli.predictors(model) == [("stable", "1", 100)]
    assert registry.client.get_model_version(model, "2").tags["model-gitops.rollback.prod"] == reason


def test_alias_moving_mid_rollout_restarts_against_stable(cli: Cli, registry: TestRegistry) -> None:
    model = start_canary(cli, registry, "moving")
    registry.set_alias(model, "champion", 3)
    cli("sync", timedelta(minutes=2))
    assert cli.subject() == (
        f"rollout(prod): {model}: canary 3 at 25% (stable 1; restarted, replaces canary 2; "
        "offline val_auc 0.92 vs 0.9)"
    )
    assert cli.predictors(model) == [("stable", "1", 75), ("canary", "3", 25)]


def test_ab_and_shadow_pass_validation_and_status_shows_readings(
    cli: Cli, registry: TestRegistry, prometheus: Metrics
) -> None:
    prefix = registry.unique("split")
    ab, shadow = f"{prefix}-ab", f"{prefix}-shadow"
    create_with_runs(registry, ab, [0.90, 0.91], {"champion": 1, "challenger": 2})
    create_with_runs(registry, shadow, [0.90, 0.91], {"champion": 1})
    overrides = (
        "strategy: {type: ab, challenger: challenger, split: 30, offline: [{metric: val_auc}]}\n"
        f"overrides:\n  {shadow}: {{strategy: {{type: shadow}}}}\n"
    )
    cli.gitops.write_environment("prod", environment(prefix, overrides))
    cli("sync", timedelta(0))  # validated: admission rules, kustomize, kubeconform -strict
    assert cli.predictors(ab) == [("champion", "1", 70), ("challenger", "2", 30)]
    registry.set_alias(shadow, "champion", 2)
    cli("sync", timedelta(minutes=1))
    offline = "offline val_auc 0.91 vs 0.9"
    assert cli.subject() == f"rollout(prod): {shadow}: shadow 2 mirrored (stable 1; {offline})"
    assert [(p["name"], p.get("shadow", False)) for p in cli.document(shadow)["spec"]["predictors"]] == [
        ("stable", False),
        ("shadow", True),
    ]

    serve(prometheus, ab, champion=Traffic("1", 70, errors=7), challenger=Traffic("2", 30))
    wait_for_requests(prometheus, ab, 50, champion="1", challenger="2")
    status = cli("status", timedelta(minutes=2))
    rows = {tuple(line.split()[:5]): line for line in status.out.splitlines() if line.startswith("prod ")}
    champion = rows[("prod", ab, "champion", "1", "70%")]
    assert "10%" in champion and "val_auc 0.9" in champion and " ms" in champion
    challenger = rows[("prod", ab, "challenger", "2", "30%")]
    assert " 0% " in challenger and "val_auc 0.91" in challenger
