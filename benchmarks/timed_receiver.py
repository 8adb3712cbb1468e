"""`model-gitops webhook serve`, logging where each run's time goes (the webhook benchmark's receiver).

Each self-hosted run is wrapped in `generator.timing.recording()`; its phases, the time outside
them (`other`: opening and fetching the repository, ...) and its whole wall time (`run`) are
logged in one line, `phases {"state": 1.04, "registry": 2.04, ..., "other": 0.2, "run": 5.1}`,
in the receiver's log, which `benchmarks.webhook_latency` reads back. Everything else is the
real command.

    python -m benchmarks.timed_receiver webhook serve ...
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from generator import timing
from generator.webhook import runner
from generator.webhook.events import Event

PREFIX = "phases "
log = logging.getLogger("model_gitops.webhook")

RunMethod = Callable[[runner.SelfHosted, list[Event]], runner.Outcome]


def timed(original: RunMethod) -> RunMethod:
    """`SelfHosted.run` that logs the run's phases, in seconds, once it is done."""

    def run(self: runner.SelfHosted, batch: list[Event]) -> runner.Outcome:
        begin = time.perf_counter()
        with timing.recording() as phases:
            outcome = original(self, batch)
        elapsed = time.perf_counter() - begin
        phases["other"] = elapsed - sum(phases.values())  # outside the timed phases: open, fetch, ...
        phases["run"] = elapsed
        log.info("%s%s", PREFIX, json.dumps({name: round(s, 3) for name, s in phases.items()}))
        return outcome

    return run


def read_phases(text: str) -> list[dict[str, float]]:
    """The phases of every run logged in a receiver's log `text`, in order."""
    return [json.loads(line.split(PREFIX, 1)[1]) for line in text.splitlines() if f" {PREFIX}{{" in line]


def main() -> None:
    runner.SelfHosted.run = timed(runner.SelfHosted.run)  # type: ignore[method-assign,assignment]
    from generator.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
