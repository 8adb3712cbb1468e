"""Rollout state as Git records it: `model-gitops.io/rollout-*` annotations of a SeldonDeployment.

Parsing and writing those annotations, the predictor names of each strategy, which predictors
need Prometheus readings (deployments mid-rollout, and A/B tests for `status`), and the
release of a hold by editing the annotations. Pure: plain data in, plain data out.

The serving (main) predictor keeps the name Git holds for it (`serving_name`): in Seldon a
renamed predictor is a new Deployment, so renaming `default` to `stable` when an environment
enables a strategy would replace every pod. Only a new deployment gets its strategy's role name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generator.config import EnvironmentConfig
from generator.config.strategy import strategy_for
from generator.model import CurrentState, Deployed
from generator.model.layout import ANNOTATION_PREFIX
from generator.model.readings import ReadingRequest

KEY = f"{ANNOTATION_PREFIX}rollout-"
STRATEGY, STABLE, CANDIDATE = f"{KEY}strategy", f"{KEY}stable", f"{KEY}candidate"
STEP, STARTED, GATE = f"{KEY}step", f"{KEY}step-started", f"{KEY}gate"
HOLD, HOLD_REASON = f"{KEY}hold", f"{KEY}hold-reason"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
ROLES = {
    "replace": ("default", ""),
    "canary": ("stable", "canary"),
    "shadow": ("stable", "shadow"),
    "ab": ("champion", "challenger"),
}
GATED = ("canary", "shadow")


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class State:
    """The rollout annotations of a deployed SeldonDeployment, parsed."""

    version: str = ""
    strategy: str = ""
    candidate: str = ""
    step: str = ""
    started: str = ""
    gate: str = ""
    hold: str = ""
    hold_reason: str = ""

    @classmethod
    def of(cls, deployed: Deployed | None) -> State:
        if deployed is None:
            return cls()
        get = deployed.annotations.get
        return cls(
            deployed.version,
            get(STRATEGY, ""),
            get(CANDIDATE, ""),
            get(STEP, ""),
            get(STARTED, ""),
            get(GATE, ""),
            get(HOLD, ""),
            get(HOLD_REASON, ""),
        )

    @property
    def weight(self) -> int:
        return int(self.step) if self.step.isdigit() else 0

    @property
    def in_progress(self) -> bool:
        return bool(self.candidate) and self.strategy in ROLES

    def held(self) -> dict[str, str]:
        """The hold annotations as they are (kept while the same candidate is aliased)."""
        kept = {GATE: self.gate, HOLD: self.hold, HOLD_REASON: self.hold_reason}
        return {key: value for key, value in kept.items() if value}


def serving_name(deployed: Deployed | None, strategy: str) -> str:
    """The main predictor's name: the one serving the deployed version in Git, else the role's.

    The role name is used for a new deployment, or when the kept name is the candidate's role
    name under `strategy` (only a hand edit can make it so).
    """
    main, second = ROLES.get(strategy, ROLES["replace"])
    kept = deployed.predictor if deployed is not None else ""
    return kept if kept and kept != second else main


def reading_requests(
    environments: dict[str, EnvironmentConfig], current: CurrentState, include_ab: bool = False
) -> list[ReadingRequest]:
    """The predictors whose readings the next decisions (or `status`) need."""
    wanted = []
    for env, config in sorted(environments.items()):
        for model, deployed in sorted(current.deployed.get(env, {}).items()):
            state = State.of(deployed)
            kinds = (*GATED, "ab") if include_ab else GATED
            if not state.in_progress or state.strategy not in kinds:
                continue
            online = strategy_for(config, model).online
            main, second = serving_name(deployed, state.strategy), ROLES[state.strategy][1]
            for role, version in ((main, deployed.version), (second, state.candidate)):
                wanted.append(
                    ReadingRequest(
                        env,
                        model,
                        config.namespace,
                        deployed.directory,
                        role,
                        version,
                        online.window_seconds,
                        online.namespace_label,
                        config.target,
                    )
                )
    return wanted + promotion_requests(environments, current)


def promotion_requests(
    environments: dict[str, EnvironmentConfig], current: CurrentState
) -> list[ReadingRequest]:
    """The source environment's serving predictor of each version waiting for promotion, read
    over the soak window (`environments` must hold the source environments too)."""
    wanted = []
    for env, config in sorted(environments.items()):
        promote = config.promote
        source = environments.get(promote.from_) if promote is not None and promote.online else None
        if promote is None or promote.online is None or source is None:
            continue
        here = current.deployed.get(env, {})
        for model, deployed in sorted(current.deployed.get(promote.from_, {}).items()):
            ahead = here.get(model)
            if ahead is not None and deployed.version in (ahead.version, State.of(ahead).candidate):
                continue
            predictor = serving_name(deployed, State.of(deployed).strategy or "replace")
            wanted.append(
                ReadingRequest(
                    promote.from_,
                    model,
                    source.namespace,
                    deployed.directory,
                    predictor,
                    deployed.version,
                    promote.soak_seconds,
                    promote.online.namespace_label,
                )
            )
    return wanted


HOLD_KEYS = (HOLD, HOLD_REASON)


def release_hold(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The document without its hold annotations, and the version that was held ("" if none).

    In a `List` (a target rendering several resources per model) the first item carries them."""
    items = document.get("items") if document.get("kind") == "List" else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        first, held = release_hold(items[0])
        return {**document, "items": [first, *items[1:]]}, held
    metadata = document.get("metadata") or {}
    annotations = dict(metadata.get("annotations") or {})
    held = str(annotations.get(HOLD, ""))
    for key in HOLD_KEYS:
        annotations.pop(key, None)
    return {**document, "metadata": {**metadata, "annotations": annotations}}, held
