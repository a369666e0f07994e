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
* **overlapped**: worker threads read and decode the next photos while the model runs on this
  one, and another extracts the findings of the previous one (``roadinspect.core.prefetch``);
  results are still recorded in photo order, one transaction each. ``workers=0`` runs every step
  on the calling thread, one photo after the other (the reference path, with the same results).
* **flat in memory**: only a bounded handful of photos is in flight (decoded images waiting for
  the model, segmentations waiting for their findings); only counters and the list of failures
  are kept, never images, masks or findings of earlier photos.
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
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np

from roadinspect.core.photos import ImageError, load_image, read_bytes, sha256_bytes
from roadinspect.core.prefetch import InOrder, Prefetcher, default_workers
from roadinspect.core.store import PhotoRecord, Store
from roadinspect.core.types import UnreadableFile

ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]
MAX_CONSECUTIVE_MODEL_ERRORS = 3


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

    @property
    def photos_per_second(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _AtPhotoScale:
    """A segmentation whose ``image_size`` is the photo's full size (for a reduced-size decode)."""

    mask: np.ndarray
    probs: np.ndarray
    image_size: tuple[int, int]

    @property
    def scale(self) -> tuple[float, float]:
        h, w = self.mask.shape
        return self.image_size[0] / w, self.image_size[1] / h


def _at_photo_scale(segmentation: Any, width: int, height: int) -> Any:
    if tuple(segmentation.image_size) == (width, height):
        return segmentation
    if dataclasses.is_dataclass(segmentation) and "image_size" in {f.name for f in dataclasses.fields(segmentation)}:
        try:
            return dataclasses.replace(segmentation, image_size=(width, height))
        except TypeError:
            pass
    return _AtPhotoScale(segmentation.mask, segmentation.probs, (width, height))


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
) -> AnalysisSummary:
    """Analyse ``photos`` (records or ids; None: every photo of the project) with ``segmenter``.

    ``progress(done, total, message)`` is called after each photo (``total`` counts the photos left
    to do in this call). ``camera`` is passed to ``extract_findings`` (a ``CameraModel``; None:
    the default camera with the photo's EXIF focal length). ``max_side`` overrides the decode size
    (default: the segmenter's ``max_side`` working size; None there too: full size).

    ``workers``: threads that read and decode photos ahead of the model (at most ``2 * workers +
    batch`` photos ahead), while one more thread extracts the findings of the previous photo;
    None: :func:`~roadinspect.core.prefetch.default_workers`; 0: every step on the calling thread,
    one photo after the other (the reference path; same results). ``batch``: photos per model
    call (``predict_batch``); None: 1 on the CPU, 8 on a GPU.
    """
    from roadinspect.core.findings import extract_findings

    started = time.perf_counter()
    wanted: list[int] | None = None
    if photos is not None:
        wanted = [p.id if isinstance(p, PhotoRecord) else int(p) for p in photos]
    todo = store.photos_to_analyse(segmenter.sha256, wanted)
    total = len(wanted) if wanted is not None else len(store.photos())
    summary = AnalysisSummary(analysis_id=None, total=total, skipped=max(0, total - len(todo)))
    if not todo:
        return summary
    side = max_side if max_side is not None else getattr(segmenter, "max_side", None)
    settings = {"max_side": side, "camera": dataclasses.asdict(camera) if dataclasses.is_dataclass(camera) else None}
    analysis_id = store.start_analysis(segmenter.name, segmenter.sha256, settings, who=who)
    summary.analysis_id = analysis_id
    timings = {"read_s": 0.0, "decode_s": 0.0, "predict_s": 0.0, "findings_s": 0.0, "record_s": 0.0, "wait_s": 0.0}
    status = "interrupted"
    run = _Run(store, analysis_id, segmenter, extract_findings, camera, side, timings, summary, who, progress,
               is_cancelled, len(todo))
    try:
        run.process(todo, default_workers() if workers is None else max(0, workers),
                    max(1, batch if batch is not None else _default_batch(segmenter)))
        if run.failed_hard is not None:
            status = "failed"
            raise run.failed_hard
        status = "cancelled" if summary.cancelled else "finished"
    finally:
        summary.seconds = time.perf_counter() - started
        summary.timings = {k: round(v, 3) for k, v in timings.items()}
        store.finish_analysis(analysis_id, status, {**summary.timings, "seconds": round(summary.seconds, 3),
                                                    "photos": summary.analysed}, who=who)
    return summary


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
    """One :func:`analyze` call: photos flow read/decode (workers) -> model (this thread) ->
    findings (a worker) -> record (this thread, in photo order, one transaction per photo).

    With ``workers=0`` every step runs on this thread, one photo after the other (the reference path).
    """

    def __init__(self, store: Store, analysis_id: int, segmenter: SegmenterLike, extract: Callable[..., list],
                 camera: Any, side: int | None, timings: dict[str, float], summary: AnalysisSummary, who: str,
                 progress: ProgressFn | None, is_cancelled: CancelFn | None, total: int) -> None:
        self.store, self.analysis_id, self.segmenter, self.extract = store, analysis_id, segmenter, extract
        self.camera, self.side, self.timings, self.summary, self.who = camera, side, timings, summary, who
        self.progress, self.is_cancelled, self.total = progress, is_cancelled, total
        self.done = 0
        self.consecutive_model_errors = 0
        self.failed_hard: RuntimeError | None = None
        self.post: ThreadPoolExecutor | None = None

    def cancelled(self) -> bool:
        if self.is_cancelled is not None and self.is_cancelled():
            self.summary.cancelled = True
        return self.summary.cancelled

    def process(self, todo: list[int], workers: int, batch: int) -> None:
        records = (self.store.photo(photo_id) for photo_id in todo)
        pending: InOrder[PhotoRecord] = InOrder(limit=max(1, workers))
        with ExitStack() as stack:
            if workers > 0:
                source: Iterator[tuple[PhotoRecord, _Loaded | _Failed]] = stack.enter_context(
                    Prefetcher(partial(_load, side=self.side), records, workers=workers,
                               depth=2 * workers + batch, name="roadinspect-decode"))
                self.post = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="roadinspect-findings"))
            else:
                source = ((record, _load(record, self.side)) for record in records)
            try:
                while not self.cancelled():
                    group = self._take(source, batch)
                    if not group:
                        self._flush(pending, wait=True)
                        return
                    self._predict(group, pending)
                    if not self._flush(pending, wait=False):
                        return
            finally:
                pending.cancel()

    def _take(self, source: Iterator[tuple[PhotoRecord, _Loaded | _Failed]], batch: int
              ) -> list[tuple[PhotoRecord, _Loaded | _Failed]]:
        start = time.perf_counter()
        group = list(itertools.islice(source, batch))
        self.timings["wait_s"] += time.perf_counter() - start
        return group

    def _predict(self, group: list[tuple[PhotoRecord, _Loaded | _Failed]], pending: InOrder[PhotoRecord]) -> None:
        ok = [(record, item) for record, item in group if isinstance(item, _Loaded)]
        start = time.perf_counter()
        try:
            try:
                if len(ok) > 1 and hasattr(self.segmenter, "predict_batch"):
                    results: list[Any] = self.segmenter.predict_batch([item.image for _, item in ok])  # type: ignore[attr-defined]
                else:
                    results = [self.segmenter.predict(item.image) for _, item in ok]
            except Exception:  # noqa: BLE001 - a failed batch is retried photo by photo to name the bad one
                if len(ok) <= 1:
                    raise
                results = []
                for _, item in ok:
                    try:
                        results.append(self.segmenter.predict(item.image))
                    except Exception as exc:  # noqa: BLE001
                        results.append(_model_failure(exc))
        except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
            results = [_model_failure(exc)]
        except BaseException:
            # The process is going down (Ctrl+C, a crash): keep what is already done.
            self._flush(pending, wait=True)
            raise
        share = (time.perf_counter() - start) / max(1, len(ok))
        self.timings["predict_s"] += share * len(ok)
        answers = iter(results)
        for record, item in group:
            if not isinstance(item, _Loaded):
                pending.add(record, item)
                continue
            answer = next(answers)
            if isinstance(answer, _Failed):
                pending.add(record, answer)
                continue
            photo = record.photo
            assert photo is not None
            segmentation = _at_photo_scale(answer, photo.width, photo.height)
            work = item.read_s + item.decode_s + share
            self.timings["read_s"] += item.read_s
            self.timings["decode_s"] += item.decode_s
            if self.post is not None:
                pending.add(record, self.post.submit(self._findings, segmentation, photo, item.digest, work))
            else:
                pending.add(record, self._findings(segmentation, photo, item.digest, work))
            item.image = None  # type: ignore[assignment]  # free the pixels now

    def _findings(self, segmentation: Any, photo: Any, digest: str, work_s: float) -> _Done | _Failed:
        start = time.perf_counter()
        try:
            findings = self.extract(segmentation, photo, self.camera)
        except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
            return _model_failure(exc)
        spent = time.perf_counter() - start
        self.timings["findings_s"] += spent
        return _Done(findings, digest, work_s + spent)

    def _flush(self, pending: InOrder[PhotoRecord], wait: bool) -> bool:
        """Record the finished photos at the head of ``pending``; False when the batch must stop."""
        for record, outcome in pending.ready(wait=wait):
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
                assert isinstance(outcome, _Failed)
                self.summary.failed.append(UnreadableFile(record.path, outcome.reason))
                self.store.record_photo_error(record.id, outcome.reason, self.analysis_id, who=self.who)
                message = f"{record.path.name}: {outcome.reason}"
                self.consecutive_model_errors = self.consecutive_model_errors + 1 if outcome.model_error else 0
                if self.consecutive_model_errors >= MAX_CONSECUTIVE_MODEL_ERRORS:
                    self.failed_hard = RuntimeError(
                        f"the model failed on {MAX_CONSECUTIVE_MODEL_ERRORS} photos in a row; "
                        f"last: {record.path}: {outcome.reason}")
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total, message)
            if self.failed_hard is not None:
                return False
        return True


__all__ = ["AnalysisSummary", "SegmenterLike", "analyze", "MAX_CONSECUTIVE_MODEL_ERRORS"]
