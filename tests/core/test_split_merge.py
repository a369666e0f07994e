"""Split a project into parts, review them as separate inspectors, merge them back (issue 17)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from roadinspect.cli import main
from roadinspect.core import store as store_module
from roadinspect.core.geo import MetricFrame
from roadinspect.core.jobs import load_project_data
from roadinspect.core.sites import build_sites, time_key
from roadinspect.core.split_merge import (
    MergeError,
    SplitError,
    merge_parts,
    open_conflicts,
    part_info,
    review_counts,
    split_project,
)
from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from tests.core.survey_project import make_project


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One analysed project, copied by each test (the extraction runs once)."""
    return make_project(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def project(pristine, tmp_path):
    folder = tmp_path / "office"
    shutil.copytree(pristine.parent, folder)
    return folder / pristine.name


def _state(path):
    """Everything a merge may change: findings, reviews, conflicts and the audit log."""
    conn = sqlite3.connect(path)
    try:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("findings", "reviews", "review_conflicts", "audit_log", "merge_log")]
    finally:
        conn.close()


def _split(project, tmp_path, parts=3, *extra):
    out = tmp_path / "parts"
    assert main(["split", str(project), "--parts", str(parts), "--out", str(out), *extra]) == 0
    return sorted(out.glob("*.roadinspect"))


def _cli(capsys, *args):
    capsys.readouterr()  # what earlier commands printed
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _route_metres(project):
    """Distance along the drive of each photo id (the drive is straight)."""
    with Store.open(project, create=False, readonly=True) as store:
        records = [r for r in store.photos()]
    frame = MetricFrame.around(r.photo.position for r in records)
    records.sort(key=lambda r: time_key(r.photo.taken_at))
    xy = frame.to_xy([r.photo.position for r in records])
    start = xy[0]
    return {r.id: float(((p - start) ** 2).sum() ** 0.5) for r, p in zip(records, xy, strict=True)}


