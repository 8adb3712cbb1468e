"""`model-gitops release-hold`: let a rolled-back (held) candidate be tried again."""

from __future__ import annotations

from typing import Any

import click

from generator.app.job import holds
from generator.cli.options import CACHE, COMMIT, REMOTE, REPO, SELECT, build_settings, with_options
from generator.printable import printable


@click.command("release-hold")
@click.argument("model")
@with_options(REPO, SELECT, CACHE, REMOTE, COMMIT)
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
        click.echo(printable(f"{env}: released {model} {version}"))
    if result.commit:
        click.echo(f"committed {result.commit[:12]}")
        if result.pushed:
            click.echo(f"pushed to {settings.remote}")
