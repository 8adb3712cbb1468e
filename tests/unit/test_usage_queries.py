"""What `right-size` asks Prometheus (`metrics.usage.queries`) and which pods it means
(`targets.seldon_v1.usage`): Seldon Core v1's Deployment names, the documented queries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generator.metrics.usage import duration, queries
from generator.model import Deployed
from generator.targets import seldon_v1
from generator.targets.seldon_v1.usage import deployment_name, usage_request

ROOT = Path(__file__).resolve().parents[2]
FRAUD = Deployed("fraud-detector", "3", "fraud-detector", predictor="default")


def test_a_predictor_runs_in_seldons_deployment_of_its_first_component() -> None:
    assert deployment_name("fraud-detector", "default") == "fraud-detector-default-0-model"
    assert (
        deployment_name("fraud-detector", "stable", ("model", "sidecar"))
        == "fraud-detector-stable-0-model-sidecar"
    )


def test_a_name_longer_than_63_characters_is_seldon_and_its_md5() -> None:
    model = "customer-lifetime-value-gradient-boosted-regression"
    name = f"{model}-champion-0-model"
    assert len(name) > 63
    assert deployment_name(model, "champion") == "seldon-" + hashlib.md5(name.encode()).hexdigest()


def test_the_serving_predictor_is_read_and_default_when_unknown() -> None:
    request = seldon_v1.TARGET.usage_request("prod", "fraud-detector", "models-prod", FRAUD)
    assert (request.workload, request.container, request.deployment) == (
        "fraud-detector-default-0-model",
        "model",
        "fraud-detector",
    )
    renamed = Deployed("m", "1", "m-dir", predictor="")
    assert usage_request("prod", "m", "ns", renamed).workload == "m-dir-default-0-model"


def test_one_query_per_reading_covers_every_model_of_a_namespace() -> None:
    two = [
        usage_request("prod", "fraud-detector", "models-prod", FRAUD),
        usage_request("prod", "a.b", "models-prod", Deployed("a.b", "1", "a.b", predictor="default")),
    ]
    found = queries(two, 86400, 60)
    assert (
        'pod=~"(a\\\\.b-default-0-model|fraud-detector-default-0-model)-[a-z0-9]+-[a-z0-9]+"'
        in found["cpu_total"]
    )
    assert 'deployment_name=~"a\\\\.b|fraud-detector"' in found["requests"]
    assert found["cpu_per_pod"].endswith("[1d:1m])")


def test_the_queries_are_the_ones_docs_rightsize_shows() -> None:
    found = queries([usage_request("prod", "fraud-detector", "models-prod", FRAUD)], 7 * 86400, 300)
    docs = (ROOT / "docs" / "rightsize.md").read_text()
    for query in found.values():
        assert f"```promql\n{query}\n```" in docs, query


@pytest.mark.parametrize(
    ("seconds", "text"), [(604800, "7d"), (300, "5m"), (5400, "90m"), (12, "12s"), (7200, "2h")]
)
def test_durations_are_promql_durations(seconds: int, text: str) -> None:
    assert duration(seconds) == text
