"""GUI test settings: Qt's test mode for standard paths (no writes to the user's real data, cache or
settings folders), settings cleared before each test, and the GUI's language reset to English."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

QStandardPaths.setTestModeEnabled(True)
QCoreApplication.setOrganizationName("RoadInspectTests")
QCoreApplication.setApplicationName("RoadInspectTests")


@pytest.fixture(autouse=True)
def clean_settings() -> None:
    """Every test starts from default settings."""
    QSettings().clear()
    yield
    QSettings().clear()
