"""`model-gitops webhook serve` and `model-gitops webhook register`.

The receiver takes the same options as `sync` (it runs `sync --push` in self-hosted mode) plus
where to listen, how much a client may hold and how to batch. The shared secret comes from
MODEL_GITOPS_WEBHOOK_SECRET only. Option combinations that cannot work (`--debounce` longer than
`--max-wait`, a port in use) are one line and exit 1, checked before serving.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Any

import click

from generator.cli.delivery_options import delivery_options
from generator.cli.options import build_settings, common_options
from generator.errors import ConfigError, redact
from generator.webhook import MODES
from generator.webhook import register as registration
from generator.webhook.events import RELEVANT
from generator.webhook.signature import load_secret
from generator.webhook.throttle import ThrottleFilter


@click.group()
def webhook() -> None:
    """Trigger syncs from MLflow registry webhooks (seconds instead of the schedule).

    `register` creates or updates the webhook in MLflow; `serve` receives it, verifies the
    signature, and runs the sync (self-hosted) or dispatches the GitHub workflow (actions).
    Both read the shared secret from MODEL_GITOPS_WEBHOOK_SECRET.
    """


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(message)s"))
    for name, level in (("model_gitops", logging.INFO), ("waitress", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose else level)
        logger.propagate = False
    # waitress warns each time the connection limit is reached again: once per 10 s is enough.
    for name in ("waitress", "waitress.queue"):
        logging.getLogger(name).filters[:] = [ThrottleFilter()]


def _check_combinations(options: dict[str, Any]) -> None:
    """Refuse option values that only fail together, before anything starts."""
    if options["debounce"] > options["max_wait"]:
        raise ConfigError(
            f"--debounce {options['debounce']:g} is longer than --max-wait {options['max_wait']:g}",
            "a batch runs at the latest --max-wait seconds after its first event; "
            "make --debounce at most that",
        )
    if not 1 <= len(options["event_type"]) <= 100 or not options["event_type"].isprintable():
        raise ConfigError(
            f"--event-type {options['event_type']!r} is not a GitHub event type",
            "use 1-100 printable characters (sync.yml listens to mlflow-registry-event)",
        )


def _stop_on_sigterm() -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@webhook.command()
@common_options
@click.option("--author", envvar="MODEL_GITOPS_GIT_AUTHOR", help="Commit author, 'Name <email>'.")
@click.option("--remote", default="origin", show_default=True, help="Remote to push to.")
@click.option("--branch", help="Branch to push to. Default: the current branch.")
@delivery_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="MODEL_GITOPS_WEBHOOK_HOST",
    help="Address to listen on (0.0.0.0: every interface, e.g. in a container).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8787,
    show_default=True,
    envvar="MODEL_GITOPS_WEBHOOK_PORT",
    help="Port to listen on.",
)
@click.option("--path", "url_path", default="/webhook", show_default=True, help="Path MLflow posts to.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="self-hosted",
    show_default=True,
    envvar="MODEL_GITOPS_WEBHOOK_MODE",
    help="self-hosted: run the sync here; actions: send repository_dispatch to GitHub "
    "(--github-repository, GITHUB_TOKEN).",
)
@click.option(
    "--debounce",
    type=click.FloatRange(0, 600),
    default=1.0,
    show_default=True,
    help="Seconds without a new event that end a burst (one run per burst).",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0, 3600),
    default=30.0,
    show_default=True,
    help="Longest a first event waits for its run while events keep coming.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Accepted difference between X-MLflow-Timestamp and this clock, in seconds.",
)
@click.option(
    "--refresh",
    type=click.FloatRange(1, 86400),
    default=300.0,
    show_default=True,
    help="Seconds between re-reads of environments/ while idle (also after every run).",
)
@click.option(
    "--event-type",
    default="mlflow-registry-event",
    show_default=True,
    help="repository_dispatch event type (actions mode; sync.yml listens to it).",
)
@click.option(
    "--catch-up/--no-catch-up",
    default=True,
    show_default=True,
    help="Self-hosted: run one sync at start, for events missed while the receiver was down.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1, 10_000),
    default=100,
    show_default=True,
    help="Open connections at most; more wait in the listen backlog (1024) until one closes.",
)
@click.option(
    "--read-timeout",
    type=click.IntRange(1, 3600),
    default=10,
    show_default=True,
    help="Seconds a client may take to send a whole request (and may stay idle) before it is cut off.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also log ignored events and HTTP requests.")
def serve(**options: Any) -> None:
    """Receive MLflow webhooks and trigger syncs until stopped (Ctrl-C or SIGTERM).

    Serves POST <path> for MLflow, GET /healthz and GET /metrics (Prometheus). In self-hosted
    mode each batch of events runs `sync --push` in this process, one run at a time; in actions
    mode it sends one repository_dispatch per batch. In actions mode the counters are also written
    to $GITHUB_STEP_SUMMARY when it is set.
    """
    _check_combinations(options)
    secret = load_secret(os.environ)
    _configure_logging(options.pop("verbose"))
    webhook_options = {
        k: options.pop(k)
        for k in (
            "host",
            "port",
            "mode",
            "debounce",
            "max_wait",
            "tolerance",
            "refresh",
            "event_type",
            "catch_up",
            "max_connections",
            "read_timeout",
        )
    }
    url_path = options.pop("url_path")
    if not url_path.startswith("/"):
        raise click.BadParameter("must start with /", param_hint="--path")
    settings = build_settings(**options, push=True)
    summary = options.get("summary_file")
    if summary is None and webhook_options["mode"] == "actions" and os.environ.get("GITHUB_STEP_SUMMARY"):
        summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
    from generator.webhook.service import ServeOptions, Service  # only `serve` needs the receiver

    serve_options = ServeOptions(
        path=url_path, summary_file=summary, cache_dir=settings.cache_dir, **webhook_options
    )
    service = Service(settings, serve_options, secret)
    _stop_on_sigterm()
    try:
        service.start(background=False)
    except KeyboardInterrupt:
        click.echo("stopping: waiting for the current run to finish", err=True)
    finally:
        service.stop()


@webhook.command()
@click.option(
    "--tracking-uri", envvar="MLFLOW_TRACKING_URI", required=True, help="The MLflow server (http(s)://...)."
)
@click.option(
    "--url",
    required=True,
    envvar="MODEL_GITOPS_WEBHOOK_URL",
    help="The receiver's URL as the MLflow server reaches it, e.g. https://hooks.example.com/webhook.",
)
@click.option(
    "--name", default=registration.DEFAULT_NAME, show_default=True, help="The webhook's name in MLflow."
)
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(RELEVANT),
    help="Subscribe to only these events (repeatable). Default: all that can change a deployment.",
)
def register(tracking_uri: str, url: str, name: str, events: tuple[str, ...]) -> None:
    """Create or update the MLflow webhook that calls the receiver (idempotent).

    Signs with MODEL_GITOPS_WEBHOOK_SECRET. MLflow only calls https URLs on public addresses
    unless its server runs with MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https and
    MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true.
    """
    secret = load_secret(os.environ)
    spec = registration.desired(url, secret, name, events or RELEVANT)
    click.echo(registration.describe(registration.register(tracking_uri, spec)))
