"""Bounded, ordered overlap of work in threads: read and decode ahead, post-process behind.

The analysis of a batch is a chain of steps per photo: read + decode (Pillow releases the GIL while
decoding), the model (torch and ONNX Runtime release the GIL while computing), post-processing
(numpy/scipy/shapely, mostly outside the GIL) and recording (SQLite, on the caller's thread). On a
2-core office PC running them one after the other leaves a core idle most of the time; these two
helpers let the caller keep both busy without ever holding more than a few photos in memory:

* :class:`Prefetcher` maps a function over items in a small thread pool, at most ``depth`` items
  ahead of the consumer, and yields the results **in input order** (so resumable, in-order
  recording is unchanged). Items are pulled from the input iterable lazily, on the consumer's
  thread (so a database cursor or ``store.photo()`` calls stay on the thread that owns them).
* :class:`InOrder` is a bounded FIFO of pending results (futures or plain values) that releases
  them in the order they were added, as soon as the head is done.

Memory stays flat in the batch size: ``depth`` bounds the decoded images waiting for the model and
the ``limit`` of :class:`InOrder` bounds the segmentations waiting for post-processing.
Neither class swallows errors: an exception raised by a worker is re-raised when its result is
taken, so callers catch per-item failures inside the worker function and return them as values.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Decode workers for this machine: one per CPU beyond the model's, at least 1, at most 4."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


class Prefetcher(Generic[T, R]):
    """Apply ``fn`` to each item in ``workers`` threads, ``depth`` items ahead; yield ``(item, result)`` in order.

    Use as a context manager (or call :meth:`close`) so that pending work is cancelled and the
    threads are joined when the consumer stops early (cancel, error, crash).
    """

    def __init__(self, fn: Callable[[T], R], items: Iterable[T], workers: int = 1, depth: int | None = None,
                 name: str = "prefetch") -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._fn = fn
        self._items = iter(items)
        self._depth = max(1, depth if depth is not None else 2 * workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._queue: deque[tuple[T, Future[R]]] = deque()
        self._exhausted = False

    def _fill(self) -> None:
        while not self._exhausted and len(self._queue) < self._depth:
            try:
                item = next(self._items)
            except StopIteration:
                self._exhausted = True
                return
            self._queue.append((item, self._pool.submit(self._fn, item)))

    def __iter__(self) -> Iterator[tuple[T, R]]:
        return self

    def __next__(self) -> tuple[T, R]:
        self._fill()
        if not self._queue:
            raise StopIteration
        item, future = self._queue.popleft()
        result = future.result()
        self._fill()  # keep the workers busy while the consumer handles this result
        return item, result

    @property
    def in_flight(self) -> int:
        """Items submitted and not yet taken by the consumer."""
        return len(self._queue)

    def close(self) -> None:
        """Cancel what has not started, wait for what has, and free the threads."""
        for _, future in self._queue:
            future.cancel()
        self._queue.clear()
        self._exhausted = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Prefetcher[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InOrder(Generic[T]):
    """A FIFO of ``(key, pending result)``; results leave in the order they came in, once done.

    ``value`` may be a :class:`~concurrent.futures.Future` (taken when it is done) or any other
    object (done at once). ``limit`` is the most entries :meth:`ready` leaves pending: beyond it,
    it waits for the head.
    """

    def __init__(self, limit: int = 2) -> None:
        self.limit = max(0, limit)
        self._queue: deque[tuple[T, object]] = deque()

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: T, value: object) -> None:
        self._queue.append((key, value))

    def _head_done(self) -> bool:
        value = self._queue[0][1]
        return not isinstance(value, Future) or value.done()

    def _pop(self) -> tuple[T, object]:
        key, value = self._queue.popleft()
        return key, (value.result() if isinstance(value, Future) else value)

    def ready(self, wait: bool = False) -> Iterator[tuple[T, object]]:
        """Yield the finished head entries; wait for the head while more than ``limit`` are pending.

        With ``wait=True`` every entry is yielded (waiting as needed). A worker's exception is
        raised here, when its entry is taken.
        """
        while self._queue and (wait or len(self._queue) > self.limit or self._head_done()):
            yield self._pop()

    def cancel(self) -> None:
        """Forget every pending entry (futures not yet started are cancelled)."""
        for _, value in self._queue:
            if isinstance(value, Future):
                value.cancel()
        self._queue.clear()


__all__ = ["InOrder", "Prefetcher", "default_workers"]
