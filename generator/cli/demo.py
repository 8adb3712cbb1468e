"""`model-gitops demo`: the whole job on an embedded registry and a local Git repository.

Creates a SQLite MLflow registry with real logged models, a bare Git remote and a clone holding
the project's example `environments/`, then syncs, moves an alias, syncs again, and syncs once
more to show that nothing changes. No server and no network are needed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import click

from generator import gitrepo, targets, timing, yamlio
from generator.app import job
from generator.cli.options import CACHE, VALIDATION, build_settings, with_options
from generator.registry import examples
from generator.report import plain

ALIASES = {"dev": "dev", "staging": "staging", "prod": "champion"}
REWRITES = (
    "storage:\n  rewrites:\n"
    '    - {from: "mlflow-artifacts:/", to: "s3://mlflow-artifacts/"}\n'
    '    - {from: "file://.*?/artifacts/", to: "s3://mlflow-artifacts/"}\n'
)
NO_PODMONITOR = "monitoring: {podmonitor: {enabled: false}}\n"  # the serving stack's own monitor scrapes


def builtin_environments(target: str) -> dict[str, str]:
    """dev, staging and prod for `target`, served by a runtime matching this Python's example
    models (`seldon.runtime`), used when no environment files are given or for `--target`."""
    image = f"ghcr.io/acme/mlserver-mlflow:1.7.1-py{sys.version_info.major}{sys.version_info.minor}"
    seldon = yamlio.dump({"seldon": {"protocol": "v2", "runtime": examples.example_runtime(image)}})
    head = f"target: {target}\n" if target != targets.DEFAULT else ""
    tail = NO_PODMONITOR if targets.get(target).metrics.SCRAPE is None else ""
    return {
        name: f"{head}namespace: models-{name}\nalias: {alias}\n{seldon}" + REWRITES + tail
        for name, alias in ALIASES.items()
    }


@click.command()
@with_options(VALIDATION, CACHE)
@click.option(
    "--environments",
    "source_environments",
    type=click.Path(path_type=Path),
    default=Path("environments"),
    show_default=True,
    help="Environment files copied into the demo repository (none there: built-in dev, staging, prod).",
)
@click.option(
    "--target",
    type=click.Choice(sorted(targets.TARGETS)),
    help="Render for this serving target with built-in environments (default: the files of --environments).",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path(".demo"),
    show_default=True,
    help="Where the demo registry and repositories are created (replaced).",
)
def demo(directory: Path, source_environments: Path, target: str | None, **options: Any) -> None:
    """Run the main job end to end on an example SQLite registry and a local Git repository."""
    directory = directory.resolve()
    source_environments = source_environments.resolve()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    tracking_uri = f"sqlite:///{directory / 'mlflow.db'}"
    click.echo(f"1/4 creating an MLflow registry with example models at {tracking_uri}")
    with timing.phase("examples"):
        examples.seed(tracking_uri, examples.DEMO_MODELS, (directory / "artifacts").as_uri())
    worktree = _make_repositories(directory, source_environments, target)
    settings = build_settings(**options, repo=str(worktree), tracking_uri=tracking_uri, push=True)
    click.echo("2/4 first sync: render, validate, commit, push")
    _sync_and_show(settings)
    click.echo("3/4 promoting fraud-detector version 3 to @champion, then syncing again")
    examples.set_alias(tracking_uri, "fraud-detector", "champion", 3)
    _sync_and_show(settings)
    click.echo("4/4 syncing once more: nothing changed, so nothing is committed")
    _sync_and_show(settings)
    log = gitrepo.open_worktree(str(worktree), settings.cache_dir).git.log("--stat", "--format=%n%h %s")
    click.echo(f"\nGit history of {worktree} (remote: {directory / 'remote.git'}):{log}")
    click.echo(_next_steps(worktree, tracking_uri))


def _next_steps(worktree: Path, tracking_uri: str) -> str:
    """The next three commands to try, on the registry and repository the demo made."""
    where = f"--repo {worktree} --tracking-uri {tracking_uri}"
    return (
        "\nNext, try (with `source scripts/env.sh`, or .venv/bin/model-gitops):\n"
        f"  model-gitops status {where}\n"
        f"  model-gitops plan {where} --diff\n"
        f"  model-gitops serve-check {where} fraud-detector --python 3.11 --mlserver 1.7.1\n"
    )


def _make_repositories(directory: Path, environments: Path, serving: str | None) -> Path:
    remote = directory / "remote.git"
    worktree = directory / "gitops"
    gitrepo.init_bare(remote)
    repo = gitrepo.clone(str(remote), worktree)
    repo.git.symbolic_ref("HEAD", "refs/heads/main")
    target = worktree / "environments"
    target.mkdir()
    if serving is None and environments.is_dir() and any(environments.glob("*.yaml")):
        for path in sorted(environments.glob("*.yaml")):
            shutil.copy(path, target / path.name)
    else:
        for name, text in builtin_environments(serving or targets.DEFAULT).items():
            (target / f"{name}.yaml").write_text(text)
    gitrepo.commit_paths(repo, ["environments"], "Add environment configuration\n", None)
    gitrepo.push(repo)
    return worktree


def _sync_and_show(settings: Any) -> None:
    result = job.sync(settings)
    text = plain.plan_text(result.computed.plan, result.computed.changed)
    click.echo("    " + text.replace("\n", "\n    "))
    if result.commit:
        click.echo(f"    committed {result.commit[:12]} and pushed: {result.message.splitlines()[0]}")
    else:
        click.echo("    nothing to commit")
