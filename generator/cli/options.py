"""Options shared by the commands and the one place they become a `Settings`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from generator import targets
from generator.cli.delivery_options import delivery_settings
from generator.config.settings import (
    CATALOG_LOCATION,
    DEFAULT_CORE_LOCATION,
    Settings,
    ValidationSettings,
)
from generator.errors import ConfigError


def _split(value: str | None) -> list[str]:
    return value.split() if value else []


def _parse_now(_ctx: Any, _param: Any, value: str | None) -> datetime | None:
    """`--now` / MODEL_GITOPS_NOW: an ISO 8601 time (UTC when no offset is given)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time like 2026-01-05T09:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command that reads the registry or the repository shares."""
    options = [
        click.option(
            "--repo",
            default=".",
            show_default=True,
            envvar="MODEL_GITOPS_REPO",
            help="GitOps repository: a working tree, or a path/URL to clone.",
        ),
        click.option(
            "--repo-url",
            envvar="MODEL_GITOPS_REPO_URL",
            help="Repository URL Argo CD reads rendered/ from. Default: the URL of the push remote "
            "(origin); with neither, rendered/argocd is not generated.",
        ),
        click.option(
            "--target-revision",
            default="HEAD",
            show_default=True,
            envvar="MODEL_GITOPS_TARGET_REVISION",
            help="Revision (branch, tag, commit) the Argo CD Applications track.",
        ),
        click.option(
            "--environments",
            "environments_dir",
            default="environments",
            show_default=True,
            help="Directory of <env>.yaml files, relative to the repository.",
        ),
        click.option(
            "--rendered",
            "rendered_dir",
            default="rendered",
            show_default=True,
            help="Directory the manifests are written to, relative to the repository.",
        ),
        click.option(
            "--tracking-uri",
            envvar="MLFLOW_TRACKING_URI",
            default="sqlite:///mlflow.db",
            show_default="$MLFLOW_TRACKING_URI or sqlite:///mlflow.db",
            help="MLflow tracking/registry URI (http(s)://... or sqlite:///path).",
        ),
        click.option(
            "-e", "--env", "only", multiple=True, help="Only this environment (repeatable). Default: all."
        ),
        click.option(
            "--kubectl",
            default="kubectl",
            envvar="MODEL_GITOPS_KUBECTL",
            show_default=True,
            help="kubectl binary used for `kubectl kustomize`.",
        ),
        click.option(
            "--kubeconform",
            default="kubeconform",
            envvar="MODEL_GITOPS_KUBECONFORM",
            show_default=True,
            help="kubeconform binary.",
        ),
        click.option(
            "--promtool",
            default="promtool",
            envvar="MODEL_GITOPS_PROMTOOL",
            show_default=True,
            help="promtool binary (checks the generated alert rules).",
        ),
        click.option(
            "--schema-location",
            "schema_locations",
            multiple=True,
            envvar="MODEL_GITOPS_SCHEMA_LOCATIONS",
            help="kubeconform -schema-location (repeatable; env: space-separated). "
            "Default: kubeconform's default and the public CRDs catalog.",
        ),
        click.option(
            "--crd",
            "crds",
            multiple=True,
            envvar="MODEL_GITOPS_CRDS",
            help="CRD file or https URL to validate custom resources against "
            "(repeatable; env: space-separated). Default: Seldon Core v1.18.2's CRD.",
        ),
        click.option(
            "--kubernetes-version",
            default="1.32.0",
            show_default=True,
            envvar="MODEL_GITOPS_KUBERNETES_VERSION",
            help="Kubernetes version for schemas.",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path),
            envvar="MODEL_GITOPS_CACHE_DIR",
            default=Path.home() / ".cache" / "model-gitops",
            show_default="~/.cache/model-gitops",
            help="Where downloaded CRDs, generated schemas and clones are kept.",
        ),
        click.option(
            "--allow-prune",
            is_flag=True,
            help="Allow removing more than the environment's safety.max_removed_share of its "
            "deployments (an empty registry answer is refused regardless).",
        ),
        click.option(
            "--skip-artifact-check",
            is_flag=True,
            help="Do not read the MLmodel file of newly deployed versions before rendering.",
        ),
        click.option(
            "--prometheus-url",
            envvar="MODEL_GITOPS_PROMETHEUS_URL",
            help="Prometheus base URL for canary/shadow gates (unset or unreachable: rollouts wait).",
        ),
        click.option(
            "--now",
            envvar="MODEL_GITOPS_NOW",
            callback=_parse_now,
            hidden=True,
            help="A fixed clock for rollout timing (ISO 8601, e.g. 2026-01-05T09:00:00Z).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def build_settings(**values: Any) -> Settings:
    """The run's settings from the parsed options (and their environment variables)."""
    cache = values["cache_dir"]
    locations = [w for item in values["schema_locations"] for w in _split(item)]
    crds = [w for item in values["crds"] for w in _split(item)]
    validation = ValidationSettings(
        kubectl=values["kubectl"],
        kubeconform=values["kubeconform"],
        kubernetes_version=values["kubernetes_version"],
        schema_locations=locations or [DEFAULT_CORE_LOCATION, CATALOG_LOCATION],
        crds=crds or [target.crd for target in targets.TARGETS.values()],
        cache_dir=cache,
        promtool=values.get("promtool", "promtool"),
    )
    rendered = Path(values["rendered_dir"])
    if rendered.is_absolute() or ".." in rendered.parts or not rendered.parts:
        raise ConfigError(
            f"--rendered {values['rendered_dir']!r} must be a subdirectory of the repository",
            "model-gitops owns that directory and resets it to the last commit before each sync",
        )
    return Settings(
        repo=values["repo"],
        environments_dir=values["environments_dir"],
        rendered_dir=values["rendered_dir"],
        tracking_uri=values["tracking_uri"],
        only=list(values["only"]),
        validation=validation,
        author=values.get("author"),
        push=values.get("push", False),
        remote=values.get("remote", "origin"),
        branch=values.get("branch"),
        cache_dir=cache,
        delivery=delivery_settings(values),
        allow_prune=values.get("allow_prune", False),
        check_artifacts=not values.get("skip_artifact_check", False),
        prometheus_url=values.get("prometheus_url"),
        now=values.get("now"),
        argocd_repo_url=values.get("repo_url"),
        argocd_revision=values.get("target_revision") or "HEAD",
    )
