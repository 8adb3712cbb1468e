"""The local repository: open or clone it, commit, reset tool-owned paths, read trees."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.errors import GitError, redact
from generator.gitrepo.base import Identity, _committer_fallback, _git, _note_identity, _stderr
from generator.gitrepo.status import conversions


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
        _refuse_conversions(repo, paths)
        fallback = _committer_fallback(repo)
        environment = dict(fallback)
        if committer is not None:
            environment.update(GIT_COMMITTER_NAME=committer.name, GIT_COMMITTER_EMAIL=committer.email)
        # The message goes in a file: one line per change outgrows an argument (128 KiB) at scale.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as message_file:
            message_file.write(message)
            message_file.flush()
            args = ["-F", message_file.name]
            if author is not None:
                args.append(f"--author={author.text}")
            with repo.git.custom_environment(**environment):
                repo.git.commit(*args, "--", *paths)
        if fallback:
            _note_identity(repo)
        return str(repo.head.commit.hexsha)
    except git.GitCommandError as exc:
        raise GitError("git commit failed", _stderr(exc)) from None


def _refuse_conversions(repo, paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Refuse (and unstage) when Git would store or check out the files other than written."""
    staged = _names(repo.git.diff("--cached", "--name-only", "-z", "--diff-filter=d", "--", *paths))
    converted = conversions(repo, staged)
    if not converted:
        return
    repo.git.reset("-q", "--", *paths)
    path, reason = next(iter(converted.items()))
    more = f" (and {len(converted) - 1} more file(s))" if len(converted) > 1 else ""
    raise GitError(
        f"refusing to commit {path}{more}: Git would store or check out something else than the "
        f"validated manifest ({reason}, from .gitattributes or the Git configuration)",
        f"end .gitattributes with `{os.path.commonpath(paths)}/** -filter -ident -working-tree-encoding "
        "-eol -text` (or drop the setting) and run again; nothing was committed",
    )


def discard_uncommitted(repo, paths: list[str]) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Reset tool-owned `paths` to HEAD: leftovers of an interrupted run are re-rendered anyway.

    Returns what was thrown away, (untracked files removed, tracked files whose edits were
    discarded), so the run can say so; the tool's own temporary files are not listed.
    """
    git = _git()
    try:
        reverted = []
        if repo.head.is_valid():
            tracked = repo.git.ls_tree("--name-only", "HEAD", "--", *paths).strip()
            if tracked:
                reverted = _names(repo.git.diff("--name-only", "-z", "HEAD", "--", *paths))
                repo.git.checkout("HEAD", "--", *paths)
        removed = [
            line.removeprefix("Would remove ")
            for line in repo.git.clean("-fdn", "--", *paths).splitlines()
            if line.startswith("Would remove ")
        ]
        repo.git.clean("-fdq", "--", *paths)
    except git.GitCommandError as exc:
        raise GitError(f"could not reset {', '.join(paths)} to HEAD", _stderr(exc)) from None
    return [p for p in removed if not _own_temporary(p)], reverted


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


def _own_temporary(path: str) -> bool:
    return Path(path.rstrip("/")).name.startswith(".model-gitops-")


def current_branch(repo, branch: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """The branch a run delivers to: `branch`, else the checked-out one."""
    if branch:
        return branch
    if repo.head.is_detached:
        raise GitError("HEAD is detached, so there is no branch to deliver to", "pass --branch NAME")
    return str(repo.active_branch.name)


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
