"""Registry text printed on a terminal or in a log can neither forge lines nor reorder them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.printable import printable


def test_line_breaks_and_bidi_controls_become_visible_escapes() -> None:
    assert printable("a\nERROR forged") == "a\\nERROR forged"
    assert printable("model\u202egnp.exe") == "model\\u202egnp.exe"
    assert printable("tab\there\r") == "tab\\there\\r"
    assert printable("bell\x07 c1\x85 sep\u2028") == "bell\\u0007 c1\\u0085 sep\\u2028"


def test_ordinary_unicode_is_left_alone() -> None:
    for text in ["fraud-detector", "modèle", "模型", "𠀋", "🚀 rocket", ""]:
        assert printable(text) == text


def test_backslashes_are_escaped_so_escapes_cannot_be_forged() -> None:
    assert printable("a\\nb") == "a\\\\nb"


@given(st.text())
def test_output_is_always_one_safe_line(text: str) -> None:
    out = printable(text)
    assert "\n" not in out and "\r" not in out
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in out)
