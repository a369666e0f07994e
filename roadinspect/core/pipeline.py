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

Two halves, shared with the cluster driver (``roadinspect.cluster``):

* **the per-photo work**, which touches no project: :func:`load_photo` (read once, sha256, decode at
  reduced size), :func:`model_step` (the model, batched, per-photo errors), :func:`photo_findings` (road
  region + findings), each giving typed outcomes (:class:`Loaded`, :class:`Predicted`, :class:`PhotoDone`,
  :class:`PhotoFailed`); :func:`analyse_photos` chains them one photo after the other, as a Ray worker
  runs them, and the local run (:class:`_Run`) chains the same steps in its threads;
* **the project side**, :func:`record_analysis`: settle what a dead process left in flight, the photos to
  do, the road regions, the analysis row and its closing, and a :class:`Recorder` that writes each
  outcome (one transaction, the audit rows) in photo order on the calling thread.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from roadinspect.core.photos import ImageError, load_image, read_bytes, sha256_bytes
from roadinspect.core.prefetch import default_workers, findings_workers
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.road_region import project_regions, with_road_region
from roadinspect.core.store import CRASH_REASON, PhotoRecord, Store
from roadinspect.core.types import Finding, Photo, UnreadableFile

if TYPE_CHECKING:  # the segmenter imports torch, which the pipeline module must not load by itself
    from roadinspect.core.segmenter import Segmentation

ProgressFn = Progress  # the names the cluster driver imports (core/progress.py defines the contract)
CancelFn = CancelCheck
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


def read_failure(exc: OSError) -> str:
    """The per-photo reason recorded for a file that cannot be read."""
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
    wanted = wanted_ids(photos)
    side = max_side if max_side is not None else getattr(segmenter, "max_side", None)
    identity = ModelIdentity(segmenter.name, segmenter.sha256, side)
    abort_on = os.environ.get(TEST_ABORT_ENV) or None
    from roadinspect.core.findings import extract_findings

    def work(recorder: Recorder, todo: Todo) -> None:
        run = _Run(recorder, PhotoWork(segmenter, with_road_region(extract_findings, todo.regions), camera, side),
                   abort_on)
        run.process(todo.alone, todo.rest, default_workers() if workers is None else max(0, workers),
                    max(1, batch if batch is not None else default_batch(segmenter)))

    with store.analysis_lock():  # ProjectBusy when another process analyses this project
        return record_analysis(store, wanted, identity, work, progress, is_cancelled, camera=camera, who=who,
                               started=started, on_recorded=on_recorded)


def wanted_ids(photos: Iterable[PhotoRecord | int] | None) -> list[int] | None:
    """Photo ids of ``photos`` (records or ids); None stays None (every photo of the project)."""
    if photos is None:
        return None
    return [p.id if isinstance(p, PhotoRecord) else int(p) for p in photos]


@dataclass(frozen=True)
class ModelIdentity:
    """What the project records of the model of an analysis: its name, weights sha256, and decode size."""

    name: str
    sha256: str
    max_side: int | None


@dataclass
class Todo:
    """The photos one analysis does: ``alone`` (in flight when an earlier process died: retried one at a time
    first), then ``rest``; ``regions`` the road region of each camera group."""

    alone: list[int]
    rest: list[int]
    regions: dict[str, Any]


