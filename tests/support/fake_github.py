"""A stand-in for the GitHub REST API on 127.0.0.1: the pull-request endpoints model-gitops uses.

GitHub is not reachable from the tests, so this server implements the documented endpoints
(https://docs.github.com/en/rest/pulls/pulls, /pulls/reviews, /issues/labels, /issues/comments,
/pulls/review-requests, /repos/repos#create-a-repository-dispatch-event)
with their documented request and response JSON shapes, under an Enterprise-style prefix
(`/api/v3`) so the configurable base URL is exercised. It checks every request the way GitHub
does (bearer token, `Accept`, `X-GitHub-Api-Version`, `User-Agent`, required fields, a head
branch that exists in the real bare Git repository, one open pull request per head and base) and
records requests and problems so tests can assert on them.
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
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/v3"
API_VERSION = "2022-11-28"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    """State of the fake: pull requests, labels, comments, and every request seen."""

    repository: str
    token: str
    git_remote: Path | None = None
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outages: list[int] = field(default_factory=list)  # statuses answered next, one per request
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def review(self, number: int, login: str, state: str) -> None:
        """A review as GitHub stores it (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED)."""
        found = self.reviews.setdefault(number, [])
        found.append(
            {
                "id": 80 + len(found),
                "user": {"login": login, "id": abs(hash(login)) % 10**6, "type": "User"},
                "body": "",
                "state": state,
                "html_url": f"https://github.example/{self.repository}/pull/{number}#pullrequestreview-{len(found)}",
                "submitted_at": f"2024-01-01T00:{len(found):02d}:00Z",
                "commit_id": self.pulls[number]["head"]["sha"],
                "author_association": "MEMBER",
            }
        )

    def merge(self, number: int, merge_commit: str, by: str) -> None:
        """What GitHub records when a pull request is merged."""
        self.pulls[number].update(
            state="closed",
            merged=True,
            merge_commit_sha=merge_commit,
            merged_at="2024-01-02T09:30:00Z",
            merged_by={"login": by, "id": abs(hash(by)) % 10**6, "type": "User"},
            closed_at="2024-01-02T09:30:00Z",
        )

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls.values() if p["state"] == "open"]

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

    # -- the endpoints ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if self.outages:
            return self.outages.pop(0), {"message": "Service Unavailable"}
        base = f"/repos/{self.repository}"
        if not path.startswith(base + "/"):
            return 404, {"message": "Not Found"}
        tail = path[len(base) :]
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"/pulls", self._list),
            ("POST", r"/pulls", self._create),
            ("GET", r"/pulls/(\d+)", self._get),
            ("GET", r"/pulls/(\d+)/reviews", self._reviews),
            ("PATCH", r"/pulls/(\d+)", self._update),
            ("POST", r"/pulls/(\d+)/requested_reviewers", self._reviewers),
            ("POST", r"/issues/(\d+)/labels", self._labels),
            ("POST", r"/issues/(\d+)/comments", self._comment),
            ("POST", r"/dispatches", self._dispatch),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, tail)
            if match and verb == method:
                return handler(query, body, *match.groups())
        return 404, {"message": "Not Found"}

    def _list(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        state = query.get("state", "open")
        found = [p for p in self.pulls.values() if state == "all" or p["state"] == state]
        if "head" in query:
            if ":" not in query["head"]:
                self.problems.append(f"head filter {query['head']!r} is not OWNER:BRANCH")
            found = [p for p in found if p["head"]["label"] == query["head"]]
        if "base" in query:
            found = [p for p in found if p["base"]["ref"] == query["base"]]
        return 200, sorted(found, key=lambda p: -p["number"])

    def _create(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        missing = [k for k in ("head", "base") if not isinstance(body.get(k), str) or not body.get(k)]
        if missing or not (isinstance(body.get("title"), str) and body["title"]):
            self.problems.append(f"create pull request without {missing or ['title']}")
            return 422, _invalid("PullRequest", (missing or ["title"])[0], "missing_field")
        sha = self.branch_sha(body["head"])
        if sha is None:
            self.problems.append(f"pull request for branch {body['head']!r} that is not pushed")
            return 422, _invalid("PullRequest", "head", "invalid")
        label = f"{self.repository.split('/')[0]}:{body['head']}"
        if any(p["head"]["label"] == label and p["base"]["ref"] == body["base"] for p in self.open_pulls()):
            return 422, {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {label}.",
                    }
                ],
            }
        number = len(self.pulls) + 1
        self.pulls[number] = self._pull(number, body, label, sha)
        return 201, self.pulls[number]

    def _get(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        pull = self.pulls.get(int(number))
        return (200, pull) if pull else (404, {"message": "Not Found"})

    def _reviews(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        """GET /repos/{owner}/{repo}/pulls/{n}/reviews: chronological, paged (per_page <= 100)."""
        if int(number) not in self.pulls:
            return 404, {"message": "Not Found"}
        per_page, page = int(query.get("per_page", "30")), int(query.get("page", "1"))
        if not 1 <= per_page <= 100 or page < 1:
            self.problems.append(f"reviews page {query}")
        found = self.reviews.get(int(number), [])
        return 200, found[(page - 1) * per_page : page * per_page]

    def _update(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        pull = self.pulls.get(int(number))
        if pull is None:
            return 404, {"message": "Not Found"}
        unknown = set(body) - {"title", "body", "state", "base", "maintainer_can_modify"}
        if unknown or body.get("state", "open") not in ("open", "closed"):
            self.problems.append(f"update pull request with {sorted(body)}")
            return 422, _invalid("PullRequest", "state", "invalid")
        for key in ("title", "body", "state"):
            if key in body:
                pull[key] = body[key]
        pull["closed_at"] = "2024-01-01T00:00:00Z" if pull["state"] == "closed" else None
        pull["head"]["sha"] = self.branch_sha(pull["head"]["ref"]) or pull["head"]["sha"]
        return 200, pull

    def _labels(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        pull = self.pulls.get(int(number))
        if pull is None:
            return 404, {"message": "Not Found"}
        labels = body.get("labels") if isinstance(body, dict) else None
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            self.problems.append(f"labels body {body!r}")
            return 422, _invalid("Label", "labels", "invalid")
        names = sorted({label["name"] for label in pull["labels"]} | set(labels))
        pull["labels"] = [_label(name) for name in names]
        return 200, pull["labels"]

    def _comment(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        if int(number) not in self.pulls or not isinstance(body.get("body"), str):
            self.problems.append(f"comment {body!r} on #{number}")
            return 404, {"message": "Not Found"}
        self.comments.setdefault(int(number), []).append(body["body"])
        return 201, {"id": len(self.comments), "body": body["body"], "user": {"login": "model-gitops"}}

    def _reviewers(self, query: dict[str, str], body: Any, number: str) -> tuple[int, Any]:
        pull = self.pulls.get(int(number))
        if pull is None or not isinstance(body.get("reviewers", []), list):
            return 422, _invalid("PullRequest", "reviewers", "invalid")
        pull["requested_reviewers"] = [{"login": login} for login in body.get("reviewers", [])]
        pull["requested_teams"] = [{"slug": slug} for slug in body.get("team_reviewers", [])]
        return 201, pull

    def _dispatch(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        """POST /repos/{owner}/{repo}/dispatches: 204 No Content; at most 10 payload properties."""
        event, payload = body.get("event_type"), body.get("client_payload", {})
        if not isinstance(event, str) or not 1 <= len(event) <= 100:
            self.problems.append(f"dispatch with event_type {event!r}")
            return 422, _invalid("RepositoryDispatch", "event_type", "missing_field")
        if not isinstance(payload, dict) or len(payload) > 10:
            self.problems.append(f"dispatch client_payload {payload!r}")
            return 422, _invalid("RepositoryDispatch", "client_payload", "invalid")
        self.dispatches.append({"event_type": event, "client_payload": payload})
        return 204, None

    def _pull(self, number: int, body: dict[str, Any], label: str, sha: str) -> dict[str, Any]:
        owner, name = self.repository.split("/")
        api = f"{self.url}/repos/{self.repository}"
        repo = {"full_name": self.repository, "name": name, "owner": {"login": owner}}
        return {
            "id": 1000 + number,
            "number": number,
            "url": f"{api}/pulls/{number}",
            "html_url": f"https://github.example/{self.repository}/pull/{number}",
            "state": "open",
            "title": body["title"],
            "body": body.get("body"),
            "draft": bool(body.get("draft", False)),
            "merged": False,
            "merged_at": None,
            "merged_by": None,
            "merge_commit_sha": None,
            "user": {"login": "model-gitops[bot]"},
            "labels": [],
            "head": {"label": label, "ref": body["head"], "sha": sha, "repo": repo},
            "base": {"label": f"{owner}:{body['base']}", "ref": body["base"], "sha": "", "repo": repo},
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "closed_at": None,
        }


def _invalid(resource: str, field_name: str, code: str) -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [{"resource": resource, "field": field_name, "code": code}],
        "documentation_url": "https://docs.github.com/rest",
    }


def _label(name: str) -> dict[str, Any]:
    return {"id": abs(hash(name)) % 10**6, "name": name, "color": "ededed", "default": False}


class _Handler(BaseHTTPRequestHandler):
    state: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

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
            path = parts.path[len(PREFIX) :] if parts.path.startswith(PREFIX) else None
            fake.requests.append(Recorded(method, path or parts.path, query, headers, body))
            status, answer = self._check(method, headers, raw, body, path)
            if status == 0:
                status, answer = fake.handle(method, path or "", query, body)
        payload = b"" if status == 204 else json.dumps(answer).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-GitHub-Api-Version-Selected", API_VERSION)
        self.end_headers()
        self.wfile.write(payload)

    def _check(
        self, method: str, headers: dict[str, str], raw: bytes, body: Any, path: str | None
    ) -> tuple[int, Any]:
        fake = self.state
        if path is None:
            fake.problems.append(f"request outside {PREFIX}: {self.path}")
            return 404, {"message": "Not Found"}
        if headers.get("authorization") not in (f"Bearer {fake.token}", f"token {fake.token}"):
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
        if not headers.get("user-agent"):
            fake.problems.append("request without User-Agent")
            return 403, {"message": "Request forbidden by administrative rules."}
        if "application/vnd.github+json" not in headers.get("accept", ""):
            fake.problems.append(f"Accept header {headers.get('accept')!r}")
        if headers.get("x-github-api-version") != API_VERSION:
            fake.problems.append(f"X-GitHub-Api-Version {headers.get('x-github-api-version')!r}")
            return 400, {"message": "Invalid API version"}
        if method != "GET" and (body is None or not isinstance(body, dict) or not raw):
            fake.problems.append(f"{method} {path} without a JSON object body")
            return 400, {"message": "Problems parsing JSON"}
        if method != "GET" and "application/json" not in headers.get("content-type", ""):
            fake.problems.append(f"{method} {path} with Content-Type {headers.get('content-type')!r}")
        return 0, None
