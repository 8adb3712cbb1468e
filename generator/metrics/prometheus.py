"""The only module that talks to Prometheus (its HTTP query API): online gate readings.

For each predictor in a `ReadingRequest`, over the request's window, from Seldon's executor
histogram `seldon_api_executor_server_requests_seconds`:

- requests: `increase(..._count[w])`, errors: the same for a `code` that is not 2xx (nor gRPC OK),
- p95 latency: `histogram_quantile(0.95, sum by (le) (rate(..._bucket[w])))`.

Requests are grouped by namespace and window, so a run makes three queries per group whatever the
number of deployments. Prometheus failing in any way (including an answer not shaped like its
documented vector result) gives `Readings(unavailable=...)`: gates wait, they never pass on
missing data. Samples are kept as Prometheus gives them, NaN and +-Inf included (`"NaN"`,
`"+Inf"`): the gates fail on those rather than read them as zero.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

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

Key = tuple[str, str, str]


def read(url: str | None, wanted: list[ReadingRequest], timeout: float = TIMEOUT) -> Readings:
    """Readings for `wanted` (empty when nothing is wanted); never raises for Prometheus failures."""
    if not wanted:
        return Readings()
    if not url:
        return Readings(unavailable=NOT_CONFIGURED)
    try:
        return Readings(_read_all(url.rstrip("/"), wanted, timeout))
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


def _read_all(url: str, wanted: list[ReadingRequest], timeout: float) -> dict[Key, Reading]:
    groups: dict[tuple[str, str | None, int], list[ReadingRequest]] = defaultdict(list)
    for request in wanted:
        groups[(request.namespace, request.namespace_label, request.window_seconds)].append(request)
    values: dict[Key, Reading] = {}
    at = f"{time.time():.3f}"  # one evaluation time, so errors and requests are counted alike
    for _, group in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2])):
        results = {name: _vector(url, query, at, timeout) for name, query in queries(group).items()}
        for request in group:
            key = (request.deployment, request.predictor, request.version)
            values[request.key] = Reading(
                requests=results["requests"].get(key, 0.0),
                errors=results["errors"].get(key, 0.0),
                p95_seconds=results["p95"].get(key),
                window_seconds=request.window_seconds,
            )
    return values


def _vector(url: str, query: str, at: str, timeout: float) -> dict[Key, float]:
    return parse_vector(_get(url, query, at, timeout), redact(url))


def parse_vector(body: dict[str, Any], shown: str) -> dict[Key, float]:
    """An instant query's vector by (deployment, predictor, version), NaN and Inf samples kept.

    The documented shape: `{"data": {"resultType": "vector", "result": [{"metric": {...},
    "value": [<time>, "<number>"]}]}}`, numbers as strings (`"NaN"`, `"+Inf"`, `"-Inf"` too).
    """
    found: dict[Key, float] = {}
    try:
        for sample in body.get("data", {}).get("result", []):
            labels = sample.get("metric", {})
            _, text = sample["value"]
            key = (labels.get(GROUP[0], ""), labels.get(GROUP[1], ""), labels.get(GROUP[2], ""))
            found[key] = float(text)
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
