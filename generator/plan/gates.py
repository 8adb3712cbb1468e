"""Gate evaluation, pure: does a candidate pass, fail, or need to wait?

- `online`: Prometheus readings of the candidate's predictor against absolute thresholds and
  against the stable predictor. Too little traffic, missing latency data or an unreachable
  Prometheus all mean "wait", never "pass".
- `offline`: MLflow run metrics of the candidate's run against the stable version's run, each
  metric with a direction (higher or lower is better) and the largest drop allowed; and, with
  `serve: true`, the candidate's serve-check result (its `model-gitops.serve-check` tag): passed
  passes, failed fails, skipped or not run yet waits (a skipped check is never a pass).

A value that is not a finite number (NaN, infinity: every comparison with NaN is false, so it
would slip through `drop > max`) fails the gate with a reason naming the value and whose it is.
MLflow stores an infinite metric as the largest float, which counts as infinite here.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from generator.config.strategy import OfflineGate, OnlineGates
from generator.model.readings import Reading

PASS, WAIT, FAIL = "pass", "wait", "fail"
EPSILON = 1e-12
MLFLOW_INFINITY = sys.float_info.max  # what MLflow's SQL stores keep for +-inf


def finite(value: float) -> bool:
    """False for NaN, +-inf and MLflow's stored form of infinity."""
    return math.isfinite(value) and abs(value) < MLFLOW_INFINITY


SERVE_TAG = "model-gitops.serve-check"  # set by `model-gitops serve-check --tag` (and --gate)


@dataclass(frozen=True)
class GateResult:
    """An outcome (pass, wait, fail), the measured values, and why it did not pass."""

    outcome: str
    summary: str = ""
    reason: str = ""

    @property
    def text(self) -> str:
        """One line for annotations and messages: `pass (error 0.2% vs 0.3%, ...)`."""
        detail = self.reason if self.outcome != PASS else self.summary
        return f"{self.outcome}: {detail}" if detail else self.outcome


def percent(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio * 100:.2f}".rstrip("0").rstrip(".") + "%"


