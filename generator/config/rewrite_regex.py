r"""Storage rewrite patterns, run by RE2: matching time is linear in the source, never exponential.

Python's `re` backtracks, so a pattern such as `([\w:/-]+)+!` or `s3://[\w.-]+/(\w+/?)*artifacts/`
takes exponential time on a 41-character source. Rewrites come from environment files and run on
registry-controlled text, so they are compiled with RE2 (`google-re2`) and checked when the file
is loaded: a pattern RE2 cannot run (backreferences, lookarounds, `\Z`) is a config error in plain
words. The replacement (`to`) may name groups as `\1` or `\g<name>` (and `\\` for a backslash);
a reference to a group the pattern does not have is an error too.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2
from pydantic_core import PydanticCustomError

# The template syntax of `to`; only this module's own (fixed, linear) patterns use Python's `re`.
_REFERENCE = re.compile(r"\\(?:(?P<number>[0-9]{1,2})|g<(?P<name>[^>]*)>|(?P<other>.?))", re.DOTALL)
_LOOKAROUND = re.compile(r"invalid perl operator: \(\?<?[=!]")
_BACKREFERENCE = re.compile(r"invalid escape sequence: \\[1-9]")
LINEAR = "rewrites run on RE2, which matches in time linear in the source and has no backtracking"


def checked_pattern(pattern: str) -> str:
    """`pattern`, or a validation error in plain words (`the pattern uses a lookaround ...`)."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        raise PydanticCustomError("rewrite_pattern", "the pattern {problem}", {"problem": str(exc)}) from None
    return pattern


def checked_template(template: str, pattern: str) -> str:
    """`template`, or a validation error naming the group it refers to that `pattern` lacks."""
    try:
        check_template(template, compile_pattern(pattern))
    except ValueError as exc:
        raise PydanticCustomError(
            "rewrite_template", "the replacement {problem}", {"problem": str(exc)}
        ) from None
    return template


def compile_pattern(pattern: str) -> Any:
    """The RE2 program of `pattern`; `ValueError` in plain words when RE2 cannot run it."""
    try:
        return _compiled(pattern)
    except re2.error as exc:
        raise ValueError(explain(pattern, exc)) from None


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would also print each parse error on stderr
    return re2.compile(pattern, options)


def explain(pattern: str, exc: Exception) -> str:
    """What is wrong with `pattern` for RE2, and what to do."""
    raw = exc.args[0] if exc.args else ""
    detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if _LOOKAROUND.search(detail):
        return f"uses a lookaround ((?=, (?!, (?<=, (?<!), which {LINEAR}; write the pattern without it"
    if _BACKREFERENCE.search(detail) or "(?P=" in pattern:
        return f"uses a backreference (\\1, (?P=name)), which {LINEAR}; write the pattern without it"
    if "invalid escape sequence: \\Z" in detail:
        return "uses \\Z, which RE2 spells \\z (end of text)"
    return f"is not a regular expression RE2 accepts ({detail}); {LINEAR}"


def check_template(template: str, program: Any) -> None:
    """`ValueError` unless every group `template` refers to exists in `program`."""
    for reference in _REFERENCE.finditer(template):
        number, name, other = reference.group("number", "name", "other")
        if other is not None and other != "\\":
            raise ValueError(
                f"has '{reference.group(0)}': only \\1 to \\99, \\g<name> and \\\\ (a backslash) "
                "are understood in a replacement"
            )
        if number is not None and number.startswith("0"):
            raise ValueError(f"has '{reference.group(0)}': write \\g<0> for the whole match")
        group = int(number) if number else name
        if isinstance(group, str) and group.isdigit():
            group = int(group)
        if isinstance(group, int) and group > program.groups:
            raise ValueError(f"refers to group {group} but the pattern has {program.groups}")
        if isinstance(group, str) and group not in program.groupindex:
            raise ValueError(f"refers to group {group!r}, which the pattern does not name")


def expand(template: str, match: Any) -> str:
    """`template` with its group references replaced by what `match` captured."""

    def one(reference: re.Match[str]) -> str:
        number, name = reference.group("number", "name")
        if number is None and name is None:
            return "\\"
        group: int | str = int(number) if number else name
        if isinstance(group, str) and group.isdigit():
            group = int(group)
        return str(match.group(group) or "")

    return _REFERENCE.sub(one, template)


def rewrite(pattern: str, template: str, text: str) -> str | None:
    """`text` with `pattern` (anchored at the start) replaced by `template`, or None if no match."""
    match = _compiled(pattern).match(text)
    if match is None:
        return None
    return expand(template, match) + text[match.end() :]
