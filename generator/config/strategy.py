"""How an environment moves traffic to a new version: the `strategy` of an environment file.

`replace` (the default) swaps the version at once. `canary` moves traffic to the candidate in
steps, each gated by Prometheus readings; `shadow` mirrors traffic to the candidate and promotes
it when its gates pass; `ab` deploys a second alias next to the environment's with a fixed split.
The offline gates apply to every strategy before a candidate gets traffic: MLflow run metrics
(`{metric: val_auc}`) and the serve check (`{serve: true}`: `model-gitops serve-check` passed).

A per-model override (`overrides.<model>.strategy`) replaces only the keys it names, so
`strategy: replace` there turns a canary environment's model into a plain replace.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from generator.config.base import Strict

if TYPE_CHECKING:
    from generator.config.environment import EnvironmentConfig

DURATION = re.compile(r"^(?P<value>[0-9]+)(?P<unit>s|m|h)$")
UNITS = {"s": 1, "m": 60, "h": 3600}
MAX_SECONDS = 30 * 86400  # a rollout step or gate window longer than 30 days is a typo


def seconds(duration: str) -> int:
    """`30s`, `10m`, `1h` -> seconds."""
    match = DURATION.match(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not a duration like 30s, 10m or 1h")
    if len(match.group("value")) > 9:
        raise ValueError("must be at most 720h (30 days)")
    return int(match.group("value")) * UNITS[match.group("unit")]


def _duration(value: str) -> str:
    """A duration between 1s and 30 days (720h): longer ones overflow the rollout clock."""
    if seconds(value) <= 0:
        raise ValueError("must be longer than 0s")
    if seconds(value) > MAX_SECONDS:
        raise ValueError("must be at most 720h (30 days)")
    return value


class OnlineGates(Strict):
    """Prometheus gates: the candidate's predictor compared with thresholds and with stable's."""

    window: str = "5m"
    min_requests: int = Field(100, ge=1)
    max_error_ratio: float | None = Field(0.05, ge=0, le=1)
    max_error_ratio_increase: float | None = Field(0.01, ge=0, le=1)
    max_p95_ms: float | None = Field(None, gt=0)
    max_p95_increase: float | None = Field(0.2, ge=0)
    namespace_label: str | None = "namespace"

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        return _duration(value)

    @property
    def window_seconds(self) -> int:
        return seconds(self.window)


class OfflineGate(Strict):
    """One MLflow run metric the candidate's run must not regress on against stable's run, or
    (`serve: true`) the candidate's serve check, which must have passed."""

    metric: str | None = Field(None, min_length=1, max_length=250)
    direction: Literal["higher", "lower"] = "higher"
    max_drop: float = Field(0.0, ge=0)
    serve: bool = False

    @model_validator(mode="after")
    def _metric_or_serve(self) -> OfflineGate:
        if self.serve == (self.metric is not None):
            raise ValueError("an offline gate is either `metric: <name>` or `serve: true`")
        return self


class Strategy(Strict):
    """How traffic moves from the deployed (stable) version to the alias's new version."""

    type: Literal["replace", "canary", "ab", "shadow"] = "replace"
    steps: list[int] = [10, 25, 50, 100]
    step_time: str = "10m"
    online: OnlineGates = OnlineGates()
    offline: list[OfflineGate] = []
    challenger: str | None = Field(None, min_length=1, max_length=255)
    split: int = Field(20, ge=1, le=99)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """`strategy: canary` is `strategy: {type: canary}`."""
        return {"type": value} if isinstance(value, str) else value

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        if not steps or any(not 1 <= s <= 100 for s in steps):
            raise ValueError("steps are traffic percentages between 1 and 100")
        if any(a >= b for a, b in pairwise(steps)) or steps[-1] != 100:
            raise ValueError("steps must increase and end at 100 (e.g. [10, 25, 50, 100])")
        return steps

    @field_validator("step_time")
    @classmethod
    def _step_time(cls, value: str) -> str:
        return _duration(value)

    @model_validator(mode="after")
    def _ab_needs_challenger(self) -> Strategy:
        if self.type == "ab" and not self.challenger:
            raise ValueError("type ab needs `challenger: <alias>` (the alias deployed next to the env's)")
        return self

    @property
    def step_seconds(self) -> int:
        return seconds(self.step_time)


def merged(base: Strategy, override: Strategy | None) -> Strategy:
    """`base` with the keys that `override` set explicitly (nested mappings merged too)."""
    if override is None:
        return base
    return Strategy.model_validate(_deep_merge(base.model_dump(), override.model_dump(exclude_unset=True)))


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def strategy_for(config: EnvironmentConfig, model: str) -> Strategy:
    """The strategy of `model` in an environment: the environment's, with the model's override."""
    override = config.overrides.get(model)
    return merged(config.strategy, override.strategy if override is not None else None)
