"""One settings object for a run, built by the CLI from options and environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DEFAULT_CORE_LOCATION = "default"
CATALOG_LOCATION = (
    "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/"
    "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
)


@dataclass(frozen=True)
class ValidationSettings:
    kubectl: str = "kubectl"
    kubeconform: str = "kubeconform"
    kubernetes_version: str = "1.32.0"
    schema_locations: list[str] = field(default_factory=lambda: [DEFAULT_CORE_LOCATION, CATALOG_LOCATION])
    crds: list[str] = field(default_factory=list)  # the CLI defaults to every target's CRD
    cache_dir: Path = Path.home() / ".cache" / "model-gitops"
    promtool: str = "promtool"


@dataclass(frozen=True)
class DeliveryOptions:
    """How a sync delivers: identities, commit template, push retries, GitHub or GitLab, write-back."""

    committer: str | None = None
    message_template: str | None = None
    push_attempts: int = 6
    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 30.0
    write_back: bool = True
    github_repository: str | None = None
    github_api_url: str | None = None
    gitlab_api_url: str | None = None  # None: CI_API_V4_URL / CI_SERVER_URL, or gitlab.com's
    mlflow_ui_url: str | None = None
    summary_file: Path | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a sync needs to know that is not in the environment files."""

    repo: str = "."
    environments_dir: str = "environments"
    rendered_dir: str = "rendered"
    tracking_uri: str = "sqlite:///mlflow.db"
    only: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)  # a scoped run: only these registered models
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    author: str | None = None
    push: bool = False
    remote: str = "origin"
    branch: str | None = None
    cache_dir: Path = Path.home() / ".cache" / "model-gitops"
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)
    allow_prune: bool = False
    check_artifacts: bool = True
    artifact_workers: int = 16  # versions whose files are read at once (the artifact check)
    prometheus_url: str | None = None  # rollout gates (MODEL_GITOPS_PROMETHEUS_URL)
    now: datetime | None = None  # a fixed clock for rollouts (MODEL_GITOPS_NOW); None: the real one
    argocd_repo_url: str | None = None  # None: the push remote's URL (MODEL_GITOPS_REPO_URL)
    argocd_revision: str = "HEAD"  # what the Argo CD Applications track (MODEL_GITOPS_TARGET_REVISION)
