"""A process that dies on a photo (native crash, out of memory, kill -9) must not stop the batch for ever.

Each run is a real child process (``roadinspect analyze`` through ``cli.main``, the model replaced by
``TruthSegmenter``). The pipeline's test hook ``ROADINSPECT_TEST_ABORT_ON`` makes the child call
``os.abort()`` on one named photo, standing for a segmentation fault in native code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from roadinspect.cli import main
from roadinspect.core.pipeline import TEST_ABORT_ENV
from roadinspect.core.store import CRASH_REASON, Store
from tests.core.photo_files import truth_batch

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path

    import numpy as np

    import roadinspect.cli_inspect as cli_inspect
    from roadinspect.cli import main
    from tests.core.photo_files import TruthSegmenter

    folder, masks, project = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    pairs = [(p, np.load(masks / (p.stem + ".npy"))) for p in sorted(folder.glob("*.jpg"))]
    cli_inspect._load_segmenter = lambda args: TruthSegmenter(pairs)
    sys.exit(main(["analyze", str(folder), "--project", project]))
""")


@pytest.fixture
def survey(tmp_path: Path) -> tuple[Path, Path, Path]:
    folder, masks = tmp_path / "photos", tmp_path / "masks"
    masks.mkdir()
    for path, mask in truth_batch(folder, 6):
        np.save(masks / (path.stem + ".npy"), mask)
    return folder, masks, tmp_path / "survey.roadinspect"


def run_child(survey: tuple[Path, Path, Path], abort_on: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != TEST_ABORT_ENV}
    if abort_on is not None:
        env[TEST_ABORT_ENV] = abort_on
    env["PYTHONFAULTHANDLER"] = ""
    return subprocess.run([sys.executable, "-c", CHILD, *map(str, survey)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def analysed_names(project: Path) -> set[str]:
    with Store.open(project, readonly=True) as store:
        return {r.path.name for r in store.photos() if r.analysis_id is not None}


def in_flight(project: Path) -> dict[str, int]:
    with Store.open(project, readonly=True) as store:
        rows = store._query("SELECT path, in_flight_alone FROM photos WHERE in_flight IS NOT NULL")
    return {Path(r["path"]).name: r["in_flight_alone"] for r in rows}


def test_a_photo_that_crashes_twice_is_recorded_failed_and_the_batch_goes_on(
        survey: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project = survey[2]
    first = run_child(survey, "IMG_0003.jpg")
    assert first.returncode != 0  # the process died (SIGABRT), no summary
    assert "IMG_0003.jpg" not in analysed_names(project)
    claimed = in_flight(project)
    assert "IMG_0003.jpg" in claimed and set(claimed.values()) == {0}  # recorded as in flight, in a batch

    second = run_child(survey, "IMG_0003.jpg")  # retries the photos in flight one at a time: dies again on it
    assert second.returncode != 0
    left = in_flight(project)
    assert left.pop("IMG_0003.jpg") == 1  # it was alone: the culprit is known
    assert set(left.values()) <= {0}  # the others still in flight from the first run wait their turn
    assert {name for name in claimed if name < "IMG_0003.jpg"} <= analysed_names(project)

    assert "retried one at a time" not in first.stdout
    third = run_child(survey, "IMG_0003.jpg")  # records it as failed and finishes the batch
    assert third.returncode == 0, third.stderr
    assert f"IMG_0003.jpg: {CRASH_REASON}" in third.stdout
    assert analysed_names(project) == {f"IMG_{i:04d}.jpg" for i in range(6)} - {"IMG_0003.jpg"}
    assert in_flight(project) == {}

    fourth = run_child(survey, "IMG_0003.jpg")  # the same model does not try it again
    assert fourth.returncode == 0, fourth.stderr
    assert "Analysed: 0 now" in fourth.stdout

    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["failed"] == [{"file": str(survey[0] / "IMG_0003.jpg"), "reason": CRASH_REASON}]
    assert info["unreadable"] == [] and info["analysed"] == 5
    with Store.open(project, readonly=True) as store:
        statuses = [a.status for a in store.analyses()]
        counts = {}
        for rf in store.findings():
            counts[rf.finding.photo_id] = counts.get(rf.finding.photo_id, 0) + 1
        one_analysis_per_photo = store._query(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'photo_analysed' GROUP BY photo_id HAVING n > 1")
    assert statuses[:2] == ["interrupted", "interrupted"] and statuses[2] == "finished"
    assert one_analysis_per_photo == []  # no photo analysed twice


def test_a_photo_merely_in_flight_when_the_process_died_is_analysed_on_the_next_run(
        survey: tuple[Path, Path, Path]) -> None:
    """kill -9 (or a crash caused by something else): the photos in flight are retried, not blamed."""
    project = survey[2]
    assert run_child(survey, "IMG_0002.jpg").returncode != 0
    assert in_flight(project)
    again = run_child(survey, None)
    assert again.returncode == 0, again.stderr
    assert "retried one at a time: " in again.stdout
    assert analysed_names(project) == {f"IMG_{i:04d}.jpg" for i in range(6)}
    assert in_flight(project) == {}
    with Store.open(project, readonly=True) as store:
        assert store.failed() == [] and store.counts()["failed"] == []
