"""The per-model rollout state machine, pure: what to render next, given what Git says now.

A rollout's whole state is a handful of annotations on the rendered SeldonDeployment
(`model-gitops.io/rollout-*`: strategy, stable, candidate, step, step start, last gate, hold).
`decide` is a function of (strategy config, registry versions and run metrics, those annotations,
Prometheus readings, the clock) and returns a `Decision`: the versions to render, the traffic,
the annotations to write, and the change to report. Each run moves at most one step.

Predictor names and sizes: the serving predictor keeps its name in Git whatever the strategy
(`rollout_state.serving_name`), so enabling a strategy or promoting a candidate is a rolling
update of it, never a new Deployment; it keeps the configured replica count throughout, ready to
take all traffic back on a rollback. The candidate is sized by `candidate_replicas`: a canary or an
A/B challenger gets its traffic share of the serving count, rounded up and at least 1; a shadow
gets the full count, since it receives a mirror of every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from generator.config.strategy import Strategy
from generator.errors import ModelRejected
from generator.model import Deployed, ModelVersion
from generator.model.readings import Readings
from generator.plan import gates
from generator.plan.rollout_state import (
    CANDIDATE,
    GATE,
    GATED,
    HOLD,
    HOLD_REASON,
    ROLES,
    STABLE,
    STARTED,
    STEP,
    STRATEGY,
    State,
    parse_time,
    serving_name,
    timestamp,
)


@dataclass(frozen=True)
class Context:
    """Everything `decide` looks at for one model in one environment."""

    environment: str
    model: str
    strategy: Strategy
    aliased: ModelVersion
    deployed: Deployed | None
    stable: ModelVersion | None
    challenger: ModelVersion | None = None
    run_metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    readings: Readings = field(default_factory=Readings)
    now: datetime = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Decision:
    """What to render (stable, optional candidate and its traffic) and what to report."""

    strategy: str
    stable: ModelVersion
    candidate: ModelVersion | None = None
    weight: int = 0
    annotations: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # start restart advance promote rollback hold abort release wait ("" = none)
    detail: str = ""
    reason: str = ""
    subject: str = ""  # the candidate version the change is about


def candidate_replicas(strategy: str, replicas: int, weight: int) -> int:
    """The candidate predictor's replicas next to a serving predictor of `replicas` (see above)."""
    if strategy == "shadow":
        return replicas
    return max(1, -(-replicas * weight // 100))


def decide(ctx: Context) -> Decision:
    """The next state of one model's rollout."""
    state = State.of(ctx.deployed)
    kind = ctx.strategy.type
    if kind == "ab":
        return _ab(ctx, state)
    if ctx.deployed is not None and ctx.stable is None and kind != "replace":
        raise ModelRejected(
            f"{ctx.environment}: {ctx.model}: deployed version {ctx.deployed.version} is not in the "
            f"registry, so {kind} has no stable version to compare with",
            f"restore it, or use strategy replace to deploy {ctx.aliased.version} at once",
        )
    if ctx.deployed is None or ctx.stable is None:
        return Decision(_idle(kind), ctx.aliased)
    if state.in_progress and state.strategy in GATED:
        return _in_progress(ctx, state)
    if ctx.aliased.version == ctx.stable.version:
        return _at_stable(ctx, state)
    if ctx.aliased.version == state.hold:
        return _still_held(ctx, state)
    return _start(ctx, state, restart="")


def _idle(kind: str) -> str:
    return kind if kind in ROLES else "replace"


def _at_stable(ctx: Context, state: State) -> Decision:
    assert ctx.stable is not None
    kind = _idle(ctx.strategy.type)
    if state.hold:
        detail = f"hold on {state.hold} released: alias back at {ctx.stable.version}"
        return Decision(kind, ctx.aliased, kind="release", detail=detail, subject=state.hold)
    kept = {GATE: state.gate} if state.gate and kind != "replace" else {}
    return Decision(kind, ctx.aliased, annotations=kept)


def _still_held(ctx: Context, state: State) -> Decision:
    assert ctx.stable is not None
    detail = f"{state.hold} held at {ctx.stable.version} ({state.hold_reason}); `model-gitops release-hold`"
    annotations = state.held()
    return Decision(_idle(ctx.strategy.type), ctx.stable, annotations=annotations, kind="wait", detail=detail)


def _start(ctx: Context, state: State, restart: str) -> Decision:
    """The alias points at a new candidate: offline gate, then its first step."""
    assert ctx.stable is not None
    stable, candidate, kind = ctx.stable, ctx.aliased, ctx.strategy.type
    offline = _offline(ctx, candidate, stable)
    if offline.outcome == gates.FAIL:
        return _hold(ctx, candidate, offline, "hold", f"{candidate.version} held before any traffic")
    if offline.outcome == gates.WAIT:
        detail = f"{candidate.version} waits before any traffic (stable {stable.version}): {offline.reason}"
        return Decision(_idle(kind), stable, kind="wait", detail=detail, subject=candidate.version)
    note = f"; offline {offline.summary}" if offline.summary else ""
    if kind == "replace" or (kind == "canary" and ctx.strategy.steps[0] >= 100):
        return Decision(_idle(kind), candidate)
    first = ctx.strategy.steps[0] if kind == "canary" else 0
    annotations = _progress(ctx, kind, candidate.version, first, offline.text)
    kind_name = "restart" if restart else "start"
    how = f"at {first}%" if kind == "canary" else "mirrored"
    detail = f"{kind} {candidate.version} {how} (stable {stable.version}{restart}{note})"
    return Decision(kind, stable, candidate, first, annotations, kind_name, detail, subject=candidate.version)


def _progress(ctx: Context, kind: str, candidate: str, weight: int, gate: str) -> dict[str, str]:
    assert ctx.stable is not None
    return {
        STRATEGY: kind,
        STABLE: ctx.stable.version,
        CANDIDATE: candidate,
        STEP: str(weight) if kind != "shadow" else "shadow",
        STARTED: timestamp(ctx.now),
        GATE: gate,
    }


def _in_progress(ctx: Context, state: State) -> Decision:
    assert ctx.stable is not None
    stable, aliased = ctx.stable, ctx.aliased
    if aliased.version == stable.version:
        detail = f"{state.strategy} {state.candidate} cancelled: alias back at {stable.version}"
        return Decision(
            _idle(ctx.strategy.type), stable, kind="abort", detail=detail, subject=state.candidate
        )
    if ctx.strategy.type not in GATED:
        return _start(ctx, state, restart="")
    if aliased.version != state.candidate or ctx.strategy.type != state.strategy:
        return _start(ctx, state, restart=f"; restarted, replaces {state.strategy} {state.candidate}")
    return _evaluate(ctx, state)


def _evaluate(ctx: Context, state: State) -> Decision:
    """The same candidate mid-rollout: wait, advance one step, promote, or roll back."""
    assert ctx.stable is not None
    kind, stable, candidate = state.strategy, ctx.stable, ctx.aliased
    where = f"{kind} {candidate.version} " + (f"at {state.weight}%" if kind == "canary" else "mirrored")
    current = Decision(kind, stable, candidate, state.weight, _unchanged(state, stable.version))
    started = parse_time(state.started)
    if started is not None and (ctx.now - started).total_seconds() < ctx.strategy.step_seconds:
        due = timestamp(started + timedelta(seconds=ctx.strategy.step_seconds))
        return _with(current, "wait", f"{where}: next step not before {due}")
    role = ROLES[kind][1]
    readings = ctx.readings
    result = gates.online(
        ctx.strategy.online,
        readings.get(ctx.environment, ctx.model, role),
        readings.get(ctx.environment, ctx.model, serving_name(ctx.deployed, kind)),
        readings.unavailable,
        role,
    )
    if result.outcome == gates.WAIT:
        return _with(current, "wait", f"{where}: {result.reason}")
    if result.outcome == gates.FAIL:
        return _hold(ctx, candidate, result, "rollback", f"{where} rolled back to {stable.version}")
    following = next((s for s in ctx.strategy.steps if s > state.weight), 100) if kind == "canary" else 100
    if following >= 100:
        detail = f"{where} -> 100%, promoted over {stable.version} ({result.summary})"
        return Decision(
            kind,
            candidate,
            annotations={GATE: result.text},
            kind="promote",
            detail=detail,
            subject=candidate.version,
        )
    annotations = _progress(ctx, kind, candidate.version, following, result.text)
    detail = f"{kind} {candidate.version} at {state.weight}% -> {following}% ({result.summary})"
    return Decision(
        kind, stable, candidate, following, annotations, "advance", detail, subject=candidate.version
    )


def _unchanged(state: State, stable: str) -> dict[str, str]:
    return {
        STRATEGY: state.strategy,
        STABLE: stable,
        CANDIDATE: state.candidate,
        STEP: state.step,
        STARTED: state.started,
        GATE: state.gate,
    }


def _with(decision: Decision, kind: str, detail: str) -> Decision:
    return Decision(
        decision.strategy,
        decision.stable,
        decision.candidate,
        decision.weight,
        decision.annotations,
        kind,
        detail,
        subject=decision.candidate.version if decision.candidate else "",
    )


def _hold(
    ctx: Context, candidate: ModelVersion, result: gates.GateResult, kind: str, detail: str
) -> Decision:
    """Render stable alone and hold the candidate until the alias moves or a release."""
    assert ctx.stable is not None
    annotations = {GATE: result.text, HOLD: candidate.version, HOLD_REASON: result.reason}
    return Decision(
        _idle(ctx.strategy.type),
        ctx.stable,
        annotations=annotations,
        kind=kind,
        detail=f"{detail}: {result.reason}; holding {candidate.version}",
        reason=result.reason,
        subject=candidate.version,
    )


def _offline(ctx: Context, candidate: ModelVersion, stable: ModelVersion) -> gates.GateResult:
    if not ctx.strategy.offline:
        return gates.GateResult(gates.PASS)
    return gates.offline(
        ctx.strategy.offline,
        ctx.run_metrics.get(candidate.run_id, {}),
        ctx.run_metrics.get(stable.run_id, {}),
        candidate.tags.get(gates.SERVE_TAG),
    )


def _ab(ctx: Context, state: State) -> Decision:
    """Champion (the environment's alias) and challenger (a second alias) at a fixed split."""
    champion, challenger, split = ctx.aliased, ctx.challenger, ctx.strategy.split
    if challenger is None or challenger.version == champion.version:
        if state.strategy == "ab" and state.candidate:
            detail = f"ab challenger {state.candidate} removed (champion {champion.version})"
            return Decision("ab", champion, kind="abort", detail=detail, subject=state.candidate)
        if state.hold:
            detail = f"hold on challenger {state.hold} released: no other challenger"
            return Decision("ab", champion, kind="release", detail=detail, subject=state.hold)
        return Decision("ab", champion)
    if challenger.version == state.hold:
        detail = f"ab challenger {state.hold} held ({state.hold_reason}); `model-gitops release-hold`"
        return Decision("ab", champion, annotations=state.held(), kind="wait", detail=detail)
    annotations = {STRATEGY: "ab", CANDIDATE: challenger.version, STEP: str(split)}
    if state.strategy == "ab" and state.candidate == challenger.version:
        annotations.update({STARTED: state.started, GATE: state.gate})
        return Decision("ab", champion, challenger, split, annotations)
    offline = _offline(ctx, challenger, champion)
    if offline.outcome == gates.WAIT:
        detail = f"ab challenger {challenger.version} waits before any traffic: {offline.reason}"
        return Decision("ab", champion, kind="wait", detail=detail, subject=challenger.version)
    if offline.outcome == gates.FAIL:
        annotations = {GATE: offline.text, HOLD: challenger.version, HOLD_REASON: offline.reason}
        detail = f"ab challenger {challenger.version} held before any traffic: {offline.reason}"
        return Decision(
            "ab",
            champion,
            annotations=annotations,
            kind="hold",
            detail=detail,
            reason=offline.reason,
            subject=challenger.version,
        )
    annotations.update({STARTED: timestamp(ctx.now), GATE: offline.text})
    note = f"; offline {offline.summary}" if offline.summary else ""
    detail = f"ab challenger {challenger.version} at {split}% (champion {champion.version}{note})"
    return Decision(
        "ab", champion, challenger, split, annotations, "start", detail, subject=challenger.version
    )
