"""`model-gitops webhook serve` and `model-gitops webhook register`.

The receiver takes the same options as `sync` (it runs `sync --push` in self-hosted mode) plus
where to listen and how to batch. The shared secret comes from MODEL_GITOPS_WEBHOOK_SECRET only.
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
from generator.errors import redact
from generator.webhook import register as registration
from generator.webhook.events import RELEVANT
from generator.webhook.service import MODES, ServeOptions, Service
from generator.webhook.signature import load_secret


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
    logger = logging.getLogger("model_gitops")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False


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
@click.option("-v", "--verbose", is_flag=True, help="Also log ignored events and HTTP requests.")
def serve(**options: Any) -> None:
    """Receive MLflow webhooks and trigger syncs until stopped (Ctrl-C or SIGTERM).

    Serves POST <path> for MLflow, GET /healthz and GET /metrics (Prometheus). In self-hosted
    mode each batch of events runs `sync --push` in this process, one run at a time; in actions
    mode it sends one repository_dispatch per batch. In actions mode the counters are also written
    to $GITHUB_STEP_SUMMARY when it is set.
    """
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
        )
    }
    url_path = options.pop("url_path")
    if not url_path.startswith("/"):
        raise click.BadParameter("must start with /", param_hint="--path")
    settings = build_settings(**options, push=True)
    summary = options.get("summary_file")
    if summary is None and webhook_options["mode"] == "actions" and os.environ.get("GITHUB_STEP_SUMMARY"):
        summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
    serve_options = ServeOptions(path=url_path, summary_file=summary, **webhook_options)
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
