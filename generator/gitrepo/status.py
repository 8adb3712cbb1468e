"""What Git would do to the tool's files that a run must know first: local edits, conversions.

`uncommitted` lists the files of a directory that differ from HEAD (edited, new, deleted, or
ignored by .gitignore), so a sync can refuse configuration Git does not hold. `conversions`
names the Git attributes that would make Git store or check out a file differently from the
bytes written (a clean/smudge `filter`, `ident`, `working-tree-encoding`, `eol=crlf`, or line
ending conversion by `core.autocrlf=true` / `core.eol=crlf`), so validated manifests are
committed byte for byte or not at all. `text` and `text=auto` alone are accepted: they only
turn CRLF into LF, and rendered files hold LF only.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import GitError
from generator.gitrepo.base import _git, _stderr

ATTRIBUTES = ("filter", "ident", "working-tree-encoding", "eol", "text")
UNSET = ("unspecified", "unset")
CHUNK = 500  # paths per `git check-attr` call (command lines stay far below the OS limit)


def uncommitted(repo, directory: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Paths under `directory` (relative to the repository) that differ from HEAD, sorted."""
    git = _git()
    try:
        output = repo.git.status(
            "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--", directory
        )
    except git.GitCommandError as exc:
        raise GitError(f"could not read the Git status of {directory}", _stderr(exc)) from None
    paths, entries = set(), iter(output.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        paths.add(entry[3:])
        if entry[0] in "RC":  # a rename or copy: the next field is where it came from
            paths.add(next(entries, ""))
    return sorted(p for p in paths if p)


def conversions(repo, paths: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The paths Git would convert, each with the attribute or setting responsible."""
    git = _git()
    crlf = _crlf_checkout(repo)
    attributes: dict[str, dict[str, str]] = {}
    try:
        for start in range(0, len(paths), CHUNK):
            output = repo.git.check_attr("-z", *ATTRIBUTES, "--", *paths[start : start + CHUNK])
            fields = output.split("\0")
            for index in range(0, len(fields) - 2, 3):
                path, name, value = fields[index : index + 3]
                attributes.setdefault(path, {})[name] = value
    except git.GitCommandError as exc:
        raise GitError("could not read the Git attributes of the rendered files", _stderr(exc)) from None
    found = {path: _conversion(values, crlf) for path, values in attributes.items()}
    return {path: reason for path, reason in sorted(found.items()) if reason}


def _conversion(values: dict[str, str], crlf: bool) -> str | None:
    for name in ("filter", "ident", "working-tree-encoding"):
        value = values.get(name, "unspecified")
        if value not in UNSET:
            return name if value == "set" else f"{name}={value}"
    eol = values.get("eol", "unspecified")
    if eol not in (*UNSET, "lf"):
        return f"eol={eol}"
    if crlf and values.get("text", "unspecified") != "unset" and eol != "lf":
        return "core.autocrlf=true or core.eol=crlf (line endings converted on checkout)"
    return None


def _crlf_checkout(repo) -> bool:  # type: ignore[no-untyped-def]
    """True when Git's configuration turns LF into CRLF in the working tree."""
    reader = repo.config_reader()
    autocrlf = str(reader.get_value("core", "autocrlf", "false")).lower()
    eol = str(reader.get_value("core", "eol", "native")).lower()
    return autocrlf == "true" or eol == "crlf"


def inside(repo, path: Path) -> str | None:  # type: ignore[no-untyped-def]
    """`path` relative to the repository's working tree (POSIX), or None when outside it."""
    try:
        root = Path(repo.working_tree_dir).resolve()
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
