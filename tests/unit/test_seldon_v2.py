"""The seldon-v2 target (Seldon Core 2): golden Lists per strategy, read-back round trips, the
rollout moves as Models and Experiments, admission rules and load-time refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from generator import targets, yamlio
from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.plan.rollout_state import CANDIDATE, HOLD, STEP, STRATEGY, reading_requests, release_hold
from generator.render import render
from generator.render.state import current_state
from generator.targets import seldon_v2
from generator.targets.seldon_v2.admission import admission_problems, whole_bytes
from generator.targets.seldon_v2.runtimes import MLSERVER_171
from tests.support.golden import assert_golden
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

CAPABILITIES = {name: target.strategies for name, target in targets.TARGETS.items()}
FILE = "model.yaml"
PODMONITOR_OFF = "monitoring: {podmonitor: {enabled: false}}\n"
MONITORING_OFF = (
    "monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}\n"
)
PROD = (
    """
target: seldon-v2
namespace: models-prod
alias: champion
seldon:
  replicas: 2
  resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}
  env_secret_ref_name: seldon-rclone-secret
"""
    + MONITORING_OFF
)
DECLARED = (
    """
target: seldon-v2
namespace: models-dev
alias: dev
seldon:
  runtime:
    image: ghcr.io/acme/mlserver-mlflow:1.7.1-py311
    python: "3.11"
    packages: {mlflow: 3.1.0, scikit-learn: 1.7.0}
