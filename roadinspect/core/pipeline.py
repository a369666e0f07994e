"""Analyse a project's photos with the segmenter and record every result as soon as it exists.

:func:`analyze` is resumable, cancellable and flat in memory:

* **resumable**: each photo's result (its findings and its "analysed" mark) is committed in one
  transaction right after the photo is done (:meth:`Store.record_photo_result`); a photo already
  analysed by the same model (same weights sha256) is skipped. After a crash or ``kill -9`` a
  re-run keeps every finished photo and does only the rest. A different model re-analyses every
  photo under the store's re-analysis rule (reviewed findings are kept).
* **cancellable**: ``is_cancelled()`` is checked between photos; the analysis is then closed as
  ``cancelled`` and a later run picks up where it stopped.
* **flat in memory**: photos are processed one at a time; only counters and the list of failures
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from roadinspect.core.photos import ImageError, load_image, read_bytes, sha256_bytes
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
) -> AnalysisSummary:
    """Analyse ``photos`` (records or ids; None: every photo of the project) with ``segmenter``.

    ``progress(done, total, message)`` is called after each photo (``total`` counts the photos left
    to do in this call). ``camera`` is passed to ``extract_findings`` (a ``CameraModel``; None:
    the default camera with the photo's EXIF focal length). ``max_side`` overrides the decode size
    (default: the segmenter's ``max_side`` working size; None there too: full size).
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
    timings = {"read_s": 0.0, "decode_s": 0.0, "predict_s": 0.0, "findings_s": 0.0, "record_s": 0.0}
    status = "interrupted"
    consecutive_model_errors = 0
    try:
        for done, photo_id in enumerate(todo):
            if is_cancelled is not None and is_cancelled():
                summary.cancelled = True
                break
            record = store.photo(photo_id)
            message = record.path.name
            failure = _analyse_one(store, record, analysis_id, segmenter, extract_findings, camera, side,
                                   timings, summary, who)
            if failure is not None:
                reason, model_error = failure
                summary.failed.append(UnreadableFile(record.path, reason))
                store.record_photo_error(photo_id, reason, analysis_id, who=who)
                message = f"{record.path.name}: {reason}"
                consecutive_model_errors = consecutive_model_errors + 1 if model_error else 0
                if consecutive_model_errors >= MAX_CONSECUTIVE_MODEL_ERRORS:
                    status = "failed"
                    raise RuntimeError(f"the model failed on {MAX_CONSECUTIVE_MODEL_ERRORS} photos in a row; "
                                       f"last: {record.path}: {reason}")
            else:
                consecutive_model_errors = 0
            if progress is not None:
                progress(done + 1, len(todo), message)
        status = "cancelled" if summary.cancelled else "finished"
    finally:
        summary.seconds = time.perf_counter() - started
        summary.timings = {k: round(v, 3) for k, v in timings.items()}
        store.finish_analysis(analysis_id, status, {**summary.timings, "seconds": round(summary.seconds, 3),
                                                    "photos": summary.analysed}, who=who)
    return summary


def _analyse_one(store: Store, record: PhotoRecord, analysis_id: int, segmenter: SegmenterLike,
                 extract: Callable[..., list], camera: Any, side: int | None, timings: dict[str, float],
                 summary: AnalysisSummary, who: str) -> tuple[str, bool] | None:
    """Analyse one photo and record it; returns ``(reason, is_model_error)`` when it failed."""
    photo = record.photo
    if photo is None:
        return record.error or "unreadable file", False
    t0 = time.perf_counter()
    try:
        data = read_bytes(record.path)
    except OSError as exc:
        return _read_failure(exc), False
    digest = sha256_bytes(data)
    t1 = time.perf_counter()
    try:
        image = load_image(data, max_side=side)
    except ImageError as exc:
        return str(exc), False
    finally:
        del data
    t2 = time.perf_counter()
    try:
        segmentation = _at_photo_scale(segmenter.predict(image), photo.width, photo.height)
        del image
        t3 = time.perf_counter()
        findings = extract(segmentation, photo, camera)
        del segmentation
    except Exception as exc:  # noqa: BLE001 - recorded per photo; repeated failures stop the batch
        text = str(exc)
        text = text if len(text) <= 300 else text[:300] + "..."
        return f"analysis failed ({type(exc).__name__}: {text})", True
    t4 = time.perf_counter()
    store.record_photo_result(record.id, analysis_id, findings, sha256=digest,
                              elapsed_ms=(t4 - t0) * 1000.0, who=who)
    t5 = time.perf_counter()
    timings["read_s"] += t1 - t0
    timings["decode_s"] += t2 - t1
    timings["predict_s"] += t3 - t2
    timings["findings_s"] += t4 - t3
    timings["record_s"] += t5 - t4
    summary.analysed += 1
    summary.findings += len(findings)
    return None


__all__ = ["AnalysisSummary", "SegmenterLike", "analyze", "MAX_CONSECUTIVE_MODEL_ERRORS"]
