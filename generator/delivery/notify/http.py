"""The only module that posts notifications: Slack incoming webhooks and the generic JSON webhook.

Slack takes `{"text": ...}` (api.slack.com/messaging/webhooks: 200 `ok`, errors as 4xx with a
plain-text reason such as `invalid_payload` or `no_service`); the generic webhook takes the
message's JSON. One attempt with a short timeout: a notification must never hold up delivery.
"""

from __future__ import annotations

from typing import Any

import requests

from generator import __version__
from generator.delivery.notify import Message, NotifyError, Sender
from generator.errors import shorten

TIMEOUT = 10.0


def slack(url: str, message: Message) -> None:
    _post(url, {"text": message.text})


def webhook(url: str, message: Message) -> None:
    _post(url, message.payload())


SENDERS: dict[str, Sender] = {"slack": slack, "webhook": webhook}


def _post(url: str, payload: dict[str, Any]) -> None:
    headers = {"User-Agent": f"model-gitops/{__version__}"}
    try:
        answer = requests.post(url, json=payload, timeout=TIMEOUT, headers=headers)
    except requests.RequestException as exc:
        raise NotifyError(f"cannot reach it ({type(exc).__name__})") from None
    if not 200 <= answer.status_code < 300:
        said = shorten(" ".join(answer.text.split()), 120)
        raise NotifyError(f"it answered HTTP {answer.status_code}{': ' + said if said else ''}")
