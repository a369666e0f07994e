"""A reused file name never moves an inspector's decisions onto another photo (issue 12, point 6).

A memory card reused for another drive brings new photos under the names of photos already in the
project: each becomes a new record, and the earlier record keeps its position, time, findings and
reviews, flagged "file changed or missing since import". A photo deleted after import is flagged too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import roadinspect.cli_inspect as cli_inspect
from roadinspect.cli import main
from roadinspect.core.exports.project import export_project
from roadinspect.core.photos import scan
from roadinspect.core.report import ReportOptions
from roadinspect.core.store import CHANGED_REASON, Store
from roadinspect.core.types import DamageClass, Finding, ReviewStatus, Severity
from tests.core.photo_files import TruthSegmenter, scene_jpeg, truth_batch

CRACK = "POLYGON ((10 10, 60 10, 60 20, 10 20, 10 10))"


def crack() -> Finding:
    return Finding(damage=DamageClass.CRACK, polygon_wkt=CRACK, confidence=0.9, kind="longitudinal",
                   severity=Severity.MEDIUM, measures={})


def test_a_reused_card_adds_new_records_and_the_old_ones_keep_their_reviews(tmp_path: Path) -> None:
    card = tmp_path / "card"
    for i in range(2):
        scene_jpeg(card / f"IMG_000{i + 1}.jpg", seed=1 + i, index=i)
    store = Store.open(tmp_path / "survey.roadinspect")
    first = store.add_batch(scan([card]).photos)
    old = {r.path.name: r for r in store.photos()}
    analysis = store.start_analysis("m", "a" * 64)
    for photo_id in first.photo_ids:
        store.record_photo_result(photo_id, analysis, [crack()])
    reviewed = {rf.finding.photo_id: rf.finding.id for rf in store.findings()}
    for photo_id, finding_id in reviewed.items():
        store.set_review(finding_id, ReviewStatus.ACCEPTED, "Élodie", note=f"vu sur {photo_id}")

    for i in range(2):  # the card reused: other photos, same names, elsewhere on the road, later
        scene_jpeg(card / f"IMG_000{i + 1}.jpg", seed=40 + i, index=30 + i, time_step_s=600.0)
    second = store.add_batch(scan([card]).photos)
    assert second.changed == 2 and second.added == 0
    assert store.counts()["photos"] == 4
    assert set(second.photo_ids).isdisjoint(first.photo_ids)
    records = {r.id: r for r in store.photos()}
    for photo_id in first.photo_ids:
        before, now = old[records[photo_id].path.name], records[photo_id]
        assert now.photo.position == before.photo.position and now.photo.taken_at == before.photo.taken_at
        assert now.replaced_by in second.photo_ids and now.analysis_id == analysis
        [rf] = store.findings(photo_id)
        assert rf.status is ReviewStatus.ACCEPTED and rf.review.note == f"vu sur {photo_id}"  # type: ignore[union-attr]
    for photo_id in second.photo_ids:
        new = records[photo_id]
        assert new.replaced_by is None and new.analysis_id is None and store.findings(photo_id) == []
        assert new.photo.position != old[new.path.name].photo.position
    assert sorted(store.photos_to_analyse("a" * 64)) == sorted(second.photo_ids)  # old records: never again
    changed = store.changed()
    assert [(c.path.name, c.reason) for c in changed] == [("IMG_0001.jpg", CHANGED_REASON),
                                                          ("IMG_0002.jpg", CHANGED_REASON)]
    assert [e.action for e in store.audit_log()].count("photo_replaced") == 2

    third = store.add_batch(scan([card]).photos)  # the same files again: nothing new
    assert third.updated == 2 and third.changed == 0 and store.counts()["photos"] == 4
    store.close()

    # the report keeps the old findings but never draws them over the other photo the file now holds
    result = export_project(store.path, tmp_path / "out", ["report"], report=ReportOptions(lang="en"))
    assert result.ok, result.errors
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count(f"({CHANGED_REASON})") >= 1


def test_a_changed_file_never_analysed_is_updated_in_place(tmp_path: Path) -> None:
    """Nothing recorded on the old record (no analysis, no finding): no history to keep."""
    path = scene_jpeg(tmp_path / "card" / "IMG_0001.jpg", seed=1)
    with Store.open(tmp_path / "survey.roadinspect") as store:
        first = store.add_batch(scan([path]).photos)
        scene_jpeg(path, seed=9, index=12)
        second = store.add_batch(scan([path]).photos)
        assert second.photo_ids == first.photo_ids and second.changed == 1
        assert store.counts()["photos"] == 1 and store.changed() == []


@pytest.fixture
def analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    folder = tmp_path / "photos"
    pairs = truth_batch(folder, 3)
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: TruthSegmenter(pairs))
    project = tmp_path / "survey.roadinspect"
    assert main(["analyze", str(folder), "--project", str(project)]) == 0
    return folder, project


def test_info_and_export_say_a_photo_was_deleted_after_import(tmp_path: Path, analysed: tuple[Path, Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder, project = analysed
    gone = folder / "IMG_0001.jpg"
    gone.unlink()
    capsys.readouterr()
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["changed"] == [{"file": str(gone), "reason": CHANGED_REASON}]
    assert info["photos"] == 3  # the record and its findings stay
    assert main(["info", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Changed or missing since import (findings and reviews kept): 1" in out
    assert f"{gone}: {CHANGED_REASON}" in out
    main(["export", str(project), "--out", str(tmp_path / "out"), "--formats", "csv"])
    err = capsys.readouterr().err
    assert f"warning: {gone}: {CHANGED_REASON}" in err


def test_a_photo_folder_that_cannot_be_entered_is_missing_not_a_traceback(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``Path.exists`` raises PermissionError for a folder without search permission (Python 3.11);
    resolving a stored path must treat it as "not there" (the suite runs as root, so it is simulated)."""
    import os

    with Store.open(tmp_path / "p.roadinspect") as store:
        locked = tmp_path / "locked"
        real_stat = os.stat

        def stat(path, *args, **kwargs):
            if str(path).startswith(str(locked)):
                raise PermissionError(13, "Permission denied", str(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", stat)
        fallback = tmp_path / "elsewhere.jpg"
        fallback.write_bytes(b"x")
        assert store.resolve(str(locked / "a.jpg"), str(fallback)) == fallback
        assert store.resolve(str(locked / "a.jpg"), str(locked / "b.jpg")) == locked / "a.jpg"
