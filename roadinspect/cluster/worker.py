"""The cluster worker: a Ray actor that keeps the model loaded and runs the pipeline's per-photo work.

:class:`PhotoWorker` is a plain class; the driver makes it a Ray actor (``ray.remote``), so this module
imports neither Ray nor torch. At start it loads the model described by a :class:`ModelSpec` (the
RoadInspect installation's own shipped model, or the weights file the spec names, at the same path on
every node) and compares the weights' sha256 with the one the driver sent: a worker whose weights differ
(another RoadInspect version, a retrained file) refuses every photo, and the driver stops before anything
is recorded. Each call (:meth:`PhotoWorker.analyse`) gets a few photos' metadata (their paths as this
node sees them) and returns, per photo, the findings or the reason there are none
(:func:`roadinspect.core.pipeline.analyse_photos`), plus the seconds per step: kilobytes, never pixels.
The worker never opens the project file.

:func:`model_spec` reads the model's identity on the driver without loading torch (sidecar JSON and the
sha256 of the weights file, checked as :meth:`Segmenter.load` checks it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadinspect.core.pipeline import ModelIdentity, PhotoFailed, PhotoOutcome, PhotoWork, analyse_photos
from roadinspect.core.types import Photo

DEFAULT_MODEL_NAME = "roadinspect-seg"
"""As ``roadinspect.core.segmenter.DEFAULT_MODEL_NAME`` (a test keeps them equal; this module avoids torch)."""
DEFAULT_MAX_SIDE = 640
"""As ``roadinspect.core.segmenter.DEFAULT_MAX_SIDE``."""


class ModelSpecError(ValueError):
    """The driver cannot read the model it is asked to use (missing file, bad sidecar, checksum)."""


@dataclass(frozen=True)
class ModelSpec:
    """The model the workers must load, and its identity as the driver computed it.

    ``weights``: the weights file as the workers see it (None: the model shipped with RoadInspect on each
    worker). ``device``: ``cpu`` or ``cuda``. ``backend``/``precision``: as ``analyze --backend/--precision``
    (None: auto). ``threads``: the network's threads per worker. ``factory``: builds a stand-in model
    instead of loading weights (tests).
    """

    name: str
    sha256: str
    max_side: int | None
    weights: str | None = None
    device: str = "cpu"
    backend: str | None = None
    precision: str | None = None
    threads: int = 1
    factory: Callable[[], Any] | None = None

    @property
    def identity(self) -> ModelIdentity:
        return ModelIdentity(self.name, self.sha256, self.max_side)

    def load(self) -> Any:
        """The segmenter, on the worker (torch is imported here)."""
        if self.factory is not None:
            return self.factory()
        from roadinspect.core.backends import accelerate
        from roadinspect.core.segmenter import Segmenter

        segmenter = Segmenter.load(Path(self.weights) if self.weights else None, device=self.device,
                                   threads=self.threads)
        accelerate(segmenter, backend=self.backend, threads=self.threads, precision=self.precision)
        return segmenter


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_spec(weights: Path | None = None, **options: Any) -> ModelSpec:
    """The :class:`ModelSpec` of ``weights`` (None: the shipped model), read on the driver without torch.

    Raises:
        ModelSpecError: missing weights or sidecar, unreadable sidecar, or weights that do not match the
            sha256 their sidecar records.
    """
    from roadinspect.core.resources import models_dir

    path = Path(weights) if weights else models_dir() / f"{DEFAULT_MODEL_NAME}.safetensors"
    meta = path.with_suffix(".json")
    if not path.is_file():
        raise ModelSpecError(f"model weights not found: {path}")
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        expected = str(info["sha256"]).lower()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelSpecError(f"cannot read model metadata {meta}: {exc}") from None
    actual = _file_sha256(path)
    if actual != expected:
        raise ModelSpecError(f"model weights {path.name} do not match their recorded checksum (sha256 "
                             f"{actual[:12]}... instead of {expected[:12]}...)")
    return ModelSpec(str(info.get("name", DEFAULT_MODEL_NAME)), actual, int(info.get("max_side", DEFAULT_MAX_SIDE)),
                     weights=str(path) if weights else None, **options)


@dataclass(frozen=True)
class WorkConfig:
    """What every photo of one analysis shares: the camera, the road regions, the decode size (sent once)."""

    token: str
    camera: Any
    regions: dict[str, Any]
    side: int | None


@dataclass
class WorkerInfo:
    """A worker's answer to :meth:`PhotoWorker.hello`: its name, and why it refuses to work (None: it works)."""

    name: str
    refusal: str | None
    device: str = ""
    backend: str = ""


