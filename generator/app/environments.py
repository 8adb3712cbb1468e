"""The environments of a run: `environments/*.yaml` loaded and checked against the serving targets."""

from __future__ import annotations

from pathlib import Path

from generator import targets
from generator.config import EnvironmentConfig
from generator.config.loader import load_environments
from generator.config.settings import Settings


def load_selected(settings: Settings, root: Path) -> dict[str, EnvironmentConfig]:
    """The selected environments of the repository at `root`, validated (`target:` included)."""
    capabilities = {name: target.strategies for name, target in targets.TARGETS.items()}
    return load_environments(root / settings.environments_dir, settings.only or None, capabilities)
