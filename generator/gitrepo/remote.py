"""The remote: fetch, fast-forward, race-safe push, and the tool's own pull-request branches."""

from __future__ import annotations

import contextlib

from generator.errors import GitError
from generator.gitrepo.base import PushRejected, _git, _local_lines, _push_refusal, _stderr
from generator.gitrepo.local import current_branch, is_ancestor, rev

RACE_MARKERS = ("fetch first", "non-fast-forward", "stale info", "failed to update ref", "cannot lock ref")


def fetch(repo, remote: str, branch: str) -> str | None:  # type: ignore[no-untyped-def]
    """Fetch `remote`'s `branch` into its remote-tracking ref; its commit, or None if absent."""
    git = _git()
    try:
        repo.git.fetch("--quiet", "--no-tags", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    except git.GitCommandError as exc:
        if "couldn't find remote ref" in str(exc.stderr).lower():
            with contextlib.suppress(git.GitCommandError):
                repo.git.update_ref("-d", f"refs/remotes/{remote}/{branch}")
            return None
        raise GitError(f"git fetch from {remote} failed", _stderr(exc)) from None
    return rev(repo, f"refs/remotes/{remote}/{branch}")


def fast_forward(repo, remote: str, branch: str) -> str | None:  # type: ignore[no-untyped-def]
    """Bring HEAD up to `remote/branch` before planning; refuse to plan on a diverged branch."""
    git = _git()
    remote_head = fetch(repo, remote, branch)
    if remote_head is None or is_ancestor(repo, remote_head, "HEAD"):
        return remote_head
    if not is_ancestor(repo, "HEAD", remote_head):
        raise GitError(
            f"the checked-out branch and {remote}/{branch} have diverged",
            "push or drop the local commits (model-gitops never rebases or force-pushes)",
        )
    try:
        repo.git.merge("--ff-only", "--quiet", remote_head)
    except git.GitCommandError as exc:
        raise GitError(f"could not fast-forward to {remote}/{branch}", _stderr(exc)) from None
    return remote_head


def push(repo, remote: str = "origin", branch: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Push HEAD to `remote/branch` (never forced); `PushRejected` if the remote moved meanwhile.

    Any other refusal (a pre-receive hook, branch protection) is a `GitError` carrying the
    remote's reason and what it said; the commits stay local, for the next run to push.
    """
    git = _git()
    target = current_branch(repo, branch)
    try:
        repo.git.push("--quiet", remote, f"HEAD:refs/heads/{target}")
    except git.GitCommandError as exc:
        moved = _fetch_quietly(repo, remote, target)
        if _raced(_local_lines(exc)) or (moved is not None and not is_ancestor(repo, moved, "HEAD")):
            raise PushRejected(f"{remote}/{target} moved while this run worked", _stderr(exc)) from None
        raise GitError(
            f"git push to {remote}/{target} failed ({_push_refusal(exc)})",
            f"the commits stay local and the next `sync --push` pushes them; "
            f"to drop them instead: git reset --keep {remote}/{target}",
        ) from None


def unpushed(repo, remote: str, branch: str) -> int:  # type: ignore[no-untyped-def]
    """How many commits HEAD has that `remote/branch` (as last fetched) does not."""
    git = _git()
    if not repo.head.is_valid():
        return 0
    tracking = rev(repo, f"refs/remotes/{remote}/{branch}")
    try:
        return int(repo.git.rev_list("--count", "HEAD", *([f"^{tracking}"] if tracking else [])))
    except git.GitCommandError as exc:
        raise GitError(f"could not compare HEAD with {remote}/{branch}", _stderr(exc)) from None


def _raced(reason: str) -> bool:
    return any(marker in reason.lower() for marker in RACE_MARKERS)


def _fetch_quietly(repo, remote: str, branch: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return fetch(repo, remote, branch)
    except GitError:
        return None


def reset_to_remote(repo, remote: str, branch: str, own_commit: str) -> str:  # type: ignore[no-untyped-def]
    """Drop this run's unpushed `own_commit` and move to the remote head, to re-plan there.

    Refuses when the commit's parent is not on the remote (local commits that are not this
    run's would be lost). `reset --keep` also refuses to touch uncommitted local changes.
    """
    git = _git()
    remote_head = fetch(repo, remote, branch)
    parent = rev(repo, f"{own_commit}^")
    if remote_head is None or parent is None or not is_ancestor(repo, parent, remote_head):
        raise GitError(
            f"cannot re-plan on {remote}/{branch}: the local branch has commits that are not on it",
            "push or drop them first",
        )
    try:
        repo.git.reset("--keep", remote_head)
    except git.GitCommandError as exc:
        raise GitError(f"could not move to {remote}/{branch}", _stderr(exc)) from None
    return str(remote_head)


def push_branch(repo, remote: str, commit: str, branch: str, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    """Point the tool's own `branch` at `commit`, only if it is still at `expected` (None: absent).

    `--force-with-lease` with an explicit expected value: a branch someone else moved since this
    run looked is never overwritten (`PushRejected`).
    """
    _lease_push(repo, remote, f"{commit}:refs/heads/{branch}", branch, expected)


def delete_branch(repo, remote: str, branch: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Delete the tool's own remote `branch` if it is still at `expected`."""
    _lease_push(repo, remote, f":refs/heads/{branch}", branch, expected)


def _lease_push(repo, remote: str, refspec: str, branch: str, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    git = _git()
    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    try:
        repo.git.push("--quiet", lease, remote, refspec)
    except git.GitCommandError as exc:
        reason = _stderr(exc)
        if _raced(reason) or "already exists" in reason:
            raise PushRejected(f"{remote}/{branch} moved while this run worked", reason) from None
        raise GitError(f"git push to {remote}/{branch} failed", reason) from None