def milliseconds(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


def number(value: float) -> str:
    if not finite(value) and not math.isnan(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def online_summary(candidate: Reading | None, stable: Reading | None) -> str:
    """`error 0.2% vs 0.3%, p95 84 ms vs 90 ms` (candidate vs stable)."""
    if candidate is None:
        return ""
    if stable is None:
        return f"error {percent(candidate.error_ratio)}, p95 {milliseconds(candidate.p95_seconds)}"
    return (
        f"error {percent(candidate.error_ratio)} vs {percent(stable.error_ratio)}, "
        f"p95 {milliseconds(candidate.p95_seconds)} vs {milliseconds(stable.p95_seconds)}"
    )


def online(
    gates: OnlineGates,
    candidate: Reading | None,
    stable: Reading | None,
    unavailable: str = "",
    role: str = "canary",
) -> GateResult:
    """Judge the candidate predictor's readings (`role` names it in messages)."""
    if unavailable:
        return GateResult(WAIT, reason=unavailable)
    summary = online_summary(candidate, stable)
    if candidate is None or candidate.requests < gates.min_requests:
        count = 0 if candidate is None else candidate.requests
        return GateResult(WAIT, summary, _too_few(role, count, gates))
    relative = gates.max_error_ratio_increase is not None or gates.max_p95_increase is not None
    if relative and (stable is None or stable.requests < gates.min_requests):
        return GateResult(WAIT, summary, _too_few("stable", 0 if stable is None else stable.requests, gates))
    problem = (
        _non_finite(gates, [(role, candidate), *([("stable", stable)] if relative and stable else [])])
        or _error_problem(gates, candidate, stable, role)
        or _latency_problem(gates, candidate, stable, role)
    )
    if problem is None:
        return GateResult(PASS, summary)
    outcome, reason = problem
    return GateResult(outcome, summary, reason)


def _too_few(role: str, count: float, gates: OnlineGates) -> str:
    return f"{role} had {count:.0f} requests in {gates.window} (needs {gates.min_requests})"


def _non_finite(gates: OnlineGates, readings: list[tuple[str, Reading]]) -> tuple[str, str] | None:
    """A reading the gates need that Prometheus gave as NaN or infinity fails the gate."""
    latency = gates.max_p95_ms is not None or gates.max_p95_increase is not None
    for who, reading in readings:
        values = {"request count": reading.requests, "error count": reading.errors}
        if latency and reading.p95_seconds is not None:
            values["p95 latency"] = reading.p95_seconds
        for what, value in values.items():
            if not finite(value):
                return FAIL, (
                    f"Prometheus gave {number(value)} as the {who} {what} (not a finite number); "
                    "check the model server's metrics for that predictor"
                )
    return None


def _error_problem(
    gates: OnlineGates, candidate: Reading, stable: Reading | None, role: str
) -> tuple[str, str] | None:
    ratio = candidate.error_ratio or 0.0
    if gates.max_error_ratio is not None and ratio > gates.max_error_ratio + EPSILON:
        return FAIL, f"{role} error ratio {percent(ratio)} > {percent(gates.max_error_ratio)}"
    if gates.max_error_ratio_increase is not None and stable is not None:
        base = stable.error_ratio or 0.0
        if ratio - base > gates.max_error_ratio_increase + EPSILON:
            allowed = percent(gates.max_error_ratio_increase)
            return (
                FAIL,
                f"{role} error ratio {percent(ratio)} vs stable {percent(base)} (more than +{allowed})",
            )
    return None


def _latency_problem(
    gates: OnlineGates, candidate: Reading, stable: Reading | None, role: str
) -> tuple[str, str] | None:
    if gates.max_p95_ms is None and gates.max_p95_increase is None:
        return None
    p95 = candidate.p95_seconds
    if p95 is None:
        return WAIT, f"no latency histogram for {role} yet"
    if gates.max_p95_ms is not None and p95 * 1000 > gates.max_p95_ms + EPSILON:
        return FAIL, f"{role} p95 {milliseconds(p95)} > {gates.max_p95_ms:g} ms"
    if gates.max_p95_increase is not None and stable is not None:
        if stable.p95_seconds is None:
            return WAIT, "no latency histogram for stable yet"
        limit = stable.p95_seconds * (1 + gates.max_p95_increase)
        if p95 > limit + EPSILON:
            allowed = percent(gates.max_p95_increase)
            return FAIL, (
                f"{role} p95 {milliseconds(p95)} vs stable {milliseconds(stable.p95_seconds)} "
                f"(more than +{allowed})"
            )
    return None


def offline(
    gates: list[OfflineGate],
    candidate: dict[str, float],
    stable: dict[str, float],
    serve_result: str | None = None,
) -> GateResult:
    """Compare the candidate run's metrics with the stable run's (`val_auc 0.93 vs 0.92`), and
    read its serve-check result when a `serve: true` gate asks for it."""
    shown: list[str] = []
    problems: list[str] = []
    waits: list[str] = []
    for gate in gates:
        if gate.metric is None:
            _serve(serve_result, shown, problems, waits)
            continue
        new, old = candidate.get(gate.metric), stable.get(gate.metric)
        if new is None:
            problems.append(f"the candidate's run has no metric {gate.metric}")
            continue
        unusable = [
            (w, v)
            for w, v in (("candidate", new), ("stable version", old))
            if v is not None and not finite(v)
        ]
        if unusable:
            shown.append(f"{gate.metric} {number(new)} vs {'none' if old is None else number(old)}")
            problems += [
                f"the {who}'s run logged {gate.metric} = {number(value)} (not a finite number)"
                for who, value in unusable
            ]
            continue
        if old is None:
            shown.append(f"{gate.metric} {number(new)} (stable has none)")
            continue
        shown.append(f"{gate.metric} {number(new)} vs {number(old)}")
        drop = old - new if gate.direction == "higher" else new - old
        if drop > gate.max_drop + EPSILON:
            verb = "drops" if gate.direction == "higher" else "rises"
            limit = number(gate.max_drop)
            problems.append(f"{gate.metric} {number(new)} vs {number(old)} ({verb} {number(drop)} > {limit})")
    summary = ", ".join(shown)
    if problems:
        return GateResult(FAIL, summary, "; ".join(problems))
    if waits:
        return GateResult(WAIT, summary, "; ".join(waits))
    return GateResult(PASS, summary)


def _serve(result: str | None, shown: list[str], problems: list[str], waits: list[str]) -> None:
    """The `serve: true` gate from the tag `passed (runtime, 21 s): ...` / `failed ...` / `skipped ...`."""
    text = " ".join((result or "").split())
    outcome = text.split(" ", 1)[0]
    if outcome == "passed":
        shown.append("serve-check passed")
    elif outcome == "failed":
        problems.append(f"serve-check {text}")
    elif outcome == "skipped":
        waits.append(f"serve-check {text} (a skipped check is not a pass)")
    else:
        waits.append("no serve-check result yet (run `model-gitops serve-check --gate`)")
