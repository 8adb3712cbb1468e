"""The rule files the rule-cost benchmark (`benchmarks.rule_cost`) loads into Prometheus. Pure.

Each variant is a list of Prometheus rule groups for one Seldon Core v1 environment (one
namespace) holding `models`, some of which (`overrides`) have alert thresholds of their own:

- `per-model`: what the product renders today, one PrometheusRule (one group of five alerts) per
  model, each with the model's own thresholds, built by `generator.render.observability`;
- `per-environment`: what the product renders with `monitoring.layout: environment`, one group
  with the same five alerts over every deployment of the namespace, grouped `by (namespace,
  deployment_name, predictor_name, predictor_version)`, no overrides;
- `exclusion` (issue 15, option a, what the product renders with `overrides.<model>.alerts`): the
  environment's group leaving the overridden models out (`deployment_name!~"a|b|..."`), plus a
  group of five alerts for each overridden model on its own;
- `group-left` (option b, built here only, for the comparison): thresholds as series: one
  recording rule per overridden model and threshold (`vector(t)` labelled with namespace and
  deployment_name), and each threshold alert compares with `> on (namespace, deployment_name)
  group_left () (override or default)`, the default being one series per deployment that has
  traffic.

The expressions come from the target's PromQL vocabulary (`generator.targets.seldon_v1.promql`),
as the product's own rules do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.config import EnvironmentConfig
from generator.config.loader import parse_environment
from generator.config.monitoring import RuleSettings
from generator.render.monitoring import RULES_FILE
from generator.render.observability import environment_monitoring_documents, monitoring_documents
from generator.targets.base import SeriesSelector
from generator.targets.seldon_v1 import promql

ENVIRONMENT = "prod"
JOIN_ON = promql.PER_DEPLOYMENT  # namespace, deployment_name
PER_PREDICTOR = promql.PER_PREDICTOR
RECORD_PREFIX = "model_gitops:alert_threshold:"
PER_MODEL, PER_ENVIRONMENT, EXCLUSION, GROUP_LEFT = "per-model", "per-environment", "exclusion", "group-left"
Overrides = Mapping[str, Mapping[str, float]]  # model -> {threshold key: value}
Rule = dict[str, Any]


@dataclass(frozen=True)
class Threshold:
    """An alert of the form `value > threshold`, whose threshold may come from a series."""

    alert: str
    key: str  # its `monitoring.rules` setting
    value: Callable[[SeriesSelector, str], str]  # (selector, window) -> PromQL


THRESHOLDS = (
    Threshold("ModelHighErrorRatio", "error_ratio", lambda s, w: promql.error_ratio(s, w, PER_PREDICTOR)),
    Threshold(
        "ModelHighLatencyP95", "latency_p95_seconds", lambda s, w: promql.quantile(0.95, s, w, PER_PREDICTOR)
    ),
    Threshold(
        "ModelCanaryErrorsWorseThanStable", "canary_error_ratio_margin", promql.canary_error_ratio_excess
    ),
)
JOINABLE = {t.key for t in THRESHOLDS}


def environment_alerts(
    selector: SeriesSelector,
    rules: RuleSettings,
    compare: Callable[[Threshold, str, float], str] | None = None,
) -> list[tuple[str, str]]:
    """(alert, expression) of the five alerts over `selector`, in the product's order;
    `compare(threshold, value, default)` builds the threshold alerts' comparison (default:
    `value > threshold`)."""
    window = rules.window
    plain = compare or (lambda _, value, limit: f"{value} > {promql.number(limit)}")
    found: list[tuple[str, str]] = []
    error, latency, canary_errors = THRESHOLDS
    for threshold in (error, latency):
        limit = getattr(rules, threshold.key)
        if limit is not None:
            found.append((threshold.alert, plain(threshold, threshold.value(selector, window), limit)))
    if rules.no_traffic_for is not None:
        found.append(("ModelNoTraffic", promql.no_traffic(selector, rules.no_traffic_for)))
    if rules.canary_error_ratio_margin is not None:
        value = canary_errors.value(selector, window)
        found.append((canary_errors.alert, plain(canary_errors, value, rules.canary_error_ratio_margin)))
    if rules.canary_latency_ratio is not None:
        expr = promql.canary_slower(selector, window, rules.canary_latency_ratio)
        found.append(("ModelCanaryLatencyWorseThanStable", expr))
    return found


def environment_rules(
    namespace: str, rules: RuleSettings, excluded: tuple[str, ...] = (), overrides: Overrides | None = None
) -> list[Rule]:
    """The alerts of one environment's single rule group, mirroring the product's environment
    layout (`monitoring.layout: environment`): the five alerts of `generator.render.monitoring`
    over every deployment of the namespace but `excluded`, grouped per deployment, predictor and
    version, labelled with the environment (the deployment comes from the series' labels). With
    `overrides`, the threshold alerts join the threshold series of `threshold_records`."""

    def joined(threshold: Threshold, value: str, default: float) -> str:
        return threshold_join(value, threshold.key, namespace, default)

    selector = promql.all_deployments(namespace, excluded)
    found = environment_alerts(selector, rules, joined if overrides else None)
    return [_alert(name, expr, rules, {}) for name, expr in found]


def threshold_join(value: str, key: str, namespace: str, default: float) -> str:
    """`value > threshold`, the threshold being the deployment's `RECORD_PREFIX<key>` series
    where there is one, else `default` (one series per deployment with traffic)."""
    ns = f"{{namespace={promql.quote(namespace)}}}"
    fallback = f"{promql.number(default)} * group by ({JOIN_ON}) ({promql.COUNT}{ns})"
    thresholds = f"{record_name(key)}{ns} or on ({JOIN_ON}) {fallback}"
    return f"({value}) > on ({JOIN_ON}) group_left () ({thresholds})"


def record_name(key: str) -> str:
    return f"{RECORD_PREFIX}{key}"


def threshold_records(namespace: str, overrides: Overrides) -> list[Rule]:
    """One recording rule per overridden model and threshold: the threshold as a series."""
    records = []
    for model in sorted(overrides):
        for key, value in sorted(overrides[model].items()):
            if key not in JOINABLE:
                raise ValueError(f"{key} is not a threshold a series can carry (only {sorted(JOINABLE)})")
            labels = {"namespace": namespace, "deployment_name": model}
            records.append(
                {"record": record_name(key), "expr": f"vector({promql.number(value)})", "labels": labels}
            )
    return records


def _alert(name: str, expr: str, rules: RuleSettings, labels: dict[str, str]) -> Rule:
    deployment = "{{ $labels.deployment_name }}"
    on = "predictor {{ $labels.predictor_name }}, MLflow version {{ $labels.predictor_version }}"
    return {
        "alert": name,
        "expr": expr,
        "for": rules.for_,
        "labels": {"severity": rules.severity, "environment": ENVIRONMENT, **labels},
        "annotations": {
            "summary": f"{deployment} ({ENVIRONMENT}): {name} on {on}",
            "description": f"Model {deployment} in environment {ENVIRONMENT}: {name} ({{{{ $value }}}}).",
        },
    }


def group(name: str, rules: list[Rule]) -> dict[str, Any]:
    return {"name": name, "rules": rules}


def environment_config(
    namespace: str, rules: Mapping[str, object], layout: str = "model", overrides: Overrides | None = None
) -> EnvironmentConfig:
    """The environment as its file would say it: only the alert rules rendered (no dashboard, no
    PodMonitor), `rules` as its `monitoring.rules`, `overrides` as `overrides.<model>.alerts`."""
    settings = "".join(f"\n    {key}: {value}" for key, value in sorted(rules.items()))
    text = (
        f"namespace: {namespace}\nalias: champion\nmonitoring:\n  layout: {layout}\n"
        f"  podmonitor: {{enabled: false}}\n  dashboard: {{enabled: false}}\n  rules:{settings or ' {}'}\n"
    )
    if overrides:
        text += "overrides:\n" + "".join(
            f"  {model}:\n    alerts: {dict(values)}\n" for model, values in sorted(overrides.items())
        )
    return parse_environment(text, f"{ENVIRONMENT}.yaml")


def product_environment_groups(
    namespace: str, models: list[str], overrides: Overrides, rules: Mapping[str, object]
) -> list[dict[str, Any]]:
    """The product's `monitoring.layout: environment`: one group over the namespace leaving the
    overridden models out, and one group per overridden model (option a)."""
    config = environment_config(namespace, rules, "environment", overrides)
    documents = environment_monitoring_documents(ENVIRONMENT, config, [(m, m) for m in models])
    return list(documents[RULES_FILE]["spec"]["groups"])


def per_model_groups(
    namespace: str, models: list[str], overrides: Overrides, rules: Mapping[str, object]
) -> list[dict[str, Any]]:
    """Today's output: every model's PrometheusRule groups, as the product renders them (an
    overridden model's with its own thresholds)."""
    base = environment_config(namespace, rules)
    groups: list[dict[str, Any]] = []
    for model in models:
        config = environment_config(namespace, {**rules, **overrides[model]}) if model in overrides else base
        documents = monitoring_documents(ENVIRONMENT, config, model, model)
        groups.extend(documents[RULES_FILE]["spec"]["groups"])
    return groups


def variant_groups(
    variant: str,
    namespace: str,
    models: list[str],
    overrides: Overrides,
    rules: Mapping[str, object] | None = None,
) -> list[dict[str, Any]]:
    """The rule groups of `variant` (`PER_MODEL`, `PER_ENVIRONMENT`, `EXCLUSION`, `GROUP_LEFT`);
    `rules`: the environment's `monitoring.rules` (default: the product's defaults)."""
    rules = rules or {}
    settings = environment_config(namespace, rules).monitoring.rules
    name = f"model-gitops.{ENVIRONMENT}"
    if variant == PER_MODEL:
        return per_model_groups(namespace, models, overrides, rules)
    if variant == PER_ENVIRONMENT:
        return product_environment_groups(namespace, models, {}, rules)
    if variant == EXCLUSION:
        return product_environment_groups(namespace, models, overrides, rules)
    if variant == GROUP_LEFT:
        records = threshold_records(namespace, overrides)
        return [group(name, records + environment_rules(namespace, settings, overrides=overrides))]
    raise ValueError(f"unknown variant {variant!r}")
