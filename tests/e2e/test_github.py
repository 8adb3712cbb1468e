"""The GitHub client against the local stand-in of the documented REST API (tests/support/fake_github.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from generator.delivery.github import GitHub
from generator.delivery.provider import Approval
from generator.errors import GitHubError
from tests.support.fake_github import FakeGitHub
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

TOKEN = "ghs_clientTestToken42"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub("acme/gitops", TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def client(fake: FakeGitHub, token: str = TOKEN, repository: str = "acme/gitops") -> GitHub:
    return GitHub(repository, token, fake.url)


def test_pull_request_lifecycle_uses_the_documented_requests(fake: FakeGitHub) -> None:
    github = client(fake)
    assert github.open_pull("model-gitops/prod", "main") is None
    pull = github.create_pull("deploy(prod): m 1 -> 2", "body", "model-gitops/prod", "main", draft=True)
    assert (pull.number, pull.head, pull.base, pull.state, pull.draft) == (
        1,
        "model-gitops/prod",
        "main",
        "open",
        True,
    )
    assert github.open_pull("model-gitops/prod", "main") == pull
    assert github.open_pull("model-gitops/prod", "release") is None
    assert github.add_labels(1, ["deploy", "prod"]) == ("deploy", "prod")
    github.request_reviewers(1, ["alice"], ["ml-leads"])
    updated = github.update_pull(1, title="deploy(prod): m 1 -> 3", body="new body")
    assert (updated.title, updated.body, updated.labels) == (
        "deploy(prod): m 1 -> 3",
        "new body",
        ("deploy", "prod"),
    )
    closed = github.close_pull(1, "withdrawn")
    assert closed.state == "closed" and fake.comments[1] == ["withdrawn"]
    assert github.open_pull("model-gitops/prod", "main") is None

    assert fake.problems == []
    listing = fake.calls("GET", "/repos/acme/gitops/pulls")[0]
    assert listing.query == {
        "state": "open",
        "head": "acme:model-gitops/prod",
        "base": "main",
        "per_page": "100",
    }
    create = fake.calls("POST", "/repos/acme/gitops/pulls")[0]
    assert create.body == {
        "title": "deploy(prod): m 1 -> 2",
        "body": "body",
        "head": "model-gitops/prod",
        "base": "main",
        "draft": True,
    }
    assert create.headers["x-github-api-version"] == "2022-11-28"
    assert create.headers["accept"] == "application/vnd.github+json"
    assert fake.calls("PATCH", "/repos/acme/gitops/pulls/1")[-1].body == {"state": "closed"}


def test_repository_dispatch(fake: FakeGitHub) -> None:
    client(fake).dispatch("mlflow-registry-event", {"model": "fraud", "events": ["alias_set"]})
    assert fake.dispatches == [
        {"event_type": "mlflow-registry-event", "client_payload": {"model": "fraud", "events": ["alias_set"]}}
    ]
    with pytest.raises(GitHubError, match="10 keys at most"):
        client(fake).dispatch("x", {str(n): n for n in range(11)})
    assert fake.problems == []


def test_a_second_pull_request_for_the_same_branch_is_refused_with_githubs_message(fake: FakeGitHub) -> None:
    github = client(fake)
    github.create_pull("t", "b", "model-gitops/prod", "main")
    with pytest.raises(GitHubError) as raised:
        github.create_pull("t", "b", "model-gitops/prod", "main")
    assert "A pull request already exists for acme:model-gitops/prod." in raised.value.one_line()


@pytest.mark.parametrize(
    ("token", "repository", "expected"),
    [
        (
            "ghp_wrong_secret_value",
            "acme/gitops",
            "GitHub rejected the token (list pull requests): check GITHUB_TOKEN",
        ),
        (TOKEN, "acme/other", "GitHub could not list pull requests: acme/other at "),
    ],
)
def test_failures_are_one_line_with_a_hint_and_no_token(
    fake: FakeGitHub, token: str, repository: str, expected: str
) -> None:
    with pytest.raises(GitHubError) as raised:
        client(fake, token, repository).open_pull("b", "main")
    text = raised.value.one_line()
    assert text.startswith(expected) and "\n" not in text
    assert token not in text and TOKEN not in text


def test_token_echoed_by_the_server_is_scrubbed(fake: FakeGitHub) -> None:
    github = client(fake)
    branch = f"leak-{TOKEN}"  # GitHub's "already exists" message repeats the branch name
    github.create_pull("t", "b", branch, "main")
    with pytest.raises(GitHubError) as raised:
        github.create_pull("t", "b", branch, "main")
    assert "A pull request already exists for acme:leak-***." in raised.value.one_line()
    assert TOKEN not in raised.value.one_line()


def test_unreachable_github_and_missing_configuration() -> None:
    port = free_port()
    with pytest.raises(GitHubError, match=rf"could not reach GitHub at http://127.0.0.1:{port}/api/v3"):
        GitHub("acme/gitops", TOKEN, f"http://127.0.0.1:{port}/api/v3", timeout=2).open_pull("b", "main")
    with pytest.raises(GitHubError, match="needs a GitHub token: set GITHUB_TOKEN"):
        GitHub.from_environment("acme/gitops", None, {})
    with pytest.raises(GitHubError, match="needs the GitHub repository: pass --github-repository"):
        GitHub.from_environment(None, None, {"GITHUB_TOKEN": TOKEN})
    with pytest.raises(GitHubError, match="is not a GitHub repository"):
        GitHub("not a repo", TOKEN)
    found = GitHub.from_environment(
        None,
        None,
        {"GH_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/x", "GITHUB_API_URL": "https://ghe.example/api/v3/"},
    )
    assert (found.repository, found.api_url) == ("acme/x", "https://ghe.example/api/v3")


def test_reads_are_retried_through_outages_and_writes_are_sent_once(fake: FakeGitHub) -> None:
    github = client(fake)
    fake.outages = [503, 502]
    assert github.open_pull("feature", "main") is None
    assert len(fake.calls("GET", r"/repos/acme/gitops/pulls")) == 3
    fake.outages = [503]
    with pytest.raises(GitHubError, match=r"GitHub failed to open a pull request \(HTTP 503\)"):
        github.create_pull("t", "b", "feature", "main")
    assert len(fake.calls("POST", r"/repos/acme/gitops/pulls")) == 1
    fake.outages = [503, 503, 503]
    with pytest.raises(GitHubError, match=r"HTTP 503"):
        github.open_pull("feature", "main")
    assert len(fake.calls("GET", r"/repos/acme/gitops/pulls")) == 6


def test_approval_of_a_merged_pull_request_counts_each_reviewers_latest_verdict(fake: FakeGitHub) -> None:
    github = client(fake)
    pull = github.create_pull("t", "b", "feature", "main")
    assert github.approval(pull.url) is None, "still open"
    for login, state in [
        ("alice", "APPROVED"),
        ("bob", "APPROVED"),
        ("bob", "CHANGES_REQUESTED"),  # bob changed his mind
        ("carol", "CHANGES_REQUESTED"),
        ("carol", "APPROVED"),
        ("alice", "COMMENTED"),  # a comment keeps alice's approval
        ("dave", "COMMENTED"),
    ]:
        fake.review(1, login, state)
    fake.reviews[1] += [fake.reviews[1][0]] * 100  # a second page of reviews
    fake.merge(1, "f" * 40, by="erin")
    found = github.approval(pull.url)
    assert found == Approval(pull.url, True, "f" * 40, ("alice", "carol"), "erin", "2024-01-02T09:30:00Z")
    pages = fake.calls("GET", "/repos/acme/gitops/pulls/1/reviews")
    assert [call.query for call in pages[-2:]] == [
        {"per_page": "100", "page": "1"},
        {"per_page": "100", "page": "2"},
    ]
    second = github.create_pull("t", "b", "other", "main")
    github.close_pull(second.number)
    assert github.approval(second.url) == Approval(second.url, merged=False)
    assert github.approval("https://github.example/acme/other/pull/1") is None
    assert fake.problems == []
