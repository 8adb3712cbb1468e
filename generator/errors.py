"""The one error hierarchy of model-gitops.

Every failure a user can cause or fix is raised as a `ModelGitopsError` subclass, translated at
the boundary where it happens (MLflow, Git, a subprocess, a config file) into one line that says
what failed and what to do. The CLI prints these in one line and exits 1; anything else is a bug
and is shown with a traceback (exit 3).
"""

from __future__ import annotations

import os
import re

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<cred>[^/@\s]+)@")
_TOKEN_PARAMETER = re.compile(r"(?i)\b(token|password|secret|access_token|api_key)=([^&\s]+)")
SECRET_VARIABLES = (
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_PASSWORD",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "MODEL_GITOPS_WEBHOOK_SECRET",
)


def redact(text: str) -> str:
    """Hide secrets in anything the tool prints or writes.

    Credentials in URLs (`https://user:token@host` -> `https://***@host`), `token=...` style query
    parameters, and the value of every known secret environment variable.
    """
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}***@", text)
    text = _TOKEN_PARAMETER.sub(lambda m: f"{m.group(1)}=***", text)
    for variable in SECRET_VARIABLES:
        value = os.environ.get(variable, "")
        if len(value) >= 4:
            text = text.replace(value, "***")
    return text


class ModelGitopsError(Exception):
    """An expected failure with a message a user can act on."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = redact(message)
        self.hint = redact(hint) if hint else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        return f"{self.message}: {self.hint}" if self.hint else self.message


class ConfigError(ModelGitopsError):
    """An environment file or a setting is invalid."""


class RegistryError(ModelGitopsError):
    """MLflow could not be read (or written back)."""


class ModelRejected(ModelGitopsError):
    """One model cannot be delivered; the others go on."""


class ValidationFailed(ModelGitopsError):
    """Rendered manifests failed validation; nothing was written or committed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"validation failed: {shown}{more}", "nothing was written or committed")


class ToolError(ModelGitopsError):
    """An external command (kubectl, kubeconform, promtool) is missing or failed."""


class GitError(ModelGitopsError):
    """A Git operation failed."""


class MetricsError(ModelGitopsError):
    """Prometheus could not be read (rollouts wait rather than pass)."""


class GitHubError(ModelGitopsError):
    """The GitHub API refused or failed a request (pull requests, labels)."""
