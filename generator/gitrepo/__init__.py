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

from generator.gitrepo.base import DEFAULT_IDENTITY, Identity, PushRejected
from generator.gitrepo.history import file_history
from generator.gitrepo.local import (
    clone,
    commit_paths,
    current_branch,
    discard_uncommitted,
    init_bare,
    is_ancestor,
    open_worktree,
    read_files,
    remote_url,
    rev,
    scratch_worktree,
)
from generator.gitrepo.remote import (
    delete_branch,
    fast_forward,
    fetch,
    push,
    push_branch,
    reset_to_remote,
    unpushed,
)

__all__ = [
    "DEFAULT_IDENTITY",
    "Identity",
    "PushRejected",
    "clone",
    "commit_paths",
    "current_branch",
    "delete_branch",
    "discard_uncommitted",
    "fast_forward",
    "fetch",
    "file_history",
    "init_bare",
    "is_ancestor",
    "open_worktree",
    "push",
    "push_branch",
    "read_files",
    "remote_url",
    "reset_to_remote",
    "rev",
    "scratch_worktree",
    "unpushed",
]