seldon_v2: {server: mlserver-mlflow}
"""
    + MONITORING_OFF
)
STRATEGIES = {
    "canary": "strategy: {type: canary, steps: [10, 50, 100]}\n",
    "shadow": "strategy: shadow\n",
    "ab": "strategy: {type: ab, challenger: challenger, split: 30}\n",
}


def environment(text: str, name: str = "prod"):  # type: ignore[no-untyped-def]
    return parse_environment(text, f"{name}.yaml", CAPABILITIES)


def rendered(kind: str) -> Runs:
    """7 deployed, then 8 as the candidate (or challenger); a canary is advanced one step."""
    runs = Runs({"prod": environment(PROD + STRATEGIES[kind])})
    runs.run(snapshot({"fraud-detector": {"champion": 7}}, 9))
    aliases = {"champion": 7, "challenger": 8} if kind == "ab" else {"champion": 8}
    runs.run(snapshot({"fraud-detector": aliases}, 9), after=timedelta(hours=1))
    if kind == "canary":
        good = readings("prod", "fraud-detector", stable=healthy(), canary=healthy())
        runs.run(snapshot({"fraud-detector": aliases}, 9), good, after=timedelta(hours=1))
    return runs


def items(runs: Runs) -> list[dict]:  # type: ignore[type-arg]
    document = runs.document("prod", "fraud-detector", FILE)
    assert (document["apiVersion"], document["kind"]) == ("v1", "List")
    return list(document["items"])


# Golden files and the shape of each strategy


def test_replace_renders_one_model_matching_golden() -> None:
    documents = render(
        plan({"dev": environment(DECLARED, "dev")}, snapshot({"fraud-detector": {"dev": 3}}), CurrentState())
    )
    assert sorted(documents) == ["dev/fraud-detector/model.yaml", "dev/kustomization.yaml"]
    text = yamlio.dump(documents["dev/fraud-detector/model.yaml"])
    assert_golden("seldon_v2/replace.yaml", text)
    assert_golden("seldon_v2/kustomization.yaml", yamlio.dump(documents["dev/kustomization.yaml"]))
    model = yamlio.load(text)["items"][0]
    assert model["spec"] == {
        "storageUri": "s3://models/fraud-detector/3",
        "requirements": ["mlflow"],
        "server": "mlserver-mlflow",
        "replicas": 1,
    }


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_strategy_renderings_match_golden_and_pass_admission(kind: str) -> None:
    files = rendered(kind).files
    text = files[f"prod/fraud-detector/{FILE}"]
    assert_golden(f"seldon_v2/{kind}.yaml", text)
    for item in yamlio.load(text.decode())["items"]:
        assert admission_problems(item) == [], item["metadata"]["name"]


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_lists_are_written_as_ruamel_would_write_them(kind: str) -> None:
    document = rendered(kind).document("prod", "fraud-detector", FILE)
    assert yamlio.dump(document) == yamlio.dump_with_ruamel(document)


def test_models_and_traffic_per_strategy() -> None:
    def shape(kind: str) -> list[tuple[str, str, object]]:
        found: list[tuple[str, str, object]] = []
        for item in items(rendered(kind)):
            spec = item["spec"]
            detail = spec.get("replicas") if item["kind"] == "Model" else spec
            found.append((item["kind"], item["metadata"]["name"], detail))
        return found

    assert shape("canary") == [
        ("Model", "fraud-detector", 2),
        ("Model", "fraud-detector-canary-8", 1),
        (
            "Experiment",
            "fraud-detector",
            {
                "default": "fraud-detector",
                "candidates": [
                    {"name": "fraud-detector", "weight": 50},
                    {"name": "fraud-detector-canary-8", "weight": 50},
                ],
            },
        ),
    ]
    assert shape("shadow")[1:] == [
        ("Model", "fraud-detector-shadow-8", 2),
        (
            "Experiment",
            "fraud-detector",
            {
                "default": "fraud-detector",
                "candidates": [{"name": "fraud-detector", "weight": 100}],
                "mirror": {"name": "fraud-detector-shadow-8", "percent": 100},
            },
        ),
    ]
    ab = shape("ab")
    assert [name for _, name, _ in ab] == ["fraud-detector", "fraud-detector-challenger-8", "fraud-detector"]
    assert ab[2][2]["candidates"] == [  # type: ignore[index]
        {"name": "fraud-detector", "weight": 70},
        {"name": "fraud-detector-challenger-8", "weight": 30},
    ]


def test_the_serving_model_keeps_its_name_and_the_candidates_uri_is_its_own() -> None:
    serving, candidate, _ = items(rendered("canary"))
    assert serving["spec"]["storageUri"] == "s3://models/fraud-detector/7"
    assert candidate["spec"]["storageUri"] == "s3://models/fraud-detector/8"
    assert serving["spec"]["memory"] == candidate["spec"]["memory"] == "1Gi"  # the request wins
    assert serving["spec"]["secretName"] == "seldon-rclone-secret"
    assert candidate["metadata"]["annotations"]["model-gitops.io/role"] == "canary"
    assert candidate["metadata"]["labels"]["app.kubernetes.io/version"] == "8"


# Read back: what Git holds is the rollout state


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_read_back_recovers_model_version_rollout_and_candidate(kind: str) -> None:
    runs = rendered(kind)
    deployed = runs.current.deployed["prod"]["fraud-detector"]
    assert (deployed.model, deployed.version, deployed.directory) == ("fraud-detector", "7", "fraud-detector")
    assert deployed.annotations[STRATEGY] == kind
    assert deployed.annotations[CANDIDATE] == "8"
    assert deployed.annotations[STEP] == {"canary": "50", "shadow": "shadow", "ab": "30"}[kind]
    settings = runs.environments["prod"].seldon
    assert deployed.served_by == seldon_v2.TARGET.served_by(settings) == "requirements: mlflow"


def test_read_back_round_trips_and_a_second_run_changes_nothing() -> None:
    runs = rendered("canary")
    before = dict(runs.files)
    runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), after=timedelta(minutes=1))
    assert runs.files == before
    assert [c.kind for c in runs.last.environments["prod"].changes] == ["wait"]  # type: ignore[union-attr]


def test_read_back_of_a_declared_runtime_names_its_image() -> None:
    documents = render(
        plan({"dev": environment(DECLARED, "dev")}, snapshot({"m": {"dev": 1}}), CurrentState())
    )
    files = {path: yamlio.dump(doc).encode() for path, doc in documents.items()}
    deployed = current_state(files).deployed["dev"]["m"]
    expected = "requirements: mlflow ghcr.io/acme/mlserver-mlflow:1.7.1-py311"
    assert deployed.served_by == expected == seldon_v2.TARGET.served_by(environment(DECLARED, "dev").seldon)


@pytest.mark.parametrize(
    "document",
    [
        {"apiVersion": "v1", "kind": "List", "items": []},
        {"apiVersion": "v1", "kind": "List", "items": [{"kind": "Experiment", "metadata": {}}]},
        {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": {"annotations": {}}},
        {"kind": "List", "items": [{"kind": "Model", "metadata": {"annotations": {"x": "y"}}}]},
        {"kind": "List", "items": [{"kind": "Model", "metadata": {"annotations": ["a"]}}]},
    ],
)
def test_documents_that_are_not_ours_read_back_as_none(document: dict) -> None:  # type: ignore[type-arg]
    assert seldon_v2.TARGET.read_back(document) is None


# Rollout moves as Models and an Experiment


def test_promotion_leaves_the_serving_model_on_the_new_version_alone() -> None:
    runs = rendered("canary")
    good = readings("prod", "fraud-detector", stable=healthy(), canary=healthy())
    runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), good, after=timedelta(hours=1))
    [serving] = items(runs)
    assert serving["metadata"]["name"] == "fraud-detector"
    assert serving["spec"]["storageUri"] == "s3://models/fraud-detector/8"
    assert runs.current.deployed["prod"]["fraud-detector"].version == "8"


def test_rollback_holds_the_candidate_and_release_hold_edits_the_serving_model() -> None:
    runs = rendered("canary")
    bad = readings("prod", "fraud-detector", stable=healthy(), canary=healthy(errors=400))
    runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), bad, after=timedelta(hours=1))
    [serving] = items(runs)
    assert serving["spec"]["storageUri"] == "s3://models/fraud-detector/7"
    assert serving["metadata"]["annotations"][HOLD] == "8"
    released, held = release_hold(runs.document("prod", "fraud-detector", FILE))
    assert held == "8"
    assert HOLD not in released["items"][0]["metadata"]["annotations"]
    assert released["kind"] == "List" and "metadata" not in released


def test_gate_readings_are_requested_from_the_targets_metrics() -> None:
    runs = rendered("canary")
    wanted = reading_requests(runs.environments, runs.current)
    assert [(r.predictor, r.version, r.target) for r in wanted] == [
        ("stable", "7", "seldon-v2"),
        ("canary", "8", "seldon-v2"),
    ]
    assert [seldon_v2.promql.reading_model(r) for r in wanted] == [
        "fraud-detector",
        "fraud-detector-canary-8",
    ]


# Runtime, flavor, registration


def test_the_default_runtime_is_the_mlserver_of_seldon_core_2_10_2() -> None:
    target = targets.get("seldon-v2")
    settings = environment(PROD).seldon
    assert target.runtime(settings) is MLSERVER_171
    assert MLSERVER_171.summary == "seldonio/mlserver:1.7.1 (Python 3.10, mlflow 2.19.0)"
    assert MLSERVER_171.mlserver == "1.7.1" and "skops" not in MLSERVER_171.packages
    declared = target.runtime(environment(DECLARED, "dev").seldon)
    assert declared.image == "ghcr.io/acme/mlserver-mlflow:1.7.1-py311" and declared.python == "3.11"
    assert target.required_flavor(settings) == "python_function"


def test_the_target_is_registered_with_its_kinds_files_and_crds() -> None:
    target = targets.get("seldon-v2")
    assert targets.by_file("model.yaml") is target
    assert targets.by_kind("mlops.seldon.io/v1alpha1", "Model") is target
    assert targets.by_kind("mlops.seldon.io/v1alpha1", "Experiment") is target
    assert targets.by_kind("mlops.seldon.io/v1alpha1", "Pipeline") is None
    assert targets.crds(target) == [
        "https://raw.githubusercontent.com/SeldonIO/seldon-core/v2.10.2/operator/config/crd/bases/"
        "mlops.seldon.io_models.yaml",
        "https://raw.githubusercontent.com/SeldonIO/seldon-core/v2.10.2/operator/config/crd/bases/"
        "mlops.seldon.io_experiments.yaml",
    ]
    assert targets.crds(targets.get("seldon-v1")) == [targets.get("seldon-v1").crd]
    assert target.strategies == {"replace", "canary", "ab", "shadow"}
    assert set(target.health_checks) == {
        "resource.customizations.health.mlops.seldon.io_Model",
        "resource.customizations.health.mlops.seldon.io_Experiment",
    }


# Admission: what the operator and the scheduler refuse


@pytest.mark.parametrize(
    ("quantity", "whole"),
    [
        ("1Gi", True),
        ("512Mi", True),
        ("2", True),
        ("0", True),
        ("1.5G", True),
        ("1.25k", True),
        ("1e3", True),
        ("1.5Gi", False),
        ("0.5", False),
        ("500m", False),
        ("1000m", False),
        ("1.0005k", False),
        ("1e-3", False),
        ("lots", False),
        ("", False),
    ],
)
def test_memory_must_convert_to_whole_bytes_as_quantity_as_int64_does(quantity: str, whole: bool) -> None:
    assert whole_bytes(quantity) is whole


def test_admission_names_each_refused_field() -> None:
    model = {
        "kind": "Model",
        "spec": {"storageUri": "s3://x", "memory": "1.5Gi", "replicas": 5, "maxReplicas": 3},
    }
    assert admission_problems(model) == [
        "spec.memory: '1.5Gi' is not a whole number of bytes, which Seldon Core 2 needs (Can't convert "
        "model memory quantity to bytes); write it as e.g. 1536Mi or 2Gi",
        "spec.replicas: 5 is above maxReplicas 3",
    ]
    scaled = {"kind": "Model", "spec": {"replicas": 1, "minReplicas": 2, "maxReplicas": 1}}
    assert admission_problems(scaled) == [
        "spec.replicas: 1 is below minReplicas 2",
        "spec.minReplicas: 2 is above maxReplicas 1",
    ]
    both = {"kind": "Model", "spec": {"explainer": {"type": "anchor"}, "llm": {"modelRef": "m"}}}
    assert admission_problems(both) == ["spec: a Model cannot have both explainer and llm"]
    experiment = {
        "kind": "Experiment",
        "spec": {
            "default": "a",
            "candidates": [{"name": "b", "weight": 1}],
            "mirror": {"name": "b", "percent": 1},
        },
    }
    assert admission_problems(experiment) == [
        "spec.default: 'a' is not one of the candidates",
        "spec: each candidate and the mirror must differ; b repeats",
    ]
    assert admission_problems({"kind": "Experiment", "spec": {"candidates": []}}) == [
        "spec: an Experiment needs a candidate or a mirror"
    ]


# Load-time refusals


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        environment(text)
    return str(raised.value)


def test_a_minimal_seldon_v2_environment_loads() -> None:
    config = environment("target: seldon-v2\nnamespace: models\nalias: champion\n" + MONITORING_OFF)
    assert config.target_settings("any").server is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "seldon: {implementation: SKLEARN_SERVER}",
            "seldon.implementation: the seldon-v2 target serves MLflow models only",
        ),
        (
            "seldon: {protocol: seldon}",
            "seldon.protocol: Seldon Core 2 serves the Open Inference Protocol (v2) only",
        ),
        (
            "seldon: {service_account_name: models}",
            "seldon.service_account_name: a Seldon Core 2 Model has no",
        ),
        (
            "seldon: {resources: {limits: {cpu: '1'}}}",
            "seldon.resources.limits.cpu: a Seldon Core 2 Model has only a memory",
        ),
        ("overrides: {m: {service_account_name: x}}", "overrides.m.service_account_name: a Seldon Core 2"),
        ("overrides: {m: {resources: {requests: {cpu: 1m}}}}", "overrides.m.resources.requests.cpu:"),
        ("seldon_v2: {server: Bad_Name}", "seldon_v2.server: must be a DNS label"),
    ],
)
def test_what_a_seldon_core_2_model_cannot_carry_is_refused_naming_the_key(
    section: str, expected: str
) -> None:
    message = error_of(f"target: seldon-v2\nnamespace: models\nalias: champion\n{MONITORING_OFF}{section}\n")
    assert "prod.yaml" in message and expected in message


def test_a_podmonitor_per_model_asked_for_is_refused_rules_and_dashboard_are_not() -> None:
    asked = (
        "target: seldon-v2\nnamespace: models\nalias: champion\nmonitoring: {podmonitor: {enabled: true}}\n"
    )
    message = error_of(asked)
    assert "monitoring.podmonitor.enabled: Seldon Core 2's model metrics come from the Server pods" in message
    assert "set monitoring.podmonitor.enabled to false" in message
    assert "monitoring.rules" not in message and "monitoring.dashboard" not in message
    for text in ("", PODMONITOR_OFF):  # the default renders none for seldon-v2: a minimal file loads
        config = environment("target: seldon-v2\nnamespace: models\nalias: champion\n" + text)
        assert config.monitoring.rules.enabled and config.monitoring.dashboard.enabled


def test_a_seldon_v1_environment_may_still_set_all_of_it() -> None:
    config = environment(
        "namespace: models\nalias: champion\nseldon: {protocol: seldon, service_account_name: x, "
        "resources: {limits: {cpu: '1'}}}\n"
    )
    assert config.target == "seldon-v1" and config.target_settings("m") is None
