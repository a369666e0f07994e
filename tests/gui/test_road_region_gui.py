"""The road region in the app: shaded on the photo, edited per camera with brush and eraser, whole photo refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QMessageBox

from roadinspect.core.road_region import group_key
from roadinspect.gui import road_region
from roadinspect.gui.road_region import RoadRegionEditor, image_grid, region_image


def _photo(w: int = 200, h: int = 150) -> QImage:
    image = QImage(w, h, QImage.Format.Format_RGB888)
    image.fill(QColor("grey"))
    return image


def test_region_image_round_trips_the_grid() -> None:
    grid = np.zeros((30, 40), bool)
    grid[20:, :] = True
    grid[0, 5] = True
    assert np.array_equal(image_grid(region_image(grid)), grid)


def test_brush_marks_not_road_and_eraser_gives_the_road_back(qtbot) -> None:
    excluded = np.zeros((48, 64), bool)
    excluded[40:] = True
    editor = RoadRegionEditor(_photo(), 640, 480, excluded, "unknown camera, 640x480", 12)
    qtbot.addWidget(editor)
    editor.canvas.radius = 4
    editor.canvas.paint_at(QPointF(320, 100))  # photo pixels (grid 32, 10)
    grid = editor.excluded()
    assert grid[10, 32] and grid[40:].all() and not grid[25, 10]
    editor.eraser.setChecked(True)
    editor.canvas._last = None
    editor.canvas.paint_at(QPointF(320, 450))  # erase part of the dashboard band (grid 32, 45)
    assert not editor.excluded()[45, 32] and editor.excluded()[45, 5]


def test_a_region_covering_the_whole_photo_is_refused_and_the_editor_stays(qtbot, monkeypatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text))
    editor = RoadRegionEditor(_photo(), 640, 480, np.ones((48, 64), bool), "cam", 3)
    qtbot.addWidget(editor)
    editor.show()
    editor.accept()
    assert warnings and "whole photo" in warnings[0]
    assert editor.isVisible() and editor.result() != QDialog.DialogCode.Accepted


def test_edited_region_is_saved_shaded_and_marks_the_camera_for_reanalysis(window, reviewable_project: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.open_project(reviewable_project)
    session = window.session
    photo_id = session.photo_ids()[0]
    window.review.show_photo(photo_id)
    record = session.record(photo_id)
    key = group_key(record.photo)

    def draw(self: RoadRegionEditor) -> int:
        grid = np.zeros_like(self.excluded())
        grid[grid.shape[0] * 3 // 4:] = True  # the bottom quarter is the hood
        self.canvas.set_grid(grid)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RoadRegionEditor, "exec", draw)
    window.actions.road_region.trigger()
    region = session.store.road_regions()[key]
    assert region.source == "edited" and region.excluded[-1].all() and not region.excluded[0].any()
    assert window.view.road_region_shown()
    same = [pid for pid in session.photo_ids() if group_key(session.record(pid).photo) == key]
    assert set(session.store.photos_to_analyse("0" * 64)) >= set(same)  # analysed again at the next F5
    assert "analysed again" in window.message.text()
    road_region.show_region(window, None)
    assert not window.view.road_region_shown()
