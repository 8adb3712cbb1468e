"""The only module that talks to Prometheus (its HTTP query API): online gate readings, and the
instant queries of `metrics.usage` (`query_vector`).

What to ask is the serving target's: each `ReadingRequest` names its target, and the caller passes
every target's gate queries (`TargetQueries`: its PromQL vocabulary, `generator.targets.base.
MetricsVocabulary`; this package sits below targets, so `generator.app.sources` hands them in).
Per predictor in a request, over the request's window: the request count, the error count and
the latency (Seldon Core v1 and KServe: a p95 from their histograms; Seldon Core 2: the mean).

Requests are grouped by target, namespace and window, so a run makes three queries per group
whatever the number of deployments. Prometheus failing in any way (including an answer not shaped
like its documented vector result) gives `Readings(unavailable=...)`: gates wait, they never pass
on missing data; so does a request of a target without gate queries. Samples are kept as
Prometheus gives them, NaN and +-Inf included (`"NaN"`, `"+Inf"`): the gates fail on those rather
than read them as zero.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Protocol

import requests

from generator.errors import MetricsError, redact, shorten
from generator.model.readings import Reading, ReadingRequest, Readings

TIMEOUT = 10
NOT_CONFIGURED = (
    "no Prometheus URL configured (--prometheus-url or MODEL_GITOPS_PROMETHEUS_URL); rollouts wait"
)

Key = tuple[str, ...]


class TargetQueries(Protocol):
    """A serving target's gate queries: the three queries of a group of its requests (`requests`,
    `errors`: counts over the window; `p95`: the latency in seconds), the labels their samples are
    keyed by, and a request's key among them."""

    @property
    def READING_LABELS(self) -> tuple[str, ...]: ...

    def reading_queries(self, group: list[ReadingRequest]) -> dict[str, str]: ...

    def reading_key(self, request: ReadingRequest) -> Key: ...


def read(
    url: str | None,
    wanted: list[ReadingRequest],
    targets: Mapping[str, TargetQueries],
    timeout: float = TIMEOUT,
) -> Readings:
    """Readings for `wanted` (empty when nothing is wanted); never raises for Prometheus failures.

    `targets`: each serving target's gate queries, by name (`ReadingRequest.target`)."""
    if not wanted:
        return Readings()
    if not url:
        return Readings(unavailable=NOT_CONFIGURED)
    try:
        return Readings(_read_all(url.rstrip("/"), wanted, timeout, targets))
    except MetricsError as exc:
        return Readings(unavailable=exc.one_line())


GroupKey = tuple[str, str, str | None, int]  # target, namespace, namespace label, window


def _read_all(
    url: str, wanted: list[ReadingRequest], timeout: float, targets: Mapping[str, TargetQueries]
) -> dict[tuple[str, str, str], Reading]:
    groups: dict[GroupKey, list[ReadingRequest]] = defaultdict(list)
    for request in wanted:
        if request.target not in targets:
            known = ", ".join(sorted(targets)) or "none"
            raise MetricsError(
                f"no gate queries for target {request.target!r} (known: {known})", "rollouts wait"
            )
        groups[(request.target, request.namespace, request.namespace_label, request.window_seconds)].append(
            request
        )
    values: dict[tuple[str, str, str], Reading] = {}
    at = f"{time.time():.3f}"  # one evaluation time, so errors and requests are counted alike
    for key, group in sorted(groups.items(), key=lambda item: _order(item[0])):
        values.update(_read_group(url, group, at, timeout, targets[key[0]]))
    return values


def _order(key: GroupKey) -> tuple[str, str, str, int]:
    target, namespace, label, window = key
    return (target, namespace, label or "", window)


def _read_group(
    url: str, group: list[ReadingRequest], at: str, timeout: float, own: TargetQueries
) -> dict[tuple[str, str, str], Reading]:
    """One group's three queries, in the target's vocabulary, and each request's reading."""
    results = {
        name: _vector(url, query, at, timeout, own.READING_LABELS)
        for name, query in own.reading_queries(group).items()
    }
    values = {}
    for request in group:
        key = own.reading_key(request)
        values[request.key] = Reading(
            requests=results["requests"].get(key, 0.0),
            errors=results["errors"].get(key, 0.0),
            p95_seconds=results["p95"].get(key),
            window_seconds=request.window_seconds,
        )
    return values


def _vector(url: str, query: str, at: str, timeout: float, labels: tuple[str, ...]) -> dict[Key, float]:
    return parse_vector(_get(url, query, at, timeout), redact(url), labels)


def query_vector(
    url: str, query: str, at: str, by: tuple[str, ...], timeout: float = TIMEOUT
) -> dict[Key, float]:
    """One instant query at `at` (Unix seconds), its samples by the values of the labels `by`;
    `MetricsError` when Prometheus fails in any way."""
    return _vector(url.rstrip("/"), query, at, timeout, by)


def parse_vector(body: dict[str, Any], shown: str, by: tuple[str, ...]) -> dict[Key, float]:
    """An instant query's vector by the values of the labels `by` (the target's
    `READING_LABELS`), NaN and Inf samples kept.

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
