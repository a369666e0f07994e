"""Argument types of the command line: numbers checked (finite, within sane bounds) while parsing.

A value out of range is refused by ``argparse`` with one line naming the option, before any file is
read or written (``--section-length 1e-4`` would otherwise cut a track into millions of sections,
``--clock-offset 1e300`` overflow the date arithmetic). :class:`OneLineParser` prints that line alone
(``roadinspect export: error: argument --section-length: must be ...; see roadinspect export --help``)
instead of the whole usage text. The bounds of the options the Settings dialog also offers are taken
from :mod:`roadinspect.core.settings`, so the command line and the app accept the same values.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn

from roadinspect.core.text import printable

MAX_CLOCK_OFFSET_S = 100 * 366 * 86400.0
"""Largest camera clock correction accepted (about a century: a camera reset to its factory date)."""


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def bounded_float(low: float, high: float, unit: str = "", low_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type`` accepting a finite number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    unit_text = f" {unit}" if unit else ""
    lower = ">" if low_open else ">="

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
        if not ok:
            raise argparse.ArgumentTypeError(
                f"must be a number {lower} {_number(low)} and <= {_number(high)}{unit_text}, got {printable(text)!r}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def setting_float(key: str) -> Callable[[str], float]:
    """The bounds of a numeric setting of :mod:`roadinspect.core.settings` as an argparse ``type``."""

    def parse(text: str) -> float:
        from roadinspect.core.settings import setting  # at parse time: `--help` stays instant

        s = setting(key)
        assert s.minimum is not None and s.maximum is not None
        return bounded_float(s.minimum, s.maximum, s.unit)(text)

    parse.__name__ = "number"
    return parse


clock_offset = bounded_float(-MAX_CLOCK_OFFSET_S, MAX_CLOCK_OFFSET_S, "seconds")
"""``--clock-offset``: seconds to add to the camera clock, finite, at most about a century either way."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (exit 2), with a pointer to ``--help``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {printable(message)}; see {self.prog} --help\n")
        sys.exit(2)


__all__ = ["MAX_CLOCK_OFFSET_S", "OneLineParser", "bounded_float", "clock_offset", "setting_float"]
