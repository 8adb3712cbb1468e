"""Golden SeldonDeployments of each traffic strategy, valid for Seldon's admission rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from generator import yamlio
from generator.config.loader import parse_environment
from generator.targets.seldon_v1.admission import admission_problems
from tests.support.golden import assert_golden
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

PROD = """
namespace: models-prod
alias: champion
seldon:
  protocol: v2
  replicas: 2
  resources: {requests: {cpu: 500m, memory: 1Gi}}
  env_secret_ref_name: seldon-rclone-secret
"""
STRATEGIES = {
    "canary": "strategy: {type: canary, steps: [10, 50, 100]}\n",
    "shadow": "strategy: shadow\n",
    "ab": "strategy: {type: ab, challenger: challenger, split: 30}\n",
}


def rendered(kind: str) -> Runs:
    """7 deployed, then 8 as the candidate (or challenger); a canary is advanced one step."""
    runs = Runs({"prod": parse_environment(PROD + STRATEGIES[kind], "prod.yaml")})
    runs.run(snapshot({"fraud-detector": {"champion": 7}}, 9))
    aliases = {"champion": 7, "challenger": 8} if kind == "ab" else {"champion": 8}
    runs.run(snapshot({"fraud-detector": aliases}, 9), after=timedelta(hours=1))
    if kind == "canary":
        good = readings("prod", "fraud-detector", stable=healthy(), canary=healthy())
        runs.run(snapshot({"fraud-detector": aliases}, 9), good, after=timedelta(hours=1))
    return runs


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_strategy_renderings_match_golden_and_pass_admission(kind: str) -> None:
    files = rendered(kind).files
    text = files["prod/fraud-detector/seldondeployment.yaml"]
    assert_golden(f"strategies/{kind}.yaml", text)
    assert admission_problems(yamlio.load(text.decode())) == []


def test_predictor_names_and_traffic_per_strategy() -> None:
    def shape(kind: str) -> list[tuple[str, int, bool]]:
        document = rendered(kind).document("prod", "fraud-detector")
        return [(p["name"], p["traffic"], p.get("shadow", False)) for p in document["spec"]["predictors"]]

    assert shape("canary") == [("stable", 50, False), ("canary", 50, False)]
    assert shape("shadow") == [("stable", 100, False), ("shadow", 100, True)]
    assert shape("ab") == [("champion", 70, False), ("challenger", 30, False)]