def record_analysis(store: Store, wanted: list[int] | None, model: ModelIdentity,
                    work: Callable[[Recorder, Todo], None], progress: ProgressFn | None = None,
                    is_cancelled: CancelFn | None = None, *, camera: Any = None, who: str = "",
                    started: float | None = None, on_recorded: Callable[[int], None] | None = None
                    ) -> AnalysisSummary:
    """One analysis of ``wanted`` (None: every photo), the project side: call it holding the analysis lock.

    Settles what an earlier process left in flight (:meth:`Store.settle_interrupted`), finds the photos
    still to analyse with this model, reads or estimates their road regions, opens the analysis row,
    calls ``work(recorder, todo)`` (which analyses the photos and hands each outcome to
    :meth:`Recorder.record`, in photo order, on this thread) and closes the row as ``finished``,
    ``cancelled``, ``failed`` or ``interrupted`` with the timings. Shared by the local pipeline
    (:func:`analyze`) and the cluster driver (``roadinspect.cluster``), so both leave the project in the
    same state, with the same audit rows.
    """
    started = time.perf_counter() if started is None else started
    retry, crashed = store.settle_interrupted(who)
    todo = store.photos_to_analyse(model.sha256, wanted)
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
    rest = [i for i in todo if i not in first]
    summary.retried_alone = len(alone)
    settings: dict[str, Any] = {
        "max_side": model.max_side,
        "camera": dataclasses.asdict(camera) if dataclasses.is_dataclass(camera) and not isinstance(camera, type)
        else None}
    regions = project_regions(store, alone + rest, camera, is_cancelled, who)  # estimated when needed
    settings["road_regions"] = {k: {"source": r.source, "excluded_share": round(r.excluded_share, 4),
                                    "photos": r.photos, "horizon": r.horizon_source,
                                    "horizon_row": None if r.horizon is None else round(r.horizon, 4)}
                                for k, r in regions.items()}
    analysis_id = store.start_analysis(model.name, model.sha256, settings, who=who)
    summary.analysis_id = analysis_id
    timings = {"read_s": 0.0, "decode_s": 0.0, "predict_s": 0.0, "findings_s": 0.0, "record_s": 0.0, "wait_s": 0.0,
               "wait_model_s": 0.0}
    status = "interrupted"
    recorder = Recorder(store, analysis_id, summary, timings, who, progress, is_cancelled, len(alone) + len(rest))
    recorder.abort_after = os.environ.get(TEST_ABORT_AFTER_RECORD_ENV) or None
    recorder.on_recorded = on_recorded
    recorder.model_sha256 = model.sha256
    try:
        work(recorder, Todo(alone, rest, regions))
        if recorder.failed_hard is not None:
            status = "failed"
            raise recorder.failed_hard
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


def default_batch(segmenter: Any) -> int:
    """Photos per model call: 1 on the CPU (batching measured no faster there), 8 on a GPU."""
    device = getattr(segmenter, "device", None)
    return 8 if getattr(device, "type", str(device)) == "cuda" and hasattr(segmenter, "predict_batch") else 1


_default_batch = default_batch


# ---------------------------------------------------------------------- the per-photo work (no project)
@dataclass
class Loaded:
    """A photo read and decoded: its sha256, its pixels at working size, and the times."""

    digest: str
    image: np.ndarray | None
    read_s: float
    decode_s: float


@dataclass
class Predicted:
    """A photo's segmentation (labelled with the photo's full size), waiting for its findings."""

    segmentation: Any
    photo: Photo
    digest: str
    work_s: float
    """Seconds spent on the photo so far: read, decode, and its share of the model call."""


@dataclass
class PhotoDone:
    """A photo's findings, ready to record: ``digest`` is the sha256 of the bytes read, ``work_s`` the seconds
    of work on it (read, decode, model share, findings)."""

    findings: list[Finding]
    digest: str
    work_s: float


@dataclass
class PhotoFailed:
    """A photo that could not be analysed: the reason, and whether the model (not the file) failed.

    ``crashed``: the analysis crashed on it (a cluster worker died on it twice): recorded like a photo that
    crashed a local analysis twice (:meth:`Store.record_photo_crash`), so this model does not try it again.
    """

    reason: str
    model_error: bool = False
    crashed: bool = False


PhotoOutcome = PhotoDone | PhotoFailed
"""What the analysis of one photo gives: its findings, or why there are none."""


