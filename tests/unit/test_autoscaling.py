"""Autoscaling, rendered natively per target and validated with strict kubeconform against each
target's CRD: Seldon v1 `hpaSpec` (autoscaling/v2 `metricsv2`), KServe `minReplicas`/`maxReplicas`/
`scaleMetric`/`scaleTarget`, Seldon Core 2 `minReplicas`/`maxReplicas`. A canary's candidate
starts from one replica."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from generator import yamlio
from generator.app import job
from generator.config.loader import parse_environment
from generator.config.settings import Settings, ValidationSettings
from generator.errors import ConfigError
from tests.support.snapshots import snapshot
from tests.unit.test_sources import RecordingSources

SCALING = """  resources: {requests: {cpu: 500m, memory: 1Gi}}
  autoscaling: {min_replicas: 2, max_replicas: 8, cpu_utilization: 70}
"""
OFF = "monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}\n"
BY_LOAD = "  resources: {requests: {memory: 1Gi}}\n  autoscaling: {min_replicas: 2, max_replicas: 8}\n"
BASE = "namespace: models-dev\nalias: dev\nseldon:\n  protocol: v2\n"
ENVIRONMENTS = {
    "seldon-v1": f"{BASE}{SCALING}",
    "kserve": f"target: kserve\n{BASE}{SCALING}{OFF}",
    "seldon-v2": f"target: seldon-v2\n{BASE}{BY_LOAD}{OFF}",
}
FILES = {"seldon-v1": "seldondeployment.yaml", "kserve": "inferenceservice.yaml", "seldon-v2": "model.yaml"}


def rendered(tmp_path: Path, target: str) -> dict[str, Any]:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text(ENVIRONMENTS[target])
    locations = os.environ.get("MODEL_GITOPS_SCHEMA_LOCATIONS")
    crds = os.environ.get("MODEL_GITOPS_CRDS", "").split()
    checks = (
        ValidationSettings(schema_locations=locations.split(), crds=crds, cache_dir=tmp_path / "c")
        if locations
        else None
    )
    settings = Settings(repo=str(tmp_path), check_artifacts=False, validation=checks or ValidationSettings())
    sources = RecordingSources(snapshot({"fraud": {"dev": 2}}))
    computed = job.compute(settings, tmp_path, validate=checks is not None, sources=sources)
    return yamlio.load(computed.desired[f"dev/fraud/{FILES[target]}"].decode())


def test_seldon_v1_renders_an_hpa_spec(tmp_path: Path) -> None:
    component = rendered(tmp_path, "seldon-v1")["spec"]["predictors"][0]["componentSpecs"][0]
    assert component["hpaSpec"] == {
        "minReplicas": 2,
        "maxReplicas": 8,
        "metricsv2": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ],
    }


def test_kserve_renders_its_own_autoscaler_fields(tmp_path: Path) -> None:
    predictor = rendered(tmp_path, "kserve")["spec"]["predictor"]
    assert {k: predictor[k] for k in ("minReplicas", "maxReplicas", "scaleMetric", "scaleTarget")} == {
        "minReplicas": 2,
        "maxReplicas": 8,
        "scaleMetric": "cpu",
        "scaleTarget": 70,
    }


def test_seldon_v2_models_scale_between_bounds(tmp_path: Path) -> None:
    model = rendered(tmp_path, "seldon-v2")["items"][0]["spec"]
    assert (model["minReplicas"], model["maxReplicas"]) == (2, 8)
    assert "replicas" not in model


@pytest.mark.parametrize(
    ("seldon", "message"),
    [
        ("{autoscaling: {min_replicas: 5, max_replicas: 2}}", "min_replicas 5 is above max_replicas 2"),
        ("{autoscaling: {max_replicas: 4, cpu_utilization: 60}}", "needs resources.requests.cpu"),
        ("{autoscaling: {min_replicas: 2}}", "seldon.autoscaling.max_replicas: this key is required"),
    ],
)
def test_bad_autoscaling_is_refused_at_load(seldon: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_environment(f"namespace: d\nalias: dev\nseldon: {seldon}\n", "dev.yaml")
    assert message in str(error.value)
