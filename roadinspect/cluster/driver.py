"""The cluster driver: the project's only writer, streaming the photos to Ray actors that keep the model loaded.

:func:`analyze_on_cluster` ends the project exactly as :func:`roadinspect.core.pipeline.analyze` does: it
shares the pipeline's project side (:func:`~roadinspect.core.pipeline.record_analysis`: settle what a dead
process left in flight, the photos still to analyse with this model, the road regions, the analysis row,
one transaction per photo through :class:`~roadinspect.core.pipeline.Recorder`, in photo order, with the
same audit rows) and the workers run the pipeline's per-photo work
(:func:`~roadinspect.core.pipeline.analyse_photos`) in :class:`~roadinspect.cluster.worker.PhotoWorker`
actors. Only the driver opens the SQLite file; workers get each photo's metadata with its path as the
workers see it (``--photo-root OLD=NEW``) and send back findings and timings, never pixels.

Flow
----
* **workers first**: the actors are started (one per ``worker_cpus`` CPUs of the cluster, or one per GPU
  with ``device="cuda"``), each loads the model once and checks the weights' sha256 against the driver's;
  a refusal (other weights, a model that does not load) stops the run before the project is touched.
* **streaming, bounded**: the photos to do are taken lazily, ``photos_per_call`` per actor call, each call
  claimed in the project (:meth:`Store.claim_photos`, committed) just before it is sent; every actor has at
  most ``calls_per_worker`` calls queued, so memory on the driver is flat in the batch size and a
  ``kill -9`` of the driver leaves only those few photos claimed: the next run (local or cluster) settles
  them and analyses them again, one per call, first.
* **a worker that dies** (killed, out of memory, a node lost): Ray restarts the actor (``max_restarts``);
  the photos of its calls are sent again, one photo per call, to any worker; a photo whose call failed
  twice is recorded as failed with the reason and the batch goes on. An actor that cannot be restarted
  leaves the pool; with no worker left the run stops (:class:`ClusterError`), every finished photo kept.
* **a file the workers cannot read** gets a per-photo reason naming the worker and the path it tried.
* **cancel** (``is_cancelled``, Ctrl+C in the CLI): nothing new is sent, the calls queued are cancelled, the
  actors are killed; photos in flight are not recorded (a later run does them).
* **progress**: ``progress(done, total, message)`` per photo recorded (the CLI's bar shows photos/s and the
  ETA); the message and :attr:`ClusterSummary.per_worker` give each worker's count.

Why Ray actors and not Ray Data's ``map_batches``: see ``docs/cluster.md`` (the claims must be written
before each photo is handed out and each result recorded as it arrives, in photo order, with a per-photo
"failed twice" rule; Ray Data's retries are per block and its input is a dataset built up front).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadinspect.cluster.session import ClusterError, Session, connect
from roadinspect.cluster.worker import ModelSpec, PhotoWorker, Reply, WorkConfig, WorkerInfo
from roadinspect.core.pipeline import (
    AnalysisSummary,
    CancelFn,
    PhotoFailed,
    PhotoOutcome,
    ProgressFn,
    Recorder,
    Todo,
    record_analysis,
    wanted_ids,
)
from roadinspect.core.store import CRASH_REASON, PhotoRecord, Store

MAX_ATTEMPTS = 2
"""Calls that may fail on a photo (its worker died or raised) before it is recorded as failed."""
READY_TIMEOUT_S = 300.0
"""Seconds the workers have to start and load the model."""


@dataclass(frozen=True)
class ClusterOptions:
    """How to run on Ray.

    ``address``: None for a local Ray on this machine, ``auto`` or ``HOST:PORT`` to join a cluster.
    ``workers``: actors to start (None: one per ``worker_cpus`` CPUs of the cluster, or one per GPU).
    ``device``: ``auto`` (GPU workers when the cluster has GPUs), ``cpu`` or ``cuda``. ``photo_roots``:
    ``(OLD, NEW)`` path prefixes: a photo under OLD on the driver is read at NEW on the workers.
    ``photos_per_call``: photos per actor call (None: 4 on CPU workers, 16 on GPU workers).
    ``num_cpus``/``object_store_bytes``: size of a local Ray (ignored when joining).
    """

    address: str | None = None
    workers: int | None = None
    worker_cpus: int = 1
    device: str = "auto"
    photo_roots: tuple[tuple[str, str], ...] = ()
    photos_per_call: int | None = None
    calls_per_worker: int = 2
    max_restarts: int = 2
    num_cpus: int | None = None
    object_store_bytes: int | None = None
    ready_timeout_s: float = READY_TIMEOUT_S


@dataclass
class ClusterSummary(AnalysisSummary):
    """:class:`AnalysisSummary` plus the cluster's side: photos per worker, workers, calls sent again."""

    address: str = ""
    workers: list[str] = field(default_factory=list)
    per_worker: dict[str, int] = field(default_factory=dict)
    resent: int = 0
    """Photos sent again because the call that carried them failed (a worker died)."""


