"""The replay cache survives a restart (a journal file), stays bounded, and shrugs off corruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.webhook.replay import ReplayCache
from generator.webhook.signature import Rejected, Verifier, sign

SECRET = "s3cret-s3cret-s3cret"
SENT = 1767603600
BODY = b'{"entity": "model_version_alias", "action": "created", "data": {"name": "m", "alias": "a"}}'


def headers(delivery: str, sent: int = SENT) -> dict[str, str]:
    return {
        "X-MLflow-Delivery-Id": delivery,
        "X-MLflow-Timestamp": str(sent),
        "X-MLflow-Signature": sign(SECRET, delivery, str(sent), BODY),
    }


def verifier(journal: Path, now: float = SENT) -> Verifier:
    return Verifier(SECRET, tolerance=300, journal=journal, clock=lambda: now)


def reason(v: Verifier, delivery: str, now: float = SENT) -> str | None:
    try:
        v.verify(headers(delivery), BODY, now)
    except Rejected as rejected:
        return rejected.reason
    return None


def test_a_delivery_replayed_after_a_restart_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "cache" / "webhook" / "replay-8787.log"
    assert reason(verifier(journal), "delivery-1") is None
    restarted = verifier(journal, SENT + 10)
    assert reason(restarted, "delivery-1", SENT + 10) == "replayed"
    assert reason(restarted, "delivery-2", SENT + 10) is None
    again = verifier(journal, SENT + 20)
    assert reason(again, "delivery-2", SENT + 20) == "replayed"


def test_ids_are_forgotten_once_their_timestamp_would_be_stale(tmp_path: Path) -> None:
    journal = tmp_path / "replay.log"
    verifier(journal).verify(headers("old"), BODY, SENT)
    later = SENT + 2 * 300 + 2
    cache = ReplayCache(ttl=2 * 300 + 1, journal=journal, now=later)
    assert len(cache) == 0
    assert journal.read_text() == ""  # compacted at load


def test_journal_and_memory_stay_bounded(tmp_path: Path) -> None:
    journal = tmp_path / "replay.log"
    cache = ReplayCache(ttl=1000, max_entries=10, journal=journal, now=0)
    for i in range(100):
        assert cache.add(f"id-{i}", now=i)
    assert len(cache) == 10
    assert len(journal.read_text().splitlines()) <= 2 * 10 + 1  # compacted as it grows
    reloaded = ReplayCache(ttl=1000, max_entries=10, journal=journal, now=100)
    assert len(reloaded) == 10
    assert not reloaded.add("id-99", now=101)  # the newest are remembered
    assert reloaded.add("id-5", now=101)  # the oldest were dropped for size


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff\xfe binary garbage \x80\n",
        b"not-a-number id-1\n",
        b"1767604201\n",  # no id
        b"9" * 5000 + b" id-1\n",  # more digits than int() accepts
        b"nan id-1\ninf id-2\n-5 id-3\n1e400 id-4\n",
        b"1767604201 id with spaces\n",
        b"1767604201 \xc3\x28\n",  # invalid UTF-8
        b"1767604201 keep-me\n1767604201 half-written",  # a line cut short by a crash
    ],
)
def test_a_corrupt_journal_is_skipped_line_by_line(tmp_path: Path, content: bytes) -> None:
    journal = tmp_path / "replay.log"
    journal.write_bytes(content)
    v = verifier(journal)
    assert reason(v, "fresh-delivery") is None
    assert reason(v, "fresh-delivery") == "replayed"
    if b"keep-me" in content:
        assert not v.seen.add("keep-me", SENT)
    assert v.seen.problems and "skipped" in v.seen.problems[0]


def test_an_unusable_journal_path_leaves_the_cache_in_memory(tmp_path: Path) -> None:
    directory = tmp_path / "replay.log"
    directory.mkdir()  # a directory where the file should be
    v = verifier(directory)
    assert reason(v, "d-1") is None and reason(v, "d-1") == "replayed"
    assert v.seen.problems
    blocked = tmp_path / "file"
    blocked.write_text("")
    w = verifier(blocked / "replay.log")  # its parent is a file
    assert reason(w, "d-1") is None and reason(w, "d-1") == "replayed"
    assert w.seen.problems and "in memory" in w.seen.problems[-1]
