"""Export orchestration: every format, atomic writes, a target held open by another program."""

from __future__ import annotations

import os
import sqlite3

import pytest
from fudgeo import GeoPackage

from roadinspect.core.exports import parse_formats
from roadinspect.core.exports import project as export_mod
from roadinspect.core.exports.project import ExportError, export_project, write_bytes_atomic
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.report import ReportOptions, crop_with_overlay, report_html
from tests.core.scenes import export_scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    data = export_scene(folder)
    return data, build_maintenance_list(data)


def test_every_format_is_written(scene, tmp_path):
    data, mlist = scene
    calls = []
    result = export_project(data, tmp_path / "out", progress=lambda d, t: calls.append((d, t)), mlist=mlist)
    assert result.ok and result.sites == mlist.site_count
    names = sorted(p.name for p in result.written)
    assert names == sorted(["sites.csv", "sites.geojson", "sections.geojson", "findings.geojson", "inspection.gpkg",
                            "report.html", "report.pdf"])
    assert calls[-1] == (7, 7)
    assert sorted(os.listdir(tmp_path / "out")) == names  # no temporary file left behind


def test_geopackage_reads_back_with_fudgeo_and_sqlite(scene, tmp_path):
    data, mlist = scene
    export_project(data, tmp_path, formats=["gpkg"], mlist=mlist)
    path = tmp_path / "inspection.gpkg"
    gpkg = GeoPackage(path)
    try:
        layers = gpkg.feature_classes
        assert set(layers) == {"sites", "sections", "findings", "photos"}
        sites = layers["sites"]
        assert sites.count == mlist.site_count and sites.shape_type == "POINT"
        assert sites.spatial_reference_system.srs_id == 4326
        rows = sites.select(fields=("rank", "site_id", "score"), include_geometry=True).fetchall()
        for (geom, rank, site_id, score), ranked in zip(sorted(rows, key=lambda r: r[1]), mlist.ranked, strict=True):
            assert (rank, site_id) == (ranked.rank, ranked.site.id) and score == pytest.approx(ranked.score)
            assert (geom.x, geom.y) == pytest.approx((ranked.site.position.lon, ranked.site.position.lat))
        assert layers["sections"].shape_type == "LINESTRING" and layers["sections"].count == len(mlist.sections)
        assert layers["findings"].count == len(data.findings) and layers["photos"].count == len(data.photos)
    finally:
        gpkg.connection.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        assert contents == {n: "features" for n in ("sites", "sections", "findings", "photos")}
        notes = {r[0] for r in con.execute("SELECT notes FROM sites")}
        assert 'Chaussée déformée; "très" abîmée, à reprendre' in notes
        blob = con.execute("SELECT SHAPE FROM sites LIMIT 1").fetchone()[0]
        assert blob[:2] == b"GP"  # GeoPackage binary geometry header
    finally:
        con.close()


def test_report_has_one_card_per_site_in_rank_order_with_images(scene):
    data, mlist = scene
    assert all(r.site.status.value == "accepted" for r in mlist.ranked)  # one group: rank order throughout
    html = report_html(data, mlist).decode("utf-8")
    positions = [html.index(f'id="{r.site.id}"') for r in mlist.ranked]
    assert positions == sorted(positions)
    assert html.count("data:image/jpeg;base64,") == mlist.site_count
    assert "https://www.openstreetmap.org/?mlat=" in html
    assert "&quot;très&quot;" in html and "nid de poule" in html


def test_crop_is_a_jpeg_and_missing_photos_are_reported(scene, tmp_path):
    data, mlist = scene
    ev = mlist.ranked[0].site.evidence
    jpeg = crop_with_overlay(data.photos[ev.photo_id], ev.polygon_wkt)
    assert jpeg[:3] == b"\xff\xd8\xff"
    from dataclasses import replace

    from roadinspect.core.maintenance import ProjectData

    gone = {pid: replace(p, path=tmp_path / "deleted.jpg") for pid, p in data.photos.items()}
    html = report_html(ProjectData(gone, data.findings, data.reviews), mlist,
                       options=ReportOptions(lang="en")).decode("utf-8")
    assert "Photo not available" in html and "deleted.jpg" in html


def test_atomic_write_keeps_the_old_file_when_the_target_is_held_open(scene, tmp_path, monkeypatch):
    data, mlist = scene
    target = tmp_path / "sites.csv"
    target.write_bytes(b"old version")
    real_replace = os.replace

    def locked(src, dst):
        if os.fspath(dst).endswith("sites.csv"):
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_replace(src, dst)

    monkeypatch.setattr(export_mod.os, "replace", locked)
    result = export_project(data, tmp_path, formats=["csv", "geojson"], mlist=mlist)
    assert not result.ok
    [err] = result.errors
    assert "sites.csv" in str(err) and "open in another program" in str(err)
    assert target.read_bytes() == b"old version"  # nothing lost
    assert (tmp_path / "sites.geojson").exists() and (tmp_path / "findings.geojson").exists()  # others written
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


def test_atomic_write_failure_in_the_writer_leaves_the_target(tmp_path, monkeypatch):
    target = tmp_path / "a.geojson"
    target.write_text("old", encoding="utf-8")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_mod.os, "replace", boom)
    with pytest.raises(ExportError, match="a.geojson.*No space left"):
        write_bytes_atomic(target, b"new")
    assert target.read_text(encoding="utf-8") == "old" and sorted(os.listdir(tmp_path)) == ["a.geojson"]


def test_formats_and_profiles_are_checked(scene, tmp_path):
    assert parse_formats("csv, GeoJSON,csv") == ("csv", "geojson")
    with pytest.raises(ValueError, match="pdf"):
        parse_formats("csv,pdf")
    with pytest.raises(ValueError, match="no export format"):
        parse_formats("")
    data, mlist = scene
    with pytest.raises(ValueError, match="excel-de"):
        export_project(data, tmp_path, csv_profile="excel-de", mlist=mlist)


def test_cancelling_stops_between_files(scene, tmp_path):
    data, mlist = scene
    done = []  # files are staged under temporary names first: the cancel follows the progress, not the folder
    result = export_project(data, tmp_path, formats=["csv", "geojson"], mlist=mlist,
                         progress=lambda n, total: done.append(n), is_cancelled=lambda: bool(done))
    assert [p.name for p in result.written] == ["sites.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.csv"]  # the file finished before the cancel


def test_report_escapes_notes(scene):
    from dataclasses import replace

    from roadinspect.core.maintenance import ProjectData

    data, _ = scene
    fid, review = next(iter(data.reviews.items()))
    reviews = {**data.reviews, fid: replace(review, note="<script>alert('x')</script>")}
    hostile = ProjectData(data.photos, data.findings, reviews, name="<b>nom</b>")
    html = report_html(hostile, build_maintenance_list(hostile)).decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>nom</b>" not in html
