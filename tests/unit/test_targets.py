"""Serving targets are plugins: a target is one module plus one line in `TARGETS`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import targets, yamlio
from generator.app import job
from generator.config.settings import Settings, ValidationSettings
from generator.errors import ConfigError
from generator.model.layout import ARGOCD_DIR
from generator.render.argocd import GitSource, render_argocd
from generator.targets.base import ServingTarget
from tests.support import deployment_target
from tests.support.snapshots import snapshot
from tests.unit.test_sources import RecordingSources

ENVIRONMENT = """\
target: plain-deployment
namespace: models-dev
alias: dev
monitoring:
  podmonitor: {enabled: false}
  rules: {enabled: false}
  dashboard: {enabled: false}
"""


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(targets.TARGETS, deployment_target.TARGET.name, deployment_target.TARGET)
    yield


def repo_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text(text)
    return tmp_path


def validation(tmp_path: Path) -> ValidationSettings | None:
    locations = os.environ.get("MODEL_GITOPS_SCHEMA_LOCATIONS")
    if not locations:
        return None
    return ValidationSettings(schema_locations=locations.split(), crds=[], cache_dir=tmp_path / "cache")


def test_the_seldon_target_satisfies_the_protocol() -> None:
    target: ServingTarget = targets.get("seldon-v1")
    assert targets.DEFAULT == "seldon-v1"
    assert targets.by_file("seldondeployment.yaml") is target
    assert targets.by_kind("machinelearning.seldon.io/v1", "SeldonDeployment") is target
    assert targets.by_kind("apps/v1", "Deployment") is None


def test_a_registered_target_renders_validates_and_reads_back(tmp_path: Path, registered: None) -> None:
    root = repo_with(tmp_path, ENVIRONMENT)
    checks = validation(tmp_path)
    settings = Settings(repo=str(root), check_artifacts=False, validation=checks or ValidationSettings())
    sources = RecordingSources(snapshot({"fraud-detector": {"dev": 2}}))

    computed = job.compute(settings, root, validate=checks is not None, sources=sources)

    document = yamlio.load(computed.desired["dev/fraud-detector/deployment.yaml"].decode())
    assert document["kind"] == "Deployment"
    assert (
        document["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"]
        == "s3://models/fraud-detector/2"
    )
    kustomization = yamlio.load(computed.desired["dev/kustomization.yaml"].decode())
    assert kustomization["resources"] == ["fraud-detector/deployment.yaml"]

    rendered = root / "rendered"
    for path, content in computed.desired.items():
        (rendered / path).parent.mkdir(parents=True, exist_ok=True)
        (rendered / path).write_bytes(content)
    again = job.compute(settings, root, validate=False, sources=sources)
    assert again.changed == []
    assert again.current.deployed["dev"]["fraud-detector"].version == "2"


def test_argocd_gets_the_health_checks_of_the_targets_in_use(tmp_path: Path, registered: None) -> None:
    root = repo_with(tmp_path, ENVIRONMENT)
    settings = Settings(repo=str(root), check_artifacts=False)
    computed = job.compute(
        settings, root, validate=False, sources=RecordingSources(snapshot({"m": {"dev": 1}}))
    )
    documents = render_argocd(computed.plan, GitSource("https://git.example/repo.git"))
    patch = documents[f"{ARGOCD_DIR}/argocd-cm-patch.yaml"]
    assert list(patch["data"]) == [deployment_target.HEALTH_KEY]


def test_an_unknown_target_is_refused_at_load_naming_file_and_key(tmp_path: Path) -> None:
    root = repo_with(tmp_path, ENVIRONMENT.replace("plain-deployment", "kserv"))
    with pytest.raises(ConfigError) as raised:
        job.compute(Settings(repo=str(root), check_artifacts=False), root, validate=False)
    message = raised.value.one_line()
    assert "environments/dev.yaml" in message and "target" in message
    assert "unknown serving target 'kserv'" in message and "seldon-v1" in message


def test_a_strategy_the_target_cannot_roll_out_is_refused_at_load() -> None:
    from generator.config.loader import parse_environment
    from generator.errors import ConfigError

    text = "namespace: d\nalias: dev\nstrategy: canary\noverrides:\n  m: {strategy: shadow}\n"
    capabilities = {"seldon-v1": frozenset({"replace", "canary"})}
    with pytest.raises(ConfigError) as error:
        parse_environment(text, "environments/dev.yaml", capabilities)
    assert str(error.value) == (
        "environments/dev.yaml: overrides.m.strategy: the seldon-v1 target cannot roll out 'shadow'; "
        "it supports canary, replace"
    )
    assert parse_environment(
        text, "environments/dev.yaml", {"seldon-v1": targets.get("seldon-v1").strategies}
    )