# ---------------------------------------------------------------------- paths
def parse_photo_root(text: str) -> tuple[str, str]:
    """``OLD=NEW`` -> ``(OLD, NEW)``; ValueError naming the option otherwise."""
    old, sep, new = text.partition("=")
    if not sep or not old.strip() or not new.strip():
        raise ValueError(f"--photo-root {text!r}: expected OLD=NEW (the photos' folder on this machine = on the "
                         "workers, e.g. /srv/survey=/mnt/survey)")
    return old.strip(), new.strip()


def map_path(path: Path | str, roots: Sequence[tuple[str, str]]) -> str:
    """Where the workers read ``path``: the longest ``OLD`` prefix (whole folder names) replaced by its ``NEW``.

    A path under no ``OLD`` is sent as it is (the workers see the same path). A Windows path mapped to a
    POSIX root gets forward slashes.
    """
    text = str(path)
    best: tuple[str, str] | None = None
    for old, new in roots:
        stem = old.rstrip("/\\")
        if text == stem or (text.startswith(stem) and text[len(stem):len(stem) + 1] in ("/", "\\")):
            if best is None or len(stem) > len(best[0]):
                best = (stem, new)
    if best is None:
        return text
    rest = text[len(best[0]):]
    new = best[1].rstrip("/\\")
    if new.startswith("/"):
        rest = rest.replace("\\", "/")
    return new + rest


# ---------------------------------------------------------------------- workers
@dataclass
class _Worker:
    handle: Any
    info: WorkerInfo
    queued: int = 0
    failures: int = 0
    probing: Any = None  # the ping sent after a failure: no work until it answers
    ping_at: float | None = None  # when to ping (again) a worker that Ray is restarting
    suspect: bool = False  # running a photo sent again: nothing is queued behind it
    live: bool = True
    spec_ref: Any = None  # keeps the model spec alive in the object store for restarts

    @property
    def idle(self) -> bool:
        """Ready for work: alive, answering, and not running a photo sent again."""
        return self.live and self.probing is None and self.ping_at is None and not self.suspect


@dataclass
class _Call:
    worker: _Worker
    ids: list[int]
    ping: bool = False
    again: bool = False  # photos sent again (one per call, alone on its worker)


