"""MLflow webhooks: create or update the one that points at the model-gitops receiver.

Through `MlflowClient.list_webhooks/create_webhook/update_webhook` (MLflow 3). Idempotent: the
webhook is found by name; an existing one is updated in place (URL, events, description, status,
and the secret, which MLflow never returns, so it is always written), otherwise one is created.
Failures become `RegistryError`s; a refused URL says which MLflow server settings allow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from generator.errors import RegistryError, redact, shorten
from generator.registry.reader import RegistryReader, _pages, translate_errors


@dataclass(frozen=True)
class WebhookSpec:
    """The webhook as it should be."""

    name: str
    url: str
    events: tuple[str, ...]
    secret: str
    description: str = ""


@dataclass(frozen=True)
class Registered:
    """What `ensure_webhook` did: `created` or `updated`, and the webhook as MLflow has it now."""

    action: str
    webhook_id: str
    name: str
    url: str
    events: tuple[str, ...]
    status: str
    duplicates: int = 0


def ensure_webhook(tracking_uri: str, spec: WebhookSpec) -> Registered:
    """Create the webhook named `spec.name`, or bring the existing one in line with `spec`."""
    with translate_errors(tracking_uri), _refused_url(spec.url):
        client = RegistryReader(tracking_uri).client
        same_name = [w for w in _pages(client.list_webhooks, max_results=100) if w.name == spec.name]
        events: list[Any] = list(spec.events)  # "entity.action" strings, as MLflow accepts them
        if same_name:
            current = same_name[0]  # newest first
            webhook = client.update_webhook(
                current.webhook_id,
                url=spec.url,
                events=events,
                description=spec.description,
                secret=spec.secret,
                status="ACTIVE",
            )
            action = "updated"
        else:
            webhook = client.create_webhook(
                spec.name, spec.url, events, description=spec.description, secret=spec.secret, status="ACTIVE"
            )
            action = "created"
    return Registered(
        action=action,
        webhook_id=str(webhook.webhook_id),
        name=str(webhook.name),
        url=str(webhook.url),
        events=tuple(sorted(str(e) for e in webhook.events)),
        status=str(webhook.status),
        duplicates=max(0, len(same_name) - 1),
    )


@contextmanager
def _refused_url(url: str) -> Iterator[None]:
    """Explain MLflow's refusal of a webhook URL (scheme or private address) with the fix."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        text = " ".join(str(exc.message).split())
        if "webhook url" not in text.lower():
            raise
        raise RegistryError(
            f"MLflow refused the webhook URL {redact(url)}: {shorten(text, 300)}",
            "MLflow accepts only https URLs on public addresses by default; to allow others, start "
            "the MLflow server with MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https and/or "
            "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true",
        ) from None
