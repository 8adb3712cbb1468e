"""Which versions need their pull request's outcome recorded, and the approval tags written. Pure."""

from __future__ import annotations

from dataclasses import replace

from generator.config.loader import parse_environment
from generator.delivery.provider import Approval
from generator.delivery.writeback import ApprovalDue, approval_tags, approvals_due
from generator.model import CurrentState, Deployed, Snapshot
from generator.plan.planner import plan
from tests.support.snapshots import snapshot

PROD = parse_environment("namespace: models-prod\nalias: champion\ndelivery: pull-request\n", "prod.yaml")
DEV = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
PR1 = "https://github.example/acme/gitops/pull/1"
PR2 = "https://github.example/acme/gitops/pull/2"
PULL, APPROVED_PULL = "model-gitops.prod.pull-request", "model-gitops.prod.approval.pull-request"


def tagged(snap: Snapshot, model: str, number: int, tags: dict[str, str]) -> Snapshot:
    key = (model, str(number))
    return replace(snap, versions={**snap.versions, key: replace(snap.versions[key], tags=tags)})


def serving(env: str = "prod", **versions: str) -> CurrentState:
    return CurrentState({env: {m: Deployed(m, v, m) for m, v in versions.items()}})


def due_for(
    snap: Snapshot, current: CurrentState, open_urls: dict[str, str] | None = None
) -> list[ApprovalDue]:
    result = plan({"prod": PROD, "dev": DEV}, snap, current)
    return approvals_due(result, current, snap.versions, open_urls or {})


def test_a_merged_version_serving_in_a_pull_request_environment_is_due_once() -> None:
    snap = tagged(snapshot({"fraud": {"champion": 2}}), "fraud", 2, {PULL: PR1})
    assert due_for(snap, serving(fraud="2")) == [ApprovalDue("prod", "fraud", "2", PR1, recorded=False)]
    done = tagged(snap, "fraud", 2, {PULL: PR1, APPROVED_PULL: PR1})
    assert due_for(done, serving(fraud="2")) == []


def test_not_due_while_pending_open_without_a_pull_request_or_in_a_commit_environment() -> None:
    snap = tagged(snapshot({"fraud": {"champion": 2, "dev": 2}}), "fraud", 2, {PULL: PR1})
    assert due_for(snap, serving(fraud="1")) == [], "version 2 is only proposed: the base serves 1"
    assert due_for(snap, serving(fraud="2"), {"prod": PR1}) == [], "its pull request is this run's open one"
    assert due_for(snapshot({"fraud": {"champion": 2}}), serving(fraud="2")) == [], "no pull request tag"
    dev = tagged(snap, "fraud", 2, {"model-gitops.dev.pull-request": PR1})
    assert due_for(dev, serving("dev", fraud="2")) == [], "dev commits directly"


def test_a_rollouts_stable_and_candidate_versions_are_both_looked_at() -> None:
    snap = tagged(
        tagged(snapshot({"fraud": {"champion": 3}}), "fraud", 2, {PULL: PR1}), "fraud", 3, {PULL: PR2}
    )
    notes = {"model-gitops.io/rollout-stable": "2", "model-gitops.io/rollout-candidate": "3"}
    current = CurrentState({"prod": {"fraud": Deployed("fraud", "2", "fraud", notes)}})
    assert [(d.version, d.url) for d in due_for(snap, current)] == [("2", PR1), ("3", PR2)]


def test_approval_tags_of_a_merge() -> None:
    due = ApprovalDue("prod", "fraud", "2", PR1, recorded=False)
    approval = Approval(PR1, True, "abc123", ("alice", "bob"), "carol", "2024-01-02T09:30:00Z")
    assert approval_tags(due, approval) == {
        "model-gitops.prod.approval.status": "approved",
        "model-gitops.prod.approval.approvers": "alice,bob",
        "model-gitops.prod.approval.merge-commit": "abc123",
        "model-gitops.prod.approval.merged-by": "carol",
        "model-gitops.prod.approval.merged-at": "2024-01-02T09:30:00Z",
        "model-gitops.prod.approval.pull-request": PR1,
    }
    unreviewed = approval_tags(due, Approval(PR1, merged=True))
    assert unreviewed["model-gitops.prod.approval.status"] == "merged-without-approval"
    assert unreviewed["model-gitops.prod.approval.approvers"] == "none"
    assert unreviewed["model-gitops.prod.approval.merge-commit"] == "unknown"


def test_a_pull_request_closed_unmerged_never_overwrites_a_recorded_merge() -> None:
    first = ApprovalDue("prod", "fraud", "2", PR2, recorded=False)
    assert approval_tags(first, Approval(PR2, merged=False))["model-gitops.prod.approval.status"] == (
        "closed-unmerged"
    )
    later = ApprovalDue("prod", "fraud", "2", PR2, recorded=True)
    assert approval_tags(later, Approval(PR2, merged=False)) == {"model-gitops.prod.approval.unmerged": PR2}
    snap = tagged(
        snapshot({"fraud": {"champion": 2}}),
        "fraud",
        2,
        {PULL: PR2, APPROVED_PULL: PR1, "model-gitops.prod.approval.unmerged": PR2},
    )
    assert due_for(snap, serving(fraud="2")) == [], "recorded as unmerged: not looked up again"
