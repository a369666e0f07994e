"""Windows taskbar identity and the start-up probe used by ``packaging/build.py``."""

from __future__ import annotations

import ctypes
import io
import sys

import pytest
from PySide6.QtWidgets import QWidget

from roadinspect.gui import platform


def test_app_user_model_id_is_only_set_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class Shell32:
        def SetCurrentProcessExplicitAppUserModelID(self, app_id: str) -> int:  # noqa: N802 - Win32 name
            calls.append(app_id)
            return 0

    class WinDLL:
        shell32 = Shell32()

    monkeypatch.setattr(ctypes, "windll", WinDLL(), raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert platform.set_app_user_model_id() is False
    assert calls == []

    monkeypatch.setattr(sys, "platform", "win32")
    assert platform.set_app_user_model_id() is True
    assert calls == [platform.APP_USER_MODEL_ID]


def test_probe_line_reports_elapsed_time_and_torch() -> None:
    line = platform.probe_line(100.0, now=101.25, torch_loaded=False)
    assert line == "roadinspect-startup: first-window 1.250 torch-loaded=no"


def test_probe_is_off_without_the_environment_variable(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(platform.PROBE_ENV, raising=False)
    window = QWidget()
    qtbot.addWidget(window)
    assert platform.install_startup_probe(window) is False


def test_probe_prints_once_at_first_paint_and_quits(qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(platform.PROBE_ENV, "0")
    monkeypatch.setenv(platform.PROBE_OUT_ENV, str(tmp_path / "probe.txt"))
    out = io.StringIO()
    quits: list[bool] = []
    window = QWidget()
    qtbot.addWidget(window)
    assert platform.install_startup_probe(window, quit_app=lambda: quits.append(True), out=out) is True

    window.show()
    qtbot.waitUntil(lambda: quits == [True], timeout=5000)
    window.update()
    qtbot.wait(50)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roadinspect-startup: first-window ")
    assert quits == [True]
    assert (tmp_path / "probe.txt").read_text(encoding="utf-8").splitlines() == lines  # for windowed programs
