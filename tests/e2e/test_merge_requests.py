"""GitLab merge requests end to end: real MLflow, a real bare Git remote, GitLab faked at the HTTP level.

The push remote's URL is a GitLab project URL on the stand-in's host (Git reaches the real bare
repository through `url.<path>.insteadOf`), so the run picks GitLab by itself: one merge request
per environment, opened, updated, closed with a note; after a merge, the approvers, the commit
that landed and the merge request are tagged on the model version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Result, invoke
from tests.support.fake_gitlab import FakeGitLab
from tests.support.gitops import GitopsRepo, git
from tests.support.registry import TestRegistry

pytestmark = pytest.mark.e2e

TOKEN = "glpat-e2eFakeToken0123456789"
PROJECT = "acme/gitops"
BRANCH = "model-gitops/prod"
REWRITES = '\nstorage:\n  rewrites:\n    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
MERGE_REQUEST = "delivery:\n  mode: pull-request\n  labels: [deploy, production]\n  reviewers: [alice]\n"
NO_GITHUB = {"GITHUB_TOKEN": "", "GH_TOKEN": "", "GITHUB_REPOSITORY": "", "GITLAB_TOKEN": ""}


def environment(alias: str, namespace: str, prefix: str, extra: str = "") -> str:
    return f"namespace: {namespace}\nalias: {alias}\nmodels:\n  include: ['{prefix}*']\n{REWRITES}{extra}"


@pytest.fixture
def gitlab(gitops: GitopsRepo) -> Iterator[FakeGitLab]:
    """The stand-in, and the worktree's `origin` pointing at the project's URL on its host."""
    fake = FakeGitLab(PROJECT, TOKEN, job_token="glcbt-jobToken0123456789", git_remote=gitops.remote).start()
    fake.users["alice"] = 11
    url = f"{fake.server_url}/{PROJECT}.git"
    git(gitops.worktree, "remote", "set-url", "origin", url)
    git(gitops.worktree, "config", f"url.{gitops.remote}.insteadOf", url)
    try:
        yield fake
    finally:
        fake.stop()


def sync(gitops: GitopsRepo, registry: TestRegistry, cache: Path, gitlab: FakeGitLab, *extra: str) -> Result:
    """A pushed sync as GitLab CI runs it: the API from CI_API_V4_URL, the token from GITLAB_TOKEN."""
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache), *extra]
    env = {
        **NO_GITHUB,
        "GITLAB_TOKEN": TOKEN,
        "CI_SERVER_URL": gitlab.server_url,
        "CI_API_V4_URL": gitlab.url,
    }
    result = invoke(args, cwd=gitops.worktree, env=env)
    assert result.code == 0, result.err
    assert TOKEN not in result.out + result.err
    return result


def tags(registry: TestRegistry, model: str, version: int) -> dict[str, str]:
    found = registry.client.get_model_version(model, str(version)).tags
    return {k: v for k, v in found.items() if k.startswith("model-gitops.")}


def remote_sha(gitops: GitopsRepo, ref: str) -> str | None:
    done = git(gitops.remote, "for-each-ref", "--format=%(objectname)", f"refs/heads/{ref}").strip()
    return done or None


def accept(gitops: GitopsRepo, gitlab: FakeGitLab, iid: int, by: str) -> str:
    """What "Merge" does with the fast-forward merge method: the branch lands on main as it is."""
    git(gitops.worktree, "fetch", "-q", "origin", BRANCH)
    git(gitops.worktree, "merge", "-q", "--ff-only", "FETCH_HEAD")
    git(gitops.worktree, "push", "-q", "origin", "HEAD:main")
    gitlab.merge(iid, by=by)
    return git(gitops.worktree, "rev-parse", "HEAD").strip()


def test_production_change_goes_through_one_gitlab_merge_request_and_its_approval_is_recorded(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, gitlab: FakeGitLab
) -> None:
    prefix = registry.unique("mr")
    model = f"{prefix}-detector"
    registry.create(model, 3, {"dev": 3, "champion": 1})
    gitops.write_environment("dev", environment("dev", "models-dev", prefix))
    gitops.write_environment("prod", environment("champion", "models-prod", prefix, MERGE_REQUEST))

    first = sync(gitops, registry, cache_dir, gitlab)
    url = f"https://gitlab.example/{PROJECT}/-/merge_requests/1"
    assert f"prod: opened merge request !1 {url}" in first.out
    assert f"rendered/dev/{model}/seldondeployment.yaml" in gitops.remote_files()
    assert not [f for f in gitops.remote_files() if f.startswith("rendered/prod/")], "prod waits for review"
    mr = gitlab.merge_requests[1]
    assert (mr["state"], mr["source_branch"], mr["target_branch"]) == ("opened", BRANCH, "main")
    assert mr["title"] == f"deploy(prod): {model} 1"
    assert f"| `{model}` |" in mr["description"] and "```mermaid" in mr["description"]
    assert mr["labels"] == ["deploy", "production"]
    assert [r["username"] for r in mr["reviewers"]] == ["alice"]
    assert mr["sha"] == remote_sha(gitops, BRANCH)
    pending = tags(registry, model, 1)
    assert (pending["model-gitops.prod.state"], pending["model-gitops.prod.pull-request"]) == (
        "pending-review",
        url,
    )

    gitlab.approve(1, "carol")
    gitlab.approve(1, "bob")
    landed = accept(gitops, gitlab, 1, by="dave")
    settle = sync(gitops, registry, cache_dir, gitlab)
    assert "nothing to commit" in settle.out
    assert remote_sha(gitops, BRANCH) is None, "the merged branch is deleted"
    recorded = tags(registry, model, 1)
    assert recorded["model-gitops.prod.state"] == "deployed"
    assert {k.rsplit(".", 1)[-1]: v for k, v in recorded.items() if ".approval." in k} == {
        "status": "approved",
        "approvers": "bob,carol",
        "merge-commit": landed,
        "merged-by": "dave",
        "merged-at": "2024-01-02T09:30:00.000Z",
        "pull-request": url,
    }
    looked = len(gitlab.calls("GET", f"/projects/{PROJECT}/merge_requests/1/approvals"))
    sync(gitops, registry, cache_dir, gitlab)
    assert len(gitlab.calls("GET", f"/projects/{PROJECT}/merge_requests/1/approvals")) == looked, (
        "recorded once"
    )

    registry.set_alias(model, "champion", 2)
    summary = gitops.worktree.parent / "summary.md"
    opened = sync(gitops, registry, cache_dir, gitlab, "--summary", str(summary))
    assert "prod: opened merge request !2" in opened.out
    assert f"- prod: merge request opened [!2](https://gitlab.example/{PROJECT}/-/merge_requests/2)" in (
        summary.read_text()
    )
    again = sync(gitops, registry, cache_dir, gitlab)
    assert "prod: unchanged merge request !2" in again.out
    registry.set_alias(model, "champion", 3)
    updated = sync(gitops, registry, cache_dir, gitlab)
    assert "prod: updated merge request !2" in updated.out
    assert len(gitlab.opened()) == 1 and len(gitlab.merge_requests) == 2, "one merge request, updated"
    assert gitlab.merge_requests[2]["title"] == f"deploy(prod): {model} 1 -> 3"
    assert tags(registry, model, 2)["model-gitops.prod.state"] == "withdrawn"

    registry.set_alias(model, "champion", 1)
    closed = sync(gitops, registry, cache_dir, gitlab)
    assert "prod: closed merge request !2" in closed.out
    assert gitlab.merge_requests[2]["state"] == "closed" and not gitlab.opened()
    assert "alias moved back" in gitlab.notes[2][0]
    assert remote_sha(gitops, BRANCH) is None
    assert tags(registry, model, 3)["model-gitops.prod.state"] == "withdrawn"

    assert gitlab.problems == []
    assert all(r.headers.get("private-token") == TOKEN for r in gitlab.requests)
    assert len(gitlab.calls("POST", f"/projects/{PROJECT}/merge_requests")) == 2


def test_gitlab_needs_a_token_and_says_job_tokens_cannot_manage_merge_requests(
    gitops: GitopsRepo, registry: TestRegistry, cache_dir: Path, gitlab: FakeGitLab
) -> None:
    prefix = registry.unique("mrtoken")
    registry.create(f"{prefix}-m", 1, {"champion": 1})
    gitops.write_environment("prod", environment("champion", "models-prod", prefix, MERGE_REQUEST))
    before = gitops.remote_log()
    args = ["sync", "--push", "--tracking-uri", registry.url, "--cache-dir", str(cache_dir)]
    args += ["--gitlab-api-url", gitlab.url]
    missing = invoke(args, cwd=gitops.worktree, env={**NO_GITHUB, "CI_JOB_TOKEN": ""})
    assert missing.code == 1
    assert missing.err.strip().splitlines()[-1] == (
        "error: pull-request delivery needs a GitLab token: set GITLAB_TOKEN to a project access token "
        "with the api scope and the Developer role"
    )
    assert gitops.remote_log() == before, "failed before writing anything"
    job = invoke(args, cwd=gitops.worktree, env={**NO_GITHUB, "CI_JOB_TOKEN": gitlab.job_token})
    assert job.code == 1
    assert len(job.err.strip().splitlines()) == 1
    assert "GitLab refused the CI/CD job token (list merge requests; HTTP 401)" in job.err
    assert "set GITLAB_TOKEN" in job.err and gitlab.job_token not in job.out + job.err
    assert remote_sha(gitops, BRANCH) is None and not gitlab.merge_requests
