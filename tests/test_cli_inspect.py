"""``roadinspect analyze`` and ``roadinspect info`` end to end (in-process, through ``cli.main``).

The model is replaced by ``TruthSegmenter`` (a test double answering the true masks of the
synthetic photos) except in the last test, which runs the shipped weights when they exist.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

import roadinspect.cli_inspect as cli_inspect
from roadinspect.cli import main
from roadinspect.core.sites import build_sites
from roadinspect.core.store import SCHEMA_VERSION, Store
from tests.core.photo_files import T0, TruthSegmenter, scene_jpeg, truth_batch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list]:
    folder = tmp_path / "Tournée 15 avril"
    pairs = truth_batch(folder, 4, no_gps=(2,))
    (folder / "vide.jpg").write_bytes(b"")
    (folder / "notes de l'équipe.jpg").write_text("pas une photo", encoding="utf-8")
    data = pairs[0][0].read_bytes()
    (folder / "coupée.jpg").write_bytes(data[:30])
    (folder / "carnet.txt").write_text("ignored quietly", encoding="utf-8")
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: TruthSegmenter(pairs))
    return folder, pairs


def test_analyze_prints_a_summary_and_exits_0_despite_unreadable_files(
        tmp_path: Path, batch: tuple[Path, list], capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = batch
    project = tmp_path / "survey.roadinspect"
    assert main(["analyze", str(folder), "--project", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "Analysing" in err and "4/4" in err  # the progress bar, on stderr
    assert "Photos: 4 (4 new, 0 already in the project)" in out
    assert "with position: 4 (3 from EXIF, 1 interpolated, 0 from GPX)" in out
    assert "interpolated: 1" in out and "without position: 0" in out
    assert "Analysed: 4 now, 0 already analysed, 0 failed" in out
    assert "Unreadable: 3" in out
    assert "vide.jpg: empty file (0 bytes)" in out
    assert "notes de l'équipe.jpg: not a JPEG, PNG, TIFF or HEIC image: the content is a text file" in out
    assert "coupée.jpg:" in out
    assert "carnet.txt" not in out


def test_rerun_continues_and_info_reports_json(tmp_path: Path, batch: tuple[Path, list],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = batch
    project = tmp_path / "survey.roadinspect"
    assert main(["analyze", str(folder), "--project", str(project)]) == 0
    assert main(["analyze", str(folder), "--project", str(project)]) == 0
    out, _ = capsys.readouterr()
    assert "Analysed: 0 now, 4 already analysed" in out
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["photos"] == 4 and info["analysed"] == 4 and info["with_position"] == 4
    with Store.open(project, readonly=True) as store:
        rows = store.findings()
        photos = {r.id: r.photo for r in store.photos()}
    expected_sites = build_sites(photos, [r.finding for r in rows], [r.review for r in rows if r.review])
    assert info["findings"] == len(rows) > 0 and info["sites"] == len(expected_sites) > 0
    assert sorted(Path(u["file"]).name for u in info["unreadable"]) == [
        "coupée.jpg", "notes de l'équipe.jpg", "vide.jpg"]
    assert all(u["reason"] for u in info["unreadable"])
    assert main(["info", str(project)]) == 0
    assert "Unreadable: 3" in capsys.readouterr().out


def test_gpx_places_photos_without_gps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "nogps"
    pairs = [(scene_jpeg(folder / f"{i}.jpg", seed=i, index=i, gps=False, time_step_s=10.0), None) for i in range(2)]
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: TruthSegmenter([]))
    points = "".join(
        f'<trkpt lat="49.8722" lon="{2.59 + 0.001 * k}">'
        f'<time>{(T0 + timedelta(seconds=10 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>' for k in range(4))
    gpx = tmp_path / "trace.gpx"
    gpx.write_text(f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}</trkseg></trk></gpx>',
                   encoding="utf-8")
    code = main(["analyze", str(folder), "--project", str(tmp_path / "p"), "--gpx", str(gpx), "--clock-offset", "0"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "with position: 2 (0 from EXIF, 0 interpolated, 2 from GPX)" in out
    with Store.open(tmp_path / "p.roadinspect", readonly=True) as store:
        placed = {r.path.name: r.photo.position for r in store.photos()}
    # Photos taken 0 s and 10 s after T0 lie on the first and second track points.
    assert set(placed) == {p.name for p, _ in pairs}
    for k in range(2):
        assert placed[f"{k}.jpg"].lat == pytest.approx(49.8722, abs=1e-7)
        assert placed[f"{k}.jpg"].lon == pytest.approx(2.59 + 0.001 * k, abs=1e-7)


def test_info_counts_one_site_for_a_pothole_seen_in_three_photos(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from tests.core.scenes import rect, survey

    photos, findings = survey(3, 3.0, [(2, rect(0.0, 9.0, 0.6, 9.6)), (2, rect(-0.6, 16.0, 0.6, 17.2))])
    project = tmp_path / "p.roadinspect"
    with Store.open(project) as store:
        ids = store.add_batch(list(photos.values())).photo_ids
        analysis = store.start_analysis("m", "a" * 64)
        for pid, stored in zip(photos, ids, strict=True):
            store.record_photo_result(stored, analysis, [f for f in findings if f.photo_id == pid])
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    # Two potholes 7 m apart, each seen by all three photos: six findings, two sites.
    assert len(findings) == 6 and info["findings"] == 6 and info["sites"] == 2


def test_errors_name_the_file_and_exit_2(tmp_path: Path, batch: tuple[Path, list],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = batch
    fake = tmp_path / "rapport.roadinspect"
    fake.write_text("not a database", encoding="utf-8")
    assert main(["analyze", str(folder), "--project", str(fake)]) == 2
    assert "rapport.roadinspect is not a RoadInspect project" in capsys.readouterr().err
    newer = tmp_path / "newer.roadinspect"
    Store.open(newer).close()
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.commit()
    raw.close()
    assert main(["info", str(newer), "--json"]) == 2
    assert "newer.roadinspect was written by a newer RoadInspect" in capsys.readouterr().err
    assert main(["analyze", str(folder), "--project", str(tmp_path / "p"), "--gpx", str(tmp_path / "none.gpx")]) == 2
    assert "none.gpx" in capsys.readouterr().err


def test_no_photo_found_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty"), "--project", str(tmp_path / "p.roadinspect")]) == 1
    assert "No JPEG, PNG, TIFF or HEIC photo found" in capsys.readouterr().err


def test_analyze_with_the_shipped_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not sorted((ROOT / "models").glob("*.safetensors")):
        pytest.skip("no models/*.safetensors yet: the shipped model is still being trained")
    truth_batch(tmp_path / "photos", 2, size=(320, 240))
    assert main(["analyze", str(tmp_path / "photos"), "--project", str(tmp_path / "p.roadinspect"),
                 "--device", "cpu"]) == 0
    assert "Analysed: 2 now" in capsys.readouterr().out


def test_place_puts_photos_on_a_gpx_found_after_the_import(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from tests.core.test_placement import make_project, write_gpx

    store, ids = make_project(tmp_path, {0: True, 1: False, 2: False, 3: True, 7: False})
    store.close()
    project = tmp_path / "survey.roadinspect"
    gpx = write_gpx(tmp_path / "trace.gpx", 5)  # photo 7 was taken after the track ends
    assert main(["place", str(project), "--gpx", str(gpx), "--clock-offset", "0"]) == 0
    out = capsys.readouterr().out
    assert "Placed on the track: 2;" in out
    assert "with their own EXIF position (untouched): 2" in out
    assert "findings moved: 2" in out
    assert "Still without a position: 1" in out and "IMG_007.jpg: " in out
    with Store.open(project, create=False, readonly=True) as reopened:
        assert reopened.photo(ids[1]).photo.position_source.value == "gpx"
        assert reopened.photo(ids[7]).photo.position is None


def test_place_names_a_bad_gpx_or_project_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.core.test_placement import make_project

    make_project(tmp_path, {0: False})[0].close()
    bad = tmp_path / "trace cassée.gpx"
    bad.write_text("<gpx", encoding="utf-8")
    assert main(["place", str(tmp_path / "survey.roadinspect"), "--gpx", str(bad)]) == 2
    assert "trace cassée.gpx" in capsys.readouterr().err
    assert main(["place", str(tmp_path / "absent.roadinspect"), "--gpx", str(bad)]) == 2
    assert "absent.roadinspect" in capsys.readouterr().err
