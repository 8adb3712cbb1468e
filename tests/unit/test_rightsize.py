"""The right-sizing rule (`generator.plan.rightsize`): readings and today's settings in, the
changes to `overrides.<model>` and their evidence out. Table-driven."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from generator.config import SeldonSettings
from generator.model.usage import Usage
from generator.plan.rightsize import (
    Current,
    Rule,
    Scaling,
    cpu_text,
    duration_text,
    memory_text,
    parse_quantity,
    propose,
)

WEEK = 7 * 86400
MI = 2**20


def used(per_pod: float, pods: float, memory_mi: float = 300, rate: float | None = 12.0) -> Usage:
    """A week fully covered: `pods` pods at `per_pod` cores each (p95), the largest at `memory_mi`."""
    return Usage(WEEK, WEEK, per_pod, per_pod * pods, memory_mi * MI, rate)


@dataclass(frozen=True)
class Case:
    name: str
    usage: Usage | None
    current: Current
    changes: dict[str, tuple[str, str]]  # key -> (before, after)
    evidence: tuple[str, ...] = ()  # parts the evidence says
    override: dict[str, object] = field(default_factory=dict)
    rule: Rule = field(default_factory=Rule)


PROD = Current(replicas=3, cpu_request="500m", memory_request="1Gi", memory_limit="2Gi")
CASES = [
    Case(
        "over-provisioned: smaller requests, the same replicas",
        used(0.21, 3, memory_mi=410),
        PROD,
        {"resources.requests.cpu": ("500m", "300m"), "resources.requests.memory": ("1Gi", "512Mi")},
        (
            "cpu p95 0.21 cores/pod over 7d (request 500m) -> 300m",
            "cpu p95 0.63 cores total at 70% of 300m/pod (3 replicas) kept",
            "memory max 410Mi/pod (request 1Gi, limit 2Gi) -> 512Mi",
            "requests p95 12.0/s",
        ),
        {"resources": {"requests": {"cpu": "300m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}},
    ),
    Case(
        "fits: within 20% of today, nothing proposed",
        used(0.33, 3, memory_mi=800),
        PROD,
        {},
        ("(request 500m) kept (wants 500m)", "(request 1Gi, limit 2Gi) kept (wants 960Mi)"),
    ),
    Case(
        "busy pods: a larger CPU request, the same replicas (the load fits once pods are sized)",
        used(0.9, 3),
        PROD,
        {"resources.requests.cpu": ("500m", "1300m"), "resources.requests.memory": ("1Gi", "384Mi")},
        ("-> 1300m", "cpu p95 2.70 cores total at 70% of 1300m/pod (3 replicas) kept"),
    ),
    Case(
        "a pod larger than max_cpu: capped, and replicas grow instead",
        used(1.9, 4, memory_mi=900),
        replace(PROD, replicas=4),
        {"replicas": ("4", "6"), "resources.requests.cpu": ("500m", "2")},
        ("-> 2 (capped)", "cpu p95 7.60 cores total at 70% of 2/pod (4 replicas) -> 6"),
        {
            "replicas": 6,
            "resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
        },
    ),
    Case(
        "idle pods: the smallest request, and fewer replicas carry the load",
        used(0.02, 4, memory_mi=200),
        replace(PROD, replicas=4),
        {
            "replicas": ("4", "3"),
            "resources.requests.cpu": ("500m", "50m"),
            "resources.requests.memory": ("1Gi", "256Mi"),
        },
        ("cpu p95 0.020 cores/pod", "cpu p95 0.080 cores total at 70% of 50m/pod (4 replicas) -> 3"),
    ),
    Case(
        "nothing set today: every value is proposed",
        used(0.1, 1, memory_mi=100),
        Current(),
        {"resources.requests.cpu": ("-", "150m"), "resources.requests.memory": ("-", "128Mi")},
        ("(request unset) -> 150m", "(request unset) -> 128Mi"),
        {"resources": {"requests": {"cpu": "150m", "memory": "128Mi"}}},
    ),
    Case(
        "a memory limit the pods came close to is raised, even when the request is kept",
        used(0.33, 3, memory_mi=900),
        replace(PROD, memory_limit="1Gi"),
        {"resources.limits.memory": ("1Gi", "1088Mi")},
        ("(request 1Gi, limit 1Gi) kept (wants 1088Mi), limit 1Gi -> 1088Mi",),
        {"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1088Mi"}}},
    ),
    Case(
        "a CPU limit below the new request is raised with it",
        used(0.9, 2),
        replace(PROD, replicas=2, cpu_limit="1"),
        {
            "resources.requests.cpu": ("500m", "1300m"),
            "resources.requests.memory": ("1Gi", "384Mi"),
            "resources.limits.cpu": ("1", "1300m"),
        },
        ("-> 1300m, limit 1 -> 1300m",),
    ),
    Case(
        "autoscaled: the HPA's own target utilization, max_replicas raised when the load needs more",
        used(1.2, 8),
        replace(PROD, autoscaling=Scaling(2, 8, 50), cpu_request="1", memory_request="384Mi"),
        {"resources.requests.cpu": ("1", "2"), "autoscaling.max_replicas": ("8", "10")},
        ("(request 1) -> 2 (capped)", "at 50% of 2/pod (max_replicas 8) -> max_replicas 10"),
        {
            "resources": {"requests": {"cpu": "2", "memory": "384Mi"}, "limits": {"memory": "2Gi"}},
            "autoscaling": {"min_replicas": 2, "max_replicas": 10, "cpu_utilization": 50},
        },
    ),
    Case(
        "autoscaled and busy: the pods grow, the HPA's range still fits",
        used(0.9, 8),
        replace(PROD, autoscaling=Scaling(2, 8, 50), cpu_request="1", memory_request="384Mi"),
        {"resources.requests.cpu": ("1", "1800m")},
        ("at 50% of 1800m/pod needs 8 (autoscaling 2..8) kept",),
    ),
    Case(
        "autoscaled within its bounds: min_replicas (availability) is left alone",
        used(0.35, 2),
        replace(PROD, autoscaling=Scaling(2, 8, 70), memory_request="384Mi"),
        {},
        ("needs 2 (autoscaling 2..8) kept",),
    ),
    Case(
        "autoscaled by load only (no cpu_utilization): the rule's target",
        used(0.35, 2),
        replace(PROD, autoscaling=Scaling(1, 4), memory_request="384Mi"),
        {},
        ("at 70% of 500m/pod needs 2 (autoscaling 1..4) kept",),
    ),
    Case(
        "replicas stay within 1..100",
        used(2.0, 200),
        replace(PROD, replicas=60),
        {
            "replicas": ("60", "100"),
            "resources.requests.cpu": ("500m", "2"),
            "resources.requests.memory": ("1Gi", "384Mi"),
        },
        ("(60 replicas) -> 100",),
    ),
    Case(
        "no CPU request to size replicas against and no CPU data: nothing",
        None,
        Current(),
        {},
        ("no usage read",),
    ),
    Case(
        "pods that reported for a fraction of the window: nothing",
        Usage(WEEK, 2 * 86400, 0.21, 0.63, 410 * MI, 3.0),
        PROD,
        {},
        ("its pods reported over 2d of 7d only (at least 50% needed)",),
    ),
    Case(
        "no CPU samples at all",
        Usage(WEEK, 0.0, None, None, None, None),
        PROD,
        {},
        ("no CPU samples of its pods over 7d",),
    ),
    Case(
        "partly covered but enough: the evidence says how much",
        Usage(WEEK, 5 * 86400, 0.21, 0.63, None, None),
        PROD,
        {"resources.requests.cpu": ("500m", "300m")},
        ("cpu p95 0.21 cores/pod over 5d of 7d (request 500m) -> 300m",),
    ),
    Case(
        "a stricter rule: 10% counts, memory headroom 1.5",
        used(0.3, 3, memory_mi=500),
        PROD,
        {"resources.requests.cpu": ("500m", "450m"), "resources.requests.memory": ("1Gi", "768Mi")},
        (),
        rule=Rule(min_change=0.05, headroom=1.5),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_rule(case: Case) -> None:
    proposal = propose("prod", "fraud-detector", case.usage, case.current, case.rule)
    assert {c.key: (c.before, c.after) for c in proposal.changes} == case.changes
    for part in case.evidence:
        assert part in proposal.evidence, proposal.evidence
    if case.override:
        assert proposal.override == case.override
    assert bool(proposal.override) == proposal.changed
    assert "\n" not in proposal.evidence


SETTLING = [case for case in CASES if case.usage is not None and case.changes and case.usage.covered_seconds]


@pytest.mark.parametrize("case", SETTLING, ids=[case.name for case in SETTLING])
def test_a_proposal_once_applied_is_not_proposed_again(case: Case) -> None:
    """The same load spread over the proposed pods proposes nothing more (no ratchet)."""
    assert case.usage is not None and case.usage.cpu_p95_total is not None
    first = propose("prod", "m", case.usage, case.current, case.rule)
    after = {change.key: change.after for change in first.changes}
    scaling = case.current.autoscaling
    if scaling is not None and "autoscaling.max_replicas" in after:
        scaling = replace(scaling, max_replicas=int(after["autoscaling.max_replicas"]))
    applied = Current(
        replicas=int(after.get("replicas", case.current.replicas)),
        cpu_request=after.get("resources.requests.cpu", case.current.cpu_request),
        memory_request=after.get("resources.requests.memory", case.current.memory_request),
        cpu_limit=after.get("resources.limits.cpu", case.current.cpu_limit),
        memory_limit=after.get("resources.limits.memory", case.current.memory_limit),
        autoscaling=scaling,
    )
    pods = scaling.max_replicas if scaling is not None else applied.replicas
    total = case.usage.cpu_p95_total
    again = propose("prod", "m", replace(case.usage, cpu_p95_per_pod=total / pods), applied, case.rule)
    assert again.changes == (), again.evidence


def test_current_settings_come_from_the_environment_and_override() -> None:
    settings = SeldonSettings.model_validate(
        {
            "replicas": 2,
            "resources": {"requests": {"cpu": "250m"}, "limits": {"memory": "1Gi"}},
            "autoscaling": {"min_replicas": 2, "max_replicas": 5, "cpu_utilization": 60},
        }
    )
    assert Current.of(settings) == Current(2, "250m", None, None, "1Gi", Scaling(2, 5, 60))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", 0.5),
        ("2", 2.0),
        ("1.5", 1.5),
        ("1Gi", 2.0**30),
        ("512Mi", 2.0**29),
        ("1G", 1e9),
        ("64k", 64e3),
    ],
)
def test_quantities(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value)


def test_quantities_refuse_what_kubernetes_does_not_write() -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity("1.5 cores")


@pytest.mark.parametrize(
    ("milli", "text"), [(50, "50m"), (300, "300m"), (1000, "1"), (1500, "1500m"), (2000, "2")]
)
def test_cpu_text(milli: int, text: str) -> None:
    assert cpu_text(milli) == text


@pytest.mark.parametrize(
    ("mebibytes", "text"), [(64, "64Mi"), (512, "512Mi"), (1024, "1Gi"), (1088, "1088Mi")]
)
def test_memory_text(mebibytes: int, text: str) -> None:
    assert memory_text(mebibytes * MI) == text


@pytest.mark.parametrize(("seconds", "text"), [(WEEK, "7d"), (5400, "1h30m"), (45, "45s"), (0, "0s")])
def test_duration_text(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text
