"""What runs a model and what a model needs to run: runtime profiles and model facts. Pure data.

A `RuntimeProfile` is the image that serves a model, its Python and the versions of the packages
that decide whether an MLflow model loads in it. Built-in profiles describe a target's prepackaged
servers (`generator.targets.seldon_v1.runtimes`); users declare their own (`seldon.runtime`).
`ModelFacts` is what a version's artifacts say about the environment it was saved in (`MLmodel`,
`requirements.txt`, `python_env.yaml` / `conda.yaml`), read by `generator.registry.artifacts`
and judged by `generator.plan.compat`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RuntimeProfile:
    """One serving runtime. `packages` maps normalised names (lower case, '-' not '_') to versions.

    `model_files`: the file names the server loads from the model directory when it reads the
    model file itself instead of going through MLflow (empty: loads through MLflow).
    `builds_environment`: the server installs the model's own environment at start (Python and
    requirements then come from the model), bounded by `packages` it forces.
    """

    name: str
    image: str | None
    python: str | None  # "3.8": major.minor, None when unknown
    packages: dict[str, str] = field(default_factory=dict)
    mlserver: str | None = None  # MLServer version when the runtime is MLServer (serve check builds it)
    source: str = ""  # where these facts come from
    model_files: tuple[str, ...] = ()
    builds_environment: bool = False

    @property
    def summary(self) -> str:
        """`name (Python 3.8, mlflow 2.4.1)`: what plan, status and pull requests show."""
        facts = [f"Python {self.python}"] if self.python else []
        facts += ["the model's own environment"] if self.builds_environment else []
        facts += [f"{name} {self.packages[name]}" for name in ("mlflow",) if name in self.packages]
        return f"{self.name} ({', '.join(facts)})" if facts else self.name


@dataclass(frozen=True)
class ModelFacts:
    """What a model version's artifacts say about the environment that saved it.

    `flavors` is the MLmodel `flavors` mapping; `requirements` maps normalised package names to
    their pinned version ("" when unpinned); `python` is the saving Python's full version.
    """

    flavors: dict[str, dict[str, Any]]
    mlflow_version: str = ""
    python: str = ""
    requirements: dict[str, str] = field(default_factory=dict)
    signature_required: bool = False


def normalised(name: str) -> str:
    """A package name as pip compares them: lower case, runs of `-_.` as one `-`."""
    out, previous = [], False
    for char in name.strip().lower():
        separator = char in "-_."
        if not (separator and previous):
            out.append("-" if separator else char)
        previous = separator
    return "".join(out)
