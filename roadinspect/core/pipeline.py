"""Analyse a project's photos with the segmenter and record every result as soon as it exists.

:func:`analyze` is resumable, cancellable and flat in memory:

* **resumable**: each photo's result (its findings and its "analysed" mark) is committed in one
  transaction right after the photo is done (:meth:`Store.record_photo_result`); a photo already
  analysed by the same model (same weights sha256) is skipped. After a crash or ``kill -9`` a
  re-run keeps every finished photo and does only the rest. A different model re-analyses every
  photo under the store's re-analysis rule (reviewed findings are kept).
* **cancellable**: ``is_cancelled()`` is checked between photos (before each model call and before
  each photo is recorded); the analysis is then closed as ``cancelled``, photos in flight are
  dropped unrecorded, and a later run picks up where it stopped.
* **overlapped**: worker threads read and decode the next photos while the model (on a thread of
  its own) runs on this one, and another thread extracts the findings of the previous one; the
  calling thread records results in photo order, one transaction each, and is the only one that
  touches the project file. ``workers=0`` runs every step
  on the calling thread, one photo after the other (the reference path, with the same results).
* **flat in memory**: only a bounded handful of photos is in flight (decoded images waiting for
  the model, segmentations waiting for their findings); only counters and the list of failures
  are kept, never images, masks or findings of earlier photos.
* **a crash doesn't stop the batch for ever**: the photos about to be read are *claimed* in the
  project (:meth:`Store.claim_photos`, a few at a time, committed before they are read) and the
  claim goes with the recorded outcome. The analysis holds the project's analysis lock
  (:meth:`Store.analysis_lock`, released by the operating system when a process dies), so a claim
  found by the next run belongs to a process that died (native crash, out of memory, ``kill -9``):
  those photos are retried first, one at a time, each claimed alone; a photo that was being retried
  alone when its process died again is recorded as failed with the reason "the analysis crashed on
  this photo" (:meth:`Store.settle_interrupted`) and the batch goes on without it. A second
  ``analyze`` of the same project while one runs gets :class:`~roadinspect.core.store.ProjectBusy`.
  Test hook: when the environment variable ``ROADINSPECT_TEST_ABORT_ON`` names a photo file
  (its name only), the process aborts (``os.abort``) just before that photo's findings are
  extracted, standing for a native crash; ``ROADINSPECT_TEST_ABORT_AFTER_RECORD`` makes it abort
  just after that photo's outcome is committed and before anyone is told (a crash in the findings
  thread of the next photo at that moment). Both are read by :func:`analyze` only, for the tests.
* **findings only on the road**: before the first photo, the road region of each camera group of
  the photos to do is read from the project, or estimated from the group's photos and stored
  (:func:`~roadinspect.core.road_region.project_regions`); each photo's class mask is cleared
  outside it before its findings are extracted.
* **bad files don't stop the batch**: a photo that is gone (deleted or moved since it was added),
  unreadable or truncated gets its reason recorded (:meth:`Store.record_photo_error`) and the
  batch goes on. Errors of the model itself are recorded the same way, unless
  :data:`MAX_CONSECUTIVE_MODEL_ERRORS` photos in a row fail, which means something is wrong with
  the model or the machine rather than the photos: the analysis then stops with the error.

The file is read once: the same bytes give the sha256 recorded for the photo and the pixels, decoded
at reduced size (JPEG DCT scaling) to the segmenter's working size; the segmentation's
``image_size`` is then set to the photo's full size so findings come in photo pixels.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from roadinspect.core.photos import ImageError, load_image, read_bytes, sha256_bytes
from roadinspect.core.prefetch import default_workers, findings_workers
from roadinspect.core.road_region import project_regions, with_road_region
from roadinspect.core.store import CRASH_REASON, PhotoRecord, Store
from roadinspect.core.types import UnreadableFile

if TYPE_CHECKING:  # the segmenter imports torch, which the pipeline module must not load by itself
    from roadinspect.core.segmenter import Segmentation

ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]
MAX_CONSECUTIVE_MODEL_ERRORS = 3
FINDINGS_BACKLOG = 8
"""Photos the model may run ahead of the findings extraction (their segmentations wait, about 4 MB each at
the working size): a damage-dense photo takes the findings thread several model calls' time, and the
model keeps going meanwhile instead of waiting for it (``bench analyze`` on real content)."""
TEST_ABORT_ENV = "ROADINSPECT_TEST_ABORT_ON"
"""Test hook (see the module docstring): the name of a photo file on which the process aborts."""
TEST_ABORT_AFTER_RECORD_ENV = "ROADINSPECT_TEST_ABORT_AFTER_RECORD"
"""Test hook (see the module docstring): the process aborts once this photo's outcome is committed."""


