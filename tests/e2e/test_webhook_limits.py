"""The receiver under hostile and heavy traffic on 127.0.0.1: a real `webhook serve` process.

Each test is bounded in connections and seconds and stops by itself. What is asserted is the
bounded behaviour (connections held, memory, every signed delivery answered, no traceback),
never a timing. The receiver filters for a model prefix nothing here uses, so signed deliveries
are answered 200 `ignored` and no sync runs (the tracking URI is never contacted).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support.gitops import GitopsRepo
from tests.support.receiver import Receiver, exchange, raw_request, signed_delivery, start_receiver

pytestmark = pytest.mark.e2e

SECRET = f"limits-{uuid.uuid4().hex}"
MIB = 1024 * 1024
IGNORED = {"name": "unselected-model", "alias": "champion", "version": "1"}
REJECTED = "model_gitops_webhook_events_rejected_total"
RECEIVED = "model_gitops_webhook_events_received_total"


def serve(gitops: GitopsRepo, workdir: Path, cache: Path, *extra: str, port: int | None = None) -> Receiver:
    if not (gitops.worktree / "environments" / "prod.yaml").exists():
        environment = "namespace: models\nalias: champion\nmodels:\n  include: [limits-*]\n"
        gitops.write_environment("prod", environment)
    return start_receiver(
        workdir, gitops.worktree, "http://127.0.0.1:9", cache, SECRET, "--no-catch-up", *extra, port=port
    )


@pytest.fixture
def receiver(gitops: GitopsRepo, tmp_path: Path) -> Iterator[Receiver]:
    started = serve(gitops, tmp_path / "receiver", tmp_path / "cache", "--max-connections", "50")
    try:
        yield started
    finally:
        started.stop()
    assert "Traceback" not in started.log(), started.log()[-3000:]


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def test_hostile_requests_get_4xx_never_a_traceback(receiver: Receiver) -> None:
    body, headers = signed_delivery(SECRET, IGNORED)
    deep = b"[" * 200_000 + b"]" * 200_000
    unsigned = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    _, signed_deep_headers = signed_delivery(SECRET, IGNORED)
    signed_deep_headers["X-MLflow-Signature"] = _resign(signed_deep_headers, deep)
    answers = exchange(
        receiver.port,
        [
            raw_request("/webhook", body, headers, length=b"\xb2"),  # Content-Length: superscript two
            raw_request("/webhook", body, headers, length="²".encode()),
            raw_request("/webhook", body, headers, length=b"-1"),
            raw_request("/webhook", deep, unsigned),
            raw_request("/webhook", deep, headers),  # signed for another body
            raw_request("/webhook", deep, signed_deep_headers),
            raw_request("/webhook", b"{}", {"X-Pad": "a" * (128 * 1024)}),
            raw_request("/webhook", b"", {}, length=str(MIB + 1).encode()),
        ],
        deadline=60,
    )
    statuses = [status(a) for a in answers]
    # Headers over the limit: answered 431 and closed at once, so the kernel may reset the
    # connection (unread headers) before the client reads the answer; it is counted either way.
    assert statuses[6] in (431, 0)
    assert statuses[:6] + statuses[7:] == [400, 400, 400, 401, 401, 400, 413]
    for answer in answers:
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert b"server:" not in head and b"python" not in head and b"waitress" not in answer.lower()
    assert receiver.total(RECEIVED) == 1  # only the signed (deep, malformed) one
    assert receiver.total(REJECTED, reason="bad_request") == 3
    assert receiver.total(REJECTED, reason="unsigned") == 1
    assert receiver.total(REJECTED, reason="bad_signature") == 1
    assert receiver.total(REJECTED, reason="malformed") == 1
    assert receiver.total(REJECTED, reason="too_large") == 2
    assert receiver.deliver(IGNORED)[0].status_code == 200  # still serving


def _resign(headers: dict[str, str], body: bytes) -> str:
    from generator.webhook.signature import sign

    return sign(SECRET, headers["X-MLflow-Delivery-Id"], headers["X-MLflow-Timestamp"], body)


def test_a_burst_of_500_concurrent_signed_deliveries_is_answered(receiver: Receiver) -> None:
    payloads = [raw_request("/webhook", *signed_delivery(SECRET, IGNORED)) for _ in range(500)]
    answers = exchange(receiver.port, payloads, deadline=120)
    assert [status(a) for a in answers].count(200) == 500
    assert receiver.total(RECEIVED) == 500
    assert receiver.total("model_gitops_webhook_events_ignored_total") == 500


class SlowClients:
    """`count` connections that hold a slot: half send most of a 1 MiB body and stop, half trickle
    header bytes; each reconnects when the server cuts it off, until `stop`."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.cut_off = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _open(self, index: int) -> tuple[socket.socket, memoryview]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", self.port))
        head = b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % MIB
        if index % 2:
            return sock, memoryview(head + b"x" * (MIB - 1))  # everything but the last byte
        return sock, memoryview(b"POST /webhook HTTP/1.1\r\nX-Pad: " + b"a" * 10_000)  # never ends

    def _run(self) -> None:
        clients = [self._open(i) for i in range(self.count)]
        while not self._stop.is_set():
            for index, (sock, left) in enumerate(clients):
                trickle = index % 2 == 0
                try:
                    if left:
                        sent = sock.send(left[:1] if trickle else left)
                        left = left[sent:]
                    elif sock.recv(1, socket.MSG_PEEK) == b"":
                        raise ConnectionResetError
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    sock.close()
                    self.cut_off += 1
                    sock, left = self._open(index)
                clients[index] = (sock, left)
            time.sleep(0.05)
        for sock, _ in clients:
            sock.close()


