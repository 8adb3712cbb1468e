"""PromQL over the Seldon Core v1 executor metrics, shared by alert rules and dashboards. Pure.

The executor exposes the histogram `seldon_api_executor_server_requests_seconds` with the labels
deployment_name (the SeldonDeployment), predictor_name, predictor_version (the MLflow version),
service, method and code; prometheus-operator adds `namespace`. Every query here selects one
deployment in one namespace and is generic over predictor names (default, stable/canary,
champion/challenger, shadow). The serving predictor keeps whatever name Git gave it (`default`
stays `default` when a canary starts), so canary comparisons select it as "not a candidate"
(`Selector.serving`), never by the name `stable`.

The module implements `generator.targets.base.MetricsVocabulary`: besides the expressions, the
PodMonitor's endpoint (`SCRAPE`: the executor's `metrics` port at `/prometheus` on the pods Seldon
labels `seldon-deployment-id`), the wording of alerts and dashboards, and the online gates' three
queries (`reading_queries`).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.readings import ReadingRequest
from generator.plan.rollout_state import ROLES
from generator.targets.base import (
    REGEX_SPECIAL,
    EnvironmentWide,
    ScrapeEndpoint,
    SeriesSelector,
    Wording,
    excluding,
    promql_string,
)

METRIC = "seldon_api_executor_server_requests_seconds"
COUNT = f"{METRIC}_count"
BUCKET = f"{METRIC}_bucket"
SERVER_ERRORS = '"5.."'
PER_DEPLOYMENT = "namespace, deployment_name"
PER_PREDICTOR = "namespace, deployment_name, predictor_name, predictor_version"
CANARY = "canary"
CANDIDATES = "|".join(sorted({second for _, second in ROLES.values() if second}))
SCRAPE: ScrapeEndpoint | None = ScrapeEndpoint("seldon-deployment-id", "metrics", "/prometheus")
DEPLOYMENT_LABEL = "deployment_name"
WORDING = Wording(serving="Seldon model", tag="seldon")
# Online gates: one sample per deployment, predictor and version; an error is any code but 2xx
# (and gRPC's OK).
READING_LABELS: tuple[str, ...] = ("deployment_name", "predictor_name", "predictor_version")
GATE_ERRORS = 'code!~"2..|OK"'
quote = promql_string  # a PromQL double-quoted string literal


@dataclass(frozen=True)
class Selector:
    """The label matchers of one deployment's series, plus optional extra matchers."""

    namespace: str
    deployment: str | None  # None: every deployment of the namespace
    extra: tuple[str, ...] = ()

    def where(self, *matchers: str) -> Selector:
        return Selector(self.namespace, self.deployment, (*self.extra, *matchers))

    def predictor(self, name: str) -> Selector:
        return self.where(f"predictor_name={quote(name)}")

    def serving(self) -> Selector:
        """The serving predictor, whatever its name: any predictor but a candidate's."""
        return self.where(f"predictor_name!~{quote(CANDIDATES)}")

    def __str__(self) -> str:
        base = (f"namespace={quote(self.namespace)}", *deployment_matcher(self.deployment))
        return "{" + ", ".join((*base, *self.extra)) + "}"


def selector(namespace: str, deployment: str) -> Selector:
    """The series of one SeldonDeployment."""
    return Selector(namespace, deployment)


def deployment_matcher(deployment: str | None) -> tuple[str, ...]:
    """The matcher of one deployment's series (none: every deployment)."""
    return () if deployment is None else (f"deployment_name={quote(deployment)}",)


def all_deployments(namespace: str, excluded: tuple[str, ...]) -> Selector:
    """Every SeldonDeployment's series in the namespace but the `excluded` ones'."""
    return Selector(namespace, None, excluding(DEPLOYMENT_LABEL, excluded))


def requests(selector: SeriesSelector, window: str, by: str) -> str:
    """Requests per second."""
    return f"sum by ({by}) (rate({COUNT}{selector}[{window}]))"


def errors(selector: SeriesSelector, window: str, by: str) -> str:
    """5xx responses per second; 0 (not absent) when there is traffic but no error."""
    failing = requests(selector.where(f"code=~{SERVER_ERRORS}"), window, by)
    return f"({failing} or {requests(selector, window, by)} * 0)"


def error_ratio(selector: SeriesSelector, window: str, by: str) -> str:
    """Share of requests answered with a 5xx (0..1)."""
    return f"{errors(selector, window, by)} / {requests(selector, window, by)}"


