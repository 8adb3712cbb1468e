from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.plan.naming import is_dns_label, resource_name


def test_valid_names_are_kept() -> None:
    assert resource_name("fraud-detector") == "fraud-detector"


def test_sanitised_names_get_a_hash_of_the_original() -> None:
    name = resource_name("Price_Forecaster.v2")
    assert name.startswith("price-forecaster-v2-")
    assert len(name.rsplit("-", 1)[1]) == 8


def test_names_differing_only_in_case_do_not_collide() -> None:
    assert resource_name("Churn") != resource_name("churn")
    assert resource_name("Churn") != resource_name("CHURN")


def test_long_names_are_cut_to_63_characters() -> None:
    name = resource_name("a" * 200)
    assert len(name) == 63 and is_dns_label(name)


@given(st.text(min_size=1, max_size=300))
def test_every_name_becomes_a_dns_label(text: str) -> None:
    assert is_dns_label(resource_name(text))


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80))
def test_distinct_names_map_to_distinct_labels(first: str, second: str) -> None:
    if first != second:
        assert resource_name(first) != resource_name(second)
