"""Pull-request providers, registered by name and chosen per repository URL: GitHub or GitLab.

Like `targets.TARGETS`: each entry of `PROVIDERS` says whether a push remote is its host's
(`claims`) and builds the client (`connect`); a new code host is one module implementing
`provider.Provider` plus one entry here. The push remote decides: a remote on gitlab.com, or on
the host of the configured GitLab API (`--gitlab-api-url`, `GITLAB_API_URL`, `CI_API_V4_URL`,
`CI_SERVER_URL`), is GitLab, its project the remote's path; anything else is GitHub, the default,
configured as before (`--github-repository` / `GITHUB_REPOSITORY`, `GITHUB_TOKEN`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from generator.config.settings import DeliveryOptions
from generator.delivery import gitlab
from generator.delivery.github import GitHub
from generator.delivery.provider import Provider
from generator.errors import GitHubError, GitLabError, ModelGitopsError

GITLAB_COM = "gitlab.com"
WEB_SCHEMES = ("http", "https")
REMOTE_SCHEMES = (*WEB_SCHEMES, "ssh", "git", "git+ssh", "ssh+git")
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[A-Za-z0-9.-]{2,}):(?!/)(?P<path>[^\s]+)$")
# What a provider raises; pull-request delivery catches these (a second run opened it meanwhile).
PROVIDER_ERRORS: tuple[type[ModelGitopsError], ...] = (GitHubError, GitLabError)


@dataclass(frozen=True)
class Remote:
    """Where a Git remote lives: host (lowercase, no port) and repository path (no `.git`)."""

    host: str
    path: str
    web: bool = False  # an http(s) URL (its path may start with a server's relative root)


def parse_remote(url: str | None) -> Remote | None:
    """The host and path of a remote URL (https, ssh, `git@host:path`); None for local paths."""
    if not url:
        return None
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in REMOTE_SCHEMES or not parts.hostname:
            return None
        return Remote(
            parts.hostname.lower(), _repository_path(parts.path), parts.scheme.lower() in WEB_SCHEMES
        )
    scp = _SCP_LIKE.match(url)
    if scp is None:
        return None
    return Remote(scp.group("host").lower(), _repository_path(scp.group("path")))


def _repository_path(path: str) -> str:
    path = path.strip("/")
    return path[: -len(".git")] if path.endswith(".git") else path


@dataclass(frozen=True)
class ProviderKind:
    """One code host: whether a remote is on it, and how to build its client for a run."""

    name: str
    claims: Callable[[Remote | None, DeliveryOptions, Mapping[str, str]], bool]
    connect: Callable[[Remote | None, DeliveryOptions, Mapping[str, str]], Provider]


def _github_claims(remote: Remote | None, options: DeliveryOptions, environ: Mapping[str, str]) -> bool:
    return True


def _github_connect(remote: Remote | None, options: DeliveryOptions, environ: Mapping[str, str]) -> Provider:
    return GitHub.from_environment(options.github_repository, options.github_api_url, environ)


def _gitlab_api(remote: Remote | None, options: DeliveryOptions, environ: Mapping[str, str]) -> str | None:
    """The GitLab API serving `remote`: the configured one when it is on the remote's host."""
    configured = gitlab.api_url_from(options.gitlab_api_url, environ)
    if remote is None:
        return None
    if configured and (urlsplit(configured).hostname or "").lower() == remote.host:
        return configured
    return gitlab.DEFAULT_API_URL if remote.host == GITLAB_COM else None


def _gitlab_claims(remote: Remote | None, options: DeliveryOptions, environ: Mapping[str, str]) -> bool:
    return _gitlab_api(remote, options, environ) is not None


def _gitlab_connect(remote: Remote | None, options: DeliveryOptions, environ: Mapping[str, str]) -> Provider:
    api = _gitlab_api(remote, options, environ) or gitlab.DEFAULT_API_URL
    project = remote.path if remote else None
    root = urlsplit(api).path.removesuffix(gitlab.API_PATH).strip("/")  # a relative URL root
    if project and remote and remote.web and root and project.startswith(f"{root}/"):
        project = project[len(root) + 1 :]
    return gitlab.GitLab.from_environment(project, api, environ)


DEFAULT = "github"
PROVIDERS: dict[str, ProviderKind] = {
    "gitlab": ProviderKind("gitlab", _gitlab_claims, _gitlab_connect),
    "github": ProviderKind("github", _github_claims, _github_connect),
}


def choose(remote_url: str | None, options: DeliveryOptions, environ: Mapping[str, str] = os.environ) -> str:
    """The name of the provider of `remote_url`: the first other than the default that claims it."""
    remote = parse_remote(remote_url)
    claimed = (n for n, kind in PROVIDERS.items() if n != DEFAULT and kind.claims(remote, options, environ))
    return next(claimed, DEFAULT)


def connect(
    remote_url: str | None, options: DeliveryOptions, environ: Mapping[str, str] = os.environ
) -> Provider:
    """The client for the provider of `remote_url` (fails, before anything is written, without a token)."""
    kind = PROVIDERS[choose(remote_url, options, environ)]
    return kind.connect(parse_remote(remote_url), options, environ)
