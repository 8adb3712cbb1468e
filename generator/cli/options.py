"""Options in small groups, composed per command, and the one place they become a `Settings`.

Each command shows only the groups it reads: `status` has no validation tools, `validate` no
tracking URI. `with_options(*groups)` puts a command's groups on it; `build_settings` turns
whatever groups a command has into a `Settings` (absent groups keep their defaults) and refuses
option names it does not know, so an option cannot be added without being read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from generator import targets
from generator.cli.delivery_options import delivery_options, delivery_settings
from generator.config.settings import (
    CATALOG_LOCATION,
    DEFAULT_CORE_LOCATION,
    Settings,
    ValidationSettings,
)
from generator.errors import ConfigError
from generator.validate import schemas

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
BUNDLED_WORD = "bundled"  # in --schema-location: the schemas shipped with the package


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


REPO = [
    click.option(
        "--repo",
        default=".",
        show_default=True,
        envvar="MODEL_GITOPS_REPO",
        help="GitOps repository: a working tree, or a path/URL to clone.",
    ),
    click.option(
        "--rendered",
        "rendered_dir",
        default="rendered",
        show_default=True,
        help="Directory the manifests are written to, relative to the repository.",
    ),
]
CACHE = [
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),
        envvar="MODEL_GITOPS_CACHE_DIR",
        default=Path.home() / ".cache" / "model-gitops",
        show_default="~/.cache/model-gitops",
        help="Where downloaded CRDs, generated schemas and clones are kept.",
    ),
]
ENVIRONMENTS = [
    click.option(
        "--environments",
        "environments_dir",
        default="environments",
        show_default=True,
        help="Directory of <env>.yaml files, relative to the repository.",
    ),
]
SELECT = [
    click.option(
        "-e", "--env", "only", multiple=True, help="Only this environment (repeatable). Default: all."
    ),
]
SCOPE = [
    click.option(
        "-m",
        "--model",
        "models",
        multiple=True,
        help="Only this registered model (repeatable): read only it from the registry and only its "
        "directories of rendered/; every other model stays as Git has it. Default: all.",
    ),
]
REGISTRY = [
    click.option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        default="sqlite:///mlflow.db",
        show_default="$MLFLOW_TRACKING_URI or sqlite:///mlflow.db",
        help="MLflow tracking/registry URI (http(s)://... or sqlite:///path).",
    ),
]
VALIDATION = [
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
        help="kubeconform -schema-location (repeatable; env: space-separated; `bundled`: the "
        "schemas shipped with model-gitops). Default: bundled, then kubeconform's default and the "
        "public CRDs catalog.",
    ),
    click.option(
        "--crd",
        "crds",
        multiple=True,
        envvar="MODEL_GITOPS_CRDS",
        help="CRD file or https URL to validate custom resources against "
        "(repeatable; env: space-separated). Default: the CRDs of every serving target "
        "(Seldon Core v1.18.2's, KServe v0.20.0's, Seldon Core 2 v2.10.2's).",
    ),
    click.option(
        "--kubernetes-version",
        default="1.32.0",
        show_default=True,
        envvar="MODEL_GITOPS_KUBERNETES_VERSION",
        help="Kubernetes version for schemas.",
    ),
]
ARGOCD = [
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
]
GUARDS = [
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
        "--artifact-workers",
        type=click.IntRange(1, 64),
        default=16,
        show_default=True,
        envvar="MODEL_GITOPS_ARTIFACT_WORKERS",
        help="How many versions' files are read at once by the artifact check.",
    ),
]
PROMETHEUS = [
    click.option(
        "--prometheus-url",
        envvar="MODEL_GITOPS_PROMETHEUS_URL",
        help="Prometheus base URL for canary/shadow gates (unset or unreachable: rollouts wait).",
    ),
]
CLOCK = [
    click.option(
        "--now",
        envvar="MODEL_GITOPS_NOW",
        callback=_parse_now,
        help="The time rollout steps are timed against (ISO 8601, e.g. 2026-01-05T09:00:00Z). "
        "Default: the real clock.",
    ),
]
REMOTE = [
    click.option(
        "--remote",
        default="origin",
        show_default=True,
        help="Remote to push to; its URL is the repository Argo CD reads unless --repo-url is given.",
    ),
]
COMMIT = [
    click.option(
        "--author", envvar="MODEL_GITOPS_GIT_AUTHOR", help="Commit author, 'Name <email>'. Default: Git's."
    ),
    click.option("--push", is_flag=True, help="Push the commit to the remote."),
    click.option("--branch", help="Branch to push to. Default: the current branch."),
]
GROUPS = [
    REPO,
    CACHE,
    ENVIRONMENTS,
    SELECT,
    SCOPE,
    REGISTRY,
    VALIDATION,
    ARGOCD,
    REMOTE,
    GUARDS,
    PROMETHEUS,
    CLOCK,
]
GROUPS += [COMMIT]
# What a run plans with; `webhook serve` adds --remote itself, the others add REMOTE.
PLANNING = [REPO, ENVIRONMENTS, SELECT, SCOPE, REGISTRY, VALIDATION, CACHE, ARGOCD, GUARDS, PROMETHEUS, CLOCK]


def with_options(*groups: list[Any]) -> Decorator:
    """Put the options of `groups` on a command, in the order given."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([option for group in groups for option in group]):
            command = option(command)
        return command

    return apply


