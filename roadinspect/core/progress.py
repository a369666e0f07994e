"""One progress-and-cancel contract for the long work of the core (scan, analysis, road region, export, report,
split and merge, camera change, publishing), shared by the CLI's progress bar, the app's background tasks and the
benchmarks.

A long core function takes two optional keyword arguments:

- ``progress(done, total, message="")`` (:class:`Progress`): ``done`` of ``total`` items finished; ``message``
  names the item when there is one (a file name). Some functions report without a message, so a callback accepts
  both forms: :class:`roadinspect.console.TerminalProgress` and the GUI's ``Task`` (``gui/worker.py``) do;
- ``is_cancelled()`` (:data:`CancelCheck`): polled at safe points; once it returns ``True`` the function stops
  without leaving anything half-written (it returns what is complete, or raises its documented exception).

:class:`TaskState` holds the two for a function's body, in the manner of Orange3's ``TaskState``
(``Orange/widgets/utils/concurrent.py``): ``state.report(done, total, message)`` and ``state.cancelled()``
do nothing and return ``False`` when the caller gave no callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

CancelCheck = Callable[[], bool]
"""``is_cancelled()``: ``True`` once the caller asked the work to stop."""


class Progress(Protocol):
    """``progress(done, total, message="")``: ``done`` of ``total`` items finished; ``message`` names the item."""

    def __call__(self, done: int, total: int, message: str = ..., /) -> None: ...


def no_progress(done: int, total: int, message: str = "", /) -> None:
    """A :class:`Progress` that reports nothing (for a caller that gave none)."""


def never_cancelled() -> bool:
    """A :data:`CancelCheck` for a caller that cannot cancel."""
    return False


@dataclass(frozen=True)
class TaskState:
    """The progress and cancel callbacks of one call of a long function, either of them possibly absent."""

    progress: Progress | None = None
    is_cancelled: CancelCheck | None = None

    def report(self, done: int, total: int, message: str | None = None) -> None:
        """Tell the caller ``done`` of ``total`` are finished (``message`` passed on only when given)."""
        if self.progress is None:
            return
        if message is None:
            self.progress(done, total)
        else:
            self.progress(done, total, message)

    def cancelled(self) -> bool:
        """Whether the caller asked the work to stop."""
        return self.is_cancelled is not None and self.is_cancelled()
