"""``roadinspect review FILE ID crack|pothole`` measures the finding again as the new class, as the app's 1 / 2 keys
do (issue 20.6): a pothole made a crack gets a length and widths, and back a diameter again."""

from __future__ import annotations

from pathlib import Path

from roadinspect.cli import main
from roadinspect.core.findings import CRACK_KINDS, finding_from_polygon
from roadinspect.core.photos import scan
from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from tests.core.photo_files import scene_jpeg

OUTLINE = "POLYGON ((100 300, 400 310, 400 330, 100 320, 100 300))"


def test_a_class_change_on_the_command_line_measures_the_finding_again(tmp_path: Path) -> None:
    scene_jpeg(tmp_path / "photos" / "a.jpg", size=(640, 480))
    result = scan([tmp_path / "photos"])
    project = tmp_path / "p.roadinspect"
    with Store.open(project) as store:
        store.add_batch(result.photos, result.unreadable, result.duplicates)
        record = store.photos()[0]
        pothole = finding_from_polygon(OUTLINE, DamageClass.POTHOLE, record.photo)
        fid = store.add_inspector_finding(record.id, DamageClass.POTHOLE, OUTLINE, "Alice", kind=pothole.kind,
                                          severity=pothole.severity, measures=dict(pothole.measures),
                                          ground=pothole.ground).finding.id
    assert main(["review", str(project), str(fid), "crack", "--as", "Bruno"]) == 0
    with Store.open(project, readonly=True) as store:
        crack = store.finding(fid)
    assert crack.damage == DamageClass.CRACK and crack.kind in CRACK_KINDS
    assert crack.finding.measures.get("length_m", 0) > 0 and "diameter_m" not in crack.finding.measures
    assert crack.review.reviewer == "Bruno" and crack.finding.polygon_wkt == OUTLINE
    assert main(["review", str(project), str(fid), "pothole", "--as", "Bruno"]) == 0
    with Store.open(project, readonly=True) as store:
        back = store.finding(fid)
    assert back.damage == DamageClass.POTHOLE and back.kind == "pothole" and back.status == ReviewStatus.ACCEPTED
    assert back.finding.measures["diameter_m"] == pothole.measures["diameter_m"]
