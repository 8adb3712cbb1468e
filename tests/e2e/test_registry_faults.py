"""Registry faults with real parts: a real MLflow server behind a fault-injecting proxy."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.test_sync import environment
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo
from tests.support.proxy import FaultProxy
from tests.support.registry import TestRegistry
from tests.support.servers import free_port, mlflow_server

pytestmark = pytest.mark.e2e
FAST_RETRIES = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}


def setup_models(registry: TestRegistry, gitops: GitopsRepo) -> str:
    prefix = registry.unique("fault")
    registry.create(f"{prefix}-a", 2, {"dev": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    return prefix


def sync_via(url: str, gitops: GitopsRepo, cache: Path, **env: str):
    args = ["sync", "--push", "--tracking-uri", url, "--cache-dir", str(cache)]
    return invoke(args, cwd=gitops.worktree, env={**FAST_RETRIES, **env})


def test_transient_5xx_answers_are_retried(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    prefix = setup_models(registry, gitops)
    with FaultProxy(registry.url) as proxy:
        proxy.fail_next = 2
        result = sync_via(proxy.url, gitops, cache_dir)
    assert result.code == 0, result.err
    assert f"rendered/dev/{prefix}-a/seldondeployment.yaml" in gitops.remote_files()
    said = result.err.strip().splitlines()
    assert len(said) == 2, result.err  # each retry says so on stderr
    assert said[0].startswith("warning: MLflow request /api/2.0/mlflow/")
    assert said[0].endswith(" failed (HTTP 500); retrying (1 of 2)")
    assert said[1].endswith(" failed (HTTP 500); retrying (2 of 2)")


def test_persistent_5xx_stops_the_run_and_commits_nothing(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    setup_models(registry, gitops)
    commits = gitops.remote_log()
    with FaultProxy(registry.url) as proxy:
        proxy.fail_after = 1  # the first page succeeds, every later request fails: a partial answer
        result = sync_via(proxy.url, gitops, cache_dir)
    assert result.code == 1
    *retries, error = result.err.strip().splitlines()
    assert error.startswith(f"error: MLflow at {proxy.url} failed with HTTP 500 after retries")
    assert error.endswith("retry later or check the server logs") and len(retries) == 2
    assert all(line.startswith("warning: MLflow request ") and "retrying" in line for line in retries)
    assert gitops.remote_log() == commits
    assert not (gitops.worktree / "rendered").exists()


def test_a_refused_connection_fails_at_once_in_one_line(gitops: GitopsRepo, cache_dir: Path) -> None:
    """Nothing listens: one line naming the URI and what to do, before any request is retried."""
    gitops.write_environment("dev", "namespace: models-dev\nalias: dev\n")
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = invoke(["plan", "--tracking-uri", url, "--cache-dir", str(cache_dir)], cwd=gitops.worktree)
    print(f"refused connection reported in {time.monotonic() - started:.2f} s")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: MLflow at {url} refused the connection: is the server running? "
        "(start it, or fix --tracking-uri / MLFLOW_TRACKING_URI)"
    ]


def test_a_hanging_server_times_out_with_a_clear_message(
    registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    setup_models(registry, gitops)
    with FaultProxy(registry.url) as proxy:
        proxy.hang_seconds = 10
        started = time.monotonic()
        result = sync_via(
            proxy.url, gitops, cache_dir, MLFLOW_HTTP_REQUEST_TIMEOUT="1", MLFLOW_HTTP_REQUEST_MAX_RETRIES="1"
        )
        elapsed = time.monotonic() - started
    assert result.code == 1
    assert f"MLflow at {proxy.url} did not answer in time" in result.err, proxy.requests
    assert elapsed < 60


def test_server_stopped_and_restarted_mid_life(gitops: GitopsRepo, tmp_path: Path, cache_dir: Path) -> None:
    workdir = tmp_path / "mlflow"
    server, url = mlflow_server(workdir)
    server.start()
    try:
        registry = TestRegistry.prepare(url)
        prefix = setup_models(registry, gitops)
        assert sync_via(url, gitops, cache_dir).code == 0
        registry.set_alias(f"{prefix}-a", "dev", 2)
    finally:
        server.stop()
    commits = gitops.remote_log()
    down = sync_via(url, gitops, cache_dir)
    assert down.code == 1
    assert down.err.strip() == (
        f"error: MLflow at {url} refused the connection: is the server running? "
        "(start it, or fix --tracking-uri / MLFLOW_TRACKING_URI)"
    )
    assert gitops.remote_log() == commits

    server, url = mlflow_server(workdir)
    server.start()
    try:
        again = sync_via(url, gitops, cache_dir)
    finally:
        server.stop()
    assert again.code == 0, again.err
    assert gitops.remote_log()[0] == f"deploy(dev): {prefix}-a 1 -> 2"
