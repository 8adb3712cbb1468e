"""The rollout state machine, run after run, with a fixed clock and synthetic readings.

Each run goes through the real path: plan -> render -> YAML bytes -> parsed back as the next
run's current state, so the annotations in Git are the only state carried between runs.
"""

from __future__ import annotations

from datetime import timedelta

from generator.config.loader import parse_environment
from generator.model.readings import Readings
from generator.plan.planner import Plan
from generator.targets.seldon_v1.admission import admission_problems
from tests.support.rollouts import Runs, healthy, readings, with_metrics
from tests.support.snapshots import snapshot

CANARY = parse_environment(
    """
namespace: models-prod
alias: champion
strategy:
  type: canary
  steps: [10, 25, 50, 100]
  step_time: 10m
  offline: [{metric: val_auc, direction: higher, max_drop: 0.01}]
""",
    "prod.yaml",
)
METRICS = {
    "run-fraud-7": {"val_auc": 0.92},
    "run-fraud-8": {"val_auc": 0.925},
    "run-fraud-9": {"val_auc": 0.93},
}
STEP = timedelta(minutes=10)
GOOD = readings(
    "prod", "fraud", stable=healthy(errors=3, p95=0.090), canary=healthy(requests=200, errors=0.4)
)
BAD = readings("prod", "fraud", stable=healthy(errors=3, p95=0.090), canary=healthy(requests=200, errors=20))


def at(version: int, alias: str = "champion", **extra: dict[str, int]):  # type: ignore[no-untyped-def]
    return with_metrics(snapshot({"fraud": {alias: version}, **extra}, 9), METRICS)


def said(result: Plan) -> list[str]:
    return [c.describe() for c in [*result.changes, *result.waits]]


def predictors(runs: Runs) -> list[tuple[str, str, int]]:
    document = runs.document("prod", "fraud")
    assert admission_problems(document) == []
    return [(p["name"], p["annotations"]["version"], p["traffic"]) for p in document["spec"]["predictors"]]


def started(runs: Runs) -> Runs:
    """Version 7 deployed, then the alias moves to 8: canary 8 at 10%."""
    runs.run(at(7))
    runs.run(at(8), after=STEP)
    return runs


def test_first_deployment_is_the_candidate_alone_as_stable() -> None:
    runs = Runs({"prod": CANARY})
    assert said(runs.run(at(7))) == ["deploy(prod): fraud 7"]
    assert predictors(runs) == [("stable", "7", 100)]


def test_alias_move_starts_a_canary_after_the_offline_gate() -> None:
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    result = runs.run(at(8), after=STEP)
    assert said(result) == ["rollout(prod): fraud: canary 8 at 10% (stable 7; offline val_auc 0.925 vs 0.92)"]
    assert predictors(runs) == [("stable", "7", 90), ("canary", "8", 10)]
    annotations = runs.document("prod", "fraud")["metadata"]["annotations"]
    assert annotations["model-gitops.io/version"] == "7"
    assert annotations["model-gitops.io/rollout-candidate"] == "8"
    assert annotations["model-gitops.io/rollout-step"] == "10"
    assert annotations["model-gitops.io/rollout-step-started"] == "2026-01-05T09:10:00Z"


def test_full_walk_one_step_per_run_then_promotion() -> None:
    runs = started(Runs({"prod": CANARY}))
    steps = []
    for _ in range(3):
        steps.append(said(runs.run(at(8), GOOD, after=STEP)))
        steps.append(predictors(runs))
    assert steps == [
        ["rollout(prod): fraud: canary 8 at 10% -> 25% (error 0.2% vs 0.3%, p95 84 ms vs 90 ms)"],
        [("stable", "7", 75), ("canary", "8", 25)],
        ["rollout(prod): fraud: canary 8 at 25% -> 50% (error 0.2% vs 0.3%, p95 84 ms vs 90 ms)"],
        [("stable", "7", 50), ("canary", "8", 50)],
        [
            "promote(prod): fraud: canary 8 at 50% -> 100%, promoted over 7"
            " (error 0.2% vs 0.3%, p95 84 ms vs 90 ms)"
        ],
        [("stable", "8", 100)],
    ]
    promoted = runs.last.changes[0]  # type: ignore[union-attr]
    assert (promoted.kind, promoted.from_version, promoted.to_version) == ("promote", "7", "8")
    before = dict(runs.files)
    assert said(runs.run(at(8), GOOD, after=STEP)) == []
    assert runs.files == before


