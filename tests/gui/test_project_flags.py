"""The photo list shows photos the analysis crashed on and records whose file changed (issue 12, points 2, 6)."""

from __future__ import annotations

from pathlib import Path

from roadinspect.core.photos import scan
from roadinspect.core.store import CRASH_REASON, Store
from roadinspect.core.types import DamageClass, Finding, Severity
from roadinspect.gui.project import ProjectSession
from tests.core.photo_files import scene_jpeg

CRACK = "POLYGON ((10 10, 60 10, 60 20, 10 20, 10 10))"


def test_failed_and_changed_photos_are_flagged_in_their_rows(tmp_path: Path, qapp: object) -> None:
    card = tmp_path / "card"
    for i in range(2):
        scene_jpeg(card / f"IMG_000{i + 1}.jpg", seed=1 + i, index=i)
    path = tmp_path / "survey.roadinspect"
    with Store.open(path) as store:
        first, crashing = store.add_batch(scan([card]).photos).photo_ids
        analysis = store.start_analysis("m", "a" * 64)
        store.record_photo_result(first, analysis, [Finding(damage=DamageClass.CRACK, polygon_wkt=CRACK,
                                                            confidence=0.9, kind="isolated", severity=Severity.LOW)])
        store.claim_photos(analysis, [crashing], alone=True)  # the process died on it while alone
        assert store.settle_interrupted()[1] == [crashing]
        scene_jpeg(card / "IMG_0001.jpg", seed=40, index=30)  # the card reused
        [replacement, _] = store.add_batch(scan([card]).photos).photo_ids
    session = ProjectSession.open(path, "ana")
    try:
        failed, old, new = session.row(crashing), session.row(first), session.row(replacement)
        assert failed.state == "error" and "crashed" in failed.error
        assert old.findings == 1 and "changed or missing since import" in old.error
        assert new.state == "pending" and new.error == ""
        assert session.store.photo(crashing).failure == CRASH_REASON
    finally:
        session.close()
