"""`printable`: controls and bidi/format characters become visible escapes; real text stays."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.printable import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("fraud\nINFO run success", "fraud\\nINFO run success"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("bell\x07 esc\x1b[31m nul\x00 del\x7f", "bell\\x07 esc\\x1b[31m nul\\x00 del\\x7f"),
        ("c1\x85\x9b", "c1\\x85\\x9b"),  # NEL and CSI of the C1 set
        ("model\u202egnp.exe", "model\\u202egnp.exe"),  # right-to-left override
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),  # embeddings, pop, override
        ("\u2066x\u2067y\u2068z\u2069", "\\u2066x\\u2067y\\u2068z\\u2069"),  # isolates
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),  # LRM, RLM, Arabic letter mark
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("zero\u200bwidth\ufeffbom\u00adshy\u2060wj", "zero\\u200bwidth\\ufeffbom\\xadshy\\u2060wj"),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),
        ("lang tag \U000e0001", "lang tag \\U000e0001"),
    ],
)
def test_controls_and_bidi_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "fraud-detector",
        "Price_Forecaster.v2 @champion",
        "模型-推荐",  # CJK
        "\U00020000\U0002a6d6",  # CJK Extension B (outside the BMP)
        "détecteur de fraude \u2013 ünïcödé",
        "عربي עברית",  # right-to-left scripts themselves are fine
        "rocket \U0001f680 star \u2b50\ufe0f",  # emoji with a variation selector
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467",  # zero-width joiner sequence
        "flag \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tag sequence
        "non\u00a0breaking\u3000ideographic space",
        "back\\slash \\n stays",
        "",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert printable(text) == text


@given(st.text())
def test_result_is_one_line_without_controls_or_bidi(text: str) -> None:
    shown = printable(text)
    assert "\n" not in shown and "\r" not in shown
    for ch in shown:
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Zl", "Zp", "Cs"), repr(ch)
        assert category != "Cf" or ch in "\u200c\u200d" or 0xE0020 <= ord(ch) < 0xE0080, repr(ch)
    shown.encode("utf-8")  # printable to any UTF-8 terminal or log file (no lone surrogates)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
def test_text_without_unsafe_characters_is_returned_as_is(text: str) -> None:
    assert printable(text) == text
