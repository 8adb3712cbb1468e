"""Golden files for rendering, and byte stability."""

from __future__ import annotations

from generator import yamlio
from generator.config.loader import parse_environment
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from tests.support.golden import assert_golden
from tests.support.snapshots import snapshot

PROD = parse_environment(
    """
namespace: models-prod
alias: champion
seldon:
  protocol: v2
  replicas: 3
  resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}
  env_secret_ref_name: seldon-rclone-secret
  service_account_name: seldon-models
  runtime:
    image: ghcr.io/acme/mlserver-mlflow:1.7.1-py311
    python: "3.11"
    packages: {mlflow: 3.17.2, skops: 0.16.0}
overrides:
  fraud-detector: {replicas: 4}
""",
    "prod.yaml",
)
MINIMAL = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
SNAPSHOT = snapshot({"fraud-detector": {"champion": 2, "dev": 3}, "Price_Forecaster.v2": {"dev": 1}})


def rendered() -> dict[str, str]:
    documents = render(plan({"prod": PROD, "dev": MINIMAL}, SNAPSHOT, CurrentState()))
    return {path: yamlio.dump(doc) for path, doc in documents.items()}


def test_rendered_files_match_golden() -> None:
    files = rendered()
    monitoring = ["dashboard.yaml", "podmonitor.yaml", "prometheusrule.yaml", "kustomization.yaml"]
    models = ["dev/fraud-detector", "dev/price-forecaster-v2-8459ce0a", "prod/fraud-detector"]
    expected = [f"{m}/seldondeployment.yaml" for m in models] + [
        f"{env}/{name}" for env in ("dev", "prod") for name in monitoring
    ]
    assert sorted(files) == sorted(expected)
    for path, text in files.items():
        if path.rsplit("/", 1)[-1] in ("seldondeployment.yaml", "kustomization.yaml"):
            assert_golden(f"render/{path}", text)  # monitoring: test_render_monitoring*.py


def test_rendering_is_byte_stable() -> None:
    assert rendered() == rendered()


def test_untrusted_names_are_quoted_not_interpreted() -> None:
    hostile = "evil' metadata: {name: x} # --- ${HOME} {{ $labels }}"
    documents = render(plan({"dev": MINIMAL}, snapshot({hostile: {"dev": 1}}), CurrentState()))
    path = next(p for p in documents if p.endswith("seldondeployment.yaml"))
    reparsed = yamlio.load(yamlio.dump(documents[path]))
    assert reparsed["metadata"]["annotations"]["model-gitops.io/model"] == hostile
    assert "/" not in path.split("/", 1)[1].rsplit("/", 1)[0]


def test_names_with_control_characters_are_rejected() -> None:
    result = plan({"dev": MINIMAL}, snapshot({"evil\nmetadata: x": {"dev": 1}}), CurrentState())
    change = result.environments["dev"].changes[0]
    assert change.kind == "reject"
    assert "model name contains control or invisible formatting characters" in change.reason
