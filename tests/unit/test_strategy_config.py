"""The `strategy` of environment files: validation and per-model overrides."""

from __future__ import annotations

import pytest

from generator.config.loader import parse_environment
from generator.config.strategy import strategy_for
from generator.errors import ConfigError

BASE = "namespace: models-prod\nalias: champion\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strategy: blue-green", "strategy.type: Input should be 'replace', 'canary', 'ab' or 'shadow'"),
        ("strategy: {type: ab}", "type ab needs `challenger: <alias>`"),
        ("strategy: {steps: [50, 25, 100]}", "steps must increase and end at 100"),
        ("strategy: {steps: [10, 50]}", "steps must increase and end at 100"),
        ("strategy: {steps: [0, 100]}", "between 1 and 100"),
        ("strategy: {step_time: soon}", "'soon' is not a duration like 30s, 10m or 1h"),
        ("strategy: {online: {window: 0s}}", "strategy.online.window: must be longer than 0s"),
        ("strategy: {online: {max_error_ratio: 2}}", "strategy.online.max_error_ratio"),
        ("strategy: {offline: [{metric: auc, direction: up}]}", "strategy.offline.0.direction"),
        ("strategy: {type: canary, speed: 3}", "p.yaml: strategy.speed: unknown key"),
    ],
)
def test_invalid_strategies_are_rejected_with_the_key_path(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as error:
        parse_environment(BASE + text, "p.yaml")
    assert message in str(error.value)


def test_default_is_replace_and_shorthand_sets_the_type() -> None:
    assert parse_environment(BASE, "p").strategy.type == "replace"
    config = parse_environment(BASE + "strategy: shadow\n", "p")
    assert (config.strategy.type, config.strategy.step_seconds) == ("shadow", 600)


def test_model_override_replaces_only_the_keys_it_names() -> None:
    config = parse_environment(
        BASE
        + """
strategy:
  type: canary
  steps: [20, 100]
  online: {window: 2m, min_requests: 50}
overrides:
  plain: {strategy: replace}
  strict: {strategy: {online: {max_p95_ms: 250}}, replicas: 3}
""",
        "p",
    )
    assert strategy_for(config, "other") == config.strategy
    assert strategy_for(config, "plain").type == "replace"
    assert strategy_for(config, "plain").steps == [20, 100]
    strict = strategy_for(config, "strict")
    assert (strict.type, strict.online.window, strict.online.min_requests, strict.online.max_p95_ms) == (
        "canary",
        "2m",
        50,
        250,
    )
    assert config.seldon_for("strict").replicas == 3
