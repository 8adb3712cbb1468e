"""The only module that talks to Git (through GitPython).

Opens the GitOps repository (the working tree the tool runs in, or a clone of a path/URL),
commits `rendered/` with the user's Git configuration (so `commit.gpgsign`, `gpg.format ssh` and
`user.signingkey` apply: commits go through porcelain `git commit`), and pushes.

Pushing is race-safe without rebasing: `fast_forward` brings the branch up to the remote
before a run; when a push is rejected because the remote moved, `PushRejected` is raised and
`reset_to_remote` drops only this run's own commit so the caller can re-plan on the new head.
Shared branches are never force-pushed; the tool's own pull-request branches are updated with
`--force-with-lease` against the value this run saw. Git failures become `GitError`s with a hint.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import GitError, redact

DEFAULT_IDENTITY = ("model-gitops", "model-gitops@users.noreply.localhost")
_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @property
    def text(self) -> str:
        return f"{self.name} <{self.email}>"

    @classmethod
    def parse(cls, text: str) -> Identity:
        match = _AUTHOR.match(text)
        if not match:
            raise GitError(f"author {text!r} is not of the form 'Name <email>'")
        return cls(match.group("name"), match.group("email"))


def _git():  # type: ignore[no-untyped-def]
    try:
        import git
    except ImportError as exc:  # pragma: no cover - GitPython needs the git binary
        raise GitError("GitPython could not load", "install git (the command-line tool)") from exc
    return git


def open_worktree(location: str, cache: Path):  # type: ignore[no-untyped-def]
    """The working tree of `location`: an existing checkout, or a fresh clone of a path/URL."""
    git = _git()
    path = Path(location)
    if path.is_dir() and not _is_bare(path):
        try:
            return git.Repo(path, search_parent_directories=True)
        except git.InvalidGitRepositoryError:
            raise GitError(
                f"{path} is not inside a Git repository", "run `git init` or pass --repo"
            ) from None
    return _clone(location, cache / "checkouts" / hashlib.sha256(location.encode()).hexdigest()[:16])


def _is_bare(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and not (path / ".git").exists()


def _clone(url: str, target: Path):  # type: ignore[no-untyped-def]
    git = _git()
    try:
        if (target / ".git").is_dir():
            repo = git.Repo(target)
            repo.remotes.origin.fetch(prune=True)
            branch = repo.remotes.origin.refs[0].remote_head if repo.remotes.origin.refs else None
            if branch:
                repo.git.reset("--hard", f"origin/{branch}")
                repo.git.clean("-fdx")
            return repo
        return git.Repo.clone_from(url, target)
    except git.GitCommandError as exc:
        raise GitError(f"could not clone {redact(url)}", _stderr(exc)) from None


def commit_paths(  # type: ignore[no-untyped-def]
    repo, paths: list[str], message: str, author: Identity | None, committer: Identity | None = None
) -> str | None:
    """Commit the current content of `paths` (added, changed, deleted); None if nothing changed."""
    git = _git()
    try:
        repo.git.add("-A", "--", *paths)
        if not repo.git.diff("--cached", "--name-only", "--", *paths).strip():
            return None
        args = ["-m", message]
        if author is not None:
            args.append(f"--author={author.text}")
        environment = _committer_fallback(repo)
        if committer is not None:
            environment.update(GIT_COMMITTER_NAME=committer.name, GIT_COMMITTER_EMAIL=committer.email)
        with repo.git.custom_environment(**environment):
            repo.git.commit(*args, "--", *paths)
        return str(repo.head.commit.hexsha)
    except git.GitCommandError as exc:
        raise GitError("git commit failed", _stderr(exc)) from None


class PushRejected(GitError):
    """The remote branch moved while this run worked (another run or a human pushed)."""


def discard_uncommitted(repo, paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Reset tool-owned `paths` to HEAD: leftovers of an interrupted run are re-rendered anyway."""
    git = _git()
    try:
        if repo.head.is_valid():
            tracked = repo.git.ls_tree("--name-only", "HEAD", "--", *paths).strip()
            if tracked:
                repo.git.checkout("HEAD", "--", *paths)
        repo.git.clean("-fdq", "--", *paths)
    except git.GitCommandError as exc:
        raise GitError(f"could not reset {', '.join(paths)} to HEAD", _stderr(exc)) from None


