"""Bad export and placement arguments are refused with one line before anything is written, and an
export that fails leaves the previous export complete (issue 12 point 10)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import roadinspect.core.exports.gpkg as gpkg_mod
import roadinspect.core.exports.project as export_mod
from roadinspect.cli import main
from roadinspect.cli_args import MAX_CLOCK_OFFSET_S, setting_float
from roadinspect.core.priority import PriorityWeights
from roadinspect.core.sections import SectionSettings
from tests.core.test_export_project import project  # noqa: F401 - the fixture: a reviewed project file


def _one_line_refusal(argv: list[str], capsys: pytest.CaptureFixture[str], *names: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for name in names:
        assert name in err
    return err


@pytest.mark.parametrize(("option", "value"), [
    ("--road-class-factor", "1e308"), ("--road-class-factor", "nan"), ("--road-class-factor", "-1"),
    ("--road-class-factor", "inf"), ("--section-length", "inf"), ("--section-length", "1e-4"),
    ("--section-length", "nan"), ("--section-length", "0"), ("--section-length", "ten"),
])
def test_export_refuses_bad_numbers_before_writing(project, tmp_path: Path, capsys, option: str,  # noqa: F811 - the imported fixture
                                                   value: str) -> None:
    path, _ = project
    out = tmp_path / "out"
    _one_line_refusal(["export", str(path), "--out", str(out), f"{option}={value}"], capsys, option)
    assert not out.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "-1e300", str(MAX_CLOCK_OFFSET_S * 2)])
@pytest.mark.parametrize("command", ["analyze", "place"])
def test_clock_offset_must_be_finite_and_sane(tmp_path: Path, capsys, command: str, value: str) -> None:
    project_file = tmp_path / "p.roadinspect"
    argv = (["analyze", str(tmp_path), "--project", str(project_file)] if command == "analyze"
            else ["place", str(project_file), "--gpx", str(tmp_path / "t.gpx")])
    _one_line_refusal([*argv, f"--clock-offset={value}"], capsys, "--clock-offset")
    assert not project_file.exists()


@pytest.mark.parametrize("text", ['{"severity": NaN}', '{"type": Infinity}', '{"extent": -5}',
                                  '{"confidence": 1e308}', '{"road_class_factor": 1e308}',
                                  '{"extent_refs": {"size_rel": 0}}', '{"type_values": {"pothole": "high"}}'])
def test_export_refuses_bad_weight_files_naming_the_file(project, tmp_path: Path, capsys,  # noqa: F811 - the imported fixture
                                                         text: str) -> None:
    path, _ = project
    weights = tmp_path / "poids.json"
    weights.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(path), "--out", str(out), "--priority", str(weights)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "poids.json" in err
    assert not out.exists()


def test_export_weights_is_the_deprecated_spelling_of_priority(project, tmp_path: Path, capsys) -> None:  # noqa: F811 - the imported fixture
    """``export --priority FILE`` takes the priority weights; ``--weights FILE`` (the model file in the other
    commands) still works for one release, with one warning line; both at once are refused."""
    path, _ = project
    weights = tmp_path / "poids.json"
    weights.write_text('{"road_class_factor": 1.5}', encoding="utf-8")

    def factor(option: str, out: Path) -> float:
        assert main(["export", str(path), "--out", str(out), "--formats", "geojson", option, str(weights)]) == 0
        doc = json.loads((out / "sites.geojson").read_text(encoding="utf-8"))
        return doc["features"][0]["properties"]["road_class_factor"]

    assert factor("--priority", tmp_path / "new") == 1.5
    assert "deprecated" not in capsys.readouterr().err
    assert factor("--weights", tmp_path / "old") == 1.5
    warnings = [line for line in capsys.readouterr().err.splitlines() if "deprecated" in line]
    assert len(warnings) == 1 and "--priority" in warnings[0] and "--weights" in warnings[0]
    out = tmp_path / "both"
    assert main(["export", str(path), "--out", str(out), "--priority", str(weights), "--weights", str(weights)]) == 2
    assert "once" in capsys.readouterr().err and not out.exists()


def test_core_refuses_unbounded_weights_and_sections() -> None:
    for bad in ({"severity": 1e308}, {"road_class_factor": 11}, {"type": float("nan")}, {"extent": True}):
        with pytest.raises(ValueError):
            PriorityWeights.from_dict(bad)
    for length in (float("inf"), float("nan"), 0.0, -1.0):
        with pytest.raises(ValueError):
            SectionSettings(length_m=length)
    assert setting_float("sections/length_m")("10") == 10.0  # the Settings dialog's bounds


def test_export_to_a_folder_it_cannot_create_is_one_line(project, tmp_path: Path, capsys) -> None:  # noqa: F811 - the imported fixture
    path, _ = project
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    assert main(["export", str(path), "--out", str(blocker / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "a file" in err and "Traceback" not in err


def _as_unprivileged() -> list[str] | None:
    """A command prefix that runs as an ordinary user (root writes in read-only folders), or None."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


@pytest.mark.skipif(_as_unprivileged() is None, reason="needs POSIX permissions (and setpriv when run as root)")
def test_export_to_a_read_only_folder_is_refused_before_writing(project) -> None:  # noqa: F811 - the imported fixture
    path, _ = project
    work = Path(tempfile.mkdtemp(prefix="roadinspect-ro-"))  # outside pytest's root-only tmp folder
    try:
        work.chmod(0o755)
        shutil.copy(path, work / "p.roadinspect")
        (work / "p.roadinspect").chmod(0o644)
        out = work / "ro"
        out.mkdir()
        out.chmod(0o555)
        proc = subprocess.run([*_as_unprivileged(), sys.executable, "-m", "roadinspect", "export",
                               str(work / "p.roadinspect"), "--out", str(out)],
                              capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1],
                              env={**os.environ, "HOME": str(work)})
        assert proc.returncode == 2, proc.stderr
        assert "cannot write in this folder" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert list(out.iterdir()) == []
    finally:
        (work / "ro").chmod(0o755)
        shutil.rmtree(work, ignore_errors=True)


def test_the_write_check_refuses_a_folder_where_no_file_can_be_created(tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export_mod.tempfile, "TemporaryFile", refuse)
    with pytest.raises(export_mod.ExportError, match="cannot write in this folder"):
        export_mod.check_writable(tmp_path)


def test_a_failed_export_leaves_the_previous_export_complete(project, tmp_path: Path, monkeypatch,  # noqa: F811 - the imported fixture
                                                             capsys) -> None:
    path, _ = project
    out = tmp_path / "export"
    assert main(["export", str(path), "--out", str(out), "--formats", "csv,geojson,gpkg"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"sites.csv", "sites.geojson", "sections.geojson", "findings.geojson", "inspection.gpkg"}
    capsys.readouterr()

    def broken_gpkg(target, data, mlist):
        Path(target).write_bytes(b"half a geopackage")
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(gpkg_mod, "write_gpkg", broken_gpkg)
    assert main(["export", str(path), "--out", str(out), "--formats", "csv,geojson,gpkg",
                 "--road-class-factor", "2"]) == 1
    out_text, err = capsys.readouterr()
    assert "inspection.gpkg" in err and "unable to open database file" in err and "Traceback" not in err
    assert "wrote" not in out_text
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # every old file, nothing half-written