@dataclass(frozen=True)
class PhotoWork:
    """Everything the per-photo work needs, and nothing of the project: the model, the findings extraction
    (road region applied, :func:`~roadinspect.core.road_region.with_road_region`), the camera for the measures,
    and the decode size (None: full size)."""

    segmenter: SegmenterLike
    extract: Callable[..., list[Finding]]
    camera: Any
    side: int | None


def load_photo(photo: Photo | None, path: Path, side: int | None, error: str | None = None) -> Loaded | PhotoFailed:
    """Read ``path`` once (sha256 + pixels) and decode it at reduced size; ``photo`` None: unreadable at import."""
    if photo is None:
        return PhotoFailed(error or "unreadable file")
    t0 = time.perf_counter()
    try:
        data = read_bytes(path)
    except OSError as exc:
        return PhotoFailed(read_failure(exc))
    digest = sha256_bytes(data)
    t1 = time.perf_counter()
    try:
        image = load_image(data, max_side=side)
    except ImageError as exc:
        return PhotoFailed(str(exc))
    finally:
        del data
    return Loaded(digest, image, t1 - t0, time.perf_counter() - t1)


def _load(record: PhotoRecord, side: int | None) -> Loaded | PhotoFailed:
    return load_photo(record.photo, record.path, side, record.error)


def model_failure(exc: BaseException) -> PhotoFailed:
    """The per-photo reason recorded when the model (or the findings extraction) raised ``exc``."""
    text = str(exc)
    text = text if len(text) <= 300 else text[:300] + "..."
    return PhotoFailed(f"analysis failed ({type(exc).__name__}: {text})", True)


MODEL_BROKEN = "not analysed: the model failed on the photos before"


def model_step(segmenter: SegmenterLike, photos: Sequence[Photo], loaded: Sequence[Loaded | PhotoFailed],
               timings: dict[str, float], skip_model: bool = False) -> list[Predicted | PhotoFailed]:
    """Predict the decoded photos among ``loaded`` in one model call (``predict_batch``, or photo by photo).

    ``photos[i]`` is the photo ``loaded[i]`` was read from. A photo that failed to load keeps its
    :class:`PhotoFailed`; a model error on a photo becomes one (:func:`model_failure`); ``skip_model``
    answers every decoded photo with :data:`MODEL_BROKEN` without calling the model. The pixels are
    released as soon as the model has seen them. Adds ``predict_s`` (and ``read_s``/``decode_s`` of the
    photos predicted) to ``timings``.
    """
    ok = [item for item in loaded if isinstance(item, Loaded)]
    share = 0.0
    answers: list[Any]
    if skip_model:
        answers = [PhotoFailed(MODEL_BROKEN, True)] * len(ok)
    else:
        images = [item.image for item in ok]
        start = time.perf_counter()
        try:
            answers = _predict(segmenter, images)  # type: ignore[arg-type]  # a Loaded keeps its pixels till here
        finally:
            spent = time.perf_counter() - start
            timings["predict_s"] += spent
            share = spent / max(1, len(images))
    out: list[Predicted | PhotoFailed] = []
    remaining = iter(answers)
    for photo, item in zip(photos, loaded, strict=True):
        if not isinstance(item, Loaded):
            out.append(item)
            continue
        answer = next(remaining)
        item.image = None  # free the pixels now
        if isinstance(answer, PhotoFailed):
            out.append(answer)
            continue
        timings["read_s"] += item.read_s
        timings["decode_s"] += item.decode_s
        out.append(Predicted(_at_photo_scale(answer, photo.width, photo.height), photo, item.digest,
                             item.read_s + item.decode_s + share))
    return out


def _predict(segmenter: SegmenterLike, images: list[np.ndarray]) -> list[Any]:
    """The model on ``images`` (one call per ``predict_batch``); a model error becomes a :class:`PhotoFailed`."""
    if len(images) > 1 and hasattr(segmenter, "predict_batch"):
        try:
            return list(segmenter.predict_batch(images))
        except Exception:  # noqa: BLE001 - a failed batch is retried photo by photo to name the bad one
            pass
    return [_predict_one(segmenter, image) for image in images]


