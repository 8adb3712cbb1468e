"""Fold bursts of events into one batch (one run), with a bounded wait.

A batch becomes due `window` seconds after its latest event (the burst went quiet) or `max_wait`
seconds after its first (a steady trickle still runs). Events arriving while a run is in progress
collect in the next batch, so a burst of N alias moves costs one or two runs, never N.
The timing logic takes `now` as an argument (testable without sleeping); `next_batch` blocks
on a condition variable for the runner thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Debouncer(Generic[T]):
    """Thread-safe pending batch with quiet-window and max-wait deadlines."""

    def __init__(self, window: float, max_wait: float, clock: Callable[[], float] = time.monotonic) -> None:
        if window < 0 or max_wait < window:
            raise ValueError("need 0 <= window <= max_wait")
        self.window = window
        self.max_wait = max_wait
        self.clock = clock
        self._items: list[T] = []
        self._first: float | None = None
        self._last: float | None = None
        self._closed = False
        self._changed = threading.Condition()

    def add(self, item: T, now: float | None = None) -> None:
        moment = self.clock() if now is None else now
        with self._changed:
            if self._first is None:
                self._first = moment
            self._last = moment
            self._items.append(item)
            self._changed.notify_all()

    def due_in(self, now: float) -> float | None:
        """Seconds until the pending batch is due (0: due now); None when nothing is pending."""
        with self._changed:
            return self._due_in(now)

    def take(self) -> list[T]:
        """The pending batch (possibly empty); the next one starts empty."""
        with self._changed:
            items, self._items = self._items, []
            self._first = self._last = None
            return items

    @property
    def pending(self) -> int:
        return len(self._items)

    def close(self) -> None:
        """Wake `next_batch` for good (shutdown)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def next_batch(self, timeout: float | None = None) -> list[T] | None:
        """Block until a batch is due and return it; [] after `timeout` idle seconds; None once closed."""
        give_up = None if timeout is None else self.clock() + timeout
        with self._changed:
            while not self._closed:
                now = self.clock()
                wait = self._due_in(now)
                if wait is not None and wait <= 0:
                    items, self._items = self._items, []
                    self._first = self._last = None
                    return items
                if wait is None and give_up is not None:
                    if now >= give_up:
                        return []
                    wait = give_up - now
                self._changed.wait(timeout=wait)
            return None

    def _due_in(self, now: float) -> float | None:
        if self._first is None or self._last is None:
            return None
        deadline = min(self._last + self.window, self._first + self.max_wait)
        return max(0.0, deadline - now)
