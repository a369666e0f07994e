"""The app's batch analysis runs in a child process: a native crash ends the child, not the caller (issue 12, point 3).

The pipeline's test hook ``ROADINSPECT_TEST_ABORT_ON`` makes the child ``os.abort()`` on one photo (a
stand-in for a segmentation fault in native code). These tests run the shipped model in the child.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from roadinspect.core.analysis_process import analyse_in_child, describe_exit
from roadinspect.core.photos import scan
from roadinspect.core.pipeline import TEST_ABORT_AFTER_RECORD_ENV, TEST_ABORT_ENV
from roadinspect.core.segmenter import default_weights
from roadinspect.core.store import CRASH_REASON, Store
from tests.core.photo_files import scene_jpeg

pytestmark = pytest.mark.skipif(not default_weights().is_file(), reason="the shipped model weights are not installed")


def make_project(tmp_path: Path, count: int = 4) -> Path:
    folder = tmp_path / "photos"
    for i in range(count):
        scene_jpeg(folder / f"IMG_{i:04d}.jpg", seed=20 + i, index=i, potholes=1)
    path = tmp_path / "survey.roadinspect"
    with Store.open(path) as store:
        store.add_batch(scan([folder]).photos)
    return path


def test_a_crash_in_the_child_is_survived_and_the_batch_finishes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path)
    monkeypatch.setenv(TEST_ABORT_ENV, "IMG_0002.jpg")
    seen: list[tuple[int, int, int]] = []
    summary = analyse_in_child(project, who="ana", progress=lambda d, t, pid, m: seen.append((d, t, pid)))
    assert summary.crashes and all(c == "killed by signal SIGABRT" for c in summary.crashes)  # we are still here
    assert [(f.path.name, f.reason) for f in summary.failed] == [("IMG_0002.jpg", CRASH_REASON)]
    with Store.open(project, readonly=True) as store:
        analysed = sorted(r.path.name for r in store.photos() if r.analysis_id is not None)
        assert analysed == ["IMG_0000.jpg", "IMG_0001.jpg", "IMG_0003.jpg"]
        assert [f["reason"] for f in store.counts()["failed"]] == [CRASH_REASON]
        analysed_ids = {r.id for r in store.photos() if r.analysis_id is not None}
    assert analysed_ids <= {pid for _, _, pid in seen}  # the caller heard of every photo recorded
    assert all(d <= t for d, t, _ in seen) and seen[-1][0] >= 3  # (the photo left out is not "done")
    assert multiprocessing.active_children() == []


def test_a_photo_recorded_just_before_a_crash_is_still_reported(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The child dies between committing a photo and telling the parent (CI saw it with the findings thread)."""
    project = make_project(tmp_path)
    monkeypatch.delenv(TEST_ABORT_ENV, raising=False)
    monkeypatch.setenv(TEST_ABORT_AFTER_RECORD_ENV, "IMG_0001.jpg")
    seen: list[tuple[int, int, int, str]] = []
    summary = analyse_in_child(project, progress=lambda d, t, pid, m: seen.append((d, t, pid, m)))
    assert summary.crashes == ["killed by signal SIGABRT"] and summary.failed == []
    with Store.open(project, readonly=True) as store:
        names = {r.id: r.path.name for r in store.photos() if r.analysis_id is not None}
    assert sorted(names.values()) == ["IMG_0000.jpg", "IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
    assert sorted(pid for _, _, pid, _ in seen) == sorted(names)  # each photo heard of once
    assert [m for _, _, pid, m in seen if names[pid] == "IMG_0001.jpg"] == ["IMG_0001.jpg"]
    assert [d for d, _, _, _ in seen] == [1, 2, 3, 4] and all(d <= t for d, t, _, _ in seen)
    assert summary.analysed == 4


def test_cancel_reaches_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path, 6)
    monkeypatch.delenv(TEST_ABORT_ENV, raising=False)
    seen: list[int] = []
    summary = analyse_in_child(project, progress=lambda d, t, pid, m: seen.append(d), is_cancelled=lambda: bool(seen))
    assert summary.cancelled and summary.crashes == []
    with Store.open(project, readonly=True) as store:
        done = store.counts()["analysed"]
        assert 1 <= done < 6 and store.analyses()[-1].status == "cancelled"
    assert multiprocessing.active_children() == []


def test_describe_exit() -> None:
    assert describe_exit(-11) == "killed by signal SIGSEGV" and describe_exit(3) == "exit code 3"
    assert os.name == "nt" or describe_exit(-9) == "killed by signal SIGKILL"
