"""Approvals recorded end to end (GitHub): real MLflow, a real bare Git remote, GitHub faked over HTTP.

When a pull-request environment's pull request has merged, the next run tags the model version
with the merge commit, who merged it, who approved it (each reviewer's latest verdict from the
reviews API) and the pull request; a pull request closed without merging while its change landed
anyway is recorded as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Result, invoke
from tests.support.fake_github import FakeGitHub
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

TOKEN = "ghs_approvalsToken0123456789"
REPOSITORY = "acme/gitops"
BRANCH = "model-gitops/prod"
REWRITES = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'


@pytest.fixture
def github(gitops: GitopsRepo) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPOSITORY, TOKEN, git_remote=gitops.remote).start()
    try:
        yield fake
    finally:
        fake.stop()


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, github: FakeGitHub) -> Result:
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache)]
    args += ["--github-repository", REPOSITORY, "--github-api-url", github.url]
    result = invoke(args, cwd=gitops.worktree, env={"GITHUB_TOKEN": TOKEN})
    assert result.code == 0, result.err
    return result


def approval(registry: TestRegistry, model: str, version: int) -> dict[str, str]:
    found = registry.client.get_model_version(model, str(version)).tags
    prefix = "model-gitops.prod.approval."
    return {k[len(prefix) :]: v for k, v in found.items() if k.startswith(prefix)}


def land_branch(gitops: GitopsRepo) -> str:
    """The pull request's branch lands on main as it is (a fast-forward); the new main head."""
    git(gitops.worktree, "fetch", "-q", "origin", BRANCH)
    git(gitops.worktree, "merge", "-q", "--ff-only", "FETCH_HEAD")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    return git(gitops.worktree, "rev-parse", "HEAD").strip()


def test_merged_pull_requests_approvers_and_merge_commit_are_tagged_once(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, github: FakeGitHub
) -> None:
    prefix = registry.unique("approve")
    model = f"{prefix}-scorer"
    registry.create(model, 2, {"champion": 1})
    config = f"namespace: models-prod\nalias: champion\nmodels:\n  include: ['{prefix}*']\n{REWRITES}"
    gitops.write_environment("prod", config + "delivery: pull-request\n")
    assert "prod: opened pull request #1" in sync(gitops, registry, cache_dir, github).out
    assert approval(registry, model, 1) == {}, "nothing to record while it is open"

    github.review(1, "alice", "APPROVED")
    github.review(1, "bob", "CHANGES_REQUESTED")
    github.review(1, "bob", "APPROVED")
    github.review(1, "carol", "APPROVED")
    github.review(1, "carol", "DISMISSED")  # dismissed by a maintainer: not an approval
    github.review(1, "alice", "COMMENTED")
    landed = land_branch(gitops)
    github.merge(1, landed, by="dave")
    sync(gitops, registry, cache_dir, github)
    assert approval(registry, model, 1) == {
        "status": "approved",
        "approvers": "alice,bob",
        "merge-commit": landed,
        "merged-by": "dave",
        "merged-at": "2024-01-02T09:30:00Z",
        "pull-request": "https://github.example/acme/gitops/pull/1",
    }
    reads = len(github.calls("GET", rf"/repos/{REPOSITORY}/pulls/1"))
    sync(gitops, registry, cache_dir, github)
    assert len(github.calls("GET", rf"/repos/{REPOSITORY}/pulls/1")) == reads, (
        "recorded once, not looked up again"
    )

    registry.set_alias(model, "champion", 2)
    assert "prod: opened pull request #2" in sync(gitops, registry, cache_dir, github).out
    land_branch(gitops)  # pushed by hand; the pull request is then closed without merging
    github.pulls[2].update(state="closed", closed_at="2024-01-03T00:00:00Z")
    sync(gitops, registry, cache_dir, github)
    assert approval(registry, model, 2) == {
        "status": "closed-unmerged",
        "approvers": "none",
        "merge-commit": "none",
        "merged-by": "none",
        "merged-at": "none",
        "pull-request": "https://github.example/acme/gitops/pull/2",
    }
    assert github.problems == []
