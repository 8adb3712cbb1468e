"""The only module that talks to Prometheus (its HTTP query API): online gate readings.

For each predictor in a `ReadingRequest`, over the request's window, from Seldon's executor
histogram `seldon_api_executor_server_requests_seconds`:

- requests: `increase(..._count[w])`, errors: the same for a `code` that is not 2xx (nor gRPC OK),
- p95 latency: `histogram_quantile(0.95, sum by (le) (rate(..._bucket[w])))`.

Requests are grouped by namespace and window, so a run makes three queries per group whatever the
number of deployments. A request of a target whose PromQL vocabulary has gate queries of its own
(`TargetQueries`, e.g. `generator.targets.seldon_v2.promql`, passed in by the caller) is read with
those, grouped by target too. Prometheus failing in any way (including an answer not shaped like its
documented vector result) gives `Readings(unavailable=...)`: gates wait, they never pass on
missing data. Samples are kept as Prometheus gives them, NaN and +-Inf included (`"NaN"`,
`"+Inf"`): the gates fail on those rather than read them as zero.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Protocol

import requests

from generator.errors import MetricsError, redact, shorten
from generator.model.readings import Reading, ReadingRequest, Readings

METRIC = "seldon_api_executor_server_requests_seconds"
GROUP = ("deployment_name", "predictor_name", "predictor_version")
ERROR_CODES = 'code!~"2..|OK"'
REGEX_SPECIAL = set(".+*?()|[]{}^$\\")
TIMEOUT = 10
NOT_CONFIGURED = (
    "no Prometheus URL configured (--prometheus-url or MODEL_GITOPS_PROMETHEUS_URL); rollouts wait"
)

Key = tuple[str, ...]


class TargetQueries(Protocol):
    """A serving target's gate queries: the three queries of a group of its requests (`requests`,
    `errors`, `p95`: counts over the window and the latency), the labels their samples are keyed
    by, and a request's key among them."""

    READING_LABELS: tuple[str, ...]

    def reading_queries(self, group: list[ReadingRequest]) -> dict[str, str]: ...

    def reading_key(self, request: ReadingRequest) -> Key: ...


def read(
    url: str | None,
    wanted: list[ReadingRequest],
    timeout: float = TIMEOUT,
    targets: Mapping[str, TargetQueries] | None = None,
) -> Readings:
    """Readings for `wanted` (empty when nothing is wanted); never raises for Prometheus failures.

    `targets`: the gate queries of targets other than Seldon v1, by `ReadingRequest.target`."""
    if not wanted:
        return Readings()
    if not url:
        return Readings(unavailable=NOT_CONFIGURED)
    try:
        return Readings(_read_all(url.rstrip("/"), wanted, timeout, targets or {}))
    except MetricsError as exc:
        return Readings(unavailable=exc.one_line())


def queries(group: list[ReadingRequest]) -> dict[str, str]:
    """The PromQL of one group of requests (same namespace, namespace label and window)."""
    first = group[0]
    names = "|".join(sorted({_regex_literal(r.deployment) for r in group}))
    selector = f'deployment_name=~"{names}"'
    if first.namespace_label:
        selector = f'{first.namespace_label}="{first.namespace}",{selector}'
    window = f"{first.window_seconds}s"
    by = ", ".join(GROUP)
    return {
        "requests": f"sum by ({by}) (increase({METRIC}_count{{{selector}}}[{window}]))",
        "errors": f"sum by ({by}) (increase({METRIC}_count{{{selector},{ERROR_CODES}}}[{window}]))",
        "p95": f"histogram_quantile(0.95, sum by ({by}, le) (rate({METRIC}_bucket{{{selector}}}[{window}])))",
    }


def _regex_literal(text: str) -> str:
    """`text` matched literally by a PromQL regex (escapes doubled: PromQL strings unescape once)."""
    return "".join(f"\\\\{c}" if c in REGEX_SPECIAL else c for c in text)


GroupKey = tuple[str, str | None, int, str]  # namespace, namespace label, window, target


