"""`model-gitops webhook register`: the webhook MLflow should have, then make it so.

The webhook is named (default `model-gitops`), points at the receiver's public URL, subscribes
to the events that can change a deployment (`events.RELEVANT`) and signs with the shared secret.
Running it again updates the same webhook (idempotent); `generator.registry.webhooks` does the
MLflow calls.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from generator.errors import ConfigError
from generator.printable import printable
from generator.registry.webhooks import Registered, WebhookSpec, ensure_webhook
from generator.webhook.events import RELEVANT

DEFAULT_NAME = "model-gitops"
DESCRIPTION = "model-gitops: registry events trigger a sync (model-gitops webhook serve)"


def desired(
    url: str, secret: str, name: str = DEFAULT_NAME, events: tuple[str, ...] = RELEVANT
) -> WebhookSpec:
    """The webhook spec, checked: an http(s) URL with a host, known events, a name."""
    parts = _split(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--url {url!r} is not an http(s) URL", "pass the receiver's URL as MLflow reaches it"
        )
    if parts.username or parts.password:
        raise ConfigError("--url must not carry credentials", "the shared secret signs every delivery")
    unknown = sorted(set(events) - set(RELEVANT))
    if unknown:
        raise ConfigError(
            f"unknown webhook events {', '.join(unknown)}", f"choose from {', '.join(RELEVANT)}"
        )
    if not name.strip():
        raise ConfigError("the webhook name is empty")
    return WebhookSpec(name.strip(), url, tuple(events), secret, DESCRIPTION)


def _split(url: str) -> SplitResult | None:
    """The parts of `url`, or None when it cannot be parsed (`[::1`, a port out of range)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in 0-65535
    except ValueError:
        return None
    return parts


def register(tracking_uri: str, spec: WebhookSpec) -> Registered:
    """Create or update the webhook in the registry at `tracking_uri`."""
    return ensure_webhook(tracking_uri, spec)


def describe(done: Registered) -> str:
    """One line on what was done (registry text escaped by `printable`)."""
    extra = f" ({done.duplicates} more with the same name left alone)" if done.duplicates else ""
    return printable(
        f"webhook {done.name!r} {done.action} ({done.webhook_id}): {done.url}, {done.status}, "
        f"events {', '.join(done.events)}{extra}"
    )
