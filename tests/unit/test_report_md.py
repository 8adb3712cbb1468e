"""The Markdown renderer of plans and pull-request bodies: golden files, escaping, links."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from generator.config.loader import parse_environment
from generator.model import CurrentState, Deployed
from generator.plan.planner import plan
from generator.render.state import current_state
from generator.report import markdown
from tests.support.golden import assert_golden
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

DEV = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
PROD = parse_environment(
    "namespace: models-prod\nalias: champion\ndelivery: {mode: pull-request, labels: [deploy]}\n", "prod.yaml"
)
METRICS = {
    "run-fraud-detector-7": {"val_auc": 0.912, "val_loss": 0.231},
    "run-fraud-detector-8": {"val_auc": 0.918, "val_loss": 0.224, "val_f1": 0.81},
}
UI = "https://mlflow.example.com"


def replace_plan():  # type: ignore[no-untyped-def]
    before = CurrentState(
        {
            "prod": {
                "fraud-detector": Deployed(
                    "fraud-detector",
                    "7",
                    "fraud-detector",
                    {"model-gitops.io/run-id": "run-fraud-detector-7"},
                )
            }
        }
    )
    snap = snapshot({"fraud-detector": {"champion": 8, "dev": 8}, "churn-model": {"dev": 2}}, 8)
    snap = replace(snap, run_metrics=METRICS)
    result = plan({"dev": DEV, "prod": PROD}, snap, before)
    touched = sorted(f"{c.environment}/{c.model}/seldondeployment.yaml" for c in result.changes)
    context = markdown.Context(
        before=before,
        run_metrics=METRICS,
        versions=snap.versions,
        ui_url=UI,
        delivery={"dev": "commit", "prod": "pull-request"},
    )
    return result, touched, context


def test_plan_markdown_matches_golden() -> None:
    result, touched, context = replace_plan()
    text = markdown.plan_markdown(result, touched, context)
    assert_golden("report_md/plan.md", text)
    assert "### prod (pull request)" in text and "### dev (commit)" in text
    assert "| `fraud-detector` | 7 | 8 | replace (update) | 100% | val_auc 0.918 (+0.006)" in text


def test_pull_request_body_matches_golden() -> None:
    result, touched, context = replace_plan()
    prod = [p for p in touched if p.startswith("prod/")]
    body = markdown.pull_request_body(result, "prod", prod, context, prod)
    assert_golden("report_md/pull_request.md", body)
    assert body.startswith("<!-- model-gitops:prod -->\n")
    assert f"[version 8]({UI}/#/models/fraud-detector/versions/8)" in body
    assert f"[run]({UI}/#/runs/run-fraud-detector-8)" in body
    assert "```mermaid\nflowchart LR\n" in body
    assert "churn-model" not in body, "only the environment's own changes"
    assert markdown.pull_request_title(result, "prod", prod) == "deploy(prod): fraud-detector 7 -> 8"


def test_canary_step_and_rollout_diagram() -> None:
    config = "namespace: models-prod\nalias: champion\nstrategy: {type: canary, steps: [10, 50, 100]}\n"
    runs = Runs({"prod": parse_environment(config, "prod.yaml")})
    runs.run(snapshot({"fraud-detector": {"champion": 7}}, 9))
    before = runs.current
    started = runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), after=timedelta(hours=1))
    touched = ["prod/fraud-detector/seldondeployment.yaml"]
    context = markdown.Context(before=before, after=current_state(runs.files))
    body = markdown.pull_request_body(started, "prod", touched, context, touched)
    assert_golden("report_md/pull_request_canary.md", body)
    assert "| canary (" in body and "| 10% (1/3) |" in body
    assert "class n1 current" in body

    good = readings("prod", "fraud-detector", stable=healthy(), canary=healthy())
    advanced = runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), good, after=timedelta(hours=1))
    text = markdown.plan_markdown(advanced, touched, markdown.Context())
    assert "| 50% (2/3) |" in text
    assert "- `fraud-detector`: canary 8 at 10% -> 50%" in text


def test_same_inputs_same_bytes() -> None:
    first = markdown.plan_markdown(*replace_plan())
    assert first == markdown.plan_markdown(*replace_plan())


def test_registry_text_cannot_inject_markdown_or_html() -> None:
    assert (
        markdown.cell("a|b <img src=x onerror=alert(1)>\nnext")
        == "a\\|b &lt;img src=x onerror=alert(1)> next"
    )
    assert markdown._code("x`y|z") == "x'y\\|z"
    assert markdown._label('say "hi" <b>') == "say #quot;hi#quot; #lt;b#gt;"


def test_links_only_for_http_tracking_uris_and_never_with_credentials() -> None:
    assert (
        markdown.ui_base("https://user:s3cret@mlflow.example.com:8443/base/")
        == "https://mlflow.example.com:8443/base"
    )
    assert markdown.ui_base("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert markdown.ui_base("sqlite:///mlflow.db") is None
    assert markdown.ui_base("databricks") is None
