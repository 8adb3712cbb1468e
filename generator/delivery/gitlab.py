"""The only module that talks to the GitLab REST API (v4): merge requests, labels, notes, approvals.

Plain `requests` against the documented endpoints, on gitlab.com or a self-managed server (the
API URL from `--gitlab-api-url` or `GITLAB_API_URL`, else `CI_API_V4_URL` or `CI_SERVER_URL` +
`/api/v4`, which GitLab CI sets). The project is addressed by its URL-encoded path
(`group/sub/name`), the path of the push remote. The token comes from the environment, never
from the command line: `GITLAB_TOKEN` (a project, group or personal access token with the `api`
scope, sent as `PRIVATE-TOKEN`), else `CI_JOB_TOKEN` (sent as `JOB-TOKEN`; GitLab lets job tokens
call only a few endpoints, so merge requests usually need `GITLAB_TOKEN`). It is never printed:
every failure becomes a one-line `GitLabError` saying what to do, with the token scrubbed from
anything the server echoed back.

The create endpoint has no draft field: a draft is a title starting with `Draft: `, which GitLab
reads as one and which updates keep (a merge request someone marked ready stays ready).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from generator import __version__
from generator.delivery.provider import Approval, PullRequest
from generator.errors import GitLabError, redact, shorten

DEFAULT_API_URL = "https://gitlab.com/api/v4"
API_PATH = "/api/v4"
TOKEN_VARIABLES = (("GITLAB_TOKEN", "PRIVATE-TOKEN"), ("CI_JOB_TOKEN", "JOB-TOKEN"))
JOB_HEADER = "JOB-TOKEN"
PROJECT = re.compile(r"^(?:\d+|[\w.][\w.-]*(?:/[\w.][\w.-]*)+)$")
DRAFT_PREFIX = "Draft: "
DRAFT_MARKER = re.compile(r"^\s*(?:\[draft\]|\(draft\)|draft:|\[wip\]|wip:)\s*", re.IGNORECASE)
RETRIED_STATUSES = (502, 503, 504)
# Reads (GET) are retried on connection errors, timeouts and 502/503/504 with backoff; writes are
# sent once (a retried POST could open a second merge request).
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
ACCESS_HINT = "set GITLAB_TOKEN to a project access token with the api scope and the Developer role"


def api_url_from(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The API URL set for this run (option, GitLab CI's variables), or None when nothing names one."""
    if explicit:
        return explicit.rstrip("/")
    if environ.get("CI_API_V4_URL"):
        return environ["CI_API_V4_URL"].rstrip("/")
    if environ.get("CI_SERVER_URL"):
        return environ["CI_SERVER_URL"].rstrip("/") + API_PATH
    return None


