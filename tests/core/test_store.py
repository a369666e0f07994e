"""The project file: schema and migrations, refusal of foreign files, paths, reviews, audit, durability."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import roadinspect.core.store as store_module
from roadinspect.core.photos import scan
from roadinspect.core.store import SCHEMA_VERSION, ProjectError, Store
from roadinspect.core.types import DamageClass, Finding, GeoPoint, ReviewStatus, Severity, UnreadableFile
from tests.core.photo_files import scene_jpeg

ROOT = Path(__file__).resolve().parents[2]
SQUARE = "POLYGON ((10 10, 30 10, 30 30, 10 30, 10 10))"
SQUARE_SHIFTED = "POLYGON ((12 12, 32 12, 32 32, 12 32, 12 12))"
ELSEWHERE = "POLYGON ((100 80, 120 80, 120 100, 100 100, 100 80))"


def finding(polygon: str = SQUARE, damage: DamageClass = DamageClass.POTHOLE, **kw) -> Finding:
    return Finding(damage=damage, polygon_wkt=polygon, confidence=kw.pop("confidence", 0.9),
                   kind=kw.pop("kind", "pothole"), severity=kw.pop("severity", Severity.MEDIUM),
                   measures=kw.pop("measures", {"area_px": 400.0}), ground=kw.pop("ground", GeoPoint(49.87, 2.6)))


@pytest.fixture
def project(tmp_path: Path) -> tuple[Store, list[int]]:
    for i in range(3):
        scene_jpeg(tmp_path / "photos" / f"IMG_{i}.jpg", index=i)
    result = scan([tmp_path / "photos"])
    store = Store.open(tmp_path / "survey.roadinspect")
    added = store.add_batch(result.photos, result.unreadable, result.duplicates)
    yield store, added.photo_ids
    store.close()


def test_new_project_has_schema_version_application_id_and_durable_settings(tmp_path: Path) -> None:
    path = tmp_path / "p.roadinspect"
    with Store.open(path) as store:
        assert store.get_meta("created_by").startswith("roadinspect")
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA application_id").fetchone()[0] == store_module.APPLICATION_ID
    raw.close()


def test_a_wal_file_is_switched_back_to_a_rollback_journal(tmp_path: Path) -> None:
    path = tmp_path / "p.roadinspect"
    Store.open(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    raw.close()
    with Store.open(path) as store:
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        store.set_meta("ui.last_photo", 1)
    assert not (tmp_path / "p.roadinspect-wal").exists()


def test_not_sqlite_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.roadinspect"
    path.write_text("this is a text file, not a project\n", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="notes.roadinspect.*not an SQLite database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_sqlite_file_of_another_application_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    with pytest.raises(ProjectError, match="other.db is an SQLite database but not a RoadInspect project"):
        Store.open(path)


def test_project_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.roadinspect"
    with Store.open(path) as store:
        store.set_meta("camera/height_m", 2.1)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match=r"future.roadinspect was written by a newer RoadInspect"):
        Store.open(path)
    with pytest.raises(ProjectError, match="newer"):
        Store.open(path, readonly=True)
    assert path.read_bytes() == before


def test_migrations_upgrade_an_older_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.roadinspect"
    with Store.open(path) as store:
        store.set_meta("camera/height_m", 2.1)

    def add_weather(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE photos ADD COLUMN weather TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS + (add_weather,))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store.open(path) as store:
        columns = [r[1] for r in store._conn.execute("PRAGMA table_info(photos)")]
        assert "weather" in columns
        assert store.get_meta("camera/height_m") == 2.1
        assert store.audit_log()[-1].action == "schema"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    raw.close()


def test_read_only_folder_gives_a_clear_message() -> None:
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    base = Path(tempfile.mkdtemp(prefix="roadinspect-ro-"))  # /tmp itself: traversable by anyone
    os.chmod(base, 0o755)
    folder = base / "Dossier partagé"
    folder.mkdir()
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from roadinspect.core.store import ProjectError, Store
        if os.geteuid() == 0:  # root ignores permissions: act as an unprivileged user from here on
            os.setgid(65534)
            os.setuid(65534)
        try:
            Store.open({str(folder / 'p.roadinspect')!r})
        except ProjectError as exc:
            print("ProjectError:", exc)
    """)
    os.chmod(folder, 0o555)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    finally:
        os.chmod(folder, 0o755)
    try:
        assert "ProjectError:" in out.stdout, out.stderr
        assert "Dossier partagé" in out.stdout and "not writable" in out.stdout
        assert not (folder / "p.roadinspect").exists()
    finally:
        shutil.rmtree(base)


