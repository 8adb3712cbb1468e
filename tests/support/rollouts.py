"""Drive `plan` -> `render` -> rendered bytes -> `current_state` in a loop, as successive runs do."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from generator import targets, yamlio
from generator.config import EnvironmentConfig
from generator.model import CurrentState, Snapshot
from generator.model.readings import Reading, Readings
from generator.plan.planner import Plan, plan
from generator.render import render
from generator.render.state import current_state

T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


def healthy(requests: float = 1000, errors: float = 2, p95: float = 0.084) -> Reading:
    return Reading(requests, errors, p95, 300)


def readings(env: str, model: str, **predictors: Reading) -> Readings:
    return Readings({(env, model, name): reading for name, reading in predictors.items()})


def with_metrics(snapshot: Snapshot, metrics: dict[str, dict[str, float]]) -> Snapshot:
    return replace(snapshot, run_metrics=metrics)


@dataclass
class Runs:
    """Successive runs over one environment; `files` is what Git holds after the last run."""

    environments: dict[str, EnvironmentConfig]
    files: dict[str, bytes] = field(default_factory=dict)
    now: datetime = T0
    last: Plan | None = None
    serving_file: str = "seldondeployment.yaml"  # the target's serving document (`file_name`)

    @property
    def current(self) -> CurrentState:
        return current_state(self.files)

    def run(
        self, snapshot: Snapshot, metrics: Readings | None = None, after: timedelta | None = None
    ) -> Plan:
        if after is not None:
            self.now += after
        self.last = plan(self.environments, snapshot, self.current, metrics or Readings(), self.now)
        documents = render(self.last)
        serving = {target.file_name for target in targets.TARGETS.values()}
        self.files = {
            p: yamlio.dump(d).encode() for p, d in documents.items() if p.rsplit("/", 1)[-1] in serving
        }
        return self.last

    def document(self, env: str, directory: str, file: str | None = None) -> dict:  # type: ignore[type-arg]
        return yamlio.load(self.files[f"{env}/{directory}/{file or self.serving_file}"].decode())
