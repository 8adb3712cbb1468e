"""Keep hostile traffic from flooding the log: at most one line per kind every few seconds.

Every refused delivery or request is counted in /metrics; the log only needs to show that it
happens and why. `Throttle.allow(key)` lets the first line of a kind through, then one every
`interval` seconds, and tells how many were held back in between (the line says so).
`ThrottleFilter` does the same for another library's log records (waitress's "connection limit
reached" warning would otherwise be written each time the limit is reached again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

INTERVAL = 10.0


class Throttle:
    """Per key: one line, then at most one every `interval` seconds. Thread-safe."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> int | None:
        """None: do not log now. Else log, mentioning the returned number of lines held back."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return None
            self._last[key] = now
            return self._held.pop(key, 0)


def held_back(count: int) -> str:
    """The suffix of a throttled line: how many like it were not written."""
    return f" (and {count} more like it since the last such line)" if count else ""


class ThrottleFilter(logging.Filter):
    """A logging filter that throttles records by their message template."""

    def __init__(self, throttle: Throttle | None = None) -> None:
        super().__init__()
        self.throttle = throttle or Throttle()

    def filter(self, record: logging.LogRecord) -> bool:
        held = self.throttle.allow(str(record.msg))
        if held is None:
            return False
        if held:
            record.msg = f"{record.msg}{held_back(held).replace('%', '%%')}"
        return True
