"""The only module that talks to Git (through GitPython).

Opens the GitOps repository (the working tree the tool runs in, or a clone of a path/URL),
commits `rendered/` with the user's Git configuration (so `commit.gpgsign` and SSH signing
apply), and pushes. Git failures become `GitError`s with a hint.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import GitError, redact

DEFAULT_IDENTITY = ("model-gitops", "model-gitops@users.noreply.localhost")
_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

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


def commit_paths(repo, paths: list[str], message: str, author: Identity | None) -> str | None:  # type: ignore[no-untyped-def]
    """Commit the current content of `paths` (added, changed, deleted); None if nothing changed."""
    git = _git()
    try:
        repo.git.add("-A", "--", *paths)
        if not repo.git.diff("--cached", "--name-only", "--", *paths).strip():
            return None
        args = ["-m", message]
        if author is not None:
            args.append(f"--author={author.name} <{author.email}>")
        with repo.git.custom_environment(**_committer_fallback(repo)):
            repo.git.commit(*args, "--", *paths)
        return str(repo.head.commit.hexsha)
    except git.GitCommandError as exc:
        raise GitError("git commit failed", _stderr(exc)) from None


def push(repo, remote: str = "origin", branch: str | None = None) -> None:  # type: ignore[no-untyped-def]
    git = _git()
    target = branch or repo.active_branch.name
    try:
        repo.git.push(remote, f"HEAD:refs/heads/{target}")
    except git.GitCommandError as exc:
        raise GitError(f"git push to {remote}/{target} failed", _stderr(exc)) from None


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
