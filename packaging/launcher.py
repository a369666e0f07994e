"""Entry script of the frozen app (PyInstaller): the same ``roadinspect`` command line as the wheel's.

``RoadInspect`` (no console on Windows) opens the GUI, or runs ``--self-test`` and the subcommands.
``roadinspect-cli`` (console, ``packaging/cli_launcher.py``) is a small front that starts this program with
its own arguments and console handles and sets ``ROADINSPECT_CONSOLE=1``.

A windowed Windows program has ``sys.stdout``/``sys.stderr`` set to ``None`` when it has no valid standard
handles. The console front passes its handles, so they should be valid; should one still be missing when
started from the front, the program attaches to the front's console (``AttachConsole``) and writes there.
(That fallback is for Windows only and has not been exercised on Windows yet: see ``packaging/README.md``.)
"""

import multiprocessing
import os
import sys

from roadinspect.cli import main

CONSOLE_ENV = "ROADINSPECT_CONSOLE"  # set by packaging/cli_launcher.py


def _attach_console_streams() -> None:
    """On Windows, give a windowed program started by the console front streams on that console."""
    if sys.platform != "win32" or os.environ.get(CONSOLE_ENV) != "1":
        return
    if sys.stdout is not None and sys.stderr is not None:
        return
    import ctypes

    if not ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS: the roadinspect-cli console
        return
    if sys.stdout is None:
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace", buffering=1)
    if sys.stderr is None:
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace", buffering=1)
    if sys.stdin is None:
        sys.stdin = open("CONIN$", encoding="utf-8", errors="replace")


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _attach_console_streams()
    sys.exit(main())
