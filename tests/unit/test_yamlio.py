from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import yamlio

scalars = st.one_of(st.text(max_size=60), st.integers(), st.booleans(), st.none())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=20), documents, max_size=6))
def test_any_document_round_trips_exactly(document: dict[str, object]) -> None:
    assert yamlio.load(yamlio.dump(document)) == document


def test_dump_is_byte_stable_and_keeps_key_order() -> None:
    document = {"b": 1, "a": {"z": "x\ny\n", "c": [1, 2]}}
    assert yamlio.dump(document) == yamlio.dump(document)
    assert yamlio.dump(document) == "b: 1\na:\n  z: |\n    x\n    y\n  c:\n  - 1\n  - 2\n"


def test_numeric_looking_strings_stay_strings() -> None:
    text = yamlio.dump({"version": "8", "flag": "yes", "octal": "010"})
    assert yamlio.load(text) == {"version": "8", "flag": "yes", "octal": "010"}


# Plain scalars that YAML 1.1 readers (PyYAML, Go's yaml.v2 behind kubectl) or Go's number parsing
# read as something other than the string: booleans, null, numbers, dates, merge keys.
_WORDS = (
    "yes Yes YES no No NO on On ON off Off OFF y Y n N true True false null Null NULL ~ "
    "1e3 0o17 0x1F 0X1F 0B101 012 1_000 1:20 12:30:45 190:20:30.15 .inf -.Inf .NaN .5e3 +.5e3 .5 "
    "2024-01-01 2001-12-14t21:59:43.10-05:00 << ="
)
YAML11_WORDS = _WORDS.split(" ")


def test_strings_a_yaml_1_1_reader_takes_for_other_types_are_quoted_in_both_paths() -> None:
    for word in YAML11_WORDS:
        document = {word: word, "list": [word], "name": word}
        text = yamlio.dump(document)
        assert text == yamlio.dump_with_ruamel(document), word
        assert f"name: {word}\n" not in text, f"{word!r} written plain"
        assert yaml.safe_load(text) == document, word
        assert yamlio.load(text) == document, word


def test_strings_every_reader_agrees_on_stay_plain() -> None:
    document = {"name": "fraud-detector", "version": "v1.2", "when": "NaN", "time": "1:2:3:4a", "e": "e3"}
    assert yamlio.dump(document) == "name: fraud-detector\nversion: v1.2\nwhen: NaN\ntime: 1:2:3:4a\ne: e3\n"


def test_characters_beyond_the_basic_multilingual_plane_are_written_as_themselves() -> None:
    for name in ["🚀", "model-𠀀", "🚀 launch\x07"]:  # the last one needs a double-quoted scalar
        text = yamlio.dump({"name": name})
        assert text == yamlio.dump_with_ruamel({"name": name})
        assert "\\ud" not in text.lower() and name.split("\x07")[0] in text
        assert yaml.safe_load(text) == {"name": name} == yamlio.load(text)
    assert yamlio.dump({"name": "🚀"}) == "name: 🚀\n"


# Keys and values drawn from YAML 1.1 words, characters that change a scalar's style, and any text.
READER_TEXT = st.one_of(
    st.sampled_from(YAML11_WORDS),
    st.text(alphabet="yesnotrufalYNO0123456789.:-+_eExXoObB~<= ", max_size=12),
    st.text(max_size=20),
)
STRING_DOCUMENTS = st.recursive(
    READER_TEXT,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(READER_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(READER_TEXT, STRING_DOCUMENTS, min_size=1, max_size=6))
def test_yaml_1_1_and_1_2_readers_read_back_the_same_strings(document: dict[str, object]) -> None:
    text = yamlio.dump(document)
    assert text == yamlio.dump_with_ruamel(document)
    assert yamlio.load_with_ruamel(text)[0] == document  # YAML 1.2
    assert yaml.safe_load(text) == document  # YAML 1.1 (PyYAML)
