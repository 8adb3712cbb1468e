"""End to end with `target: kserve`: a real MLflow server and bare Git remote, real kustomize, and
strict kubeconform against KServe v0.20.0's own InferenceService CRD (converted by the project's
converter, not the CRDs catalog's older schema), then a commit per change."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from generator.config.settings import ValidationSettings
from generator.validate.runner import validate_tree
from tests.conftest import kserve_crd, shared_dir
from tests.support.cli import invoke
from tests.support.gitops import TEST_IMAGE, GitopsRepo, git
from tests.support.golden import GOLDEN
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

ENVIRONMENT = """target: kserve
namespace: models-prod
alias: champion
models:
  include: ['{prefix}*']
seldon:
  replicas: 2
  service_account_name: kserve-models
storage:
  rewrites:
    - from: "mlflow-artifacts:/"
      to: "s3://mlflow-artifacts/"
monitoring: {{podmonitor: {{enabled: false}}, rules: {{enabled: false}}, dashboard: {{enabled: false}}}}
"""
CORE = "{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json"
CUSTOM = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"


def schema_locations(workdir: Path) -> list[str]:
    """The offline schemas without the catalog's InferenceService, so the CRD's schema decides
    (empty when ../shared is absent: the public defaults, with the CRD from its URL)."""
    schemas = shared_dir() / "kubeconform-schemas"
    if not schemas.is_dir():
        return []
    catalog = workdir / "catalog"
    catalog.mkdir(exist_ok=True)
    for group in schemas.iterdir():
        if group.is_dir() and group.name != "serving.kserve.io" and not (catalog / group.name).exists():
            (catalog / group.name).symlink_to(group)
    return [f"{schemas}/{CORE}", f"{catalog}/{CUSTOM}"]


def validation_args(workdir: Path) -> list[str]:
    locations = [arg for location in schema_locations(workdir) for arg in ("--schema-location", location)]
    return [*locations, "--crd", kserve_crd()]


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path):  # type: ignore[no-untyped-def]
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache)]
    return invoke([*args, *validation_args(cache)], cwd=gitops.worktree)


def test_sync_renders_validates_and_commits_inference_services(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("kserve")
    registry.create(f"{prefix}-detector", 2, {"champion": 1})
    gitops.write_environment("prod", ENVIRONMENT.format(prefix=prefix))
    path = f"rendered/prod/{prefix}-detector/inferenceservice.yaml"

    first = sync(gitops, registry, cache_dir)
    assert first.code == 0, first.err
    assert path in gitops.remote_files()
    document = yamlio.load(gitops.remote_show(path))
    assert (document["apiVersion"], document["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    assert document["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Knative"
    predictor = document["spec"]["predictor"]
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 2)
    assert predictor["model"]["storageUri"].startswith("s3://mlflow-artifacts/")
    assert predictor["model"]["image"] == TEST_IMAGE  # the environment's declared runtime
    kustomization = yamlio.load(gitops.remote_show("rendered/prod/kustomization.yaml"))
    assert kustomization["resources"] == [f"{prefix}-detector/inferenceservice.yaml"]

    registry.set_alias(f"{prefix}-detector", "champion", 2)
    second = sync(gitops, registry, cache_dir)
    assert second.code == 0, second.err
    assert gitops.remote_log()[0] == f"deploy(prod): {prefix}-detector 1 -> 2"
    assert git(gitops.remote, "show", "--name-only", "--format=", "main").split() == [path]

    commits = len(gitops.remote_log())
    third = sync(gitops, registry, cache_dir)
    assert third.code == 0, third.err
    assert "nothing to commit" in third.out
    assert len(gitops.remote_log()) == commits


def test_without_a_declared_runtime_kserves_mlserver_decides(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path
) -> None:
    prefix = registry.unique("kserve-default")
    registry.create(f"{prefix}-m", 1, {"champion": 1})
    gitops.write_environment("prod", ENVIRONMENT.format(prefix=prefix), runtime=False)

    result = sync(gitops, registry, cache_dir)

    assert result.code == 1, result.err
    shown = result.out + result.err
    assert "docker.io/seldonio/mlserver:1.7.1 (Python 3.10, mlflow 2.19.0)" in shown
    assert f"rendered/prod/{prefix}-m/inferenceservice.yaml" not in gitops.remote_files()


def test_every_golden_shape_passes_strict_kubeconform_against_kserves_crd(cache_dir: Path) -> None:
    names = ["replace", "declared-runtime", "canary-10", "canary-50", "canary-promoted", "canary-rollback"]
    files = {f"prod/{name}/inferenceservice.yaml": _named(name) for name in names}
    resources = "".join(f"- {name}/inferenceservice.yaml\n" for name in names)
    files["prod/kustomization.yaml"] = f"namespace: models-prod\nresources:\n{resources}".encode()
    settings = ValidationSettings(
        schema_locations=schema_locations(cache_dir) or ValidationSettings().schema_locations,
        crds=[kserve_crd()],
        cache_dir=cache_dir,
    )
    assert validate_tree(files, ["prod"], settings) == []

    unknown = _named("replace").replace(b"    model:\n", b"    canary: true\n    model:\n")
    problems = validate_tree({**files, "prod/replace/inferenceservice.yaml": unknown}, ["prod"], settings)
    assert any("canary" in problem and "replace" in problem for problem in problems), problems


def _named(name: str) -> bytes:
    """A golden InferenceService renamed after its file (one environment holds them all)."""
    text = (GOLDEN / "kserve" / f"{name}.yaml").read_bytes()
    return text.replace(b"  name: fraud-detector\n", f"  name: {name}\n".encode(), 1)
