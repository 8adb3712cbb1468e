"""The serving predictor keeps its name in Git; the candidate is sized by its traffic share.

In Seldon a renamed predictor is a new Deployment (every pod replaced), so switching an
environment's strategy must not rename `default` to `stable`, and promotion must update the
serving predictor in place. Runs go through plan -> render -> YAML -> read back, as in
`test_rollout`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from generator.config.loader import parse_environment
from generator.plan.rollout import candidate_replicas
from generator.plan.rollout_state import reading_requests
from generator.targets.seldon_v1.admission import admission_problems
from tests.support.rollouts import Runs, healthy, readings, with_metrics
from tests.support.snapshots import snapshot

REPLACE = "namespace: models-prod\nalias: champion\nseldon: {replicas: 4}\n"
CANARY = REPLACE + "strategy: {type: canary, steps: [10, 25, 50, 100], step_time: 10m}\n"
STEP = timedelta(minutes=10)
METRICS = {f"run-fraud-{n}": {"val_auc": 0.9} for n in (7, 8)}
# Keyed by predictor name, as Prometheus reports them: the serving predictor is `default`.
GOOD = readings("prod", "fraud", default=healthy(errors=3), canary=healthy(requests=200, errors=0.4))


def at(version: int):  # type: ignore[no-untyped-def]
    return with_metrics(snapshot({"fraud": {"champion": version}}, 9), METRICS)


def env(text: str):  # type: ignore[no-untyped-def]
    return {"prod": parse_environment(text, "prod.yaml")}


def predictors(runs: Runs) -> list[tuple[str, str, int, int]]:
    document = runs.document("prod", "fraud")
    assert admission_problems(document) == []
    return [
        (p["name"], p["annotations"]["version"], p["traffic"], p["replicas"])
        for p in document["spec"]["predictors"]
    ]


def deployed_with_replace() -> Runs:
    runs = Runs(env(REPLACE))
    runs.run(at(7))
    assert predictors(runs) == [("default", "7", 100, 4)]
    return runs


def test_enabling_a_strategy_with_no_new_version_changes_nothing() -> None:
    runs = deployed_with_replace()
    before = dict(runs.files)
    runs.environments = env(CANARY)
    result = runs.run(at(7), after=STEP)
    assert result.changes == []
    assert runs.files == before  # `default` kept: no new Deployment, no pod replaced


def test_a_canary_runs_against_default_and_promotion_updates_it_in_place() -> None:
    runs = deployed_with_replace()
    runs.environments = env(CANARY)
    runs.run(at(7), after=STEP)
    runs.run(at(8), after=STEP)
    assert predictors(runs) == [("default", "7", 90, 4), ("canary", "8", 10, 1)]
    wanted = reading_requests(runs.environments, runs.current)
    assert [(r.predictor, r.version) for r in wanted] == [("default", "7"), ("canary", "8")]
    shapes = []
    for _ in range(3):
        runs.run(at(8), GOOD, after=STEP)
        shapes.append(predictors(runs))
    assert shapes == [
        [("default", "7", 75, 4), ("canary", "8", 25, 1)],
        [("default", "7", 50, 4), ("canary", "8", 50, 2)],
        [("default", "8", 100, 4)],
    ]
    assert [c.kind for c in runs.last.changes] == ["promote"]  # type: ignore[union-attr]


def test_the_gate_compares_the_canary_with_the_serving_predictor_by_its_name() -> None:
    runs = deployed_with_replace()
    runs.environments = env(CANARY)
    runs.run(at(8), after=STEP)
    misnamed = readings("prod", "fraud", stable=healthy(errors=3), canary=healthy(requests=200))
    result = runs.run(at(8), misnamed, after=STEP)
    assert [c.kind for c in result.waits] == ["wait"]  # no reading for `default`: never passes
    assert predictors(runs)[0][:3] == ("default", "7", 90)


def test_switching_back_to_replace_keeps_the_name_too() -> None:
    runs = Runs(env(CANARY))
    runs.run(at(7))
    assert predictors(runs) == [("stable", "7", 100, 4)]  # a new deployment keeps today's names
    runs.environments = env(REPLACE)
    runs.run(at(8), after=STEP)
    assert predictors(runs) == [("stable", "8", 100, 4)]


@pytest.mark.parametrize(
    ("strategy", "replicas", "weight", "expected"),
    [
        ("canary", 4, 10, 1),
        ("canary", 4, 25, 1),
        ("canary", 4, 50, 2),
        ("canary", 10, 25, 3),
        ("canary", 1, 90, 1),
        ("canary", 3, 0, 1),
        ("ab", 10, 30, 3),
        ("shadow", 4, 0, 4),
    ],
)
def test_candidate_replicas_follow_the_traffic_share(
    strategy: str, replicas: int, weight: int, expected: int
) -> None:
    assert candidate_replicas(strategy, replicas, weight) == expected


def test_shadow_gets_the_full_count_and_a_challenger_its_share() -> None:
    shadow = Runs(env(REPLACE + "strategy: shadow\n"))
    shadow.run(at(7))
    shadow.run(at(8))
    document = shadow.document("prod", "fraud")
    assert [(p["name"], p["replicas"]) for p in document["spec"]["predictors"]] == [
        ("stable", 4),
        ("shadow", 4),
    ]
    ab = Runs(env(REPLACE + "strategy: {type: ab, challenger: challenger, split: 20}\n"))
    ab.run(with_metrics(snapshot({"fraud": {"champion": 7, "challenger": 8}}, 9), METRICS))
    document = ab.document("prod", "fraud")
    assert [(p["name"], p["replicas"]) for p in document["spec"]["predictors"]] == [
        ("champion", 4),
        ("challenger", 1),
    ]
