"""The `model-gitops` group and the exit-code contract.

Expected failures (`ModelGitopsError`) print one line and exit 1; anything else is a bug and
prints a traceback with exit 3. `plan --detailed-exitcode` uses 2 for "changes". Warnings that
the library logs while it works (logger `model_gitops`, e.g. an MLflow request being retried)
are printed on stderr as `warning: ...` lines.
"""

from __future__ import annotations

import logging
import sys
import traceback

import click

from generator import __version__
from generator.cli import commands, demo, health, progress, rightsize, rollout, servecheck, webhook
from generator.cli.wiring import Wiring
from generator.errors import ModelGitopsError, redact
from generator.printable import printable

EXIT_ERROR = 1
EXIT_BUG = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="model-gitops", message="%(prog)s %(version)s")
def cli() -> None:
    """Deliver MLflow registry models to Kubernetes through Git.

    Reads the MLflow Model Registry, renders one Seldon Core SeldonDeployment per model and
    environment into rendered/<env>/, validates everything (Seldon admission rules, kustomize,
    kubeconform) and commits only when something changed. Argo CD syncs the cluster from Git.

    Run it from the root of the GitOps repository (it holds environments/ and rendered/).
    Start with `model-gitops demo` to see it work on an example registry.
    """


for command in [
    *commands.COMMANDS,
    demo.demo,
    health.health,
    rightsize.right_size_command,
    rollout.release_hold,
    servecheck.serve_check,
    webhook.webhook,
]:
    cli.add_command(command)


class _Warnings(logging.Handler):
    """`warning: <message>` on whatever stderr is now (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {printable(redact(record.getMessage()))}", err=True)


def _warnings_to_stderr() -> None:
    logger = logging.getLogger("model_gitops")
    if not any(isinstance(handler, _Warnings) for handler in logger.handlers):
        logger.addHandler(_Warnings(logging.WARNING))


def run(args: list[str] | None = None, wiring: Wiring | None = None) -> int:
    """Run the CLI with `args` (default: sys.argv) and return the exit code.

    `wiring` replaces what a run reads (tests, the benchmark); default: the live sources.
    """
    _warnings_to_stderr()
    try:
        with progress.on_terminal():
            cli.main(args=args, prog_name="model-gitops", standalone_mode=False, obj=wiring or Wiring())
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR  # usage errors too: 2 only ever means "changes pending"
    except ModelGitopsError as exc:
        click.echo(f"error: {printable(exc.one_line())}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: show everything
        click.echo(redact("".join(traceback.format_exception(exc))), err=True)
        click.echo("model-gitops hit a bug (exit 3); please report it with the traceback above", err=True)
        return EXIT_BUG
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
