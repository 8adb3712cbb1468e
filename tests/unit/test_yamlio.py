from __future__ import annotations

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
