"""A scoped run (`sync --model`, a webhook batch): which directories it leaves alone, what it
reads, and the settings a webhook batch runs with."""

from __future__ import annotations

from generator.config.settings import Settings
from generator.model import ModelVersion, RegisteredModel, Snapshot
from generator.plan import scope
from generator.plan.naming import resource_name
from generator.webhook.events import ALIAS_CREATED, Event
from generator.webhook.runner import scoped

PATHS = [
    "prod/kustomization.yaml",
    "prod/prometheusrule.yaml",
    "prod/fraud/seldondeployment.yaml",
    "prod/churn/seldondeployment.yaml",
    "prod/churn/dashboard.yaml",
    "prod/notes/README.md",  # not a model directory: no serving document
    "dev/fraud/seldondeployment.yaml",
    "kserve/churn/inferenceservice.yaml",
    "argocd/prod.yaml",
]
SERVING = {"prod": "seldondeployment.yaml", "dev": "seldondeployment.yaml", "kserve": "inferenceservice.yaml"}


def test_untouched_are_other_model_directories_holding_a_serving_document() -> None:
    assert scope.untouched(PATHS, SERVING, {"fraud"}) == {"prod": ["churn"], "kserve": ["churn"]}
    assert scope.untouched(PATHS, SERVING, {"fraud", "churn"}) == {}
    assert scope.untouched(PATHS, {"prod": "seldondeployment.yaml"}, set()) == {"prod": ["churn", "fraud"]}


def test_directories_are_resource_names() -> None:
    assert scope.directories(["fraud", "Fraud Detector"]) == {"fraud", resource_name("Fraud Detector")}


def test_scoped_snapshot_keeps_only_the_named_models() -> None:
    version = ModelVersion(name="a", version="1", source="s", storage_uri="s", run_id="", status="READY")
    other = ModelVersion(name="b", version="1", source="s", storage_uri="s", run_id="", status="READY")
    snapshot = Snapshot(
        "uri",
        {"a": RegisteredModel("a", {"champion": "1"}, {}), "b": RegisteredModel("b", {"champion": "1"}, {})},
        {("a", "1"): version, ("b", "1"): other},
    )
    kept = scope.scoped_snapshot(snapshot, ["a"])
    assert list(kept.models) == ["a"] and list(kept.versions) == [("a", "1")]


def test_a_webhook_batch_runs_scoped_to_its_models_and_catch_up_runs_everything() -> None:
    settings = Settings()
    batch = [
        Event(ALIAS_CREATED, "b", alias="champion"),
        Event(ALIAS_CREATED, "a"),
        Event(ALIAS_CREATED, "b"),
    ]
    assert scoped(settings, batch).models == ["a", "b"]
    assert scoped(settings, []).models == []
    assert scoped(Settings(models=["x"]), batch).models == ["x"]


def test_a_scope_is_dropped_when_an_environment_is_delivered_by_pull_request() -> None:
    assert scope.models_for(["a"], []) == (["a"], [])
    assert scope.models_for([], ["prod"]) == ([], [])
    models, warnings = scope.models_for(["a"], ["prod", "staging"])
    assert models == [] and warnings == [
        "every model synced, not only the ones named: prod, staging delivered by pull request, planned whole"
    ]
