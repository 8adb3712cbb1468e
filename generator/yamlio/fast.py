"""A fast, byte-identical path for `yamlio.dump`: the shapes model-gitops renders.

ruamel.yaml's pure-Python emitter costs about a millisecond per small manifest, which adds up to
many seconds for thousands of them. This emitter writes the subset of YAML the renderers produce
(block mappings and sequences of str, int and bool; multi-line text as literal blocks) exactly
as yamlio's ruamel configuration writes it, and raises `Unsupported` for anything else so that
yamlio falls back to ruamel for that document. Each style decision mirrors ruamel's
`Emitter.analyze_scalar` / `choose_scalar_style`; whether a plain scalar would read back as a
string is asked of `yamlio.plain.reads_as_str` (YAML 1.2, YAML 1.1 and Go), the same rule ruamel's
dumper follows, which yamlio passes in (this module imports no YAML library).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# Lines stay far below yamlio's 4096-column width, so ruamel never folds them.
MAX_SCALAR = 3000
MAX_KEY = 100  # below ruamel's 128-character limit for simple keys
MAX_COLUMN = 900
CACHE_LIMIT = 200_000
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")
_LEADING_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


class Unsupported(Exception):
    """The document has a shape this emitter does not write; use ruamel."""


class FastDumper:
    """`dump(document)` -> YAML text, identical to yamlio's ruamel output, or `Unsupported`."""

    def __init__(self, resolves_to_str: Callable[[str], bool], literal_ok: Callable[[str], bool]):
        self._resolves_to_str = resolves_to_str
        self._literal_ok = literal_ok
        self._styled: dict[str, str] = {}

    def dump(self, document: Any) -> str:
        if type(document) is not dict or not document:
            raise Unsupported
        lines: list[str] = []
        self._mapping(document, 0, lines, None)
        return "\n".join(lines) + "\n"

    def _mapping(self, mapping: dict[Any, Any], column: int, lines: list[str], first: str | None) -> None:
        if column > MAX_COLUMN:
            raise Unsupported
        pad = " " * column
        for key, value in mapping.items():
            if type(key) is not str or len(key) > MAX_KEY:
                raise Unsupported
            head = f"{pad if first is None else first}{self._string(key)}:"
            first = None
            kind = type(value)
            if kind is dict:
                lines.append(head if value else f"{head} {{}}")
                if value:
                    self._mapping(value, column + 2, lines, None)
            elif kind is list or kind is tuple:
                lines.append(head if value else f"{head} []")
                if value:
                    self._sequence(value, column, lines)
            elif kind is str and "\n" in value:
                self._literal(head, value, column + 2, lines)
            else:
                lines.append(f"{head} {self._scalar(value)}")

    def _sequence(self, items: list[Any] | tuple[Any, ...], column: int, lines: list[str]) -> None:
        pad = " " * column
        for item in items:
            kind = type(item)
            if kind is dict:
                if item:
                    self._mapping(item, column + 2, lines, f"{pad}- ")
                else:
                    lines.append(f"{pad}- {{}}")
            elif kind is list or kind is tuple or (kind is str and "\n" in item):
                raise Unsupported
            else:
                lines.append(f"{pad}- {self._scalar(item)}")

    def _literal(self, head: str, text: str, column: int, lines: list[str]) -> None:
        if not self._literal_ok(text) or text.endswith("\n\n"):
            raise Unsupported  # double-quoted, or a `|+` block that ruamel ends with `...`
        body, chomp = (text[:-1], "") if text.endswith("\n") else (text, "-")
        lines.append(f"{head} |{chomp}")
        pad = " " * column
        lines.extend(f"{pad}{line}" if line else "" for line in body.split("\n"))

    def _scalar(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return self._string(value)
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        raise Unsupported  # None, floats and other types: ruamel decides

    def _string(self, text: str) -> str:
        styled = self._styled.get(text)
        if styled is None:
            styled = self._style(text)
            if len(self._styled) < CACHE_LIMIT:
                self._styled[text] = styled
        return styled

    def _style(self, text: str) -> str:
        """Plain if ruamel would write it plain, else quoted as ruamel quotes it; else `Unsupported`."""
        if not text:
            return "''"
        if len(text) > MAX_SCALAR or not _PRINTABLE_ASCII.fullmatch(text):
            raise Unsupported
        if _block_plain(text) and self._resolves_to_str(text):
            return text
        if "'" in text:  # ruamel picks double quotes; printable ASCII needs only two escapes
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"'{text}'"


def _block_plain(text: str) -> bool:
    """ruamel's `allow_block_plain` for a non-empty, single-line, printable ASCII string."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if text[0] in _LEADING_INDICATORS:
        return False
    if text[0] in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    if ": " in text[1:] or (len(text) > 1 and text[-1] == ":"):
        return False
    return " #" not in text
