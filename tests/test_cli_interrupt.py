"""Ctrl+C in ``roadinspect analyze``, with a real process and real SIGINTs (POSIX).

The first Ctrl+C lets the model call under way end, starts no other and stops (exit 130, the photos
recorded before it kept, the one in flight dropped as the pipeline documents, the next run continues);
a second one interrupts (exit 130, no traceback, the project file intact). The model double blocks
inside each prediction until the test releases it, so every step waits for a condition (a file the
child writes, a count in the project), never for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roadinspect.core.store import Store
from tests.core.photo_files import truth_batch

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to a child process"),
              pytest.mark.slow]  # three child Pythons: deselect locally with -m "not slow"; CI runs it

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import roadinspect.cli_inspect as cli_inspect
    from roadinspect.cli import main
    from tests.core.photo_files import TruthSegmenter

    ctl, folder, project = Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    pairs = [(Path(folder) / f"IMG_{i:04d}.jpg", np.load(ctl / f"mask{i}.npy")) for i in range(4)]

    class Gated(TruthSegmenter):
        def predict(self, image):
            n = self.calls + 1
            (ctl / f"started-{n}").touch()
            deadline = time.monotonic() + 120
            while not (ctl / f"release-{n}").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            return super().predict(image)

    handle = cli_inspect._CancelFlag._handle

    def traced(self, signum, frame):  # tells the test when a Ctrl+C raised KeyboardInterrupt
        try:
            handle(self, signum, frame)
        except KeyboardInterrupt:
            (ctl / "interrupt-raised").touch()
            raise

    cli_inspect._CancelFlag._handle = traced
    cli_inspect._load_segmenter = lambda args: Gated(pairs)
    sys.exit(main(["analyze", folder, "--project", project]))
""")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def child(tmp_path: Path):
    folder, ctl = tmp_path / "photos", tmp_path / "ctl"
    ctl.mkdir()
    for i, (_, mask) in enumerate(truth_batch(folder, 4)):
        np.save(ctl / f"mask{i}.npy", mask)
    project = tmp_path / "survey.roadinspect"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(script), str(ROOT), str(ctl), str(folder), str(project)],
                                stdout=subprocess.PIPE, stderr=err, cwd=tmp_path)
    stderr = lambda: err_path.read_text(encoding="utf-8", errors="replace")  # noqa: E731 - a one-line local helper
    yield proc, ctl, project, stderr
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def _analysed(project: Path) -> int:
    with Store.open(project, readonly=True) as store:
        return store.counts()["analysed"]


def test_first_ctrl_c_lets_the_current_photo_end_then_stops_and_the_next_run_continues(child) -> None:
    proc, ctl, project, stderr = child
    for n in (1, 2):
        (ctl / f"release-{n}").touch()
    wait_for(lambda: (ctl / "started-3").exists() and _analysed(project) == 2, "two photos recorded, the third started")
    proc.send_signal(signal.SIGINT)
    wait_for(lambda: "Stopping: no new photo is started" in stderr(), "the stop message")
    assert proc.poll() is None  # the model call under way is not abandoned
    (ctl / "release-3").touch()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr()
    assert not (ctl / "started-4").exists()  # no model call starts after the Ctrl+C
    # The photos finished before the Ctrl+C are kept; the one in flight is not recorded (pipeline docstring).
    assert "Analysed: 2 now" in out.decode("utf-8") and _analysed(project) == 2
    for n in range(1, 5):
        (ctl / f"release-{n}").touch()
    again = subprocess.run([sys.executable, str(ctl.parent / "child.py"), str(ROOT), str(ctl),
                            str(ctl.parent / "photos"), str(project)], capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode("utf-8", "replace")
    assert "Analysed: 2 now, 2 already analysed" in again.stdout.decode("utf-8")
    assert _analysed(project) == 4


def test_second_ctrl_c_interrupts_at_once_and_keeps_the_finished_photos(child) -> None:
    proc, ctl, project, stderr = child
    wait_for(lambda: (ctl / "started-1").exists(), "the first photo's analysis")
    (ctl / "release-1").touch()
    wait_for(lambda: (ctl / "started-2").exists() and _analysed(project) == 1, "the first photo recorded")
    proc.send_signal(signal.SIGINT)
    wait_for(lambda: "Stopping: no new photo is started" in stderr(), "the stop message")
    proc.send_signal(signal.SIGINT)
    wait_for(lambda: (ctl / "interrupt-raised").exists(), "the interruption")
    # A model call cannot be stopped from outside: the process ends once the call under way returns
    # (the double's returns when released), starting no other and recording nothing more.
    (ctl / "release-2").touch()
    proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr()
    assert "Interrupted." in stderr()
    assert "Traceback" not in stderr() and not (ctl / "started-3").exists()
    assert _analysed(project) == 1  # the finished photo is kept, the interrupted one is not half-recorded
    with Store.open(project, readonly=True) as store:
        assert len(store.photos_to_analyse("0" * 64)) == 3
