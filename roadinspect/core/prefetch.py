"""Bounded, ordered overlap of work in threads: decode ahead of the consumer, never far ahead.

Pillow releases the GIL while it decodes a JPEG, torch / ONNX Runtime / OpenVINO while they
compute, numpy/scipy for most of the findings extraction: on a 2-core office PC, threads are enough
to keep both cores busy. :class:`Prefetcher` maps a function over items in a small thread pool, at
most ``depth`` items ahead of the consumer, and yields the results **in input order**; items are
pulled from the input iterable lazily on the consumer's thread. Use it to decode photos ahead of a
loop that consumes them one by one (``roadinspect segment``, evaluation); the analysis pipeline
(``roadinspect.core.pipeline``) chains its own stages (decode workers -> model thread -> findings
thread -> recording on the caller's thread) with the same rules: order kept, a bounded number of
photos in flight (memory flat in the batch size), errors re-raised where their item is taken.

:func:`default_workers` is the number of decode threads for this machine, :func:`findings_workers`
the number of findings threads beside them.
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
    """Decode workers for this machine: one per CPU beyond the model's, at least 1, at most 8.

    A 12 MP JPEG takes about 30 ms of one core at reduced size, so 1 worker feeds a CPU model (about
    10 photos/s on 2 cores) and 4-8 feed a GPU at 100 photos/s.
    """
    return max(1, min(8, (os.cpu_count() or 1) - 1))


def findings_workers(decode_workers: int) -> int:
    """Findings-extraction threads beside ``decode_workers`` decode threads: half as many, at least 1."""
    return max(1, decode_workers // 2)


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


__all__ = ["Prefetcher", "default_workers", "findings_workers"]
