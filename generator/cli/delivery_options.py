"""The `sync` options about delivery: identities, commit template, push retries, GitHub/GitLab, write-back.

Secrets are never options: the GitHub token comes from GITHUB_TOKEN (or GH_TOKEN), GitLab's from
GITLAB_TOKEN (or CI_JOB_TOKEN), MLflow's from MLFLOW_TRACKING_TOKEN; everything else can also be
set through the environment variable named in its help.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator.config.settings import DeliveryOptions


def delivery_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options of `sync` that shape how its changes are delivered."""
    options = [
        click.option(
            "--committer",
            envvar="MODEL_GITOPS_GIT_COMMITTER",
            help="Committer, 'Name <email>'. Default: Git's configured identity.",
        ),
        click.option(
            "--message-template",
            envvar="MODEL_GITOPS_COMMIT_TEMPLATE",
            help="Commit message template with {subject} {body} {changes} {environments} {count}.",
        ),
        click.option(
            "--push-attempts",
            type=click.IntRange(1, 20),
            default=6,
            show_default=True,
            envvar="MODEL_GITOPS_PUSH_ATTEMPTS",
            help="Tries when the remote moved meanwhile (fetch, re-plan, push again, with backoff).",
        ),
        click.option(
            "--write-back/--no-write-back",
            default=True,
            show_default=True,
            help="Tag MLflow model versions with their deployment state (with --push).",
        ),
        click.option(
            "--github-repository",
            envvar="GITHUB_REPOSITORY",
            help="OWNER/NAME for pull requests (Actions sets GITHUB_REPOSITORY). Token: GITHUB_TOKEN.",
        ),
        click.option(
            "--github-api-url",
            envvar="GITHUB_API_URL",
            show_default="https://api.github.com",
            help="GitHub REST API URL; for GitHub Enterprise https://HOST/api/v3.",
        ),
        click.option(
            "--gitlab-api-url",
            envvar="GITLAB_API_URL",
            help="GitLab REST API URL (https://HOST/api/v4): a remote on its host gets merge requests. "
            "Default: CI_API_V4_URL, else gitlab.com's. Token: GITLAB_TOKEN.",
        ),
        click.option(
            "--mlflow-ui-url",
            envvar="MODEL_GITOPS_MLFLOW_UI_URL",
            help="MLflow UI base URL for links in pull requests. Default: an http(s) tracking URI.",
        ),
        click.option(
            "--summary",
            "summary_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Append the plan and its delivery as Markdown to this file (e.g. $GITHUB_STEP_SUMMARY).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def delivery_settings(values: dict[str, Any]) -> DeliveryOptions:
    """DeliveryOptions from parsed options (commands without them get the defaults)."""
    return DeliveryOptions(
        committer=values.get("committer"),
        message_template=values.get("message_template"),
        push_attempts=values.get("push_attempts") or 6,
        write_back=values.get("write_back", True),
        github_repository=values.get("github_repository"),
        github_api_url=values.get("github_api_url"),
        gitlab_api_url=values.get("gitlab_api_url"),
        mlflow_ui_url=values.get("mlflow_ui_url"),
        summary_file=values.get("summary_file"),
    )
