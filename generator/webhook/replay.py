"""Delivery ids already accepted, kept while they could be replayed, in memory and in a journal.

A captured delivery could be sent again as long as its timestamp passes the freshness check, so
its id is remembered until then (`ttl`). The ids live in memory, bounded (`max_entries`, oldest
dropped first), and, when the receiver has a cache directory, in an append-only journal there
(`<cache-dir>/webhook/replay-<port>.log`, one `<expires> <id>` line per accepted delivery), so a
delivery replayed after a restart is refused too. At start the journal is read line by line:
lines that do not parse (a crash mid-write, a corrupt or foreign file) are skipped and counted,
expired ids are dropped, and the file is rewritten compacted; it is compacted again whenever it
holds twice `max_entries` lines. Ids are visible ASCII without spaces (the verifier refuses other
ids before they get here), so a line cannot be split or forged. If the journal cannot be read or
written, the cache carries on in memory and says why (a warning in the log, and `problems`):
replay protection across restarts is lost, within one run it is not.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from generator.printable import printable

log = logging.getLogger("model_gitops.webhook")
MAX_JOURNAL_BYTES = 64 * 1024 * 1024  # far above 100,000 lines of at most ~220 bytes


class ReplayCache:
    """Delivery ids seen recently, bounded in size, persisted to `journal` when given."""

    def __init__(
        self, ttl: float, max_entries: int = 100_000, journal: Path | None = None, now: float | None = None
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.journal = journal
        self.problems: list[str] = []
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._lines = 0
        if journal is not None:
            self._load(time.time() if now is None else now)

    def add(self, delivery_id: str, now: float) -> bool:
        """Remember `delivery_id`; False if it was already there (a replay)."""
        with self._lock:
            self._expire(now)
            if delivery_id in self._seen:
                return False
            expires = now + self.ttl
            self._seen[delivery_id] = expires
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
            self._append(delivery_id, expires)
            return True

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires > now:
                return
            del self._seen[oldest]

    def _load(self, now: float) -> None:
        assert self.journal is not None
        if self.journal.exists() and not self.journal.is_file():
            self._give_up(f"{self.journal} is not a regular file")
            return
        try:
            with self.journal.open("rb") as handle:
                raw = handle.read(MAX_JOURNAL_BYTES)
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            self._give_up(f"could not read {self.journal}: {exc.strerror or exc}")
            return
        lines = raw.split(b"\n")
        skipped = 1 if lines.pop() else 0  # text after the last newline: a write cut short
        entries: list[tuple[float, str]] = []
        for line in lines:
            if not line:
                continue
            entry = _parse(line)
            if entry is None:
                skipped += 1
            elif entry[0] > now:
                entries.append(entry)
        if skipped:
            self._problem(f"skipped {skipped} unreadable line(s) of {self.journal}")
        for expires, delivery_id in sorted(entries)[-self.max_entries :]:
            self._seen[delivery_id] = expires
        self._compact()

    def _append(self, delivery_id: str, expires: float) -> None:
        if self.journal is None:
            return
        if self._lines >= 2 * self.max_entries:
            self._compact()
            return
        try:
            with self.journal.open("a", encoding="ascii") as handle:
                handle.write(f"{math.ceil(expires)} {delivery_id}\n")
            self._lines += 1
        except OSError as exc:
            self._give_up(f"could not write {self.journal}: {exc.strerror or exc}")

    def _compact(self) -> None:
        """Rewrite the journal with what is in memory (atomically: write, then rename)."""
        if self.journal is None:
            return
        text = "".join(f"{math.ceil(expires)} {key}\n" for key, expires in self._seen.items())
        partial = self.journal.with_name(f"{self.journal.name}.{os.getpid()}.tmp")
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(text, encoding="ascii")
            partial.replace(self.journal)
            self._lines = len(self._seen)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            self._give_up(f"could not write {self.journal}: {exc.strerror or exc}")

    def _give_up(self, why: str) -> None:
        self._problem(f"{why}; delivery ids are kept in memory only (a restart forgets them)")
        self.journal = None

    def _problem(self, text: str) -> None:
        self.problems.append(text)
        log.warning("replay cache: %s", printable(text))


def _parse(line: bytes) -> tuple[float, str] | None:
    """`(expires, id)` from one journal line, or None when it is not one."""
    stamp, _, delivery_id = line.partition(b" ")
    if not stamp.isdigit() or len(stamp) > 12 or not valid_id(delivery_id):
        return None
    return float(int(stamp)), delivery_id.decode("ascii")


MAX_DELIVERY_ID = 200


def valid_id(delivery_id: bytes | str) -> bool:
    """A delivery id as MLflow sends them (a UUID): 1-200 visible ASCII characters, no spaces."""
    raw = delivery_id.encode("utf-8", "replace") if isinstance(delivery_id, str) else delivery_id
    return 0 < len(raw) <= MAX_DELIVERY_ID and all(0x21 <= b <= 0x7E for b in raw)