class GitLab:
    """A client for one project (`group/name` or its numeric id) and a token with the api scope."""

    name = "GitLab"
    noun = "merge request"
    sign = "!"

    def __init__(
        self,
        project: str,
        token: str,
        api_url: str = DEFAULT_API_URL,
        auth_header: str = "PRIVATE-TOKEN",
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        project = project.strip("/")
        if not PROJECT.match(project):
            raise GitLabError(
                f"{project!r} is not a GitLab project", "use the form GROUP/NAME (subgroups allowed)"
            )
        if not token.strip():
            raise GitLabError("the GitLab token is empty", "set GITLAB_TOKEN")
        self.project = project
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._token = token.strip()
        self._job_token = auth_header == JOB_HEADER
        self._drafts: dict[int, bool] = {}
        self._session = session or requests.Session()
        self._session.mount("https://", HTTPAdapter(max_retries=RETRY))
        self._session.mount("http://", HTTPAdapter(max_retries=RETRY))
        self._session.headers.update(
            {
                "Accept": "application/json",
                auth_header: self._token,
                "User-Agent": f"model-gitops/{__version__}",
            }
        )

    @classmethod
    def from_environment(
        cls,
        project: str | None,
        api_url: str | None,
        environ: Mapping[str, str] = os.environ,
        purpose: str = "pull-request delivery",
    ) -> GitLab:
        """A client from settings, with the token (and API URL) from the environment."""
        found = next(
            ((environ[v], header) for v, header in TOKEN_VARIABLES if environ.get(v, "").strip()), None
        )
        if found is None:
            raise GitLabError(f"{purpose} needs a GitLab token", ACCESS_HINT)
        if not project:
            raise GitLabError(
                f"{purpose} needs the GitLab project",
                "push to the project's own URL (https://HOST/GROUP/NAME.git or git@HOST:GROUP/NAME.git)",
            )
        token, header = found
        return cls(project, token, api_url_from(api_url, environ) or DEFAULT_API_URL, header)

    # -- merge requests --------------------------------------------------------------------------

    def open_pull(self, branch: str, base: str) -> PullRequest | None:
        """The open merge request from `branch` (in this project, not a fork) into `base`, if any."""
        params = {"state": "opened", "source_branch": branch, "target_branch": base, "per_page": "100"}
        found = self._call("GET", self._project("merge_requests"), "list merge requests", params=params)
        own = [
            self._merge_request(m)
            for m in found
            if m.get("source_branch") == branch and m.get("source_project_id") == m.get("target_project_id")
        ]
        return min(own, key=lambda m: m.number) if own else None

    def create_pull(self, title: str, body: str, branch: str, base: str, draft: bool = False) -> PullRequest:
        payload = {
            "source_branch": branch,
            "target_branch": base,
            "title": DRAFT_PREFIX + title if draft else title,
            "description": body,
        }
        created = self._call("POST", self._project("merge_requests"), "open a merge request", json=payload)
        return self._merge_request(created)

    def update_pull(
        self, number: int, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> PullRequest:
        payload: dict[str, Any] = {}
        if title is not None:
            payload["title"] = DRAFT_PREFIX + title if self._is_draft(number) else title
        if body is not None:
            payload["description"] = body
        if state is not None:
            payload["state_event"] = "close" if state == "closed" else "reopen"
        path = self._project(f"merge_requests/{number}")
        return self._merge_request(self._call("PUT", path, f"update merge request !{number}", json=payload))

    def close_pull(self, number: int, comment: str | None = None) -> PullRequest:
        if comment:
            self.comment(number, comment)
        return self.update_pull(number, state="closed")

    def comment(self, number: int, body: str) -> None:
        path = self._project(f"merge_requests/{number}/notes")
        self._call("POST", path, f"comment on merge request !{number}", json={"body": body})

    def add_labels(self, number: int, labels: list[str]) -> tuple[str, ...]:
        if any("," in label for label in labels):
            raise GitLabError("GitLab label names cannot hold a comma", f"rename the labels {labels}")
        path = self._project(f"merge_requests/{number}")
        payload = {"add_labels": ",".join(labels)}
        return self._merge_request(
            self._call("PUT", path, f"label merge request !{number}", json=payload)
        ).labels

    def request_reviewers(self, number: int, reviewers: list[str], teams: list[str]) -> None:
        """Ask users (by username) to review; GitLab has no team reviewers, so teams are reported."""
        ids = {name: self._user_id(name) for name in reviewers}
        known = [user for user in ids.values() if user is not None]
        if known:
            path = self._project(f"merge_requests/{number}")
            self._call(
                "PUT", path, f"request reviewers on merge request !{number}", json={"reviewer_ids": known}
            )
        unknown = sorted(name for name, user in ids.items() if user is None)
        if unknown or teams:
            missing = f"no GitLab user {', '.join(unknown)}" if unknown else ""
            ignored = f"GitLab has no team reviewers ({', '.join(teams)} not asked)" if teams else ""
            raise GitLabError(
                f"merge request !{number}: {'; '.join(p for p in (missing, ignored) if p)}",
                "list GitLab usernames in delivery.reviewers",
            )

    def approval(self, url: str) -> Approval | None:
        """The outcome of merge request `url` of this project (None while open, or not ours): merged
        or not, the commit that landed, who merged it, and who approved it (the approvals API)."""
        match = re.search(rf"/{re.escape(self.project)}/(?:-/)?merge_requests/(\d+)/?$", url, re.IGNORECASE)
        if match is None:
            return None
        number = int(match.group(1))
        data = self._call("GET", self._project(f"merge_requests/{number}"), f"read merge request !{number}")
        state = data.get("state")
        if state not in ("merged", "closed"):
            return None
        if state == "closed":
            return Approval(url, merged=False)
        path, what = (
            self._project(f"merge_requests/{number}/approvals"),
            f"read the approvals of merge request !{number}",
        )
        approved = self._call("GET", path, what).get("approved_by") or []
        return Approval(
            url,
            merged=True,
            # a fast-forward merge has no merge commit: the head itself landed
            merge_commit=str(
                data.get("merge_commit_sha") or data.get("squash_commit_sha") or data.get("sha") or ""
            ),
            approvers=tuple(sorted({_username(a.get("user")) for a in approved if _username(a.get("user"))})),
            merged_by=_username(data.get("merge_user") or data.get("merged_by")),
            merged_at=str(data.get("merged_at") or ""),
        )

    # -- plumbing ----------------------------------------------------------------------------------

    def _user_id(self, username: str) -> int | None:
        found = self._call("GET", "/users", f"look up the user {username!r}", params={"username": username})
        return next(
            (int(u["id"]) for u in found if str(u.get("username", "")).lower() == username.lower()), None
        )

    def _is_draft(self, number: int) -> bool:
        if number not in self._drafts:
            self._merge_request(
                self._call("GET", self._project(f"merge_requests/{number}"), f"read merge request !{number}")
            )
        return self._drafts[number]

    def _merge_request(self, data: Mapping[str, Any]) -> PullRequest:
        """A `PullRequest` from GitLab's merge-request JSON (a draft's title without its marker)."""
        number = int(data["iid"])
        draft = bool(data.get("draft") or data.get("work_in_progress"))
        self._drafts[number] = draft
        title = str(data.get("title") or "")
        state = str(data.get("state") or "")
        return PullRequest(
            number=number,
            url=str(data.get("web_url") or ""),
            state="open" if state in ("opened", "locked") else state,
            title=DRAFT_MARKER.sub("", title, count=1) if draft else title,
            body=str(data.get("description") or ""),
            head=str(data.get("source_branch") or ""),
            base=str(data.get("target_branch") or ""),
            labels=tuple(sorted(_label(label) for label in data.get("labels") or [])),
            draft=draft,
        )

    def _project(self, tail: str) -> str:
        return f"/projects/{quote(self.project, safe='')}/{tail}"

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """One API call through the session's retry policy (`RETRY`), its failure translated."""
        try:
            response = self._session.request(
                method, self.api_url + path, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            if isinstance(exc, requests.Timeout) or "timed out" in str(exc):  # retried reads end here too
                raise GitLabError(f"GitLab at {self.api_url} did not answer in time", "retry later") from None
            raise GitLabError(
                f"could not reach GitLab at {self.api_url} ({self._scrub(type(exc).__name__)})",
                "check --gitlab-api-url / GITLAB_API_URL and the network",
            ) from None
        if response.status_code < 300:
            try:
                return response.json() if response.content else None
            except ValueError:
                raise GitLabError(f"GitLab answered '{what}' with something that is not JSON") from None
        raise GitLabError(*self._explain(response, what))

    def _explain(self, response: requests.Response, what: str) -> tuple[str, str]:
        status = response.status_code
        detail = self._scrub(_message(response))
        where = f"{self.project} at {self.api_url}"
        if status in (401, 403) and self._job_token:
            return (
                f"GitLab refused the CI/CD job token ({what}; HTTP {status})",
                f"job tokens cannot manage merge requests: {ACCESS_HINT}",
            )
        if status == 401:
            return f"GitLab rejected the token ({what})", "check GITLAB_TOKEN: expired, revoked or mistyped?"
        if status == 429 or response.headers.get("RateLimit-Remaining") == "0":
            return f"GitLab rate limit reached ({what})", "retry later; the next scheduled run will"
        if status == 403:
            return f"GitLab refused to {what} in {where}: {detail}", ACCESS_HINT
        if status == 404:
            return (
                f"GitLab could not {what}: {where} not found",
                "check the remote's project path, --gitlab-api-url / GITLAB_API_URL, and that the token "
                "can see it",
            )
        if status in (400, 409, 422):
            return f"GitLab could not {what}: {detail}", "check the branch names and merge-request settings"
        if status >= 500:
            return f"GitLab failed to {what} (HTTP {status})", "retry later"
        return f"GitLab could not {what} (HTTP {status}): {detail}", "check the request and the token"

    def _scrub(self, text: str) -> str:
        return redact(text.replace(self._token, "***")) if self._token else redact(text)


def _username(user: Any) -> str:
    return str(user.get("username") or "") if isinstance(user, dict) else ""


def _label(label: Any) -> str:
    """A label name (plain, or `with_labels_details`' object)."""
    return str(label.get("name") or "") if isinstance(label, dict) else str(label)


def _message(response: requests.Response) -> str:
    """The documented error body on one short line: `message` (a string, a list, or field -> errors)
    and OAuth's `error` / `error_description`."""
    try:
        data = response.json()
    except ValueError:
        return shorten(" ".join(response.text.split()), 200)
    if isinstance(data, dict):
        parts = [_flatten(data.get(key)) for key in ("message", "error", "error_description")]
    else:
        parts = [_flatten(data)]
    return shorten(" ".join("; ".join(p for p in parts if p).split()), 300)


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key} {_flatten(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(_flatten(item) for item in value)
    return "" if value is None else str(value)
