"""Promotion: which version an environment with `promote` should serve, and the evidence. Pure.

The candidate is the version the source environment (`promote.from`) serves as stable in Git.
It is promoted when it has served there for `soak` without interruption (`CurrentState.since`,
read from Git history), passes the online gates over that window in the source environment
(Prometheus readings of its serving predictor) and the offline gates against this
environment's current version (MLflow run metrics). Until then the environment keeps what it
serves, and the plan says why (a `wait`). A promoted version then rolls out through the
environment's own strategy (a canary in prod still runs its steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from generator.config import EnvironmentConfig
from generator.config.promote import Promotion
from generator.model import CurrentState, Deployed, ModelVersion, ServedSince, Snapshot
from generator.model.readings import Readings
from generator.plan import gates
from generator.plan.health import health_of
from generator.plan.rollout_state import State, serving_name


@dataclass(frozen=True)
class Verdict:
    """The version to serve ("" for none), why the source's is not promoted yet, or the evidence."""

    version: str
    waiting: str = ""
    evidence: str = ""


def judge(
    env: str,
    config: EnvironmentConfig,
    model: str,
    snapshot: Snapshot,
    current: CurrentState,
    readings: Readings,
    now: datetime,
) -> Verdict:
    promote = config.promote
    assert promote is not None  # the planner asks only for environments with `promote`
    kept = kept_version(current.deployed.get(env, {}).get(model))
    source = current.deployed.get(promote.from_, {}).get(model)
    if source is None or source.version == kept:
        return Verdict(kept)
    candidate = source.version
    since = current.since.get(promote.from_, {}).get(model)
    problem = (
        _soak(promote, candidate, since, now)
        or _healthy(promote, snapshot.versions.get((model, candidate)))
        or _online(promote, model, source, readings)
    )
    offline = _offline(promote, snapshot, model, candidate, kept)
    if problem or offline.outcome != gates.PASS:
        why = problem or offline.reason
        return Verdict(kept, waiting=f"promotion of {candidate} from {promote.from_}: {why}")
    return Verdict(candidate, evidence=_evidence(promote, model, source, since, readings, offline))


def kept_version(here: Deployed | None) -> str:
    """What the environment serves or is rolling out to (a canary's candidate is not undone)."""
    if here is None:
        return ""
    state = State.of(here)
    return state.candidate if state.in_progress and state.candidate and not state.hold else here.version


def _soak(promote: Promotion, candidate: str, since: ServedSince | None, now: datetime) -> str:
    if since is None or since.version != candidate:
        return f"no commit in Git history shows {promote.from_} starting to serve it"
    served = max((now - since.time).total_seconds(), 0.0)  # a clock behind the commit: not yet
    if served < promote.soak_seconds:
        return f"served there {_hours(served)} of {promote.soak} (since {since.commit[:12]})"
    return ""


def _healthy(promote: Promotion, version: ModelVersion | None) -> str:
    if not promote.require_healthy:
        return ""
    health = health_of(version, promote.from_)
    if health == "Healthy":
        return ""
    return f"Argo CD reports it {health or 'nothing yet'} there (`model-gitops health` records it)"


def _online(promote: Promotion, model: str, source: Deployed, readings: Readings) -> str:
    if promote.online is None:
        return ""
    reading = readings.get(promote.from_, model, _predictor(source))
    over_soak = promote.online.model_copy(update={"window": promote.soak})  # what was read
    result = gates.online(over_soak, reading, None, readings.unavailable, role=promote.from_)
    return "" if result.outcome == gates.PASS else f"{result.outcome}: {result.reason}"


def _offline(
    promote: Promotion, snapshot: Snapshot, model: str, candidate: str, kept: str
) -> gates.GateResult:
    new, old = snapshot.versions.get((model, candidate)), snapshot.versions.get((model, kept))
    return gates.offline(promote.offline, _metrics(snapshot, new), _metrics(snapshot, old), _serve_tag(new))


def _evidence(
    promote: Promotion,
    model: str,
    source: Deployed,
    since: ServedSince | None,
    readings: Readings,
    offline: gates.GateResult,
) -> str:
    parts = [f"promoted from {promote.from_}"]
    if since is not None:
        parts.append(f"served there since {since.commit[:12]} ({since.time:%Y-%m-%d %H:%M} UTC)")
    reading = readings.get(promote.from_, model, _predictor(source)) if promote.online else None
    summary = gates.online_summary(reading, None) if reading is not None else ""
    parts += [summary] if summary else []
    parts += [offline.summary] if offline.summary else []
    return "; ".join(parts)


def _predictor(source: Deployed) -> str:
    return serving_name(source, State.of(source).strategy or "replace")


def _metrics(snapshot: Snapshot, version: ModelVersion | None) -> dict[str, float]:
    return snapshot.run_metrics.get(version.run_id, {}) if version is not None else {}


def _serve_tag(version: ModelVersion | None) -> str | None:
    return version.tags.get(gates.SERVE_TAG) if version is not None else None


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}h" if seconds >= 3600 else f"{seconds / 60:.0f}m"
