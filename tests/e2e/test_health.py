"""`model-gitops health` against an HTTP stand-in of the Argo CD API: each deployed version is
tagged with what Argo CD says, `status` shows it, and promotion can wait for Healthy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.fake_argocd import TOKEN, fake_argocd
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e
REWRITES = 'storage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
NOW = "2026-06-01T09:00:00Z"


def cli(gitops: GitopsRepo, registry: TestRegistry, cache: Path, *args: str, token: str = TOKEN):  # type: ignore[no-untyped-def]
    common = ["--tracking-uri", registry.url, "--cache-dir", str(cache)]
    return invoke([args[0], *common, *args[1:]], cwd=gitops.worktree, env={"ARGOCD_AUTH_TOKEN": token})


def test_health_tags_each_deployed_version_and_status_shows_it(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("health")
    registry.create(f"{prefix}-a", 2, {"staging": 2})
    registry.create(f"{prefix}-b", 1, {"staging": 1})
    env = f"namespace: models-staging\nalias: staging\nmodels:\n  include: ['{prefix}*']\n{REWRITES}"
    gitops.write_environment("staging", env)
    assert cli(gitops, registry, cache_dir, "sync", "--push").code == 0
    with fake_argocd() as argocd:
        argocd.set_resources(
            "model-gitops-staging",
            "models-staging",
            [("SeldonDeployment", f"{prefix}-a", "Healthy"), ("SeldonDeployment", f"{prefix}-b", "Degraded")],
        )
        result = cli(gitops, registry, cache_dir, "health", "--argocd-url", argocd.url, "--now", NOW)
        refused = cli(gitops, registry, cache_dir, "health", "--argocd-url", argocd.url, token="wrong")
        missing = cli(gitops, registry, cache_dir, "health", "--argocd-url", f"{argocd.url}/nowhere")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [
        f"staging: {prefix}-a 2: Healthy",
        f"staging: {prefix}-b 1: Degraded (0/1 replicas ready)",
    ]
    tags = registry.client.get_model_version(f"{prefix}-a", "2").tags
    assert tags["model-gitops.staging.health"] == "Healthy (2026-06-01T09:00:00Z)"
    assert (
        registry.client.get_model_version(f"{prefix}-b", "1")
        .tags["model-gitops.staging.health"]
        .startswith("Degraded (")
    )
    assert refused.code == 1 and refused.err.startswith("error: Argo CD refused the token (401)")
    assert missing.code == 1 and "Argo CD has no application model-gitops-staging" in missing.err
    status = cli(gitops, registry, cache_dir, "status")
    assert f"  staging: {prefix}-a 2: Healthy (2026-06-01T09:00:00Z)" in status.out


def test_promotion_waits_until_argo_cd_reports_the_version_healthy_in_the_source(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("healthy")
    model = f"{prefix}-m"
    registry.create(model, 1, {"staging": 1})
    selected = f"models:\n  include: ['{prefix}*']\n"
    gitops.write_environment("staging", f"namespace: models-staging\nalias: staging\n{selected}{REWRITES}")
    promote = "promote: {from: staging, soak: 1s, require_healthy: true}\n"
    gitops.write_environment("prod", f"namespace: models-prod\n{selected}{promote}{REWRITES}")
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1).isoformat()
    assert cli(gitops, registry, cache_dir, "sync", "--push").code == 0
    waiting = cli(gitops, registry, cache_dir, "plan", "--now", later)
    assert f"= {model}: promotion of 1 from staging: Argo CD reports it nothing yet there" in waiting.out, (
        waiting.out
    )
    with fake_argocd() as argocd:
        argocd.set_resources(
            "model-gitops-staging", "models-staging", [("SeldonDeployment", model, "Healthy")]
        )
        argocd.set_resources("model-gitops-prod", "models-prod", [])
        assert (
            cli(gitops, registry, cache_dir, "health", "--argocd-url", argocd.url, "-e", "staging").code == 0
        )
    promoted = cli(gitops, registry, cache_dir, "sync", "--push", "--now", later)
    assert promoted.code == 0, promoted.err
    assert gitops.remote_log()[0].startswith(f"deploy(prod): {model} 1 (promoted from staging; ")
