"""The terminal progress bar: count, rate and ETA; one redrawn line on a terminal, plain lines in logs."""

from __future__ import annotations

import io

from roadinspect.console import TerminalProgress, format_duration


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_format_duration() -> None:
    assert format_duration(0) == "0:00"
    assert format_duration(75) == "1:15"
    assert format_duration(3 * 3600 + 62) == "3:01:02"


def test_line_shows_count_rate_and_eta() -> None:
    bar = TerminalProgress("Analysing", stream=io.StringIO())
    bar.start -= 10.0  # ten seconds ago
    text = bar.line(20, 100, "IMG_0020.jpg")
    assert text.startswith("Analysing [#####") and "20/100" in text
    assert "2.0 photos/s" in text and "ETA 0:40" in text and text.endswith("IMG_0020.jpg")


def test_log_output_is_one_line_per_tenth() -> None:
    out = io.StringIO()
    bar = TerminalProgress("Reading photos", unit="files", stream=out)
    for i in range(1, 101):
        bar(i, 100, f"{i}.jpg")
    lines = out.getvalue().splitlines()
    assert 10 <= len(lines) <= 12 and lines[-1].split("]")[1].strip().startswith("100/100")
    assert "\r" not in out.getvalue()


def test_terminal_output_redraws_one_line() -> None:
    out = _Tty()
    bar = TerminalProgress("Analysing", stream=out)
    bar(1, 3)
    bar(3, 3)
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
