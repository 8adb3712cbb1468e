"""A stand-in for the GitLab REST API (v4) on 127.0.0.1: the merge-request endpoints model-gitops uses.

GitLab is not reachable from the tests, so this server implements the documented endpoints
(https://docs.gitlab.com/api/merge_requests/: list, create, get, update with `state_event` and
`add_labels`; /api/notes/#create-new-merge-request-note; /api/merge_request_approvals/ `approved_by`;
/api/users/ `?username=`) with their documented request and response JSON shapes, under `/api/v4`.
The project is addressed by its numeric id or its URL-encoded path (`acme%2Fgitops`). Every
request is checked the way GitLab does (`PRIVATE-TOKEN`, `Authorization: Bearer` or `JOB-TOKEN`;
job tokens cannot use the merge-request API; required attributes; a source branch that exists in
the real bare Git repository; one open merge request per source and target branch), and requests
and problems are recorded so tests can assert on them.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "/api/v4"
PROJECT_ID = 42
DRAFT = re.compile(r"^\s*(?:\[draft\]|\(draft\)|draft:|\[wip\]|wip:)", re.IGNORECASE)
UPDATABLE = {
    "title",
    "description",
    "state_event",
    "labels",
    "add_labels",
    "remove_labels",
    "reviewer_ids",
    "assignee_ids",
    "target_branch",
    "remove_source_branch",
    "squash",
    "discussion_locked",
}
NOW = "2024-01-01T00:00:00.000Z"


@dataclass
class Recorded:
    method: str
    path: str  # decoded: /projects/acme/gitops/merge_requests
    raw_path: str  # as sent: /projects/acme%2Fgitops/merge_requests
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitLab:
    """State of the fake: merge requests, notes, approvals, users, and every request seen."""

    project: str
    token: str
    job_token: str = ""
    git_remote: Path | None = None
    merge_requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[str]] = field(default_factory=dict)
    approvals: dict[int, list[str]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=lambda: {"model-gitops-bot": 7})
    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outages: list[int] = field(default_factory=list)  # statuses answered next, one per request
    url: str = ""
    server_url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeGitLab:
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = self.server_url + PREFIX
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def opened(self) -> list[dict[str, Any]]:
        return [m for m in self.merge_requests.values() if m["state"] == "opened"]

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def branch_sha(self, branch: str) -> str | None:
        if self.git_remote is None:
            return "0" * 40
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
            cwd=self.git_remote,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def approve(self, iid: int, username: str) -> None:
        """What `POST .../merge_requests/:iid/approve` by `username` records."""
        self.users.setdefault(username, 100 + len(self.users))
        self.approvals.setdefault(iid, []).append(username)

    def merge(self, iid: int, by: str, merge_commit: str | None = None) -> None:
        """What accepting a merge request records; `merge_commit` None is a fast-forward merge."""
        self.users.setdefault(by, 100 + len(self.users))
        self.merge_requests[iid].update(
            state="merged",
            merge_commit_sha=merge_commit,
            merged_at="2024-01-02T09:30:00.000Z",
            merged_by=self._user(by),
            merge_user=self._user(by),
            detailed_merge_status="not_open",
        )

    # -- the endpoints ---------------------------------------------------------------------------

    def handle(self, method: str, tail: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if self.outages:
            return self.outages.pop(0), {"message": "503 Service Unavailable"}
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"/merge_requests", self._list),
            ("POST", r"/merge_requests", self._create),
            ("GET", r"/merge_requests/(\d+)", self._get),
            ("PUT", r"/merge_requests/(\d+)", self._update),
            ("POST", r"/merge_requests/(\d+)/notes", self._note),
            ("GET", r"/merge_requests/(\d+)/approvals", self._approvals),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, tail)
            if match and verb == method:
                return handler(query, body, *match.groups())
        return 404, {"message": "404 Not Found"}

    def _list(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        state = query.get("state", "all")
        if state not in ("opened", "closed", "locked", "merged", "all"):
            self.problems.append(f"list with state {state!r}")
            return 400, {"error": "state does not have a valid value"}
        found = [m for m in self.merge_requests.values() if state == "all" or m["state"] == state]
        for key in ("source_branch", "target_branch"):
            if key in query:
                found = [m for m in found if m[key] == query[key]]
        per_page = int(query.get("per_page", "20"))
        return 200, sorted(found, key=lambda m: -m["iid"])[:per_page]

    def _create(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        missing = [k for k in ("source_branch", "target_branch", "title") if not isinstance(body.get(k), str)]
        if missing:
            self.problems.append(f"create merge request without {missing}")
            return 400, {"error": f"{', '.join(missing)} is missing"}
        if not body["title"].strip():
            return 400, {"message": {"title": ["can't be blank"]}}
        if "draft" in body:
            self.problems.append("create merge request with `draft` (not an attribute: use a Draft: title)")
        sha = self.branch_sha(body["source_branch"])
        if sha is None:
            self.problems.append(f"merge request for branch {body['source_branch']!r} that is not pushed")
            return 422, {"message": ["Source branch does not exist"]}
        for other in self.opened():
            if (other["source_branch"], other["target_branch"]) == (
                body["source_branch"],
                body["target_branch"],
            ):
                message = f"Another open merge request already exists for this source branch: !{other['iid']}"
                return 409, {"message": [message]}
        iid = len(self.merge_requests) + 1
        self.merge_requests[iid] = self._merge_request(iid, body, sha)
        return 201, self.merge_requests[iid]

    def _get(self, query: dict[str, str], body: Any, iid: str) -> tuple[int, Any]:
        found = self.merge_requests.get(int(iid))
        return (200, found) if found else (404, {"message": "404 Not found"})

    def _update(self, query: dict[str, str], body: Any, iid: str) -> tuple[int, Any]:
        found = self.merge_requests.get(int(iid))
        if found is None:
            return 404, {"message": "404 Not found"}
        if not set(body) & UPDATABLE:
            self.problems.append(f"update merge request with {sorted(body)}")
            return 400, {"error": "at least one parameter must be provided"}
        if set(body) - UPDATABLE:
            self.problems.append(
                f"update merge request with unknown attributes {sorted(set(body) - UPDATABLE)}"
            )
        if body.get("state_event") not in (None, "close", "reopen"):
            self.problems.append(f"state_event {body.get('state_event')!r}")
            return 400, {"error": "state_event does not have a valid value"}
        for key in ("title", "description"):
            if key in body:
                found[key] = body[key]
        found["draft"] = found["work_in_progress"] = bool(DRAFT.match(found["title"]))
        if body.get("state_event") == "close":
            found.update(state="closed", closed_at=NOW, closed_by=self._user("model-gitops-bot"))
        if "add_labels" in body:
            added = [label.strip() for label in str(body["add_labels"]).split(",") if label.strip()]
            found["labels"] = sorted(set(found["labels"]) | set(added))
        if "reviewer_ids" in body:
            ids = body["reviewer_ids"]
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                self.problems.append(f"reviewer_ids {ids!r}")
                return 400, {"error": "reviewer_ids is invalid"}
            names = {number: name for name, number in self.users.items()}
            found["reviewers"] = [self._user(names[i]) for i in ids if i in names]
        found["sha"] = self.branch_sha(found["source_branch"]) or found["sha"]
        found["updated_at"] = NOW
        return 200, found

    def _note(self, query: dict[str, str], body: Any, iid: str) -> tuple[int, Any]:
        if int(iid) not in self.merge_requests:
            return 404, {"message": "404 Not found"}
        if not isinstance(body.get("body"), str) or not body["body"]:
            self.problems.append(f"note {body!r} on !{iid}")
            return 400, {"error": "body is missing"}
        self.notes.setdefault(int(iid), []).append(body["body"])
        return 201, {
            "id": 300 + len(self.notes[int(iid)]),
            "type": None,
            "body": body["body"],
            "author": self._user("model-gitops-bot"),
            "created_at": NOW,
            "updated_at": NOW,
            "system": False,
            "noteable_id": 1000 + int(iid),
            "noteable_type": "MergeRequest",
            "noteable_iid": int(iid),
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }

    def _approvals(self, query: dict[str, str], body: Any, iid: str) -> tuple[int, Any]:
        found = self.merge_requests.get(int(iid))
        if found is None:
            return 404, {"message": "404 Not found"}
        approved_by = [{"user": self._user(name)} for name in self.approvals.get(int(iid), [])]
        return 200, {
            "id": found["id"],
            "iid": found["iid"],
            "project_id": PROJECT_ID,
            "title": found["title"],
            "description": found["description"],
            "state": found["state"],
            "created_at": found["created_at"],
            "updated_at": found["updated_at"],
            "merge_status": "can_be_merged",
            "approved": bool(approved_by),
            "approvals_required": 0,
            "approvals_left": 0,
            "approved_by": approved_by,
        }

    def users_named(self, query: dict[str, str]) -> tuple[int, Any]:
        """GET /users?username=: a list with the one user of that name, or an empty list."""
        name = query.get("username", "")
        match = next((n for n in self.users if n.lower() == name.lower()), None)
        return 200, [self._user(match)] if match else []

    def _user(self, username: str) -> dict[str, Any]:
        return {
            "id": self.users.get(username, 0),
            "username": username,
            "name": username.title(),
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"https://gitlab.example/{username}",
        }

    def _merge_request(self, iid: int, body: dict[str, Any], sha: str) -> dict[str, Any]:
        labels = [label.strip() for label in str(body.get("labels") or "").split(",") if label.strip()]
        draft = bool(DRAFT.match(body["title"]))
        return {
            "id": 1000 + iid,
            "iid": iid,
            "project_id": PROJECT_ID,
            "title": body["title"],
            "description": body.get("description"),
            "state": "opened",
            "created_at": NOW,
            "updated_at": NOW,
            "merged_by": None,
            "merge_user": None,
            "merged_at": None,
            "closed_by": None,
            "closed_at": None,
            "target_branch": body["target_branch"],
            "source_branch": body["source_branch"],
            "author": self._user("model-gitops-bot"),
            "assignees": [],
            "reviewers": [],
            "source_project_id": PROJECT_ID,
            "target_project_id": PROJECT_ID,
            "labels": sorted(labels),
            "draft": draft,
            "work_in_progress": draft,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged",
            "detailed_merge_status": "mergeable",
            "sha": sha,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "should_remove_source_branch": None,
            "force_remove_source_branch": bool(body.get("remove_source_branch")),
            "web_url": f"https://gitlab.example/{self.project}/-/merge_requests/{iid}",
            "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{self.project}!{iid}"},
            "squash": False,
        }


class _Handler(BaseHTTPRequestHandler):
    state: FakeGitLab

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        fake = self.state
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with fake._lock:
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            raw_path = parts.path[len(PREFIX) :] if parts.path.startswith(PREFIX) else parts.path
            fake.requests.append(Recorded(method, unquote(raw_path), raw_path, query, headers, body))
            status, answer = self._route(method, headers, raw, body, parts.path, query)
        payload = b"" if status == 204 else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("RateLimit-Limit", "2000")
        self.send_header("RateLimit-Remaining", "1999")
        self.end_headers()
        self.wfile.write(payload)

    def _route(
        self, method: str, headers: dict[str, str], raw: bytes, body: Any, path: str, query: dict[str, str]
    ) -> tuple[int, Any]:
        fake = self.state
        if not path.startswith(PREFIX + "/"):
            fake.problems.append(f"request outside {PREFIX}: {self.path}")
            return 404, {"message": "404 Not Found"}
        rest = path[len(PREFIX) :]
        job = bool(fake.job_token) and headers.get("job-token") == fake.job_token
        if not job and fake.token not in (headers.get("private-token"), _bearer(headers)):
            return 401, {"message": "401 Unauthorized"}
        if not headers.get("user-agent"):
            fake.problems.append("request without User-Agent")
        if method != "GET" and (not isinstance(body, dict) or not raw):
            fake.problems.append(f"{method} {rest} without a JSON object body")
            return 400, {"error": "body is not valid JSON"}
        if method != "GET" and "application/json" not in headers.get("content-type", ""):
            fake.problems.append(f"{method} {rest} with Content-Type {headers.get('content-type')!r}")
        if rest == "/users" and method == "GET":
            return fake.users_named(query)
        match = re.fullmatch(r"/projects/([^/]+)(/.*)", rest)
        if match is None:
            return 404, {"message": "404 Not Found"}
        if unquote(match.group(1)) not in (fake.project, str(PROJECT_ID)):
            return 404, {"message": "404 Project Not Found"}
        if job:  # job tokens reach only a few APIs, not merge requests
            return 401, {"message": "401 Unauthorized"}
        return fake.handle(method, match.group(2), query, body)


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None