def current_branch(repo, branch: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """The branch a run delivers to: `branch`, else the checked-out one."""
    if branch:
        return branch
    if repo.head.is_detached:
        raise GitError("HEAD is detached, so there is no branch to deliver to", "pass --branch NAME")
    return str(repo.active_branch.name)


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


def rev(repo, name: str) -> str | None:  # type: ignore[no-untyped-def]
    """The object `name` resolves to (`commit`, `commit:path`), or None."""
    git = _git()
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", name)).strip() or None
    except git.GitCommandError:
        return None


def is_ancestor(repo, ancestor: str, descendant: str) -> bool:  # type: ignore[no-untyped-def]
    git = _git()
    try:
        repo.git.merge_base("--is-ancestor", ancestor, descendant)
        return True
    except git.GitCommandError:
        return False


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
    """Push HEAD to `remote/branch` (never forced); `PushRejected` if the remote moved meanwhile."""
    git = _git()
    target = current_branch(repo, branch)
    try:
        repo.git.push("--quiet", remote, f"HEAD:refs/heads/{target}")
    except git.GitCommandError as exc:
        reason = _stderr(exc)
        moved = _fetch_quietly(repo, remote, target)
        if _raced(reason) or (moved is not None and not is_ancestor(repo, moved, "HEAD")):
            raise PushRejected(f"{remote}/{target} moved while this run worked", reason) from None
        raise GitError(f"git push to {remote}/{target} failed", reason) from None


# What Git says when another push won: the ref moved, or was locked by a concurrent update.
RACE_MARKERS = ("fetch first", "non-fast-forward", "stale info", "failed to update ref", "cannot lock ref")


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


@contextlib.contextmanager
def scratch_worktree(repo, commit: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A temporary detached worktree at `commit` (same config, so commits sign the same way)."""
    git = _git()
    with tempfile.TemporaryDirectory(prefix="model-gitops-") as parent:
        path = Path(parent) / "worktree"
        try:
            repo.git.worktree("prune")
            repo.git.worktree("add", "--detach", "--quiet", str(path), commit)
        except git.GitCommandError as exc:
            raise GitError("could not create a scratch worktree", _stderr(exc)) from None
        try:
            yield git.Repo(path)
        finally:
            with contextlib.suppress(git.GitCommandError):
                repo.git.worktree("remove", "--force", str(path))


def read_files(repo, commit: str, directory: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Every file under `directory` at `commit`, by path relative to `directory`."""
    git = _git()
    try:
        tree = repo.commit(commit).tree / directory
    except (KeyError, ValueError, git.BadName):
        return {}
    prefix = len(directory.rstrip("/")) + 1
    return {blob.path[prefix:]: blob.data_stream.read() for blob in tree.traverse() if blob.type == "blob"}


def _committer_fallback(repo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Use the repository's identity if it has one, else a neutral model-gitops identity."""
    reader = repo.config_reader()
    environment = {}
    if not reader.has_option("user", "name"):
        environment["GIT_AUTHOR_NAME"] = environment["GIT_COMMITTER_NAME"] = DEFAULT_IDENTITY[0]
    if not reader.has_option("user", "email"):
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] = DEFAULT_IDENTITY[1]
    return environment


def _stderr(exc: Exception) -> str:
    text = getattr(exc, "stderr", "") or str(exc)
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return redact(" | ".join(lines[-3:]).replace("stderr: ", "").strip("' "))


def init_bare(path: Path, branch: str = "main"):  # type: ignore[no-untyped-def]
    """A new bare repository (a stand-in remote for the demo and tests)."""
    git = _git()
    return git.Repo.init(path, bare=True, initial_branch=branch)


def clone(url: str, target: Path):  # type: ignore[no-untyped-def]
    git = _git()
    try:
        return git.Repo.clone_from(url, target)
    except git.GitCommandError as exc:
        raise GitError(f"could not clone {redact(url)}", _stderr(exc)) from None


def remote_url(path: Path, name: str = "origin") -> str | None:
    """The URL of remote `name` of the repository at `path`; None when there is no such remote."""
    git = _git()
    try:
        repo = git.Repo(path, search_parent_directories=True)
        if name not in [remote.name for remote in repo.remotes]:
            return None
        return str(repo.remotes[name].url)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
