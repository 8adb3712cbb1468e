"""Promotion end to end: staging earns prod. Real MLflow, real Git history for the soak (its
clock injected with `--now`), real Prometheus scraping a Seldon-metrics exporter for the online
gates read in staging, and MLflow run metrics for the offline gates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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
from tests.support.servers import prometheus_server

pytestmark = pytest.mark.e2e
REWRITES = 'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
PROD = """namespace: models-prod
models:
  include: ['{prefix}*']
promote:
  from: staging
  soak: 1h
  online: {{min_requests: 50, max_error_ratio: 0.05}}
  offline: [{{metric: val_auc, max_drop: 0.01}}]
  set_alias: champion
"""


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SeldonExporter, str]]:
    require("prometheus")
    exporter = SeldonExporter()
    target = exporter.start()
    server, url = prometheus_server(tmp_path_factory.mktemp("prometheus"), [target], "1s")
    server.start()
    try:
        yield exporter, url
    finally:
        server.stop()
        exporter.stop()


def run(
    gitops: GitopsRepo, registry: TestRegistry, cache: Path, url: str, command: str, at: datetime
) -> Result:
    args = [command, "--tracking-uri", registry.url, "--cache-dir", str(cache), "--prometheus-url", url]
    args += ["--now", at.isoformat(), *(["--push"] if command == "sync" else [])]
    return invoke(args, cwd=gitops.worktree)


def wait_for(url: str, model: str, minimum: float) -> None:
    wanted = [ReadingRequest("staging", model, "models-staging", model, "default", "1", 3600)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reading = read_prometheus(url, wanted, gate_queries()).get("staging", model, "default")
        if reading is not None and reading.requests >= minimum:
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw {minimum} requests for {model}")


def test_staging_earns_prod_after_its_soak_and_gates_and_a_failing_gate_keeps_prod(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, metrics: tuple[SeldonExporter, str]
) -> None:
    exporter, url = metrics
    prefix = registry.unique("promo")
    good, bad = f"{prefix}-good", f"{prefix}-bad"
    create_with_runs(registry, good, [0.90], {"staging": 1})
    create_with_runs(registry, bad, [0.90], {"staging": 1})
    gitops.write_environment(
        "staging", f"namespace: models-staging\nalias: staging\nmodels:\n  include: ['{prefix}*']\n{REWRITES}"
    )
    gitops.write_environment("prod", PROD.format(prefix=prefix) + REWRITES)
    start = datetime.now(UTC)

    first = run(gitops, registry, cache_dir, url, "sync", start)  # staging deploys; prod has nothing to take
    assert first.code == 0, first.err + first.out
    assert "prod: no changes" in first.out
    first = run(gitops, registry, cache_dir, url, "sync", start)  # staging serves 1 since that commit
    assert f"= {good}: promotion of 1 from staging: served there 0m of 1h (since " in first.out
    assert not any(p.startswith(f"rendered/prod/{prefix}") for p in gitops.remote_files())

    exporter.set("models-staging", good, "default", Traffic("1", 60))
    exporter.set("models-staging", bad, "default", Traffic("1", 60, errors=30))
    wait_for(url, good, 60)
    wait_for(url, bad, 60)
    later = start + timedelta(hours=2)
    plan = run(gitops, registry, cache_dir, url, "plan", later)
    assert f"= {bad}: promotion of 1 from staging: fail: " in plan.out, plan.out
    assert "error ratio" in plan.out.split(f"= {bad}:")[1].splitlines()[0]

    second = run(gitops, registry, cache_dir, url, "sync", later)
    assert second.code == 0, second.err + second.out
    subject = gitops.remote_log()[0]
    assert subject.startswith(f"deploy(prod): {good} 1 (promoted from staging; served there since ")
    assert "val_auc 0.9 (stable has none)" in subject
    files = gitops.remote_files()
    assert f"rendered/prod/{good}/seldondeployment.yaml" in files
    assert f"rendered/prod/{bad}/seldondeployment.yaml" not in files  # its staging gate failed
    prod = yamlio.load(gitops.remote_show(f"rendered/prod/{good}/seldondeployment.yaml"))
    assert prod["spec"]["predictors"][0]["annotations"]["version"] == "1"
    version = registry.client.get_model_version(good, "1")
    assert version.tags["model-gitops.prod.promotion"].startswith(
        "promoted from staging; served there since "
    )
    assert registry.client.get_registered_model(good).aliases.get("champion") == "1"  # set_alias moved

    again = run(gitops, registry, cache_dir, url, "sync", later)
    assert again.code == 0 and "nothing to commit" in again.out + again.err
