"""Right-sizing: what a deployment used over a window -> the replicas, resources and autoscaling
its `overrides.<model>` should say, with the evidence. Pure.

The rule (docs/rightsize.md), per model, from `Usage` and the settings it runs with now:

- CPU request: the pods' p95 CPU divided by the target utilization (the autoscaler's
  `cpu_utilization` when set, else `Rule.target_utilization`), rounded up to 50m, between 50m
  and `Rule.max_cpu_milli`: at the p95 load a pod runs at the target share of its request.
- Memory request: the largest working set of any pod times `Rule.headroom`, rounded up to 64Mi.
  A limit below the new request is raised to it (Kubernetes refuses a request above its limit).
- Replicas (a fixed count): enough pods for the p95 total CPU at the target utilization of the
  CPU request they will have, `ceil(total / (request x target))`, 1..100. With an autoscaler,
  `max_replicas` is raised when that count is above it; `min_replicas` (availability) is left.
- A value is proposed only when it differs from today's by more than `Rule.min_change` (or none
  is set today); nothing is proposed from less than `Rule.min_coverage` of the window.

Sizing the CPU request at p95 / target keeps the rule at a fixed point: once applied, the next
window's readings propose the same values, instead of growing replicas and shrinking requests in
turns. Replicas change when the load no longer fits the pods (the request capped at
`max_cpu_milli`, the count changed during the window, 50m steps).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from generator.config import SeldonSettings
from generator.model.usage import Usage

CPU_STEP_MILLI = 50
MIB = 2**20
MEMORY_STEP = 64 * MIB
MAX_REPLICAS = 100
EPSILON = 1e-9  # 0.21 / 0.7 is 0.30000000000000004: not a reason for another 50m
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$")
_FACTORS = {
    None: 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}
KEYS = (  # the order changes are shown in
    "replicas",
    "resources.requests.cpu",
    "resources.requests.memory",
    "resources.limits.cpu",
    "resources.limits.memory",
    "autoscaling.max_replicas",
)
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


@dataclass(frozen=True)
class Rule:
    """The knobs of the rule (the `right-size` options)."""

    target_utilization: float = 0.70  # CPU: the p95 load runs at this share of the request
    headroom: float = 1.2  # memory: the largest working set times this
    min_change: float = 0.20  # smaller relative changes are not proposed
    min_coverage: float = 0.5  # share of the window the pods must have reported
    max_cpu_milli: int = 2000  # a pod's CPU request grows to this at most; then replicas grow


@dataclass(frozen=True)
class Scaling:
    min_replicas: int
    max_replicas: int
    cpu_utilization: int | None = None


@dataclass(frozen=True)
class Current:
    """The settings a model runs with now (its environment's `seldon`, with its override)."""

    replicas: int = 1
    cpu_request: str | None = None
    memory_request: str | None = None
    cpu_limit: str | None = None
    memory_limit: str | None = None
    autoscaling: Scaling | None = None

    @classmethod
    def of(cls, settings: SeldonSettings) -> Current:
        requests, limits = settings.resources.requests, settings.resources.limits
        scaling = settings.autoscaling
        return cls(
            replicas=settings.replicas,
            cpu_request=requests.cpu,
            memory_request=requests.memory,
            cpu_limit=limits.cpu,
            memory_limit=limits.memory,
            autoscaling=(
                Scaling(scaling.min_replicas, scaling.max_replicas, scaling.cpu_utilization)
                if scaling is not None
                else None
            ),
        )


@dataclass(frozen=True)
class Change:
    """One value of `overrides.<model>`: its key path, today's value ("-": unset) and the new one."""

    key: str
    before: str
    after: str


@dataclass(frozen=True)
class Proposal:
    """What right-sizing proposes for one model: changes (maybe none), the evidence, and the keys
    of `overrides.<model>` to set (`resources` and `autoscaling` whole: an override replaces them)."""

    environment: str
    model: str
    changes: tuple[Change, ...] = ()
    evidence: str = ""
    override: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def propose(environment: str, model: str, usage: Usage | None, current: Current, rule: Rule) -> Proposal:
    """The proposal for one model from its usage over the window (None: nothing was read)."""
    missing = _missing(usage, rule)
    per_pod = usage.cpu_p95_per_pod if usage is not None else None
    total = usage.cpu_p95_total if usage is not None else None
    if missing or usage is None or per_pod is None or total is None:
        return Proposal(environment, model, evidence=missing or "no usage read")
    scaling = current.autoscaling
    target = scaling.cpu_utilization / 100 if scaling and scaling.cpu_utilization else rule.target_utilization
    period = _period(usage)
    sizing = _Sizing(rule, current)
    cpu = sizing.cpu(per_pod, target)
    evidence = [
        f"cpu p95 {_cores(per_pod)} cores/pod over {period} (request {current.cpu_request or 'unset'}) {cpu}"
    ]
    evidence.append(sizing.replicas(total, target))
    if usage.memory_max_per_pod is not None:
        memory = sizing.memory(usage.memory_max_per_pod)
        evidence.append(
            f"memory max {_mebibytes(usage.memory_max_per_pod)}/pod "
            f"(request {current.memory_request or 'unset'}{_limit(current.memory_limit)}) {memory}"
        )
    if usage.requests_p95 is not None:
        evidence.append(f"requests p95 {usage.requests_p95:.1f}/s")
    changes = tuple(sorted(sizing.changes, key=lambda change: KEYS.index(change.key)))
    return Proposal(environment, model, changes, "; ".join(evidence), sizing.override() if changes else {})


def _missing(usage: Usage | None, rule: Rule) -> str:
    """Why nothing can be proposed from `usage` ("" when it can)."""
    if usage is None:
        return "no usage read"
    if usage.cpu_p95_per_pod is None or usage.cpu_p95_total is None:
        return f"no CPU samples of its pods over {duration_text(usage.window_seconds)}"
    if usage.covered_seconds < rule.min_coverage * usage.window_seconds:
        covered, window = duration_text(int(usage.covered_seconds)), duration_text(usage.window_seconds)
        return f"its pods reported over {covered} of {window} only (at least {rule.min_coverage:.0%} needed)"
    return ""


class _Sizing:
    """The changes of one proposal as they are decided (later values depend on earlier ones)."""

    def __init__(self, rule: Rule, current: Current) -> None:
        self.rule = rule
        self.current = current
        self.changes: list[Change] = []
        self.values: dict[str, str] = {}

    def cpu(self, per_pod: float, target: float) -> str:
        """The CPU request (and a limit below it) for the pods' p95; its outcome in words."""
        wanted = math.ceil(per_pod * 1000 / target / CPU_STEP_MILLI - EPSILON) * CPU_STEP_MILLI
        milli = min(max(wanted, CPU_STEP_MILLI), self.rule.max_cpu_milli)
        after = cpu_text(milli) + (" (capped)" if wanted > self.rule.max_cpu_milli else "")
        limit = self._raise_limit("cpu", self.current.cpu_limit, milli / 1000, cpu_text(milli))
        if not self._material(self.current.cpu_request, milli / 1000):
            return f"kept (wants {after}){limit}"
        self._set("resources.requests.cpu", self.current.cpu_request, cpu_text(milli))
        return f"-> {after}{limit}"

    def memory(self, largest: float) -> str:
        """The memory request (and a limit below it) for the largest working set; its outcome."""
        size = max(math.ceil(largest * self.rule.headroom / MEMORY_STEP - EPSILON), 1) * MEMORY_STEP
        after = memory_text(size)
        limit = self._raise_limit("memory", self.current.memory_limit, size, after)
        if not self._material(self.current.memory_request, size):
            return f"kept (wants {after}){limit}"
        self._set("resources.requests.memory", self.current.memory_request, after)
        return f"-> {after}{limit}"

    def _raise_limit(self, name: str, limit: str | None, wanted: float, after: str) -> str:
        """A limit below what the pods want is raised to it, however small the difference: a
        memory limit there means a pod came within the headroom of being OOM-killed, and a
        request may not exceed its limit. Returns the words for the evidence."""
        if limit is None or parse_quantity(limit) >= wanted - EPSILON:
            return ""
        self._set(f"resources.limits.{name}", limit, after)
        return f", limit {limit} -> {after}"

    def replicas(self, total: float, target: float) -> str:
        """The replica (or `max_replicas`) change for the p95 total CPU; its evidence."""
        request = self.values.get("resources.requests.cpu") or self.current.cpu_request
        if request is None or parse_quantity(request) <= 0:
            return f"cpu p95 {_cores(total)} cores total (no CPU request to size replicas against)"
        needed = min(max(math.ceil(total / (parse_quantity(request) * target) - EPSILON), 1), MAX_REPLICAS)
        said = f"cpu p95 {_cores(total)} cores total at {target:.0%} of {request}/pod"
        scaling = self.current.autoscaling
        if scaling is not None:
            if needed > scaling.max_replicas and self._material(str(scaling.max_replicas), needed):
                self._set("autoscaling.max_replicas", str(scaling.max_replicas), str(needed))
                return f"{said} (max_replicas {scaling.max_replicas}) -> max_replicas {needed}"
            return f"{said} needs {needed} (autoscaling {scaling.min_replicas}..{scaling.max_replicas}) kept"
        before = self.current.replicas
        if not self._material(str(before), needed):
            return f"{said} ({before} replicas) kept"
        self._set("replicas", str(before), str(needed))
        return f"{said} ({before} replicas) -> {needed}"

    def _material(self, before: str | None, after: float) -> bool:
        if before is None:
            return True
        old = parse_quantity(before)
        if old <= 0:
            return after > 0
        return abs(after - old) / old > self.rule.min_change + EPSILON

    def _set(self, key: str, before: str | None, after: str) -> None:
        self.changes.append(Change(key, before or "-", after))
        self.values[key] = after

    def override(self) -> dict[str, Any]:
        """The keys of `overrides.<model>` to write: what changed, `resources`/`autoscaling` whole."""
        found: dict[str, Any] = {}
        if "replicas" in self.values:
            found["replicas"] = int(self.values["replicas"])
        if any(key.startswith("resources.") for key in self.values):
            found["resources"] = self._resources()
        if "autoscaling.max_replicas" in self.values and self.current.autoscaling is not None:
            scaling = self.current.autoscaling
            block: dict[str, Any] = {
                "min_replicas": scaling.min_replicas,
                "max_replicas": int(self.values["autoscaling.max_replicas"]),
            }
            if scaling.cpu_utilization is not None:
                block["cpu_utilization"] = scaling.cpu_utilization
            found["autoscaling"] = block
        return found

    def _resources(self) -> dict[str, Any]:
        current = self.current
        today = {
            "requests": {"cpu": current.cpu_request, "memory": current.memory_request},
            "limits": {"cpu": current.cpu_limit, "memory": current.memory_limit},
        }
        found: dict[str, Any] = {}
        for kind, values in today.items():
            merged = {
                name: self.values.get(f"resources.{kind}.{name}", value)
                for name, value in values.items()
                if self.values.get(f"resources.{kind}.{name}", value) is not None
            }
            if merged:
                found[kind] = merged
        return found


def _limit(limit: str | None) -> str:
    return f", limit {limit}" if limit else ""


def _period(usage: Usage) -> str:
    window = duration_text(usage.window_seconds)
    if usage.covered_seconds >= 0.99 * usage.window_seconds:
        return window
    return f"{duration_text(int(usage.covered_seconds))} of {window}"


def parse_quantity(text: str) -> float:
    """A Kubernetes quantity as a number (cores for CPU, bytes for memory)."""
    match = _QUANTITY.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    return float(match.group(1)) * _FACTORS[match.group(2)]


def cpu_text(milli: int) -> str:
    """Millicores as Kubernetes writes them: `300m`, `1`, `1500m`."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def memory_text(size: int) -> str:
    """Bytes (a multiple of 1Mi) as `512Mi` or `2Gi`."""
    mebibytes = size // MIB
    return f"{mebibytes // 1024}Gi" if mebibytes % 1024 == 0 else f"{mebibytes}Mi"


def duration_text(seconds: int) -> str:
    """Seconds as a Prometheus duration: `7d`, `1h30m`, `45s`."""
    parts = []
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _cores(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def _mebibytes(value: float) -> str:
    return f"{value / MIB:.0f}Mi"