def test_step_time_not_passed_waits_without_touching_git() -> None:
    runs = started(Runs({"prod": CANARY}))
    before = dict(runs.files)
    result = runs.run(at(8), GOOD, after=timedelta(minutes=9))
    assert said(result) == ["wait(prod): fraud: canary 8 at 10%: next step not before 2026-01-05T09:20:00Z"]
    assert result.changes == []
    assert runs.files == before


def test_too_little_traffic_waits() -> None:
    runs = started(Runs({"prod": CANARY}))
    before = dict(runs.files)
    low = readings("prod", "fraud", stable=healthy(), canary=healthy(requests=12, errors=0))
    result = runs.run(at(8), low, after=STEP)
    assert said(result) == ["wait(prod): fraud: canary 8 at 10%: canary had 12 requests in 5m (needs 100)"]
    assert runs.files == before


def test_prometheus_down_waits_with_a_warning_and_never_passes() -> None:
    runs = started(Runs({"prod": CANARY}))
    before = dict(runs.files)
    down = Readings(unavailable="Prometheus at http://127.0.0.1:9 is unreachable (connection refused)")
    result = runs.run(at(8), down, after=STEP * 5)
    assert said(result) == [
        "wait(prod): fraud: canary 8 at 10%: Prometheus at http://127.0.0.1:9 is unreachable"
        " (connection refused)"
    ]
    assert result.warnings == ["Prometheus at http://127.0.0.1:9 is unreachable (connection refused)"]
    assert runs.files == before


def test_degraded_canary_rolls_back_and_holds_until_the_alias_moves() -> None:
    runs = started(Runs({"prod": CANARY}))
    result = runs.run(at(8), BAD, after=STEP)
    rollback = result.changes[0]
    assert (rollback.kind, rollback.from_version, rollback.to_version) == ("rollback", "7", "8")
    assert rollback.reason == "canary error ratio 10% > 5%"
    assert rollback.describe() == (
        "rollback(prod): fraud: canary 8 at 10% rolled back to 7: canary error ratio 10% > 5%; holding 8"
    )
    assert predictors(runs) == [("stable", "7", 100)]
    annotations = runs.document("prod", "fraud")["metadata"]["annotations"]
    assert annotations["model-gitops.io/rollout-hold"] == "8"
    assert annotations["model-gitops.io/rollout-hold-reason"] == "canary error ratio 10% > 5%"
    assert "model-gitops.io/rollout-candidate" not in annotations

    held = dict(runs.files)
    result = runs.run(at(8), GOOD, after=STEP)
    assert [c.kind for c in result.waits] == ["wait"] and result.changes == []
    assert runs.files == held

    result = runs.run(at(9), GOOD, after=STEP)
    assert said(result) == ["rollout(prod): fraud: canary 9 at 10% (stable 7; offline val_auc 0.93 vs 0.92)"]
    assert "model-gitops.io/rollout-hold" not in runs.document("prod", "fraud")["metadata"]["annotations"]


def test_alias_back_at_stable_releases_a_hold() -> None:
    runs = started(Runs({"prod": CANARY}))
    runs.run(at(8), BAD, after=STEP)
    result = runs.run(at(7), after=STEP)
    assert said(result) == ["rollout(prod): fraud: hold on 8 released: alias back at 7"]
    assert "model-gitops.io/rollout-hold" not in runs.document("prod", "fraud")["metadata"]["annotations"]


