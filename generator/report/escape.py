"""Untrusted text inside Markdown: shown exactly, never live. Pure.

Model names, versions, run ids, tags, sources and reasons come from a registry many people write
to, and end up in pull-request bodies and job summaries that GitHub renders. Every place the
Markdown renderers embed such text goes through one of these functions:

- `text(value)`: inline prose (table cells, list items, headings). Every character with a meaning
  in CommonMark, GitHub Flavored Markdown or GitHub's renderer is backslash-escaped (links, images,
  HTML, emphasis, code, tables, math, and a list or rule at its start), `://` and `www.` cannot
  autolink, and `@` and `#` are followed by a zero-width space so that `@someone`, `@org/team`,
  `closes #1` and `user@host` do not mention, reference or link anything. The rendered text reads
  exactly as the value (less spaces at its ends, which Markdown drops anyway).
- `code(value, table=...)`: a code span (GitHub links, mentions and references nothing in code),
  fenced with more backticks than any run inside it; in a table cell `|` is escaped.

Both keep the value on one line: line breaks, other control characters and the bidirectional
controls that reorder text are shown as visible escapes (`\\n`, `\\u202e`), as `printable` does.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from generator.printable import printable

_MARKUP = re.compile(r"[\\`*_~\[\]()!<>&|$]|:(?=//)|(?i:(?<=www)\.)")
_MENTION = re.compile(r"[@#]")
_BLOCK_START = re.compile(r"^(\d*)([-+=.])")  # a list item, thematic break or ordered list
_BACKTICKS = re.compile(r"`+")
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"
ZERO_WIDTH_SPACE = "\u200b"


def visible(value: str) -> str:
    """One line: line breaks, controls and bidi controls as visible escapes; backslashes kept."""
    return "\\".join(printable(part) for part in value.split("\\"))


def text(value: str) -> str:
    """`value` as inert inline Markdown text, also where a line or list item starts."""
    escaped = _MARKUP.sub(lambda match: "\\" + match.group(0), visible(value).strip(" "))
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped)
    return _MENTION.sub(lambda match: _mention(match.group(0)), escaped)


def _mention(char: str) -> str:
    return ("\\#" if char == "#" else "@") + ZERO_WIDTH_SPACE


def code(value: str, table: bool = False) -> str:
    """`value` as a code span showing it exactly; `table=True` inside a table cell."""
    shown = visible(value)
    if not shown:
        return ""
    if table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    if shown.strip(" ") and (shown[0] in "` " or shown[-1] in "` "):
        shown = f" {shown} "  # CommonMark strips exactly one space from each side
    return f"{fence}{shown}{fence}"


def fence(body: str) -> str:
    """A code fence no line of `body` can close: longer than any backtick run in it."""
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    return "`" * max(3, longest + 1)


def url(address: str) -> str:
    """A link destination with no space, parenthesis, pipe or angle bracket left to break it."""
    return quote(address, safe=_URL_SAFE)


def label(value: str) -> str:
    """Text safe inside a quoted Mermaid node label."""
    replaced = visible(value).replace('"', "#quot;").replace("`", "#96;")
    return " ".join(replaced.replace("<", "#lt;").replace(">", "#gt;").split())


def html_text(value: str) -> str:
    """Text inside an HTML element we write (`<summary>`): HTML-escaped, one line."""
    return html.escape(visible(value))
