from __future__ import annotations

import pytest

from generator.config.loader import parse_environment
from generator.model import CurrentState, Deployed
from generator.plan.guards import PruneRefused, check_removals
from generator.plan.planner import plan
from tests.support.snapshots import snapshot

DEV = parse_environment("namespace: d\nalias: dev\n", "dev.yaml")
LOOSE = parse_environment("namespace: d\nalias: dev\nsafety: {max_removed_share: 0.8}\n", "dev.yaml")


def state(*models: str) -> CurrentState:
    return CurrentState({"dev": {m: Deployed(m, "1", m) for m in models}})


def check(config, aliases: dict[str, dict[str, int]], deployed: list[str], allow: bool = False) -> None:  # type: ignore[no-untyped-def]
    snap = snapshot(aliases)
    the_plan = plan({"dev": config}, snap, state(*deployed))
    empty = not any(m.aliases for m in snap.models.values())
    check_removals(the_plan, {"dev": len(deployed)}, empty, allow)


def test_removing_a_minority_is_fine() -> None:
    check(DEV, {"a": {"dev": 1}, "b": {"dev": 1}, "c": {}}, ["a", "b", "c"])


def test_removing_more_than_half_is_refused_without_allow_prune() -> None:
    with pytest.raises(PruneRefused, match="refusing to remove 2 of 3 deployments"):
        check(DEV, {"a": {"dev": 1}, "b": {}, "c": {}}, ["a", "b", "c"])
    check(DEV, {"a": {"dev": 1}, "b": {}, "c": {}}, ["a", "b", "c"], allow=True)


def test_share_is_configurable() -> None:
    check(LOOSE, {"a": {"dev": 1}, "b": {}, "c": {}}, ["a", "b", "c"])


def test_removing_everything_needs_allow_prune() -> None:
    with pytest.raises(PruneRefused, match="--allow-prune"):
        check(LOOSE, {"a": {}, "b": {"staging": 1}}, ["a"])
    check(LOOSE, {"a": {}, "b": {"staging": 1}}, ["a"], allow=True)


def test_an_empty_registry_never_wipes_an_environment() -> None:
    with pytest.raises(PruneRefused, match="registry returned no model"):
        check(DEV, {}, ["a", "b"], allow=True)