def _read_all(
    url: str, wanted: list[ReadingRequest], timeout: float, targets: Mapping[str, TargetQueries]
) -> dict[tuple[str, str, str], Reading]:
    groups: dict[GroupKey, list[ReadingRequest]] = defaultdict(list)
    for request in wanted:
        target = request.target if request.target in targets else ""
        groups[(request.namespace, request.namespace_label, request.window_seconds, target)].append(request)
    values: dict[tuple[str, str, str], Reading] = {}
    at = f"{time.time():.3f}"  # one evaluation time, so errors and requests are counted alike
    for (_, _, _, target), group in sorted(groups.items(), key=lambda item: _order(item[0])):
        values.update(_read_group(url, group, at, timeout, targets.get(target)))
    return values


def _order(key: GroupKey) -> tuple[str, str, int, str]:
    namespace, label, window, target = key
    return (namespace, label or "", window, target)


def _read_group(
    url: str, group: list[ReadingRequest], at: str, timeout: float, own: TargetQueries | None
) -> dict[tuple[str, str, str], Reading]:
    """One group's three queries (the target's own, else Seldon v1's) and each request's reading."""
    found = own.reading_queries(group) if own is not None else queries(group)
    labels = own.READING_LABELS if own is not None else GROUP
    results = {name: _vector(url, query, at, timeout, labels) for name, query in found.items()}
    values = {}
    for request in group:
        key = own.reading_key(request) if own is not None else _seldon_key(request)
        values[request.key] = Reading(
            requests=results["requests"].get(key, 0.0),
            errors=results["errors"].get(key, 0.0),
            p95_seconds=results["p95"].get(key),
            window_seconds=request.window_seconds,
        )
    return values


def _seldon_key(request: ReadingRequest) -> Key:
    return (request.deployment, request.predictor, request.version)


def _vector(
    url: str, query: str, at: str, timeout: float, labels: tuple[str, ...] = GROUP
) -> dict[Key, float]:
    return parse_vector(_get(url, query, at, timeout), redact(url), labels)


def parse_vector(body: dict[str, Any], shown: str, by: tuple[str, ...] = GROUP) -> dict[Key, float]:
    """An instant query's vector by the values of the labels `by` (Seldon v1: deployment,
    predictor, version), NaN and Inf samples kept.

    The documented shape: `{"data": {"resultType": "vector", "result": [{"metric": {...},
    "value": [<time>, "<number>"]}]}}`, numbers as strings (`"NaN"`, `"+Inf"`, `"-Inf"` too).
    """
    found: dict[Key, float] = {}
    try:
        for sample in body.get("data", {}).get("result", []):
            labels = sample.get("metric", {})
            _, text = sample["value"]
            found[tuple(labels.get(name, "") for name in by)] = float(text)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MetricsError(
            f"Prometheus at {shown} answered a result that is not an instant vector ({type(exc).__name__})",
            "rollouts wait",
        ) from None
    return found


def _get(url: str, query: str, at: str, timeout: float) -> dict[str, Any]:
    shown = redact(url)
    try:
        response = requests.get(f"{url}/api/v1/query", params={"query": query, "time": at}, timeout=timeout)
    except requests.Timeout:
        raise MetricsError(f"Prometheus at {shown} did not answer in {timeout}s", "rollouts wait") from None
    except requests.RequestException as exc:
        raise MetricsError(f"Prometheus at {shown} is unreachable ({_short(exc)})", "rollouts wait") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    return checked_answer(response.status_code, body, response.text, shown)


def checked_answer(status: int, body: Any, text: str, shown: str) -> dict[str, Any]:
    """The JSON body of a successful query, else `MetricsError` with Prometheus's own error."""
    answer = body if isinstance(body, dict) else {}
    if status != 200 or answer.get("status") != "success":
        error = shorten(str(answer.get("error") or " ".join(text.split())), 160)
        raise MetricsError(f"Prometheus at {shown} answered {status} ({error})", "rollouts wait")
    return answer


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if "refused" in text.lower():
        return "connection refused"
    return shorten(text, 160)
