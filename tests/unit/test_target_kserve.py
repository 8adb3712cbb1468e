"""The KServe target: golden InferenceServices of replace and of each canary step, read back,
KServe's admission rules, its runtime profile, its PromQL vocabulary, and what config refuses."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import promql_parser
import pytest

from generator import targets, yamlio
from generator.config import EnvironmentConfig
from generator.config.kserve import KServeSettings
from generator.config.loader import parse_environment
from generator.errors import ConfigError
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from generator.render.state import current_state
from generator.targets.kserve import TARGET, promql
from generator.targets.kserve.admission import admission_problems
from generator.targets.kserve.runtimes import MLSERVER_171
from generator.targets.seldon_v1 import promql as seldon_promql
from tests.support.golden import assert_golden
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

NO_MONITORING = (
    "monitoring: {podmonitor: {enabled: false}, rules: {enabled: false}, dashboard: {enabled: false}}\n"
)
PROD = (
    """
target: kserve
namespace: models-prod
alias: champion
seldon:
  replicas: 2
  resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}
  service_account_name: kserve-models
"""
    + NO_MONITORING
)
CANARY = "strategy: {type: canary, steps: [10, 50, 100]}\n"
DECLARED = PROD.replace(
    "  service_account_name: kserve-models\n",
    """  service_account_name: kserve-models
  runtime:
    image: ghcr.io/acme/mlserver-mlflow:1.7.1-py311
    python: "3.11"
    packages: {mlflow: 3.17.2, scikit-learn: 1.9.1}
