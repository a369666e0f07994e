"""The batch analysis in a child process, so that a native crash or memory exhaustion ends the child only.

The app (and anything else that must outlive a crash of the analysis) calls :func:`analyse_in_child`:
it starts a child process (``multiprocessing``, *spawn*: a fresh interpreter that loads the model; the
frozen bundle supports it through ``multiprocessing.freeze_support`` in its launcher), which opens the
project itself and runs the same :func:`roadinspect.core.pipeline.analyze`. Two one-way pipes carry:

* child -> parent: ``("total", n)`` once, ``("photo", done, total, photo_id, message)`` after each photo is
  recorded (the parent reads its record and findings back from the project file), and at the end
  ``("summary", AnalysisSummary)`` or ``("error", type_name, message, traceback_text)``;
* parent -> child: ``"cancel"`` (the child stops after the photo in hand, as on Ctrl+C). A child whose
  parent is gone stops too (end of file on its pipe).

When the child dies without a summary (a signal, an abort, the out-of-memory killer), the parent
records how it ended in ``summary.crashes`` and starts a new child: the pipeline retries the photos
that were in flight one at a time and records one that crashes again as failed, so the batch goes
on. After :data:`MAX_RESTARTS_WITHOUT_PROGRESS` deaths in a row without a photo finished, it stops
with :class:`AnalysisCrashed` (every finished photo is kept in the project).

No Qt here: this is a plain function with ``progress`` and ``is_cancelled`` like the rest of the core.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadinspect.core.pipeline import AnalysisSummary
from roadinspect.core.store import ProjectBusy, ProjectError, Store

if TYPE_CHECKING:
    from roadinspect.core.camera import ProjectCamera
    from roadinspect.core.geo import CameraModel

MAX_RESTARTS_WITHOUT_PROGRESS = 4
PhotoProgress = Callable[[int, int, int, str], None]


class AnalysisCrashed(RuntimeError):
    """The analysis process kept dying before it could finish a photo (the message says how it ended)."""


def describe_exit(exitcode: int | None) -> str:
    """How a process ended, in words: ``killed by signal SIGSEGV`` or ``exit code 3``."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"killed by signal {name}"
    return f"exit code {exitcode}"


def _child_main(inbox: Any, outbox: Any, project: str, weights: str | None, camera: Any, who: str) -> None:
    """The child process: open the project, load the model, analyse, report over ``outbox``."""
    cancelled = threading.Event()

    def listen() -> None:
        try:
            while True:
                if inbox.recv() == "cancel":
                    cancelled.set()
        except (EOFError, OSError):  # the parent is gone: stop after the current photo
            cancelled.set()

    threading.Thread(target=listen, name="roadinspect-cancel", daemon=True).start()
    try:
        from roadinspect.core.jobs import load_segmenter
        from roadinspect.core.pipeline import analyze

        segmenter = load_segmenter(Path(weights) if weights else None)  # falls back to torch by itself
        with Store.open(project, create=False) as store:
            outbox.send(("total", len(store.photos_to_analyse(segmenter.sha256))))
            crashed_before = store.claimed(alone=True)  # recorded failed by this analysis (the parent shows them)
            last: list[int] = []
            sent = [0, 0]

            def progress(done: int, total: int, message: str = "", /) -> None:
                sent[:] = [done, total]
                outbox.send(("photo", done, total, last[-1] if last else None, message))

            summary = analyze(store, None, segmenter, progress, cancelled.is_set, camera=camera, who=who,
                              on_recorded=last.append)
            for photo_id in crashed_before:
                if store.photo(photo_id).failure:
                    outbox.send(("photo", sent[0], sent[1], photo_id, store.photo(photo_id).path.name))
        outbox.send(("summary", summary))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which shows it
        outbox.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
    finally:
        outbox.close()


def _photo_states(project: Path) -> dict[int, tuple[Any, ...]]:
    """Each photo's analysis state in the project file (what changes when its outcome is recorded), and its name."""
    with Store.open(project, readonly=True) as store:
        return {r.id: (r.analysis_id, r.analysed_at, r.error, r.failure, r.path.name)
                for r in store.photos(usable_only=False)}


def _merge(into: AnalysisSummary, part: AnalysisSummary) -> None:
    into.analysis_id = part.analysis_id if part.analysis_id is not None else into.analysis_id
    into.analysed += part.analysed
    into.failed += part.failed
    into.findings += part.findings
    into.cancelled = into.cancelled or part.cancelled
    into.seconds += part.seconds
    for key, value in part.timings.items():
        into.timings[key] = round(into.timings.get(key, 0.0) + value, 3)


