"""Make untrusted text safe to print on one line: `printable(text)`. Pure.

Registry names, aliases, tags and sources are written by many people and land in logs and on
terminals. A newline in a model name would forge a log line; a bidi control such as U+202E
(right-to-left override) would make a terminal show something other than what is there. So
every character that moves the cursor, changes the text direction or is invisible by design is
shown as an escape instead:

- C0 controls, DEL and C1 controls: `\\n`, `\\r`, `\\t`, else `\\x1b`-style;
- line and paragraph separators (U+2028, U+2029) and lone surrogates: `\\u2028`-style;
- format characters (Unicode category Cf: the bidi embeddings, overrides and isolates
  U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F and U+061C, zero-width spaces,
  BOMs, soft hyphens): `\\u202e`-style (`\\U000e0001` above the BMP).

Everything else is left as it is: letters of every script (CJK, also beyond the BMP), emoji,
including the zero-width joiner (U+200D), non-joiner (U+200C) and tag characters
(U+E0020-U+E007F) that emoji sequences are made of, and ordinary spaces. A backslash is left as
it is too: the result is for people to read, not an encoding to reverse.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_EMOJI_PARTS = frozenset({"\u200c", "\u200d", *map(chr, range(0xE0020, 0xE0080))})


def printable(text: str) -> str:
    """`text` with control, bidi and other invisible format characters shown as escapes."""
    if text.isprintable():  # the common case: nothing to escape (isprintable is stricter)
        return text
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in text)


def _unsafe(ch: str) -> bool:
    if ch.isprintable() or ch in _EMOJI_PARTS:
        return False
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./-]{1,253}")


def shown(text: str, limit: int = 40) -> str:
    """A name for a message: as is when it is a plain word (letters, digits, `_./-`), else quoted
    (Python's `repr`, so escaped) and cut to `limit` characters."""
    if _PLAIN_WORD.fullmatch(text):
        return text
    return repr(text[:limit]) + ("..." if len(text) > limit else "")