kserve: {runtime: mlserver-py311}
""",
)
CAPABILITIES = {name: target.strategies for name, target in targets.TARGETS.items()}
FILE = "prod/fraud-detector/inferenceservice.yaml"
GOOD = readings("prod", "fraud-detector", default=healthy(), canary=healthy())
FAILING = readings("prod", "fraud-detector", default=healthy(), canary=healthy(errors=400))


def environment(text: str = PROD, extra: str = "") -> EnvironmentConfig:
    return parse_environment(text + extra, "environments/prod.yaml", CAPABILITIES)


def error_of(extra: str, base: str = PROD) -> str:
    with pytest.raises(ConfigError) as caught:
        environment(base, extra)
    return caught.value.one_line()


def runs(extra: str = CANARY) -> Runs:
    """7 deployed (replace), then the alias moves to 8: a canary starts at 10%."""
    result = Runs({"prod": environment(PROD, extra)}, serving_file=TARGET.file_name)
    result.run(snapshot({"fraud-detector": {"champion": 7}}, 9))
    result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), after=timedelta(hours=1))
    return result


def text(result: Runs) -> str:
    return result.files[FILE].decode()


def checked(result: Runs) -> dict[str, Any]:
    document = result.document("prod", "fraud-detector")
    assert admission_problems(document) == []
    return document


def test_replace_renders_one_predictor_and_matches_golden() -> None:
    documents = render(
        plan({"prod": environment()}, snapshot({"fraud-detector": {"champion": 2}}), CurrentState())
    )
    assert sorted(documents) == [FILE, "prod/kustomization.yaml"]
    assert_golden("kserve/replace.yaml", yamlio.dump(documents[FILE]))
    assert admission_problems(documents[FILE]) == []
    predictor = documents[FILE]["spec"]["predictor"]
    assert predictor["model"]["storageUri"] == "s3://models/fraud-detector/2"
    assert "canaryTrafficPercent" not in predictor
    assert yamlio.load(yamlio.dump(documents["prod/kustomization.yaml"]))["resources"] == [
        "fraud-detector/inferenceservice.yaml"
    ]


def test_each_canary_step_then_promotion_matches_golden() -> None:
    result = runs()
    assert_golden("kserve/canary-10.yaml", text(result))
    first = checked(result)
    predictor = first["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 10
    assert predictor["model"]["storageUri"] == "s3://models/fraud-detector/8"
    assert predictor["labels"] == {"app.kubernetes.io/version": "8", "model-gitops.io/predictor": "canary"}
    annotations = first["metadata"]["annotations"]
    assert annotations["model-gitops.io/version"] == "7"
    assert annotations["model-gitops.io/rollout-candidate"] == "8"
    assert annotations["model-gitops.io/rollout-stable-uri"] == "s3://models/fraud-detector/7"

    result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), GOOD, after=timedelta(hours=1))
    assert_golden("kserve/canary-50.yaml", text(result))
    assert checked(result)["spec"]["predictor"]["canaryTrafficPercent"] == 50

    result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), GOOD, after=timedelta(hours=1))
    assert_golden("kserve/canary-promoted.yaml", text(result))
    promoted = checked(result)
    assert "canaryTrafficPercent" not in promoted["spec"]["predictor"]
    assert promoted["spec"]["predictor"]["model"]["storageUri"] == "s3://models/fraud-detector/8"
    assert promoted["metadata"]["annotations"]["model-gitops.io/version"] == "8"
    rollout = [key for key in promoted["metadata"]["annotations"] if "rollout-" in key]
    assert rollout == ["model-gitops.io/rollout-gate"]  # the last gate's readings, as Seldon's


def test_a_failing_canary_rolls_back_to_the_stable_storage_uri() -> None:
    result = runs()
    change = result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), FAILING, after=timedelta(hours=1))
    assert [c.kind for c in change.changes] == ["rollback"]
    assert_golden("kserve/canary-rollback.yaml", text(result))
    document = checked(result)
    predictor = document["spec"]["predictor"]
    assert "canaryTrafficPercent" not in predictor
    assert predictor["model"]["storageUri"] == "s3://models/fraud-detector/7"
    assert predictor["labels"]["model-gitops.io/predictor"] == "default"
    assert document["metadata"]["annotations"]["model-gitops.io/rollout-hold"] == "8"


def test_read_back_round_trips_every_rendered_shape() -> None:
    result = runs()
    shapes = [result.files[FILE]]
    result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), GOOD, after=timedelta(hours=1))
    shapes.append(result.files[FILE])
    for content in shapes:
        document = yamlio.load(content.decode())
        found = TARGET.read_back(document)
        assert found is not None
        assert (found.model, found.version, found.predictor) == ("fraud-detector", "7", "default")
        assert found.annotations == document["metadata"]["annotations"]
        assert found.served_by == TARGET.served_by(environment().seldon) == "mlflow v2"
        deployed = current_state({FILE: content}).deployed["prod"]["fraud-detector"]
        assert (deployed.version, deployed.directory, deployed.served_by) == (
            "7",
            "fraud-detector",
            "mlflow v2",
        )
    assert TARGET.read_back({"metadata": {"annotations": {"model-gitops.io/model": "m"}}}) is None
    assert TARGET.read_back({"metadata": {"annotations": ["not", "a", "mapping"]}}) is None


def test_an_unchanged_registry_renders_the_same_bytes() -> None:
    result = runs()
    before = dict(result.files)
    result.run(snapshot({"fraud-detector": {"champion": 8}}, 9), after=timedelta(minutes=1))
    assert result.files == before


def test_a_declared_runtime_is_the_predictor_image_and_its_profile() -> None:
    config = environment(DECLARED)
    documents = render(plan({"prod": config}, snapshot({"fraud-detector": {"champion": 2}}), CurrentState()))
    assert_golden("kserve/declared-runtime.yaml", yamlio.dump(documents[FILE]))
    model = documents[FILE]["spec"]["predictor"]["model"]
    assert (model["runtime"], model["image"]) == (
        "mlserver-py311",
        "ghcr.io/acme/mlserver-mlflow:1.7.1-py311",
    )
    served = "mlflow v2 ghcr.io/acme/mlserver-mlflow:1.7.1-py311"
    assert TARGET.served_by(config.seldon) == served
    assert TARGET.read_back(documents[FILE]).served_by == served  # type: ignore[union-attr]
    profile = TARGET.runtime(config.seldon)
    assert (profile.image, profile.python, profile.packages["mlflow"]) == (
        "ghcr.io/acme/mlserver-mlflow:1.7.1-py311",
        "3.11",
        "3.17.2",
    )


def test_the_built_in_runtime_is_kserve_mlserver_1_7_1() -> None:
    profile = TARGET.runtime(environment().seldon)
    assert profile is MLSERVER_171
    assert profile.image == "docker.io/seldonio/mlserver:1.7.1"
    assert (profile.python, profile.mlserver) == ("3.10", "1.7.1")
    assert profile.packages["mlflow"] == "2.19.0" and "skops" not in profile.packages
    assert "v0.20.0" in profile.source and "MLServer@1.7.1" in profile.source
    assert TARGET.required_flavor(environment().seldon) == "python_function"


def test_the_target_is_registered_with_argo_cds_built_in_health_check() -> None:
    assert targets.get("kserve") is TARGET
    assert targets.by_file("inferenceservice.yaml") is TARGET
    assert targets.by_kind("serving.kserve.io/v1beta1", "InferenceService") is TARGET
    assert TARGET.strategies == frozenset({"replace", "canary"})
    assert dict(TARGET.health_checks) == {}
    assert TARGET.crd.endswith(
        "/v0.20.0/charts/kserve-crd/templates/serving.kserve.io_inferenceservices.yaml"
    )


def test_the_planner_hands_the_kserve_block_to_the_target() -> None:
    config = environment(PROD, "kserve: {deployment_mode: Standard}\n")
    target = (
        plan({"prod": config}, snapshot({"m": {"champion": 1}}), CurrentState())
        .environments["prod"]
        .targets[0]
    )
    assert target.settings == KServeSettings(deployment_mode="Standard")
    document = TARGET.render(target)
    assert document["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Standard"
    assert admission_problems(document) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "kserve: {deployment_mode: Standard}\n" + CANARY,
            "strategy: canary needs kserve.deployment_mode: Knative; in Standard mode KServe v0.20 "
            "ignores canaryTrafficPercent",
        ),
        (
            "kserve: {deployment_mode: Standard}\noverrides:\n  m: {strategy: canary}\n",
            "overrides.m.strategy: canary needs kserve.deployment_mode: Knative",
        ),
        ("kserve: {deployment_mode: Serverless}\n", "KServe v0.20 renamed Serverless to Knative"),
        ("kserve: {deployment_mode: RawDeployment}\n", "write Standard"),
        (
            "strategy: shadow\n",
            "strategy: the kserve target cannot roll out 'shadow'; it supports canary, replace",
        ),
        (
            "overrides:\n  m: {strategy: {type: ab, challenger: c}}\n",
            "overrides.m.strategy: the kserve target cannot roll out 'ab'",
        ),
        (
            "overrides:\n  m: {implementation: SKLEARN_SERVER}\n",
            "overrides.m.implementation: the kserve target",
        ),
        ("kserve: {runtime: my-runtime}\n", "kserve.runtime: my-runtime is not KServe's kserve-mlserver"),
        ("kserve: {runtime: Bad_Name}\n", "kserve.runtime: must be a DNS label"),
    ],
)
def test_what_kserve_cannot_do_is_refused_at_load(extra: str, expected: str) -> None:
    assert expected in error_of(extra)


@pytest.mark.parametrize(
    ("seldon", "expected"),
    [
        ("protocol: seldon", "seldon.protocol: the kserve target always serves the V2 inference protocol"),
        ("env_secret_ref_name: s3-creds", "seldon.env_secret_ref_name: KServe reads storage credentials"),
    ],
)
def test_seldon_only_settings_are_refused_for_kserve(seldon: str, expected: str) -> None:
    base = f"target: kserve\nnamespace: models\nalias: champion\nseldon: {{{seldon}}}\n{NO_MONITORING}"
    assert expected in error_of("", base)


def test_monitoring_is_on_by_default_for_kserve() -> None:
    config = environment("", "target: kserve\nnamespace: models\nalias: champion\n")
    monitoring = config.monitoring
    assert monitoring.podmonitor.enabled and monitoring.rules.enabled and monitoring.dashboard.enabled


def test_settings_kserve_can_honour_load() -> None:
    base = f"target: kserve\nnamespace: models\nalias: champion\n{NO_MONITORING}"
    assert environment(base, "seldon: {protocol: v2, implementation: MLFLOW_SERVER}\n")
    assert environment(PROD, "kserve: {runtime: kserve-mlserver, deployment_mode: Standard}\n")
    assert environment(DECLARED, CANARY)
    seldon_env = parse_environment("namespace: m\nalias: a\nkserve: {deployment_mode: Standard}\n", "e.yaml")
    assert seldon_env.target == "seldon-v1"  # the block is read only by the kserve target


def service(**predictor: object) -> dict[str, Any]:
    model = {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2", "storageUri": "s3://b/m/1"}
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "fraud-detector",
            "annotations": {"serving.kserve.io/deploymentMode": "Knative"},
        },
        "spec": {"predictor": {"model": model, **predictor}},
    }


def with_name(name: object) -> dict[str, Any]:
    document = service()
    document["metadata"]["name"] = name
    return document


def with_mode(mode: str, **predictor: object) -> dict[str, Any]:
    document = service(**predictor)
    document["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] = mode
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (with_name("2024-forecaster"), "needs a lowercase letter first"),
        (with_name("m" * 54), "longer than 53 characters"),
        (with_mode("Serverless"), "'Serverless' is not one of Knative, Standard"),
        (with_mode("Standard", canaryTrafficPercent=10), "canaryTrafficPercent: ignored in Standard mode"),
        (service(canaryTrafficPercent=120), "canaryTrafficPercent 120: a percentage from 0 to 100"),
        (service(minReplicas=3, maxReplicas=2), "minReplicas 3 is greater than maxReplicas 2"),
        (service(minReplicas=-1), "cannot be negative"),
        (service(sklearn={"storageUri": "s3://b/m"}), "exactly one of model, sklearn"),
        (
            service(model={"name": "x", "modelFormat": {"name": "mlflow"}}),
            "model.name: KServe's webhook refuses it",
        ),
        (
            service(model={"modelFormat": {"name": "mlflow"}, "storageUri": "azureblob://c/m"}),
            "add a storage.rewrites",
        ),
        ({"metadata": [], "spec": "x"}, "exactly one of model"),
    ],
)
def test_kserve_admission_rules(document: dict[str, Any], expected: str) -> None:
    problems = admission_problems(document)
    assert any(expected in problem for problem in problems), problems


def test_a_valid_inference_service_has_no_admission_problem() -> None:
    assert admission_problems(service(minReplicas=2, maxReplicas=2, canaryTrafficPercent=0)) == []
    assert admission_problems(with_name("m" * 53)) == []


def test_the_promql_vocabulary_has_the_seldon_one_s_functions_and_parses() -> None:
    public = {
        name
        for name, value in vars(seldon_promql).items()
        if inspect.isfunction(value) and value.__module__ == seldon_promql.__name__ and name[0] != "_"
    }
    assert public <= set(vars(promql)), sorted(public - set(vars(promql)))
    selector = promql.Selector("models-prod", "fraud-detector")
    by = promql.PER_PREDICTOR
    queries = [
        promql.requests(selector, "5m", by),
        promql.errors(selector, "5m", by),
        promql.error_ratio(selector, "5m", by),
        promql.quantile(0.95, selector, "5m", by),
        promql.traffic_share(selector, "5m", by),
        promql.no_traffic(selector, "30m"),
        promql.canary_error_ratio_excess(selector, "5m"),
        promql.canary_slower(selector, "5m", 1.5),
        promql.versions_seen(selector, "1d"),
        promql.new_versions(selector, "5m"),
    ]
    for query in queries:
        promql_parser.parse(query)
        assert "rest_server_request_duration_seconds" in query
        assert 'path=~".*/infer"' in query
    assert str(selector.serving()) == (
        '{namespace="models-prod", deployment_name="fraud-detector", path=~".*/infer", '
        'predictor_name!~"canary|challenger|shadow"}'
    )
    assert 'status_code=~"5.."' in promql.errors(selector, "5m", by)
