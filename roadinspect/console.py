"""Terminal output for the command line: a progress bar with count, rate and ETA on stderr.

:class:`TerminalProgress` is a ``progress(done, total, message)`` callable for any core function.
On a terminal it redraws one line at most ten times a second; when stderr is not a terminal (a log
file, CI) it prints a plain line every 10 % or every 10 seconds instead, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from roadinspect.core.text import printable


def format_duration(seconds: float) -> str:
    """``1:05:09`` / ``5:09`` style duration."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TerminalProgress:
    """Progress bar on ``stream`` (stderr by default): ``label [####----] 12/100 3.4/s ETA 0:26 name``."""

    def __init__(self, label: str, unit: str = "photos", stream: TextIO | None = None, width: int = 24) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1
        self._drawn = False
        self.done = 0
        self.total = 0

    def line(self, done: int, total: int, message: str = "") -> str:
        """The text of the bar for ``done`` of ``total``."""
        elapsed = max(1e-9, time.monotonic() - self.start)
        rate = done / elapsed
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        eta = format_duration((total - done) / rate) if rate > 0 and total > done else "0:00"
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"{self.label} [{bar}] {done}/{total} {rate:.1f} {self.unit}/s ETA {eta}"
        if message:
            text += f"  {printable(message)}"  # a file name's ESC sequences must not drive the terminal
        return text

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.tty:
            if done < total and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            text = self.line(done, total, message)[:119]
            self.stream.write("\r" + text.ljust(119))
            if done >= total:
                self.stream.write("\n")
            self._drawn = done < total
            self.stream.flush()
            return
        decile = int(10 * done / total) if total else 10
        if decile != self._last_decile or now - self._last_draw >= 10.0 or done == total:
            self._last_decile = decile
            self._last_draw = now
            self.stream.write(self.line(done, total, message) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line (call when the work stopped early)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
