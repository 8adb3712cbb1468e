"""Artifact checks against a real S3 API (moto's standalone server) through MLflow's own code."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_sync import sync
from tests.support.cli import invoke
from tests.support.gitops import GitopsRepo
from tests.support.registry import TestRegistry
from tests.support.servers import mlflow_server, moto_server

pytestmark = pytest.mark.e2e
BUCKET = "models"
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestRegistry]:
    """MLflow server whose artifacts live in moto's S3; clients write to S3 directly."""
    import boto3

    moto, moto_url = moto_server(tmp_path_factory.mktemp("moto"))
    moto.start()
    saved = {k: os.environ.get(k) for k in [*S3_ENV, "MLFLOW_S3_ENDPOINT_URL"]}
    os.environ.update({**S3_ENV, "MLFLOW_S3_ENDPOINT_URL": moto_url})
    server = None
    try:
        boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket=BUCKET)
        server, url = mlflow_server(
            tmp_path_factory.mktemp("mlflow-s3"), artifact_root=f"s3://{BUCKET}/mlflow"
        )
        server.start()
        registry = TestRegistry.prepare(url)
        registry.s3 = boto3.client("s3", endpoint_url=moto_url)  # type: ignore[attr-defined]
        yield registry
    finally:
        if server is not None:
            server.stop()
        moto.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_models_with_unusable_artifacts_are_rejected_and_others_ship(
    s3_registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    registry = s3_registry
    s3 = registry.s3  # type: ignore[attr-defined]
    prefix = registry.unique("art")
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/onnx-only/MLmodel", Body=b"flavors:\n  onnx: {}\n")
    registry.create(f"{prefix}-good", 1, {"dev": 1})
    registry.create(f"{prefix}-missing", 1, {"dev": 1}, source=f"s3://{BUCKET}/{prefix}/nothing-here")
    registry.create(f"{prefix}-onnx", 1, {"dev": 1}, source=f"s3://{BUCKET}/{prefix}/onnx-only")
    gitops.write_environment("dev", f"namespace: d\nalias: dev\nmodels: {{include: ['{prefix}*']}}\n")

    result = sync(gitops, registry, cache_dir)

    assert result.code == 1
    assert "2 model(s) could not be delivered" in result.err
    assert (
        f"! {prefix}-missing: version 1: cannot read the MLmodel file at s3://{BUCKET}/{prefix}/nothing-here"
        in result.out
    )
    flavor = "MLFLOW_SERVER needs the 'python_function' flavor but the MLmodel file has onnx"
    assert f"! {prefix}-onnx: version 1: {flavor}" in result.out
    files = gitops.remote_files()
    assert f"rendered/dev/{prefix}-good/seldondeployment.yaml" in files
    assert not any(f"{prefix}-missing" in f or f"{prefix}-onnx" in f for f in files)
    good = gitops.remote_show(f"rendered/dev/{prefix}-good/seldondeployment.yaml")
    assert f"modelUri: s3://{BUCKET}/mlflow/" in good


def test_a_broken_new_version_keeps_the_last_good_manifest(
    s3_registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    registry = s3_registry
    prefix = registry.unique("keep")
    registry.create(f"{prefix}-m", 1, {"dev": 1})
    gitops.write_environment("dev", f"namespace: d\nalias: dev\nmodels: {{include: ['{prefix}*']}}\n")
    assert sync(gitops, registry, cache_dir).code == 0
    before = gitops.remote_show(f"rendered/dev/{prefix}-m/seldondeployment.yaml")

    registry.client.create_model_version(f"{prefix}-m", f"s3://{BUCKET}/{prefix}/gone")
    registry.set_alias(f"{prefix}-m", "dev", 2)
    result = sync(gitops, registry, cache_dir)

    assert result.code == 1 and f"! {prefix}-m: version 2: cannot read the MLmodel file" in result.out
    assert gitops.remote_show(f"rendered/dev/{prefix}-m/seldondeployment.yaml") == before
    plan = invoke(
        ["plan", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)], cwd=gitops.worktree
    )
    assert f"! {prefix}-m: version 2" in plan.out


def test_a_canary_candidate_is_checked_before_it_gets_traffic(
    s3_registry: TestRegistry, gitops: GitopsRepo, cache_dir: Path
) -> None:
    registry = s3_registry
    prefix = registry.unique("cand")
    registry.create(f"{prefix}-m", 1, {"prod": 1})
    gitops.write_environment(
        "prod", f"namespace: p\nalias: prod\nstrategy: canary\nmodels: {{include: ['{prefix}*']}}\n"
    )
    assert sync(gitops, registry, cache_dir).code == 0
    before = gitops.remote_show(f"rendered/prod/{prefix}-m/seldondeployment.yaml")

    registry.client.create_model_version(f"{prefix}-m", f"s3://{BUCKET}/{prefix}/no-model")
    registry.set_alias(f"{prefix}-m", "prod", 2)
    result = sync(gitops, registry, cache_dir)

    assert result.code == 1
    assert f"! {prefix}-m: version 2: cannot read the MLmodel file" in result.out
    assert gitops.remote_show(f"rendered/prod/{prefix}-m/seldondeployment.yaml") == before
