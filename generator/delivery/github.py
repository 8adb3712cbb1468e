"""The only module that talks to the GitHub REST API: pull requests, labels, comments, reviews, dispatches.

Plain `requests` against the documented endpoints, on api.github.com or a GitHub Enterprise
server (`https://HOST/api/v3`, from `--github-api-url` or `GITHUB_API_URL`, which Actions sets).
The token comes from the environment (`GITHUB_TOKEN`, else `GH_TOKEN`), never from the command
line, and is never printed: every failure becomes a one-line `GitHubError` saying what to do,
with the token scrubbed from anything the server echoed back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from generator import __version__
from generator.delivery.provider import Approval, PullRequest, approvers
from generator.errors import GitHubError, redact, shorten

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
RETRIED_STATUSES = (502, 503, 504)
REVIEW_PAGES = 10  # 1,000 reviews of one pull request at most
# One retry policy for every call: reads (GET) are retried on connection errors, timeouts and
# 502/503/504 with backoff; writes are sent once (a retried POST could open a second pull request).
RETRY = Retry(
    total=2,
    connect=2,
    read=2,
    status=2,
    other=0,
    allowed_methods=frozenset({"GET"}),
    status_forcelist=RETRIED_STATUSES,
    backoff_factor=0.5,
    raise_on_status=False,
    respect_retry_after_header=False,
)


class GitHub:
    """A client for one repository; `owner/name` and a token with contents + pull-requests write."""

    name = "GitHub"
    noun = "pull request"
    sign = "#"

    def __init__(
        self,
        repository: str,
        token: str,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if not REPOSITORY.match(repository):
            raise GitHubError(f"{repository!r} is not a GitHub repository", "use the form OWNER/NAME")
        if not token.strip():
            raise GitHubError("the GitHub token is empty", "set GITHUB_TOKEN")
        self.repository = repository
        self.owner = repository.split("/", 1)[0]
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._token = token.strip()
        self._session = session or requests.Session()
        self._session.mount("https://", HTTPAdapter(max_retries=RETRY))
        self._session.mount("http://", HTTPAdapter(max_retries=RETRY))
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self._token}",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"model-gitops/{__version__}",
            }
        )

    @classmethod
    def from_environment(
        cls,
        repository: str | None,
        api_url: str | None,
        environ: Mapping[str, str] = os.environ,
        purpose: str = "pull-request delivery",
    ) -> GitHub:
        """A client from settings, falling back to the variables GitHub Actions sets."""
        token = next((environ[v] for v in TOKEN_VARIABLES if environ.get(v, "").strip()), None)
        if token is None:
            raise GitHubError(
                f"{purpose} needs a GitHub token",
                "set GITHUB_TOKEN (contents: write, pull-requests: write)",
            )
        repository = repository or environ.get("GITHUB_REPOSITORY")
        if not repository:
            raise GitHubError(
                f"{purpose} needs the GitHub repository",
                "pass --github-repository OWNER/NAME or set GITHUB_REPOSITORY",
            )
        return cls(repository, token, api_url or environ.get("GITHUB_API_URL") or DEFAULT_API_URL)

    def open_pull(self, branch: str, base: str) -> PullRequest | None:
        """The open pull request from `branch` (in this repository) into `base`, if any."""
        params = {"state": "open", "head": f"{self.owner}:{branch}", "base": base, "per_page": "100"}
        found = self._call("GET", self._repo("pulls"), "list pull requests", params=params)
        pulls = [pull_request(p) for p in found if p["head"]["ref"] == branch]
        return min(pulls, key=lambda p: p.number) if pulls else None

    def create_pull(self, title: str, body: str, branch: str, base: str, draft: bool = False) -> PullRequest:
        payload = {"title": title, "body": body, "head": branch, "base": base, "draft": draft}
        created = self._call("POST", self._repo("pulls"), "open a pull request", json=payload)
        return pull_request(created)

    def update_pull(
        self, number: int, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> PullRequest:
        payload = {k: v for k, v in {"title": title, "body": body, "state": state}.items() if v is not None}
        what = f"update pull request #{number}"
        return pull_request(self._call("PATCH", self._repo(f"pulls/{number}"), what, json=payload))

    def close_pull(self, number: int, comment: str | None = None) -> PullRequest:
        if comment:
            self.comment(number, comment)
        return self.update_pull(number, state="closed")

    def comment(self, number: int, body: str) -> None:
        path = self._repo(f"issues/{number}/comments")
        self._call("POST", path, f"comment on pull request #{number}", json={"body": body})

    def add_labels(self, number: int, labels: list[str]) -> tuple[str, ...]:
        path = self._repo(f"issues/{number}/labels")
        found = self._call("POST", path, f"label pull request #{number}", json={"labels": labels})
        return tuple(sorted(str(label["name"]) for label in found))

    def dispatch(self, event_type: str, client_payload: Mapping[str, Any]) -> None:
        """Send a `repository_dispatch` event (workflows with `on: repository_dispatch` run); 204."""
        if not 0 < len(event_type) <= 100 or len(client_payload) > 10:
            raise GitHubError("repository_dispatch takes a 1-100 character event type and 10 keys at most")
        payload = {"event_type": event_type, "client_payload": dict(client_payload)}
        self._call("POST", self._repo("dispatches"), f"send repository_dispatch {event_type!r}", json=payload)

    def request_reviewers(self, number: int, reviewers: list[str], teams: list[str]) -> None:
        path = self._repo(f"pulls/{number}/requested_reviewers")
        payload = {"reviewers": reviewers, "team_reviewers": teams}
        self._call("POST", path, f"request reviewers on pull request #{number}", json=payload)

    def approval(self, url: str) -> Approval | None:
        """The outcome of pull request `url` of this repository (None while open, or not ours):
        merged or not, the merge commit, who merged it, and who approved it (each reviewer's latest
        verdict, from the reviews API)."""
        match = re.search(rf"/{re.escape(self.repository)}/pull/(\d+)/?$", url, re.IGNORECASE)
        if match is None:
            return None
        number = int(match.group(1))
        data = self._call("GET", self._repo(f"pulls/{number}"), f"read pull request #{number}")
        if data.get("state") == "open":
            return None
        if not (data.get("merged") or data.get("merged_at")):
            return Approval(url, merged=False)
        return Approval(
            url,
            merged=True,
            merge_commit=str(data.get("merge_commit_sha") or ""),
            approvers=approvers(self._reviews(number)),
            merged_by=_login(data.get("merged_by")),
            merged_at=str(data.get("merged_at") or ""),
        )

    def _reviews(self, number: int) -> list[tuple[str, str]]:
        """(login, state) of every review of pull request `number`, oldest first (paged)."""
        path, what = self._repo(f"pulls/{number}/reviews"), f"read the reviews of pull request #{number}"
        reviews: list[tuple[str, str]] = []
        for page in range(1, REVIEW_PAGES + 1):
            found = self._call("GET", path, what, params={"per_page": "100", "page": str(page)})
            reviews += [(_login(review.get("user")), str(review.get("state") or "")) for review in found]
            if len(found) < 100:
                break
        return reviews

    def _repo(self, tail: str) -> str:
        return f"/repos/{self.repository}/{tail}"

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """One API call through the session's retry policy (`RETRY`), its failure translated."""
        try:
            response = self._session.request(
                method, self.api_url + path, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            if isinstance(exc, requests.Timeout) or "timed out" in str(exc):  # retried reads end here too
                raise GitHubError(f"GitHub at {self.api_url} did not answer in time", "retry later") from None
            raise self._unreachable(exc) from None
        return self._result(response, what)

    def _unreachable(self, exc: Exception) -> GitHubError:
        return GitHubError(
            f"could not reach GitHub at {self.api_url} ({self._scrub(type(exc).__name__)})",
            "check --github-api-url / GITHUB_API_URL and the network",
        )

    def _result(self, response: requests.Response, what: str) -> Any:
        if response.status_code < 300:
            try:
                return response.json() if response.content else None
            except ValueError:
                raise GitHubError(f"GitHub answered '{what}' with something that is not JSON") from None
        raise GitHubError(*self._explain(response, what))

    def _explain(self, response: requests.Response, what: str) -> tuple[str, str]:
        status = response.status_code
        detail = self._scrub(_message(response))
        where = f"{self.repository} at {self.api_url}"
        if status == 401:
            return f"GitHub rejected the token ({what})", "check GITHUB_TOKEN: expired, revoked or mistyped?"
        if status in (403, 429) and (
            response.headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in detail.lower()
        ):
            return f"GitHub rate limit reached ({what})", "retry later; the next scheduled run will"
        if status == 403:
            return (
                f"GitHub refused to {what} in {where}: {detail}",
                "the token needs contents: write and pull-requests: write",
            )
        if status == 404:
            return (
                f"GitHub could not {what}: {where} not found",
                "check GITHUB_REPOSITORY (OWNER/NAME), the API URL, and that the token can see it",
            )
        if status == 422:
            return f"GitHub could not {what}: {detail}", "check the branch names and pull-request settings"
        if status >= 500:
            return f"GitHub failed to {what} (HTTP {status})", "retry later"
        return f"GitHub could not {what} (HTTP {status}): {detail}", "check the request and the token"

    def _scrub(self, text: str) -> str:
        return redact(text.replace(self._token, "***")) if self._token else redact(text)


def pull_request(data: Mapping[str, Any]) -> PullRequest:
    """A `PullRequest` from GitHub's pull-request JSON."""
    return PullRequest(
        number=int(data["number"]),
        url=str(data.get("html_url") or ""),
        state=str(data.get("state") or ""),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        head=str(data["head"]["ref"]),
        base=str(data["base"]["ref"]),
        labels=tuple(sorted(str(label["name"]) for label in data.get("labels") or [])),
        draft=bool(data.get("draft")),
    )


def _login(user: Any) -> str:
    return str(user.get("login") or "") if isinstance(user, dict) else ""


def _message(response: requests.Response) -> str:
    """The documented error body (`message` plus `errors[].message`) on one short line."""
    try:
        data = response.json()
    except ValueError:
        return shorten(" ".join(response.text.split()), 200)
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or "")]
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            parts.append(str(error.get("message") or error.get("code") or ""))
        else:
            parts.append(str(error))
    return shorten(" ".join("; ".join(p for p in parts if p).split()), 300)