def _predict_one(segmenter: SegmenterLike, image: np.ndarray) -> Any:
    try:
        return segmenter.predict(image)
    except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
        return model_failure(exc)


def photo_findings(work: PhotoWork, predicted: Predicted) -> tuple[PhotoOutcome, float]:
    """The findings of one predicted photo (road region applied); returns the outcome and the seconds spent."""
    start = time.perf_counter()
    try:
        found = work.extract(predicted.segmentation, predicted.photo, work.camera)
    except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
        return model_failure(exc), time.perf_counter() - start
    spent = time.perf_counter() - start
    return PhotoDone(found, predicted.digest, predicted.work_s + spent), spent


def analyse_photos(work: PhotoWork, photos: Sequence[Photo], batch: int = 1,
                   timings: dict[str, float] | None = None,
                   is_cancelled: CancelFn | None = None) -> list[PhotoOutcome | None]:
    """The per-photo work of :func:`analyze`, one photo after the other, touching no project.

    Each photo is read from ``photo.path`` (sha256 of the bytes read), decoded at ``work.side``, run
    through the model (``batch`` photos per model call) and its findings extracted on the road region:
    a :class:`PhotoDone` or a :class:`PhotoFailed` (with the reason) per photo, in order. What a cluster
    worker runs (``roadinspect.cluster``); the local pipeline runs the same steps in its threads.
    Photos not started when ``is_cancelled()`` becomes true get None. ``timings`` (optional) gets the
    seconds per step added (``read_s``, ``decode_s``, ``predict_s``, ``findings_s``).
    """
    times = timings if timings is not None else {}
    for key in ("read_s", "decode_s", "predict_s", "findings_s"):
        times.setdefault(key, 0.0)
    out: list[PhotoOutcome | None] = []
    for start in range(0, len(photos), max(1, batch)):
        group = photos[start:start + max(1, batch)]
        if is_cancelled is not None and is_cancelled():
            out.extend([None] * len(group))
            continue
        loaded = [load_photo(photo, photo.path, work.side) for photo in group]
        for item in model_step(work.segmenter, group, loaded, times):
            if isinstance(item, Predicted):
                outcome, spent = photo_findings(work, item)
                times["findings_s"] += spent
                out.append(outcome)
            else:
                out.append(item)
    return out


# ---------------------------------------------------------------------- recording (the project side)
class Recorder:
    """Records each photo's outcome in the project, in photo order, on the thread that owns the store.

    One transaction per photo (:meth:`Store.record_photo_result` / :meth:`Store.record_photo_error`),
    the summary's counters, progress, and the rule that :data:`MAX_CONSECUTIVE_MODEL_ERRORS` model
    errors in a row stop the batch (:attr:`failed_hard`).
    """

    def __init__(self, store: Store, analysis_id: int, summary: AnalysisSummary, timings: dict[str, float], who: str,
                 progress: ProgressFn | None, is_cancelled: CancelFn | None, total: int) -> None:
        self.store, self.analysis_id, self.summary, self.timings, self.who = store, analysis_id, summary, timings, who
        self.progress, self.is_cancelled, self.total = progress, is_cancelled, total
        self.done = 0
        self.consecutive_model_errors = 0
        self.failed_hard: RuntimeError | None = None
        self.abort_after: str | None = None  # the test hook TEST_ABORT_AFTER_RECORD_ENV
        self.on_recorded: Callable[[int], None] | None = None
        self.model_sha256 = ""  # the model of the analysis (a crashed photo is not tried again by it)

    def cancelled(self) -> bool:
        if self.is_cancelled is not None and self.is_cancelled():
            self.summary.cancelled = True
        return self.summary.cancelled

    def stopped(self) -> bool:
        """The batch must stop: cancelled, or the model failed too often in a row."""
        return self.failed_hard is not None or self.cancelled()

    def claim(self, photo_ids: Sequence[int], alone: bool = False) -> None:
        """Mark photos as in flight (committed before they are read; see :meth:`Store.claim_photos`)."""
        self.store.claim_photos(self.analysis_id, photo_ids, alone=alone)

    def record(self, record: PhotoRecord, outcome: PhotoOutcome, message: str | None = None) -> bool:
        """Record one photo's outcome; False when the batch must stop. ``message``: the progress text."""
        if self.stopped():
            return False
        text = record.path.name
        if isinstance(outcome, PhotoDone):
            start = time.perf_counter()
            self.store.record_photo_result(record.id, self.analysis_id, outcome.findings, sha256=outcome.digest,
                                           elapsed_ms=outcome.work_s * 1000.0, who=self.who)
            self.timings["record_s"] += time.perf_counter() - start
            self.summary.analysed += 1
            self.summary.findings += len(outcome.findings)
            self.consecutive_model_errors = 0
        else:
            self.summary.failed.append(UnreadableFile(record.path, outcome.reason))
            if outcome.crashed:
                self.store.record_photo_crash(record.id, outcome.reason, self.analysis_id, self.model_sha256,
                                              who=self.who)
            else:
                self.store.record_photo_error(record.id, outcome.reason, self.analysis_id, who=self.who)
            text = f"{record.path.name}: {outcome.reason}"
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
            self.progress(self.done, self.total, text if message is None else f"{text}  {message}")
        return self.failed_hard is None


