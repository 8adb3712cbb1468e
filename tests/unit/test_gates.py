"""Gate evaluation: online (Prometheus readings) and offline (MLflow run metrics)."""

from __future__ import annotations

import pytest

from generator.config.strategy import OfflineGate, OnlineGates
from generator.model.readings import Reading
from generator.plan import gates

DEFAULT = OnlineGates()


def reading(requests: float = 1000, errors: float = 1, p95: float | None = 0.1) -> Reading:
    return Reading(requests, errors, p95, 300)


def test_healthy_candidate_passes_with_a_summary() -> None:
    result = gates.online(DEFAULT, reading(errors=2, p95=0.084), reading(errors=3, p95=0.09))
    assert (result.outcome, result.summary) == ("pass", "error 0.2% vs 0.3%, p95 84 ms vs 90 ms")
    assert result.text == "pass: error 0.2% vs 0.3%, p95 84 ms vs 90 ms"


@pytest.mark.parametrize(
    ("candidate", "stable", "reason"),
    [
        (None, reading(), "canary had 0 requests in 5m (needs 100)"),
        (reading(requests=99), reading(), "canary had 99 requests in 5m (needs 100)"),
        (reading(), reading(requests=3), "stable had 3 requests in 5m (needs 100)"),
        (reading(), None, "stable had 0 requests in 5m (needs 100)"),
        (reading(p95=None), reading(), "no latency histogram for canary yet"),
        (reading(), reading(p95=None), "no latency histogram for stable yet"),
    ],
)
def test_missing_or_thin_data_waits(candidate: Reading | None, stable: Reading | None, reason: str) -> None:
    result = gates.online(DEFAULT, candidate, stable)
    assert (result.outcome, result.reason) == ("wait", reason)


def test_unreachable_prometheus_waits_whatever_the_readings() -> None:
    result = gates.online(DEFAULT, reading(), reading(), unavailable="Prometheus is down")
    assert (result.outcome, result.reason) == ("wait", "Prometheus is down")


@pytest.mark.parametrize(
    ("candidate", "stable", "reason"),
    [
        (reading(errors=60), reading(errors=50), "canary error ratio 6% > 5%"),
        (reading(errors=25), reading(errors=10), "canary error ratio 2.5% vs stable 1% (more than +1%)"),
        (reading(p95=0.125), reading(p95=0.1), "canary p95 125 ms vs stable 100 ms (more than +20%)"),
    ],
)
def test_regressions_fail(candidate: Reading, stable: Reading, reason: str) -> None:
    result = gates.online(DEFAULT, candidate, stable)
    assert (result.outcome, result.reason) == ("fail", reason)


def test_absolute_thresholds_only_need_no_stable_traffic() -> None:
    absolute = OnlineGates(max_error_ratio_increase=None, max_p95_increase=None, max_p95_ms=100)
    assert gates.online(absolute, reading(p95=0.099), None).outcome == "pass"
    failed = gates.online(absolute, reading(p95=0.2), None, role="shadow")
    assert (failed.outcome, failed.reason) == ("fail", "shadow p95 200 ms > 100 ms")


def test_limits_are_inclusive() -> None:
    exact = OnlineGates(max_error_ratio=0.01, max_error_ratio_increase=None, max_p95_increase=0.5)
    assert gates.online(exact, reading(errors=10, p95=0.15), reading(p95=0.1)).outcome == "pass"


def test_offline_directions_and_drops() -> None:
    rules = [OfflineGate(metric="val_auc", max_drop=0.01), OfflineGate(metric="loss", direction="lower")]
    passed = gates.offline(rules, {"val_auc": 0.915, "loss": 0.2}, {"val_auc": 0.92, "loss": 0.2})
    assert (passed.outcome, passed.summary) == ("pass", "val_auc 0.915 vs 0.92, loss 0.2 vs 0.2")
    failed = gates.offline(rules, {"val_auc": 0.9, "loss": 0.25}, {"val_auc": 0.92, "loss": 0.2})
    assert failed.outcome == "fail"
    assert failed.reason == "val_auc 0.9 vs 0.92 (drops 0.02 > 0.01); loss 0.25 vs 0.2 (rises 0.05 > 0)"


def test_offline_without_rules_passes_silently() -> None:
    assert gates.offline([], {}, {}) == gates.GateResult("pass")


NAN, INF = float("nan"), float("inf")
MLFLOW_INF = 1.7976931348623157e308  # how MLflow's SQL store keeps +inf


@pytest.mark.parametrize(
    ("candidate", "stable", "reason"),
    [
        (
            {"val_auc": NAN},
            {"val_auc": 0.92},
            "the candidate's run logged val_auc = nan (not a finite number)",
        ),
        (
            {"val_auc": INF},
            {"val_auc": 0.92},
            "the candidate's run logged val_auc = inf (not a finite number)",
        ),
        (
            {"val_auc": MLFLOW_INF},
            {"val_auc": 0.92},
            "the candidate's run logged val_auc = inf (not a finite number)",
        ),
        (
            {"val_auc": 0.93},
            {"val_auc": NAN},
            "the stable version's run logged val_auc = nan (not a finite number)",
        ),
        ({"loss": -INF}, {}, "the candidate's run logged loss = -inf (not a finite number)"),
    ],
)
def test_non_finite_run_metrics_fail_the_offline_gate(
    candidate: dict[str, float], stable: dict[str, float], reason: str
) -> None:
    rules = [OfflineGate(metric=next(iter(candidate)), max_drop=0.01)]
    result = gates.offline(rules, candidate, stable)
    assert (result.outcome, result.reason) == ("fail", reason)


@pytest.mark.parametrize(
    ("candidate", "stable", "reason"),
    [
        (reading(errors=NAN), reading(), "Prometheus gave nan as the canary error count"),
        (reading(requests=INF), reading(), "Prometheus gave inf as the canary request count"),
        (reading(requests=NAN), reading(), "Prometheus gave nan as the canary request count"),
        (reading(p95=INF), reading(p95=INF), "Prometheus gave inf as the canary p95 latency"),
        (reading(p95=NAN), reading(), "Prometheus gave nan as the canary p95 latency"),
        (reading(), reading(errors=NAN), "Prometheus gave nan as the stable error count"),
        (reading(), reading(p95=NAN), "Prometheus gave nan as the stable p95 latency"),
    ],
)
def test_non_finite_readings_fail_the_online_gate(candidate: Reading, stable: Reading, reason: str) -> None:
    result = gates.online(DEFAULT, candidate, stable)
    assert result.outcome == "fail"
    assert result.reason.startswith(reason) and "not a finite number" in result.reason


def test_non_finite_values_a_gate_does_not_use_are_ignored() -> None:
    errors_only = OnlineGates(max_error_ratio_increase=None, max_p95_increase=None)
    assert gates.online(errors_only, reading(p95=NAN), reading(errors=NAN)).outcome == "pass"
    thin = gates.online(DEFAULT, reading(requests=3, p95=NAN), reading())
    assert (thin.outcome, thin.reason) == ("wait", "canary had 3 requests in 5m (needs 100)")
