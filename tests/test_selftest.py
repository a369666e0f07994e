"""``roadinspect --self-test``: the real end-to-end run on the shipped model and samples, and its failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roadinspect import cli, selftest
from roadinspect.core import resources

ROOT = Path(__file__).resolve().parents[1]
HAS_MODEL = any((ROOT / "models").glob("*.safetensors"))
HAS_SAMPLES = any((ROOT / "resources" / "samples").glob("*.jpg"))
needs_model = pytest.mark.skipif(not HAS_MODEL, reason="no shipped model yet: models/*.safetensors is missing")
needs_samples = pytest.mark.skipif(
    not HAS_SAMPLES, reason="no sample photos yet: resources/samples/*.jpg (python -m roadinspect.core.synth)")


@pytest.mark.slow  # deselect locally with -m 'not slow'; CI runs it
@needs_model
@needs_samples
def test_self_test_passes_on_the_shipped_model_and_samples(tmp_path: Path) -> None:
    lines: list[str] = []
    report = selftest.run_selftest(lines.append, keep=tmp_path)

    assert report.ok, "\n".join(lines)
    assert [c.name for c in report.checks] == ["data", "model", "import", "analysis", "exports"]
    assert all(line.startswith("[ OK ]") for line in lines[1:-1])
    assert lines[-1].startswith("self-test passed")
    samples = len(list((ROOT / "resources" / "samples").glob("*.jpg")))
    assert f"{samples} sample photos" in report.checks[2].detail
    for name in ("sites.csv", "sites.geojson", "sections.geojson", "findings.geojson", "inspection.gpkg",
                 "report.html"):
        assert (tmp_path / "export" / name).stat().st_size > 0, name
    assert (tmp_path / "selftest.roadinspect").is_file()


@needs_model
def test_a_tampered_model_fails_the_model_check_and_skips_what_needs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "REQUIRED_DATA", ("models/*.safetensors",))
    source = next((ROOT / "models").glob("*.safetensors"))
    weights = tmp_path / source.name
    shutil.copyfile(source, weights)
    shutil.copyfile(source.with_suffix(".json"), weights.with_suffix(".json"))
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    lines: list[str] = []

    report = selftest.run_selftest(lines.append, keep=tmp_path / "work", weights=weights)

    by_name = {c.name: c for c in report.checks}
    assert not report.ok
    assert by_name["model"].status == "fail"
    assert "sha256" in by_name["model"].detail.lower() or "integrity" in by_name["model"].detail.lower()
    assert by_name["analysis"].status == "skip" and by_name["exports"].status == "skip"
    assert "needs model" in by_name["analysis"].detail
    assert lines[-1].startswith("self-test FAILED")


def test_missing_data_folders_fail_with_the_places_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_data() -> Path:
        raise FileNotFoundError("RoadInspect data folders (models/, resources/) not found; looked in: /nowhere")

    monkeypatch.setattr(resources, "data_root", no_data)
    lines: list[str] = []

    report = selftest.run_selftest(lines.append)

    assert [c.status for c in report.checks] == ["fail", "skip", "skip", "skip", "skip"]
    assert "/nowhere" in lines[1]


def test_missing_required_files_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "resources" / "licenses").mkdir(parents=True)
    (tmp_path / "resources" / "licenses" / "NOTICE.md").write_text("notice", encoding="utf-8")
    monkeypatch.setattr(resources, "data_root", lambda: tmp_path)

    report = selftest.run_selftest(lambda line: None)

    data = report.checks[0]
    assert data.status == "fail"
    assert "models/*.safetensors" in data.detail and "resources/samples/*.jpg" in data.detail
    assert "NOTICE.md" not in data.detail


def test_the_command_line_flag_runs_the_self_test_and_returns_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(selftest, "main", lambda: calls.append(True) or 3)

    assert cli.main(["--self-test"]) == 3
    assert calls == [True]


def test_a_samples_folder_that_disagrees_with_its_manifest_fails_the_import(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from roadinspect.core.synth import make_samples

    samples = tmp_path / "resources" / "samples"
    make_samples(samples, count=2, width=320, height=240)
    (samples / "masks" / ".nomedia").unlink()  # as if a packager dropped the dot file: masks look like photos
    monkeypatch.setattr(resources, "data_root", lambda: tmp_path)
    monkeypatch.setattr(selftest, "REQUIRED_DATA", ())

    report = selftest.run_selftest(lambda line: None, keep=tmp_path / "work")

    imported = {c.name: c for c in report.checks}["import"]
    assert imported.status == "fail"
    assert "samples.json lists 2" in imported.detail
