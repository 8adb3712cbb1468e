"""The one error hierarchy of model-gitops.

Every failure a user can cause or fix is raised as a `ModelGitopsError` subclass, translated at
the boundary where it happens (MLflow, Git, a subprocess, a config file) into one line that says
what failed and what to do. The CLI prints these in one line and exits 1; anything else is a bug
and is shown with a traceback (exit 3).
"""

from __future__ import annotations

import base64
import binascii
import os
import re

# `scheme://user:password@host`, `scheme://token@host`, and a raw password holding `/` (common in
# AWS secret keys: `s3://KEY:wJal/rXUt@bucket`), though not `host:8080/path@x` (a port).
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^/@\s]+|[^/@\s:]*:(?!\d+(?:[/?#\s]|$))[^@\s]*)@"
)
# `name=value` where the name says secret (`token=`, `X-Amz-Signature=`, `client_secret=` ...), and
# the short query-string names of signed URLs and API keys (`?sig=`, `&key=`).
_TOKEN_PARAMETER = re.compile(
    r"(?i)(?P<name>(?<![\w-])[\w-]*(?:token|password|passwd|secret|api_?key|signature|credential)[\w-]*"
    r"|(?<=[?&;])(?:key|sig|auth|access_?key))=(?P<value>[^&\s#'\"]+)"
)
_AUTHORIZATION = re.compile(
    r"(?i)(?P<head>\b(?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?(?:(?:basic|bearer|token|digest)\s+)?)"
    r"(?P<value>[^\s'\",;}]+)"
)
_BEARER = re.compile(r"\b(?P<head>Bearer\s+)(?P<value>(?=[\w.~+/-]*\d)[\w.~+/-]{12,}=*)")
_BASE64 = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{12,}={0,2}(?![\w+/=-])")
SECRET_VARIABLES = (
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_PASSWORD",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "MODEL_GITOPS_WEBHOOK_SECRET",
)
MIN_SECRET = 4
HIDDEN = "***"
ELLIPSIS = "..."


def redact(text: str) -> str:
    """Hide secrets in anything the tool prints or writes.

    Credentials in URLs (`https://user:token@host` -> `https://***@host`), secret-named parameters
    (`token=***`, `X-Amz-Signature=***`), `Authorization:` and `Bearer` values, the value of every
    known secret environment variable (raw and stripped of surrounding whitespace), and base64 text
    that decodes to any of those or to `user:password` (a Basic-auth header echoed by a server).
    """
    secrets = known_secrets()
    text = _BASE64.sub(lambda m: _hide_encoded(m.group(0), secrets), text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{HIDDEN}@", text)
    text = _AUTHORIZATION.sub(lambda m: f"{m.group('head')}{HIDDEN}", text)
    text = _BEARER.sub(lambda m: f"{m.group('head')}{HIDDEN}", text)
    text = _TOKEN_PARAMETER.sub(lambda m: f"{m.group('name')}={HIDDEN}", text)
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    return text


def credentials_in(location: str) -> str | None:
    """What credential a storage location (URI) carries, in words, or None: never the secret."""
    if _URL_CREDENTIALS.search(location):
        return "a user name, password or token in the URL"
    _, question, query = location.partition("?")
    parameter = _TOKEN_PARAMETER.search(question + query) if question else None
    if parameter:
        return f"the query parameter {parameter.group('name')}"
    variable = next((v for v in SECRET_VARIABLES if _holds_value_of(location, v)), None)
    return f"the value of {variable}" if variable else None


def _holds_value_of(text: str, variable: str) -> bool:
    value = os.environ.get(variable, "").strip()
    return len(value) >= MIN_SECRET and value in text


def known_secrets() -> list[str]:
    """Values of the secret environment variables, raw and stripped, longest first."""
    found: set[str] = set()
    for variable in SECRET_VARIABLES:
        value = os.environ.get(variable, "")
        found |= {form for form in (value, value.strip()) if len(form.strip()) >= MIN_SECRET}
    return sorted(found, key=lambda value: (-len(value), value))


def _hide_encoded(run: str, secrets: list[str]) -> str:
    """`***` for a base64 run whose text holds a secret or looks like `user:password`."""
    decoded = _decode(run)
    if decoded is None:
        return run
    if any(secret.strip() in decoded for secret in secrets) or redact_plain(decoded) != decoded:
        return HIDDEN
    user, colon, password = decoded.partition(":")
    if colon and user and password and decoded.isprintable() and " " not in decoded:
        return HIDDEN
    return run


def _decode(run: str) -> str | None:
    data = run.rstrip("=")
    alphabet = "-_" if ("-" in data or "_" in data) else "+/"
    if len(data) % 4 == 1 or (("-" in data or "_" in data) and ("+" in data or "/" in data)):
        return None
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4), altchars=alphabet.encode(), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def redact_plain(text: str) -> str:
    """The pattern-based part of `redact` (no base64), for text decoded from base64."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{HIDDEN}@", text)
    return _TOKEN_PARAMETER.sub(lambda m: f"{m.group('name')}={HIDDEN}", text)


def shorten(text: str, limit: int) -> str:
    """`text` redacted, then cut at a word boundary to at most `limit` characters, `...` included.

    Redacting first means a secret is never cut before it is recognised; cutting only between
    words means no prefix of an unrecognised token survives either.
    """
    text = redact(text)
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0) + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (text[:space].rstrip() if space > 0 else "") + ELLIPSIS


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


class ArgoCDError(ModelGitopsError):
    """The Argo CD API refused or failed a request (application health)."""


class GitLabError(ModelGitopsError):
    """The GitLab API refused or failed a request (merge requests, labels, notes, approvals)."""
