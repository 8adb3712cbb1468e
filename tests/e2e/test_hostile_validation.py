"""Hostile registry names through the real validators (kustomize, kubeconform, promtool)."""

from __future__ import annotations

import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import yamlio
from generator.app.pipeline import render_validated
from generator.config.loader import parse_environment
from generator.config.settings import ValidationSettings
from generator.model import CurrentState
from generator.plan.planner import plan
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.e2e
ENV = parse_environment("namespace: d\nalias: dev\n", "dev.yaml")
HOSTILE = [
    "../../etc/passwd",
    "/abs",
    "{{ $labels.x }}",
    "a: b\nc: d",
    "x' OR '1'='1",
    "é\u202e\u0000z",
    "-",
    "A" * 300,
]


def validation() -> ValidationSettings:
    return ValidationSettings(
        schema_locations=os.environ["MODEL_GITOPS_SCHEMA_LOCATIONS"].split(),
        crds=os.environ["MODEL_GITOPS_CRDS"].split(),
    )


def check(names: list[str]) -> tuple[set[str], dict[str, bytes]]:
    snap = snapshot({name: {"dev": 1} for name in names}, 1)
    the_plan = plan({"dev": ENV}, snap, CurrentState())
    final, desired = render_validated(the_plan, CurrentState(), {"dev": ENV}, validation())
    env = final.environments["dev"]
    delivered = {t.model for t in env.targets}
    rejected = {c.model for c in env.changes if c.kind == "reject"}
    assert delivered | rejected == set(names)
    assert all(path.startswith("dev/") and ".." not in path for path in desired)
    return delivered, desired


def test_known_hostile_names_are_delivered_safely_or_rejected() -> None:
    check(HOSTILE)


def test_names_beyond_the_bmp_and_yaml_1_1_words_pass_real_validation() -> None:
    """Emoji and CJK Extension B pass promtool (no surrogate escapes); `yes` stays a string."""
    names = ["🚀", "model-𠀀", "yes", "no", "on", "y", "true", "null", "1e3", "0x1F", "~", "2024-01-01"]
    delivered, desired = check(names)
    assert delivered == set(names), f"rejected: {set(names) - delivered}"
    for path, content in desired.items():  # a YAML 1.1 reader reads what a YAML 1.2 reader reads
        text = content.decode()
        assert list(yaml.safe_load_all(text)) == yamlio.load_all(text), path


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1, max_size=70), min_size=1, max_size=6, unique=True))
def test_random_names_pass_real_validation_or_are_rejected(names: list[str]) -> None:
    check(names)
