"""Where the desktop app keeps its things: the user's data folder (logs, the demo project) and the settings.

The data folder is ``QStandardPaths.AppDataLocation`` for the application name that ``gui/app.py`` sets. The
settings are the declarations of ``roadinspect.core.settings`` with their values in ``QSettings`` (coerced on the way
in and out, defaults for missing or unusable values). The app, the main window and the dialogs all read them here,
so none of them imports another for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths

from roadinspect.core import settings as core_settings
from roadinspect.core.settings import SETTINGS


def data_dir() -> Path:
    """The user's data folder for RoadInspect (created on demand)."""
    path = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Where the log files go."""
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_project_path() -> Path:
    """The demo project on the bundled samples, under the user's data folder."""
    folder = data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "samples.roadinspect"


def load_settings() -> dict[str, Any]:
    """Every setting's value from QSettings (coerced; defaults for missing or unusable values)."""
    store = QSettings()
    return core_settings.resolve({s.key: store.value(s.key) for s in SETTINGS if store.contains(s.key)})


def save_settings(values: dict[str, Any]) -> None:
    """Store the given settings (coerced) in QSettings."""
    store = QSettings()
    for key, value in values.items():
        store.setValue(key, core_settings.setting(key).coerce(value))
    store.sync()
