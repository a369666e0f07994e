"""The app's data folder and settings storage (``roadinspect.gui.appdata``), and the import circle it removed."""

from __future__ import annotations

import ast
from pathlib import Path

import roadinspect.gui
from roadinspect.gui.appdata import data_dir, demo_project_path, load_settings, log_dir, save_settings

GUI = Path(roadinspect.gui.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any level (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_nothing_in_the_gui_imports_the_app_module() -> None:
    """``gui/app.py`` is the entry point (the CLI starts it): the main window and the dialogs take the data folder,
    the demo project and the settings from ``appdata``, so app / dialogs / main_window form no circle, not even
    through imports inside functions."""
    importers = sorted(p.name for p in GUI.glob("*.py") if p.name != "app.py" and "roadinspect.gui.app" in
                       _imported_modules(p))
    assert importers == []
    dialogs = _imported_modules(GUI / "dialogs.py")
    assert "roadinspect.gui.main_window" not in dialogs


def test_folders_and_settings() -> None:
    assert log_dir().parent == data_dir() and log_dir().is_dir()
    assert demo_project_path().parent == data_dir() / "demo" and demo_project_path().parent.is_dir()
    save_settings({"priority/type": 30, "review/reviewer": "Ana Martin"})
    values = load_settings()
    assert values["priority/type"] == 30.0 and values["review/reviewer"] == "Ana Martin"
    assert values["general/language"] == "en"  # set by the fixture, read back coerced
