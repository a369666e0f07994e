"""The one background-task helper: run a core function in a background thread, report to the GUI thread.

A core function that does long work takes two keyword callables, ``progress`` and ``is_cancelled``
(see ``roadinspect.core.pipeline.analyze``). :class:`Task` runs such a function off the GUI thread and
turns those callbacks into Qt signals delivered in the GUI thread (queued connections):

* ``progress(ProgressInfo)``: count, total, rate and ETA, plus whatever extra payload the core passed;
  throttled so that a fast loop cannot flood the event loop (the last update is never dropped);
* ``result(object)``: the function's return value;
* ``error(str, str)``: a one-line message and the traceback, when the function raised;
* ``finished()``: always last, whatever happened (also after a cancel).

``cancel()`` only sets a flag that the function polls through ``is_cancelled``: the function stops at
its next safe point and returns (or raises :class:`Cancelled`), so nothing is ever half-written.
The pattern follows Orange3's ``concurrent.py`` (``TaskState`` + ``FutureWatcher``).

Threads: the functions run on a pool of *Python-created* threads (``concurrent.futures``), not on
``QThreadPool``. pyproj 3.7 (the last release for Python 3.11) keeps its PROJ context in thread-local
storage that is only valid in threads Python created; in threads Qt creates it crashes the process
(pyproj issue #1509, fixed after 3.7.2), and the core uses pyproj for every metric measure. Qt delivers
the signals emitted from these threads to the GUI thread through queued connections all the same.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

_THROTTLE_S = 0.05
_POOL_SIZE = 4
BACKGROUND_NICE = 5
"""How much lower (Linux nice steps) background threads run than the window."""
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def default_pool() -> Executor:
    """The shared pool of background threads (created on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_POOL_SIZE, thread_name_prefix="roadinspect-task")
        return _pool


class Cancelled(Exception):
    """Raised by a task function that stops because :meth:`Task.cancel` was called."""


@dataclass(frozen=True)
class ProgressInfo:
    """One progress report: ``done`` of ``total`` items, measured rate (items/s) and ETA (s).

    ``rate`` and ``eta_s`` are ``None`` until at least one item is done. ``payload`` holds any extra
    positional arguments the core function gave its ``progress`` callback (e.g. the photo just done).
    """

    done: int
    total: int | None
    elapsed_s: float
    rate: float | None = None
    eta_s: float | None = None
    payload: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def fraction(self) -> float | None:
        """``done / total`` in [0, 1], or ``None`` when the total is unknown."""
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


_lowered = threading.local()


def lower_thread_priority() -> bool:
    """Give the calling thread (and the threads it starts, on Linux) a lower OS priority than the window's.

    Background work then yields the CPU to the GUI thread when the machine is busy, so the window stays
    responsive; it costs nothing when a core is free. Windows: ``THREAD_PRIORITY_BELOW_NORMAL``; Linux:
    the thread's nice value + ``BACKGROUND_NICE`` (inherited by threads it creates, e.g. the model's
    thread pool); elsewhere nothing. True when the priority was lowered.
    """
    if getattr(_lowered, "done", False):
        return True
    _lowered.done = True
    try:
        if sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]  # Windows only
            return bool(kernel32.SetThreadPriority(kernel32.GetCurrentThread(), -1))  # BELOW_NORMAL
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE))
            return True
    except (OSError, AttributeError, ValueError):
        return False
    return False


def _run(task: Task, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Call the function in a pool thread and report how it ended (never raises)."""
    if os.environ.get("ROADINSPECT_BACKGROUND_PRIORITY", "low") == "low":
        lower_thread_priority()
    try:
        value = fn(*args, progress=task._report, is_cancelled=task.is_cancelled, **kwargs)
    except Cancelled:
        task._flush()
        task._emit_finished()
        return
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, never vanish
        task._flush()
        message = str(exc) or type(exc).__name__
        task.error.emit(message, "".join(traceback.format_exception(exc)))
        task._emit_finished()
        return
    task._flush()
    if not task.is_cancelled():
        task.result.emit(value)
    task._emit_finished()


class Task(QObject):
    """One run of a core function in the thread pool (create one per run; see the module docstring)."""

    progress = Signal(object)
    result = Signal(object)
    error = Signal(str, str)
    finished = Signal()

    def __init__(self, name: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._started_at = 0.0
        self._last_emit = 0.0
        self._pending: ProgressInfo | None = None
        self._lock = threading.Lock()
        self._running = False
        self.finished.connect(self._on_finished)

    # ------------------------------------------------------------------ control
    def start(self, fn: Callable[..., Any], *args: Any, pool: Executor | None = None, **kwargs: Any) -> Task:
        """Run ``fn(*args, progress=..., is_cancelled=..., **kwargs)`` in ``pool`` (default: :func:`default_pool`)."""
        if self._running:
            raise RuntimeError(f"task {self.name!r} is already running")
        self._running = True
        self._cancel.clear()
        self._done.clear()
        self._started_at = time.monotonic()
        (pool or default_pool()).submit(_run, self, fn, args, kwargs)
        return self

    def cancel(self) -> None:
        """Ask the function to stop at its next check of ``is_cancelled`` (returns at once)."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """True once :meth:`cancel` was called (the ``is_cancelled`` callable given to the function)."""
        return self._cancel.is_set()

    def is_running(self) -> bool:
        """True from :meth:`start` until ``finished`` was delivered in the GUI thread."""
        return self._running

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the function returned (not until signals were delivered); True if it did."""
        return self._done.wait(timeout_s)

    # ------------------------------------------------------------------ worker side
    def _report(self, done: float, total: float | None = None, *payload: Any) -> None:
        """The ``progress`` callable given to the function: ``progress(done, total, *payload)``."""
        now = time.monotonic()
        elapsed = now - self._started_at
        rate = eta = None
        if done and elapsed > 0:
            rate = done / elapsed
            if total:
                eta = max(0.0, (total - done) / rate)
        info = ProgressInfo(int(done), int(total) if total is not None else None, elapsed, rate, eta, payload)
        with self._lock:
            # Reports that carry a payload (a finished photo) are always delivered; bare counters are throttled.
            if payload or now - self._last_emit >= _THROTTLE_S:
                self._pending = None
                self._last_emit = now
            else:
                self._pending = info
                return
        self.progress.emit(info)

    def _flush(self) -> None:
        with self._lock:
            info, self._pending = self._pending, None
        if info is not None:
            self.progress.emit(info)

    def _emit_finished(self) -> None:
        self._done.set()
        self.finished.emit()

    def _on_finished(self) -> None:
        self._running = False


def run_task(
    fn: Callable[..., Any],
    *args: Any,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    on_progress: Callable[[ProgressInfo], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    name: str = "",
    parent: QObject | None = None,
    pool: Executor | None = None,
    **kwargs: Any,
) -> Task:
    """Create a :class:`Task`, connect the given slots, start it and return it."""
    task = Task(name, parent)
    if on_result is not None:
        task.result.connect(on_result)
    if on_error is not None:
        task.error.connect(on_error)
    if on_progress is not None:
        task.progress.connect(on_progress)
    if on_finished is not None:
        task.finished.connect(on_finished)
    return task.start(fn, *args, pool=pool, **kwargs)


def format_eta(seconds: float | None) -> str:
    """``1:05`` / ``1:02:03`` for an ETA in seconds; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
