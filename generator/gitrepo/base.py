"""Shared pieces of the Git adapter: GitPython loading, identities, error text."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from generator.errors import GitError, redact

DEFAULT_IDENTITY = ("model-gitops", "model-gitops@users.noreply.localhost")
LOG = logging.getLogger("model_gitops.git")
_NOTED: set[str] = set()


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


class PushRejected(GitError):
    """The remote branch moved while this run worked (another run or a human pushed)."""


def _git():  # type: ignore[no-untyped-def]
    try:
        import git
    except ImportError as exc:  # pragma: no cover - GitPython needs the git binary
        raise GitError("GitPython could not load", "install git (the command-line tool)") from exc
    return git


def _committer_fallback(repo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Use the configured identity (Git config or GIT_AUTHOR_*/GIT_COMMITTER_*), else model-gitops's."""
    reader = repo.config_reader()
    environment = {}
    for key, default in (("name", DEFAULT_IDENTITY[0]), ("email", DEFAULT_IDENTITY[1])):
        if reader.has_option("user", key):
            continue
        for variable in (f"GIT_AUTHOR_{key.upper()}", f"GIT_COMMITTER_{key.upper()}"):
            if not os.environ.get(variable):  # an identity in the environment is configured too
                environment[variable] = default
    return environment


def _note_identity(repo) -> None:  # type: ignore[no-untyped-def]
    """Say (once per repository) which identity the last commit got because Git had none."""
    commit = repo.head.commit
    used = []
    for role, actor in (("author", commit.author), ("committer", commit.committer)):
        if actor.name == DEFAULT_IDENTITY[0] or actor.email == DEFAULT_IDENTITY[1]:
            used.append((role, f"{actor.name} <{actor.email}>"))
    if not used or str(repo.working_tree_dir) in _NOTED:
        return
    _NOTED.add(str(repo.working_tree_dir))
    if len({text for _, text in used}) == 1:
        shown = f"{' and '.join(role for role, _ in used)} {used[0][1]}"
    else:
        shown = ", ".join(f"{role} {text}" for role, text in used)
    LOG.warning(
        "no Git identity configured (user.name, user.email): committed as %s; "
        "set them with `git config` or pass --author and --committer",
        shown,
    )


def _stderr(exc: Exception) -> str:
    text = getattr(exc, "stderr", "") or str(exc)
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return redact(" | ".join(lines[-3:]).replace("stderr: ", "").strip("' "))