# `webhook serve`: what a sync plans with, but not --model (each batch's events choose its models)
common_options = with_options(*[group for group in PLANNING if group is not SCOPE])


def _destinations(decorate: Decorator) -> set[str]:
    """The parameter names the options of `decorate` are passed as."""
    probe = decorate(lambda **_: None)
    return {param.name for param in probe.__click_params__ if param.name}  # type: ignore[attr-defined]


KNOWN = _destinations(with_options(*GROUPS)) | _destinations(delivery_options)


def build_settings(**values: Any) -> Settings:
    """The run's settings from the parsed options (and their environment variables)."""
    unknown = sorted(set(values) - KNOWN)
    if unknown:
        raise TypeError(f"options no settings read: {', '.join(unknown)}")
    defaults = Settings()
    cache = values.get("cache_dir", defaults.cache_dir)
    rendered = values.get("rendered_dir", defaults.rendered_dir)
    if Path(rendered).is_absolute() or ".." in Path(rendered).parts or not Path(rendered).parts:
        raise ConfigError(
            f"--rendered {rendered!r} must be a subdirectory of the repository",
            "model-gitops owns that directory and resets it to the last commit before each sync",
        )
    return Settings(
        repo=values.get("repo", defaults.repo),
        environments_dir=values.get("environments_dir", defaults.environments_dir),
        rendered_dir=rendered,
        tracking_uri=values.get("tracking_uri", defaults.tracking_uri),
        only=list(values.get("only", ())),
        models=sorted(set(values.get("models", ()))),
        validation=_validation(values, cache),
        author=values.get("author"),
        push=values.get("push", False),
        remote=values.get("remote", defaults.remote),
        branch=values.get("branch"),
        cache_dir=cache,
        delivery=delivery_settings(values),
        allow_prune=values.get("allow_prune", False),
        check_artifacts=not values.get("skip_artifact_check", False),
        artifact_workers=values.get("artifact_workers") or 16,
        prometheus_url=values.get("prometheus_url"),
        now=values.get("now"),
        argocd_repo_url=values.get("repo_url"),
        argocd_revision=values.get("target_revision") or "HEAD",
    )


def _validation(values: dict[str, Any], cache: Path) -> ValidationSettings:
    defaults = ValidationSettings()
    given = [w for item in values.get("schema_locations", ()) for w in _split(item)]
    locations = [x for w in given for x in (schemas.bundled_locations() if w == BUNDLED_WORD else [w])]
    crds = [w for item in values.get("crds", ()) for w in _split(item)]
    return ValidationSettings(
        kubectl=values.get("kubectl", defaults.kubectl),
        kubeconform=values.get("kubeconform", defaults.kubeconform),
        kubernetes_version=values.get("kubernetes_version", defaults.kubernetes_version),
        schema_locations=locations or [*schemas.bundled_locations(), DEFAULT_CORE_LOCATION, CATALOG_LOCATION],
        crds=crds
        or [c for t in targets.TARGETS.values() for c in targets.crds(t) if c not in schemas.bundled_crds()],
        cache_dir=cache,
        promtool=values.get("promtool", defaults.promtool),
    )


def _default_crds() -> list[str]:
    """Every target's published CRD, but those whose schemas ship with the package (no download)."""
    bundled = schemas.bundled_crds()
    return [crd for target in targets.TARGETS.values() for crd in targets.crds(target) if crd not in bundled]
