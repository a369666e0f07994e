"""The export registry (``roadinspect.core.exports``) is the one list of formats: the command line's ``--formats``
and help, the Export dialog's check boxes and ``export_project`` all read it, so a format registered in core shows in
both without touching either; the training set is a format of the command line too."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadinspect.cli import main
from roadinspect.core import exports
from roadinspect.core.exports import ExportFile, ExportFormat
from roadinspect.core.exports.project import ExportJob, export_project
from roadinspect.core.exports.training_set import selected_photos
from roadinspect.core.jobs import load_project_data
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.gui.dialogs import EXPORT_TEXTS, ExportDialog
from tests.core.test_export_project import project  # noqa: F401 - the fixture: a reviewed project file


def _notes(job: ExportJob) -> list[ExportFile]:
    text = f"{job.data.name}: {job.mlist.site_count} sites\n"
    return [ExportFile("notes.txt", lambda path: path.write_text(text, encoding="utf-8"))]


@pytest.fixture
def notes_format(monkeypatch: pytest.MonkeyPatch) -> ExportFormat:
    """A format registered for one test (removed again after it)."""
    fmt = ExportFormat("notes", ("notes.txt",), "Site notes (text)", files_writer=_notes, default=False)
    monkeypatch.setitem(exports.REGISTRY, "notes", fmt)
    return fmt


def test_a_registered_format_appears_in_the_command_line_and_the_dialog(
        project, notes_format: ExportFormat, tmp_path: Path, capsys: pytest.CaptureFixture[str], qtbot) -> None:  # noqa: F811 - the imported fixture
    path, _ = project
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "notes = Site notes (text)" in help_text and "default csv,geojson,gpkg,report:" in help_text

    out = tmp_path / "out"
    assert main(["export", str(path), "--out", str(out), "--formats", "notes,csv"]) == 0
    printed = capsys.readouterr().out
    sites = build_maintenance_list(load_project_data(path)).site_count
    assert (out / "notes.txt").read_text(encoding="utf-8") == f"tournée: {sites} sites\n"
    assert f"wrote {out / 'notes.txt'}" in printed and (out / "sites.csv").is_file()

    dialog = ExportDialog(lambda *args, **kwargs: None, tmp_path)
    qtbot.addWidget(dialog)
    assert list(dialog.checks) == [*exports.format_names()] and list(dialog.checks)[-1] == "notes"
    box = dialog.checks["notes"]
    assert box.text() == "Site notes (text)" and not box.isChecked()  # not translated yet: its English label
    assert [k for k, b in dialog.checks.items() if b.isChecked()] == ["csv", "geojson", "gpkg", "report"]


def test_a_plain_export_writes_the_default_formats_only(project, notes_format: ExportFormat, tmp_path: Path) -> None:  # noqa: F811 - the imported fixture
    path, _ = project
    result = export_project(path, tmp_path)
    assert result.ok and sorted(p.name for p in result.written) == sorted(exports.files_of(exports.default_formats()))
    assert not (tmp_path / "notes.txt").exists() and not (tmp_path / "training").exists()


def test_the_training_set_is_an_export_of_the_command_line(project, tmp_path: Path,  # noqa: F811 - the imported fixture
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = project
    data = load_project_data(path)
    chosen = selected_photos(data.photos, data.findings, data.reviews)
    assert chosen  # the fixture's reviews reject and correct findings on fully reviewed photos
    out = tmp_path / "out"
    assert main(["export", str(path), "--out", str(out), "--formats", "training"]) == 0
    printed = capsys.readouterr().out
    assert len(list((out / "training" / "images").glob("*.jpg"))) == len(chosen)
    assert len(list((out / "training" / "masks").glob("*.png"))) == len(chosen)
    assert f"wrote {out / 'training'} ({2 * len(chosen) + 2} files)" in printed
    assert "maintenance sites" not in printed  # no maintenance list was asked for


def test_the_training_set_with_nothing_to_export_is_one_error_line(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from roadinspect.core.store import Store

    path = tmp_path / "empty.roadinspect"
    Store.open(path).close()
    assert main(["export", str(path), "--out", str(tmp_path / "out"), "--formats", "training"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {exports.TRAINING_EMPTY}"


def test_every_format_label_is_marked_for_translation() -> None:
    for fmt in exports.export_formats():
        assert fmt.label in EXPORT_TEXTS, fmt.name
    assert exports.TRAINING_EMPTY in EXPORT_TEXTS


def test_a_format_declares_one_writer() -> None:
    with pytest.raises(ValueError, match="either"):
        ExportFormat("x", ("x.txt",), "X")
    with pytest.raises(ValueError, match="lower case"):
        ExportFormat("X,y", ("x.txt",), "X", files_writer=_notes)


def test_the_app_and_the_command_line_read_the_same_project_data(project) -> None:  # noqa: F811 - the imported fixture
    from roadinspect.gui.project import ProjectSession

    path, _ = project
    session = ProjectSession.open(path, readonly=True)
    try:
        app, cli = session.project_data(), load_project_data(path)  # one reading: core.jobs.project_data
    finally:
        session.close()
    assert sorted(app.findings, key=lambda f: f.id or 0) == sorted(cli.findings, key=lambda f: f.id or 0)
    assert (app.photos, app.reviews, app.name, app.models, app.changed) == (
        cli.photos, cli.reviews, cli.name, cli.models, cli.changed)
    assert len(app.findings) == len(cli.findings) > 0 and cli.reviews and cli.models
