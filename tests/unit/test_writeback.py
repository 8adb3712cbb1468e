"""Which deployment tags a delivery writes back to MLflow: only what differs from the registry."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from generator.config.loader import parse_environment
from generator.delivery.writeback import Delivered, Proposal, deployment_state, deployment_tags
from generator.model import CurrentState, Deployed, Snapshot
from generator.plan.planner import plan
from tests.support.rollouts import Runs
from tests.support.snapshots import snapshot

PROD = parse_environment("namespace: models-prod\nalias: champion\n", "prod.yaml")
STATE, COMMIT, PULL = "model-gitops.prod.state", "model-gitops.prod.commit", "model-gitops.prod.pull-request"
TARGET = "model-gitops.prod.target"  # which serving target runs it


def deployed(**versions: str) -> CurrentState:
    return CurrentState({"prod": {m: Deployed(m, v, m) for m, v in versions.items()}})


def tagged(snap: Snapshot, model: str, number: int, tags: dict[str, str]) -> Snapshot:
    key = (model, str(number))
    return replace(snap, versions={**snap.versions, key: replace(snap.versions[key], tags=tags)})


def test_a_committed_update_deploys_the_new_version_and_retires_the_old() -> None:
    result = plan({"prod": PROD}, snapshot({"fraud": {"champion": 8}}, 8), deployed(fraud="7"))
    after = deployed(fraud="8")
    tags = deployment_tags(result, ["prod/fraud/seldondeployment.yaml"], after, Delivered("abc123"))
    assert tags == {
        ("fraud", "8"): {STATE: "deployed", COMMIT: "abc123", TARGET: "seldon-v1"},
        ("fraud", "7"): {STATE: "retired"},
    }


def test_a_steady_state_writes_nothing_and_a_missing_tag_is_healed() -> None:
    snap = tagged(
        snapshot({"fraud": {"champion": 8}, "churn": {"champion": 2}}, 8),
        "fraud",
        8,
        {STATE: "deployed", TARGET: "seldon-v1"},
    )
    current = deployed(fraud="8", churn="2")
    result = plan({"prod": PROD}, snap, current)
    tags = deployment_tags(result, [], current, Delivered("head"))
    assert tags == {("churn", "2"): {STATE: "deployed", COMMIT: "head", TARGET: "seldon-v1"}}


def test_a_pull_request_proposal_is_pending_review_until_merged() -> None:
    result = plan({"prod": PROD}, snapshot({"fraud": {"champion": 8}}, 8), deployed(fraud="7"))
    proposal = Proposal("branchsha", "https://github.example/acme/gitops/pull/4", frozenset({"fraud"}))
    delivered = Delivered("mainsha", {"prod": proposal})
    tags = deployment_tags(result, ["prod/fraud/seldondeployment.yaml"], deployed(fraud="8"), delivered)
    assert tags == {
        ("fraud", "8"): {
            STATE: "pending-review",
            COMMIT: "branchsha",
            PULL: "https://github.example/acme/gitops/pull/4",
            TARGET: "seldon-v1",
            "model-gitops.prod.replaces": "7",
        }
    }

    merged = tagged(snapshot({"fraud": {"champion": 8}}, 8), "fraud", 8, tags[("fraud", "8")])
    later = plan({"prod": PROD}, merged, deployed(fraud="8"))
    assert deployment_tags(later, [], deployed(fraud="8"), Delivered("mergesha")) == {
        ("fraud", "8"): {STATE: "deployed", COMMIT: "mergesha", TARGET: "seldon-v1"},
        ("fraud", "7"): {STATE: "retired"},
    }


def test_withdrawn_proposals_and_skipped_environments() -> None:
    result = plan({"prod": PROD}, snapshot({"fraud": {"champion": 7}}, 8), deployed(fraud="7"))
    delivered = Delivered("sha", withdrawn={"prod": (("fraud", "8"),)})
    assert deployment_tags(result, [], deployed(fraud="7"), delivered) == {
        ("fraud", "7"): {STATE: "deployed", COMMIT: "sha", TARGET: "seldon-v1"},
        ("fraud", "8"): {STATE: "withdrawn"},
    }
    assert (
        deployment_tags(result, [], deployed(fraud="7"), Delivered("sha", skipped=frozenset({"prod"}))) == {}
    )


def test_canary_states_come_from_the_rollout_annotations() -> None:
    config = "namespace: models-prod\nalias: champion\nstrategy: {type: canary, steps: [10, 50, 100]}\n"
    runs = Runs({"prod": parse_environment(config, "prod.yaml")})
    runs.run(snapshot({"fraud": {"champion": 7}}, 9))
    runs.run(snapshot({"fraud": {"champion": 8}}, 9), after=timedelta(hours=1))
    mid = runs.current.deployed["prod"]["fraud"]
    assert deployment_state(mid, "8") == "canary-10%"
    assert deployment_state(mid, "7") == "deployed"
    assert deployment_state(None, "8") is None
    held = Deployed("fraud", "7", "fraud", {"model-gitops.io/rollout-hold": "8"})
    assert deployment_state(held, "8") == "rolled-back"