class SegmenterLike(Protocol):
    """What :func:`analyze` needs of ``roadinspect.core.segmenter.Segmenter``."""

    name: str
    sha256: str

    def predict(self, image: np.ndarray) -> Any: ...


@dataclass
class AnalysisSummary:
    """The outcome of one :func:`analyze` call.

    ``total``: photos asked for; ``analysed``: photos analysed by this call; ``skipped``: photos
    already analysed by the same model (a resumed batch); ``failed``: photos that could not be
    analysed, with the reason; ``timings``: seconds spent per step, summed over the photos.
    """

    analysis_id: int | None
    total: int
    analysed: int = 0
    skipped: int = 0
    failed: list[UnreadableFile] = field(default_factory=list)
    findings: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    retried_alone: int = 0
    """Photos that were in flight when an earlier process died, retried one at a time by this call."""
    """How each analysis process that died ended (``analysis_process.analyse_in_child`` restarts it)."""

    @property
    def photos_per_second(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0


def _at_photo_scale(segmentation: Segmentation, width: int, height: int) -> Segmentation:
    """The segmentation of a reduced-size decode, re-labelled with the photo's full size (scale follows)."""
    if tuple(segmentation.image_size) == (width, height):
        return segmentation
    return dataclasses.replace(segmentation, image_size=(width, height))


def _read_failure(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found: deleted or moved since it was added to the project"
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be read"
    return f"cannot read the file: {exc.strerror or exc}"


def analyze(
    store: Store,
    photos: Iterable[PhotoRecord | int] | None,
    segmenter: SegmenterLike,
    progress: ProgressFn | None = None,
    is_cancelled: CancelFn | None = None,
    *,
    camera: Any = None,
    max_side: int | None = None,
    who: str = "",
    workers: int | None = None,
    batch: int | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> AnalysisSummary:
    """Analyse ``photos`` (records or ids; None: every photo of the project) with ``segmenter``.

    ``progress(done, total, message)`` is called after each photo (``total`` counts the photos left
    to do in this call); ``on_recorded(photo_id)`` just before it, once the photo's outcome is in the
    project. ``camera`` is passed to ``extract_findings`` (a ``CameraModel``; None:
    the default camera with the photo's EXIF focal length). ``max_side`` overrides the decode size
    (default: the segmenter's ``max_side`` working size; None there too: full size).

    ``workers``: threads that read and decode photos ahead of the model, which runs on a thread of
    its own while one more thread extracts findings and the calling thread records (at most
    ``2 * workers + batch + 2 + FINDINGS_BACKLOG`` photos in flight); None:
    :func:`~roadinspect.core.prefetch.default_workers`; 0: every step on the calling thread, one
    photo after the other (the reference path; same results). ``batch``: photos per model
    call (``predict_batch``); None: 1 on the CPU, 8 on a GPU.
    """
    started = time.perf_counter()
    wanted: list[int] | None = None
    if photos is not None:
        wanted = [p.id if isinstance(p, PhotoRecord) else int(p) for p in photos]
    with store.analysis_lock():  # ProjectBusy when another process analyses this project
        return _analyze_locked(store, wanted, segmenter, progress, is_cancelled, camera, max_side, who, workers,
                               batch, started, on_recorded)


def _analyze_locked(store: Store, wanted: list[int] | None, segmenter: SegmenterLike, progress: ProgressFn | None,
                    is_cancelled: CancelFn | None, camera: Any, max_side: int | None, who: str,
                    workers: int | None, batch: int | None, started: float,
                    on_recorded: Callable[[int], None] | None = None) -> AnalysisSummary:
    from roadinspect.core.findings import extract_findings

    retry, crashed = store.settle_interrupted(who)
    todo = store.photos_to_analyse(segmenter.sha256, wanted)
    total = len(wanted) if wanted is not None else len(store.photos())
    crashed = [i for i in crashed if wanted is None or i in set(wanted)]
    summary = AnalysisSummary(analysis_id=None, total=total,
                              skipped=max(0, total - len(todo) - len(crashed)),
                              failed=[UnreadableFile(store.photo(i).path, CRASH_REASON) for i in crashed])
    if not todo:
        return summary
    in_todo = set(todo)
    alone = [i for i in retry if i in in_todo]
    first = set(alone)
    todo = alone + [i for i in todo if i not in first]
    summary.retried_alone = len(alone)
    side = max_side if max_side is not None else getattr(segmenter, "max_side", None)
    settings = {"max_side": side, "camera": dataclasses.asdict(camera) if dataclasses.is_dataclass(camera) else None}
    regions = project_regions(store, todo, camera, is_cancelled, who)  # the road region (estimated when needed)
    settings["road_regions"] = {k: {"source": r.source, "excluded_share": round(r.excluded_share, 4),
                                    "photos": r.photos} for k, r in regions.items()}
    analysis_id = store.start_analysis(segmenter.name, segmenter.sha256, settings, who=who)
    summary.analysis_id = analysis_id
    timings = {"read_s": 0.0, "decode_s": 0.0, "predict_s": 0.0, "findings_s": 0.0, "record_s": 0.0, "wait_s": 0.0,
               "wait_model_s": 0.0}
    status = "interrupted"
    run = _Run(store, analysis_id, segmenter, with_road_region(extract_findings, regions), camera, side, timings,
               summary, who, progress, is_cancelled, len(todo))
    run.abort_on = os.environ.get(TEST_ABORT_ENV) or None
    run.abort_after = os.environ.get(TEST_ABORT_AFTER_RECORD_ENV) or None
    run.on_recorded = on_recorded
    try:
        run.process(todo[:len(alone)], todo[len(alone):], default_workers() if workers is None else max(0, workers),
                    max(1, batch if batch is not None else _default_batch(segmenter)))
        if run.failed_hard is not None:
            status = "failed"
            raise run.failed_hard
        status = "cancelled" if summary.cancelled else "finished"
    finally:
        summary.seconds = time.perf_counter() - started
        summary.timings = {k: round(v, 3) for k, v in timings.items()}
        store.release_claims(analysis_id)  # photos not recorded (cancel, error) were not crashes
        store.finish_analysis(analysis_id, status, {**summary.timings, "seconds": round(summary.seconds, 3),
                                                    "photos": summary.analysed}, who=who)
    return summary


def _depth(workers: int, batch: int) -> int:
    """Photos in flight at most: decode ahead of the model, one model call, and the findings backlog."""
    return 2 * workers + batch + 2 + FINDINGS_BACKLOG


def _default_batch(segmenter: SegmenterLike) -> int:
    """Photos per model call: 1 on the CPU (batching measured no faster there), 8 on a GPU."""
    device = getattr(segmenter, "device", None)
    return 8 if getattr(device, "type", str(device)) == "cuda" and hasattr(segmenter, "predict_batch") else 1


@dataclass
class _Loaded:
    """A photo read and decoded by a worker: its sha256, its pixels at working size, and the times."""

    digest: str
    image: np.ndarray
    read_s: float
    decode_s: float


@dataclass
class _Done:
    """A photo's findings, ready to record."""

    findings: list
    digest: str
    work_s: float


@dataclass
class _Failed:
    """A photo that could not be analysed: the reason, and whether the model (not the file) failed."""

    reason: str
    model_error: bool = False


def _load(record: PhotoRecord, side: int | None) -> _Loaded | _Failed:
    """Read the file once (sha256 + pixels) and decode it at reduced size; runs in a worker thread."""
    if record.photo is None:
        return _Failed(record.error or "unreadable file")
    t0 = time.perf_counter()
    try:
        data = read_bytes(record.path)
    except OSError as exc:
        return _Failed(_read_failure(exc))
    digest = sha256_bytes(data)
    t1 = time.perf_counter()
    try:
        image = load_image(data, max_side=side)
    except ImageError as exc:
        return _Failed(str(exc))
    finally:
        del data
    return _Loaded(digest, image, t1 - t0, time.perf_counter() - t1)


def _model_failure(exc: Exception) -> _Failed:
    text = str(exc)
    text = text if len(text) <= 300 else text[:300] + "..."
    return _Failed(f"analysis failed ({type(exc).__name__}: {text})", True)


class _Run:
    """One :func:`analyze` call.

    With workers, photos flow: read + decode (``workers`` threads) -> model (one thread, photos in
    order, ``batch`` per call) -> findings (``workers // 2`` threads, at least 1) -> record (the
    calling thread, in photo order, one transaction per photo). The calling thread only submits
    work, records and reports progress, so SQLite's commits never hold up the model. Everything
    that touches the store runs on the calling thread. At most ``2 * workers + batch + 2 +
    FINDINGS_BACKLOG`` photos are in flight: the model runs ahead of a slow findings extraction.

    With ``workers=0`` every step runs on the calling thread, one photo after the other (the
    reference path).
    """

    def __init__(self, store: Store, analysis_id: int, segmenter: SegmenterLike, extract: Callable[..., list],
                 camera: Any, side: int | None, timings: dict[str, float], summary: AnalysisSummary, who: str,
                 progress: ProgressFn | None, is_cancelled: CancelFn | None, total: int) -> None:
        self.store, self.analysis_id, self.segmenter, self.extract = store, analysis_id, segmenter, extract
        self.camera, self.side, self.timings, self.summary, self.who = camera, side, timings, summary, who
        self.progress, self.is_cancelled, self.total = progress, is_cancelled, total
        self.done = 0
        self.consecutive_model_errors = 0
        self.model_failures_in_a_row = 0  # seen by the model thread, to stop calling a broken model
        self.failed_hard: RuntimeError | None = None
        self.abort_on: str | None = None  # the test hook TEST_ABORT_ENV
        self.abort_after: str | None = None  # the test hook TEST_ABORT_AFTER_RECORD_ENV
        self.on_recorded: Callable[[int], None] | None = None
        self._last_share = 0.0  # model seconds per photo of the last model call
        self._lock = threading.Lock()

    def cancelled(self) -> bool:
        if self.is_cancelled is not None and self.is_cancelled():
            self.summary.cancelled = True
        return self.summary.cancelled

    # ------------------------------------------------------------------ the two paths
    def process(self, alone: list[int], todo: list[int], workers: int, batch: int) -> None:
        """``alone``: photos in flight when an earlier process died, retried one at a time first."""
        for photo_id in alone:
            if self.failed_hard is not None or self.cancelled():
                return
            self.store.claim_photos(self.analysis_id, [photo_id], alone=True)
            self._sequential(iter([self.store.photo(photo_id)]))
        if self.failed_hard is not None or self.cancelled():
            return
        if workers == 0:
            self._sequential(self._claimed(todo, 8))
        else:
            self._overlapped(self._claimed(todo, _depth(workers, batch)), workers, batch)

    def _claimed(self, todo: list[int], chunk: int) -> Iterator[PhotoRecord]:
        """The records of ``todo``, each claimed before it is handed out (``chunk`` per transaction)."""
        for start in range(0, len(todo), chunk):
            ids = todo[start:start + chunk]
            self.store.claim_photos(self.analysis_id, ids)
            for photo_id in ids:
                yield self.store.photo(photo_id)

    def _sequential(self, records: Iterator[PhotoRecord]) -> None:
        for record in records:
            if self.cancelled():
                return
            start = time.perf_counter()
            loaded = _load(record, self.side)
            self.timings["wait_s"] += time.perf_counter() - start
            outcome = self._model_step([record], [loaded])[0]
            if isinstance(outcome, tuple):
                outcome = self._findings(*outcome)
            if not self._record(record, outcome):
                return

    def _overlapped(self, records: Iterator[PhotoRecord], workers: int, batch: int) -> None:
        depth = _depth(workers, batch)
        groups: deque[tuple[list[PhotoRecord], Future]] = deque()
        photos: deque[tuple[PhotoRecord, Any]] = deque()
        decode = ThreadPoolExecutor(workers, thread_name_prefix="roadinspect-decode")
        model = ThreadPoolExecutor(1, thread_name_prefix="roadinspect-model")
        post = ThreadPoolExecutor(findings_workers(workers), thread_name_prefix="roadinspect-findings")
        try:
            in_flight = 0
            exhausted = False
            while not self.cancelled():
                while not exhausted and in_flight < depth:
                    group = list(itertools.islice(records, batch))
                    if not group:
                        exhausted = True
                        break
                    loads = [decode.submit(_load, record, self.side) for record in group]
                    groups.append((group, model.submit(self._model_then_findings, group, loads, post)))
                    in_flight += len(group)
                if photos:
                    record, value = photos.popleft()
                    in_flight -= 1
                    start = time.perf_counter()
                    outcome = value.result() if isinstance(value, Future) else value
                    self.timings["wait_s"] += time.perf_counter() - start
                    if not self._record(record, outcome):
                        return
                elif groups:
                    group, future = groups.popleft()
                    start = time.perf_counter()
                    outcomes = future.result()  # a crash of the model (BaseException) surfaces here, in order
                    self.timings["wait_s"] += time.perf_counter() - start
                    photos.extend(zip(group, outcomes))
                else:
                    return
        finally:
            # Stop: drop what has not started (photos in flight are simply not recorded; a later run
            # does them), then wait for what is running so no thread outlives the call.
            _cancel_all(groups, photos)
            for pool in (decode, model, post):
                pool.shutdown(wait=False, cancel_futures=True)
            for pool in (decode, model, post):
                pool.shutdown(wait=True)

    # ------------------------------------------------------------------ steps
    def _model_then_findings(self, group: list[PhotoRecord], loads: list[Future], post: ThreadPoolExecutor
                             ) -> list[Any]:
        """Model thread: wait for the group's decoded photos, predict, hand the findings to ``post``.

        A group queued before a cancel is not predicted (the calling thread records nothing after it).
        """
        if self.cancelled():
            return [_Failed("cancelled", False)] * len(group)
        start = time.perf_counter()
        loaded = [f.result() for f in loads]
        self.timings["wait_model_s"] += time.perf_counter() - start
        return [post.submit(self._findings, *o) if isinstance(o, tuple) else o
                for o in self._model_step(group, loaded)]

    def _model_step(self, group: list[PhotoRecord], loaded: list[_Loaded | _Failed]) -> list[Any]:
        """Predict the decoded photos of ``group``.

        Returns per photo ``(segmentation, photo, digest, work_s)``, or a :class:`_Failed`.
        """
        ok = [item for item in loaded if isinstance(item, _Loaded)]
        if self.model_failures_in_a_row >= MAX_CONSECUTIVE_MODEL_ERRORS:
            results: list[Any] = [_Failed("not analysed: the model failed on the photos before", True)] * len(ok)
            self._last_share = 0.0
        else:
            results = self._predict([item.image for item in ok])
        out: list[Any] = []
        answers = iter(results)
        for record, item in zip(group, loaded):
            if not isinstance(item, _Loaded):
                self.model_failures_in_a_row = 0
                out.append(item)
                continue
            answer = next(answers)
            item.image = None  # type: ignore[assignment]  # free the pixels now
            if isinstance(answer, _Failed):
                self.model_failures_in_a_row += 1
                out.append(answer)
                continue
            self.model_failures_in_a_row = 0
            photo = record.photo
            assert photo is not None
            self.timings["read_s"] += item.read_s
            self.timings["decode_s"] += item.decode_s
            out.append((_at_photo_scale(answer, photo.width, photo.height), photo, item.digest,
                        item.read_s + item.decode_s + self._last_share))
        return out

    def _predict(self, images: list[np.ndarray]) -> list[Any]:
        """The model on ``images`` (one call per ``predict_batch``); a model error becomes a :class:`_Failed`."""
        start = time.perf_counter()
        results: list[Any]
        try:
            if len(images) > 1 and hasattr(self.segmenter, "predict_batch"):
                try:
                    results = list(self.segmenter.predict_batch(images))  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001 - a failed batch is retried photo by photo to name the bad one
                    results = [self._predict_one(image) for image in images]
            else:
                results = [self._predict_one(image) for image in images]
        finally:
            spent = time.perf_counter() - start
            self.timings["predict_s"] += spent
            self._last_share = spent / max(1, len(images))
        return results

    def _predict_one(self, image: np.ndarray) -> Any:
        try:
            return self.segmenter.predict(image)
        except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
            return _model_failure(exc)

    def _findings(self, segmentation: Any, photo: Any, digest: str, work_s: float) -> _Done | _Failed:
        if self.abort_on is not None and photo.path.name == self.abort_on:
            os.abort()  # the test hook TEST_ABORT_ENV: stands for a native crash on this photo
        start = time.perf_counter()
        try:
            findings = self.extract(segmentation, photo, self.camera)
        except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
            return _model_failure(exc)
        spent = time.perf_counter() - start
        with self._lock:  # several findings threads on many-core machines
            self.timings["findings_s"] += spent
        return _Done(findings, digest, work_s + spent)

    def _record(self, record: PhotoRecord, outcome: _Done | _Failed) -> bool:
        """Record one photo's outcome (calling thread); False when the batch must stop."""
        if self.failed_hard is not None or self.cancelled():
            return False
        message = record.path.name
        if isinstance(outcome, _Done):
            start = time.perf_counter()
            self.store.record_photo_result(record.id, self.analysis_id, outcome.findings, sha256=outcome.digest,
                                           elapsed_ms=outcome.work_s * 1000.0, who=self.who)
            self.timings["record_s"] += time.perf_counter() - start
            self.summary.analysed += 1
            self.summary.findings += len(outcome.findings)
            self.consecutive_model_errors = 0
        else:
            self.summary.failed.append(UnreadableFile(record.path, outcome.reason))
            self.store.record_photo_error(record.id, outcome.reason, self.analysis_id, who=self.who)
            message = f"{record.path.name}: {outcome.reason}"
            self.consecutive_model_errors = self.consecutive_model_errors + 1 if outcome.model_error else 0
            if self.consecutive_model_errors >= MAX_CONSECUTIVE_MODEL_ERRORS:
                self.failed_hard = RuntimeError(
                    f"the model failed on {MAX_CONSECUTIVE_MODEL_ERRORS} photos in a row; "
                    f"last: {record.path}: {outcome.reason}")
        self.done += 1
        if self.abort_after is not None and record.path.name == self.abort_after:
            os.abort()  # the test hook TEST_ABORT_AFTER_RECORD_ENV: committed, nobody told yet
        if self.on_recorded is not None:
            self.on_recorded(record.id)
        if self.progress is not None:
            self.progress(self.done, self.total, message)
        return self.failed_hard is None


def _cancel_all(groups: deque, photos: deque) -> None:
    """Cancel the work not started yet."""
    for _, future in groups:
        future.cancel()
    for _, value in photos:
        if isinstance(value, Future):
            value.cancel()
    groups.clear()
    photos.clear()


__all__ = ["AnalysisSummary", "SegmenterLike", "analyze", "MAX_CONSECUTIVE_MODEL_ERRORS"]
