"""The photo view: EXIF orientation, zoom around the cursor, overlay toggling, mask brush and polygon tool."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSize, Qt

from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui.photo_view import FindingShape, PhotoView, Tool, array_to_qimage, load_photo_image, wkt_to_path


@pytest.fixture
def view(qtbot):
    v = PhotoView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    image = load_image_from_array(np.full((200, 300, 3), 90, np.uint8))
    v.set_photo(image)
    v.set_findings([
        FindingShape(1, DamageClass.POTHOLE, ReviewStatus.PENDING,
                     "POLYGON ((100 100, 140 100, 140 140, 100 140, 100 100))", "#1"),
        FindingShape(2, DamageClass.CRACK, ReviewStatus.REJECTED,
                     "POLYGON ((10 10, 60 10, 60 14, 10 14, 10 10))", "#2"),
    ])
    return v


def load_image_from_array(arr: np.ndarray):
    return array_to_qimage(arr)


def test_exif_orientation_6_shows_upright(tmp_path: Path) -> None:
    img = Image.new("RGB", (60, 20), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    path = tmp_path / "rot é.jpg"
    img.save(path, exif=exif)
    shown = load_photo_image(path)
    assert (shown.width(), shown.height()) == (20, 60)
    reduced = load_photo_image(path, max_side=30)
    assert (reduced.width(), reduced.height()) == (10, 30)


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "not a photo.jpg"
    bad.write_text("hello")
    with pytest.raises(OSError, match="not a photo.jpg"):
        load_photo_image(bad)


def test_wheel_zoom_keeps_the_point_under_the_cursor(view: PhotoView) -> None:
    cursor = QPoint(300, 100)
    before = view.mapToScene(cursor)
    view.zoom_by(2.0)  # AnchorUnderMouse uses the last mouse position; emulate it explicitly below
    view.fit_photo()
    fit = view.zoom()
    from PySide6.QtCore import QPointF as P
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(P(cursor), P(view.viewport().mapToGlobal(cursor)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(event)
    assert view.zoom() == pytest.approx(fit * 1.25 ** 2)
    after = view.mapToScene(cursor)
    assert abs(after.x() - before.x()) < 2.0 and abs(after.y() - before.y()) < 2.0
    view.fit_photo()
    assert view.zoom() == pytest.approx(fit)


def test_overlay_toggle_opacity_and_click(view: PhotoView, qtbot) -> None:
    assert view.overlay_visible()
    view.toggle_overlay()
    assert not view.overlay_visible()
    view.toggle_overlay()
    view.set_overlay_opacity(2.0)
    assert view.overlay_opacity() == 1.0
    with qtbot.waitSignal(view.findingClicked) as blocker:
        assert view.click_at(QPointF(120, 120)) == 1
    assert blocker.args == [1]
    assert view.click_at(QPointF(250, 180)) is None


def test_brush_grows_and_eraser_shrinks_the_mask(view: PhotoView, qtbot) -> None:
    view.select_finding(1)
    view.set_tool(Tool.BRUSH)
    assert view.is_editing()
    area0 = view.edit_region().region.sum()
    view.brush_radius = 5
    view.paint_at(QPointF(145, 120))
    view.paint_at(QPointF(150, 120))
    view.end_stroke()
    edit = view.edit_region()
    assert edit.region.sum() > area0
    view.paint_at(QPointF(120, 120), erase=True)
    view.end_stroke()
    with qtbot.waitSignal(view.maskEdited) as blocker:
        assert view.apply_mask_edit()
    fid, edit = blocker.args
    assert fid == 1 and not view.is_editing() and view.tool() == Tool.NAVIGATE
    # the region maps back to photo pixels: the painted stroke reaches x = 150 + 5, the erased hole is empty
    ox, oy = edit.origin
    sx, _ = edit.scale
    rows, cols = np.nonzero(edit.region)
    assert (ox + (cols.max() + 1) * sx) == pytest.approx(155, abs=2)
    r, c = int((120 - oy) / sx), int((120 - ox) / sx)
    assert not edit.region[r, c]
    assert edit.region[int((105 - oy) / sx), int((105 - ox) / sx)]


def test_eraser_without_selection_stays_in_navigation(view: PhotoView) -> None:
    view.select_finding(None)
    view.set_tool(Tool.ERASER)
    assert view.tool() == Tool.NAVIGATE and not view.is_editing()


def test_brush_without_selection_paints_a_new_finding_of_the_chosen_class(view: PhotoView, qtbot) -> None:
    view.select_finding(None)
    view.set_tool(Tool.BRUSH)
    assert view.tool() == Tool.BRUSH and view.is_drawing_new()
    view.set_new_finding_class(DamageClass.POTHOLE)
    assert not view.apply_mask_edit()  # nothing painted: nothing emitted
    view.set_tool(Tool.BRUSH)
    view.brush_radius = 10.0
    assert view.start_stroke(QPointF(200, 60))  # away from both findings
    view.end_stroke()
    with qtbot.waitSignal(view.maskDrawn) as blocker:
        assert view.apply_mask_edit()
    edit, damage = blocker.args
    assert damage == int(DamageClass.POTHOLE)
    ox, oy = edit.origin
    sx, sy = edit.scale
    assert edit.region[int((60 - oy) / sy), int((200 - ox) / sx)]
    assert not edit.region[int((60 - oy) / sy), int((230 - ox) / sx)]
    assert view.tool() == Tool.NAVIGATE and not view.is_editing()


def test_polygon_tool_emits_a_valid_polygon(view: PhotoView, qtbot) -> None:
    view.set_tool(Tool.POLYGON)
    view.new_finding_class = DamageClass.CRACK
    for x, y in [(200, 50), (260, 50), (260, 90), (500, 500)]:  # the last corner is clamped to the photo
        view.add_polygon_point(QPointF(x, y))
    with qtbot.waitSignal(view.polygonDrawn) as blocker:
        assert view.finish_polygon()
    wkt, damage = blocker.args
    geom = shapely.from_wkt(wkt)
    assert geom.is_valid and damage == int(DamageClass.CRACK)
    assert geom.bounds[2] <= 300 and geom.bounds[3] <= 200
    view.set_tool(Tool.POLYGON)
    view.add_polygon_point(QPointF(1, 1))
    assert not view.finish_polygon()


def test_wkt_to_path_keeps_holes() -> None:
    path = wkt_to_path("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))")
    assert path.contains(QPointF(2, 2)) and not path.contains(QPointF(5, 5))
    assert wkt_to_path("not wkt").isEmpty()


def test_preview_scaled_back_to_photo_size(view: PhotoView) -> None:
    small = load_image_from_array(np.zeros((50, 75, 3), np.uint8))
    view.set_photo(small, QSize(300, 200))
    assert view.sceneRect().width() == 300


def test_preview_drawn_until_the_zoom_needs_detail(view: PhotoView, qtbot) -> None:
    preview = load_image_from_array(np.zeros((500, 1000, 3), np.uint8))
    view.set_photo(preview, QSize(3000, 1500))
    assert view.shown_width() == 1000  # fitted in a 400 px view: the preview is enough
    with qtbot.waitSignal(view.detailWanted):
        view.zoom_by(8.0)
    view.add_detail(load_image_from_array(np.zeros((1500, 3000, 3), np.uint8)))
    assert view.shown_width() == 3000
    view.fit_photo()
    assert view.shown_width() == 1000
    with qtbot.assertNotEmitted(view.detailWanted):
        view.zoom_by(8.0)  # asked once per photo
