"""Load `environments/<env>.yaml` files into validated `EnvironmentConfig`s.

Validated once, at load: unknown keys are rejected and every error names the file and the key
path in plain words (`environments/prod.yaml: seldon.replicas: Input should be greater than or
equal to 1`; a pattern reads as "must be a DNS label: ..." rather than its regular expression).
Whatever a file holds (another encoding, nesting thousands deep, huge numbers) ends as a
`ConfigError`, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator import yamlio
from generator.config import EnvironmentConfig
from generator.config.base import pattern_words
from generator.errors import ConfigError, shorten
from generator.printable import printable

ENV_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")
DEEP_HINT = "an environment file is a few levels deep"
MAX_FLOW_DEPTH = 64  # real files are a few levels deep; thousands take the YAML parser seconds to refuse
_NOT_STRUCTURE = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|(?:^|\s)#[^\n]*")
MAX_INDENT = 512  # columns of leading spaces (block nesting, same reason)
_INDENT = re.compile(r"^ *", re.MULTILINE)
_BRACKET = re.compile(r"[\[\]{}]")


def parse_environment(text: str, source: str, targets: Collection[str] | None = None) -> EnvironmentConfig:
    """Validate one environment file's text; `source` names it in error messages.

    `targets` are the serving targets `target:` may name (None: any name); as a mapping, each
    name's value is the strategies that target can roll out (others are refused).
    """
    if _flow_depth(text) > MAX_FLOW_DEPTH or _indent(text) > MAX_INDENT:
        raise ConfigError(f"{source}: nested too deeply", DEEP_HINT)
    try:
        data = yamlio.load(text)
    except yamlio.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({_first_line(exc)})") from None
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply", DEEP_HINT) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with at least `namespace` and `alias`")
    try:
        return EnvironmentConfig.model_validate(data, context={"targets": targets})
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply", DEEP_HINT) from None


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
        environments[path.stem] = parse_environment(_read(path), _shown(path), targets)
    if not environments:
        raise ConfigError(f"no environment files in {directory}", "add e.g. environments/dev.yaml")
    return select(environments, only)


def select(
    environments: dict[str, EnvironmentConfig], only: list[str] | None
) -> dict[str, EnvironmentConfig]:
    """The environments named in `only` (all of them when it is empty)."""
    if not only:
        return environments
    unknown = sorted(set(only) - set(environments))
    if unknown:
        raise ConfigError(f"unknown environment {', '.join(unknown)}", f"have {', '.join(environments)}")
    return {name: environments[name] for name in only}


def reviewed(environments: dict[str, EnvironmentConfig]) -> list[str]:
    """The environments whose changes go through a pull request, sorted."""
    return sorted(name for name, config in environments.items() if config.delivery.pull_request)


def _flow_depth(text: str) -> int:
    """The deepest nesting of `[` and `{` outside quoted strings and comments."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_NOT_STRUCTURE.sub("", text)):
        depth += 1 if match.group(0) in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _indent(text: str) -> int:
    return max((len(match.group(0)) for match in _INDENT.finditer(text)), default=0)


def _read(path: Path) -> str:
    """The file's text; another encoding or an unreadable file is a `ConfigError`."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        hint = "save the file as UTF-8"
        raise ConfigError(f"{_shown(path)}: line {line} is not UTF-8 text", hint) from None
    except OSError as exc:
        raise ConfigError(f"{_shown(path)}: cannot be read ({exc.strerror or exc})") from None


def _shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _describe(source: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        path = printable(".".join(str(part) for part in error["loc"])[:200])
        problems.append(f"{source}: {path + ': ' if path else ''}{_message(error)}")
    return "; ".join(problems)


def _message(error: Any) -> str:
    """Pydantic's message in plain words: patterns described, validator prefixes dropped."""
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "this key is required"
    if error["type"] == "string_pattern_mismatch":
        shown = printable(repr(error["input"])[:80])
        return f"{pattern_words(str(error['ctx']['pattern']))} (got {shown})"
    return printable(str(error["msg"]).removeprefix("Value error, "))


def _first_line(exc: Exception) -> str:
    return shorten(" ".join(str(exc).split()), 200)
