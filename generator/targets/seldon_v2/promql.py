"""PromQL over Seldon Core 2's model metrics: the vocabulary of `seldon_v1.promql`, same names and
signatures, for gates, alerts and dashboards. Pure.

Seldon Core 2 v2.10.2's agent, next to each inference server, counts every inference per Model
(SeldonIO/seldon-core@v2.10.2 `scheduler/pkg/metrics/agent.go`, listed in
`docs-gb/operational-monitoring/operational.md`): the counters `seldon_model_infer_total` and
`seldon_model_infer_seconds_total` (the sum of latencies) with the labels `server`,
`server_replica`, `model`, `model_internal`, `method_type` (rest, grpc) and `code` (the HTTP status
as text for REST, `codes.Code.String()` such as `OK` or `Unavailable` for gRPC). `model` is the
Model that answered, read from the `model_internal` header `<name>_<Seldon model version>` (since
v2.10.0: PR #6118 "Fix model label metric in case of experiment"), so a request split or mirrored
by an Experiment counts for the candidate's own Model. prometheus-operator adds `namespace`.

Consequences for the vocabulary:
- A deployment is the serving Model (named after the model's directory) and its candidates
  (`<directory>-<role>-<version>`, `render.candidate_name`); `Selector` matches them by `model`.
  A predictor is a Model: the serving one whatever its role name (`default`, `stable`,
  `champion`), or a candidate by role. `PER_PREDICTOR` groups by `model` and `model_internal`
  (the Seldon model version, which changes when the serving Model gets a new MLflow version);
  the MLflow version of a candidate is in its name, the serving Model's in its annotations.
- Seldon Core 2 keeps no latency histogram per model ("per-model histogram metrics are not stored
  for performance reasons", same docs page; `seldon_model_infer_api_seconds` has no model label),
  so `quantile` is the mean latency, `seconds_total / total` over the window, whatever `q`
  (`LATENCY_STATISTIC`): latency gates and alerts compare means.
- The counters live on the Server pods, shared by every Model they load, and Seldon's own agent
  PodMonitor (`prometheus/monitors/agent-podmonitor.yaml`: pods labelled `app: seldon-server`, port
  `metrics`, `/metrics`) scrapes them once for all Models. A PodMonitor per model would scrape the
  same pods again and count every series once more, so there is none (`SCRAPE` is None).

The module implements `generator.targets.base.MetricsVocabulary`; its gate queries
(`reading_queries`) are keyed by the Model (`READING_LABELS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator.model.readings import ReadingRequest
from generator.plan.rollout_state import ROLES
from generator.targets.base import (
    EnvironmentWide,
    ScrapeEndpoint,
    SeriesSelector,
    Wording,
    promql_string,
    regex_literal,
)

COUNT = "seldon_model_infer_total"
LATENCY_SUM = "seldon_model_infer_seconds_total"
METRIC = COUNT
MODEL_LABEL = "model"
VERSION_LABEL = "model_internal"
LATENCY_STATISTIC = "mean"
# REST 5xx, and the gRPC codes that map to 5xx (Unknown, Internal, DataLoss 500; Unimplemented
# 501; Unavailable 503; DeadlineExceeded 504).
SERVER_ERRORS = '"5..|Unknown|Internal|DataLoss|Unimplemented|Unavailable|DeadlineExceeded"'
NOT_SUCCESS = 'code!~"2..|OK"'  # what the gates count as an error, as for Seldon Core v1
PER_DEPLOYMENT = "namespace"
PER_PREDICTOR = f"namespace, {MODEL_LABEL}, {VERSION_LABEL}"
CANARY = "canary"
CANDIDATE_ROLES = tuple(sorted({second for _, second in ROLES.values() if second}))
CANDIDATES = "|".join(CANDIDATE_ROLES)
SCRAPE: ScrapeEndpoint | None = None  # Seldon's agent PodMonitor scrapes the Server pods
# Series name Models (a canary is a Model of its own), not deployments: monitored per model only.
ENVIRONMENT: EnvironmentWide | None = None
WORDING = Wording(
    serving="Seldon Core 2 model",
    tag="seldon-v2",
    predictor_label=MODEL_LABEL,
    version_label=VERSION_LABEL,
    predictor="Model",
    version="Seldon model version",
    legend="{{model_internal}}",
    versions_legend="{{model_internal}}",
    error_answer="a server error (REST 5xx or the gRPC codes that map to one)",
    latencies=((LATENCY_STATISTIC, 0.5),),
    latency=LATENCY_STATISTIC,
    latency_long="mean latency",
)


quote = promql_string  # a PromQL double-quoted string literal


def model_name(directory: str, role: str, version: str) -> str:
    """The Model that serves `role` of a deployment: a candidate's own, else the serving Model."""
    return f"{directory}-{role}-{version}" if role in CANDIDATE_ROLES else directory


def _candidates_of(directory: str, roles: Iterable[str] = CANDIDATE_ROLES) -> str:
    return f"{regex_literal(directory)}-({'|'.join(roles)})-[0-9]+"


