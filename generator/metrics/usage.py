"""What deployments used over a window, from Prometheus: the readings of `right-size`.

CPU and memory come from the kubelet's cAdvisor metrics as kube-prometheus-stack scrapes them
(`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`, labelled `namespace`,
`pod`, `container`); the request rate from the serving target's own request counter (Seldon v1:
the executor's `seldon_api_executor_server_requests_seconds_count` by `deployment_name`). A
deployment's pods are those of its Kubernetes Deployment `W` (`W-<replicaset hash>-<suffix>`),
its container the model server's (`UsageRequest`). With the window `w` (e.g. 7d) and the
resolution `r` (5m: the rate range and the subquery step), per namespace:

    cpu      = label_replace(max by (pod) (rate(container_cpu_usage_seconds_total{<pods>}[r])),
                             "workload", "$1", "pod", "(.+)-[a-z0-9]+-[a-z0-9]+")
    per pod  = quantile_over_time(0.95, (avg by (workload) (cpu))[w:r])
    total    = quantile_over_time(0.95, (sum by (workload) (cpu))[w:r])
    covered  = count_over_time((sum by (workload) (cpu))[w:r])            (steps with samples, x r)
    memory   = max by (workload) (label_replace(max_over_time(
                   container_memory_working_set_bytes{<pods>}[w]), "workload", ...))
    requests = quantile_over_time(0.95, (sum by (deployment_name) (rate(<counter>{namespace="ns",
                   deployment_name=~"d1|d2"}[r])))[w:r])

with `<pods>` = `namespace="ns", container="model", pod=~"(W1|W2)-[a-z0-9]+-[a-z0-9]+"`. `max by
(pod)` drops duplicate series of one container (two scrapes of the same kubelet); the container
matcher leaves out the pod-level cgroup (`container=""`) and the pause container (`POD`). Every
query is one instant query at one evaluation time for all the namespace's deployments (at most
`CHUNK` per query). Prometheus failing in any way is a `MetricsError`: nothing is proposed from
missing data. NaN and infinite samples read as no sample.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

from generator.errors import MetricsError
from generator.metrics.prometheus import TIMEOUT, query_vector
from generator.model.usage import Usage, UsageRequest

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"
POD_SUFFIX = "-[a-z0-9]+-[a-z0-9]+"  # a Deployment's pod: <deployment>-<replicaset hash>-<random>
WORKLOAD = "workload"
CHUNK = 50
REGEX_SPECIAL = set(".+*?()|[]{}^$\\")
HINT = "check --prometheus-url and that Prometheus scrapes the kubelet's cAdvisor metrics"

GroupKey = tuple[str, str, str, str]  # namespace, container, requests metric, requests label


def read_usage(
    url: str | None,
    wanted: list[UsageRequest],
    window_seconds: int,
    resolution_seconds: int,
    timeout: float = TIMEOUT,
) -> dict[tuple[str, str], Usage]:
    """The usage of each wanted deployment over the window ending now, by (environment, model)."""
    if not wanted:
        return {}
    if not url:
        raise MetricsError("right-size reads Prometheus and no URL is configured", "pass --prometheus-url")
    groups: dict[GroupKey, list[UsageRequest]] = defaultdict(list)
    for request in wanted:
        key = (request.namespace, request.container, request.requests_metric, request.requests_label)
        groups[key].append(request)
    at = f"{time.time():.3f}"
    found: dict[tuple[str, str], Usage] = {}
    try:
        for _, group in sorted(groups.items()):
            for start in range(0, len(group), CHUNK):
                chunk = group[start : start + CHUNK]
                found.update(_read_group(url, chunk, at, window_seconds, resolution_seconds, timeout))
    except MetricsError as exc:
        raise MetricsError(exc.message, HINT) from None
    return found


def queries(group: list[UsageRequest], window_seconds: int, resolution_seconds: int) -> dict[str, str]:
    """The PromQL of one group (same namespace, container and request counter)."""
    first = group[0]
    window, step = duration(window_seconds), duration(resolution_seconds)
    workloads = "|".join(sorted({regex_literal(r.workload) for r in group}))
    pods = f'namespace="{first.namespace}", container="{first.container}", pod=~"({workloads}){POD_SUFFIX}"'
    by_workload = f'"{WORKLOAD}", "$1", "pod", "(.+){POD_SUFFIX}"'
    cpu = f"label_replace(max by (pod) (rate({CPU}{{{pods}}}[{step}])), {by_workload})"
    total = f"sum by ({WORKLOAD}) ({cpu})"
    memory = f"max_over_time({MEMORY}{{{pods}}}[{window}])"
    deployments = "|".join(sorted({regex_literal(r.deployment) for r in group}))
    label = first.requests_label
    rate = f'rate({first.requests_metric}{{namespace="{first.namespace}", {label}=~"{deployments}"}}[{step}])'
    return {
        "cpu_per_pod": f"quantile_over_time(0.95, (avg by ({WORKLOAD}) ({cpu}))[{window}:{step}])",
        "cpu_total": f"quantile_over_time(0.95, ({total})[{window}:{step}])",
        "covered": f"count_over_time(({total})[{window}:{step}])",
        "memory": f"max by ({WORKLOAD}) (label_replace({memory}, {by_workload}))",
        "requests": f"quantile_over_time(0.95, (sum by ({label}) ({rate}))[{window}:{step}])",
    }


def _read_group(
    url: str, group: list[UsageRequest], at: str, window_seconds: int, resolution_seconds: int, timeout: float
) -> dict[tuple[str, str], Usage]:
    found = queries(group, window_seconds, resolution_seconds)
    label = group[0].requests_label
    values = {
        name: query_vector(url, query, at, (label,) if name == "requests" else (WORKLOAD,), timeout)
        for name, query in found.items()
    }
    usage = {}
    for request in group:
        workload, deployment = (request.workload,), (request.deployment,)
        covered = _finite(values["covered"].get(workload))
        usage[request.key] = Usage(
            window_seconds=window_seconds,
            covered_seconds=min((covered or 0.0) * resolution_seconds, float(window_seconds)),
            cpu_p95_per_pod=_finite(values["cpu_per_pod"].get(workload)),
            cpu_p95_total=_finite(values["cpu_total"].get(workload)),
            memory_max_per_pod=_finite(values["memory"].get(workload)),
            requests_p95=_finite(values["requests"].get(deployment)),
        )
    return usage


def regex_literal(text: str) -> str:
    """`text` matched literally by a PromQL regex (escapes doubled: PromQL strings unescape once)."""
    return "".join(f"\\\\{c}" if c in REGEX_SPECIAL else c for c in text)


def duration(seconds: int) -> str:
    """Seconds in the largest PromQL unit that divides them: `7d`, `5m`, `90s`."""
    unit, size = next((u, s) for u, s in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)) if seconds % s == 0)
    return f"{seconds // size}{unit}"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
