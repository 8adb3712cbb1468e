"""The webhook receiver as a real process for tests and the benchmark, and crafted deliveries.

`start_receiver` runs `python -m generator webhook serve` in its own process group (stopped with
everything else by `Server.stop`). `WEBHOOK_MLFLOW_ENV` is what an MLflow server needs to call
a receiver on 127.0.0.1: MLflow only posts to https URLs on public addresses unless told
otherwise (`mlflow/utils/validation.py: _validate_webhook_url`, `mlflow/webhooks/ssrf.py`), and
it caches the webhook list for 60 s (`MLFLOW_WEBHOOK_CACHE_TTL`), which would hide a webhook
registered right after an event. `exchange` sends many raw requests at once (load tests).
"""

from __future__ import annotations

import json
import selectors
import socket
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

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    @property
    def pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

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
        body, headers = signed_delivery(secret or self.secret, data, entity, action, delivery_id, sent)
        return self.post(body, headers), body, headers


def signed_delivery(
    secret: str,
    data: dict[str, object],
    entity: str = "model_version_alias",
    action: str = "created",
    delivery_id: str | None = None,
    sent: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers MLflow's sender would send for `data`."""
    body = json.dumps(
        {"entity": entity, "action": action, "timestamp": "2026-01-05T09:00:00+00:00", "data": data}
    ).encode()
    ident = delivery_id or str(uuid.uuid4())
    stamp = str(int(time.time()) if sent is None else sent)
    headers = {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": ident,
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(secret, ident, stamp, body),
    }
    return body, headers


def raw_request(path: str, body: bytes, headers: dict[str, str], length: bytes | None = None) -> bytes:
    """An HTTP/1.1 POST as bytes; `length` replaces the Content-Length value (hostile requests)."""
    lines = [f"POST {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    lines += [f"{k}: {v}".encode() for k, v in headers.items()]
    lines.append(b"Content-Length: " + (length if length is not None else str(len(body)).encode()))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def start_receiver(
    workdir: Path,
    repo: Path,
    tracking_uri: str,
    cache: Path,
    secret: str,
    *extra: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
    module: str = "generator",
) -> Receiver:
    """`python -m generator webhook serve` (or another `module` taking the same arguments), ready."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        module,
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


def exchange(port: int, payloads: list[bytes], deadline: float) -> list[bytes]:
    """Send each payload on its own connection, all at once (non-blocking), and return what each
    connection got back before the server closed it or `deadline` seconds passed."""
    chosen = selectors.DefaultSelector()
    answers = [bytearray() for _ in payloads]
    for index, payload in enumerate(payloads):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        chosen.register(sock, selectors.EVENT_WRITE, [index, memoryview(payload)])
    give_up = time.monotonic() + deadline
    try:
        while chosen.get_map() and time.monotonic() < give_up:
            for key, _ in chosen.select(timeout=0.5):
                sock, state = key.fileobj, key.data
                assert isinstance(sock, socket.socket)
                if not _step(sock, state, answers[state[0]]):
                    chosen.unregister(sock)
                    sock.close()
                elif not state[1]:
                    chosen.modify(sock, selectors.EVENT_READ, state)
    finally:
        for key in list(chosen.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        chosen.close()
    return [bytes(answer) for answer in answers]


def _step(sock: socket.socket, state: list, answer: bytearray) -> bool:
    """Send what is left or read what came; False once the connection is over."""
    try:
        if state[1]:
            state[1] = state[1][sock.send(state[1]) :]
            return True
        chunk = sock.recv(65536)
    except BlockingIOError:
        return True
    except OSError:
        return False
    answer += chunk
    return bool(chunk)
