"""What pull-request delivery needs from a code host: the `Provider` protocol and its plain data.

`pullrequests` and `flow` speak only this protocol; `github` and `gitlab` implement it (the only
modules that talk to those APIs), and `providers` picks one per repository URL. A GitLab merge
request is a `PullRequest` here too: its IID is the number, its description the body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PullRequest:
    """The fields of a pull (or merge) request model-gitops uses."""

    number: int
    url: str
    state: str
    title: str
    body: str
    head: str
    base: str
    labels: tuple[str, ...] = ()
    draft: bool = False


@dataclass(frozen=True)
class Approval:
    """How a closed pull request ended: merged or not, by whom, and who approved it."""

    url: str
    merged: bool
    merge_commit: str = ""
    approvers: tuple[str, ...] = ()
    merged_by: str = ""
    merged_at: str = ""


class Provider(Protocol):
    """A code host's pull requests for one repository (GitHub pull requests, GitLab merge requests)."""

    name: str  # "GitHub", for messages
    noun: str  # "pull request" / "merge request"
    sign: str  # "#" / "!": how the host writes a number

    def open_pull(self, branch: str, base: str) -> PullRequest | None: ...

    def create_pull(
        self, title: str, body: str, branch: str, base: str, draft: bool = False
    ) -> PullRequest: ...

    def update_pull(
        self, number: int, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> PullRequest: ...

    def close_pull(self, number: int, comment: str | None = None) -> PullRequest: ...

    def add_labels(self, number: int, labels: list[str]) -> tuple[str, ...]: ...

    def request_reviewers(self, number: int, reviewers: list[str], teams: list[str]) -> None: ...

    def approval(self, url: str) -> Approval | None:
        """The outcome of this repository's pull request at `url`; None while it is open or not ours."""
        ...


# A later review by the same person replaces an earlier verdict; a comment does not.
VERDICTS = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


def approvers(reviews: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Who approves, from (login, state) reviews in the order they were submitted: each person's
    latest verdict (approved, changes requested, dismissed) counts; comments and pending reviews
    change nothing."""
    latest: dict[str, str] = {}
    for login, state in reviews:
        if login and state in VERDICTS:
            latest[login] = state
    return tuple(sorted(login for login, state in latest.items() if state == "APPROVED"))
