"""Which code host a push remote is on (GitHub by default, GitLab for a GitLab remote), and its client."""

from __future__ import annotations

import pytest

from generator.config.settings import DeliveryOptions
from generator.delivery import providers
from generator.delivery.github import GitHub
from generator.delivery.gitlab import GitLab
from generator.delivery.provider import approvers
from generator.delivery.providers import Remote, choose, connect, parse_remote
from generator.errors import GitHubError, GitLabError

TOKENS = {"GITLAB_TOKEN": "glpat-unitTestToken", "GITHUB_TOKEN": "ghs_unitTestToken"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://gitlab.com/acme/ml/gitops.git", Remote("gitlab.com", "acme/ml/gitops", web=True)),
        (
            "https://oauth2:glpat-x@GitLab.example:8443/acme/gitops",
            Remote("gitlab.example", "acme/gitops", web=True),
        ),
        ("git@gitlab.com:acme/gitops.git", Remote("gitlab.com", "acme/gitops")),
        ("ssh://git@gitlab.example:2222/acme/gitops.git/", Remote("gitlab.example", "acme/gitops")),
        ("https://github.com/acme/gitops", Remote("github.com", "acme/gitops", web=True)),
        ("/srv/git/gitops.git", None),
        ("file:///srv/git/gitops.git", None),
        ("C:\\repos\\gitops", None),
        ("", None),
        (None, None),
    ],
)
def test_remote_urls_are_read_as_host_and_path(url: str | None, expected: Remote | None) -> None:
    assert parse_remote(url) == expected


@pytest.mark.parametrize(
    ("url", "options", "environ", "expected"),
    [
        ("git@gitlab.com:acme/gitops.git", DeliveryOptions(), {}, "gitlab"),
        ("https://gitlab.acme.io/ml/gitops.git", DeliveryOptions(), {}, "github"),  # no GitLab host named
        (
            "https://gitlab.acme.io/ml/gitops.git",
            DeliveryOptions(gitlab_api_url="https://gitlab.acme.io/api/v4"),
            {},
            "gitlab",
        ),
        (
            "git@gitlab.acme.io:ml/gitops.git",
            DeliveryOptions(),
            {"CI_SERVER_URL": "https://gitlab.acme.io"},
            "gitlab",
        ),
        (
            "https://gitlab.acme.io/ml/gitops.git",
            DeliveryOptions(),
            {"CI_API_V4_URL": "https://gitlab.acme.io/api/v4"},
            "gitlab",
        ),
        (
            "https://github.com/acme/gitops.git",
            DeliveryOptions(gitlab_api_url="https://gitlab.acme.io/api/v4"),
            {},
            "github",
        ),
        (
            "/srv/git/gitops.git",
            DeliveryOptions(gitlab_api_url="https://gitlab.acme.io/api/v4"),
            {},
            "github",
        ),
        (None, DeliveryOptions(), {"CI_SERVER_URL": "https://gitlab.acme.io"}, "github"),
    ],
)
def test_the_push_remote_chooses_the_provider(
    url: str | None, options: DeliveryOptions, environ: dict[str, str], expected: str
) -> None:
    assert choose(url, options, environ) == expected


def test_gitlab_client_from_the_remote_and_the_configured_api() -> None:
    on_com = connect("git@gitlab.com:acme/ml/gitops.git", DeliveryOptions(), TOKENS)
    assert isinstance(on_com, GitLab)
    assert (on_com.project, on_com.api_url) == ("acme/ml/gitops", "https://gitlab.com/api/v4")
    # a server under a relative URL root: the root is not part of the project path
    options = DeliveryOptions(gitlab_api_url="https://tools.example/gitlab/api/v4/")
    rooted = connect("https://tools.example/gitlab/acme/gitops.git", options, TOKENS)
    assert isinstance(rooted, GitLab)
    assert (rooted.project, rooted.api_url) == ("acme/gitops", "https://tools.example/gitlab/api/v4")
    # gitlab.com remote while GitLab CI names another server: gitlab.com's API serves it
    elsewhere = connect(
        "https://gitlab.com/acme/gitops", DeliveryOptions(), {**TOKENS, "CI_SERVER_URL": "https://x.io"}
    )
    assert isinstance(elsewhere, GitLab) and elsewhere.api_url == "https://gitlab.com/api/v4"


def test_github_stays_the_default_configured_as_before() -> None:
    options = DeliveryOptions(github_repository="acme/gitops", github_api_url="https://ghe.example/api/v3")
    found = connect("/srv/git/gitops.git", options, TOKENS)
    assert isinstance(found, GitHub) and (found.repository, found.api_url) == (
        "acme/gitops",
        "https://ghe.example/api/v3",
    )
    with pytest.raises(GitHubError, match="needs a GitHub token"):
        connect("https://github.com/acme/gitops", options, {})
    with pytest.raises(GitLabError, match="needs a GitLab token: set GITLAB_TOKEN"):
        connect("https://gitlab.com/acme/gitops", options, {})


def test_every_registered_provider_has_a_name_and_the_default_exists() -> None:
    assert providers.DEFAULT in providers.PROVIDERS
    assert all(kind.name == name for name, kind in providers.PROVIDERS.items())


def test_approvers_are_each_reviewers_latest_verdict() -> None:
    reviews = [
        ("alice", "APPROVED"),
        ("bob", "APPROVED"),
        ("bob", "DISMISSED"),
        ("carol", "CHANGES_REQUESTED"),
        ("carol", "APPROVED"),
        ("alice", "COMMENTED"),
        ("dave", "PENDING"),
        ("", "APPROVED"),  # a deleted account
    ]
    assert approvers(reviews) == ("alice", "carol")
    assert approvers([]) == ()
