"""What the receiver does with a batch of events: run the sync, or ask GitHub Actions to.

`SelfHosted` runs `app.job.sync` in this process with the same settings and safety as
`model-gitops sync --push` (validation, guards, race-safe push, write-back), scoped to the models
the batch's events name (`sync --push --model ...`: only those are read from the registry and
from rendered/, so a run's time does not grow with the registry). `Actions` sends one
`repository_dispatch` (event type `mlflow-registry-event`, which `sync.yml` listens to) whose
client payload names the models and events. `Runner` is the one worker thread: it takes due
batches from the debouncer and runs them one at a time, so runs never overlap and events that
arrive meanwhile queue into the next batch. After each run (and every `refresh` seconds) it
reloads the environment files so the event filter follows Git. Failures are logged (one line,
redacted, control and bidi characters escaped by `printable`) and counted; a bug is logged with
its traceback; the worker keeps going. The scheduled sync remains the safety net for anything
missed.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from generator import gitrepo
from generator.app import job
from generator.config import EnvironmentConfig
from generator.config.loader import load_environments
from generator.config.settings import Settings
from generator.delivery.github import GitHub
from generator.errors import ModelGitopsError, redact, shorten
from generator.printable import printable
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Event, Filter
from generator.webhook.telemetry import Telemetry, replace_section, summary_markdown

log = logging.getLogger("model_gitops.webhook")
EVENT_TYPE = "mlflow-registry-event"
MAX_LISTED = 50


@dataclass(frozen=True)
class Outcome:
    """How a run went: `success`, `rejected` (some models not delivered) or `error`."""

    result: str
    detail: str


class Trigger(Protocol):
    mode: str

    def run(self, batch: list[Event]) -> Outcome: ...

    def environments(self) -> Mapping[str, EnvironmentConfig]: ...


def _load(settings: Settings) -> dict[str, EnvironmentConfig]:
    repo = gitrepo.open_worktree(settings.repo, settings.cache_dir)
    return load_environments(Path(repo.working_tree_dir) / settings.environments_dir, settings.only or None)


class SelfHosted:
    """Run the sync here (`sync --push`), one at a time."""

    mode = "self-hosted"

    def __init__(self, settings: Settings, sync: Callable[[Settings], Any] = job.sync) -> None:
        self.settings = settings
        self._sync = sync

    def run(self, batch: list[Event]) -> Outcome:
        result = self._sync(scoped(self.settings, batch))
        plan = result.computed.plan
        if result.commit:
            pushed = " and pushed" if result.pushed else ""
            detail = f"committed {result.commit[:12]}{pushed}: {result.message.splitlines()[0]}"
        else:
            detail = "nothing to commit"
        warnings = list(getattr(result.delivered, "warnings", None) or [])
        detail += "".join(f"; warning: {w}" for w in warnings)
        if plan.rejections:
            return Outcome("rejected", f"{detail}; {len(plan.rejections)} model(s) could not be delivered")
        return Outcome("success", detail)

    def environments(self) -> Mapping[str, EnvironmentConfig]:
        return _load(self.settings)


def scoped(settings: Settings, batch: list[Event]) -> Settings:
    """A batch's run reads and renders only the models its events name (`sync --model`); the
    catch-up run (no events) and the scheduled sync reconcile every model."""
    if not batch or settings.models:
        return settings
    return replace(settings, models=sorted({event.model for event in batch}))


class Actions:
    """Send `repository_dispatch` so the repository's sync workflow runs."""

    mode = "actions"

    def __init__(self, settings: Settings, github: GitHub, event_type: str = EVENT_TYPE) -> None:
        self.settings = settings
        self.github = github
        self.event_type = event_type

    def run(self, batch: list[Event]) -> Outcome:
        payload = dispatch_payload(batch)
        self.github.dispatch(self.event_type, payload)
        return Outcome("success", f"sent repository_dispatch {self.event_type} for {payload['model']}")

    def environments(self) -> Mapping[str, EnvironmentConfig]:
        return _load(self.settings)