def test_split_makes_contiguous_parts_of_whole_sections_without_splitting_a_site(project, tmp_path, capsys):
    parts = _split(project, tmp_path)
    assert [p.name for p in parts] == [f"survey.part{i}of3.roadinspect" for i in (1, 2, 3)]
    metres = _route_metres(project)
    data = load_project_data(project)
    with Store.open(project, create=False, readonly=True) as store:
        all_ids = {rf.finding.id: rf.finding.photo_id for rf in store.findings()}
    seen_photos, seen_findings, spans = set(), {}, []
    for i, path in enumerate(parts, start=1):
        with Store.open(path, create=False, readonly=True) as part:
            info = part_info(part)
            assert (info.index, info.of, info.source) == (i, 3, str(project))
            photo_ids = {r.id for r in part.photos()}
            findings = {rf.finding.id: rf.finding.photo_id for rf in part.findings()}
            assert all(part.photo(p).path.is_file() for p in photo_ids)  # relative to the part
            assert part.analyses()[0].model_sha256 == "5" * 64
        assert not seen_photos & photo_ids
        seen_photos |= photo_ids
        seen_findings.update(findings)
        spans.append((min(metres[p] for p in photo_ids), max(metres[p] for p in photo_ids)))
    assert seen_photos == set(metres) and seen_findings == all_ids  # every photo once, same finding ids
    # contiguous, cut at a section boundary (a multiple of 100 m) ...
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start - end == pytest.approx(8.0, abs=0.01)
        assert int(end // 100) != int(start // 100)
    # ... and never inside a site (the pothole at 110 m is seen from both sides of 100 m)
    part_of = {}
    for i, path in enumerate(parts):
        with Store.open(path, create=False, readonly=True) as part:
            part_of.update({r.id: i for r in part.photos()})
    sites = build_sites(data.photos, data.findings, data.reviews)
    assert any(min(metres[p] for p in s.photo_ids) < 100 < max(metres[p] for p in s.photo_ids) for s in sites)
    for site in sites:
        assert len({part_of[p] for p in site.photo_ids}) == 1, site.id
    code, out, _ = _cli(capsys, "info", str(parts[1]))
    assert code == 0 and f"part 2 of 3 of {project}" in out
    code, out, _ = _cli(capsys, "info", str(parts[1]), "--json")
    assert json.loads(out)["part"]["index"] == 2


def test_split_refuses_to_overwrite_a_part_and_too_many_parts(project, tmp_path, capsys):
    _split(project, tmp_path, 2)
    code, _, err = _cli(capsys, "split", str(project), "--parts", "2", "--out", str(tmp_path / "parts"))
    assert code == 2 and "already exists" in err and len(err.strip().splitlines()) == 1
    code, _, err = _cli(capsys, "split", str(project), "--parts", "9", "--out", str(tmp_path / "many"))
    assert code == 2 and "road sections" in err and not list((tmp_path / "many").glob("*.roadinspect"))


def test_reviews_in_parts_come_back_with_author_and_time_and_a_second_merge_changes_nothing(project, tmp_path, capsys):
    parts = _split(project, tmp_path)
    decided = {}
    for path, who in zip(parts, ("Alice", "Bruno", "Chloé"), strict=True):
        with Store.open(path, create=False, readonly=True) as part:
            fids = [rf.finding.id for rf in part.findings()]
        assert _cli(capsys, "review", str(path), str(fids[0]), "reject", "--as", who, "--note", "ombre")[0] == 0
        assert _cli(capsys, "review", str(path), str(fids[1]), "accept", "--as", who)[0] == 0
        with Store.open(path, create=False, readonly=True) as part:
            decided.update({f: part.finding(f).review for f in fids[:2]})
    with Store.open(parts[0], create=True) as part:  # a corrected outline in part 1
        fid = part.findings()[2].finding.id
        corrected = part.update_finding_geometry(fid, "POLYGON ((1 1, 60 1, 60 40, 1 40, 1 1))", reviewer="Alice")
        decided[fid] = corrected.review
    code, out, _ = _cli(capsys, "merge", str(project), *map(str, parts))
    assert code == 0 and "7 decisions merged" in out
    with Store.open(project, create=False, readonly=True) as store:
        for fid, review in decided.items():
            got = store.finding(fid)
            assert (got.review.status, got.review.reviewer, got.review.at, got.review.note) == (
                review.status, review.reviewer, review.at, review.note)
        assert store.finding(fid).finding.polygon_wkt == "POLYGON ((1 1, 60 1, 60 40, 1 40, 1 1))"
        merged = [e for e in store.audit_log() if e.details.get("merged_from")]
        assert {e.who for e in merged} == {"Alice", "Bruno", "Chloé"} and len(merged) == 8  # 7 reviews + 1 outline
        assert review_counts(store) == {"accepted": 3, "rejected": 3, "corrected": 1,
                                        "pending": store.counts()["findings"] - 7, "conflicts": 0}
    before = _state(project)
    code, out, _ = _cli(capsys, "merge", str(project), *map(str, parts))
    assert code == 0 and "nothing new" in out
    assert _state(project) == before


def test_a_finding_decided_differently_in_a_part_and_in_the_project_is_a_conflict(project, tmp_path, capsys):
    parts = _split(project, tmp_path, 2)
    with Store.open(parts[0], create=False, readonly=True) as part:
        fid = part.findings()[0].finding.id
    assert _cli(capsys, "review", str(parts[0]), str(fid), "accept", "--as", "Alice")[0] == 0
    assert _cli(capsys, "review", str(project), str(fid), "reject", "--as", "Superviseur")[0] == 0
    code, out, _ = _cli(capsys, "merge", str(project), str(parts[0]))
    assert code == 1 and f"conflict: finding {fid}" in out and "Alice" in out and "Superviseur" in out
    with Store.open(project, create=False, readonly=True) as store:
        assert store.finding(fid).status == ReviewStatus.REJECTED  # never resolved silently
        [conflict] = open_conflicts(store)
        assert conflict.finding_id == fid
        assert {d["status"] for d in conflict.decisions} == {"accepted", "rejected"}
        entry = [e for e in store.audit_log() if e.action == "merge_conflict"][-1]
        assert entry.details["project"]["reviewer"] == "Superviseur" and entry.details["part"]["reviewer"] == "Alice"
    code, out, _ = _cli(capsys, "info", str(project), "--json")
    assert json.loads(out)["reviews"]["conflicts"] == 1
    before = _state(project)
    assert _cli(capsys, "merge", str(project), str(parts[0]))[0] == 0  # already listed: nothing new
    assert _state(project) == before
    # the supervisor decides: the conflict is closed, and merging again does not reopen it
    assert _cli(capsys, "review", str(project), str(fid), "accept", "--as", "Superviseur")[0] == 0
    assert _cli(capsys, "merge", str(project), str(parts[0]))[0] == 0
    with Store.open(project, create=False, readonly=True) as store:
        assert open_conflicts(store) == [] and store.finding(fid).review.reviewer == "Superviseur"


def test_a_finding_drawn_in_a_part_is_added_once(project, tmp_path, capsys):
    parts = _split(project, tmp_path, 2)
    with Store.open(parts[1], create=True) as part:
        photo_id = part.photos()[0].id
        drawn = part.add_inspector_finding(photo_id, DamageClass.POTHOLE, "POLYGON ((5 5, 30 5, 30 30, 5 30, 5 5))",
                                           reviewer="Bruno", note="nid de poule oublié")
    with Store.open(project, create=True) as store:  # the office adds a finding meanwhile: ids may collide
        store.add_inspector_finding(photo_id, DamageClass.CRACK, "POLYGON ((1 1, 9 1, 9 9, 1 9, 1 1))",
                                    reviewer="Superviseur")
        n = store.counts()["findings"]
    assert _cli(capsys, "merge", str(project), str(parts[1]))[0] == 0
    assert _cli(capsys, "merge", str(project), str(parts[1]))[0] == 0
    with Store.open(project, create=False, readonly=True) as store:
        assert store.counts()["findings"] == n + 1
        added = [rf for rf in store.findings(photo_id) if rf.review and rf.review.note == "nid de poule oublié"]
        assert len(added) == 1 and added[0].review.reviewer == "Bruno" and added[0].review.at == drawn.review.at
        assert added[0].damage == DamageClass.POTHOLE


def test_a_part_of_another_project_or_another_analysis_is_refused(project, pristine, tmp_path, capsys):
    other = make_project(tmp_path / "other", "other.roadinspect")
    other_parts = tmp_path / "other_parts"
    assert main(["split", str(other), "--parts", "2", "--out", str(other_parts)]) == 0
    before = _state(project)
    code, _, err = _cli(capsys, "merge", str(project), str(sorted(other_parts.glob("*.roadinspect"))[0]))
    assert code == 2 and "another project" in err and len(err.strip().splitlines()) == 1
    code, _, err = _cli(capsys, "merge", str(project), str(other))  # not a part at all
    assert code == 2 and "not a part" in err
    assert _state(project) == before
    parts = _split(project, tmp_path, 2)
    with Store.open(parts[1], create=True) as store:  # analysed again in the field, in the part
        rf = store.findings()[0]  # pending: a new analysis replaces it with a new model finding
        store.record_photo_result(rf.finding.photo_id, store.start_analysis("field", "7" * 64), [rf.finding])
    code, _, err = _cli(capsys, "merge", str(project), str(parts[1]))
    assert code == 2 and "analysed again after the split" in err
    with Store.open(project, create=True) as store:  # analysed again since the split
        photo = store.photos()[0].id
        analysis = store.start_analysis("newer", "6" * 64)
        store.record_photo_result(photo, analysis, [])
    code, _, err = _cli(capsys, "merge", str(project), *map(str, parts))
    assert code == 2 and "analysed again" in err
    with pytest.raises(MergeError):
        merge_parts(project, parts)


def test_a_part_moved_with_its_photos_still_opens_and_merges(project, tmp_path, capsys):
    parts = _split(project, tmp_path, 2, "--with-photos")
    moved = tmp_path / "laptop" / "terrain"
    shutil.copytree(parts[0].parent, moved)
    shutil.rmtree(parts[0].parent)
    shutil.rmtree(project.parent / "photos")  # the office copy of the photos is gone too
    part = moved / parts[0].name
    with Store.open(part, create=False, readonly=True) as store:
        records = store.photos()
        assert records and all(r.path.is_file() and moved in r.path.parents for r in records)
        fid = store.findings()[0].finding.id
    assert _cli(capsys, "review", str(part), str(fid), "pothole", "--as", "Alice")[0] == 0
    assert _cli(capsys, "merge", str(project), str(part))[0] == 0
    with Store.open(project, create=False, readonly=True) as store:
        assert store.finding(fid).review.reviewer == "Alice"


def test_a_part_in_an_older_format_is_merged_from_an_upgraded_copy(project, tmp_path, capsys):
    parts = _split(project, tmp_path, 2)
    with Store.open(parts[0], create=False, readonly=True) as store:
        fid = store.findings()[0].finding.id
    assert _cli(capsys, "review", str(parts[0]), str(fid), "reject", "--as", "Alice")[0] == 0
    conn = sqlite3.connect(parts[0])  # as an older RoadInspect left it: before the merge tables
    undo = {  # each migration since the merge tables, undone (a new migration must be added here)
        "_migrate_add_merge_tables": "DROP TABLE merge_log; DROP TABLE review_conflicts; DROP INDEX findings_origin; "
                                     "ALTER TABLE findings DROP COLUMN origin;",
        "_migrate_add_road_region_horizon": "ALTER TABLE road_regions DROP COLUMN horizon; "
                                            "ALTER TABLE road_regions DROP COLUMN horizon_photos; "
                                            "ALTER TABLE road_regions DROP COLUMN horizon_note;",
    }
    names = [m.__name__ for m in store_module.MIGRATIONS]
    older = names.index("_migrate_add_merge_tables")
    assert names[older:] == list(undo), "undo the new migration in this test"
    for name in reversed(names[older:]):
        conn.executescript(undo[name])
    conn.execute(f"PRAGMA user_version = {older}")
    conn.close()
    raw = parts[0].read_bytes()
    assert _cli(capsys, "merge", str(project), str(parts[0]))[0] == 0
    assert parts[0].read_bytes() == raw  # the part itself is not changed
    with Store.open(project, create=False, readonly=True) as store:
        assert store.finding(fid).review.reviewer == "Alice"
    conn = sqlite3.connect(parts[1])  # from a newer RoadInspect: refused, one line
    conn.execute(f"PRAGMA user_version = {store_module.SCHEMA_VERSION + 1}")
    conn.close()
    code, _, err = _cli(capsys, "merge", str(project), str(parts[1]))
    assert code == 2 and "newer RoadInspect" in err and len(err.strip().splitlines()) == 1


def test_review_command(project, capsys):
    with Store.open(project, create=False, readonly=True) as store:
        rf = next(rf for rf in store.findings() if rf.finding.damage == DamageClass.POTHOLE)
    fid = str(rf.finding.id)
    code, out, _ = _cli(capsys, "review", str(project), fid, "crack", "--as", "Zoé", "--note", "fissure")
    assert code == 0 and "corrected (crack) by Zoé" in out
    code, out, _ = _cli(capsys, "review", str(project), fid, "pothole", "--as", "Zoé")
    assert code == 0 and "accepted (pothole)" in out
    with Store.open(project, create=False, readonly=True) as store:
        got = store.finding(rf.finding.id)
        assert got.review.note == "fissure" and got.review.damage is None and got.status == ReviewStatus.ACCEPTED
    code, _, err = _cli(capsys, "review", str(project), "99999", "accept")
    assert code == 2 and "no finding 99999" in err


def test_split_refuses_a_part(project, tmp_path):
    parts = _split(project, tmp_path, 2)
    with pytest.raises(SplitError, match="already part 1 of 2"):
        split_project(parts[0], 2, tmp_path / "again")


def test_a_cancelled_merge_or_split_writes_nothing(project, tmp_path, capsys):
    from roadinspect.core.split_merge import Cancelled

    parts = _split(project, tmp_path, 2)
    with Store.open(parts[0], create=False, readonly=True) as store:
        fid = store.findings()[0].finding.id
    assert _cli(capsys, "review", str(parts[0]), str(fid), "reject", "--as", "Alice")[0] == 0
    before = _state(project)
    calls = []
    with pytest.raises(Cancelled):
        merge_parts(project, parts, is_cancelled=lambda: bool(calls.append(1)) or len(calls) > 3)
    assert _state(project) == before
    seen = []
    with pytest.raises(Cancelled):
        split_project(project, 3, tmp_path / "cancelled", progress=lambda done, total: seen.append((done, total)),
                      is_cancelled=lambda: bool(seen))
    assert seen and not list((tmp_path / "cancelled").glob("*"))
    result = merge_parts(project, parts, progress=lambda done, total: seen.append((done, total)))
    assert result.applied == 1 and seen[-1][0] == seen[-1][1]
