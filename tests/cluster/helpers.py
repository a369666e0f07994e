"""Stand-in models for the cluster tests, importable by Ray's worker processes (``PYTHONPATH`` = the repository).

:class:`SlowTruth` is :class:`~tests.core.photo_files.TruthSegmenter` (each synthetic photo answered with its
true mask) that takes ``delay`` seconds per photo, so that a test can act while photos are in flight, and
writes its process id to ``pid_dir`` when it is loaded (a test kills that worker). :class:`DiesOn` ends its
process (``os._exit``, as a native crash would) on the photo whose pixels it is told.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from tests.core.photo_files import TruthSegmenter


class SlowTruth(TruthSegmenter):
    def __init__(self, pairs: list, delay: float = 0.0, pid_dir: str | None = None, sha256: str = "0" * 64,
                 max_side: int | None = None) -> None:
        super().__init__(pairs, sha256=sha256, max_side=max_side)
        self.delay = delay
        if pid_dir is not None:
            Path(pid_dir, f"{os.getpid()}.pid").write_text(str(os.getpid()))

    def predict(self, image: np.ndarray):
        time.sleep(self.delay)
        return super().predict(image)


class DiesOn(SlowTruth):
    def __init__(self, pairs: list, dies_on: Path, **kwargs) -> None:
        super().__init__(pairs, **kwargs)
        from roadinspect.core.photos import load_image

        self.fatal = load_image(dies_on, max_side=self.max_side).tobytes()

    def predict(self, image: np.ndarray):
        if np.ascontiguousarray(image).tobytes() == self.fatal:
            os._exit(3)  # the worker process dies on this photo, every time
        return super().predict(image)


def truth_factory(pairs: list, **kwargs):
    """A picklable factory of :class:`SlowTruth` for ``ModelSpec.factory``."""
    import functools

    return functools.partial(SlowTruth, pairs, **kwargs)
