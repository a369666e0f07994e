"""The camera belongs to the project (issue 20.9), per camera group: asked at import for each camera new to the
project (proposed with the values last used with that camera model; the field of view only where EXIF gives no
focal length), changed in Tools › Camera of this project… or Settings for the open project only, and a change
measures the findings again in the background, keeping reviews, undoable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from roadinspect.core.camera import GROUPS_KEY, read_camera
from roadinspect.core.remeasure import remeasured
from roadinspect.core.settings import SETTINGS
from roadinspect.core.store import Store
from roadinspect.core.types import ReviewStatus
from roadinspect.gui import camera as camera_ui
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.project import project_camera
from tests.core.photo_files import custom_exif_jpeg, gps_tags, scene_jpeg

DEFAULT_CAMERA = {s.key: s.default for s in SETTINGS if s.group == "camera"}
PHONE = {0x010F: "Fairphone", 0x0110: "FP5"}
DASH = {0x010F: "Acme", 0x0110: "Dash 2"}


def _meta(project: Path) -> dict:
    with Store.open(project, readonly=True) as store:
        return {key: store.get_meta(key) for key in DEFAULT_CAMERA}


def _idle(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)


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


def _two_cameras(folder: Path, first: int = 0) -> None:
    """Two phone photos whose EXIF gives the 35-mm focal length, one dash camera photo that gives none."""
    for i in range(2):
        custom_exif_jpeg(folder / f"phone{first + i}.jpg", gps=gps_tags(45.0 + (first + i) * 1e-4, 5.0), ifd0=PHONE,
                         exif={0xA405: 26})
    custom_exif_jpeg(folder / f"dash{first}.jpg", gps=gps_tags(45.0 + (first + 5) * 1e-4, 5.0), ifd0=DASH)


def test_the_camera_is_the_projects_own_from_its_import(window: MainWindow, tmp_path: Path, qtbot) -> None:
    first = tmp_path / "first.roadinspect"
    _inspection(window, tmp_path / "first", first, qtbot, focal=True)
    assert _meta(first) == DEFAULT_CAMERA  # recorded at the import (the proposal: the default values)
    text = window.message.text()
    assert "Camera of this project: 1.5 m" in text and "EXIF for 1 of 3 photos" in text, text
    # the inspector corrects the camera of the open project in the Settings ...
    window.apply_settings({**window.values, "camera/height_m": 2.2, "camera/pitch_deg": 20.0})
    _idle(window, qtbot)
    assert _meta(first)["camera/height_m"] == 2.2 and _meta(first)["camera/pitch_deg"] == 20.0
    assert window._camera().height_m == 2.2

    second = tmp_path / "second.roadinspect"  # ... a later project starts from the user's current values ...
    _inspection(window, tmp_path / "second", second, qtbot)
    assert _meta(second)["camera/height_m"] == 2.2
    window.apply_settings({**window.values, "camera/height_m": 1.8})  # ... and is changed alone
    _idle(window, qtbot)
    assert _meta(second)["camera/height_m"] == 1.8 and _meta(first)["camera/height_m"] == 2.2
    assert window.open_project(first)
    assert window._camera().height_m == 2.2 and window._camera().pitch_deg == 20.0  # the first keeps its camera
    with Store.open(first, readonly=True) as store:
        assert project_camera(store, {**window.values, "camera/height_m": 3.0}).height_m == 2.2


def test_each_new_camera_is_asked_at_import_with_the_values_last_used_for_that_model(
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    camera_ui.save_last_used(
        {"Fairphone|FP5": {"height_m": 1.3, "pitch_deg": 8.0, "hfov_deg": 66.0, "project": "lyon-2026"}})
    asked = []

    def answer(parent, groups, cameras, sources, at_import=True):
        asked.append(([g.name for g in groups], {k: (c.height_m, c.pitch_deg) for k, c in cameras.items()}, sources))
        dash = next(g.key for g in groups if g.focal_35mm is None)
        return {**cameras, dash: replace(cameras[dash], height_m=2.2, pitch_deg=6.0, hfov_deg=100.0)}

    monkeypatch.setattr(camera_ui, "ask_cameras", answer)
    folder, project = tmp_path / "drive", tmp_path / "two.roadinspect"
    _two_cameras(folder)
    assert window.new_inspection([folder], project, analyse=False)
    qtbot.waitUntil(lambda: not window.is_busy() and len(window.session.photo_ids()) == 3, timeout=20000)
    names, proposed, sources = asked[0]
    assert names == ["Fairphone FP5, 160x120", "Acme Dash 2, 160x120"]  # the larger group first
    assert proposed == {"Fairphone|FP5|160x120": (1.3, 8.0), "Acme|Dash 2|160x120": (1.5, 12.0)}
    assert sources == {"Fairphone|FP5|160x120": "lyon-2026", "Acme|Dash 2|160x120": ""}
    with Store.open(project, readonly=True) as store:
        camera = read_camera(store)
        assert (camera.height_m, camera.pitch_deg) == (1.3, 8.0)  # the project's: its largest group's
        assert store.get_meta(GROUPS_KEY) == {"Acme|Dash 2|160x120": {"height_m": 2.2, "pitch_deg": 6.0,
                                                                      "hfov_deg": 100.0}}
    assert "Acme Dash 2, 160x120: 2.2 m, 6°" in window.message.text()
    assert camera_ui.last_used()["Acme|Dash 2"]["height_m"] == 2.2  # proposed for that model next time
    _two_cameras(folder, first=10)  # more photos of the same cameras: nothing asked again
    window.start_import([folder], then_analyse=False)
    qtbot.waitUntil(lambda: not window.is_busy() and len(window.session.photo_ids()) == 6, timeout=20000)
    assert len(asked) == 1


def test_the_dialog_asks_the_field_of_view_only_without_an_exif_focal_length(qtbot) -> None:
    from roadinspect.core.camera import CameraGroup
    from roadinspect.core.geo import CameraModel

    groups = [CameraGroup("Fairphone|FP5|4000x3000", 120, 26.0), CameraGroup("?|?|1920x1080", 30, None)]
    cameras = {g.key: CameraModel() for g in groups}
    dialog = camera_ui.CameraDialog(groups, cameras, {groups[0].key: "lyon-2026"})
    qtbot.addWidget(dialog)
    phone, dash = dialog.editors[groups[0].key], dialog.editors[groups[1].key]
    assert phone[2] is None and dash[2] is not None
    texts = [w.text() for w in dialog.findChildren(camera_ui.QLabel)]
    assert any("26 mm (35-mm equivalent)" in t for t in texts) and any("lyon-2026" in t for t in texts)
    assert any("unknown camera, 1920x1080\n30 photos" in t for t in texts)
    dialog.show()  # every row whole without scrolling, and the dialog fits a 1280x720 screen
    qtbot.waitExposed(dialog)
    scroll = dialog.findChild(camera_ui.QScrollArea)
    assert scroll.widget().width() >= scroll.widget().sizeHint().width() and not scroll.verticalScrollBar().isVisible()
    assert dialog.minimumSizeHint().height() <= 680 and dialog.minimumSizeHint().width() <= 1280
    dash[0].setValue(1.25)
    dash[1].setValue(4.0)
    dash[2].setValue(90.0)
    got = dialog.cameras()
    assert (got[groups[1].key].height_m, got[groups[1].key].pitch_deg, got[groups[1].key].hfov_deg) == (1.25, 4.0, 90.0)
    assert got[groups[0].key] == CameraModel()


def test_a_camera_change_measures_the_findings_again_keeps_reviews_and_undoes(
        window: MainWindow, reviewable_project: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.open_project(reviewable_project)
    session = window.session
    pid = session.photo_ids()[0]
    first = session.findings(pid)[0].finding.id
    window.review.review_finding(first, "accept")
    before = {rf.finding.id: (rf.finding, rf.review) for p in session.photo_ids() for rf in session.findings(p)}
    camera = window._camera()
    height = camera.height_m

    def doubled(parent, groups, cameras, sources, at_import=True):
        assert not at_import
        return {k: replace(c, height_m=2 * height) for k, c in cameras.items()}

    monkeypatch.setattr(camera_ui, "ask_cameras", doubled)
    monkeypatch.setattr(camera_ui, "confirm_remeasure", lambda parent, n: False)  # the inspector says no
    camera_ui.edit_cameras(window)
    assert not window.is_busy() and window._camera().height_m == height and "Camera unchanged" in window.message.text()

    monkeypatch.setattr(camera_ui, "confirm_remeasure", lambda parent, n: n == len(before))
    window.actions.project_camera.trigger()  # Tools › Camera of this project…
    _idle(window, qtbot)
    assert window._camera().height_m == 2 * height
    assert f"{len(before)} findings measured again" in window.message.text(), window.message.text()
    after = {rf.finding.id: (rf.finding, rf.review) for p in session.photo_ids() for rf in session.findings(p)}
    for fid, (finding, review) in after.items():
        old = before[fid][0]
        assert review == before[fid][1] and finding.polygon_wkt == old.polygon_wkt  # reviews, outlines kept
        # the samples' analysis recorded no working size: the outline is measured as a drawn one, so the reference
        # is that outline measured the same way under the earlier camera
        ref = remeasured(old, old.damage, session.record(finding.photo_id).photo, camera).measures
        for key, factor in (("length_m", 2), ("area_m2", 4), ("diameter_m", 2), ("ground_distance_m", 2)):
            if key in ref:
                assert finding.measures[key] == pytest.approx(ref[key] * factor, rel=1e-4), key
    assert after[first][1].status == ReviewStatus.ACCEPTED
    assert window.undo.undoText().startswith("Change the camera")
    window.undo.undo()  # Edit › Undo: the earlier camera and measures
    assert window._camera().height_m == height
    assert {rf.finding.id: rf.finding for p in session.photo_ids() for rf in session.findings(p)} == {
        fid: f for fid, (f, _) in before.items()}
    window.undo.redo()
    assert window._camera().height_m == 2 * height
    actions = [e.action for e in session.store.audit_log()]
    assert actions.count("remeasure") == 3 * len(before) and actions[-1] == "camera_redo"


def test_a_dialog_cancelled_at_import_keeps_the_proposal_and_says_so(
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera_ui, "ask_cameras", lambda *a, **k: None)
    _inspection(window, tmp_path / "d", tmp_path / "d.roadinspect", qtbot)
    assert _meta(tmp_path / "d.roadinspect") == DEFAULT_CAMERA
    assert "Camera not confirmed: the proposed values are used" in window.message.text()


def test_the_real_dialog_is_modal_and_returns_the_edited_values(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadinspect.core.camera import CameraGroup
    from roadinspect.core.geo import CameraModel

    monkeypatch.undo()  # the dialog itself, not the fixture's answer

    def exec_(dialog: QDialog) -> int:
        dialog.editors["?|?|640x480"][0].setValue(2.4)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(camera_ui.CameraDialog, "exec", exec_)
    groups, cameras = [CameraGroup("?|?|640x480", 3, None)], {"?|?|640x480": CameraModel()}
    assert camera_ui.ask_cameras(None, groups, cameras, {})["?|?|640x480"].height_m == 2.4
    monkeypatch.setattr(camera_ui.CameraDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    assert camera_ui.ask_cameras(None, groups, cameras, {}) is None


def test_a_project_analysed_without_a_camera_keeps_the_one_its_findings_were_measured_with(
        window: MainWindow, reviewable_project: Path, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []
    monkeypatch.setattr(camera_ui, "ask_cameras",
                        lambda parent, groups, cameras, sources, at_import=True: asked.append(groups) or dict(cameras))
    window.values["camera/height_m"] = 2.0  # the user's setting differs from the camera the command line used
    assert window.open_project(reviewable_project)
    measures = {rf.finding.id: rf.finding.measures for p in window.session.photo_ids()
                for rf in window.session.findings(p)}
    folder = tmp_path / "more"
    custom_exif_jpeg(folder / "dash.jpg", gps=gps_tags(49.87, 2.6), ifd0=DASH)
    window.start_import([folder], then_analyse=False)
    qtbot.waitUntil(lambda: not window.is_busy() and len(window.session.photo_ids()) == 4, timeout=20000)
    assert [[g.name for g in groups] for groups in asked] == [["Acme Dash 2, 160x120"]]  # only the new camera
    assert window.session.store.get_meta("camera/height_m") == 1.5  # what its findings were measured with
    assert {rf.finding.id: rf.finding.measures for p in window.session.photo_ids()
            for rf in window.session.findings(p)} == measures


def test_a_cancelled_re_measure_leaves_the_project_as_it_was(
        window: MainWindow, reviewable_project: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadinspect.core import camera as core_camera

    def cancelled(store, camera, who="", *, progress, is_cancelled):  # the inspector presses Cancel at once
        return core_camera.change_camera(store, camera, who, progress=progress, is_cancelled=lambda: True)

    monkeypatch.setattr(camera_ui, "change_camera", cancelled)
    assert window.open_project(reviewable_project)
    session = window.session
    before = {rf.finding.id: rf.finding for p in session.photo_ids() for rf in session.findings(p)}
    assert camera_ui.apply_camera(window, replace(window._camera(), height_m=2.5))
    _idle(window, qtbot)
    assert "measuring again was cancelled, nothing was written" in window.message.text()
    assert window._camera().height_m == 1.5 and window.session.store.get_meta("camera/height_m") is None
    assert {rf.finding.id: rf.finding for p in session.photo_ids() for rf in session.findings(p)} == before
    assert window.undo.count() == 0
