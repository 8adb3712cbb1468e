"""The serving-target protocol: everything model-gitops knows about one serving stack. Pure.

A target turns one planned deployment (`generator.plan.planner.Target`: model, versions, strategy,
weights) into the document its cluster runs, and knows how to read that document back, what its
admission webhook refuses, where its CRD is published, how Argo CD judges its health, which
PromQL describes its traffic, and which MLflow flavor its model server needs. The rest of the
pipeline (plan, rollout, delivery, the CLI) never names a serving stack; `generator.targets`
holds the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from generator.config import SeldonSettings
from generator.model import Document
from generator.model.layout import ANNOTATION_PREFIX
from generator.model.readings import ReadingRequest
from generator.model.runtime import RuntimeProfile
from generator.plan.planner import Target


@dataclass(frozen=True)
class ReadBack:
    """What a rendered serving document says about itself: model, version, annotations, and the
    name of the predictor serving that version ("" when the target has no such notion)."""

    model: str
    version: str
    annotations: dict[str, str]
    predictor: str = ""
    served_by: str = ""  # what serves the version (`ServingTarget.served_by`) as the file says


def recorded(document: Mapping[str, Any]) -> tuple[str, str, dict[str, str]] | None:
    """(model, version, annotations) a document's `model-gitops.io/` annotations record, if any."""
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return None
    model = annotations.get(f"{ANNOTATION_PREFIX}model")
    version = annotations.get(f"{ANNOTATION_PREFIX}version")
    if not isinstance(model, str) or not isinstance(version, str):
        return None
    return model, version, {str(k): str(v) for k, v in annotations.items()}


@dataclass(frozen=True)
class ScrapeEndpoint:
    """Where a PodMonitor finds a target's metrics on the pods of one deployment.

    `pod_label` selects the deployment's pods (its value: the deployment's name). `port` is a
    container port's name, or a number the pods serve without declaring it: then `container` names
    the container serving it and the scrape address is rewritten to `<pod IP>:<port>` (a declared
    port is needed to be scraped any other way). `labels` copy pod metadata onto the series, as the
    vocabulary's queries select them: (Prometheus's `__meta_kubernetes_pod_...` label, series label).
    """

    pod_label: str
    port: str | int
    path: str
    container: str = ""
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Wording:
    """How alerts and dashboards speak of a target's series.

    `predictor_label` and `version_label` are the series labels that name a predictor and the
    version it serves (grouped by, shown in legends and alert texts), `predictor` and `version` what
    texts call them. `latencies` are the latency statistics a dashboard plots (name, quantile),
    `latency` and `latency_long` the one alerts and canary panels compare."""

    serving: str  # what one deployment is, as in "<serving> fraud-detector in environment prod"
    tag: str  # the dashboard's tag naming the serving stack
    predictor_label: str = "predictor_name"
    version_label: str = "predictor_version"
    predictor: str = "predictor"
    version: str = "MLflow version"
    legend: str = "{{predictor_name}} v{{predictor_version}}"
    versions_legend: str = "{{predictor_name}}: MLflow v{{predictor_version}}"
    error_answer: str = "a 5xx answer"
    latencies: tuple[tuple[str, float], ...] = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
    latency: str = "p95"
    latency_long: str = "95th percentile latency"

    @property
    def by_version(self) -> str:
        """The PromQL grouping of one series per predictor and version."""
        return f"{self.predictor_label}, {self.version_label}"


@dataclass(frozen=True)
class EnvironmentWide:
    """How a target's series are watched for a whole environment at once (`monitoring.layout:
    environment`): one PodMonitor, one rule group and one dashboard per namespace.

    `selector(namespace, excluded)` selects every deployment's series in the namespace but the
    `excluded` ones (models with alert thresholds of their own); `deployment_label` is the series
    label naming the deployment (rule groupings, alert texts, the dashboard's variable);
    `series` a metric every deployment with traffic has (the dashboard's variables list its
    labels). The environment's PodMonitor copies the pod label naming the deployment onto every
    target as `up_label` (`up_source`: Prometheus's `__meta_kubernetes_pod_label_...` name), so
    a deployment whose pods run but never served a request still has an `up` series to alert on.
    """

    selector: Callable[[str, tuple[str, ...]], SeriesSelector]
    deployment_label: str
    series: str
    up_source: str
    up_label: str


REGEX_SPECIAL = frozenset(".+*?()|[]{}^$\\")


def promql_string(value: str) -> str:
    """A PromQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def regex_literal(text: str) -> str:
    """`text` matched literally inside a regular expression (before PromQL string quoting)."""
    return "".join(f"\\{c}" if c in REGEX_SPECIAL else c for c in text)


def excluding(label: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """A matcher leaving out the series whose `label` is one of `names` (none when empty)."""
    if not names:
        return ()
    return (f"{label}!~{promql_string('|'.join(regex_literal(n) for n in sorted(names)))}",)


class SeriesSelector(Protocol):
    """The label matchers of one deployment's series (`str()`: PromQL's `{...}`), narrowed."""

    def where(self, *matchers: str) -> SeriesSelector: ...

    def predictor(self, name: str) -> SeriesSelector:
        """The series of the predictor playing role `name` (`canary`, ...)."""
        ...

    def serving(self) -> SeriesSelector:
        """The serving predictor's series, whatever its role name."""
        ...


