"""A project file after a kill -9, a damaged project, an empty file, two processes at once (issue 12, points 8, 9).

* a write killed half-way leaves a rollback journal; ``info`` and ``export`` (read-only) finish undoing
  it instead of calling the project "not an SQLite database";
* a damaged project gives one line naming the file ("damaged ... restore a copy"), exit 2, and the
  file is left exactly as it was, in ``info``, ``export`` and ``analyze``;
* an empty file is never silently turned into a project;
* two processes creating the same project at once both succeed on one complete project; two
  ``analyze`` runs never analyse the same photos twice: the second says the project is busy.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import roadinspect.cli_inspect as cli_inspect
import roadinspect.core.store as store_module
from roadinspect.cli import main
from roadinspect.core.store import SCHEMA_VERSION, ProjectError, Store
from roadinspect.core.types import DamageClass, Finding, Severity
from tests.core.photo_files import TruthSegmenter, truth_batch

ROOT = Path(__file__).resolve().parents[2]
CRACK = "POLYGON ((10 10, 60 10, 60 20, 10 20, 10 10))"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A project with 8 analysed photos (findings), and its photo folder."""
    folder = tmp_path / "photos"
    pairs = truth_batch(folder, 8)
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: TruthSegmenter(pairs))
    path = tmp_path / "survey.roadinspect"
    assert main(["analyze", str(folder), "--project", str(path)]) == 0
    with Store.open(path) as store:  # enough rows that the tables span many pages
        pid = store.photos()[0].id
        analysis = store.start_analysis("m", "a" * 64)
        store.record_photo_result(pid, analysis, [
            Finding(damage=DamageClass.CRACK, polygon_wkt=CRACK, confidence=0.9, kind="isolated",
                    severity=Severity.LOW, measures={"pad": "x" * 500}) for _ in range(200)])
    return path, folder


