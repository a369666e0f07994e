"""File names and notes with terminal control sequences or bidi overrides are shown, never interpreted
(issue 12 point 13): the progress bar, the ``analyze`` summary, ``info`` (text and JSON) and the report."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from roadinspect.cli import main
from roadinspect.console import TerminalProgress
from roadinspect.core.text import printable, printable_json

ESC_NAME = "evil\x1b[2J\x1b]8;;file:passwd\x07click\x9b31m.jpg"
RTL_NAME = "photo\u202egpj.exe"


def _raw_controls(text: str) -> list[str]:
    """Control characters (other than line ends) and bidi controls left raw in ``text``."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7f <= ord(c) <= 0x9f
            or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"]


def test_printable_escapes_controls_and_bidi_and_keeps_the_rest() -> None:
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable(RTL_NAME) == "photo\\u202egpj.exe"
    assert printable("x\x9by\x7f\n\t") == "x\\x9by\\x7f\\n\\t"
    assert printable("Route de Nantes é 東京 №5") == "Route de Nantes é 東京 №5"
    assert printable("ligne 1\nligne\u202e 2", keep_newlines=True) == "ligne 1\nligne\\u202e 2"
    doc = json.dumps({"file": ESC_NAME + RTL_NAME}, ensure_ascii=False)
    safe = printable_json(doc)
    assert not _raw_controls(safe) and json.loads(safe) == {"file": ESC_NAME + RTL_NAME}


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_escapes_a_file_name(tty: bool) -> None:
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    bar = TerminalProgress("Reading photos", stream=stream)
    bar(1, 2, ESC_NAME)
    bar(2, 2, RTL_NAME)
    out = stream.getvalue()
    assert not [c for c in _raw_controls(out) if c != "\r"]
    assert "evil\\x1b[2J" in out or not tty  # the tty bar is cut at 119 columns, the name starts early


def test_analyze_summary_and_info_escape_file_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / ESC_NAME).write_bytes(b"\xff\xd8 not really a JPEG")
    (folder / RTL_NAME.replace(".exe", ".jpg")).write_bytes(b"\xff\xd8 not really a JPEG either")
    project = tmp_path / "p.roadinspect"
    assert main(["analyze", str(folder), "--project", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "Unreadable: 2" in out and "evil\\x1b[2J" in out and "photo\\u202egpj" in out
    assert not _raw_controls(out) and not [c for c in _raw_controls(err) if c != "\r"]
    assert main(["info", str(project)]) == 0
    out, _ = capsys.readouterr()
    assert "evil\\x1b[2J" in out and not _raw_controls(out)
    assert main(["info", str(project), "--json"]) == 0
    out, _ = capsys.readouterr()
    assert not _raw_controls(out)
    files = {Path(bad["file"]).name for bad in json.loads(out)["unreadable"]}
    assert ESC_NAME in files  # the JSON value itself is exact


def test_report_neutralises_bidi_overrides_in_names_and_notes(tmp_path: Path) -> None:
    from roadinspect.core.maintenance import build_maintenance_list
    from roadinspect.core.report import report_html
    from tests.core.scenes import export_scene

    data = export_scene(tmp_path)
    pid = sorted(data.photos)[0]
    data.photos[pid] = replace(data.photos[pid], path=tmp_path / RTL_NAME)
    fid, review = next(iter(data.reviews.items()))
    data.reviews[fid] = replace(review, note="ok\u202e sutats\nsecond line\x1b[31m")
    text = report_html(data, build_maintenance_list(data)).decode("utf-8")
    assert "\u202e" not in text and "\x1b" not in text
    assert "ok\\u202e sutats" in text


def test_export_lines_escape_file_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from roadinspect.core.store import Store
    from tests.core.scenes import export_scene

    folder = tmp_path / "survey"
    folder.mkdir()
    scene = export_scene(folder)
    project = folder / f"tournée{ESC_NAME[4:12]}.roadinspect"
    with Store.open(project) as store:
        store.add_batch([scene.photos[k] for k in sorted(scene.photos)])
    out_dir = tmp_path / "sortie\x1b[31m"
    assert main(["export", str(project), "--out", str(out_dir), "--formats", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "wrote" in out and "sortie\\x1b[31m" in out and not _raw_controls(out + err)
