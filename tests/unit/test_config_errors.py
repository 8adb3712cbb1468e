"""Whatever an environment file holds ends as one plain-words `ConfigError`, never a traceback.

Hostile files (another encoding, nesting thousands deep, durations that overflow the clock),
pydantic patterns shown as words rather than regular expressions, overrides that only break once
merged, and a property test: random files built from the schema's own keys either load, and then
plan and render a whole rollout without a crash, or fail with a `ConfigError`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import yamlio
from generator.config import json_schema
from generator.config.loader import load_environments, parse_environment
from generator.errors import ConfigError
from generator.model.readings import Readings
from tests.support.rollouts import Runs, healthy, readings, with_metrics
from tests.support.snapshots import snapshot

BASE = "namespace: models\nalias: champion\n"


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_environment(text, "environments/prod.yaml")
    return caught.value.one_line()


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_nesting_thousands_deep_is_one_line(opening: str) -> None:
    closing = {"[": "]", "{a: ": "}", "- ": ""}[opening]
    nested = opening * 3000 + "1" + closing * 3000
    if opening == "- ":
        nested = "\n" + "".join(f"{'  ' * i}- \n" for i in range(3000)) + "  " * 3000 + "- 1"
    assert error_of(f"{BASE}seldon: {nested}\n") == (
        "environments/prod.yaml: nested too deeply: an environment file is a few levels deep"
    )


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "prod.yaml").write_bytes(b"namespace: models\nalias: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"prod\.yaml: line 2 is not UTF-8 text: save the file as UTF-8$"):
        load_environments(tmp_path)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("strategy: {type: canary, step_time: 99999999999999h}", "strategy.step_time: must be at most 720h"),
        ("strategy: {type: canary, step_time: 721h}", "strategy.step_time: must be at most 720h"),
        ("strategy: {online: {window: 9999999999h}}", "strategy.online.window: must be at most 720h"),
        (f"strategy: {{step_time: {'9' * 5000}s}}", "strategy.step_time: must be at most 720h"),
        ("monitoring: {rules: {window: 999999999999y}}", "monitoring.rules.window: must be at most a year"),
        ("monitoring: {rules: {for: 400d}}", "monitoring.rules.for: must be at most a year"),
    ],
)
def test_durations_are_bounded_at_load(section: str, message: str) -> None:
    assert message in error_of(f"{BASE}{section}\n")


def test_step_time_that_overflowed_mid_rollout_is_refused_at_load() -> None:
    """Before: a canary mid-rollout with this step_time raised OverflowError (exit 3)."""
    message = error_of(f"{BASE}strategy: {{type: canary, step_time: 99999999999999h}}\n")
    assert message == "environments/prod.yaml: strategy.step_time: must be at most 720h (30 days)"


def test_an_override_that_only_breaks_once_merged_is_refused_at_load() -> None:
    text = f"{BASE}strategy: {{type: ab, challenger: b}}\n"
    text += "overrides:\n  fraud:\n    strategy: {challenger: null}\n"
    assert error_of(text) == (
        "environments/prod.yaml: overrides.fraud combined with the environment's settings: "
        "type ab needs `challenger: <alias>` (the alias deployed next to the env's)"
    )


def _patterns(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
        return found.union(*(_patterns(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_patterns(value) for value in schema))
    return set()


def test_every_pattern_of_the_schema_has_words() -> None:
    from generator.config.base import PATTERN_WORDS

    patterns = _patterns(json_schema())
    assert len(patterns) >= 7
    assert patterns <= set(PATTERN_WORDS), sorted(patterns - set(PATTERN_WORDS))


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("", "namespace: must be a DNS label: lowercase letters, digits and '-'"),
        ("seldon: {service_account_name: Bad_Name}", "seldon.service_account_name: must be a DNS label"),
        ("seldon: {env_secret_ref_name: -x}", "seldon.env_secret_ref_name: must be a Kubernetes Secret name"),
        ("seldon: {resources: {limits: {memory: lots}}}", "must be a Kubernetes quantity"),
        ("monitoring: {rules: {window: 5 minutes}}", "rules.window: must be a Prometheus duration"),
        ("monitoring: {labels: {team: -x-}}", "monitoring.labels.team: must be a Kubernetes label value"),
        ("monitoring: {dashboard: {url: 'ftp://x'}}", "must be an http:// or https:// URL"),
        ("argocd: {destination_server: 'http://x'}", "argocd.destination_server: must be an https:// URL"),
    ],
)
def test_patterns_read_as_words_not_regular_expressions(section: str, expected: str) -> None:
    namespace = "Models_Prod" if not section else "models"
    message = error_of(f"namespace: {namespace}\nalias: champion\n{section}\n")
    assert expected in message
    assert "should match pattern" not in message and "^" not in message


def _schema_keys(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        keys = set(schema.get("properties", {}))
        return keys.union(*(_schema_keys(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_schema_keys(value) for value in schema))
    return set()


KEYS = sorted(_schema_keys(json_schema()))
SCALARS = st.one_of(
    st.sampled_from(
        [
            "canary",
            "shadow",
            "ab",
            "replace",
            "10m",
            "1s",
            "720h",
            "0s",
            "5m",
            "1h30m",
            "99999999999h",
            "champion",
            "b",
            "models",
            "A_B",
            "",
            "-",
            "500m",
            "1Gi",
            "https://x",
            "http://x",
            "v2",
            "MLFLOW_SERVER",
            "pull-request",
            "commit",
            "higher",
            "lower",
            "val_auc",
            "manual",
            "{environment}",
            "model-gitops/{environment}",
            "x" * 300,
            "\u202e",
            "a\nb",
            "(a+)+$",
            "^s3://",
        ]
    ),
    st.integers(-5, 150),
    st.sampled_from([10**30, -(10**30), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=25,
)
FULL: dict[str, Any] = {
    "namespace": "models",
    "alias": "champion",
    "models": {"include": ["*"], "exclude": ["tmp-*"]},
    "seldon": {
        "protocol": "seldon",
        "implementation": "MLFLOW_SERVER",
        "replicas": 2,
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1"}},
        "env_secret_ref_name": "s3-credentials",
        "service_account_name": "models",
    },
    "overrides": {
        "fraud": {
            "replicas": 3,
            "strategy": {"step_time": "5m", "challenger": "b", "online": {"min_requests": 5}},
        }
    },
    "storage": {"rewrites": [{"from": "^s3://models/", "to": "s3://mirror/"}]},
    "monitoring": {
        "labels": {"release": "kps"},
        "podmonitor": {"interval": "30s"},
        "rules": {"window": "5m", "for": "5m", "error_ratio": 0.05, "no_traffic_for": "30m"},
        "dashboard": {"folder": "Models", "url": "https://grafana.example"},
    },
    "argocd": {"sync": "manual", "prune": True},
    "strategy": {
        "type": "canary",
        "steps": [10, 50, 100],
        "step_time": "10m",
        "online": {"window": "5m", "min_requests": 10, "max_p95_ms": 500},
        "offline": [{"metric": "val_auc", "direction": "higher", "max_drop": 0.01}],
        "challenger": "b",
        "split": 20,
    },
    "delivery": {"mode": "commit", "branch": "model-gitops/{environment}"},
    "safety": {"max_removed_share": 0.5, "tag_overrides": {"enabled": True, "max_replicas": 10}},
}
DELETE = object()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        return found + [p for key, item in value.items() for p in _paths(item, (*prefix, key))]
    if isinstance(value, list):
        return found + [p for i, item in enumerate(value) for p in _paths(item, (*prefix, i))]
    return found


def _mutated(base: Any, mutations: list[tuple[tuple[Any, ...], Any]]) -> Any:
    data = yamlio.load(yamlio.dump(base))  # a deep copy
    for path, value in mutations:
        parent = data
        for part in path[:-1]:
            if not _holds(parent, part):
                break
            parent = parent[part]
        else:
            if value is DELETE and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif value is not DELETE and (isinstance(parent, dict) or _holds(parent, path[-1])):
                parent[path[-1]] = value
    return data


def _holds(parent: Any, key: Any) -> bool:
    if isinstance(parent, dict):
        return key in parent
    return isinstance(parent, list) and isinstance(key, int) and key < len(parent)


MUTATION = st.tuples(st.sampled_from(_paths(FULL)), st.one_of(st.just(DELETE), VALUES))
FILES = st.builds(
    lambda kind, mutations: _mutated({**FULL, "strategy": {**FULL["strategy"], "type": kind}}, mutations),
    st.sampled_from(["replace", "canary", "shadow", "ab"]),
    st.lists(MUTATION, max_size=3),
)


def _rollout(config: Any) -> None:
    """Deploy 7, move the alias to 8, then let a rollout go on for two more runs."""
    runs = Runs({"prod": config})
    metrics = {f"run-fraud-{n}": {"val_auc": 0.9} for n in (7, 8)}
    runs.run(with_metrics(snapshot({"fraud": {"champion": 7, "b": 7}}, 9), metrics))
    moved = with_metrics(snapshot({"fraud": {"champion": 8, "b": 8}}, 9), metrics)
    good = readings("prod", "fraud", stable=healthy(), canary=healthy(), shadow=healthy())
    runs.run(moved, after=timedelta(minutes=10))
    runs.run(moved, good, after=timedelta(hours=2))
    runs.run(moved, Readings(), after=timedelta(days=40))


def _canary(**changes: Any) -> Any:
    """FULL with these strategy settings, and no per-model override hiding them."""
    return _mutated({**FULL, "overrides": {}, "strategy": {**FULL["strategy"], **changes}}, [])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
@example(_canary(step_time="99999999999999h"))  # OverflowError mid-rollout, before
@example(_canary(online={"window": "99999999999h"}))
@example(
    _mutated(
        {**FULL, "strategy": {**FULL["strategy"], "type": "ab"}},
        [(("overrides", "fraud", "strategy", "challenger"), None)],
    )
)
def test_any_file_loads_or_is_a_config_error_and_never_crashes_a_rollout(data: dict[str, Any]) -> None:
    try:
        text = yamlio.dump(data)
    except Exception:  # data the YAML writer refuses is not a file anyone can write
        return
    try:
        config = parse_environment(text, "environments/prod.yaml")
    except ConfigError as exc:
        assert "\n" not in exc.one_line()
        assert not re.search(r"should match pattern|\[type=", exc.one_line())
        return
    _rollout(config)
