"""The HTTP server in-process on 127.0.0.1: routes, answers, no Server header, a clean stop."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from generator.config import EnvironmentConfig
from generator.webhook.debounce import Debouncer
from generator.webhook.events import Filter
from generator.webhook.listener import Limits, WebhookServer
from generator.webhook.runner import FilterHolder
from generator.webhook.server import App, Receiver
from generator.webhook.signature import Verifier, sign
from generator.webhook.telemetry import Telemetry

SECRET = "listener-test-secret-0123456789"
ENVIRONMENTS = {
    "prod": EnvironmentConfig(namespace="models", alias="champion", models={"include": ["fraud-*"]})
}


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    receiver = Receiver(
        Verifier(SECRET),
        FilterHolder(Filter(ENVIRONMENTS)),
        Debouncer(window=60, max_wait=600),
        Telemetry("self-hosted"),
    )
    started = WebhookServer(App(receiver), "127.0.0.1", 0, Limits(max_connections=10)).start()
    try:
        yield started
    finally:
        started.stop()


def signed(model: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"entity": "model_version_alias", "action": "created", "data": {"name": model, "alias": "champion"}}
    ).encode()
    ident, stamp = str(uuid.uuid4()), str(int(time.time()))
    return body, {
        "X-MLflow-Delivery-Id": ident,
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(SECRET, ident, stamp, body),
    }


def post(url: str, model: str) -> requests.Response:
    body, headers = signed(model)
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_routes_and_answers(server: WebhookServer) -> None:
    base = server.url
    queued = post(f"{base}/webhook", "fraud-detector")
    assert (queued.status_code, queued.json()) == (202, {"status": "queued"})
    ignored = post(f"{base}/webhook", "other")
    assert ignored.json() == {"reason": "model_not_selected", "status": "ignored"}
    health = requests.get(f"{base}/healthz", timeout=10)
    assert health.json()["pending"] == 1
    metrics = requests.get(f"{base}/metrics", timeout=10)
    assert "model_gitops_webhook_events_received_total" in metrics.text
    assert requests.get(f"{base}/webhook", timeout=10).status_code == 405
    assert requests.post(f"{base}/healthz", timeout=10).status_code == 405
    assert requests.get(f"{base}/elsewhere", timeout=10).status_code == 404
    for response in (queued, ignored, health, metrics):
        assert "Server" not in response.headers


def test_stop_releases_the_port_for_a_restart(server: WebhookServer) -> None:
    port = server.port
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    server.stop()
    server.stop()  # twice is harmless
    again = WebhookServer(App(), "127.0.0.1", port)
    again.stop()
