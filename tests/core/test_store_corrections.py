"""Store support for the GUI's corrections and their undo: geometry with recomputed values, deleting a drawn finding,
a corrected crack type carried to the maintenance list and the exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from roadinspect.core.exports.geojson import findings_geojson
from roadinspect.core.exports.sites_csv import sites_csv
from roadinspect.core.jobs import load_project_data
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, ReviewStatus, Severity

SQUARE = "POLYGON ((10 10, 20 10, 20 20, 10 20, 10 10))"
BIG = "POLYGON ((10 10, 60 10, 60 60, 10 60, 10 10))"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    photo_path = tmp_path / "a.jpg"
    photo_path.write_bytes(b"x")
    s = Store.open(tmp_path / "p.roadinspect")
    s.add_batch([Photo(path=photo_path, sha256="", size_bytes=1, width=100, height=80, fingerprint="f")])
    pid = s.photos()[0].id
    aid = s.start_analysis("m", "sha")
    s.record_photo_result(pid, aid,
                          [Finding(DamageClass.POTHOLE, SQUARE, 0.9, "pothole", Severity.LOW, {"area_px": 100})])
    yield s
    s.close()


def test_geometry_update_stores_recomputed_values_and_undo_restores(store: Store) -> None:
    fid = store.findings()[0].finding.id
    store.set_review(fid, ReviewStatus.ACCEPTED, "ana", note="checked")
    before = store.finding(fid)
    after = store.update_finding_geometry(fid, BIG, "ana", measures={"area_px": 2500}, kind="pothole",
                                          severity=Severity.HIGH)
    assert after.finding.severity == Severity.HIGH and after.finding.measures == {"area_px": 2500}
    assert after.status == ReviewStatus.CORRECTED and after.review.note == "checked"
    # undo: the earlier outline, values and decision in one call
    undone = store.update_finding_geometry(fid, before.finding.polygon_wkt, "ana", measures=before.finding.measures,
                                           kind=before.finding.kind, severity=before.finding.severity,
                                           review=before.review)
    assert undone.finding.polygon_wkt == SQUARE and undone.finding.severity == Severity.LOW
    assert undone.status == ReviewStatus.ACCEPTED and undone.review.note == "checked"
    actions = [e.action for e in store.audit_log()]
    assert actions.count("geometry") == 2


def test_only_inspector_findings_can_be_deleted(store: Store) -> None:
    pid = store.photos()[0].id
    model_fid = store.findings()[0].finding.id
    drawn = store.add_inspector_finding(pid, DamageClass.CRACK, BIG, "ana")
    store.delete_inspector_finding(drawn.finding.id, "ana")
    assert [f.finding.id for f in store.findings()] == [model_fid]
    assert store.audit_log()[-1].action == "finding_deleted"
    with pytest.raises(ValueError, match="reject it"):
        store.delete_inspector_finding(model_fid)
    with pytest.raises(KeyError):
        store.delete_inspector_finding(drawn.finding.id)


def test_a_corrected_crack_type_reaches_the_sites_and_exports_after_reopening(tmp_path: Path) -> None:
    photo_path = tmp_path / "b.jpg"
    photo_path.write_bytes(b"y")
    path = tmp_path / "types.roadinspect"
    with Store.open(path) as s:
        s.add_batch([Photo(path=photo_path, sha256="", size_bytes=1, width=100, height=80, fingerprint="g",
                           position=GeoPoint(49.87, 2.6))])
        pid = s.photos()[0].id
        crack = Finding(DamageClass.CRACK, BIG, 0.8, "longitudinal", Severity.MEDIUM, {"length_px": 50},
                        GeoPoint(49.87001, 2.60001))
        s.record_photo_result(pid, s.start_analysis("m", "sha"), [crack])
        fid = s.findings()[0].finding.id
        s.set_review(fid, ReviewStatus.CORRECTED, "ana", kind="transverse")
    data = load_project_data(path)  # a fresh read-only connection
    mlist = build_maintenance_list(data)
    assert [r.site.kind for r in mlist.ranked] == ["transverse"]
    rows = list(csv.reader(io.StringIO(sites_csv(mlist, "plain").decode("utf-8"), newline="")))
    assert rows[1][rows[0].index("type")] == "transverse"
    feature = json.loads(findings_geojson(data, mlist))["features"][0]["properties"]
    assert feature["type"] == "transverse" and feature["model_type"] == "longitudinal"
