"""Exports from a real project file (the SQLite store) and the ``roadinspect export`` command."""

from __future__ import annotations

import csv
import io
import json

import pytest

from roadinspect.cli import main
from roadinspect.core.exports.project import export_project
from roadinspect.core.jobs import load_project_data
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.store import ProjectError, Store
from tests.core.scenes import export_scene


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project file holding the export scene: photos, model findings, reviews with hostile notes."""
    folder = tmp_path_factory.mktemp("survey")
    scene = export_scene(folder)
    path = folder / "tournée.roadinspect"
    store = Store.open(path)
    try:
        ids = store.add_batch([scene.photos[k] for k in sorted(scene.photos)]).photo_ids
        by_name = {store.photo(i).photo.path.name: i for i in ids}
        analysis = store.start_analysis("synthetic", "0" * 64)
        new_id = {}
        for old_pid, ph in sorted(scene.photos.items()):
            pid = by_name[ph.path.name]
            mine = [f for f in scene.findings if f.photo_id == old_pid]
            store.record_photo_result(pid, analysis, mine)
            for f, rf in zip(mine, store.findings(pid), strict=True):
                new_id[f.id] = rf.finding.id
        for fid, review in scene.reviews.items():
            store.set_review(new_id[fid], review.status, reviewer=review.reviewer, note=review.note)
        store.finish_analysis(analysis, "done")
    finally:
        store.close()
    return path, scene


def test_the_store_gives_the_same_maintenance_list_as_the_scene(project):
    path, scene = project
    data = load_project_data(path)
    assert len(data.photos) == len(scene.photos) and len(data.findings) == len(scene.findings)
    got = build_maintenance_list(data)
    expected = build_maintenance_list(scene)
    assert [(r.site.kind, round(r.score, 6), r.site.notes) for r in got.ranked] == [
        (r.site.kind, round(r.score, 6), r.site.notes) for r in expected.ranked]
    assert [s.score for s in got.sections] == [s.score for s in expected.sections]


def test_export_project_writes_every_file(project, tmp_path):
    path, scene = project
    result = export_project(path, tmp_path)
    assert result.ok and len(result.written) == 7 and result.sites == 6


def test_export_command(project, tmp_path, capsys):
    path, _ = project
    code = main(["export", str(path), "--out", str(tmp_path), "--formats", "csv,geojson", "--csv-profile", "plain",
                 "--road-class-factor", "1.2"])
    out = capsys.readouterr().out
    assert code == 0 and "sites.csv" in out and "6 maintenance sites" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "sites.csv").read_text(encoding="utf-8"), newline="")))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert "x 1.2" in rows[0]["score_terms"]
    doc = json.loads((tmp_path / "sites.geojson").read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["road_class_factor"] == 1.2
    assert not (tmp_path / "report.html").exists()


def test_export_command_reports_bad_input(project, tmp_path, capsys):
    path, _ = project
    assert main(["export", str(tmp_path / "missing.roadinspect"), "--out", str(tmp_path)]) == 2
    assert "missing.roadinspect" in capsys.readouterr().err
    assert main(["export", str(path), "--out", str(tmp_path), "--formats", "csv,shp"]) == 2
    assert "shp" in capsys.readouterr().err
    weights = tmp_path / "w.json"
    weights.write_text('{"severity": "lots"}', encoding="utf-8")
    assert main(["export", str(path), "--out", str(tmp_path), "--priority", str(weights)]) == 2
    assert "w.json" in capsys.readouterr().err
    not_sqlite = tmp_path / "notes.roadinspect"
    not_sqlite.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectError):
        load_project_data(not_sqlite)


def test_info_reports_the_maintenance_sites(project, capsys):
    path, scene = project
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["sites"] == 6 and info["findings"] == len(scene.findings)