@dataclass
class Reply:
    """A worker's answer for a few photos: one outcome per photo, in order, and the seconds per step."""

    worker: str
    outcomes: list[PhotoOutcome | None]
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class WorkerRefused(RuntimeError):
    """The worker cannot analyse (its weights differ from the driver's, or its model does not load)."""


class PhotoWorker:
    """One worker process: the model loaded once, then :meth:`analyse` for each few photos (a Ray actor)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.refusal: str | None = None
        self.segmenter: Any = None
        self._work: dict[str, PhotoWork] = {}
        try:
            self.segmenter = spec.load()
        except Exception as exc:  # noqa: BLE001 - told to the driver, which stops with this line
            self.refusal = f"worker {self.name} cannot load the model: {exc}"
            return
        sha = str(getattr(self.segmenter, "sha256", ""))
        if sha != spec.sha256:
            self.refusal = (f"worker {self.name} refuses: its weights {spec.weights or 'shipped with RoadInspect'} "
                            f"have sha256 {sha[:12]}..., the driver's model {spec.name} has {spec.sha256[:12]}...; "
                            "install the same RoadInspect version (or weights file) on every node")

    def hello(self) -> WorkerInfo:
        device = getattr(self.segmenter, "device", "")
        backend = getattr(getattr(self.segmenter, "backend", None), "backend", "")
        return WorkerInfo(self.name, self.refusal, str(device), str(backend))

    def _photo_work(self, config: WorkConfig) -> PhotoWork:
        work = self._work.get(config.token)
        if work is None:
            from roadinspect.core.findings import extract_findings
            from roadinspect.core.road_region import with_road_region

            work = PhotoWork(self.segmenter, with_road_region(extract_findings, config.regions), config.camera,
                             config.side)
            self._work = {config.token: work}
        return work

    def analyse(self, config: WorkConfig, photos: Sequence[Photo], batch: int | None = None) -> Reply:
        """The outcome of each photo (read from ``photo.path`` as this node sees it), in order."""
        if self.refusal is not None:
            raise WorkerRefused(self.refusal)
        from roadinspect.core.pipeline import default_batch

        start = time.perf_counter()
        timings: dict[str, float] = {}
        outcomes = analyse_photos(self._photo_work(config), list(photos),
                                  batch or default_batch(self.segmenter), timings)
        outcomes = [self._where(photo, outcome) for photo, outcome in zip(photos, outcomes, strict=True)]
        return Reply(self.name, outcomes, timings, time.perf_counter() - start)

    def _where(self, photo: Photo, outcome: PhotoOutcome | None) -> PhotoOutcome | None:
        """A file this node cannot see: say so, with the path it looked at (the share, or --photo-root)."""
        if isinstance(outcome, PhotoFailed) and not outcome.model_error and not os.path.exists(photo.path):
            return dataclasses.replace(outcome, reason=(
                f"file not found on worker {self.name}: {photo.path} (not there, or the photo share is not "
                "mounted at that path on this node; see --photo-root)"))
        return outcome


__all__ = ["ModelSpec", "ModelSpecError", "PhotoWorker", "Reply", "WorkConfig", "WorkerInfo", "WorkerRefused",
           "model_spec"]
