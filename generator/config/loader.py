"""Load `environments/<env>.yaml` files into validated `EnvironmentConfig`s.

Validated once, at load: unknown keys are rejected and every error names the file and the key
path (`environments/prod.yaml: seldon.replicas: Input should be greater than or equal to 1`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from generator import yamlio
from generator.config import EnvironmentConfig
from generator.errors import ConfigError, shorten

ENV_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")


def parse_environment(text: str, source: str, targets: Collection[str] | None = None) -> EnvironmentConfig:
    """Validate one environment file's text; `source` names it in error messages.

    `targets` are the serving targets `target:` may name (None: any name).
    """
    try:
        data = yamlio.load(text)
    except yamlio.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({_first_line(exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with at least `namespace` and `alias`")
    try:
        return EnvironmentConfig.model_validate(data, context={"targets": targets})
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None


def load_environments(
    directory: Path, only: list[str] | None = None, targets: Collection[str] | None = None
) -> dict[str, EnvironmentConfig]:
    """Load every `<env>.yaml` in `directory` (or just the ones named in `only`)."""
    if not directory.is_dir():
        raise ConfigError(
            f"no environments directory at {directory}",
            "run from the repository root or pass --environments DIR",
        )
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    environments = {}
    for path in files:
        if not ENV_NAME.match(path.stem):
            raise ConfigError(f"{path}: environment names must be lowercase DNS labels")
        environments[path.stem] = parse_environment(path.read_text("utf-8"), _shown(path), targets)
    if only:
        unknown = sorted(set(only) - set(environments))
        if unknown:
            raise ConfigError(f"unknown environment {', '.join(unknown)}", f"have {', '.join(environments)}")
        environments = {name: environments[name] for name in only}
    if not environments:
        raise ConfigError(f"no environment files in {directory}", "add e.g. environments/dev.yaml")
    return environments


def _shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _describe(source: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{source}: {path}: {message}")
    return "; ".join(problems)


def _first_line(exc: Exception) -> str:
    return shorten(" ".join(str(exc).split()), 200)
