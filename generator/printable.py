"""Text from the registry or the network made safe to print on one terminal or log line. Pure.

Control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
controls that can hide or reorder text (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
U+061C) are shown as visible escapes (`\\n`, `\\u202e`), so a model named "a\\nERROR ..."
cannot forge a log line. Ordinary Unicode (accents, CJK, emoji) is left as it is.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_UNSAFE = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` with every unsafe character replaced by a visible escape."""
    return _UNSAFE.sub(_escape, text)
