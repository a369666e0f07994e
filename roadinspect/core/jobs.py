"""The inspector's workflows as plain functions, shared by the command line, the app, the benchmarks and the cluster.

Each job takes ``progress`` and ``is_cancelled`` where it is long, never prints, never imports Qt, and returns what it
did; the callers only show it (``roadinspect.cli_inspect``, ``roadinspect.gui.project``, ``roadinspect.benchmarks``):

* :func:`load_project_data`, :func:`project_data`: a project's photos, findings and latest reviews as a
  :class:`~roadinspect.core.maintenance.ProjectData` (the maintenance list, the exports, the report, publishing).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from roadinspect.core.maintenance import ProjectData
from roadinspect.core.types import Finding, Photo, Review

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from roadinspect.core.store import AnalysisRecord, PhotoRecord, ReviewedFinding


def project_data(records: Iterable[PhotoRecord], findings: Iterable[ReviewedFinding],
                 analyses: Iterable[AnalysisRecord], name: str = "") -> ProjectData:
    """The data the maintenance list and the exports read, from what the store holds.

    Photos: the usable ones (readable, not a byte-identical duplicate). Findings: those of a usable photo (one
    of a photo that is no longer readable is left out), each with its latest review. ``models``: each model
    that recorded findings and on how many usable photos; ``changed``: the photos whose file changed or went
    missing since import (their findings count; their file is not shown under them).
    """
    from roadinspect.core.store import CHANGED_REASON

    usable = [r for r in records if r.usable]
    photos: dict[int, Photo] = {r.id: r.photo for r in usable if r.photo is not None}
    changed = {r.id: CHANGED_REASON for r in usable if r.replaced_by is not None}
    kept: list[Finding] = []
    reviews: dict[int, Review] = {}
    for rf in findings:
        if rf.finding.photo_id not in photos:
            continue
        kept.append(rf.finding)
        if rf.review is not None and rf.finding.id is not None:
            reviews[rf.finding.id] = rf.review
    return ProjectData(photos=photos, findings=kept, reviews=reviews, name=name,
                       models=analysed_models(usable, analyses), changed=changed)


def analysed_models(records: Iterable[PhotoRecord], analyses: Iterable[AnalysisRecord]) -> dict[str, int]:
    """Model name -> number of usable photos whose findings it recorded (``Store.photos()``/``analyses()``)."""
    names = {a.id: a.model_name for a in analyses}
    counts: dict[str, int] = {}
    for r in records:
        if r.analysis_id is not None and r.usable and r.analysis_id in names:
            counts[names[r.analysis_id]] = counts.get(names[r.analysis_id], 0) + 1
    return counts


def load_project_data(store_path: Path) -> ProjectData:
    """:func:`project_data` of a project file, opened read-only.

    Raises ``roadinspect.core.store.ProjectError`` (naming the file) when it cannot be read.
    """
    from roadinspect.core.store import Store

    with Store.open(store_path, create=False, readonly=True) as store:
        return project_data(store.photos(), store.findings(), store.analyses(), name=Path(store_path).stem)
