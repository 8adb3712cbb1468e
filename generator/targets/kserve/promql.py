"""PromQL over MLServer's own REST metrics, the KServe target's traffic vocabulary. Pure.

The same functions as `generator.targets.seldon_v1.promql` (what alerts, dashboards and gates
call), over another series. Why MLServer's metrics and not Knative's queue-proxy
(`revision_app_request_count`): they exist in both deployment modes (a Standard-mode pod has no
queue-proxy), and they are fixed by the runtime image rather than by the Knative release.

The series: MLServer 1.7.1 (KServe v0.20.0's `kserve-mlserver` image) wraps its REST app in
starlette-exporter 0.23.0's `PrometheusMiddleware` with prefix `rest_server`
(SeldonIO/MLServer@1.7.1 `mlserver/rest/app.py`, `settings.metrics_rest_server_prefix`), which
records the histogram `rest_server_request_duration_seconds` with the labels method, path (the
route template, `group_paths`), status_code and app_name
(stephenhillier/starlette_exporter@v0.23.0 `starlette_exporter/middleware.py`). MLServer serves it
on its metrics port 8082 at `/metrics` (`settings.metrics_port`, `metrics_endpoint`). Only the
inference routes count as traffic (`path=~".*/infer"`: `/v2/models/{model_name}/infer` and the
versioned one); model readiness probes would otherwise look like requests.
MLServer's `model_infer_request_success`/`_failure` counters are not used: their `version` label is
MLServer's model version, not MLflow's, and its duration is a Summary (no quantiles across pods).

The labels this vocabulary selects on are the ones the Seldon vocabulary uses, made from the pod
labels the KServe target renders by the PodMonitor's relabelings (`SCRAPE.labels`): namespace,
deployment_name (the InferenceService), predictor_name (`model-gitops.io/predictor`: `default`, or
`canary` on the candidate's revision) and predictor_version (`app.kubernetes.io/version` of the
predictor: the MLflow version the pod serves). `kserve-mlserver` declares no container port 8082
(Knative lets a container declare one port, the inference port 8080), and Prometheus discovers
declared ports only, so the PodMonitor reaches 8082 by rewriting the scrape address of the
`kserve-container` container (`ScrapeEndpoint.port` a number).

The online gates read the same series (`reading_queries`): inference calls only, an error is any
`status_code` but 2xx, the p95 from the histogram, keyed as Seldon v1's.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.readings import ReadingRequest
from generator.targets.base import EnvironmentWide, ScrapeEndpoint, SeriesSelector, Wording, excluding
from generator.targets.seldon_v1.promql import (
    CANARY,
    CANDIDATES,
    DEPLOYMENT_LABEL,
    PER_DEPLOYMENT,
    PER_PREDICTOR,
    READING_LABELS,
    deployment_matcher,
    histogram_gate_queries,
    number,
    quote,
    reading_key,
)

METRIC = "rest_server_request_duration_seconds"
COUNT = f"{METRIC}_count"
BUCKET = f"{METRIC}_bucket"
INFERENCE = 'path=~".*/infer"'
SERVER_ERRORS = '"5.."'
GATE_ERRORS = 'status_code!~"2.."'  # what the online gates count as an error
# MLServer's metrics server (`settings.metrics_port`, `metrics_endpoint`) in the runtime's container
# (KServe's `constants.InferenceServiceContainerName`), on the pods KServe labels with the
# InferenceService's name, in both deployment modes.
SCRAPE: ScrapeEndpoint | None = ScrapeEndpoint(
    pod_label="serving.kserve.io/inferenceservice",
    port=8082,
    path="/metrics",
    container="kserve-container",
    labels=(
        ("__meta_kubernetes_pod_label_serving_kserve_io_inferenceservice", "deployment_name"),
        ("__meta_kubernetes_pod_label_model_gitops_io_predictor", "predictor_name"),
        ("__meta_kubernetes_pod_label_app_kubernetes_io_version", "predictor_version"),
    ),
)
WORDING = Wording(serving="KServe InferenceService", tag="kserve")

__all__ = [
    "CANARY",
    "CANDIDATES",
    "ENVIRONMENT",
    "PER_DEPLOYMENT",
    "PER_PREDICTOR",
    "READING_LABELS",
    "SCRAPE",
    "WORDING",
    "Selector",
    "canary_error_ratio_excess",
    "canary_slower",
    "error_ratio",
    "errors",
    "new_versions",
    "no_traffic",
    "number",
    "quantile",
    "quote",
    "reading_key",
    "reading_queries",
    "requests",
    "selector",
    "traffic_share",
    "versions_seen",
]


@dataclass(frozen=True)
class Selector:
    """The label matchers of one InferenceService's inference requests, plus extra matchers."""

    namespace: str
    deployment: str | None  # None: every InferenceService of the namespace
    extra: tuple[str, ...] = ()

    def where(self, *matchers: str) -> Selector:
        return Selector(self.namespace, self.deployment, (*self.extra, *matchers))

    def predictor(self, name: str) -> Selector:
        return self.where(f"predictor_name={quote(name)}")

    def serving(self) -> Selector:
        """The serving revision's pods, whatever their role: any but a candidate's."""
        return self.where(f"predictor_name!~{quote(CANDIDATES)}")

    def __str__(self) -> str:
        base = (f"namespace={quote(self.namespace)}", *deployment_matcher(self.deployment), INFERENCE)
        return "{" + ", ".join((*base, *self.extra)) + "}"


