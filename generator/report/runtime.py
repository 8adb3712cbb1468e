"""Which runtime serves an environment's models, in one line for plan, status and pull requests. Pure.

`seldon-v1, seldonio/mlserver:1.3.5-mlflow (Python 3.8, mlflow 2.4.1)`: the serving target, its
runtime, then the models whose override declares another runtime:
`...; fraud: ghcr.io/acme/mlserver:1.7.1 (Python 3.11, mlflow 3.17.2)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import targets
from generator.config import EnvironmentConfig


def runtime_line(config: EnvironmentConfig, models: Iterable[str]) -> str:
    """The environment's runtime and each of `models` that runs on another one ("" if no models)."""
    chosen = sorted(set(models))
    if not chosen:
        return ""
    target = targets.get(config.target)
    default = target.runtime(config.seldon).summary
    others = {model: target.runtime(config.seldon_for(model)).summary for model in chosen}
    differing = [f"{model}: {summary}" for model, summary in others.items() if summary != default]
    shown = differing if len(differing) == len(chosen) else [default, *differing]
    return f"{config.target}, " + "; ".join(shown)