def test_release_hold_edit_lets_the_next_run_try_again() -> None:
    from generator import yamlio
    from generator.plan.rollout_state import release_hold

    runs = started(Runs({"prod": CANARY}))
    runs.run(at(8), BAD, after=STEP)
    path = "prod/fraud/seldondeployment.yaml"
    document, held = release_hold(yamlio.load(runs.files[path].decode()))
    assert held == "8"
    runs.files[path] = yamlio.dump(document).encode()
    result = runs.run(at(8), GOOD, after=STEP)
    assert [c.kind for c in result.changes] == ["start"]
    assert predictors(runs) == [("stable", "7", 90), ("canary", "8", 10)]


def test_offline_regression_blocks_before_any_traffic() -> None:
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    worse = with_metrics(
        snapshot({"fraud": {"champion": 8}}, 9), {**METRICS, "run-fraud-8": {"val_auc": 0.9}}
    )
    result = runs.run(worse, after=STEP)
    assert said(result) == [
        "hold(prod): fraud: 8 held before any traffic: val_auc 0.9 vs 0.92 (drops 0.02 > 0.01); holding 8"
    ]
    assert predictors(runs) == [("stable", "7", 100)]


def test_offline_gate_applies_to_replace_too() -> None:
    replace = parse_environment(
        "namespace: p\nalias: champion\nstrategy: {offline: [{metric: loss, direction: lower}]}\n", "p.yaml"
    )
    runs = Runs({"prod": replace})
    runs.run(at(7))
    worse = with_metrics(at(8), {"run-fraud-7": {"loss": 0.3}, "run-fraud-8": {"loss": 0.31}})
    assert [c.kind for c in runs.run(worse).changes] == ["hold"]
    assert predictors(runs) == [("default", "7", 100)]
    better = with_metrics(at(9), {"run-fraud-7": {"loss": 0.3}, "run-fraud-9": {"loss": 0.2}})
    assert said(runs.run(better)) == ["deploy(prod): fraud 7 -> 9"]


def test_missing_candidate_metric_fails_and_missing_stable_metric_is_noted() -> None:
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    result = runs.run(with_metrics(at(8), {}), after=STEP)
    assert result.changes[0].reason == "the candidate's run has no metric val_auc"
    runs = Runs({"prod": CANARY})
    runs.run(at(7))
    result = runs.run(with_metrics(at(8), {"run-fraud-8": {"val_auc": 0.9}}), after=STEP)
    assert said(result) == [
        "rollout(prod): fraud: canary 8 at 10% (stable 7; offline val_auc 0.9 (stable has none))"
    ]


def test_alias_moving_mid_rollout_restarts_with_the_new_candidate_against_stable() -> None:
    runs = started(Runs({"prod": CANARY}))
    runs.run(at(8), GOOD, after=STEP)
    assert predictors(runs) == [("stable", "7", 75), ("canary", "8", 25)]
    result = runs.run(at(9), GOOD, after=timedelta(minutes=1))
    assert said(result) == [
        "rollout(prod): fraud: canary 9 at 10%"
        " (stable 7; restarted, replaces canary 8; offline val_auc 0.93 vs 0.92)"
    ]
    assert predictors(runs) == [("stable", "7", 90), ("canary", "9", 10)]


def test_alias_back_at_stable_mid_rollout_cancels() -> None:
    runs = started(Runs({"prod": CANARY}))
    assert said(runs.run(at(7), GOOD, after=STEP)) == [
        "rollout(prod): fraud: canary 8 cancelled: alias back at 7"
    ]
    assert predictors(runs) == [("stable", "7", 100)]


def test_switching_to_replace_mid_rollout_deploys_the_alias_on_the_serving_predictor() -> None:
    runs = started(Runs({"prod": CANARY}))
    runs.environments = {"prod": parse_environment("namespace: models-prod\nalias: champion\n", "prod.yaml")}
    assert said(runs.run(at(8), after=STEP)) == ["deploy(prod): fraud 7 -> 8"]
    assert predictors(runs) == [("stable", "8", 100)]  # renamed, it would be a new Deployment