@dataclass(frozen=True)
class Selector:
    """The label matchers of one deployment's Models (`deployment`: the model's directory), plus
    optional extra matchers."""

    namespace: str
    deployment: str
    extra: tuple[str, ...] = ()

    def where(self, *matchers: str) -> Selector:
        return Selector(self.namespace, self.deployment, (*self.extra, *matchers))

    def predictor(self, name: str) -> Selector:
        """The Model of a role: a candidate's (any version) or, for any other name, the serving one."""
        if name in CANDIDATE_ROLES:
            return self.where(f"{MODEL_LABEL}=~{quote(_candidates_of(self.deployment, [name]))}")
        return self.serving()

    def serving(self) -> Selector:
        """The serving Model, whatever role name the rollout gives it."""
        return self.where(f"{MODEL_LABEL}={quote(self.deployment)}")

    def __str__(self) -> str:
        models = f"{regex_literal(self.deployment)}|{_candidates_of(self.deployment)}"
        base = (f"namespace={quote(self.namespace)}", f"{MODEL_LABEL}=~{quote(models)}")
        return "{" + ", ".join((*base, *self.extra)) + "}"


def selector(namespace: str, deployment: str) -> Selector:
    """The series of one deployment's Models (`deployment`: the model's directory)."""
    return Selector(namespace, deployment)


def requests(selector: SeriesSelector, window: str, by: str) -> str:
    """Requests per second."""
    return f"sum by ({by}) (rate({COUNT}{selector}[{window}]))"


def errors(selector: SeriesSelector, window: str, by: str) -> str:
    """Server errors per second; 0 (not absent) when there is traffic but no error."""
    failing = requests(selector.where(f"code=~{SERVER_ERRORS}"), window, by)
    return f"({failing} or {requests(selector, window, by)} * 0)"


def error_ratio(selector: SeriesSelector, window: str, by: str) -> str:
    """Share of requests answered with a server error (0..1)."""
    return f"{errors(selector, window, by)} / {requests(selector, window, by)}"


def quantile(q: float, selector: SeriesSelector, window: str, by: str) -> str:
    """The mean latency in seconds: Seldon Core 2 has no per-model histogram, so `q` is not used."""
    spent = f"sum by ({by}) (rate({LATENCY_SUM}{selector}[{window}]))"
    return f"{spent} / {requests(selector, window, by)}"


def traffic_share(selector: SeriesSelector, window: str, by: str) -> str:
    """Each group's share of all requests of the deployment (0..1; a mirror counts on top)."""
    return f"{requests(selector, window, by)} / scalar(sum(rate({COUNT}{selector}[{window}])))"


def no_traffic(selector: SeriesSelector, window: str) -> str:
    """One series when the deployment served no request in `window` (or never did)."""
    return (
        f"sum by ({PER_DEPLOYMENT}) (increase({COUNT}{selector}[{window}])) == 0 or absent({COUNT}{selector})"
    )


def canary_error_ratio_excess(selector: SeriesSelector, window: str) -> str:
    """How much the canary's error ratio exceeds the serving Model's (per canary Model)."""
    canary = error_ratio(selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = error_ratio(selector.serving(), window, PER_DEPLOYMENT)
    return f"({canary}) - on ({PER_DEPLOYMENT}) group_left () ({stable})"


def canary_slower(selector: SeriesSelector, window: str, ratio: float) -> str:
    """The canary's mean latency where it exceeds `ratio` times the serving Model's."""
    canary = quantile(0.95, selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = quantile(0.95, selector.serving(), window, PER_DEPLOYMENT)
    return f"{canary} > on ({PER_DEPLOYMENT}) group_left {stable} * {number(ratio)}"


def versions_seen(selector: SeriesSelector, window: str) -> str:
    """One series per Model and Seldon model version that served requests within `window`."""
    return f"max by ({PER_PREDICTOR}) (last_over_time({COUNT}{selector}[{window}])) * 0 + 1"


def new_versions(selector: SeriesSelector, window: str) -> str:
    """A series where a Model version starts serving (for a dashboard annotation)."""
    now = f"count by ({PER_PREDICTOR}) ({COUNT}{selector})"
    before = f"count by ({PER_PREDICTOR}) ({COUNT}{selector} offset {window})"
    return f"{now} unless {before}"


def number(value: float) -> str:
    """A float as PromQL and YAML show it best: 0.05, 1.5, 2 (no exponent, no trailing zeros)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


READING_LABELS = (MODEL_LABEL,)  # the gate queries' samples are keyed by the Model


def reading_model(request: ReadingRequest) -> str:
    """The `model` label value of the series a gate reading of `request` comes from."""
    return model_name(request.deployment, request.predictor, request.version)


def reading_key(request: ReadingRequest) -> tuple[str, ...]:
    """`request`'s key among the gate queries' samples (their `READING_LABELS` values)."""
    return (reading_model(request),)


def reading_queries(group: list[ReadingRequest]) -> dict[str, str]:
    """The online gates' queries for requests of one namespace and window, by `model`: request
    and error counts over the window (`increase`), and the mean latency under the key `p95`
    (where `metrics.prometheus` expects the latency reading)."""
    first = group[0]
    names = "|".join(sorted({regex_literal(reading_model(r)) for r in group}))
    selector = f"{MODEL_LABEL}=~{quote(names)}"
    if first.namespace_label:
        selector = f"{first.namespace_label}={quote(first.namespace)}, {selector}"
    window = f"{first.window_seconds}s"

    def counted(metric: str, *matchers: str) -> str:
        return f"sum by ({MODEL_LABEL}) (increase({metric}{{{', '.join((selector, *matchers))}}}[{window}]))"

    return {
        "requests": counted(COUNT),
        "errors": counted(COUNT, NOT_SUCCESS),
        "p95": f"{counted(LATENCY_SUM)} / {counted(COUNT)}",
    }
