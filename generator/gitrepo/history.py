"""A file's versions in Git history, newest first (what promotion's soak is measured from)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from generator.gitrepo.base import _git

MAX_COMMITS = 500  # a deployment file changed more often than this is read back that far only


def file_history(root: Path, path: str) -> Iterator[tuple[str, datetime, bytes | None]]:
    """`(commit, commit time, the file's bytes or None when absent)` for each commit of HEAD's
    history that touched `path` (relative to the repository at `root`), newest first."""
    git = _git()
    try:
        repo = git.Repo(root)
        commits = list(repo.iter_commits("HEAD", paths=path, max_count=MAX_COMMITS))
    except (git.GitCommandError, ValueError, git.InvalidGitRepositoryError, git.NoSuchPathError):
        return
    for commit in commits:
        try:
            data = (commit.tree / path).data_stream.read()
        except KeyError:
            data = None
        yield commit.hexsha, datetime.fromtimestamp(commit.committed_date, UTC), data