class MetricsVocabulary(Protocol):
    """A target's PromQL vocabulary: what its PodMonitor scrapes, the expressions alerts and
    dashboards are made of, how they speak of the series, and the online gates' queries.

    Every expression builder selects one deployment (`selector(namespace, deployment)`) and takes
    a range `window` and a `by` grouping (`PER_PREDICTOR`, `PER_DEPLOYMENT` or the wording's
    `by_version`). The gate queries (`reading_queries`, `reading_key`, `READING_LABELS`) are what
    `generator.metrics.prometheus.TargetQueries` reads: `generator.app.sources` passes them in,
    since metrics sits below targets. Implemented by the modules `seldon_v1.promql`,
    `kserve.promql` and `seldon_v2.promql`.
    """

    @property
    def SCRAPE(self) -> ScrapeEndpoint | None:
        """The per-deployment scrape, or None when the serving stack's own monitor scrapes shared
        pods (a PodMonitor per model would count every series again)."""
        ...

    @property
    def WORDING(self) -> Wording: ...

    @property
    def ENVIRONMENT(self) -> EnvironmentWide | None:
        """How to watch a whole environment at once, or None when only one deployment at a time
        can be told apart (then monitoring stays one set of files per model)."""
        ...

    @property
    def PER_DEPLOYMENT(self) -> str:
        """The grouping of one series per deployment."""
        ...

    @property
    def PER_PREDICTOR(self) -> str:
        """The grouping of one series per predictor and version."""
        ...

    @property
    def CANARY(self) -> str:
        """The canary's role name."""
        ...

    @property
    def READING_LABELS(self) -> tuple[str, ...]:
        """The labels the gate queries' samples are keyed by."""
        ...

    def selector(self, namespace: str, deployment: str) -> SeriesSelector: ...

    def requests(self, selector: SeriesSelector, window: str, by: str) -> str: ...

    def errors(self, selector: SeriesSelector, window: str, by: str) -> str: ...

    def error_ratio(self, selector: SeriesSelector, window: str, by: str) -> str: ...

    def quantile(self, q: float, selector: SeriesSelector, window: str, by: str) -> str: ...

    def traffic_share(self, selector: SeriesSelector, window: str, by: str) -> str: ...

    def no_traffic(self, selector: SeriesSelector, window: str) -> str: ...

    def canary_error_ratio_excess(self, selector: SeriesSelector, window: str) -> str: ...

    def canary_slower(self, selector: SeriesSelector, window: str, ratio: float) -> str: ...

    def versions_seen(self, selector: SeriesSelector, window: str) -> str: ...

    def new_versions(self, selector: SeriesSelector, window: str) -> str: ...

    def number(self, value: float) -> str: ...

    def reading_queries(self, group: list[ReadingRequest]) -> dict[str, str]:
        """The online gates' three queries (`requests`, `errors`: counts over the window; `p95`: the
        latency in seconds) of a group of requests with one namespace, namespace label and window."""
        ...

    def reading_key(self, request: ReadingRequest) -> tuple[str, ...]:
        """`request`'s key among the gate queries' samples (their `READING_LABELS` values)."""
        ...


class ServingTarget(Protocol):
    """One serving stack (Seldon Core v1, KServe, ...): registered by `name` in `TARGETS`."""

    name: str  # the value of `target:` in an environment file
    api_version: str
    kind: str
    file_name: str  # the serving document's name in rendered/<env>/<model>/
    health_checks: Mapping[str, str]  # Argo CD argocd-cm key -> Lua health check
    strategies: frozenset[str]  # the strategy types it can roll out (others are refused at load)

    @property
    def crd(self) -> str | tuple[str, ...]:
        """Where its CustomResourceDefinition is published (turned into a kubeconform schema); a
        target rendering several custom kinds names each one's ("" for a core kind: none)."""
        ...

    @property
    def metrics(self) -> MetricsVocabulary:
        """The PromQL vocabulary of its traffic (see `generator.targets.seldon_v1.promql`)."""
        ...

    def render(self, deployment: Target) -> Document:
        """The serving document of one planned deployment."""
        ...

    def read_back(self, document: Mapping[str, Any]) -> ReadBack | None:
        """The deployment a rendered document records, or None if it is not one of ours."""
        ...

    def admission_problems(self, document: Mapping[str, Any]) -> list[str]:
        """What the target's admission webhook would refuse, beyond its CRD schema."""
        ...

    def served_by(self, settings: SeldonSettings) -> str:
        """What decides whether a version loads, as these settings render it (server, protocol...).

        A version already serving is checked again when this differs from the file's."""
        ...

    def runtime(self, settings: SeldonSettings) -> RuntimeProfile:
        """What runs the model with these settings: declared, else the server's built-in profile."""
        ...

    def required_flavor(self, settings: SeldonSettings) -> str | None:
        """The MLflow flavor a model must have to be served with these settings (None: any)."""
        ...