def test_shadow_mirrors_then_promotes_when_gates_pass() -> None:
    shadow = parse_environment(
        "namespace: models-prod\nalias: champion\nstrategy: {type: shadow, step_time: 1h}\n", "p"
    )
    runs = Runs({"prod": shadow})
    runs.run(at(7))
    assert said(runs.run(at(8))) == ["rollout(prod): fraud: shadow 8 mirrored (stable 7)"]
    document = runs.document("prod", "fraud")
    assert admission_problems(document) == []
    assert [(p["name"], p.get("shadow", False)) for p in document["spec"]["predictors"]] == [
        ("stable", False),
        ("shadow", True),
    ]
    mirrored = readings(
        "prod", "fraud", stable=healthy(errors=3, p95=0.09), shadow=healthy(errors=2, p95=0.08)
    )
    assert [c.kind for c in runs.run(at(8), mirrored, after=timedelta(minutes=30)).waits] == ["wait"]
    result = runs.run(at(8), mirrored, after=timedelta(minutes=30))
    assert said(result) == [
        "promote(prod): fraud: shadow 8 mirrored -> 100%, promoted over 7"
        " (error 0.2% vs 0.3%, p95 80 ms vs 90 ms)"
    ]
    assert predictors(runs) == [("stable", "8", 100)]


def test_ab_deploys_champion_and_challenger_at_a_fixed_split() -> None:
    ab = parse_environment(
        """
namespace: models-prod
alias: champion
strategy: {type: ab, challenger: challenger, split: 20, offline: [{metric: val_auc, max_drop: 0.01}]}
""",
        "prod.yaml",
    )
    runs = Runs({"prod": ab})
    both = with_metrics(snapshot({"fraud": {"champion": 7, "challenger": 8}}, 9), METRICS)
    assert said(runs.run(both)) == [
        "rollout(prod): fraud: ab challenger 8 at 20% (champion 7; offline val_auc 0.925 vs 0.92)",
        "deploy(prod): fraud 7",
    ]
    assert predictors(runs) == [("champion", "7", 80), ("challenger", "8", 20)]
    before = dict(runs.files)
    assert said(runs.run(both, after=STEP)) == []
    assert runs.files == before
    worse = with_metrics(
        snapshot({"fraud": {"champion": 7, "challenger": 9}}, 9), {**METRICS, "run-fraud-9": {"val_auc": 0.5}}
    )
    assert [c.kind for c in runs.run(worse).changes] == ["hold"]
    assert predictors(runs) == [("champion", "7", 100)]
    alone = with_metrics(snapshot({"fraud": {"champion": 7}}, 9), METRICS)
    assert said(runs.run(alone)) == [
        "rollout(prod): fraud: hold on challenger 9 released: no other challenger"
    ]
    assert predictors(runs) == [("champion", "7", 100)]
    runs.run(both)
    assert said(runs.run(alone)) == ["rollout(prod): fraud: ab challenger 8 removed (champion 7)"]


def test_runs_are_deterministic() -> None:
    def walk() -> dict[str, bytes]:
        runs = started(Runs({"prod": CANARY}))
        runs.run(at(8), GOOD, after=STEP)
        return runs.files

    assert walk() == walk()


def test_a_stable_version_gone_from_the_registry_rejects_and_keeps_the_files() -> None:
    runs = started(Runs({"prod": CANARY}))
    gone = at(8)
    del gone.versions[("fraud", "7")]
    result = runs.run(gone, GOOD, after=STEP)
    assert [(c.kind, c.model) for c in result.rejections] == [("reject", "fraud")]
    assert "deployed version 7 is not in the registry" in result.rejections[0].reason
    assert [k.model for k in result.environments["prod"].kept] == ["fraud"]
    assert result.environments["prod"].targets == []