def dispatch_payload(batch: list[Event]) -> dict[str, Any]:
    """The client payload: the models and events of the batch (bounded), in a stable order."""
    models = sorted({e.model for e in batch})
    kinds = sorted({e.kind for e in batch})
    return {
        "model": shorten(", ".join(models), 200),
        "event": ", ".join(kinds),
        "models": models[:MAX_LISTED],
        "models_complete": len(models) <= MAX_LISTED,  # sync.yml then syncs only these models
        "events": [e.describe() for e in batch[:MAX_LISTED]],
        "count": len(batch),
        "source": "model-gitops webhook",
    }


class FilterHolder:
    """The current event filter; swapped whole (attribute assignment is atomic)."""

    def __init__(self, initial: Filter) -> None:
        self.current = initial


class Runner:
    """The single worker thread between the debouncer and the trigger."""

    def __init__(
        self,
        trigger: Trigger,
        debouncer: Debouncer[Event],
        telemetry: Telemetry,
        filters: FilterHolder,
        refresh: float = 300.0,
        summary_file: Path | None = None,
    ) -> None:
        self.trigger = trigger
        self.debouncer = debouncer
        self.telemetry = telemetry
        self.filters = filters
        self.refresh = refresh
        self.summary_file = summary_file
        self.runs: list[Outcome] = []
        self._catch_up = False
        self._loaded = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="model-gitops-runner", daemon=True)

    def start(self, catch_up: bool = False) -> Runner:
        """Start the worker; with `catch_up`, its first run comes at once, before any event."""
        self._catch_up = catch_up
        self._thread.start()
        return self

    def stop(self, timeout: float = 600.0) -> None:
        """Let the current run finish, then end the worker (pending events are left to the cron)."""
        left = self.debouncer.pending
        self.debouncer.close()
        self._thread.join(timeout)
        if left:
            log.info("stopping with %d pending event(s); the next scheduled sync covers them", left)
        self.write_summary()

    def _loop(self) -> None:
        if self._catch_up:  # whatever happened while the receiver was down (also warms it up)
            self.run([])
            self.reload()
        while True:
            batch = self.debouncer.next_batch(timeout=self.refresh)
            if batch is None:
                return
            if batch:
                self.run(batch)
            if time.monotonic() - self._loaded >= self.refresh or batch:
                self.reload()

    def run(self, batch: list[Event]) -> Outcome:
        """One run for `batch`, timed and counted; never raises."""
        mode = self.trigger.mode
        self.telemetry.pending.set(self.debouncer.pending)
        self.telemetry.triggered.labels(mode).inc()
        names = sorted({e.model for e in batch})
        if batch:
            log.info("run for %d event(s) on %s", len(batch), printable(shorten(", ".join(names), 300)))
        else:
            log.info("catch-up run at start")
        started = time.monotonic()
        try:
            outcome = self.trigger.run(batch)
        except ModelGitopsError as exc:
            outcome = Outcome("error", exc.one_line())
        except Exception as exc:  # noqa: BLE001 - a bug: log it whole, keep serving
            log.error("run failed with a bug:\n%s", redact("".join(traceback.format_exception(exc))))
            outcome = Outcome("error", f"bug: {redact(type(exc).__name__)}")
        elapsed = time.monotonic() - started
        self.telemetry.duration.labels(mode).observe(elapsed)
        self.telemetry.completed.labels(mode, outcome.result).inc()
        if outcome.result == "success":
            self.telemetry.succeeded(time.time())
        level = logging.INFO if outcome.result == "success" else logging.WARNING
        log.log(level, "run %s in %.1fs: %s", outcome.result, elapsed, printable(redact(outcome.detail)))
        self.runs.append(outcome)
        self.write_summary()
        return outcome

    def reload(self) -> None:
        """Re-read the environment files for the event filter (kept as it was if they are broken)."""
        self._loaded = time.monotonic()
        try:
            self.filters.current = Filter(dict(self.trigger.environments()))
        except ModelGitopsError as exc:
            log.warning("kept the previous environments for filtering events: %s", printable(exc.one_line()))

    def write_summary(self) -> None:
        """Rewrite this receiver's section of the job summary file, if there is one."""
        if self.summary_file is None:
            return
        try:
            existing = self.summary_file.read_text("utf-8") if self.summary_file.is_file() else ""
            self.summary_file.write_text(replace_section(existing, summary_markdown(self.telemetry)), "utf-8")
        except OSError as exc:
            log.warning("could not write the job summary %s: %s", self.summary_file, exc.strerror or exc)