def analyse_in_child(project: Path, weights: Path | None = None, camera: ProjectCamera | CameraModel | None = None,
                     who: str = "", *,
                     progress: PhotoProgress | None = None,
                     is_cancelled: Callable[[], bool] | None = None) -> AnalysisSummary:
    """Analyse every photo of ``project`` not analysed by the model yet, in a child process.

    ``progress(done, total, photo_id, message)`` is called after each photo is recorded (``done`` and
    ``total`` count over the whole call, across restarts). Returns the merged summary; ``crashes``
    lists how each child that died ended, and the photos recorded by a child before it died count
    as analysed. A photo the child committed but could not report before dying is found in the
    project file after the death and reported then (its message is the file name).

    Raises:
        ProjectError / ProjectBusy: the child could not open or analyse the project (message kept).
        AnalysisCrashed: children died :data:`MAX_RESTARTS_WITHOUT_PROGRESS` times in a row without a
            photo finished.
        RuntimeError: any other error of the child (its message; the traceback is chained as text).
    """
    ctx = multiprocessing.get_context("spawn")
    merged: AnalysisSummary | None = None
    crashes: list[str] = []
    done_before = 0
    total: int | None = None
    fruitless = 0
    heard: set[int] = set()
    states = _photo_states(project) if progress is not None else {}
    while True:
        inbox_r, inbox_w = ctx.Pipe(duplex=False)  # parent -> child
        outbox_r, outbox_w = ctx.Pipe(duplex=False)  # child -> parent
        child = ctx.Process(target=_child_main, name="roadinspect-analysis", daemon=True,
                            args=(inbox_r, outbox_w, str(project), str(weights) if weights else None, camera, who))
        child.start()
        inbox_r.close()
        outbox_w.close()
        done_here = 0
        summary: AnalysisSummary | None = None
        error: tuple[str, str, str] | None = None
        cancel_sent = False
        try:
            while True:
                if not cancel_sent and is_cancelled is not None and is_cancelled():
                    try:
                        inbox_w.send("cancel")
                    except OSError:
                        pass
                    cancel_sent = True
                if not outbox_r.poll(0.1):
                    if not child.is_alive() and not outbox_r.poll(0.2):
                        break
                    continue
                try:
                    message = outbox_r.recv()
                except (EOFError, OSError):
                    break
                kind = message[0]
                if kind == "total":
                    total = message[1] if total is None else max(total, done_before + message[1])
                elif kind == "photo":
                    done_here = message[1]
                    total = max(total or 0, done_before + message[2])
                    if progress is not None and message[3] is not None:
                        heard.add(message[3])
                        progress(done_before + done_here, total, message[3], message[4])
                elif kind == "summary":
                    summary = message[1]
                elif kind == "error":
                    error = message[1:]
        finally:
            inbox_w.close()
            outbox_r.close()
            child.join(timeout=30)
            if child.is_alive():  # pragma: no cover - a child that does not end after its last message
                child.kill()
                child.join()
        if error is not None:
            name, text, details = error
            if name in ("ProjectError", "ProjectBusy"):
                raise (ProjectBusy if name == "ProjectBusy" else ProjectError)(text)
            raise RuntimeError(text or name) from RuntimeError(details)
        if summary is not None:
            if merged is None:
                merged = summary
            else:
                _merge(merged, summary)
            merged.analysed += done_before  # photos recorded by children that died later
            merged.crashes = crashes
            return merged
        # the child died: keep going with a new one (the pipeline retries, then leaves out, the culprit)
        crashes.append(describe_exit(child.exitcode))
        if progress is not None:  # photos recorded just before the death, whose message never left the child
            now = _photo_states(project)
            for photo_id in sorted(now):
                if photo_id not in heard and now[photo_id] != states.get(photo_id):
                    heard.add(photo_id)
                    done_here += 1
                    total = max(total or 0, done_before + done_here)
                    progress(done_before + done_here, total, photo_id, now[photo_id][-1])
            states = now
        done_before += done_here
        fruitless = 0 if done_here else fruitless + 1
        if fruitless >= MAX_RESTARTS_WITHOUT_PROGRESS:
            raise AnalysisCrashed(
                f"the analysis process stopped {fruitless} times in a row before finishing a photo (last: "
                f"{crashes[-1]}); every photo analysed before is kept in the project")
        if is_cancelled is not None and is_cancelled():
            cancelled = AnalysisSummary(analysis_id=None, total=total or 0, cancelled=True)
            if merged is not None:
                _merge(merged, cancelled)
            merged = merged or cancelled
            merged.analysed += done_before
            merged.crashes = crashes
            return merged
        time.sleep(0.2)


__all__ = ["AnalysisCrashed", "MAX_RESTARTS_WITHOUT_PROGRESS", "analyse_in_child", "describe_exit"]
