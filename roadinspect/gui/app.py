"""Start the desktop app: QApplication, language, crash safety, the first project.

* Unexpected exceptions (GUI thread or any other thread) are written to a log file under the user's
  data folder (``QStandardPaths.AppDataLocation``/``logs``) and shown in a dialog with the log's path;
  the app keeps running. ``faulthandler`` writes hard crashes (segfaults) to ``logs/faults.log``.
* The language follows the Settings (system locale by default), with Qt's own French catalogue.
* With no project argument the app opens a demo project on the bundled sample photos (created under
  the data folder on first start) and analyses it in the background.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import cast

from PySide6.QtCore import QCoreApplication, Qt, QThread, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from roadinspect import __version__
from roadinspect.core.resources import icons_dir
from roadinspect.gui.appdata import load_settings, log_dir
from roadinspect.gui.i18n import apply_language

APP_NAME = "RoadInspect"
ORG_NAME = "RoadInspect"

log = logging.getLogger("roadinspect")
_fault_file = None
_open_dialogs: list[QMessageBox] = []


def setup_logging() -> Path:
    """Log to ``logs/roadinspect.log`` (rotated, 1 MB x 3); returns the file's path."""
    path = log_dir() / "roadinspect.log"
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return path


def enable_faulthandler() -> None:
    """Dump the Python stacks of a hard crash to ``logs/faults.log``."""
    global _fault_file
    if _fault_file is None:
        _fault_file = open(log_dir() / "faults.log", "a", encoding="utf-8")  # open for the whole run
        faulthandler.enable(file=_fault_file, all_threads=True)


def report_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an unexpected exception and tell the user (dialog in the GUI thread, queued from others)."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unexpected error\n%s", text)
    app = QApplication.instance()
    if app is None:
        sys.__stderr__.write(text) if sys.__stderr__ else None
        return
    path = setup_logging()
    title = QCoreApplication.translate("App", "Unexpected error")
    message = QCoreApplication.translate(
        "App", "RoadInspect hit an unexpected error. Your work is saved in the project file.\n\n{error}\n\n"
               "Details were written to:\n{log}").format(error=f"{exc_type.__name__}: {exc}", log=path)

    def show() -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok,
                          QApplication.activeWindow())
        box.setTextFormat(Qt.TextFormat.PlainText)  # the error may quote a file name: never markup
        box.setDetailedText(text)
        _open_dialogs.append(box)  # keep the Python wrapper alive while the dialog is shown
        box.finished.connect(lambda _result: _open_dialogs.remove(box) if box in _open_dialogs else None)
        box.show()

    if QThread.currentThread() == app.thread():
        show()
    else:
        QTimer.singleShot(0, app, show)


def install_excepthook() -> None:
    """Route uncaught exceptions of every thread to :func:`report_exception`."""
    sys.excepthook = report_exception

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            report_exception(args.exc_type, args.exc_value, args.exc_traceback)

    threading.excepthook = thread_hook


def none_refcount_drift(calls: int = 1000) -> int:
    """How much ``calls`` Qt calls that return nothing change ``sys.getrefcount(None)`` (0 with a sound binding).

    PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` on each such call: ``None`` is not
    immortal before Python 3.12, so the interpreter aborts (``none_dealloc``) once the count reaches zero,
    after a few minutes of review. Python 3.12+ keeps ``None``'s count fixed, so the drift is 0 there.
    """
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return sys.getrefcount(None) - before


def qt_binding_problem() -> str:
    """A one-line description of a Qt binding that would crash the app, or "" when it is sound."""
    import PySide6

    calls = 1000
    drift = none_refcount_drift(calls)
    if drift > -calls // 2:
        return ""
    return (f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} loses a reference to None on "
            f"every Qt call ({drift} over {calls} calls) and would crash RoadInspect after a few minutes; "
            f"install the version the project pins (pip install \"PySide6-Essentials<6.12\").")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, icon and language set (reuses an existing one, e.g. in tests)."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = cast(QApplication, QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1]))
    icon = icons_dir() / "app.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    apply_language(str(load_settings().get("general/language", "system")))
    return app


def run_app(project: Path | None) -> int:
    """Open the main window on ``project`` (default: the demo on the bundled samples); returns the exit code."""
    from roadinspect.gui.platform import install_startup_probe, set_app_user_model_id

    set_app_user_model_id()  # Windows taskbar identity, before any window exists
    app = create_application()
    setup_logging()
    enable_faulthandler()
    install_excepthook()
    log.info("RoadInspect %s starting (project: %s)", __version__, project)
    problem = qt_binding_problem()
    if problem:  # refuse to start rather than die mid-review with "none_dealloc"
        log.error("%s", problem)
        QMessageBox.critical(None, QCoreApplication.translate("App", "RoadInspect cannot start"), problem)
        return 1
    from roadinspect.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    install_startup_probe(window)  # only when ROADINSPECT_STARTUP_PROBE is set (packaging/build.py)
    if project is not None:
        QTimer.singleShot(0, lambda: window.open_project(Path(project)))
    else:
        QTimer.singleShot(0, window.open_demo)
    code = app.exec()
    log.info("RoadInspect exiting with code %s", code)
    return int(code)
