"""Commits at registry scale: a message with one line per change for thousands of models."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import gitrepo
from tests.support.gitops import git, make_gitops_repo

pytestmark = pytest.mark.e2e


def test_a_commit_message_larger_than_an_argument_is_committed_whole(tmp_path: Path) -> None:
    gitops = make_gitops_repo(tmp_path)
    (gitops.worktree / "rendered" / "dev").mkdir(parents=True)
    (gitops.worktree / "rendered" / "dev" / "kustomization.yaml").write_text("resources: []\n")
    lines = [f"deploy(dev): model-{i:05d} 3" for i in range(9000)]  # ~250 KiB: over Linux's 128 KiB
    message = "model-gitops: 9000 changes in dev\n\n" + "\n".join(lines)
    repo = gitrepo.open_worktree(str(gitops.worktree), tmp_path / "cache")
    commit = gitrepo.commit_paths(repo, ["rendered"], message, None)
    assert commit is not None
    assert git(gitops.worktree, "log", "-1", "--format=%B").rstrip("\n") == message