def _start_workers(session: Session, spec: ModelSpec, options: ClusterOptions,
                   is_cancelled: CancelFn | None = None) -> list[_Worker] | None:
    """Start the actors and wait until each has loaded the model and checked its sha256 (or refused).

    None when ``is_cancelled()`` became true meanwhile (the actors are killed).
    """
    ray = session.ray
    gpu = spec.device.startswith("cuda")
    if gpu:
        count = options.workers or session.gpus
    else:
        count = options.workers or max(1, session.cpus // max(1, options.worker_cpus))
    actor = ray.remote(PhotoWorker).options(
        num_cpus=options.worker_cpus, num_gpus=1 if gpu else 0, max_restarts=options.max_restarts,
        max_task_retries=0, scheduling_strategy="SPREAD")
    # A spec too large to travel inside the actor's creation task (a test's stand-in model) goes to the object
    # store, referenced by the driver for the whole run: Ray needs it again to restart an actor (seen here: the
    # copy Ray made itself was freed after the first start and the restart failed).
    spec_ref = ray.put(spec) if len(ray.cloudpickle.dumps(spec)) > 64 * 1024 else None
    handles = [actor.remote(spec if spec_ref is None else spec_ref) for _ in range(max(1, count))]
    hellos = [h.hello.remote() for h in handles]
    deadline = time.monotonic() + options.ready_timeout_s
    try:
        while ray.wait(hellos, num_returns=len(hellos), timeout=0.5)[1]:
            if is_cancelled is not None and is_cancelled():
                _kill(ray, handles)
                return None
            if time.monotonic() > deadline:
                _kill(ray, handles)
                need = "1 GPU" if gpu else f"{options.worker_cpus} CPU(s)"
                raise ClusterError(f"the {len(handles)} workers did not start within {options.ready_timeout_s:g} s "
                                   f"(each needs {need}; the cluster has {session.cpus} CPUs and {session.gpus} "
                                   "GPUs)")
        infos: list[WorkerInfo] = ray.get(hellos)
    except ray.exceptions.RayError as exc:
        _kill(ray, handles)
        raise ClusterError(f"the workers could not start: {_first_line(exc)}") from None
    refused = [i.refusal for i in infos if i.refusal]
    if refused:
        _kill(ray, handles)
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise ClusterError(refused[0] + more)
    return [_Worker(h, i, spec_ref=spec_ref) for h, i in zip(handles, infos, strict=True)]


def _kill(ray: Any, handles: Iterable[Any]) -> None:
    for handle in handles:
        try:
            ray.kill(handle, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass


def _first_line(exc: BaseException) -> str:
    """The useful line of a Ray error (its own text spans a traceback)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException) and str(cause).strip():
        return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0]}"[:300]
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


# ---------------------------------------------------------------------- the run
def analyze_on_cluster(store: Store, photos: Iterable[PhotoRecord | int] | None, spec: ModelSpec,
                       progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None, *,
                       options: ClusterOptions | None = None, camera: Any = None, who: str = "",
                       session: Session | None = None,
                       on_recorded: Callable[[int], None] | None = None) -> ClusterSummary:
    """Analyse ``photos`` (None: every photo of the project) on Ray; the project ends as a local ``analyze`` leaves it.

    ``session``: an open :class:`Session` (None: connect as ``options.address`` says, and disconnect at the end).

    Raises:
        ClusterError: Ray missing, the cluster unreachable, no GPU for ``device="cuda"``, workers that refuse
            the model or cannot start, or every worker lost.
        ProjectBusy: another analysis of this project is running.
    """
    options = options or ClusterOptions()
    started = time.perf_counter()
    wanted = wanted_ids(photos)
    own = session is None
    if session is None:
        session = connect(options.address, num_cpus=options.num_cpus, object_store_bytes=options.object_store_bytes)
    workers: list[_Worker] = []
    try:
        spec = _with_device(spec, options, session)
        with store.analysis_lock():  # ProjectBusy before any worker starts
            started_workers = _start_workers(session, spec, options, is_cancelled)
            if started_workers is None or (is_cancelled is not None and is_cancelled()):
                _kill(session.ray, [w.handle for w in started_workers or []])  # cancelled meanwhile: nothing recorded
                return ClusterSummary(analysis_id=None, total=len(wanted) if wanted is not None else 0,
                                      cancelled=True, seconds=time.perf_counter() - started, address=session.address)
            workers = started_workers
            holder: dict[str, _Dispatch] = {}

            def work(recorder: Recorder, todo: Todo) -> None:
                config = WorkConfig(uuid.uuid4().hex, camera, todo.regions, spec.max_side)
                gpu = spec.device.startswith("cuda")
                holder["run"] = run = _Dispatch(session.ray, recorder, workers, session.ray.put(config), options,
                                                options.photos_per_call or (16 if gpu else 4))
                run.process(todo)

            base = record_analysis(store, wanted, spec.identity, work, progress, is_cancelled, camera=camera,
                                   who=who, started=started, on_recorded=on_recorded)
        summary = ClusterSummary(**{f: getattr(base, f) for f in AnalysisSummary.__dataclass_fields__})
        summary.address = session.address
        summary.workers = [w.info.name for w in workers]
        if "run" in holder:
            summary.per_worker = dict(holder["run"].per_worker)
            summary.resent = holder["run"].resent
        return summary
    finally:
        _kill(session.ray, [w.handle for w in workers])
        if own:
            session.close()


def _with_device(spec: ModelSpec, options: ClusterOptions, session: Session) -> ModelSpec:
    """The spec with the device the workers use; ClusterError for ``cuda`` on a cluster without GPU."""
    from dataclasses import replace

    device = (options.device or "auto").lower()
    if device == "auto":
        device = "cuda" if session.gpus > 0 else "cpu"
    if device.startswith("cuda") and session.gpus == 0:
        raise ClusterError(f"--device {device}: the Ray cluster at {session.address} has no GPU ({session.cpus} CPUs "
                           f"on {session.nodes()} node(s)); start the GPU workers with `ray start --num-gpus N`, or "
                           "use --device cpu")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise ClusterError(f"--device {device}: expected auto, cpu or cuda with --ray")
    return replace(spec, device=device, threads=spec.threads if device != "cpu" else max(1, options.worker_cpus))


class _Dispatch:
    """Feeds the workers and records their answers in photo order (the calling thread only)."""

    def __init__(self, ray: Any, recorder: Recorder, workers: list[_Worker], config: Any, options: ClusterOptions,
                 per_call: int) -> None:
        self.ray, self.recorder, self.workers, self.config, self.options = ray, recorder, workers, config, options
        self.per_call = max(1, per_call)
        self.pending: dict[Any, _Call] = {}
        self.order: deque[int] = deque()  # photos handed out, in photo order: recorded from the head
        self.records: dict[int, PhotoRecord] = {}
        self.done: dict[int, tuple[PhotoOutcome, str]] = {}
        self.again: deque[int] = deque()  # photos to send again, one per call
        self.attempts: Counter[int] = Counter()
        self.per_worker: Counter[str] = Counter()
        self.resent = 0
        self._source: Iterator[list[int]] = iter(())
        self._exhausted = False
        # Photos handed out and not yet recorded, at most: a slow photo at the head of the order holds the
        # recording back, not the memory.
        self._ahead = 4 * self.per_call * self.options.calls_per_worker * max(1, len(workers))

    # ------------------------------------------------------------------ main loop
    def process(self, todo: Todo) -> None:
        self._source = self._chunks(todo)
        try:
            while not self.recorder.stopped():
                self._probe()
                self._submit()
                if not self._record_ready():
                    return
                if not self.order and self._exhausted and not self.again:
                    return
                if not self.pending:
                    if not any(w.live for w in self.workers):
                        raise ClusterError("every worker stopped: " + self._last_error)
                    time.sleep(0.1)  # workers being restarted: ping them again soon
                    continue
                self._collect(self._wait())
        finally:
            self._stop()

    _last_error = "no worker left"

    def _chunks(self, todo: Todo) -> Iterator[list[int]]:
        for photo_id in todo.alone:  # in flight when an earlier process died: one per call, first
            yield [photo_id]
        for start in range(0, len(todo.rest), self.per_call):
            yield todo.rest[start:start + self.per_call]

    def _next_ids(self) -> list[int]:
        if self._exhausted:
            return []
        ids = next(self._source, None)
        if ids is None:
            self._exhausted = True
            return []
        self.recorder.claim(ids)  # committed before any worker reads them
        for photo_id in ids:
            self.records[photo_id] = self.recorder.store.photo(photo_id)
            self.order.append(photo_id)
        return ids

    def _submit(self) -> None:
        # Photos sent again go one per call to a worker with nothing queued, and nothing is queued behind them:
        # if one kills its worker again, no other photo's call fails with it.
        for worker in [w for w in self.workers if w.idle and w.queued == 0]:
            if not self.again:
                break
            self._send(worker, [self.again.popleft()], again=True)
        if self.again:
            return  # no new photos until those are sent: the workers drain, so one is free for them
        for worker in sorted((w for w in self.workers if w.idle), key=lambda w: w.queued):
            while worker.queued < self.options.calls_per_worker and len(self.order) < self._ahead:
                ids = self._next_ids()
                if not ids:
                    return
                self._send(worker, ids)

    def _send(self, worker: _Worker, ids: list[int], again: bool = False) -> None:
        photos = [self._photo(self.records[i]) for i in ids]
        ref = worker.handle.analyse.remote(self.config, photos)
        self.pending[ref] = _Call(worker, ids, again=again)
        worker.queued += 1
        worker.suspect = again

    def _probe(self) -> None:
        """Ping the workers Ray is restarting, when due; they get work again once they answer."""
        now = time.monotonic()
        for worker in self.workers:
            if worker.live and worker.probing is None and worker.ping_at is not None and now >= worker.ping_at:
                worker.ping_at = None
                worker.probing = ping = worker.handle.hello.remote()
                self.pending[ping] = _Call(worker, [], ping=True)

    def _photo(self, record: PhotoRecord) -> Any:
        from dataclasses import replace

        assert record.photo is not None  # photos_to_analyse gives usable photos only
        mapped = map_path(record.path, self.options.photo_roots)
        return record.photo if mapped == str(record.path) else replace(record.photo, path=Path(mapped))

    def _wait(self) -> list[Any]:
        refs = list(self.pending)
        ready, _ = self.ray.wait(refs, num_returns=1, timeout=0.25)
        if ready and len(refs) > 1:
            ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
        return ready

    # ------------------------------------------------------------------ answers
    def _collect(self, ready: list[Any]) -> None:
        exceptions = self.ray.exceptions
        for ref in ready:
            call = self.pending.pop(ref)
            worker = call.worker
            if call.ping:
                worker.probing = None
                try:
                    info: WorkerInfo = self.ray.get(ref)
                except exceptions.ActorUnavailableError:
                    worker.ping_at = time.monotonic() + 0.5  # still restarting
                except exceptions.RayError as exc:
                    worker.live = False  # cannot be restarted (restarts spent, node gone)
                    self._last_error = f"{worker.info.name}: {_first_line(exc)}"
                else:
                    worker.live = info.refusal is None  # restarted with other weights: never again
                    worker.info = info if worker.live else worker.info
                    self._last_error = info.refusal or self._last_error
                continue
            worker.queued -= 1
            worker.suspect = False
            try:
                reply: Reply = self.ray.get(ref)
            except exceptions.RayError as exc:
                self._failed(call, exc)
                continue
            for photo_id, outcome in zip(call.ids, reply.outcomes, strict=True):
                if outcome is None:  # not started (the worker was told to stop)
                    self.again.append(photo_id)
                    continue
                self.done[photo_id] = (outcome, reply.worker)
            for key, value in reply.timings.items():
                if key in self.recorder.timings:
                    self.recorder.timings[key] += value

    def _failed(self, call: _Call, exc: BaseException) -> None:
        """A call that brought no answer: its photos go again, one per call; twice is a failure."""
        worker = call.worker
        reason = _first_line(exc)
        self._last_error = f"{worker.info.name}: {reason}"
        worker.failures += 1
        if "WorkerRefused" in reason:
            worker.live = False  # restarted with other weights: never again
        elif worker.live and worker.probing is None:
            worker.ping_at = time.monotonic()  # no work until it answers (Ray restarts it)
        for photo_id in call.ids:
            self.attempts[photo_id] += 1
            if self.attempts[photo_id] >= MAX_ATTEMPTS:
                self.done[photo_id] = (PhotoFailed(
                    f"{CRASH_REASON}: its worker stopped {MAX_ATTEMPTS} times on it (last: {reason})",
                    crashed=True), "")
            else:
                self.again.append(photo_id)
                self.resent += 1

    def _record_ready(self) -> bool:
        """Record the photos at the head of the order whose outcome is in; False when the batch must stop."""
        while self.order and self.order[0] in self.done:
            photo_id = self.order.popleft()
            outcome, worker = self.done.pop(photo_id)
            record = self.records.pop(photo_id)
            if worker:
                self.per_worker[worker] += 1
            if not self.recorder.record(record, outcome, self._counts()):
                return False
        return True

    def _counts(self) -> str:
        if len(self.workers) <= 4:
            return " ".join(f"[{w.info.name} {self.per_worker[w.info.name]}]" for w in self.workers)
        counts = [self.per_worker[w.info.name] for w in self.workers if w.live]
        return f"[{len(counts)} workers, {min(counts, default=0)}-{max(counts, default=0)} photos each]"

    def _stop(self) -> None:
        """Cancel what is queued (photos in flight are not recorded; the caller kills the actors)."""
        for ref, call in list(self.pending.items()):
            if not call.ping:
                try:
                    self.ray.cancel(ref)
                except Exception:  # noqa: BLE001 - finished or gone meanwhile
                    pass
        self.pending.clear()


__all__ = ["MAX_ATTEMPTS", "ClusterOptions", "ClusterSummary", "analyze_on_cluster", "map_path", "parse_photo_root"]
