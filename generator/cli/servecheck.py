"""`model-gitops serve-check`: load candidate versions in a real MLServer of their runtime.

Candidates come from the command line, the environments' aliases, a Git diff of rendered/ or the
`serve: true` offline gate (`generator.runtime.candidates`); results print as they come, optionally
as Markdown (pull-request body, job summary) and as an MLflow tag on each version (`--tag`).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator import targets
from generator.app.environments import load_selected
from generator.cli.options import KNOWN, build_settings, common_options
from generator.cli.wiring import sources_for
from generator.config import EnvironmentConfig
from generator.config.settings import Settings
from generator.errors import ConfigError
from generator.gitrepo import open_worktree, read_files, rev, workspace
from generator.model.runtime import RuntimeProfile
from generator.plan.gates import SERVE_TAG
from generator.registry.download import download_model, read_versions
from generator.registry.writer import tag_versions
from generator.render.state import current_state

if TYPE_CHECKING:  # generator.runtime is imported by this command only (start-up of the others)
    from generator.runtime import candidates
    from generator.runtime.servecheck import Result


@click.command("serve-check")
@common_options
@click.argument("targets", nargs=-1, metavar="[MODEL[@VERSION]]...")
@click.option("--changed-since", metavar="REF", help="Check what rendered/ deploys now and did not at REF.")
@click.option("--gate", is_flag=True, help="Check what `strategy.offline: [{serve: true}]` waits on; tags.")
@click.option("--tag", is_flag=True, help=f"Write each result to the version's `{SERVE_TAG}` MLflow tag.")
@click.option("--python", "python_version", metavar="X.Y", help="Runtime for this run: its Python ...")
@click.option("--mlserver", metavar="VERSION", help="... its MLServer version ...")
@click.option(
    "--package", "packages", multiple=True, metavar="NAME==VERSION", help="... its pins (repeatable)."
)
@click.option("--runtime-name", help="Name shown for the runtime given by --python/--mlserver/--package.")
@click.option("--start-timeout", type=float, default=180, show_default=True, help="Seconds to get ready.")
@click.option("--request-timeout", type=float, default=60, show_default=True, help="Seconds for the answer.")
@click.option("--build-timeout", type=float, default=900, show_default=True, help="Seconds to build a venv.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True
)
def serve_check(**options: Any) -> None:
    """Load each candidate version in a real MLServer of its runtime on 127.0.0.1 and send it the
    model's saved input example. Passes only on /ready 200 and an /infer answer with outputs.

    Candidates: MODEL (the version each environment's alias points at), MODEL@VERSION, every aliased
    model when none is named, --changed-since REF, or --gate. Exit 1 when any failed; a runtime whose
    Python is not on this machine is reported skipped (never passed).
    """
    from generator.runtime import servecheck_report
    from generator.runtime.mlserver import Timeouts
    from generator.runtime.servecheck import Candidate, Options, check, exit_code

    settings = build_settings(**{key: value for key, value in options.items() if key in KNOWN})
    declared = _declared(options)
    wanted, environments, uris = _wanted(settings, options)
    found = [
        Candidate(
            env, model, version, uris.get((model, version), ""), _profile(environments[env], model, declared)
        )
        for env, model, version in wanted
    ]
    timeouts = Timeouts(options["start_timeout"], options["request_timeout"])
    run = Options(settings.cache_dir, timeouts, options["build_timeout"])
    results: list[Result] = []
    with _terminate_as_interrupt():
        for result in check(found, lambda uri, dst: download_model(settings.tracking_uri, uri, dst), run):
            results.append(result)
            if options["output_format"] == "text":
                click.echo(servecheck_report.line(result))
    if options["tag"] or options["gate"]:
        tag_versions(settings.tracking_uri, _tags(results))
    if options["output_format"] == "markdown":
        click.echo(servecheck_report.markdown(results), nl=False)
    else:
        click.echo(servecheck_report.summary(results))
    if exit_code(results):
        sys.exit(1)


def _wanted(settings: Settings, options: dict[str, Any]) -> tuple[list[candidates.Wanted], Any, Any]:
    from generator.runtime import candidates

    repo = open_worktree(settings.repo, settings.cache_dir)
    root = Path(repo.working_tree_dir)
    environments = load_selected(settings, root)
    current = current_state(workspace.read_tree(root / settings.rendered_dir))
    snapshot = sources_for(settings).snapshot(environments, current)
    if options["changed_since"]:
        base = rev(repo, options["changed_since"])
        if base is None:
            shown = options["changed_since"]
            raise ConfigError(f"--changed-since {shown!r} is not a commit here", "fetch it first")
        before = current_state(read_files(repo, base, settings.rendered_dir))
        wanted = candidates.changed(before, current, set(environments))
    elif options["gate"]:
        wanted = candidates.gated(environments, snapshot, current)
    else:
        wanted = candidates.named(environments, snapshot, candidates.parse_targets(options["targets"]))
    uris = candidates.storage(wanted, snapshot, lambda pairs: _read(settings.tracking_uri, pairs))
    return wanted, environments, uris


def _read(tracking_uri: str, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    return {key: version.storage_uri for key, version in read_versions(tracking_uri, pairs).items()}


def _declared(options: dict[str, Any]) -> RuntimeProfile | None:
    """The runtime given on the command line, if any (it replaces the environments')."""
    python, mlserver, packages = options["python_version"], options["mlserver"], options["packages"]
    if not (python or mlserver or packages):
        return None
    if not (python and mlserver):
        raise ConfigError("a runtime given on the command line needs --python and --mlserver", "add both")
    pins = {}
    for item in packages:
        name, separator, version = item.partition("==")
        if not separator or not name.strip() or not version.strip():
            raise ConfigError(f"--package {item!r} is not NAME==VERSION", "e.g. --package mlflow==3.17.2")
        pins[name.strip().lower().replace("_", "-")] = version.strip()
    name = options["runtime_name"] or f"mlserver-{mlserver}-py{python}"
    return RuntimeProfile(name, None, python, pins, mlserver, source="command line")


def _profile(config: EnvironmentConfig, model: str, declared: RuntimeProfile | None) -> RuntimeProfile:
    if declared is not None:
        return declared
    return environment_profile(config, model)


def environment_profile(config: EnvironmentConfig, model: str) -> RuntimeProfile:
    """The runtime that serves `model` in the environment (`seldon.runtime`, else the server's
    built-in profile)."""
    return targets.get(config.target).runtime(config.seldon_for(model))


def _tags(results: list[Result]) -> dict[tuple[str, str], dict[str, str]]:
    """One tag per version: the worst result over its environments (failed, then skipped)."""
    from generator.runtime.servecheck import FAILED, PASSED, SKIPPED

    worst = {FAILED: 0, SKIPPED: 1, PASSED: 2}
    chosen: dict[tuple[str, str], Result] = {}
    for result in results:
        key = (result.candidate.model, result.candidate.version)
        if key not in chosen or worst[result.outcome] < worst[chosen[key].outcome]:
            chosen[key] = result
    return {key: {SERVE_TAG: result.tag_value} for key, result in chosen.items()}


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) unwinds like Ctrl-C, so MLServer is always stopped."""

    def interrupt(_signal: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