def selector(namespace: str, deployment: str) -> Selector:
    """The inference requests of one InferenceService."""
    return Selector(namespace, deployment)


def all_deployments(namespace: str, excluded: tuple[str, ...]) -> Selector:
    """Every InferenceService's inference requests in the namespace but the `excluded` ones'."""
    return Selector(namespace, None, excluding(DEPLOYMENT_LABEL, excluded))


def requests(selector: SeriesSelector, window: str, by: str) -> str:
    """Inference requests per second."""
    return f"sum by ({by}) (rate({COUNT}{selector}[{window}]))"


def errors(selector: SeriesSelector, window: str, by: str) -> str:
    """5xx answers per second; 0 (not absent) when there is traffic but no error."""
    failing = requests(selector.where(f"status_code=~{SERVER_ERRORS}"), window, by)
    return f"({failing} or {requests(selector, window, by)} * 0)"


def error_ratio(selector: SeriesSelector, window: str, by: str) -> str:
    """Share of inference requests answered with a 5xx (0..1)."""
    return f"{errors(selector, window, by)} / {requests(selector, window, by)}"


def quantile(q: float, selector: SeriesSelector, window: str, by: str) -> str:
    """Latency quantile in seconds from MLServer's request histogram."""
    return f"histogram_quantile({q}, sum by (le, {by}) (rate({BUCKET}{selector}[{window}])))"


def traffic_share(selector: SeriesSelector, window: str, by: str) -> str:
    """Each group's share of all inference requests of the InferenceService (0..1)."""
    return f"{requests(selector, window, by)} / scalar(sum(rate({COUNT}{selector}[{window}])))"


def no_traffic(selector: SeriesSelector, window: str) -> str:
    """One series when the InferenceService served no inference request in `window` (or never did)."""
    return (
        f"sum by ({PER_DEPLOYMENT}) (increase({COUNT}{selector}[{window}])) == 0 or absent({COUNT}{selector})"
    )


def canary_error_ratio_excess(selector: SeriesSelector, window: str) -> str:
    """How much the canary revision's error ratio exceeds the serving revision's."""
    canary = error_ratio(selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = error_ratio(selector.serving(), window, PER_DEPLOYMENT)
    return f"({canary}) - on ({PER_DEPLOYMENT}) group_left () ({stable})"


def canary_slower(selector: SeriesSelector, window: str, ratio: float) -> str:
    """The canary's p95 latency where it exceeds `ratio` times the serving revision's."""
    canary = quantile(0.95, selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = quantile(0.95, selector.serving(), window, PER_DEPLOYMENT)
    return f"{canary} > on ({PER_DEPLOYMENT}) group_left {stable} * {number(ratio)}"


def versions_seen(selector: SeriesSelector, window: str) -> str:
    """One series per role and MLflow version that served inference requests within `window`."""
    return f"max by ({PER_PREDICTOR}) (last_over_time({COUNT}{selector}[{window}])) * 0 + 1"


def new_versions(selector: SeriesSelector, window: str) -> str:
    """A series where an MLflow version starts serving (for a dashboard annotation)."""
    now = f"count by ({PER_PREDICTOR}) ({COUNT}{selector})"
    before = f"count by ({PER_PREDICTOR}) ({COUNT}{selector} offset {window})"
    return f"{now} unless {before}"


def reading_queries(group: list[ReadingRequest]) -> dict[str, str]:
    """The online gates' queries over inference calls, keyed as Seldon v1's (`READING_LABELS`)."""
    return histogram_gate_queries(group, METRIC, (GATE_ERRORS,), (INFERENCE,))


# The PodMonitor already copies the InferenceService's name onto every series, `up` included.
ENVIRONMENT: EnvironmentWide | None = EnvironmentWide(
    selector=all_deployments,
    deployment_label=DEPLOYMENT_LABEL,
    series=COUNT,
    up_source="__meta_kubernetes_pod_label_serving_kserve_io_inferenceservice",
    up_label=DEPLOYMENT_LABEL,
)
