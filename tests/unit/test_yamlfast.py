"""The fast YAML paths must equal ruamel byte for byte (dump) and value for value (load)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import yamlio
from generator.yamlio import fast

ROOT = Path(__file__).resolve().parents[2]
# Characters that change a scalar's style: indicators, quotes, spaces, digits, `:` and `#`.
TRICKY = st.text(alphabet=" abz09-_.:/#'\"?!&*{}[],|>%@`~=<+\\\n\té", max_size=30)
WORDS = st.sampled_from(
    [
        "",
        "1",
        "010",
        "0o17",
        "0x1F",
        "1_000",
        "1.5",
        ".inf",
        "true",
        "True",
        "no",
        "null",
        "~",
        "-",
        "- a",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "---x",
        "...",
        "2024-01-01",
        "<<",
        "=",
        "it's",
        'say "hi"',
    ]
)
SCALARS = st.one_of(TRICKY, WORDS, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.one_of(TRICKY, WORDS), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.one_of(TRICKY, WORDS), DOCUMENTS, min_size=1, max_size=6))
def test_fast_dump_writes_exactly_what_ruamel_writes(document: dict[str, object]) -> None:
    expected = yamlio.dump_with_ruamel(document)
    assert yamlio.dump(document) == expected
    assert yamlio.load(expected) == yamlio.load_with_ruamel(expected)[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.one_of(TRICKY, WORDS), DOCUMENTS, max_size=5), min_size=1, max_size=3))
def test_fast_load_reads_what_ruamel_reads(documents: list[dict[str, object]]) -> None:
    text = yamlio.dump_all(documents)
    assert yamlio.load_all(text) == yamlio.load_with_ruamel(text)


def test_multi_line_text_is_a_literal_block() -> None:
    document = {"data": {"dashboard.json": '{\n  "a": 1,\n\n  "b": [2]\n}\n', "script": "x\ny"}}
    assert yamlio.dump(document) == yamlio.dump_with_ruamel(document)
    assert yamlio.dump(document).startswith("data:\n  dashboard.json: |\n    {\n")


def test_shapes_it_does_not_write_fall_back_to_ruamel() -> None:
    dumper = fast.FastDumper(lambda _: True, lambda _: True)
    for document in [{"a": None}, {"a": 1.5}, {"a": [[1]]}, {"a": "é"}, {"a": "x\x07"}, ["top", "list"]]:
        with pytest.raises(fast.Unsupported):
            dumper.dump(document)
        assert yamlio.dump(document) == yamlio.dump_with_ruamel(document)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "a: [1\n",  # unclosed flow sequence
        "%YAML 1.1\n---\na: yes\n",  # directive: ruamel reads it
        "a: !custom x\n",  # explicit tag
        "a:\n\t- b\n",  # tab indentation
        "a: &x [1, {b: c}]\nb: *x\n",  # anchors and aliases
        "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",  # merge keys
        "? [1, 2]\n: v\n",  # a sequence as a key
        "when: 2024-01-02\nn: 010\nh: 0x1F\no: 0o17\nf: 1e3\nt: True\nz: ~\ne:\n",  # YAML 1.2 scalars
        "- !!str 1\n- !!int '2'\n",  # explicit standard tags
    ],
)
def test_inputs_libyaml_does_not_take_cleanly_behave_as_with_ruamel(text: str) -> None:
    try:
        expected: object = yamlio.load_with_ruamel(text)
    except yamlio.YAMLError as exc:
        expected = type(exc)
    try:
        actual: object = yamlio.load_all(text)
    except yamlio.YAMLError as exc:
        actual = type(exc)
    assert actual == expected


def test_repository_yaml_files_load_identically() -> None:
    files = [*sorted((ROOT / "tests" / "golden").rglob("*.yaml")), *(ROOT / "environments").glob("*.yaml")]
    assert files
    for path in files:
        text = path.read_text("utf-8")
        assert yamlio.load_all(text) == yamlio.load_with_ruamel(text), path
        for document in yamlio.load_with_ruamel(text):
            assert yamlio.dump(document) == yamlio.dump_with_ruamel(document), path
