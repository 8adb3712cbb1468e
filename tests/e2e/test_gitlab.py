"""The GitLab client against the local stand-in of the documented REST API (tests/support/fake_gitlab.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from generator.delivery.gitlab import GitLab
from generator.delivery.provider import Approval
from generator.errors import GitLabError
from tests.support.fake_gitlab import FakeGitLab
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

TOKEN = "glpat-clientTestToken42abc"
JOB_TOKEN = "glcbt-jobTokenValue0123456"
MRS = "/projects/acme/gitops/merge_requests"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    server = FakeGitLab("acme/gitops", TOKEN, job_token=JOB_TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def client(fake: FakeGitLab, token: str = TOKEN, project: str = "acme/gitops") -> GitLab:
    return GitLab(project, token, fake.url)


def test_merge_request_lifecycle_uses_the_documented_requests(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    assert gitlab.open_pull("model-gitops/prod", "main") is None
    mr = gitlab.create_pull("deploy(prod): m 1 -> 2", "body", "model-gitops/prod", "main", draft=True)
    assert (mr.number, mr.head, mr.base, mr.state, mr.draft, mr.title) == (
        1,
        "model-gitops/prod",
        "main",
        "open",
        True,
        "deploy(prod): m 1 -> 2",
    )
    assert mr.url == "https://gitlab.example/acme/gitops/-/merge_requests/1"
    assert gitlab.open_pull("model-gitops/prod", "main") == mr
    assert gitlab.open_pull("model-gitops/prod", "release") is None
    assert gitlab.add_labels(1, ["deploy", "prod"]) == ("deploy", "prod")
    fake.users["alice"] = 11
    gitlab.request_reviewers(1, ["alice"], [])
    assert [r["username"] for r in fake.merge_requests[1]["reviewers"]] == ["alice"]
    updated = gitlab.update_pull(1, title="deploy(prod): m 1 -> 3", body="new body")
    assert (updated.title, updated.body, updated.labels, updated.draft) == (
        "deploy(prod): m 1 -> 3",
        "new body",
        ("deploy", "prod"),
        True,
    )
    assert fake.merge_requests[1]["title"] == "Draft: deploy(prod): m 1 -> 3", "an update keeps the draft"
    closed = gitlab.close_pull(1, "withdrawn")
    assert closed.state == "closed" and fake.notes[1] == ["withdrawn"]
    assert gitlab.open_pull("model-gitops/prod", "main") is None

    assert fake.problems == []
    listing = fake.calls("GET", MRS)[0]
    assert listing.raw_path == "/projects/acme%2Fgitops/merge_requests"
    assert listing.query == {
        "state": "opened",
        "source_branch": "model-gitops/prod",
        "target_branch": "main",
        "per_page": "100",
    }
    create = fake.calls("POST", MRS)[0]
    assert create.body == {
        "source_branch": "model-gitops/prod",
        "target_branch": "main",
        "title": "Draft: deploy(prod): m 1 -> 2",
        "description": "body",
    }
    assert create.headers["private-token"] == TOKEN and "authorization" not in create.headers
    assert fake.calls("PUT", f"{MRS}/1")[-1].body == {"state_event": "close"}
    assert fake.calls("PUT", f"{MRS}/1")[0].body == {"add_labels": "deploy,prod"}
    assert fake.calls("GET", "/users")[0].query == {"username": "alice"}


def test_a_merge_request_someone_marked_ready_stays_ready(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    gitlab.create_pull("t", "b", "feature", "main", draft=True)
    fake.merge_requests[1].update(title="t", draft=False, work_in_progress=False)  # "Mark as ready"
    fresh = client(fake)  # a later run: it knows only what GitLab says
    assert fresh.update_pull(1, title="t2").draft is False
    assert fake.merge_requests[1]["title"] == "t2"


def test_reviewers_who_are_not_gitlab_users_and_teams_are_reported(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    gitlab.create_pull("t", "b", "feature", "main")
    fake.users["alice"] = 11
    with pytest.raises(GitLabError) as raised:
        gitlab.request_reviewers(1, ["alice", "nobody"], ["ml-leads"])
    assert raised.value.one_line() == (
        "merge request !1: no GitLab user nobody; GitLab has no team reviewers (ml-leads not asked): "
        "list GitLab usernames in delivery.reviewers"
    )
    assert [r["username"] for r in fake.merge_requests[1]["reviewers"]] == ["alice"]


def test_a_second_merge_request_for_the_same_branch_is_refused_with_gitlabs_message(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    gitlab.create_pull("t", "b", "model-gitops/prod", "main")
    with pytest.raises(GitLabError) as raised:
        gitlab.create_pull("t", "b", "model-gitops/prod", "main")
    assert "Another open merge request already exists for this source branch: !1" in raised.value.one_line()


def test_approval_of_a_merged_merge_request(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    mr = gitlab.create_pull("t", "b", "feature", "main")
    assert gitlab.approval(mr.url) is None, "still open"
    fake.approve(1, "carol")
    fake.approve(1, "bob")
    fake.merge(1, by="dave")  # fast-forward: no merge commit, the head landed
    assert gitlab.approval(mr.url) == Approval(
        mr.url, True, "0" * 40, ("bob", "carol"), "dave", "2024-01-02T09:30:00.000Z"
    )
    fake.merge(1, by="dave", merge_commit="c" * 40)
    found = gitlab.approval(mr.url)
    assert found is not None and found.merge_commit == "c" * 40
    second = gitlab.create_pull("t", "b", "other", "main")
    gitlab.close_pull(second.number)
    assert gitlab.approval(second.url) == Approval(second.url, merged=False)
    assert gitlab.approval("https://gitlab.example/acme/other/-/merge_requests/1") is None
    assert gitlab.approval("https://github.example/acme/gitops/pull/1") is None
    assert fake.calls("GET", f"{MRS}/1/approvals") and fake.problems == []


@pytest.mark.parametrize(
    ("token", "project", "expected"),
    [
        (
            "glpat-wrong-secret-value",
            "acme/gitops",
            "GitLab rejected the token (list merge requests): check GITLAB_TOKEN",
        ),
        (TOKEN, "acme/other", "GitLab could not list merge requests: acme/other at "),
    ],
)
def test_failures_are_one_line_with_a_hint_and_no_token(
    fake: FakeGitLab, token: str, project: str, expected: str
) -> None:
    with pytest.raises(GitLabError) as raised:
        client(fake, token, project).open_pull("b", "main")
    text = raised.value.one_line()
    assert text.startswith(expected) and "\n" not in text
    assert token not in text and TOKEN not in text


def test_a_job_token_is_told_to_use_gitlab_token(fake: FakeGitLab) -> None:
    gitlab = GitLab.from_environment("acme/gitops", fake.url, {"CI_JOB_TOKEN": JOB_TOKEN})
    with pytest.raises(GitLabError) as raised:
        gitlab.open_pull("b", "main")
    assert raised.value.one_line() == (
        "GitLab refused the CI/CD job token (list merge requests; HTTP 401): job tokens cannot manage merge "
        "requests: set GITLAB_TOKEN to a project access token with the api scope and the Developer role"
    )
    assert fake.requests[-1].headers["job-token"] == JOB_TOKEN


def test_validation_messages_by_field_are_one_line(fake: FakeGitLab) -> None:
    with pytest.raises(GitLabError) as raised:
        client(fake).create_pull(" ", "b", "feature", "main")
    assert raised.value.one_line() == (
        "GitLab could not open a merge request: title can't be blank: "
        "check the branch names and merge-request settings"
    )


def test_unreachable_gitlab_and_missing_configuration() -> None:
    port = free_port()
    with pytest.raises(GitLabError, match=rf"could not reach GitLab at http://127.0.0.1:{port}/api/v4"):
        GitLab("acme/gitops", TOKEN, f"http://127.0.0.1:{port}/api/v4", timeout=2).open_pull("b", "main")
    with pytest.raises(GitLabError, match="needs a GitLab token: set GITLAB_TOKEN"):
        GitLab.from_environment("acme/gitops", None, {})
    with pytest.raises(GitLabError, match="needs the GitLab project: push to the project's own URL"):
        GitLab.from_environment(None, None, {"GITLAB_TOKEN": TOKEN})
    with pytest.raises(GitLabError, match="is not a GitLab project"):
        GitLab("not a project", TOKEN)
    found = GitLab.from_environment(
        "group/sub/app",
        None,
        {"GITLAB_TOKEN": TOKEN, "CI_JOB_TOKEN": JOB_TOKEN, "CI_SERVER_URL": "https://gl.example/"},
    )
    assert (found.project, found.api_url) == ("group/sub/app", "https://gl.example/api/v4")
    ci = GitLab.from_environment(
        "g/p",
        None,
        {"CI_JOB_TOKEN": JOB_TOKEN, "CI_API_V4_URL": "https://gl.example/api/v4", "CI_SERVER_URL": "x"},
    )
    assert ci.api_url == "https://gl.example/api/v4"
    assert (
        GitLab.from_environment("g/p", None, {"GITLAB_TOKEN": TOKEN}).api_url == "https://gitlab.com/api/v4"
    )


def test_reads_are_retried_through_outages_and_writes_are_sent_once(fake: FakeGitLab) -> None:
    gitlab = client(fake)
    fake.outages = [503, 502]
    assert gitlab.open_pull("feature", "main") is None
    assert len(fake.calls("GET", MRS)) == 3
    fake.outages = [503]
    with pytest.raises(GitLabError, match=r"GitLab failed to open a merge request \(HTTP 503\)"):
        gitlab.create_pull("t", "b", "feature", "main")
    assert len(fake.calls("POST", MRS)) == 1
    fake.outages = [429]
    with pytest.raises(GitLabError, match=r"GitLab rate limit reached \(list merge requests\): retry later"):
        gitlab.open_pull("feature", "main")
