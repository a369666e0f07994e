"""GUI test fixtures: Qt's test mode for standard paths (no writes to the user's real data, cache or
settings folders), settings cleared before each test, and small projects built from the bundled samples.

``reviewable_project`` holds three sample photos whose findings come from the samples' *true* masks
(written by ``roadinspect.core.synth``) through the real extraction (``findings.extract_findings``), so
review, correction and export tests do not need the model; the analysis test uses the real model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

from roadinspect.core.resources import samples_dir

# Background threads keep the normal priority in tests: on a shared CI machine a busy process of higher
# priority would otherwise starve the analysis tests (test_worker checks the lowering itself).
os.environ.setdefault("ROADINSPECT_BACKGROUND_PRIORITY", "normal")
QStandardPaths.setTestModeEnabled(True)
QCoreApplication.setOrganizationName("RoadInspectTests")
QCoreApplication.setApplicationName("RoadInspectTests")

SAMPLES = ("sample_02.jpg", "sample_03.jpg", "sample_05.jpg")
"""Three samples with a pothole, a transverse crack, and two cracks: every kind of decision."""


@pytest.fixture(autouse=True)
def clean_settings() -> None:
    """Every test starts from default settings, English, no map tiles (no network in tests)."""
    settings = QSettings()
    settings.clear()
    settings.setValue("map/online_tiles", False)
    settings.setValue("general/language", "en")
    settings.setValue("review/reviewer", "tester")  # named: the window asks for a name only when none was set
    from roadinspect.gui.i18n import apply_language

    apply_language("en")  # as the app does at start (English plural forms come from the catalogue)
    yield
    QSettings().clear()
    from roadinspect.gui.i18n import apply_language

    apply_language("en")


@pytest.fixture(autouse=True)
def camera_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The camera asked at an import is answered with the proposed values (an inspector pressing Enter), and
    measuring the findings again after a camera change is confirmed; tests of those questions replace these."""
    from roadinspect.gui import camera

    monkeypatch.setattr(camera, "ask_cameras", lambda parent, groups, cameras, sources, at_import=True: dict(cameras))
    monkeypatch.setattr(camera, "confirm_remeasure", lambda parent, findings: True)


def sample_files() -> list[Path]:
    """The bundled samples used by the GUI tests (skip when the samples are missing)."""
    paths = [samples_dir() / name for name in SAMPLES]
    if not all(p.is_file() for p in paths):
        pytest.skip(f"bundled samples missing in {samples_dir()} (python -m roadinspect.core.synth makes them)")
    return paths


def _build(folder: Path) -> Path:
    from roadinspect.core.findings import extract_findings
    from roadinspect.core.segmenter import Segmentation
    from roadinspect.core.store import Store
    from roadinspect.gui.project import import_photos

    folder.mkdir(parents=True, exist_ok=True)
    for path in sample_files():
        shutil.copy2(path, folder / path.name)
    project = folder / "survey.roadinspect"
    store = Store.open(project)
    try:
        import_photos(store, [folder], "tester", progress=lambda *a: None, is_cancelled=lambda: False)
        analysis = store.start_analysis("true-masks", "0" * 64)
        for record in store.photos():
            mask = np.asarray(Image.open(samples_dir() / "masks" / f"{record.path.stem}.png"))
            probs = np.stack([(mask == k).astype(np.float32) for k in range(3)])
            findings = extract_findings(Segmentation(mask, probs, (mask.shape[1], mask.shape[0])), record.photo)
            store.record_photo_result(record.id, analysis, findings)
        store.finish_analysis(analysis, "finished")
    finally:
        store.close()
    return project


@pytest.fixture(scope="session")
def _project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("template") / "survey")


@pytest.fixture
def reviewable_project(_project_template: Path, tmp_path: Path) -> Path:
    """A fresh copy (photos + project file) of a 3-photo project with findings and no review yet."""
    folder = tmp_path / "survey"
    shutil.copytree(_project_template.parent, folder)
    return folder / _project_template.name


@pytest.fixture
def window(qtbot):
    """The main window (closed, with its project, after the test)."""
    from roadinspect.gui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.close_project()
