"""Round-trip edits of files people wrote (`yamlio.set_values`): the edit lands, nothing else moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from generator.yamlio.edit import guess_indent

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("overrides", "fraud-detector", "replicas")


@pytest.mark.parametrize("name", ["dev", "prod", "staging"])
def test_the_repository_environments_round_trip_byte_for_byte(name: str) -> None:
    text = (ROOT / "environments" / f"{name}.yaml").read_text()
    assert yamlio.set_values(text, {}) == text


def test_an_existing_value_changes_in_place_with_its_comment() -> None:
    text = (
        "namespace: x  # where\noverrides:\n  fraud-detector:\n    replicas: 4  # peak season\n  other: {}\n"
    )
    edited = yamlio.set_values(text, {REPLICAS: 6})
    assert edited == text.replace("replicas: 4", "replicas: 6")


def test_missing_mappings_are_appended_block_style_and_scalar_maps_flow() -> None:
    text = "# prod\nnamespace: models-prod\nalias: champion\n"
    resources = {"requests": {"cpu": "2", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}
    edited = yamlio.set_values(
        text,
        {
            REPLICAS: 3,
            ("overrides", "fraud-detector", "resources"): resources,
            ("overrides", "churn", "autoscaling"): {"min_replicas": 2, "max_replicas": 9},
        },
    )
    assert edited == (
        "# prod\nnamespace: models-prod\nalias: champion\n"
        "overrides:\n"
        "  fraud-detector:\n"
        "    replicas: 3\n"
        "    resources:\n"
        '      requests: {cpu: "2", memory: 512Mi}\n'
        "      limits: {memory: 1Gi}\n"
        "  churn:\n"
        "    autoscaling: {min_replicas: 2, max_replicas: 9}\n"
    )
    assert yamlio.load(edited)["overrides"]["fraud-detector"]["resources"]["requests"]["cpu"] == "2"


def test_a_whole_value_is_replaced_and_its_neighbours_kept() -> None:
    text = (
        "overrides:\n"
        "  fraud-detector:\n"
        "    # more memory since v7\n"
        "    resources:\n"
        "      requests:\n"
        "        memory: 2Gi\n"
        "    strategy: {type: canary}\n"
    )
    edited = yamlio.set_values(
        text, {("overrides", "fraud-detector", "resources"): {"requests": {"cpu": "300m"}}}
    )
    assert edited == (
        "overrides:\n"
        "  fraud-detector:\n"
        "    # more memory since v7\n"
        "    resources:\n"
        "      requests: {cpu: 300m}\n"
        "    strategy: {type: canary}\n"
    )


@pytest.mark.parametrize("empty", ["overrides: {}\n", "overrides:\n"])
def test_an_empty_overrides_key_becomes_a_block(empty: str) -> None:
    edited = yamlio.set_values("namespace: x\n" + empty, {REPLICAS: 2})
    assert edited == "namespace: x\noverrides:\n  fraud-detector:\n    replicas: 2\n"


def test_the_files_own_indentation_is_kept() -> None:
    text = (
        "namespace: x\n"
        "storage:\n"
        "    rewrites:\n"
        "    - from: a\n"
        "      to: b\n"
        "overrides:\n"
        "    fraud-detector:\n"
        "        replicas: 1\n"
    )
    assert guess_indent(text) == (4, 0)
    assert yamlio.set_values(text, {REPLICAS: 5}) == text.replace("replicas: 1", "replicas: 5")


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="not a mapping"):
        yamlio.set_values("- a\n- b\n", {REPLICAS: 1})