def test_slow_clients_hold_bounded_memory_and_deliveries_are_still_answered(
    gitops: GitopsRepo, tmp_path: Path
) -> None:
    receiver = serve(
        gitops, tmp_path / "r", tmp_path / "cache", "--max-connections", "50", "--read-timeout", "1"
    )
    try:
        process = psutil.Process(receiver.pid)
        baseline = process.memory_info().rss
        peak_rss, peak_connections = baseline, 0
        answer: dict[str, object] = {}

        def deliver() -> None:
            answer["status"] = receiver.deliver(IGNORED)[0].status_code
            answer["during_attack"] = not finished.is_set()

        finished = threading.Event()
        delivery = threading.Thread(target=deliver)
        with SlowClients(receiver.port, 300) as attack:
            for round_ in range(150):  # ~15 s of attack, sampled every 0.1 s
                if round_ == 20:
                    delivery.start()
                peak_rss = max(peak_rss, process.memory_info().rss)
                established = [
                    c
                    for c in process.net_connections(kind="tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == receiver.port
                ]
                peak_connections = max(peak_connections, len(established))
                time.sleep(0.1)
            finished.set()
            cut_off = attack.cut_off
        delivery.join(60)
        timeouts = receiver.total(REJECTED, reason="timeout")
    finally:
        receiver.stop()
    print(
        f"RSS {baseline / MIB:.0f} -> peak {peak_rss / MIB:.0f} MiB; at most {peak_connections} connections "
        f"held; {cut_off} slow requests cut off ({timeouts:.0f} counted); delivery: {answer}"
    )
    assert answer.get("status") == 200  # the signed delivery got through the attack
    assert peak_connections <= 50  # never more than --max-connections held
    assert peak_rss - baseline < 64 * MIB  # 150 slow 1 MiB bodies held whole would be 150 MiB
    assert cut_off >= 50  # slow requests were cut off at the read timeout and slots reused
    assert timeouts >= 50  # and counted as rejected{reason="timeout"}
    assert "Traceback" not in receiver.log()


def test_a_delivery_replayed_after_a_restart_is_refused(gitops: GitopsRepo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = serve(gitops, tmp_path / "first", cache)
    try:
        response, body, headers = first.deliver(IGNORED)
        assert response.status_code == 200
    finally:
        first.stop()
    journal = cache / "webhook" / f"replay-{first.port}.log"
    assert headers["X-MLflow-Delivery-Id"] in journal.read_text()
    second = serve(gitops, tmp_path / "second", cache, port=first.port)
    try:
        replay = second.post(body, headers)
        assert (replay.status_code, replay.json()["reason"]) == (409, "replayed")
        assert second.deliver(IGNORED)[0].status_code == 200
    finally:
        second.stop()
    journal.write_bytes(b"\x00\xff garbage\n" + b"9" * 5000 + b" x\n" + journal.read_bytes()[:-3])
    third = serve(gitops, tmp_path / "third", cache, port=first.port)
    try:
        replay = third.post(body, headers)
        assert (replay.status_code, replay.json()["reason"]) == (409, "replayed")
    finally:
        third.stop()
    assert "replay cache: skipped 3 unreadable line(s)" in third.log()
    assert "Traceback" not in third.log()
