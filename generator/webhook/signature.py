"""Verify MLflow 3 webhook deliveries: HMAC signature, timestamp freshness, replayed ids.

MLflow signs each delivery the Standard Webhooks way (`mlflow/webhooks/delivery.py`): headers
`X-MLflow-Delivery-Id` (a UUID), `X-MLflow-Timestamp` (Unix seconds) and
`X-MLflow-Signature: v1,<base64 HMAC-SHA256>` over `"<delivery id>.<timestamp>.<body>"` with the
webhook's secret, where the body is the exact JSON text sent. A delivery is accepted only with a
valid signature, a timestamp within `tolerance` seconds of now (either way), and a delivery id
not seen before; ids are remembered for as long as their timestamp would still be accepted
(`replay.ReplayCache`: bounded, in memory and, given a `journal` file, on disk, so a captured
request cannot be sent again, not even after a restart). Only the headers and the raw body
bytes are looked at here: nothing of the body is parsed before its signature is known good.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.webhook.replay import ReplayCache, valid_id

SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_ID_HEADER = "X-MLflow-Delivery-Id"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = 300.0
__all__ = ["Rejected", "ReplayCache", "Verified", "Verifier", "load_secret", "sign"]


class Rejected(Exception):
    """A delivery that is not accepted; `reason` is a short label (also a metrics label)."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The `X-MLflow-Signature` value MLflow sends for this delivery."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


@dataclass(frozen=True)
class Verified:
    delivery_id: str
    timestamp: int


class Verifier:
    """Checks deliveries against one shared secret; thread-safe."""

    def __init__(
        self,
        secret: str,
        tolerance: float = DEFAULT_TOLERANCE,
        max_ids: int = 100_000,
        journal: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("the webhook secret is empty")
        self._secret = secret
        self.tolerance = tolerance
        # A delivery id is replayable while its timestamp is fresh: up to 2 x tolerance after now.
        self.seen = ReplayCache(2 * tolerance + 1, max_ids, journal, clock())

    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> Verified:
        """Accept the delivery (and remember its id) or raise `Rejected`."""
        lowered = {k.lower(): v for k, v in headers.items()}
        delivery_id = lowered.get(DELIVERY_ID_HEADER.lower(), "").strip()
        timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "").strip()
        signature = lowered.get(SIGNATURE_HEADER.lower(), "").strip()
        if not signature:
            raise Rejected("unsigned", f"no {SIGNATURE_HEADER} header (is the webhook's secret set?)")
        if not delivery_id or not timestamp:
            raise Rejected("malformed", f"missing {DELIVERY_ID_HEADER} or {TIMESTAMP_HEADER}")
        well_formed = timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
        if not valid_id(delivery_id) or not well_formed:
            raise Rejected("malformed", "delivery id or timestamp out of shape")
        if not self._matches(signature, delivery_id, timestamp, body):
            raise Rejected("bad_signature", "the signature does not match the body and the shared secret")
        sent = int(timestamp)
        if abs(now - sent) > self.tolerance:
            raise Rejected(
                "stale_timestamp", f"sent {now - sent:+.0f}s from now (tolerance {self.tolerance:.0f}s)"
            )
        if not self.seen.add(delivery_id, now):
            raise Rejected("replayed", f"delivery {delivery_id} was already received")
        return Verified(delivery_id, sent)

    def _matches(self, header: str, delivery_id: str, timestamp: str, body: bytes) -> bool:
        expected = sign(self._secret, delivery_id, timestamp, body).split(",", 1)[1]
        found = False
        for candidate in header.split():  # Standard Webhooks: space-separated "version,signature"
            version, _, value = candidate.partition(",")
            if version != SIGNATURE_VERSION:
                continue
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
            found |= hmac.compare_digest(value.encode(), expected.encode())
        return found


SECRET_VARIABLE = "MODEL_GITOPS_WEBHOOK_SECRET"  # noqa: S105 - the variable's name
MIN_SECRET = 16


def load_secret(environ: Mapping[str, str]) -> str:
    """The shared secret from `MODEL_GITOPS_WEBHOOK_SECRET` (never an option: it would show in `ps`)."""
    from generator.errors import ConfigError

    secret = environ.get(SECRET_VARIABLE, "").strip()
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{SECRET_VARIABLE} is not valid UTF-8", "set it to e.g. the output of `openssl rand -hex 32`"
        ) from None
    if len(secret) < MIN_SECRET:
        raise ConfigError(
            f"{SECRET_VARIABLE} is {'too short' if secret else 'not set'}",
            f"set it to a random string of at least {MIN_SECRET} characters, e.g. `openssl rand -hex 32`, "
            "the same for `webhook register` and `webhook serve`",
        )
    return secret
