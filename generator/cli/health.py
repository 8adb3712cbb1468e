"""`model-gitops health`: read Argo CD's view of each deployed version and tag it in MLflow."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from generator.app.health import read_health, write_health
from generator.cli.options import (
    CACHE,
    CLOCK,
    ENVIRONMENTS,
    REGISTRY,
    REPO,
    SELECT,
    build_settings,
    with_options,
)
from generator.delivery.argocd_api import TOKEN_VARIABLE
from generator.gitrepo import open_worktree


@click.command()
@with_options(REPO, ENVIRONMENTS, SELECT, REGISTRY, CACHE, CLOCK)
@click.option(
    "--argocd-url",
    envvar="MODEL_GITOPS_ARGOCD_URL",
    required=True,
    help="The Argo CD server, e.g. https://argocd.example.com (its API is read with "
    f"the token in {TOKEN_VARIABLE}).",
)
@click.option("--no-tag", is_flag=True, help="Print what Argo CD says; do not write the MLflow tags.")
def health(argocd_url: str, no_tag: bool, **options: Any) -> None:
    """Read each environment's Argo CD application and tag every deployed version with its health
    (`model-gitops.<env>.health = Healthy (time)`), for `status` and `promote.require_healthy`.

    Exit 1 when Argo CD cannot be read; a version that is not Healthy is reported, not an error.
    """
    settings = build_settings(**options)
    root = Path(open_worktree(settings.repo, settings.cache_dir).working_tree_dir)
    found = read_health(settings, root, argocd_url)
    for item in found:
        click.echo(item.line())
    if not no_tag:
        write_health(settings.tracking_uri, found, settings.now or datetime.now(UTC))
        click.echo(f"tagged {len(found)} model version(s) in MLflow")
