"""Plain-text reports: commit subjects name the most important change; status shows holds."""

from __future__ import annotations

from datetime import timedelta

from generator.config.loader import parse_environment
from generator.model import CurrentState, Deployed
from generator.plan.planner import Change, EnvironmentPlan, Plan, plan
from generator.report.plain import commit_message, plan_text, status_table
from tests.support.rollouts import Runs, healthy, readings, with_metrics
from tests.support.snapshots import snapshot

CANARY = parse_environment(
    "namespace: models-prod\nalias: champion\nstrategy: {type: canary, steps: [10, 100], step_time: 10m}\n",
    "prod.yaml",
)
BAD = readings("prod", "fraud", stable=healthy(errors=3), canary=healthy(requests=200, errors=20))


def registry(fraud: int, **others: int):  # type: ignore[no-untyped-def]
    models = {"fraud": {"champion": fraud}, **{name: {"champion": v} for name, v in others.items()}}
    return with_metrics(snapshot(models, 9), {})


def rolled_back_with_a_new_model() -> Runs:
    """fraud 7 deployed, canary 8 started, then 8 fails its gate while churn 1 is deployed."""
    runs = Runs({"prod": CANARY})
    runs.run(registry(7))
    runs.run(registry(8), after=timedelta(minutes=10))
    runs.run(registry(8, churn=1), BAD, after=timedelta(minutes=10))
    return runs


def test_a_rollback_mixed_with_a_deploy_is_named_in_the_subject() -> None:
    runs = rolled_back_with_a_new_model()
    assert runs.last is not None
    subject, _, body = commit_message(runs.last, []).partition("\n\n")
    assert subject.startswith("rollback(prod): fraud: canary 8 at 10% rolled back to 7")
    assert subject.endswith("(+1 more change in prod)")
    assert body.splitlines()[0] == "deploy(prod): churn 1"


def _plan(*changes: Change) -> Plan:
    by_env: dict[str, list[Change]] = {}
    for change in changes:
        by_env.setdefault(change.environment, []).append(change)
    return Plan({env: EnvironmentPlan(env, CANARY, [], changes=found) for env, found in by_env.items()})


def test_subject_order_is_rollback_hold_promotion_rollout_step_deploy_remove() -> None:
    kinds = [
        Change("a", "m1", "remove", from_version="1"),
        Change("a", "m2", "update", from_version="1", to_version="2"),
        Change("b", "m3", "advance", detail="canary 2 at 10% -> 50%"),
        Change("b", "m4", "promote", detail="canary 2 promoted"),
        Change("c", "m5", "hold", detail="2 held"),
        Change("c", "m6", "rollback", detail="canary 2 rolled back to 1"),
    ]
    expected = [
        "rollback(c): m6: canary 2 rolled back to 1",
        "hold(c): m5: 2 held",
        "promote(b): m4: canary 2 promoted",
        "rollout(b): m3: canary 2 at 10% -> 50%",
        "deploy(a): m2 1 -> 2",
        "remove(a): m1 1",
    ]
    for count in range(len(kinds), 1, -1):
        subject = commit_message(_plan(*kinds[:count]), []).splitlines()[0]
        assert subject.startswith(expected[len(kinds) - count] + " (+")


def test_status_shows_a_held_candidate_with_its_reason_not_as_a_pending_move() -> None:
    runs = rolled_back_with_a_new_model()
    table = status_table(runs.current, ["prod"], {("prod", "fraud"): "8", ("prod", "churn"): "1"})
    lines = table.splitlines()
    assert lines[:3] == ["MODEL  prod", "churn  1", "fraud  7 (8 held)"]
    assert lines[3].startswith("held: prod/fraud 8: canary error ratio 10% > 5%")
    assert lines[3].endswith("; `model-gitops release-hold fraud` tries it again")
    assert "->" not in table


def test_status_shows_a_move_away_from_a_held_candidate_as_pending() -> None:
    runs = rolled_back_with_a_new_model()
    table = status_table(runs.current, ["prod"], {("prod", "fraud"): "9"})
    assert "fraud  7 -> 9" in table and "held" not in table


def test_registry_text_is_printed_escaped() -> None:
    forged = "fraud\nERROR all models deleted\u202e"
    current = CurrentState({"prod": {forged: Deployed(forged, "1", "fraud")}})
    table = status_table(current, ["prod"], {})
    assert table.splitlines()[1].startswith("fraud\\nERROR all models deleted\\u202e  1")
    change = Change("prod", forged, "reject", reason="bad\rreason")
    text = plan_text(_plan(change), [])
    assert "! fraud\\nERROR all models deleted\\u202e: bad\\rreason" in text


def monitoring_plan(layout: str) -> Plan:
    config = parse_environment(f"namespace: n\nalias: dev\nmonitoring: {{layout: {layout}}}\n", "dev.yaml")
    deployed = {m: Deployed(m, "1", m) for m in ("a", "b")}
    return plan(
        {"dev": config}, snapshot({"a": {"dev": 1}, "b": {"dev": 1}}), CurrentState({"dev": deployed})
    )


MOVED_TO_ENVIRONMENT = [f"dev/{m}/{f}" for m in ("a", "b") for f in ("podmonitor.yaml", "dashboard.yaml")]
MOVED_TO_ENVIRONMENT += ["dev/podmonitor.yaml", "dev/dashboard.yaml", "dev/kustomization.yaml"]


def test_a_move_to_the_environment_layout_is_one_line_not_a_settings_change_per_model() -> None:
    message = commit_message(monitoring_plan("environment"), MOVED_TO_ENVIRONMENT)
    assert message == (
        "monitoring(dev): one PodMonitor, PrometheusRule and dashboard for the environment, "
        "replacing those of 2 models\n"
    )
    assert plan_text(monitoring_plan("environment"), MOVED_TO_ENVIRONMENT) == (
        "dev:\n  ~ one PodMonitor, PrometheusRule and dashboard for the environment, "
        "replacing those of 2 models"
    )


def test_monitoring_lines_say_what_changed_and_model_changes_keep_their_own_files() -> None:
    back = commit_message(monitoring_plan("model"), MOVED_TO_ENVIRONMENT)
    assert back.startswith("monitoring(dev): a PodMonitor, PrometheusRule and dashboard per model")
    settings = commit_message(monitoring_plan("environment"), ["dev/prometheusrule.yaml"])
    assert settings == "monitoring(dev): alert rules, dashboards or scrape settings\n"
    with_model = ["dev/a/seldondeployment.yaml", "dev/a/podmonitor.yaml"]
    assert commit_message(monitoring_plan("model"), with_model) == "update(dev): a 1 (manifest settings)\n"


def test_an_environments_first_models_bring_its_monitoring_without_a_line_of_its_own() -> None:
    config = parse_environment("namespace: n\nalias: dev\n", "dev.yaml")
    first = plan({"dev": config}, snapshot({"a": {"dev": 1}}), CurrentState())
    touched = ["dev/a/seldondeployment.yaml", "dev/podmonitor.yaml", "dev/kustomization.yaml"]
    assert commit_message(first, touched) == "deploy(dev): a 1\n"
