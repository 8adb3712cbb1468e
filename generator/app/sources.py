"""What a run reads from the outside world, behind one seam: the registry snapshot, Prometheus
readings and the clock.

`compute` takes a `Sources` (the way pip-tools passes a repository into its resolver), so tests
and the benchmark pass their own instead of patching modules. `LiveSources` is the real one:

- the registry snapshot holds the environments' aliases plus A/B challenger aliases, the deployed
  (stable and candidate) versions, and run metrics when an offline gate is configured; a scoped
  run (`models`) reads only the models it names;
- Prometheus readings only for deployments mid-rollout (A/B too for `status`);
- the clock is `Settings.now` (`--now` / `MODEL_GITOPS_NOW`) or the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from generator import registry, targets
from generator.config import EnvironmentConfig
from generator.config.settings import Settings
from generator.config.strategy import strategy_for
from generator.metrics import prometheus
from generator.model import CurrentState, Snapshot
from generator.model.readings import Readings
from generator.plan.rollout_state import State, reading_requests

SnapshotReader = Callable[..., Snapshot]  # the signature of `generator.registry.read_snapshot`


class Sources(Protocol):
    """Everything a run reads besides the repository."""

    def snapshot(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, models: Collection[str] = ()
    ) -> Snapshot: ...

    def readings(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, include_ab: bool = False
    ) -> Readings: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class LiveSources:
    """MLflow, Prometheus and the clock as `Settings` name them. `reader` is swappable."""

    settings: Settings
    reader: SnapshotReader = registry.read_snapshot

    def snapshot(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, models: Collection[str] = ()
    ) -> Snapshot:
        """The environments' models; only `models` when given (a scoped run)."""
        return self.reader(
            self.settings.tracking_uri,
            aliases(environments),
            lambda name: any(config.models.selects(name) for config in environments.values()),
            deployed=deployed_versions(current),
            run_metrics=needs_run_metrics(environments),
            names=models or None,
            cache_dir=self.settings.cache_dir,
        )

    def readings(
        self, environments: dict[str, EnvironmentConfig], current: CurrentState, include_ab: bool = False
    ) -> Readings:
        """Prometheus readings of the deployments mid-rollout (no request when there are none)."""
        requests = reading_requests(environments, current, include_ab)
        return prometheus.read(self.settings.prometheus_url, requests, targets=gate_queries())

    def now(self) -> datetime:
        return self.settings.now or datetime.now(UTC)


def gate_queries() -> dict[str, prometheus.TargetQueries]:
    """Every target's gate queries, from its PromQL vocabulary (metrics sits below targets)."""
    return {name: t.metrics for name, t in targets.TARGETS.items()}


def aliases(environments: dict[str, EnvironmentConfig]) -> set[str]:
    """Every alias a run needs: each environment's, and A/B challengers (overrides included)."""
    found = {config.alias for config in environments.values() if config.alias}
    found |= {c.promote.set_alias for c in environments.values() if c.promote and c.promote.set_alias}
    for config in environments.values():
        strategies = [config.strategy, *(o.strategy for o in config.overrides.values() if o.strategy)]
        found |= {s.challenger for s in strategies if s.challenger}
    return found


def deployed_versions(current: CurrentState) -> set[tuple[str, str]]:
    """(model, version) of every deployed stable and candidate version."""
    versions = set()
    for deployments in current.deployed.values():
        for model, deployed in deployments.items():
            versions.add((model, deployed.version))
            candidate = State.of(deployed).candidate
            if candidate:
                versions.add((model, candidate))
    return versions


def needs_run_metrics(environments: dict[str, EnvironmentConfig]) -> bool:
    if any(config.promote is not None and config.promote.offline for config in environments.values()):
        return True
    return any(
        strategy_for(config, model).offline
        for config in environments.values()
        for model in ["", *config.overrides]
    )
