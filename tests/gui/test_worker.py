"""The background task helper: progress with rate/ETA, result, error, cancel, signals in the GUI thread."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from roadinspect.gui.worker import Cancelled, ProgressInfo, Task, format_eta, run_task


def count_to(n: int, *, progress, is_cancelled, delay: float = 0.0) -> int:
    done = 0
    for i in range(n):
        if is_cancelled():
            raise Cancelled
        time.sleep(delay)
        done += 1
        progress(done, n, f"item {i}")
    return done


def test_result_progress_and_finished_arrive_in_the_gui_thread(qtbot) -> None:
    seen: list[ProgressInfo] = []
    threads: set[object] = set()
    main = QThread.currentThread()

    def on_progress(info: ProgressInfo) -> None:
        threads.add(QThread.currentThread() == main)
        seen.append(info)

    task = Task("count")
    order: list[object] = []
    task.progress.connect(on_progress)
    task.result.connect(order.append)
    task.finished.connect(lambda: order.append("finished"))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start(count_to, 5)
    assert order == [5, "finished"]
    assert [p.done for p in seen] == [1, 2, 3, 4, 5]  # payload reports are never throttled
    assert seen[-1].payload == ("item 4",) and seen[-1].fraction == 1.0
    assert seen[-1].rate is not None and seen[-1].eta_s == 0.0
    assert threads == {True}
    assert not task.is_running()


def test_error_reports_message_and_traceback(qtbot) -> None:
    def boom(*, progress, is_cancelled) -> None:
        raise ValueError("photo.jpg: broken")

    errors: list[tuple[str, str]] = []
    task = run_task(boom, on_error=lambda m, tb: errors.append((m, tb)))
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)
    assert errors and errors[0][0] == "photo.jpg: broken" and "ValueError" in errors[0][1]


def test_cancel_stops_the_function_and_gives_no_result(qtbot) -> None:
    started = threading.Event()

    def slow(*, progress, is_cancelled) -> int:
        started.set()
        while not is_cancelled():
            time.sleep(0.005)
        raise Cancelled

    results: list[object] = []
    task = run_task(slow, on_result=results.append)
    assert started.wait(5)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    assert results == [] and task.is_cancelled()


def test_bare_counters_are_throttled_but_the_last_is_delivered(qtbot) -> None:
    def fast(*, progress, is_cancelled) -> None:
        for i in range(1, 2001):
            progress(i, 2000)

    seen: list[int] = []
    task = run_task(fast, on_progress=lambda info: seen.append(info.done))
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)
    assert seen[-1] == 2000 and len(seen) < 200


def test_format_eta() -> None:
    assert format_eta(None) == "--:--"
    assert format_eta(65) == "1:05"
    assert format_eta(3723) == "1:02:03"


def _project_points(i: int, *, progress, is_cancelled) -> int:
    from roadinspect.core.geo import MetricFrame
    from roadinspect.core.types import GeoPoint

    for k in range(10):
        MetricFrame(GeoPoint(45 + k * 1e-4, 4 + i * 1e-3)).to_xy([GeoPoint(45.0, 4.0)])
    return i


def test_pyproj_in_concurrent_tasks_does_not_crash() -> None:
    """pyproj 3.7 crashes in Qt-created threads (issue #1509): tasks must run in Python threads."""
    tasks = [Task().start(_project_points, i) for i in range(4)]
    assert all(t.wait(60) for t in tasks)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are a Linux feature")
def test_background_threads_run_below_the_window() -> None:
    from roadinspect.gui.worker import lower_thread_priority

    def nice_of_this_thread(*, progress, is_cancelled) -> int:
        assert lower_thread_priority()  # what every task does unless ROADINSPECT_BACKGROUND_PRIORITY=normal
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    task = Task()
    got: list[int] = []
    task.result.connect(got.append)
    task.start(nice_of_this_thread)
    assert task.wait(10)
    QCoreApplication.processEvents()
    assert got and got[0] >= os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + 1
