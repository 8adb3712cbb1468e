"""Validate the monitoring resources of a built environment: rules, PromQL and dashboards.

- every PrometheusRule's groups go through `promtool check rules` (see `generator.validate.promtool`);
- every PromQL expression (alert rules, queries inside alert templates, dashboard panels,
  annotations and variables) is parsed with `promql-parser`; Grafana's `$__rate_interval`-style
  macros are replaced by a duration first and the dashboard's own variables by a sample value,
  any other `$variable` is reported;
- every dashboard (sidecar ConfigMap or GrafanaDashboard) is loaded back with
  grafana-foundation-sdk and must encode to the same JSON.

Problems read `<env>/<resource> (<Kind>): <what>`, so they point at one model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import promql_parser

from generator.validate import promtool

SIDECAR_LABEL = "grafana_dashboard"
GRAFANA_MACROS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__interval_ms": "60000",
}
_MACRO = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")  # not label_replace's $1
_TEMPLATE_QUERY = re.compile(r"query\s+`([^`]*)`")
_TEMPLATE_PRINTF = re.compile(r"printf\s+`([^`]*)`[^|}]*\|\s*query\b")  # the query takes a label
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$", re.DOTALL)
VARIABLE_SAMPLE = "x"  # what a dashboard's own variable stands for when its queries are parsed


def monitoring_problems(env: str, documents: Iterable[Any], promtool_binary: str, workdir: Path) -> list[str]:
    """Every problem of the PrometheusRules and dashboards among `documents` (a built environment).

    `documents` is read once, so it can be a stream (validation parses one chunk at a time).
    """
    problems: list[str] = []
    groups: dict[str, list[object]] = {}
    for document in documents:
        if not isinstance(document, dict):
            continue
        where = _where(env, document)
        if document.get("kind") == "PrometheusRule":
            groups[where] = list((document.get("spec") or {}).get("groups") or [])
            problems += [f"{where}: {p}" for p in rule_expression_problems(groups[where])]
        for text in dashboard_texts(document):
            problems += [f"{where}: {p}" for p in dashboard_problems(text)]
    for label, found in sorted(promtool.check_rules(groups, promtool_binary, workdir).items()):
        problems += [f"{label or env}: {p}" for p in found]
    return problems


def _where(env: str, document: dict[str, Any]) -> str:
    name = (document.get("metadata") or {}).get("name")
    return f"{env}/{name} ({document.get('kind')})"


def rule_expression_problems(groups: list[Any]) -> list[str]:
    """PromQL parse errors in alert/record expressions and in `query` calls inside their templates."""
    problems = []
    for group in groups:
        for rule in (group or {}).get("rules") or []:
            name = rule.get("alert") or rule.get("record") or "?"
            problems += [f"rule {name}: {p}" for p in [promql_problem(str(rule.get("expr", "")))] if p]
            for key, text in sorted((rule.get("annotations") or {}).items()):
                queries = _TEMPLATE_QUERY.findall(str(text))
                queries += [q.replace("%s", VARIABLE_SAMPLE) for q in _TEMPLATE_PRINTF.findall(str(text))]
                for query in queries:
                    problem = promql_problem(query)
                    if problem:
                        problems.append(f"rule {name}, annotation {key}: {problem}")
    return problems


def dashboard_texts(document: dict[str, Any]) -> list[str]:
    """The dashboard JSON texts a resource carries (sidecar ConfigMap data or GrafanaDashboard json)."""
    if document.get("kind") == "GrafanaDashboard":
        text = (document.get("spec") or {}).get("json")
        return [text] if isinstance(text, str) else []
    labels = (document.get("metadata") or {}).get("labels") or {}
    if document.get("kind") == "ConfigMap" and str(labels.get(SIDECAR_LABEL)) == "1":
        data = document.get("data") or {}
        return [str(data[key]) for key in sorted(data) if key.endswith(".json")]
    return []


def dashboard_problems(text: str) -> list[str]:
    """JSON, SDK load-back and PromQL problems of one dashboard."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"dashboard is not valid JSON ({exc})"]
    if not isinstance(data, dict):
        return ["dashboard JSON is not an object"]
    problems = _round_trip(data)
    variables = dashboard_variables(data)
    for where, expr in dashboard_expressions(data):
        problem = promql_problem(expr, variables)
        if problem:
            problems.append(f"dashboard {where}: {problem}")
    return problems


def dashboard_variables(data: dict[str, Any]) -> frozenset[str]:
    """The names of the dashboard's own template variables."""
    found = (data.get("templating") or {}).get("list") or []
    return frozenset(str(v["name"]) for v in found if isinstance(v, dict) and v.get("name"))


def _round_trip(data: dict[str, Any]) -> list[str]:
    # Imported here: ~0.1 s that a run with no dashboard to check (a no-op) need not pay.
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()
    try:
        loaded = Dashboard.from_json(data)
        again = json.loads(JSONEncoder(sort_keys=True).encode(loaded))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"grafana-foundation-sdk cannot load the dashboard ({type(exc).__name__}: {exc})"]
    difference = first_difference(data, again)
    if difference is not None:
        return [f"dashboard changes when loaded by grafana-foundation-sdk, at {difference}"]
    return []


def first_difference(left: Any, right: Any, path: str = "$") -> str | None:
    """The JSON path of the first place two JSON values differ, or None."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}.{key}"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path} (length)"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else path


def dashboard_expressions(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, expr) of every Prometheus query in panels (rows included) and annotations."""
    found = []
    for variable in (data.get("templating") or {}).get("list") or []:
        query = variable.get("query") if isinstance(variable, dict) else None
        if variable.get("type") == "query" and isinstance(query, str):
            values = _LABEL_VALUES.match(query.strip())
            found.append((f"variable {variable.get('name')!r}", values.group(1) if values else query))
    for annotation in (data.get("annotations") or {}).get("list") or []:
        if annotation.get("expr"):
            found.append((f"annotation {annotation.get('name')!r}", annotation["expr"]))
    for panel in _panels(data.get("panels") or []):
        for target in panel.get("targets") or []:
            if isinstance(target, dict) and target.get("expr"):
                where = f"panel {panel.get('title')!r} query {target.get('refId') or '?'}"
                found.append((where, target["expr"]))
    return found


def _panels(panels: list[Any]) -> list[dict[str, Any]]:
    flat = []
    for panel in panels:
        if isinstance(panel, dict):
            flat.append(panel)
            flat += _panels(panel.get("panels") or [])
    return flat


def promql_problem(expr: str, variables: frozenset[str] = frozenset()) -> str | None:
    """Why `expr` is not valid PromQL (after Grafana macros and the dashboard's own `variables`
    are substituted), or None."""
    if not expr.strip():
        return "empty PromQL expression"
    unknown = sorted({m for m in _MACRO.findall(expr) if m not in GRAFANA_MACROS and m not in variables})
    if unknown:
        return f"unknown variable(s) {', '.join('$' + u for u in unknown)} in {expr!r}"
    try:
        promql_parser.parse(substitute_macros(expr, variables))
    except ValueError as exc:
        shown = expr if len(expr) <= 100 else expr[:97] + "..."
        return f"invalid PromQL ({exc}) in {shown}"
    return None


def substitute_macros(expr: str, variables: frozenset[str] = frozenset()) -> str:
    """`expr` with Grafana's interval/range macros replaced by concrete values, and the
    dashboard's own `variables` by a sample value."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return VARIABLE_SAMPLE if name in variables else GRAFANA_MACROS.get(name, match.group(0))

    return _MACRO.sub(value, expr)