# ---------------------------------------------------------------------- the local run (threads)
class _Run:
    """One local :func:`analyze` call.

    With workers, photos flow: read + decode (``workers`` threads) -> model (one thread, photos in
    order, ``batch`` per call) -> findings (``workers // 2`` threads, at least 1) -> record (the
    calling thread, in photo order, one transaction per photo). The calling thread only submits
    work, records and reports progress, so SQLite's commits never hold up the model. Everything
    that touches the store runs on the calling thread. At most ``2 * workers + batch + 2 +
    FINDINGS_BACKLOG`` photos are in flight: the model runs ahead of a slow findings extraction.

    With ``workers=0`` every step runs on the calling thread, one photo after the other (the
    reference path).
    """

    def __init__(self, recorder: Recorder, work: PhotoWork, abort_on: str | None = None) -> None:
        self.recorder = recorder
        self.store = recorder.store
        self.work = work
        self.timings = recorder.timings
        self.abort_on = abort_on  # the test hook TEST_ABORT_ENV
        self.model_failures_in_a_row = 0  # seen by the model thread, to stop calling a broken model
        self._lock = threading.Lock()

    def cancelled(self) -> bool:
        return self.recorder.cancelled()

    # ------------------------------------------------------------------ the two paths
    def process(self, alone: list[int], todo: list[int], workers: int, batch: int) -> None:
        """``alone``: photos in flight when an earlier process died, retried one at a time first."""
        for photo_id in alone:
            if self.recorder.stopped():
                return
            self.recorder.claim([photo_id], alone=True)
            self._sequential(iter([self.store.photo(photo_id)]))
        if self.recorder.stopped():
            return
        if workers == 0:
            self._sequential(self._claimed(todo, 8))
        else:
            self._overlapped(self._claimed(todo, _depth(workers, batch)), workers, batch)

    def _claimed(self, todo: list[int], chunk: int) -> Iterator[PhotoRecord]:
        """The records of ``todo``, each claimed before it is handed out (``chunk`` per transaction)."""
        for start in range(0, len(todo), chunk):
            ids = todo[start:start + chunk]
            self.recorder.claim(ids)
            for photo_id in ids:
                yield self.store.photo(photo_id)

    def _sequential(self, records: Iterator[PhotoRecord]) -> None:
        for record in records:
            if self.cancelled():
                return
            start = time.perf_counter()
            loaded = _load(record, self.work.side)
            self.timings["wait_s"] += time.perf_counter() - start
            step = self._model_step([record], [loaded])[0]
            outcome = self._findings(step) if isinstance(step, Predicted) else step
            if not self.recorder.record(record, outcome):
                return

    def _overlapped(self, records: Iterator[PhotoRecord], workers: int, batch: int) -> None:
        depth = _depth(workers, batch)
        groups: deque[tuple[list[PhotoRecord], Future[list[Future[PhotoOutcome] | PhotoFailed]]]] = deque()
        photos: deque[tuple[PhotoRecord, Future[PhotoOutcome] | PhotoFailed]] = deque()
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
                    loads = [decode.submit(_load, record, self.work.side) for record in group]
                    groups.append((group, model.submit(self._model_then_findings, group, loads, post)))
                    in_flight += len(group)
                if photos:
                    record, value = photos.popleft()
                    in_flight -= 1
                    start = time.perf_counter()
                    outcome = value.result() if isinstance(value, Future) else value
                    self.timings["wait_s"] += time.perf_counter() - start
                    if not self.recorder.record(record, outcome):
                        return
                elif groups:
                    group, future = groups.popleft()
                    start = time.perf_counter()
                    outcomes = future.result()  # a crash of the model (BaseException) surfaces here, in order
                    self.timings["wait_s"] += time.perf_counter() - start
                    photos.extend(zip(group, outcomes, strict=True))
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
    def _model_then_findings(self, group: list[PhotoRecord], loads: list[Future[Loaded | PhotoFailed]],
                             post: ThreadPoolExecutor) -> list[Future[PhotoOutcome] | PhotoFailed]:
        """Model thread: wait for the group's decoded photos, predict, hand the findings to ``post``.

        A group queued before a cancel is not predicted (the calling thread records nothing after it).
        """
        if self.cancelled():
            return [PhotoFailed("cancelled", False)] * len(group)
        start = time.perf_counter()
        loaded = [f.result() for f in loads]
        self.timings["wait_model_s"] += time.perf_counter() - start
        return [post.submit(self._findings, step) if isinstance(step, Predicted) else step
                for step in self._model_step(group, loaded)]

    def _model_step(self, group: list[PhotoRecord], loaded: list[Loaded | PhotoFailed]
                    ) -> list[Predicted | PhotoFailed]:
        """:func:`model_step` on ``group``; stops calling the model after repeated model errors."""
        photos = [record.photo for record in group]
        steps = model_step(self.work.segmenter, photos, loaded,  # type: ignore[arg-type]  # None only if not Loaded
                           self.timings, skip_model=self.model_failures_in_a_row >= MAX_CONSECUTIVE_MODEL_ERRORS)
        for step in steps:
            if isinstance(step, PhotoFailed) and step.model_error:
                self.model_failures_in_a_row += 1
            else:
                self.model_failures_in_a_row = 0
        return steps

    def _findings(self, predicted: Predicted) -> PhotoOutcome:
        if self.abort_on is not None and predicted.photo.path.name == self.abort_on:
            os.abort()  # the test hook TEST_ABORT_ENV: stands for a native crash on this photo
        outcome, spent = photo_findings(self.work, predicted)
        if isinstance(outcome, PhotoDone):
            with self._lock:  # several findings threads on many-core machines
                self.timings["findings_s"] += spent
        return outcome


def _cancel_all(groups: deque[Any], photos: deque[Any]) -> None:
    """Cancel the work not started yet."""
    for _, future in groups:
        future.cancel()
    for _, value in photos:
        if isinstance(value, Future):
            value.cancel()
    groups.clear()
    photos.clear()


__all__ = ["MAX_CONSECUTIVE_MODEL_ERRORS", "AnalysisSummary", "ModelIdentity", "PhotoDone", "PhotoFailed",
           "PhotoOutcome", "PhotoWork", "Recorder", "SegmenterLike", "Todo", "analyse_photos", "analyze",
           "load_photo", "record_analysis", "wanted_ids"]
