"""Prefetcher: results in input order, bounded look-ahead, errors at the right item, clean stop."""

from __future__ import annotations

import threading
import time

import pytest

from roadinspect.core.prefetch import Prefetcher, default_workers


def test_results_come_in_input_order_whatever_the_finishing_order() -> None:
    def slow_for_even(i: int) -> int:
        time.sleep(0.02 if i % 2 == 0 else 0.0)
        return i * i

    with Prefetcher(slow_for_even, range(12), workers=3) as pre:
        assert list(pre) == [(i, i * i) for i in range(12)]


def test_items_are_pulled_lazily_and_at_most_depth_ahead() -> None:
    pulled: list[int] = []
    running = threading.Semaphore(0)

    def items():
        for i in range(100):
            pulled.append(i)
            yield i

    def work(i: int) -> int:
        running.release()
        return i

    with Prefetcher(work, items(), workers=2, depth=3) as pre:
        first = next(pre)
        assert first == (0, 0)
        assert len(pulled) <= 1 + 3 + 1  # the taken one, the look-ahead, the refill after taking
        assert pre.in_flight <= 3
        for _ in range(5):
            next(pre)
        assert len(pulled) <= 6 + 3 + 1


def test_an_error_is_raised_when_its_item_is_taken_and_earlier_results_survive() -> None:
    def work(i: int) -> int:
        if i == 3:
            raise ValueError("bad item 3")
        return i

    got = []
    with Prefetcher(work, range(6), workers=2) as pre, pytest.raises(ValueError, match="bad item 3"):
        for _item, result in pre:
            got.append(result)
    assert got == [0, 1, 2]


def test_close_cancels_what_has_not_started_and_joins_the_threads() -> None:
    started: list[int] = []
    first_started, gate = threading.Event(), threading.Event()

    def work(i: int) -> int:
        started.append(i)
        first_started.set()
        assert gate.wait(60)
        return i

    before = threading.active_count()
    pre = Prefetcher(work, range(50), workers=1, depth=10, name="test-prefetch")
    pre._fill()  # submit the look-ahead without taking anything
    queued = [future for _, future in pre._queue]
    assert first_started.wait(60)  # item 0 runs (and blocks); items 1-9 wait for the one worker

    def release_once_cancelled() -> None:
        # Let item 0 finish only after close() cancelled the rest, so no queued item can slip in between.
        while not all(f.cancelled() for f in queued[1:]):
            time.sleep(0.001)
        gate.set()

    releaser = threading.Thread(target=release_once_cancelled)
    releaser.start()
    pre.close()
    releaser.join()
    assert started == [0] and queued[0].result() == 0  # the queued ones were cancelled, not run
    assert not any(t.name.startswith("test-prefetch") for t in threading.enumerate())
    assert threading.active_count() <= before


def test_default_workers_leave_a_core_for_the_model() -> None:
    assert 1 <= default_workers() <= 4
    with pytest.raises(ValueError):
        Prefetcher(lambda i: i, [], workers=0)
