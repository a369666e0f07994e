"""The project's analysis lock: one analysis at a time, re-entrant in its own thread, gone with its holder."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from roadinspect.core.store import ProjectBusy, Store

ROOT = Path(__file__).resolve().parents[2]


def test_reentrant_in_its_thread_busy_elsewhere_and_removed_after(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "survey.roadinspect")
    lock_file = Path(str(store.path) + ".analysing")
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            with store.analysis_lock():
                pass
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    with store.analysis_lock():
        with store.analysis_lock():  # the command line holds it around the pipeline, which takes it again
            assert lock_file.exists()
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        probe = subprocess.run([sys.executable, "-c", "import sys; from roadinspect.core.store import Store\n"
                                "with Store.open(sys.argv[1]) as s, s.analysis_lock(): pass", str(store.path)],
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert len(errors) == 1 and isinstance(errors[0], ProjectBusy)
    assert probe.returncode != 0 and "is being analysed by another RoadInspect (process" in probe.stderr
    assert not lock_file.exists()
    with store.analysis_lock():  # free again
        pass
    store.close()


def test_a_killed_holder_releases_it(tmp_path: Path) -> None:
    path = tmp_path / "survey.roadinspect"
    Store.open(path).close()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from roadinspect.core.store import Store\n"
                               "s = Store.open(sys.argv[1]); s.analysis_lock().__enter__(); print('held', flush=True); "
                               "time.sleep(300)", str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with Store.open(path) as store, pytest.raises(ProjectBusy):
            with store.analysis_lock():
                pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
    with Store.open(path) as store, store.analysis_lock():  # the operating system released it with the process
        pass
