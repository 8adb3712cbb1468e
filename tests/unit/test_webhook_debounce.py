"""Debouncing: a burst becomes one batch; a trickle still runs within max_wait."""

from __future__ import annotations

import queue
import threading

import pytest

from generator.webhook.debounce import Debouncer


def test_nothing_pending_is_never_due() -> None:
    debouncer: Debouncer[str] = Debouncer(window=1.0, max_wait=10.0)
    assert debouncer.due_in(100.0) is None
    assert debouncer.take() == []


def test_burst_is_one_batch_due_after_the_quiet_window() -> None:
    debouncer: Debouncer[int] = Debouncer(window=1.0, max_wait=10.0)
    for i in range(20):
        debouncer.add(i, now=100.0 + i * 0.05)  # 20 events within one second
    last = 100.0 + 19 * 0.05
    assert debouncer.due_in(last) == pytest.approx(1.0)
    assert debouncer.due_in(last + 0.5) == pytest.approx(0.5)
    assert debouncer.due_in(last + 1.0) == 0.0
    assert debouncer.take() == list(range(20))
    assert debouncer.pending == 0 and debouncer.due_in(last + 5) is None


def test_steady_trickle_is_cut_at_max_wait() -> None:
    debouncer: Debouncer[int] = Debouncer(window=1.0, max_wait=3.0)
    for i in range(10):
        debouncer.add(i, now=100.0 + i * 0.5)  # never quiet for a whole second
        if 100.0 + i * 0.5 >= 103.0:
            break
    assert debouncer.due_in(103.0) == 0.0
    assert debouncer.take() == list(range(7))


def test_events_after_a_take_start_the_next_batch() -> None:
    debouncer: Debouncer[str] = Debouncer(window=0.5, max_wait=5.0)
    debouncer.add("a", now=0.0)
    assert debouncer.take() == ["a"]
    debouncer.add("b", now=10.0)
    assert debouncer.due_in(10.0) == pytest.approx(0.5)
    assert debouncer.take() == ["b"]


def test_invalid_windows_are_refused() -> None:
    with pytest.raises(ValueError):
        Debouncer(window=2.0, max_wait=1.0)
    with pytest.raises(ValueError):
        Debouncer(window=-1.0, max_wait=1.0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_next_batch_blocks_until_due_and_returns_none_when_closed() -> None:
    debouncer: Debouncer[str] = Debouncer(window=0.05, max_wait=1.0)
    got: queue.Queue[list[str] | None] = queue.Queue()

    def work() -> None:
        while (batch := debouncer.next_batch()) is not None:
            got.put(batch)
        got.put(None)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    for name in ("x", "y", "z"):
        debouncer.add(name)
    assert got.get(timeout=5) == ["x", "y", "z"]
    debouncer.add("w")
    assert got.get(timeout=5) == ["w"]
    debouncer.close()
    assert got.get(timeout=5) is None
    worker.join(5)
    assert not worker.is_alive()


def test_next_batch_returns_empty_after_an_idle_timeout() -> None:
    clock = FakeClock()
    debouncer: Debouncer[str] = Debouncer(window=1.0, max_wait=5.0, clock=clock)
    clock.now = 50.0
    assert debouncer.next_batch(timeout=0.0) == []
