"""The cluster path with real Ray: one local Ray for the module (2 CPUs, a small object store), real actors.

Skipped, with the reason, only when Ray is not installed (``pip install -e .[cluster]``; ``packaging/dev.py``
installs it, so CI runs these). Workers import the test helpers through ``PYTHONPATH`` (set before Ray starts).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e .[cluster]): the cluster tests need it")

from roadinspect.cluster.driver import ClusterOptions, analyze_on_cluster  # noqa: E402 - after the importorskip above
from roadinspect.cluster.session import ClusterError, Session, connect  # noqa: E402 - after the importorskip above
from roadinspect.cluster.worker import ModelSpec, model_spec  # noqa: E402 - after the importorskip above
from roadinspect.core.photos import scan  # noqa: E402 - after the importorskip above
from roadinspect.core.pipeline import analyze  # noqa: E402 - after the importorskip above
from roadinspect.core.store import CRASH_REASON, Store  # noqa: E402 - after the importorskip above
from roadinspect.core.track import complete_track  # noqa: E402 - after the importorskip above
from tests.cluster.helpers import DiesOn, truth_factory  # noqa: E402 - after the importorskip above
from tests.core.photo_files import truth_batch  # noqa: E402 - after the importorskip above

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
OPTIONS = ClusterOptions(workers=2, ready_timeout_s=180)


@pytest.fixture(scope="module")
def session() -> Session:
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *([saved] if saved else [])])
    try:
        opened = connect(None, num_cpus=2, object_store_bytes=80 * 1024 * 1024)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    yield opened
    opened.close()


def project(tmp_path: Path, count: int, size: tuple[int, int] = (160, 120), name: str = "p.roadinspect"):
    pairs = truth_batch(tmp_path / "photos", count, size=size)
    result = scan([tmp_path / "photos"])
    store = Store.open(tmp_path / name)
    added = store.add_batch(complete_track(result.photos), result.unreadable, result.duplicates)
    return store, added.photo_ids, pairs


def truth_spec(pairs: list, **kwargs) -> ModelSpec:
    return ModelSpec("truth-double", "0" * 64, None, factory=truth_factory(pairs, **kwargs))


def findings_by_photo(store: Store) -> dict[str, list[tuple]]:
    names = {r.id: r.path.name for r in store.photos()}
    out: dict[str, list[tuple]] = {n: [] for n in names.values()}
    for rf in store.findings():
        f = rf.finding
        out[names[f.photo_id]].append((int(f.damage), f.kind, str(f.severity), f.polygon_wkt))
    return out


def audit(store: Store) -> list[tuple[str, str]]:
    """(action, photo name) of the analysis rows of the audit log, oldest first."""
    names = {r.id: r.path.name for r in store.photos()}
    return [(e.action, names.get(e.photo_id, "")) for e in reversed(store.audit_log())
            if e.action in ("analysis_started", "photo_analysed", "photo_error", "analysis_finished")]


def analysed_once(store: Store) -> Counter[str]:
    return Counter(name for action, name in audit(store) if action == "photo_analysed")


def test_same_findings_and_audit_rows_as_a_local_analyze_with_the_shipped_model(tmp_path: Path,
                                                                                 session: Session) -> None:
    from roadinspect.core.segmenter import Segmenter

    local, ids, _ = project(tmp_path, 4, size=(320, 240), name="local.roadinspect")
    cluster = Store.open(tmp_path / "cluster.roadinspect")
    result = scan([tmp_path / "photos"])
    cluster_ids = cluster.add_batch(complete_track(result.photos), result.unreadable, result.duplicates).photo_ids
    analyze(local, ids, Segmenter.load(device="cpu", threads=1), workers=0)
    spec = model_spec(None, backend="torch")
    summary = analyze_on_cluster(cluster, cluster_ids, spec, options=OPTIONS, session=session)
    assert (summary.analysed, summary.failed, summary.cancelled) == (4, [], False)
    assert sum(summary.per_worker.values()) == 4 and len(summary.workers) == 2
    assert findings_by_photo(cluster) == findings_by_photo(local)
    assert sum(len(v) for v in findings_by_photo(cluster).values()) > 0
    assert audit(cluster) == audit(local)  # the same rows, in the same (photo) order
    a, b = local.analyses()[0], cluster.analyses()[0]
    assert (b.model_name, b.model_sha256, b.status, b.photos_done) == (a.model_name, a.model_sha256, "finished", 4)
    assert [r.photo.sha256 for r in cluster.photos()] == [r.photo.sha256 for r in local.photos()]  # type: ignore[union-attr]


def test_a_worker_killed_mid_run_has_its_photos_done_by_the_others(tmp_path: Path, session: Session) -> None:
    store, ids, pairs = project(tmp_path, 14)  # calls of 4: each worker still has one running at the kill
    pids = tmp_path / "pids"
    pids.mkdir()
    spec = truth_spec(pairs, delay=0.25, pid_dir=str(pids))
    killed: list[int] = []

    def kill_one(photo_id: int) -> None:
        if not killed:
            victim = int(sorted(pids.glob("*.pid"))[0].stem)
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    summary = analyze_on_cluster(store, ids, spec, options=OPTIONS, session=session, on_recorded=kill_one)
    assert killed and summary.resent >= 1  # the killed worker had photos in flight
    assert (summary.analysed, summary.failed) == (14, [])
    assert analysed_once(store) == Counter({r.path.name: 1 for r in store.photos()})
    assert store.claimed() == []


def test_a_worker_that_cannot_be_restarted_leaves_its_photos_to_the_others(tmp_path: Path,
                                                                          session: Session) -> None:
    store, ids, pairs = project(tmp_path, 20)  # 5 calls of 4: each worker still has one running at the kill
    pids = tmp_path / "pids"
    pids.mkdir()
    killed: list[int] = []

    def kill_one(photo_id: int) -> None:
        if not killed:
            killed.append(int(sorted(pids.glob("*.pid"))[0].stem))
            os.kill(killed[0], signal.SIGKILL)

    options = ClusterOptions(workers=2, max_restarts=0, ready_timeout_s=180)
    summary = analyze_on_cluster(store, ids, truth_spec(pairs, delay=0.2, pid_dir=str(pids)), options=options,
                                 session=session, on_recorded=kill_one)
    assert killed and summary.resent >= 1 and (summary.analysed, summary.failed) == (20, [])
    assert len(list(pids.glob("*.pid"))) == 2  # not restarted: the other worker did the rest
    assert analysed_once(store) == Counter({r.path.name: 1 for r in store.photos()})


def test_a_photo_that_kills_its_worker_twice_is_recorded_failed_and_the_batch_goes_on(tmp_path: Path,
                                                                                        session: Session) -> None:
    store, ids, pairs = project(tmp_path, 6)
    fatal = pairs[2][0]
    import functools

    spec = ModelSpec("truth-double", "0" * 64, None, factory=functools.partial(DiesOn, pairs, fatal))
    summary = analyze_on_cluster(store, ids, spec, options=OPTIONS, session=session)
    assert summary.analysed == 5
    assert [(f.path.name, "stopped 2 times" in f.reason) for f in summary.failed] == [(fatal.name, True)]
    assert analysed_once(store) == Counter({r.path.name: 1 for r in store.photos() if r.path != fatal})
    assert store.claimed() == []
    assert [(f.path.name, f.reason.startswith(CRASH_REASON)) for f in store.failed()] == [(fatal.name, True)]
    assert store.photos_to_analyse("0" * 64) == []  # this model does not try it again, as after a local crash


def test_driver_killed_with_sigkill_then_resumed_analyses_every_photo_exactly_once(tmp_path: Path,
                                                                                   session: Session) -> None:
    store, ids, pairs = project(tmp_path, 16)
    store.close()
    child = textwrap.dedent("""
        import sys
        from pathlib import Path

        from roadinspect.cluster.driver import ClusterOptions, analyze_on_cluster
        from roadinspect.cluster.worker import ModelSpec
        from roadinspect.core.store import Store
        from tests.cluster.helpers import truth_factory
        from tests.core.photo_files import truth_batch

        folder, project, address = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
        pairs = truth_batch(folder.parent / "again", 16)  # the same seeds: the same pixels and masks
        spec = ModelSpec("truth-double", "0" * 64, None, factory=truth_factory(pairs, delay=0.3))
        with Store.open(project) as store:
            analyze_on_cluster(store, None, spec, options=ClusterOptions(address=address, workers=2))
    """)
    address = ray.get_runtime_context().gcs_address
    log = tmp_path / "driver.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", child, str(tmp_path / "photos"),
                                 str(tmp_path / "p.roadinspect"), address], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while done < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with Store.open(tmp_path / "p.roadinspect", readonly=True) as peek:
                done = peek.counts()["analysed"]
        assert proc.poll() is None, log.read_text()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Store.open(tmp_path / "p.roadinspect") as store:
        before = store.counts()["analysed"]
        in_flight = store.claimed()
        assert 3 <= before < 16 and in_flight  # killed mid-run, photos claimed in flight
        spec = truth_spec(pairs)
        summary = analyze_on_cluster(store, None, spec, options=OPTIONS, session=session)
        assert summary.analysed == 16 - before and summary.failed == [] and summary.retried_alone == len(in_flight)
        assert analysed_once(store) == Counter({r.path.name: 1 for r in store.photos()})
        assert [a.status for a in store.analyses()] == ["interrupted", "finished"]
        assert store.claimed() == []


def test_a_photo_the_workers_cannot_see_gets_its_reason_and_photo_roots_map_the_rest(tmp_path: Path,
                                                                                     session: Session) -> None:
    store, ids, pairs = project(tmp_path, 5)
    share = tmp_path / "share"
    shutil.copytree(tmp_path / "photos", share)
    (share / "IMG_0001.jpg").unlink()
    spec = truth_spec(pairs)
    options = ClusterOptions(workers=2, photo_roots=((str(tmp_path / "photos"), str(share)),))
    summary = analyze_on_cluster(store, ids, spec, options=options, session=session)
    assert summary.analysed == 4
    [bad] = summary.failed
    assert bad.path.name == "IMG_0001.jpg"
    assert "file not found on worker" in bad.reason and str(share / "IMG_0001.jpg") in bad.reason
    assert store.counts()["findings"] > 0


def test_mismatched_weights_are_refused_before_the_project_is_touched(tmp_path: Path, session: Session) -> None:
    store, ids, pairs = project(tmp_path, 2)
    spec = ModelSpec("truth-double", "f" * 64, None, factory=truth_factory(pairs))  # the workers' model is 0...0
    with pytest.raises(ClusterError, match="refuses: its weights .* sha256 000000000000.*driver's model"):
        analyze_on_cluster(store, ids, spec, options=OPTIONS, session=session)
    assert store.analyses() == [] and store.counts()["analysed"] == 0


def test_cuda_asked_of_a_cluster_without_gpu_is_one_clear_error(tmp_path: Path, session: Session) -> None:
    store, ids, pairs = project(tmp_path, 1)
    with pytest.raises(ClusterError, match="--device cuda: .* has no GPU"):
        analyze_on_cluster(store, ids, truth_spec(pairs), options=ClusterOptions(device="cuda"), session=session)
    assert store.analyses() == []


def test_cancel_while_the_workers_start_records_nothing(tmp_path: Path, session: Session) -> None:
    store, ids, pairs = project(tmp_path, 2)
    summary = analyze_on_cluster(store, ids, truth_spec(pairs), None, lambda: True, options=OPTIONS, session=session)
    assert summary.cancelled and summary.analysed == 0 and summary.analysis_id is None
    assert store.analyses() == [] and store.claimed() == []


def test_cancel_stops_the_workers_and_a_rerun_completes(tmp_path: Path, session: Session) -> None:
    store, ids, pairs = project(tmp_path, 10)
    recorded: list[int] = []
    summary = analyze_on_cluster(store, ids, truth_spec(pairs, delay=0.2), None, lambda: len(recorded) >= 2,
                                 options=OPTIONS, session=session, on_recorded=recorded.append)
    assert summary.cancelled and 2 <= summary.analysed < 10 and store.claimed() == []
    again = analyze_on_cluster(store, ids, truth_spec(pairs), options=OPTIONS, session=session)
    assert again.analysed == 10 - summary.analysed and again.skipped == summary.analysed
    assert analysed_once(store) == Counter({r.path.name: 1 for r in store.photos()})
    assert [a.status for a in store.analyses()] == ["cancelled", "finished"]


def test_an_unreachable_address_is_one_line_within_15_seconds(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from roadinspect.cli import main

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    truth_batch(tmp_path / "photos", 1)
    start = time.monotonic()
    code = main(["analyze", str(tmp_path / "photos"), "--project", str(tmp_path / "p.roadinspect"),
                 "--ray", f"127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - start < 15
    assert err.count("\n") == 1 and f"cannot reach the Ray cluster at 127.0.0.1:{port}" in err
    with Store.open(tmp_path / "p.roadinspect", readonly=True) as store:
        assert store.counts()["photos"] == 0  # refused before the scan


def test_the_command_line_with_ray_analyses_and_names_the_workers(tmp_path: Path, session: Session,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from roadinspect.cli import main

    truth_batch(tmp_path / "photos", 3, size=(320, 240))
    code = main(["analyze", str(tmp_path / "photos"), "--project", str(tmp_path / "p.roadinspect"), "--ray",
                 "--backend", "torch", "--workers", "2"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Analysed: 3 now, 0 already analysed, 0 failed" in out.out and "Ray workers: 2 on " in out.out
    assert "Ray: this process's Ray, 2 CPUs" in out.err
    with Store.open(tmp_path / "p.roadinspect", readonly=True) as store:
        assert store.counts()["analysed"] == 3


def test_ctrl_c_on_the_command_line_stops_the_batch_and_the_workers(tmp_path: Path) -> None:
    """The real command (a local Ray of its own, the shipped model) in its own session; SIGINT to the whole group,
    as a terminal's Ctrl+C sends it."""
    truth_batch(tmp_path / "photos", 120, size=(320, 240))
    project_file = tmp_path / "p.roadinspect"
    log = tmp_path / "err.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "roadinspect", "analyze", str(tmp_path / "photos"),
                                 "--project", str(project_file), "--ray", "--backend", "torch", "--workers", "1"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        done = 0
        while done < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            if project_file.exists():
                with Store.open(project_file, readonly=True) as peek:
                    done = peek.counts()["analysed"]
        assert proc.poll() is None and done >= 3, log.read_text()
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, log.read_text()
    assert "Stopping: no new photo is started" in log.read_text() and "stopped (re-run the same command" in out
    with Store.open(project_file, readonly=True) as store:
        assert 3 <= store.counts()["analysed"] < 120 and store.claimed() == []
    deadline = time.monotonic() + 20  # every process the command started (Ray, its workers) has ended
    left = ["?"]
    while left and time.monotonic() < deadline:
        listing = subprocess.run(["ps", "-eo", "sid=,cmd="], capture_output=True, text=True).stdout
        left = [line for line in listing.splitlines() if line.split(None, 1)[0] == str(proc.pid)]
        time.sleep(0.5)
    assert left == []


def test_ray_usage_statistics_are_switched_off_by_roadinspect(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from ray._common.usage import usage_lib

    from roadinspect.cluster.session import import_ray

    monkeypatch.delenv("RAY_USAGE_STATS_ENABLED", raising=False)
    monkeypatch.setenv("RAY_USAGE_STATS_CONFIG_PATH", str(tmp_path / "none.json"))  # no user opt-out either
    assert usage_lib.usage_stats_enabled()  # Ray's default: on
    import_ray()
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0" and not usage_lib.usage_stats_enabled()
