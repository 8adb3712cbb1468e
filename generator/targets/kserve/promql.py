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
labels the KServe target renders by the scrape's relabelings (`RELABELINGS`): namespace,
deployment_name (the InferenceService), predictor_name (`model-gitops.io/predictor`: `default`, or
`canary` on the candidate's revision) and predictor_version (`app.kubernetes.io/version` of the
predictor: the MLflow version the pod serves).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.targets.seldon_v1.promql import (
    CANARY,
    CANDIDATES,
    PER_DEPLOYMENT,
    PER_PREDICTOR,
    number,
    quote,
)

METRIC = "rest_server_request_duration_seconds"
COUNT = f"{METRIC}_count"
BUCKET = f"{METRIC}_bucket"
INFERENCE = 'path=~".*/infer"'
SERVER_ERRORS = '"5.."'
METRICS_PORT = 8082
METRICS_PATH = "/metrics"
# Gate readings (`generator.metrics.prometheus`): the series and what counts as an error there.
GATE_METRIC = METRIC
GATE_ERRORS = 'status_code!~"2.."'
# prometheus-operator relabelings that give a KServe pod's series the labels selected here.
RELABELINGS = (
    ("__meta_kubernetes_pod_label_serving_kserve_io_inferenceservice", "deployment_name"),
    ("__meta_kubernetes_pod_label_model_gitops_io_predictor", "predictor_name"),
    ("__meta_kubernetes_pod_label_app_kubernetes_io_version", "predictor_version"),
)

__all__ = [
    "CANARY",
    "CANDIDATES",
    "PER_DEPLOYMENT",
    "PER_PREDICTOR",
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
    "requests",
    "traffic_share",
    "versions_seen",
]


@dataclass(frozen=True)
class Selector:
    """The label matchers of one InferenceService's inference requests, plus extra matchers."""

    namespace: str
    deployment: str
    extra: tuple[str, ...] = ()

    def where(self, *matchers: str) -> Selector:
        return Selector(self.namespace, self.deployment, (*self.extra, *matchers))

    def predictor(self, name: str) -> Selector:
        return self.where(f"predictor_name={quote(name)}")

    def serving(self) -> Selector:
        """The serving revision's pods, whatever their role: any but a candidate's."""
        return self.where(f"predictor_name!~{quote(CANDIDATES)}")

    def __str__(self) -> str:
        base = (f"namespace={quote(self.namespace)}", f"deployment_name={quote(self.deployment)}", INFERENCE)
        return "{" + ", ".join((*base, *self.extra)) + "}"


def requests(selector: Selector, window: str, by: str) -> str:
    """Inference requests per second."""
    return f"sum by ({by}) (rate({COUNT}{selector}[{window}]))"


def errors(selector: Selector, window: str, by: str) -> str:
    """5xx answers per second; 0 (not absent) when there is traffic but no error."""
    failing = requests(selector.where(f"status_code=~{SERVER_ERRORS}"), window, by)
    return f"({failing} or {requests(selector, window, by)} * 0)"


def error_ratio(selector: Selector, window: str, by: str) -> str:
    """Share of inference requests answered with a 5xx (0..1)."""
    return f"{errors(selector, window, by)} / {requests(selector, window, by)}"


def quantile(q: float, selector: Selector, window: str, by: str) -> str:
    """Latency quantile in seconds from MLServer's request histogram."""
    return f"histogram_quantile({q}, sum by (le, {by}) (rate({BUCKET}{selector}[{window}])))"


def traffic_share(selector: Selector, window: str, by: str) -> str:
    """Each group's share of all inference requests of the InferenceService (0..1)."""
    return f"{requests(selector, window, by)} / scalar(sum(rate({COUNT}{selector}[{window}])))"


def no_traffic(selector: Selector, window: str) -> str:
    """One series when the InferenceService served no inference request in `window` (or never did)."""
    return (
        f"sum by ({PER_DEPLOYMENT}) (increase({COUNT}{selector}[{window}])) == 0 or absent({COUNT}{selector})"
    )


def canary_error_ratio_excess(selector: Selector, window: str) -> str:
    """How much the canary revision's error ratio exceeds the serving revision's."""
    canary = error_ratio(selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = error_ratio(selector.serving(), window, PER_DEPLOYMENT)
    return f"({canary}) - on ({PER_DEPLOYMENT}) group_left () ({stable})"


def canary_slower(selector: Selector, window: str, ratio: float) -> str:
    """The canary's p95 latency where it exceeds `ratio` times the serving revision's."""
    canary = quantile(0.95, selector.predictor(CANARY), window, PER_PREDICTOR)
    stable = quantile(0.95, selector.serving(), window, PER_DEPLOYMENT)
    return f"{canary} > on ({PER_DEPLOYMENT}) group_left {stable} * {number(ratio)}"


def versions_seen(selector: Selector, window: str) -> str:
    """One series per role and MLflow version that served inference requests within `window`."""
    return f"max by ({PER_PREDICTOR}) (last_over_time({COUNT}{selector}[{window}])) * 0 + 1"


def new_versions(selector: Selector, window: str) -> str:
    """A series where an MLflow version starts serving (for a dashboard annotation)."""
    now = f"count by ({PER_PREDICTOR}) ({COUNT}{selector})"
    before = f"count by ({PER_PREDICTOR}) ({COUNT}{selector} offset {window})"
    return f"{now} unless {before}"
