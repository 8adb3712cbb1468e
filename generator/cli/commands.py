"""The everyday commands: plan, render, validate, sync, status, schema, crd-schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from generator import config
from generator.app import job
from generator.app.status import status_report
from generator.cli.delivery_options import delivery_options
from generator.cli.options import (
    CACHE,
    COMMIT,
    ENVIRONMENTS,
    PLANNING,
    PROMETHEUS,
    REGISTRY,
    REMOTE,
    REPO,
    SELECT,
    VALIDATION,
    build_settings,
    with_options,
)
from generator.cli.summary import plan_markdown, show_delivery
from generator.cli.wiring import sources_for
from generator.delivery.argocd_source import managed_directories
from generator.errors import ConfigError, ValidationFailed
from generator.gitrepo import open_worktree, workspace
from generator.report import plain
from generator.validate import crdschema, schemas
from generator.validate.runner import validate_tree

EXIT_CHANGES = 2


def _root(settings: Any) -> Path:
    return Path(open_worktree(settings.repo, settings.cache_dir).working_tree_dir)


def refused(computed: Any) -> bool:
    """Say how many models could not be delivered (on stderr); True if any."""
    count = len(computed.plan.rejections)
    if count:
        click.echo(f"error: {count} model(s) could not be delivered (see above)", err=True)
    return bool(count)


@click.command()
@with_options(*PLANNING, REMOTE)
@click.option("--diff", is_flag=True, help="Also print the unified diff of the rendered files.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on error or when a model "
    "would be refused (1 wins over 2).",
)
@click.option(
    "--check", is_flag=True, help="Exit 1 if rendered/ is not what the config and registry produce (for CI)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: the pull-request / job-summary rendering (tables, Mermaid rollout diagrams).",
)
def plan(diff: bool, detailed_exitcode: bool, check: bool, output_format: str, **options: Any) -> None:
    """Show what a sync would change, per environment, without writing anything.

    Exits like `sync` would: 1 when any model would be refused (or, with --check, when
    rendered/ is stale); otherwise 2 with --detailed-exitcode when something would change; else 0.
    """
    settings = build_settings(**options)
    root = _root(settings)
    computed = job.compute(settings, root, sources=sources_for(settings))
    if output_format == "markdown":
        click.echo(plan_markdown(settings, computed, diff), nl=False)
    else:
        click.echo(plain.plan_text(computed.plan, computed.changed))
    if diff and computed.changed and output_format == "text":
        click.echo(plain.file_diff(computed.current.files, computed.desired, computed.changed))
    failed = refused(computed)
    if check and computed.changed:
        click.echo(
            f"error: {len(computed.changed)} rendered file(s) are out of date; run `model-gitops sync`",
            err=True,
        )
        failed = True
    if failed:
        sys.exit(1)
    if detailed_exitcode and computed.changed:
        sys.exit(EXIT_CHANGES)


@click.command()
@with_options(*PLANNING, REMOTE)
def render(**options: Any) -> None:
    """Render and validate into rendered/ without committing (exit 1 if a model is refused)."""
    settings = build_settings(**options)
    root = _root(settings)
    computed = job.compute(settings, root, sources=sources_for(settings))
    touched = workspace.write_tree(
        root / settings.rendered_dir, computed.desired, managed_directories(computed.plan, computed.desired)
    )
    click.echo(plain.plan_text(computed.plan, computed.changed))
    click.echo(f"wrote {len(touched)} file(s) under {settings.rendered_dir}/")
    if refused(computed):
        sys.exit(1)


@click.command()
@with_options(*PLANNING, REMOTE, COMMIT)
@delivery_options
def sync(**options: Any) -> None:
    """Render, validate, commit what changed (nothing if nothing did), and optionally push.

    With --push, a push rejected because the remote moved is retried on the new head (re-planned,
    never forced); environments with `delivery: pull-request` get a branch and pull request; and
    model versions are tagged in MLflow with their deployment state (unless --no-write-back).
    """
    settings = build_settings(**options)
    result = job.sync(settings, sources_for(settings))
    click.echo(plain.plan_text(result.computed.plan, result.computed.changed))
    if result.commit:
        click.echo(f"committed {result.commit[:12]}: {result.message.splitlines()[0]}")
        if result.pushed:
            click.echo(f"pushed to {settings.remote}")
    else:
        click.echo("nothing to commit")
    show_delivery(settings, result)
    if refused(result.computed):
        sys.exit(1)


@click.command()
@with_options(REPO, SELECT, VALIDATION, CACHE)
def validate(**options: Any) -> None:
    """Validate the manifests already in rendered/ (kustomize, kubeconform, Seldon rules)."""
    settings = build_settings(**options)
    rendered = _root(settings) / settings.rendered_dir
    tree = workspace.read_tree(rendered)
    environments = sorted(
        {p.split("/")[0] for p in tree if p.count("/") == 1 and p.endswith("/kustomization.yaml")}
    )
    missing = sorted(set(settings.only) - set(environments))
    if missing:
        raise ConfigError(
            f"nothing rendered for {', '.join(missing)} in {settings.rendered_dir}/",
            f"have {', '.join(environments) or 'none'}",
        )
    environments = [env for env in environments if not settings.only or env in settings.only]
    problems = validate_tree(tree, environments, settings.validation)
    if problems:
        raise ValidationFailed(problems)
    click.echo(f"valid: {', '.join(environments) or 'nothing to validate'}")


@click.command()
@with_options(REPO, ENVIRONMENTS, SELECT, REGISTRY, CACHE, PROMETHEUS)
def status(**options: Any) -> None:
    """Table of model x environment -> deployed version (and where its alias points now).

    A candidate held after a failed gate shows as `7 (8 held)`, with the hold's reason below.
    """
    settings = build_settings(**options)
    click.echo(status_report(settings, _root(settings), sources_for(settings)))


@click.command()
def schema() -> None:
    """Print the JSON Schema of environment files (for editor completion).

    For example: `model-gitops schema > environments/.schema.json`, then start each
    environment file with `# yaml-language-server: $schema=.schema.json`.
    """
    click.echo(json.dumps(config.json_schema(), indent=2, sort_keys=True))


@click.command("crd-schema")
@click.argument("crd", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory to write <group>/<kind>_<version>.json files into.",
)
def crd_schema(crd: tuple[str, ...], output: Path) -> None:
    """Convert CRD files (or https URLs) into kubeconform JSON schemas.

    Use the output with kubeconform:
    -schema-location 'DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'
    """
    cache = Path.home() / ".cache" / "model-gitops"
    written = []
    for source in crd:
        for document in schemas._documents(source, schemas.read_crd(source, cache)):
            for path, body in crdschema.crd_schemas(document).items():
                workspace.write_atomic(
                    output / path, (json.dumps(body, indent=1, sort_keys=True) + "\n").encode()
                )
                written.append(path)
    click.echo("\n".join(sorted(written)))


COMMANDS = [plan, render, validate, sync, status, schema, crd_schema]
