"""Shared pieces of the Git adapter: GitPython loading, identities, error text."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from generator.errors import GitError, redact
from generator.printable import printable

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


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_REFUSED = re.compile(r"^\s*! \[(?:remote )?rejected\]\s+\S+ -> \S+ \((?P<why>[^)]*)\)")
_STDERR_PREFIX = re.compile(r"^\s*stderr: '?")
REMOTE_LINES = 5
LINE_CHARS = 150


def _lines(exc: Exception) -> list[str]:
    """The lines of a failed command's stderr, colour codes and GitPython's framing removed."""
    text = str(getattr(exc, "stderr", "") or exc)
    lines = (_STDERR_PREFIX.sub("", _ANSI.sub("", raw)) for raw in text.splitlines())
    return [line.strip().strip("'").strip() for line in lines if line.strip().strip("'").strip()]


def _local_lines(exc: Exception) -> str:
    """Git's own stderr lines, without what the remote sent (`remote: ...`): for classifying."""
    return "\n".join(line for line in _lines(exc) if not line.startswith("remote:"))


def _push_refusal(exc: Exception) -> str:
    """Why the remote refused a push: its reason and what it said (`remote:` lines), one line.

    Bounded (the last `REMOTE_LINES` non-empty lines, `LINE_CHARS` characters each), colour codes
    dropped, control characters escaped and secrets redacted: a hook's output is untrusted text.
    """
    said, why = [], ""
    for line in _lines(exc):
        if line.startswith("remote:"):
            line = line[len("remote:") :].strip()
            if line:
                said.append(line)
        elif match := _REFUSED.match(line):
            why = match.group("why")
    reason = why or _stderr(exc)
    if said:
        shown = [line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 3] + "..." for line in said]
        reason += f"; the remote said: {' | '.join(shown[-REMOTE_LINES:])}"
    return redact(printable(reason))
