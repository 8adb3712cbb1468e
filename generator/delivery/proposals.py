"""A proposal as a pull request: edited files committed on the tool's own branch, one pull request
kept in step with the latest proposal (`right-size --pull-request`).

The files are committed on top of the base branch's head (fetched from the remote) in a scratch
worktree, so signing, identities and hooks follow the repository's Git config, and pushed to the
branch with `--force-with-lease` against what this run saw: the branch belongs to the tool, and a
branch someone else moved meanwhile is read again (up to `ATTEMPTS` times), never overwritten
blindly. A branch that already holds exactly these files on the same base is left alone, so a
review is not disturbed by a no-op push. The pull request is opened once, then its title and body
are updated; with nothing left to propose it is closed with a comment and its branch deleted.
GitHub is called through `delivery.github` only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import gitrepo
from generator.delivery.github import GitHub
from generator.errors import GitError
from generator.gitrepo import workspace

ATTEMPTS = 3


@dataclass(frozen=True)
class Base:
    """The branch a proposal goes into and its commit now."""

    branch: str
    commit: str


@dataclass(frozen=True)
class Proposal:
    """What to propose: repository-relative path -> new content, and how to present it."""

    branch: str
    files: dict[str, bytes]
    title: str
    body: str
    message: str
    closing_comment: str = "Closed by model-gitops: nothing is left to propose."


@dataclass(frozen=True)
class Outcome:
    action: str  # opened | updated | unchanged | closed | none
    number: int | None = None
    url: str = ""
    commit: str | None = None

    def describe(self, branch: str) -> str:
        if self.action == "none":
            return "no pull request needed"
        return f"{self.action} pull request #{self.number} {self.url} (branch {branch})".replace("  ", " ")


def base(repo: Any, remote: str, branch: str | None) -> Base:
    """The base branch (`branch`, else the checked-out one) and its head on `remote` (else HEAD)."""
    name = gitrepo.current_branch(repo, branch)
    commit = gitrepo.fetch(repo, remote, name) or gitrepo.rev(repo, "HEAD")
    if commit is None:
        raise GitError("the repository has no commit to propose changes on", "commit environments/ first")
    return Base(name, commit)


def deliver(
    repo: Any,
    remote: str,
    github: GitHub,
    at: Base,
    proposal: Proposal,
    author: gitrepo.Identity | None = None,
) -> Outcome:
    """Push the proposal's branch and open, update or close its pull request."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _deliver(repo, remote, github, at, proposal, author)
        except gitrepo.PushRejected as rejected:
            if attempt >= ATTEMPTS:
                raise GitError(f"{rejected.message}; gave up after {attempt} tries", rejected.hint) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _deliver(
    repo: Any, remote: str, github: GitHub, at: Base, proposal: Proposal, author: gitrepo.Identity | None
) -> Outcome:
    tip = gitrepo.fetch(repo, remote, proposal.branch)
    pull = github.open_pull(proposal.branch, at.branch)
    if not proposal.files:
        return _withdraw(repo, remote, github, proposal, tip, pull)
    commit = tip
    if tip is None or not _up_to_date(repo, tip, at.commit, proposal.files):
        commit = _push(repo, remote, at.commit, proposal, tip, author)
    if pull is None:
        created = github.create_pull(proposal.title, proposal.body, proposal.branch, at.branch)
        return Outcome("opened", created.number, created.url, commit)
    if pull.title != proposal.title or pull.body != proposal.body:
        pull = github.update_pull(pull.number, title=proposal.title, body=proposal.body)
        return Outcome("updated", pull.number, pull.url, commit)
    return Outcome("unchanged" if commit == tip else "updated", pull.number, pull.url, commit)


def _up_to_date(repo: Any, tip: str, base_commit: str, files: dict[str, bytes]) -> bool:
    """The branch is one commit on the base holding exactly these files."""
    if gitrepo.rev(repo, f"{tip}^") != base_commit:
        return False
    for path, content in files.items():
        directory, _, name = path.rpartition("/")
        if gitrepo.read_files(repo, tip, directory).get(name) != content:
            return False
    return True


def _push(
    repo: Any,
    remote: str,
    base_commit: str,
    proposal: Proposal,
    tip: str | None,
    author: gitrepo.Identity | None,
) -> str:
    with gitrepo.scratch_worktree(repo, base_commit) as scratch:
        root = Path(scratch.working_tree_dir)
        for path, content in sorted(proposal.files.items()):
            workspace.write_atomic(root / path, content)
        commit = gitrepo.commit_paths(scratch, sorted(proposal.files), proposal.message, author)
    if commit is None:
        raise GitError("the proposed files are what the base branch already holds", "nothing to propose")
    gitrepo.push_branch(repo, remote, commit, proposal.branch, tip)
    return commit


def _withdraw(
    repo: Any, remote: str, github: GitHub, proposal: Proposal, tip: str | None, pull: Any
) -> Outcome:
    """Nothing to propose: close the pull request, delete the branch."""
    closed = github.close_pull(pull.number, proposal.closing_comment) if pull is not None else None
    if tip is not None:
        with contextlib.suppress(gitrepo.PushRejected):  # moved meanwhile: the next run decides
            gitrepo.delete_branch(repo, remote, proposal.branch, tip)
    if closed is None:
        return Outcome("none")
    return Outcome("closed", closed.number, closed.url)
