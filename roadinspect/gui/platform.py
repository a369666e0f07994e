"""Operating-system integration of the desktop app: the Windows taskbar identity and the start-up probe.

* :func:`set_app_user_model_id` gives the process the explicit AppUserModelID that the installer's Start-menu
  shortcut also carries (``packaging/installer.iss``), so Windows groups the app's windows under its own
  taskbar button with its own icon (not under ``python.exe`` or a generic one). No-op elsewhere.
* :func:`install_startup_probe`: when the environment variable :data:`PROBE_ENV` holds a launch timestamp
  (``time.time()`` taken by the launcher just before it started the program), the app prints
  ``roadinspect-startup: first-window <seconds> torch-loaded=<yes|no>`` at the first paint of the main window
  and quits. ``packaging/build.py`` uses it to measure the frozen app's launch-to-first-window time and to
  check that torch is not imported before the window shows. The line also goes to the file named by
  :data:`PROBE_OUT_ENV` when set: a windowed Windows program has no stdout.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

APP_USER_MODEL_ID = "RoadInspect.RoadInspect.Desktop"
PROBE_ENV = "ROADINSPECT_STARTUP_PROBE"
PROBE_OUT_ENV = "ROADINSPECT_STARTUP_PROBE_OUT"
PROBE_PREFIX = "roadinspect-startup:"


def set_app_user_model_id(app_id: str = APP_USER_MODEL_ID) -> bool:
    """Set the process's explicit AppUserModelID on Windows (before any window exists); True when set."""
    if sys.platform != "win32":
        return False
    try:
        import ctypes

        result = ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(app_id)
    except (AttributeError, OSError):
        return False
    return result == 0  # S_OK


def probe_line(launched_at: float, now: float | None = None, torch_loaded: bool | None = None) -> str:
    """The line the probe prints: seconds since ``launched_at`` and whether torch was already imported."""
    elapsed = (time.time() if now is None else now) - launched_at
    loaded = ("torch" in sys.modules) if torch_loaded is None else torch_loaded
    return f"{PROBE_PREFIX} first-window {elapsed:.3f} torch-loaded={'yes' if loaded else 'no'}"


def install_startup_probe(window: QObject, quit_app: Callable[[], None] | None = None,
                          out: TextIO | None = None) -> bool:
    """If :data:`PROBE_ENV` is set, report the first paint of ``window`` and quit; True when installed."""
    value = os.environ.get(PROBE_ENV)
    if not value:
        return False
    try:
        launched_at = float(value)
    except ValueError:
        launched_at = time.time()
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                line = probe_line(launched_at)
                stream = out or sys.stdout or sys.__stdout__
                if stream is not None:
                    print(line, file=stream, flush=True)
                if os.environ.get(PROBE_OUT_ENV):
                    try:
                        with open(os.environ[PROBE_OUT_ENV], "a", encoding="utf-8") as handle:
                            handle.write(line + "\n")
                    except OSError:
                        pass
                QTimer.singleShot(0, quit_app or QCoreApplication.quit)
            return False

    probe = _FirstPaint(window)  # parented to the window: lives as long as it
    window.installEventFilter(probe)
    return True
