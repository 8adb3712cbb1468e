"""Validation with no network: the schemas bundled with the package, and one-line download failures.

Every request leaves through a proxy that refuses connections (`HTTPS_PROXY` on a closed local
port), which kubeconform and Python's downloads both honour, so these tests behave the same on a
connected machine. `MODEL_GITOPS_SCHEMA_LOCATIONS` is unset: the CLI's defaults are under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.validate import schemas
from tests.conftest import seldon_crd
from tests.support.cli import invoke
from tests.support.gitops import git
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No network, the default schema locations, an empty cache."""
    refused = f"http://127.0.0.1:{free_port()}"
    for variable in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, refused)
    for variable in ("NO_PROXY", "no_proxy", "MODEL_GITOPS_SCHEMA_LOCATIONS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MODEL_GITOPS_CACHE_DIR", str(tmp_path / "cache"))


def rendered_repo(base: Path, dashboard: str = "defaults") -> Path:
    """A repository whose rendered/ holds one of each kind model-gitops renders."""
    repo = base / "repo"
    dev = repo / "rendered" / "dev"
    dev.mkdir(parents=True)
    shutil.copy(GOLDEN / "render" / "dev" / "fraud-detector" / "seldondeployment.yaml", dev)
    for name in ("podmonitor.yaml", "prometheusrule.yaml"):
        shutil.copy(GOLDEN / "monitoring" / "defaults" / name, dev)
    shutil.copy(GOLDEN / "monitoring" / dashboard / "dashboard.yaml", dev)
    resources = "".join(f"- {path.name}\n" for path in sorted(dev.iterdir()))
    (dev / "kustomization.yaml").write_text(
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: models-dev\n"
        f"resources:\n{resources}"
    )
    shutil.copytree(GOLDEN / "argocd", repo / "rendered" / "argocd")
    git(repo.parent, "init", "-q", str(repo))
    return repo


def local_seldon_crd() -> str:
    crd = seldon_crd()
    if crd.startswith("https://"):
        pytest.skip("no offline copy of the Seldon CRD (no package registry publishes it)")
    return crd


def test_every_bundled_kind_validates_with_no_network(offline: None, tmp_path: Path) -> None:
    """ConfigMap, PodMonitor, PrometheusRule, Application, AppProject: from the package's schemas."""
    repo = rendered_repo(tmp_path)
    result = invoke(["validate", "--crd", local_seldon_crd()], cwd=repo)
    assert result.code == 0, result.err
    assert result.out == "valid: argocd, dev\n"


def test_a_kserve_inference_service_validates_with_the_bundled_schema(offline: None, tmp_path: Path) -> None:
    """KServe's CRD comes from its Go module: neither a download nor --crd is needed for it."""
    repo = tmp_path / "repo"
    dev = repo / "rendered" / "dev"
    dev.mkdir(parents=True)
    shutil.copy(GOLDEN / "kserve" / "canary-10.yaml", dev / "inferenceservice.yaml")
    (dev / "kustomization.yaml").write_text("resources:\n- inferenceservice.yaml\n")
    git(tmp_path, "init", "-q", str(repo))
    result = invoke(["validate", "--crd", local_seldon_crd()], cwd=repo)
    assert result.code == 0, result.err


def test_the_default_crds_leave_out_the_bundled_ones() -> None:
    from generator import targets
    from generator.cli.options import build_settings

    crds = build_settings().validation.crds
    published = [crd for target in targets.TARGETS.values() for crd in targets.crds(target)]
    assert targets.get("kserve").crd in published and targets.get("kserve").crd not in crds
    assert crds == [crd for crd in published if crd not in schemas.bundled_crds()]


def test_a_schema_that_cannot_be_downloaded_is_one_line_naming_the_option(
    offline: None, tmp_path: Path
) -> None:
    """GrafanaDashboard has no bundled schema: offline, one short line says how to provide one."""
    repo = rendered_repo(tmp_path, dashboard="configured")
    result = invoke(["validate", "--crd", local_seldon_crd()], cwd=repo)
    assert result.code == 1
    assert result.err.count("\n") == 1 and len(result.err) < 300, result.err
    assert "GrafanaDashboard (grafana.integreatly.org/v1beta1)" in result.err
    assert "--schema-location" in result.err


def test_a_crd_that_cannot_be_downloaded_is_one_line_naming_the_options(
    offline: None, tmp_path: Path
) -> None:
    repo = rendered_repo(tmp_path)
    result = invoke(["validate", "--crd", "https://crds.example.invalid/seldondeployments.yaml"], cwd=repo)
    assert result.code == 1
    assert result.err.count("\n") == 1 and len(result.err) < 300, result.err
    assert "--crd" in result.err and "--schema-location" in result.err


def test_schema_location_replaces_the_bundled_schemas(offline: None, tmp_path: Path) -> None:
    repo = rendered_repo(tmp_path)
    empty = tmp_path / "no-schemas"
    empty.mkdir()
    template = f"{empty}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json"
    result = invoke(["validate", "--crd", local_seldon_crd(), "--schema-location", template], cwd=repo)
    assert result.code == 1
    assert "could not find schema for ConfigMap" in result.err


def test_bundled_names_the_package_schemas_among_other_locations(offline: None, tmp_path: Path) -> None:
    repo = rendered_repo(tmp_path)
    empty = tmp_path / "no-schemas"
    empty.mkdir()
    template = f"{empty}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json"
    locations = ["--schema-location", template, "--schema-location", "bundled"]
    result = invoke(["validate", "--crd", local_seldon_crd(), *locations], cwd=repo)
    assert result.code == 0, result.err
