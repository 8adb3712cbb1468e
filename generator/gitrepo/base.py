"""Shared pieces of the Git adapter: GitPython loading, identities, error text."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


class PushRejected(GitError):
    """The remote branch moved while this run worked (another run or a human pushed)."""


def _git():  # type: ignore[no-untyped-def]
    try:
        import git
    except ImportError as exc:  # pragma: no cover - GitPython needs the git binary
        raise GitError("GitPython could not load", "install git (the command-line tool)") from exc
    return git


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
