"""Put the receiver together: verifier, filter, debouncer, runner, HTTP server; start and stop.

Used by `model-gitops webhook serve` (in the foreground) and by tests and the benchmark (in
background threads). The environment files are read and the port is bound before serving, so a
broken configuration or a port in use fails at start rather than at the first event. With a
`cache_dir`, accepted delivery ids are journaled in `<cache_dir>/webhook/replay-<port>.log`
(see `replay`), so a delivery replayed after a restart is still refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from generator.config.settings import Settings
from generator.delivery.github import GitHub
from generator.printable import printable
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Event, Filter
from generator.webhook.listener import Limits, WebhookServer
from generator.webhook.runner import EVENT_TYPE, Actions, FilterHolder, Runner, SelfHosted, Trigger
from generator.webhook.server import App, Receiver
from generator.webhook.signature import DEFAULT_TOLERANCE, Verifier
from generator.webhook.telemetry import Telemetry

log = logging.getLogger("model_gitops.webhook")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8787
    path: str = "/webhook"
    mode: str = "self-hosted"
    debounce: float = 1.0  # quiet seconds that end a burst
    max_wait: float = 30.0  # longest a first event waits for its run
    tolerance: float = DEFAULT_TOLERANCE  # accepted clock difference of X-MLflow-Timestamp
    refresh: float = 300.0  # seconds between re-reads of the environment files when idle
    event_type: str = EVENT_TYPE
    summary_file: Path | None = None
    catch_up: bool = True  # self-hosted: one sync at start, for events missed while down
    max_connections: int = 100  # open connections at most; more wait in the listen backlog
    read_timeout: int = 10  # seconds a request may take from its first byte (and idle time)
    cache_dir: Path | None = None  # where the replay journal lives (None: in memory only)


def make_trigger(settings: Settings, options: ServeOptions) -> Trigger:
    if options.mode == "actions":
        github = GitHub.from_environment(
            settings.delivery.github_repository, settings.delivery.github_api_url, purpose="actions mode"
        )
        return Actions(settings, github, options.event_type)
    return SelfHosted(settings)


class Service:
    """One receiver: started with `start()`, ended with `stop()`."""

    def __init__(
        self, settings: Settings, options: ServeOptions, secret: str, trigger: Trigger | None = None
    ) -> None:
        self.options = options
        self.trigger = trigger or make_trigger(settings, options)
        self.telemetry = Telemetry(self.trigger.mode)
        self.debouncer: Debouncer[Event] = Debouncer(options.debounce, options.max_wait)
        self.filters = FilterHolder(Filter(dict(self.trigger.environments())))
        app = App()
        limits = Limits(max_connections=options.max_connections, read_timeout=options.read_timeout)
        self.server = WebhookServer(app, options.host, options.port, limits)
        journal = None
        if options.cache_dir is not None:
            journal = options.cache_dir / "webhook" / f"replay-{self.server.port}.log"
        verifier = Verifier(secret, options.tolerance, journal=journal)
        self.receiver = Receiver(verifier, self.filters, self.debouncer, self.telemetry, options.path)
        app.receiver = self.receiver
        self.runner = Runner(
            self.trigger, self.debouncer, self.telemetry, self.filters, options.refresh, options.summary_file
        )

    @property
    def url(self) -> str:
        return f"{self.server.url}{self.options.path}"

    def start(self, background: bool = True) -> Service:
        """Start the runner, then serve (in a thread when `background`, else until interrupted)."""
        self.runner.start(catch_up=self.options.catch_up and self.trigger.mode == "self-hosted")
        environments = ", ".join(sorted(self.filters.current.environments))
        log.info(
            "listening on %s (%s mode; environments %s)", self.url, self.trigger.mode, printable(environments)
        )
        if background:
            self.server.start()
        else:
            self.server.serve_forever()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.runner.stop()