def quantile(q: float, selector: SeriesSelector, window: str, by: str) -> str:
    """Latency quantile in seconds from the executor's histogram."""
    return f"histogram_quantile({q}, sum by (le, {by}) (rate({BUCKET}{selector}[{window}])))"


def traffic_share(selector: SeriesSelector, window: str, by: str) -> str:
    """Each group's share of all requests of the deployment (0..1)."""
    return f"{requests(selector, window, by)} / scalar(sum(rate({COUNT}{selector}[{window}])))"


def no_traffic(selector: SeriesSelector, window: str) -> str:
    """One series when the deployment served no request in `window` (or never did)."""
    return (
        f"sum by ({PER_DEPLOYMENT}) (increase({COUNT}{selector}[{window}])) == 0 or absent({COUNT}{selector})"
    )


def canary_error_ratio_excess(selector: SeriesSelector, window: str) -> str:
    """How much the canary's error ratio exceeds the serving predictor's (per canary version)."""
    canary = error_ratio(selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = error_ratio(selector.serving(), window, PER_DEPLOYMENT)
    return f"({canary}) - on ({PER_DEPLOYMENT}) group_left () ({stable})"


def canary_slower(selector: SeriesSelector, window: str, ratio: float) -> str:
    """The canary's p95 latency where it exceeds `ratio` times the serving predictor's."""
    canary = quantile(0.95, selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = quantile(0.95, selector.serving(), window, PER_DEPLOYMENT)
    return f"{canary} > on ({PER_DEPLOYMENT}) group_left {stable} * {number(ratio)}"


def versions_seen(selector: SeriesSelector, window: str) -> str:
    """One series per predictor and MLflow version that served requests within `window`."""
    return f"max by ({PER_PREDICTOR}) (last_over_time({COUNT}{selector}[{window}])) * 0 + 1"


def new_versions(selector: SeriesSelector, window: str) -> str:
    """A series where a predictor version starts serving (for a dashboard annotation)."""
    now = f"count by ({PER_PREDICTOR}) ({COUNT}{selector})"
    before = f"count by ({PER_PREDICTOR}) ({COUNT}{selector} offset {window})"
    return f"{now} unless {before}"


def number(value: float) -> str:
    """A float as PromQL and YAML show it best: 0.05, 1.5, 2 (no exponent, no trailing zeros)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def reading_queries(group: list[ReadingRequest]) -> dict[str, str]:
    """The online gates' queries of a group of requests (one namespace, namespace label and
    window): request and error counts over the window and the p95 latency, per `READING_LABELS`."""
    return histogram_gate_queries(group, METRIC, (GATE_ERRORS,))


def reading_key(request: ReadingRequest) -> tuple[str, ...]:
    """`request`'s key among the gate queries' samples."""
    return (request.deployment, request.predictor, request.version)


def histogram_gate_queries(
    group: list[ReadingRequest], metric: str, errors: tuple[str, ...], matchers: tuple[str, ...] = ()
) -> dict[str, str]:
    """Gate queries over a histogram `metric` whose series carry `READING_LABELS`: `errors` are
    the matchers of a failed request, `matchers` narrow every query (e.g. to inference calls)."""
    first = group[0]
    names = "|".join(sorted({_gate_regex_literal(r.deployment) for r in group}))
    selector = ",".join((f'deployment_name=~"{names}"', *matchers))
    if first.namespace_label:
        selector = f'{first.namespace_label}="{first.namespace}",{selector}'
    failed = ",".join((selector, *errors))
    window = f"{first.window_seconds}s"
    by = ", ".join(READING_LABELS)
    return {
        "requests": f"sum by ({by}) (increase({metric}_count{{{selector}}}[{window}]))",
        "errors": f"sum by ({by}) (increase({metric}_count{{{failed}}}[{window}]))",
        "p95": f"histogram_quantile(0.95, sum by ({by}, le) (rate({metric}_bucket{{{selector}}}[{window}])))",
    }


def _gate_regex_literal(text: str) -> str:
    """`text` matched literally by a PromQL regex (escapes doubled: PromQL strings unescape once)."""
    return "".join(f"\\\\{c}" if c in REGEX_SPECIAL else c for c in text)


# `up` of the environment's PodMonitor carries the pod's `seldon-deployment-id` (the
# SeldonDeployment's name) as `seldon_deployment_id`, a label the executor's series do not have.
ENVIRONMENT: EnvironmentWide | None = EnvironmentWide(
    selector=all_deployments,
    deployment_label=DEPLOYMENT_LABEL,
    series=COUNT,
    up_source="__meta_kubernetes_pod_label_seldon_deployment_id",
    up_label="seldon_deployment_id",
)
