"""One settings object for a run, built by the CLI from options and environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.validate import ValidationSettings


@dataclass(frozen=True)
class Settings:
    """Everything a sync needs to know that is not in the environment files."""

    repo: str = "."
    environments_dir: str = "environments"
    rendered_dir: str = "rendered"
    tracking_uri: str = "sqlite:///mlflow.db"
    only: list[str] = field(default_factory=list)
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    author: str | None = None
    push: bool = False
    remote: str = "origin"
    branch: str | None = None
    cache_dir: Path = Path.home() / ".cache" / "model-gitops"
    allow_prune: bool = False
    check_artifacts: bool = True