def test_info_and_export_finish_a_write_killed_half_way(project: tuple[Path, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = project
    with Store.open(path, readonly=True) as store:
        before = store.counts()
    code = textwrap.dedent(f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("PRAGMA cache_size = 2")  # spill changed pages into the file before the commit
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE findings SET measures = '{{}}', confidence = 0.1")
        conn.execute("DELETE FROM photos WHERE id > 1")
        os.kill(os.getpid(), 9)
    """)
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT)
    assert child.returncode != 0
    journal = Path(str(path) + "-journal")
    assert journal.exists() and journal.stat().st_size > 0  # a hot journal: the write was cut off

    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["photos"] == before["photos"] and info["findings"] == before["findings"]  # undone, not half-applied
    assert not journal.exists()
    assert main(["export", str(path), "--out", str(tmp_path / "out"), "--formats", "csv"]) == 0


def kill_mid_write(path: Path) -> Path:
    """A child that dies (SIGKILL) in the middle of a write transaction; returns the journal it leaves."""
    code = textwrap.dedent(f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("PRAGMA cache_size = 2")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE findings SET measures = '{{}}', confidence = 0.1")
        os.kill(os.getpid(), 9)
    """)
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode != 0
    journal = Path(str(path) + "-journal")
    assert journal.stat().st_size > 0
    return journal


def test_a_killed_write_that_cannot_be_finished_here_says_what_to_do(project: tuple[Path, Path],
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The project on a read-only share (stood for by os.access): one line saying what to do, nothing changed."""
    path, _ = project
    journal = kill_mid_write(path)
    before = digest(path), digest(journal)
    monkeypatch.setattr(store_module.os, "access", lambda *args, **kwargs: False)
    capsys.readouterr()
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"copy {path.name} and {journal.name} together to a writable folder" in err
    assert f"never delete {journal.name}" in err
    assert (digest(path), digest(journal)) == before


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="needs a folder this user cannot write to")
def test_a_killed_write_in_a_read_only_folder_says_what_to_do(project: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = project
    Path(str(path) + "-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\0" * 4088)
    os.chmod(path.parent, 0o555)
    try:
        assert main(["info", str(path)]) == 2
    finally:
        os.chmod(path.parent, 0o755)
    err = capsys.readouterr().err
    assert "journal" in err and "writable folder" in err and "Traceback" not in err


def damage(path: Path) -> None:
    """Overwrite the middle of every page after the first few with garbage (the header stays valid)."""
    size = path.stat().st_size
    page = 4096
    assert size >= 8 * page
    rng = np.random.default_rng(7)
    with open(path, "r+b") as handle:
        for offset in range(3 * page, size, page):
            handle.seek(offset + 300)
            handle.write(rng.integers(0, 256, 1500, dtype=np.uint8).tobytes())


@pytest.mark.parametrize("command", ["info", "export", "analyze"])
def test_a_damaged_project_is_one_line_exit_2_and_left_untouched(project: tuple[Path, Path], tmp_path: Path,
                                                                  command: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path, folder = project
    damage(path)
    before = digest(path)
    capsys.readouterr()
    argv = {"info": ["info", str(path)],
            "export": ["export", str(path), "--out", str(tmp_path / "out")],
            "analyze": ["analyze", str(folder), "--project", str(path)]}[command]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(path) in lines[0] and "damaged" in lines[0] and "restore a copy" in lines[0]
    assert "Traceback" not in err + out
    assert digest(path) == before
    assert not Path(str(path) + "-journal").exists()
    assert not (tmp_path / "out" / "sites.csv").exists()


def test_an_empty_file_is_not_turned_into_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    pairs = truth_batch(folder, 1)
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: TruthSegmenter(pairs))
    empty = tmp_path / "survey.roadinspect"
    empty.write_bytes(b"")
    for argv in (["analyze", str(folder), "--project", str(empty)], ["info", str(empty)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{empty} is an empty file (0 bytes)" in err
    assert empty.stat().st_size == 0
    with pytest.raises(ProjectError, match="empty file"):
        Store.open(empty)


CREATE = textwrap.dedent("""
    import sys, time
    from roadinspect.core.store import Store
    path, start = sys.argv[1], float(sys.argv[2])
    while time.time() < start:
        pass
    with Store.open(path) as store:
        store.set_meta("ui.opened_by", sys.argv[3])
    print("ok")
""")


def test_processes_creating_one_project_at_once(tmp_path: Path) -> None:
    path = tmp_path / "survey.roadinspect"
    start = time.time() + 4.0  # every child imports first, then they all open at the same instant
    children = [subprocess.Popen([sys.executable, "-c", CREATE, str(path), str(start), str(i)], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = [child.communicate(timeout=300) + (child.returncode,) for child in children]
    for out, err, code in results:
        assert code == 0 and out.strip() == "ok", err
    with Store.open(path, readonly=True) as store:
        assert store.get_meta("created_at") is not None
        assert [e.details["version"] for e in store.audit_log() if e.action == "schema"] == list(
            range(1, SCHEMA_VERSION + 1))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.roadinspect"]  # no temporary file left


SLOW_ANALYZE = textwrap.dedent("""
    import sys, time
    from pathlib import Path

    import numpy as np

    import roadinspect.cli_inspect as cli_inspect
    from roadinspect.cli import main
    from tests.core.photo_files import TruthSegmenter

    class Slow(TruthSegmenter):
        def predict(self, image):  # holds the analysis until the test lets it go
            while not release.exists():
                time.sleep(0.05)
            return super().predict(image)

    folder, masks, project, release = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    pairs = [(p, np.load(masks / (p.stem + ".npy"))) for p in sorted(folder.glob("*.jpg"))]
    cli_inspect._load_segmenter = lambda args: Slow(pairs)
    sys.exit(main(["analyze", str(folder), "--project", project]))
""")


def test_a_second_analyze_of_a_busy_project_says_so_and_nothing_is_analysed_twice(tmp_path: Path) -> None:
    folder, masks = tmp_path / "photos", tmp_path / "masks"
    masks.mkdir()
    for path, mask in truth_batch(folder, 8):
        np.save(masks / (path.stem + ".npy"), mask)
    project = tmp_path / "survey.roadinspect"
    release = tmp_path / "release"
    argv = [sys.executable, "-c", SLOW_ANALYZE, str(folder), str(masks), str(project), str(release)]
    first = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # wait until the first one analyses
            if project.exists() and Path(str(project) + ".analysing").exists():
                break
            time.sleep(0.05)
        second = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
        release.write_text("go")
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert second.returncode == 2
    assert "is being analysed by another RoadInspect (process" in second.stderr
    assert "Traceback" not in second.stderr
    with Store.open(project, readonly=True) as store:
        assert len(store.analyses()) == 1 and store.counts()["analysed"] == 8
        twice = store._query("SELECT photo_id, count(*) AS n FROM audit_log WHERE action = 'photo_analysed' "
                             "GROUP BY photo_id HAVING n > 1")
        imports = [e for e in store.audit_log() if e.action == "import"]
    assert twice == [] and len(imports) == 1  # the second run imported nothing either
    assert not Path(str(project) + ".analysing").exists()  # the lock file goes with the analysis