def test_paths_are_relative_so_the_project_folder_can_move(tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    store, ids = project
    assert [r.stored_path for r in store.photos()] == [f"photos/IMG_{i}.jpg" for i in range(3)]
    store.close()
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    shutil.move(str(tmp_path), moved)
    try:
        with Store.open(moved / "survey.roadinspect") as again:
            paths = [r.path for r in again.photos()]
            assert paths == [moved / "photos" / f"IMG_{i}.jpg" for i in range(3)]
            assert all(p.exists() for p in paths)
    finally:
        shutil.move(str(moved), tmp_path)


def test_absolute_path_is_the_fallback_when_only_the_project_file_moves(tmp_path: Path,
                                                                        project: tuple[Store, list[int]]) -> None:
    store, _ = project
    store.close()
    (tmp_path / "elsewhere").mkdir()
    shutil.move(str(tmp_path / "survey.roadinspect"), tmp_path / "elsewhere" / "survey.roadinspect")
    with Store.open(tmp_path / "elsewhere" / "survey.roadinspect") as again:
        assert all(r.path.exists() for r in again.photos())


def test_reimport_updates_instead_of_duplicating_and_a_changed_file_is_analysed_again(
        tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[0], analysis, [finding()])
    store.record_photo_result(ids[1], analysis, [])
    scene_jpeg(tmp_path / "photos" / "IMG_1.jpg", seed=99, index=1)  # new content, same name
    again = scan([tmp_path / "photos"])
    result = store.add_batch(again.photos)
    assert (result.added, result.updated, result.changed) == (0, 2, 1)
    [new_id] = set(result.photo_ids) - set(ids)  # another photo under an analysed name: a new record
    assert sorted(result.photo_ids) == sorted([ids[0], new_id, ids[2]])
    assert len(store.photos()) == 4 and store.photo(ids[1]).replaced_by == new_id
    assert store.photos_to_analyse("a" * 64) == [new_id, ids[2]]
    assert len(store.findings(ids[0])) == 1


def test_a_copy_imported_later_is_a_duplicate(tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    store, ids = project
    copy = tmp_path / "card2" / "DCIM_0001.jpg"
    copy.parent.mkdir()
    shutil.copyfile(tmp_path / "photos" / "IMG_0.jpg", copy)
    second = scan([copy.parent])
    result = store.add_batch(second.photos)
    assert result.photo_ids == [] and result.duplicates == 1
    assert len(store.photos()) == 3
    row = next(r for r in store.photos(usable_only=False) if r.path == copy)
    assert row.duplicate_of == ids[0]
    assert store.counts()["duplicates"] == 1


def test_unreadable_files_are_kept_with_their_reason(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.roadinspect") as store:
        store.add_batch([], [UnreadableFile(tmp_path / "empty.jpg", "empty file (0 bytes)")])
        assert store.counts()["unreadable"] == [{"file": str(tmp_path / "empty.jpg"), "reason": "empty file (0 bytes)"}]
        assert store.photos() == []


def test_a_photo_result_is_one_transaction(project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    bad = Finding(DamageClass.CRACK, SQUARE, 0.5, "longitudinal", "not-a-severity")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.record_photo_result(ids[0], analysis, [finding(), bad])
    assert store.findings(ids[0]) == []  # the first finding was rolled back with the rest
    assert store.photo(ids[0]).analysis_id is None
    assert ids[0] in store.photos_to_analyse("a" * 64)


def test_reanalysis_keeps_reviews_and_replaces_only_unreviewed_model_findings(project: tuple[Store, list[int]]) -> None:
    store, ids = project
    first = store.start_analysis("model", "1" * 64)
    store.record_photo_result(ids[0], first,
                              [finding(SQUARE), finding(ELSEWHERE), finding(SQUARE_SHIFTED.replace("12", "60"))])
    f_reviewed, f_untouched, f_pending = [rf.finding.id for rf in store.findings(ids[0])]
    store.set_review(f_reviewed, ReviewStatus.ACCEPTED, "alice")
    store.set_review(f_pending, ReviewStatus.PENDING, "alice")
    drawn = store.add_inspector_finding(ids[0], DamageClass.CRACK, "POLYGON ((0 100, 50 100, 50 104, 0 104, 0 100))",
                                        "bob")
    second = store.start_analysis("model", "2" * 64)
    assert ids[0] in store.photos_to_analyse("2" * 64)
    outcome = store.record_photo_result(ids[0], second, [
        finding(SQUARE_SHIFTED), finding("POLYGON ((200 10, 210 10, 210 20, 200 20, 200 10))")])
    assert (outcome.replaced, outcome.kept_reviewed, outcome.dropped_overlapping, outcome.added) == (2, 2, 1, 1)
    remaining = {rf.finding.id: rf for rf in store.findings(ids[0])}
    assert f_reviewed in remaining and remaining[f_reviewed].status is ReviewStatus.ACCEPTED
    assert drawn.finding.id in remaining
    assert f_untouched not in remaining and f_pending not in remaining
    assert len(remaining) == 3
    assert ids[0] not in store.photos_to_analyse("2" * 64)


def test_reanalysis_keeps_corrected_findings_with_their_corrections(project: tuple[Store, list[int]]) -> None:
    store, ids = project
    first = store.start_analysis("model", "1" * 64)
    store.record_photo_result(ids[0], first, [finding(SQUARE), finding(ELSEWHERE),
                                              finding("POLYGON ((200 10, 210 10, 210 20, 200 20, 200 10))")])
    by_class, by_outline, rejected = [rf.finding.id for rf in store.findings(ids[0])]
    store.set_review(by_class, ReviewStatus.CORRECTED, "alice", damage=DamageClass.CRACK, severity=Severity.LOW,
                     kind="transverse", note="fissure")
    redrawn = "POLYGON ((100 80, 124 80, 124 104, 100 104, 100 80))"
    store.update_finding_geometry(by_outline, redrawn, "alice", measures={"area_px": 576.0}, severity=Severity.HIGH)
    store.set_review(rejected, ReviewStatus.REJECTED, "alice")
    assert store.finding(by_outline).status is ReviewStatus.CORRECTED
    second = store.start_analysis("model", "2" * 64)
    # The new model sees the same three damages again, slightly moved, and one new one.
    outcome = store.record_photo_result(ids[0], second, [
        finding(SQUARE_SHIFTED), finding("POLYGON ((102 82, 122 82, 122 102, 102 102, 102 82))"),
        finding("POLYGON ((201 11, 211 11, 211 21, 201 21, 201 11))"),
        finding("POLYGON ((300 10, 310 10, 310 20, 300 20, 300 10))")])
    assert (outcome.replaced, outcome.kept_reviewed, outcome.dropped_overlapping, outcome.added) == (0, 3, 3, 1)
    remaining = {rf.finding.id: rf for rf in store.findings(ids[0])}
    assert set(remaining) >= {by_class, by_outline, rejected} and len(remaining) == 4
    corrected = remaining[by_class]
    assert corrected.status is ReviewStatus.CORRECTED and corrected.review.damage == DamageClass.CRACK
    assert (corrected.review.severity, corrected.review.kind, corrected.review.note) == (Severity.LOW, "transverse",
                                                                                         "fissure")
    outlined = remaining[by_outline]
    assert outlined.status is ReviewStatus.CORRECTED and outlined.finding.polygon_wkt == redrawn
    assert outlined.finding.measures == {"area_px": 576.0} and outlined.finding.severity == Severity.HIGH
    assert remaining[rejected].status is ReviewStatus.REJECTED


def test_review_is_durable_at_once_and_audited(tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[0], analysis, [finding()])
    fid = store.findings(ids[0])[0].finding.id
    review = store.set_review(fid, "corrected", "Élodie", damage=DamageClass.CRACK, severity="high", note="fissure")
    assert review.at is not None
    with Store.open(tmp_path / "survey.roadinspect", readonly=True) as other:  # another connection sees it
        seen = other.finding(fid)
        assert seen.status is ReviewStatus.CORRECTED
        assert seen.damage is DamageClass.CRACK and seen.severity is Severity.HIGH
        assert seen.finding.damage is DamageClass.POTHOLE  # the model's answer is kept beside the correction
    store.set_review(fid, ReviewStatus.REJECTED, "Marc")
    entries = [e for e in store.audit_log() if e.action == "review"]
    assert [e.who for e in entries] == ["Élodie", "Marc"]
    assert entries[1].details["before"]["status"] == "corrected" and entries[1].details["after"]["status"] == "rejected"
    with pytest.raises(KeyError):
        store.set_review(999_999, ReviewStatus.ACCEPTED, "x")


def test_corrected_crack_type_is_stored_reloaded_and_audited(tmp_path: Path,
                                                            project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[0], analysis, [finding(damage=DamageClass.CRACK, kind="longitudinal"),
                                                 finding(ELSEWHERE)])
    crack, pothole = (rf.finding.id for rf in store.findings(ids[0]))
    review = store.set_review(crack, ReviewStatus.CORRECTED, "Élodie", kind="transverse")
    assert review.kind == "transverse"
    store.close()
    with Store.open(tmp_path / "survey.roadinspect") as again:
        seen = again.finding(crack)
        assert seen.review.kind == "transverse" and seen.kind == "transverse"  # type: ignore[union-attr]
        assert seen.finding.kind == "longitudinal"  # the model's type is kept beside the correction
        entry = [e for e in again.audit_log() if e.action == "review"][-1]
        assert entry.details["before"] is None and entry.details["after"]["kind"] == "transverse"
        again.set_review(crack, ReviewStatus.ACCEPTED, "Marc")  # a decision without a type clears it
        assert again.finding(crack).review.kind is None  # type: ignore[union-attr]
        assert [e for e in again.audit_log() if e.action == "review"][-1].details["before"]["kind"] == "transverse"
        with pytest.raises(ValueError, match="unknown damage type 'diagonal'"):
            again.set_review(crack, ReviewStatus.CORRECTED, "x", kind="diagonal")
        with pytest.raises(ValueError, match="does not match"):
            again.set_review(crack, ReviewStatus.CORRECTED, "x", kind="pothole")
        with pytest.raises(ValueError, match="does not match"):
            again.set_review(pothole, ReviewStatus.CORRECTED, "x", kind="alligator")
        with pytest.raises(ValueError, match="does not match"):
            again.set_review(crack, ReviewStatus.CORRECTED, "x", damage=DamageClass.POTHOLE, kind="transverse")
        again.set_review(pothole, ReviewStatus.CORRECTED, "x", damage=DamageClass.CRACK, kind="alligator")
        assert again.finding(pothole).kind == "alligator"
        assert again.finding(crack).review.kind is None  # type: ignore[union-attr]  # refused writes left nothing


def test_a_version_1_project_is_upgraded_and_keeps_its_reviews(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written before ``reviews.kind`` existed (schema 1) opens, upgrades, and then stores types."""
    scene_jpeg(tmp_path / "photos" / "IMG_0.jpg", index=0)
    result = scan([tmp_path / "photos"])
    path = tmp_path / "old.roadinspect"
    with monkeypatch.context() as old:  # the first schema only, as the first RoadInspect wrote it
        old.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
        old.setattr(store_module, "SCHEMA_VERSION", 1)
        with Store.open(path) as store:  # the photo row as the first schema held it (today's add_batch needs more)
            pid = store._conn.execute(
                "INSERT INTO photos(path, abs_path, fingerprint, width, height, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                ("photos/IMG_0.jpg", str(result.photos[0].path), result.photos[0].fingerprint, 160, 120,
                 "2026-05-01T07:00:00+00:00")).lastrowid
            crack = finding(damage=DamageClass.CRACK, kind="longitudinal")
            fid = store._conn.execute(
                "INSERT INTO findings(photo_id, source, damage, kind, severity, polygon_wkt, confidence, created_at) "
                "VALUES (?, 'model', ?, ?, ?, ?, ?, '2026-05-01T07:30:00+00:00')",
                (pid, int(crack.damage), crack.kind, crack.severity.value, crack.polygon_wkt, crack.confidence)
            ).lastrowid
            store._conn.execute("INSERT INTO reviews(finding_id, status, severity, note, reviewer, at) "
                                "VALUES (?, 'corrected', 'high', 'vu', 'ana', '2026-05-01T08:00:00+00:00')", (fid,))
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "kind" not in [r[1] for r in raw.execute("PRAGMA table_info(reviews)")]
    raw.close()
    with pytest.raises(ProjectError, match="older project format"):  # read-only cannot upgrade
        Store.open(path, readonly=True)

    with Store.open(path) as store:
        upgrades = [e.details["version"] for e in store.audit_log() if e.action == "schema"]
        assert upgrades == list(range(1, SCHEMA_VERSION + 1))  # 1 when created, then each upgrade in turn
        old_review = store.finding(fid)
        assert old_review.status is ReviewStatus.CORRECTED and old_review.severity is Severity.HIGH
        assert old_review.review.note == "vu" and old_review.review.kind is None  # type: ignore[union-attr]
        assert old_review.kind == "longitudinal"
        store.set_review(fid, ReviewStatus.CORRECTED, "ana", severity="high", note="vu", kind="alligator")
    with Store.open(path, readonly=True) as store:
        assert store.finding(fid).kind == "alligator"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_review_survives_kill_9(tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[0], analysis, [finding()])
    fid = store.findings(ids[0])[0].finding.id
    store.close()
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from roadinspect.core.store import Store
        store = Store.open({str(tmp_path / 'survey.roadinspect')!r})
        store.set_review({fid}, "accepted", "night shift")
        print("reviewed", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "reviewed"
    finally:
        child.kill()  # SIGKILL: no clean-up, no close
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]
    with Store.open(tmp_path / "survey.roadinspect") as again:
        assert again.finding(fid).status is ReviewStatus.ACCEPTED


def test_audit_log_is_append_only(project: tuple[Store, list[int]]) -> None:
    store, _ = project
    store.set_meta("camera/height_m", 2.2, who="alice")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._conn.execute("UPDATE audit_log SET who = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._conn.execute("DELETE FROM audit_log")
    assert store.audit_log()[-1].who == "alice"


def test_inspector_findings_and_geometry_corrections(project: tuple[Store, list[int]]) -> None:
    store, ids = project
    drawn = store.add_inspector_finding(ids[1], DamageClass.POTHOLE, SQUARE, "alice", severity="high")
    assert drawn.finding.source == "inspector" and drawn.status is ReviewStatus.ACCEPTED
    assert drawn.finding.kind == "pothole" and drawn.severity is Severity.HIGH
    with pytest.raises(ValueError):
        store.add_inspector_finding(ids[1], DamageClass.CRACK, "POLYGON ((0 0, 1 1", "alice")
    with pytest.raises(ValueError):
        store.add_inspector_finding(ids[1], DamageClass.BACKGROUND, SQUARE, "alice")
    with pytest.raises(ValueError):
        store.add_inspector_finding(ids[1], DamageClass.CRACK, "LINESTRING (0 0, 5 5)", "alice")

    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[2], analysis, [finding()])
    fid = store.findings(ids[2])[0].finding.id
    updated = store.update_finding_geometry(fid, SQUARE_SHIFTED, "bob", measures={"area_px": 410.0})
    assert updated.finding.polygon_wkt == SQUARE_SHIFTED and updated.finding.measures == {"area_px": 410.0}
    assert updated.status is ReviewStatus.CORRECTED and updated.review.reviewer == "bob"  # type: ignore[union-attr]
    entry = [e for e in store.audit_log() if e.action == "geometry"][-1]
    assert entry.details["before"] == SQUARE and entry.details["after"] == SQUARE_SHIFTED
    store.set_review(fid, ReviewStatus.REJECTED, "carol")
    assert store.update_finding_geometry(fid, SQUARE, "bob").status is ReviewStatus.REJECTED


def test_meta_values_and_view_state(project: tuple[Store, list[int]]) -> None:
    store, _ = project
    assert store.get_meta("camera/height_m", 1.5) == 1.5
    store.set_meta("camera/height_m", 2.4, who="alice")
    store.set_meta("ui.last_finding", {"photo": 3, "finding": 12})
    assert store.get_meta("camera/height_m") == 2.4
    assert store.get_meta("ui.last_finding") == {"photo": 3, "finding": 12}
    settings = [e for e in store.audit_log() if e.action == "setting"]
    assert [e.details["key"] for e in settings] == ["camera/height_m"]


def test_counts(project: tuple[Store, list[int]]) -> None:
    store, ids = project
    analysis = store.start_analysis("m", "a" * 64)
    store.record_photo_result(ids[0], analysis, [finding(), finding(ELSEWHERE, DamageClass.CRACK, kind="transverse")])
    store.record_photo_error(ids[1], "file not found: deleted or moved since it was added to the project", analysis)
    counts = store.counts()
    assert counts["photos"] == 3 and counts["analysed"] == 1 and counts["with_position"] == 3
    assert counts["findings"] == 2 and counts["findings_by_class"] == {"crack": 1, "pothole": 1}
    assert [u["reason"] for u in counts["unreadable"]] == [
        "file not found: deleted or moved since it was added to the project"]
    assert store.analyses()[0].photos_done == 1 and store.analyses()[0].photos_failed == 1


def test_readonly_store_refuses_writes(tmp_path: Path, project: tuple[Store, list[int]]) -> None:
    with Store.open(tmp_path / "survey.roadinspect", readonly=True) as ro:
        with pytest.raises(ProjectError, match="read-only"):
            ro.set_meta("x", 1)
    with pytest.raises(ProjectError, match="not found"):
        Store.open(tmp_path / "missing.roadinspect", create=False)
