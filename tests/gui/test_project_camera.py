"""The camera belongs to the project (issue 20.9): set once at its first import from the user's settings (the EXIF
focal length still applies per photo, and the import says how many photos give one), changed in Settings for the
open project only; another project keeps its own camera whatever the user's settings say later."""

from __future__ import annotations

from pathlib import Path

from roadinspect.core.settings import SETTINGS
from roadinspect.core.store import Store
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.project import project_camera
from tests.core.photo_files import custom_exif_jpeg, gps_tags, scene_jpeg

DEFAULT_CAMERA = {s.key: s.default for s in SETTINGS if s.group == "camera"}


def _meta(project: Path) -> dict:
    with Store.open(project, readonly=True) as store:
        return {key: store.get_meta(key) for key in DEFAULT_CAMERA}


def _inspection(window: MainWindow, folder: Path, project: Path, qtbot, focal: bool = False) -> None:
    for i in range(2):
        if focal:  # EXIF without a focal length
            custom_exif_jpeg(folder / f"p{i}.jpg", gps=gps_tags(45.0 + i * 1e-4, 5.0))
        else:
            scene_jpeg(folder / f"p{i}.jpg", seed=i + 1, index=i)
    if focal:  # one photo whose EXIF gives its 35-mm focal length
        custom_exif_jpeg(folder / "focal.jpg", exif={0xA405: 28})
    assert window.new_inspection([folder], project, analyse=False)
    qtbot.waitUntil(lambda: not window.is_busy() and len(window.session.photo_ids()) == 2 + focal, timeout=20000)


def test_the_camera_is_the_projects_own_from_its_import(window: MainWindow, tmp_path: Path, qtbot) -> None:
    first = tmp_path / "first.roadinspect"
    _inspection(window, tmp_path / "first", first, qtbot, focal=True)
    assert _meta(first) == DEFAULT_CAMERA  # recorded at the import (the default values, unchanged)
    text = window.message.text()
    assert "Camera of this project: 1.5 m" in text and "EXIF for 1 of 3 photos" in text, text
    # the inspector corrects the camera of the open project in the Settings ...
    window.apply_settings({**window.values, "camera/height_m": 2.2, "camera/pitch_deg": 20.0})
    assert _meta(first)["camera/height_m"] == 2.2 and _meta(first)["camera/pitch_deg"] == 20.0
    assert window._camera().height_m == 2.2

    second = tmp_path / "second.roadinspect"  # ... a later project starts from the user's current values ...
    _inspection(window, tmp_path / "second", second, qtbot)
    assert _meta(second)["camera/height_m"] == 2.2
    window.apply_settings({**window.values, "camera/height_m": 1.8})  # ... and is changed alone
    assert _meta(second)["camera/height_m"] == 1.8 and _meta(first)["camera/height_m"] == 2.2
    assert window.open_project(first)
    assert window._camera().height_m == 2.2 and window._camera().pitch_deg == 20.0  # the first keeps its camera
    with Store.open(first, readonly=True) as store:
        assert project_camera(store, {**window.values, "camera/height_m": 3.0}).height_m == 2.2
