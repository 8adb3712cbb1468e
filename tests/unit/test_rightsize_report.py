"""Right-sizing proposals for people (`report.rightsize`): table, title, commit message, body."""

from __future__ import annotations

from generator.plan.rightsize import Change, Proposal
from generator.report.rightsize import MARKER, commit_message, pull_request_body, table, title

WEEK = 7 * 86400
SMALLER = Proposal(
    "prod",
    "fraud-detector",
    (Change("resources.requests.cpu", "500m", "300m"),),
    "cpu p95 0.21 cores/pod over 7d (request 500m) -> 300m",
    {"resources": {"requests": {"cpu": "300m"}}},
)
MORE = Proposal("staging", "churn", (Change("replicas", "2", "3"),), "cpu p95 ... -> 3", {"replicas": 3})
KEPT = Proposal("prod", "recommender", (), "cpu p95 0.33 cores/pod over 7d (request 500m) kept (wants 500m)")


def test_the_table_lists_changes_then_the_evidence() -> None:
    assert table([SMALLER, KEPT], WEEK).splitlines() == [
        "ENVIRONMENT  MODEL           PROPOSED",
        "prod         fraud-detector  resources.requests.cpu 500m -> 300m",
        "prod         recommender     (no change)",
        "",
        "evidence (window 7d):",
        "  prod/fraud-detector: cpu p95 0.21 cores/pod over 7d (request 500m) -> 300m",
        "  prod/recommender: cpu p95 0.33 cores/pod over 7d (request 500m) kept (wants 500m)",
    ]


def test_titles_name_what_changes() -> None:
    assert title([SMALLER, KEPT]) == "right-size(prod): fraud-detector"
    assert title([SMALLER, MORE]) == "right-size: 2 models in prod, staging"
    assert (
        title([SMALLER, Proposal("prod", "x", MORE.changes, "", {"replicas": 3})])
        == "right-size(prod): 2 models"
    )
    assert title([KEPT]) == "right-size: no change"


def test_the_commit_message_carries_each_change_and_its_evidence() -> None:
    message = commit_message([SMALLER, KEPT], WEEK)
    assert message == (
        "right-size(prod): fraud-detector\n\n"
        "From what each deployment used over 7d (model-gitops right-size).\n\n"
        "prod/fraud-detector: resources.requests.cpu 500m -> 300m\n"
        "cpu p95 0.21 cores/pod over 7d (request 500m) -> 300m\n"
    )


def test_the_body_is_an_evidence_table_with_untrusted_names_inert() -> None:
    hostile = Proposal("prod", "a|b @team", MORE.changes, "p95 | [x](http://e)", {"replicas": 3})
    body = pull_request_body([SMALLER, hostile, KEPT], WEEK, ["environments/prod.yaml"])
    assert body.startswith(MARKER + "\n## Right-size from 7d of usage\n")
    assert "| Environment | Model | Change | Evidence |" in body
    assert "| prod | `fraud-detector` | `resources.requests.cpu: 500m -> 300m` |" in body
    assert "| prod | `a\\|b @team` | `replicas: 2 -> 3` | p95 \\| \\[x\\]\\(http\\://e\\) |" in body
    assert "<summary>1 model(s) kept as they are</summary>" in body
    assert "- prod `recommender`: cpu p95 0.33" in body
    assert "`environments/prod.yaml`" in body
