from __future__ import annotations

from generator.config.loader import parse_environment
from generator.model import CurrentState, Deployed
from generator.plan.planner import plan
from tests.support.snapshots import snapshot

DEV = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
PROD = parse_environment(
    "namespace: models-prod\nalias: champion\nmodels: {exclude: ['*-exp']}\n", "prod.yaml"
)


def deployed(env: str, **versions: str) -> CurrentState:
    return CurrentState({env: {m: Deployed(m, v, m) for m, v in versions.items()}})


def kinds(result, env: str) -> list[tuple[str, str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return [(c.kind, c.model, c.from_version, c.to_version) for c in result.environments[env].changes]


def test_new_aliases_deploy() -> None:
    result = plan({"dev": DEV}, snapshot({"fraud": {"dev": 2}, "churn": {"champion": 1}}), CurrentState())
    assert kinds(result, "dev") == [("deploy", "fraud", None, "2")]
    assert [t.model_uri for t in result.environments["dev"].targets] == ["s3://models/fraud/2"]


def test_moved_alias_updates_and_unchanged_is_quiet() -> None:
    current = deployed("prod", fraud="7", churn="1")
    result = plan({"prod": PROD}, snapshot({"fraud": {"champion": 8}, "churn": {"champion": 1}}, 8), current)
    assert kinds(result, "prod") == [("update", "fraud", "7", "8")]
    assert result.changes[0].describe() == "deploy(prod): fraud 7 -> 8"


def test_removed_alias_removes_and_excluded_models_are_skipped() -> None:
    current = deployed("prod", fraud="1")
    result = plan({"prod": PROD}, snapshot({"fraud": {}, "churn-exp": {"champion": 1}}), current)
    assert kinds(result, "prod") == [("remove", "fraud", "1", None)]
    assert result.environments["prod"].targets == []


def test_rejected_model_keeps_its_last_good_files() -> None:
    current = deployed("dev", fraud="1")
    snap = snapshot({"fraud": {"dev": 2}, "churn": {"dev": 1}}, fraud_2="file:///tmp/local")
    result = plan({"dev": DEV}, snap, current)
    env = result.environments["dev"]
    assert [(c.kind, c.model) for c in env.changes] == [("deploy", "churn"), ("reject", "fraud")]
    assert "cannot be read by the cluster" in env.changes[1].reason
    assert [k.model for k in env.kept] == ["fraud"]
    assert env.directories == ["churn", "fraud"]


def test_names_that_collide_after_sanitising_are_both_rejected() -> None:
    from generator.plan.naming import resource_name

    clash = resource_name("Fraud")
    result = plan({"dev": DEV}, snapshot({"Fraud": {"dev": 1}, clash: {"dev": 1}}), CurrentState())
    env = result.environments["dev"]
    assert env.targets == []
    assert all(c.kind == "reject" and "rename one" in c.reason for c in env.changes)


def test_versions_that_are_not_ready_are_ignored() -> None:
    from dataclasses import replace

    snap = snapshot({"fraud": {"dev": 2}})
    snap.versions[("fraud", "2")] = replace(snap.versions[("fraud", "2")], status="PENDING_REGISTRATION")
    assert plan({"dev": DEV}, snap, CurrentState()).environments["dev"].targets == []
