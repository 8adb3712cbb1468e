"""Property-based: whatever names and tags users put in the registry, the output is valid YAML
with safe paths and exact annotations, or the model is rejected with a reason."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import yamlio
from generator.config.loader import parse_environment
from generator.model import CurrentState
from generator.plan.naming import is_dns_label
from generator.plan.planner import plan
from generator.render import render
from generator.targets.seldon_v1.admission import admission_problems
from tests.support.snapshots import snapshot

ENV = parse_environment("namespace: d\nalias: dev\n", "dev.yaml")
TAG_KEYS = st.sampled_from(
    [
        "model-gitops.replicas",
        "model-gitops.resources.requests.cpu",
        "model-gitops.resources.limits.memory",
        "model-gitops.image",
        "model-gitops.command",
        "owner",
    ]
)
NAMES = st.text(min_size=1, max_size=90).filter(lambda n: n.strip() != "")


def plan_with(name: str, tags: dict[str, str]):  # type: ignore[no-untyped-def]
    snap = snapshot({name: {"dev": 1}}, 1)
    snap.models[name] = replace(snap.models[name], tags=tags)
    return plan({"dev": ENV}, snap, CurrentState())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES, st.dictionaries(TAG_KEYS, st.text(max_size=30), max_size=4))
def test_output_is_valid_or_the_model_is_rejected(name: str, tags: dict[str, str]) -> None:
    result = plan_with(name, tags)
    env = result.environments["dev"]
    if not env.targets:
        assert [c.kind for c in env.changes] == ["reject"] and env.changes[0].reason
        return
    documents = render(result)
    for path, document in documents.items():
        parts = path.split("/")
        assert parts[0] == "dev" and all(is_dns_label(p) for p in parts[1:-1])
        assert ".." not in parts and not path.startswith("/")
        text = yamlio.dump(document)
        assert yamlio.load(text) == document
        if document.get("kind") == "SeldonDeployment":
            assert document["metadata"]["annotations"]["model-gitops.io/model"] == name
            assert admission_problems(document) == []
            predictor = document["spec"]["predictors"][0]
            assert 1 <= predictor["replicas"] <= 10


def test_allowlisted_tags_apply() -> None:
    tags = {
        "model-gitops.replicas": "3",
        "model-gitops.resources.limits.memory": "2Gi",
        "model-gitops.image": "evil",
    }
    target = plan_with("fraud", tags).environments["dev"].targets[0]
    assert target.seldon.replicas == 3
    assert target.seldon.resources.limits.memory == "2Gi"


def test_out_of_bounds_tags_reject_the_model_with_a_reason() -> None:
    env = plan_with("fraud", {"model-gitops.replicas": "500"}).environments["dev"]
    assert env.targets == []
    assert "tag model-gitops.replicas='500' is not a whole number from 1 to 10" in env.changes[0].reason
    env = plan_with("fraud", {"model-gitops.resources.requests.cpu": "1; rm -rf /"}).environments["dev"]
    assert "is not a Kubernetes quantity" in env.changes[0].reason


def test_a_replicas_tag_past_the_int_conversion_limit_rejects_only_that_model() -> None:
    snap = snapshot({"fraud": {"dev": 1}, "churn": {"dev": 1}}, 1)
    snap.models["fraud"] = replace(snap.models["fraud"], tags={"model-gitops.replicas": "7" * 4301})
    env = plan({"dev": ENV}, snap, CurrentState()).environments["dev"]
    assert [t.model for t in env.targets] == ["churn"]
    (rejected,) = env.changes[1:] if env.changes[0].model == "churn" else env.changes[:1]
    assert rejected.model == "fraud" and rejected.kind == "reject"
    assert rejected.reason == (
        "dev: fraud version 1: tag model-gitops.replicas=(a value of 4301 characters) is not a whole "
        "number from 1 to 10: fix the registered model's tag"
    )
