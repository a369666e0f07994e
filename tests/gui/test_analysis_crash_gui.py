"""A native crash of the analysis does not take the window with it (issue 12, point 3).

The pipeline's test hook ``ROADINSPECT_TEST_ABORT_ON`` aborts the analysis process on one photo; the
analysis runs in a child process, so the window stays, the batch finishes without that photo, and
the photo list says what happened to it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roadinspect.core.pipeline import TEST_ABORT_ENV
from roadinspect.core.segmenter import default_weights
from roadinspect.gui.main_window import MainWindow
from tests.gui.conftest import sample_files


@pytest.mark.skipif(not default_weights().is_file(), reason="the shipped model weights are not installed")
def test_a_crash_of_the_analysis_leaves_the_window_working(window: MainWindow, tmp_path: Path, qtbot,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    samples = sample_files()
    for path in samples:
        shutil.copy2(path, folder / path.name)
    crashing = samples[1].name
    monkeypatch.setenv(TEST_ABORT_ENV, crashing)  # inherited by the analysis process
    assert window.new_inspection([folder], tmp_path / "batch.roadinspect")
    qtbot.waitUntil(lambda: window.session is not None and len(window.session.photo_ids()) == len(samples),
                    timeout=30000)
    qtbot.waitUntil(lambda: not window.is_busy() and "Analysis finished" in window.message.text(), timeout=240000)
    assert "could not be analysed" in window.message.text()  # the window says it
    rows = {r.path.name: r for r in window.session.rows()}
    assert rows[crashing].state == "error" and "crashed" in rows[crashing].error
    assert all(rows[p.name].state in ("analysed", "reviewed") for p in samples if p.name != crashing)
    window.review.next_photo(1)  # the inspector keeps working
    assert window.isVisible()
