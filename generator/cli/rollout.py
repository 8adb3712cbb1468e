"""`model-gitops release-hold`: let a rolled-back (held) candidate be tried again."""

from __future__ import annotations

from typing import Any

import click

from generator.app import holds
from generator.cli.options import build_settings, common_options


@click.command("release-hold")
@common_options
@click.argument("model")
@click.option(
    "--author", envvar="MODEL_GITOPS_GIT_AUTHOR", help="Commit author, 'Name <email>'. Default: Git's."
)
@click.option("--push", is_flag=True, help="Push the commit to the remote.")
@click.option("--remote", default="origin", show_default=True, help="Remote to push to.")
@click.option("--branch", help="Branch to push to. Default: the current branch.")
def release_hold(model: str, **options: Any) -> None:
    """Clear MODEL's hold so the next sync tries its candidate again.

    A failed gate rolls a candidate back and holds it: the annotations
    model-gitops.io/rollout-hold and -hold-reason on rendered/<env>/<model>/seldondeployment.yaml
    keep the next syncs from trying it again while the alias still points at it. This removes
    them (in every environment, or those given with -e) and commits the edit, so the release
    is reviewable like any rollout step. The next sync runs the gates again from the first step.
    """
    settings = build_settings(**options)
    result = holds.release(settings, model)
    for env, version in result.released:
        click.echo(f"{env}: released {model} {version}")
    if result.commit:
        click.echo(f"committed {result.commit[:12]}")
        if result.pushed:
            click.echo(f"pushed to {settings.remote}")
