"""The webhook receiver as a real process for tests and the benchmark, and crafted deliveries.

`start_receiver` runs `python -m generator webhook serve` in its own process group (stopped with
everything else by `Server.stop`). `WEBHOOK_MLFLOW_ENV` is what an MLflow server needs to call
a receiver on 127.0.0.1: MLflow only posts to https URLs on public addresses unless told
otherwise (`mlflow/utils/validation.py: _validate_webhook_url`, `mlflow/webhooks/ssrf.py`), and
it caches the webhook list for 60 s (`MLFLOW_WEBHOOK_CACHE_TTL`), which would hide a webhook
registered right after an event.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from generator.webhook.signature import sign
from tests.support.servers import Server, free_port

WEBHOOK_MLFLOW_ENV = {
    "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
    "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
    "MLFLOW_WEBHOOK_CACHE_TTL": "0",
}


@dataclass
class Receiver:
    server: Server
    base: str
    secret: str

    @property
    def url(self) -> str:
        return f"{self.base}/webhook"

    def stop(self) -> None:
        self.server.stop()

    def log(self) -> str:
        return self.server.log.read_text(errors="replace")

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = requests.get(f"{self.base}/metrics", timeout=10).text
        found = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return found

    def total(self, name: str, **labels: str) -> float:
        return sum(
            value
            for (sample, pairs), value in self.metrics().items()
            if sample == name and all(dict(pairs).get(k) == v for k, v in labels.items())
        )

    def post(self, body: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(self.url, data=body, headers=headers, timeout=10)

    def deliver(
        self,
        data: dict[str, object],
        entity: str = "model_version_alias",
        action: str = "created",
        delivery_id: str | None = None,
        sent: int | None = None,
        secret: str | None = None,
    ) -> tuple[requests.Response, bytes, dict[str, str]]:
        """A delivery crafted exactly like MLflow's sender; returns the response and what was sent."""
        body = json.dumps(
            {"entity": entity, "action": action, "timestamp": "2026-01-05T09:00:00+00:00", "data": data}
        )
        ident = delivery_id or str(uuid.uuid4())
        stamp = str(int(time.time()) if sent is None else sent)
        headers = {
            "Content-Type": "application/json",
            "X-MLflow-Delivery-Id": ident,
            "X-MLflow-Timestamp": stamp,
            "X-MLflow-Signature": sign(secret or self.secret, ident, stamp, body.encode()),
        }
        return self.post(body.encode(), headers), body.encode(), headers


def start_receiver(
    workdir: Path,
    repo: Path,
    tracking_uri: str,
    cache: Path,
    secret: str,
    *extra: str,
    env: dict[str, str] | None = None,
) -> Receiver:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "generator",
        "webhook",
        "serve",
        "--repo",
        str(repo),
        "--tracking-uri",
        tracking_uri,
    ]
    args += ["--cache-dir", str(cache), "--port", str(port), *extra]
    base = f"http://127.0.0.1:{port}"
    server = Server(args, workdir, f"{base}/healthz", {"MODEL_GITOPS_WEBHOOK_SECRET": secret, **(env or {})})
    server.start()
    return Receiver(server, base, secret)


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> object:
    """Poll `condition` until it is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
