"""The environments of a run: `environments/*.yaml` loaded and checked against the serving targets."""

from __future__ import annotations

from pathlib import Path

from generator import targets
from generator.config import EnvironmentConfig
from generator.config.loader import load_environments, select
from generator.config.settings import Settings
from generator.errors import ConfigError


def load_selected(settings: Settings, root: Path) -> dict[str, EnvironmentConfig]:
    """The selected environments of the repository at `root`, validated (`target:` included)."""
    return select(load_all(settings, root), settings.only or None)


def load_all(settings: Settings, root: Path) -> dict[str, EnvironmentConfig]:
    """Every environment of the repository, validated, `promote.from` naming one of them."""
    capabilities = {name: target.strategies for name, target in targets.TARGETS.items()}
    environments = load_environments(root / settings.environments_dir, None, capabilities)
    for name, config in sorted(environments.items()):
        source = config.promote.from_ if config.promote else None
        if source is not None and (source == name or source not in environments):
            what = "itself" if source == name else f"{source!r}, which has no environments/{source}.yaml"
            raise ConfigError(
                f"environments/{name}.yaml: promote.from names {what}",
                "name the environment whose versions this one promotes",
            )
    return environments


def promotion_sources(
    environments: dict[str, EnvironmentConfig], everything: dict[str, EnvironmentConfig]
) -> dict[str, EnvironmentConfig]:
    """The environments the selected ones promote from (their readings and history are needed)."""
    wanted = {c.promote.from_ for c in environments.values() if c.promote is not None}
    return {name: everything[name] for name in sorted(wanted) if name in everything}
