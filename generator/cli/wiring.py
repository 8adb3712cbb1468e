"""What an entry point passes into the application besides options: the sources a run reads.

`run(args, Wiring(sources=...))` is the seam for tests and the benchmark (a proxy registry
reader, a fake clock) instead of patching modules; the console script uses the live sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click

from generator.app.sources import LiveSources, Sources
from generator.config.settings import Settings


@dataclass(frozen=True)
class Wiring:
    sources: Callable[[Settings], Sources] = LiveSources


def sources_for(settings: Settings) -> Sources:
    """The sources of this command's run: the wiring's, or MLflow/Prometheus/clock from `settings`."""
    context = click.get_current_context(silent=True)
    wiring = context.find_object(Wiring) if context is not None else None
    return (wiring or Wiring()).sources(settings)
