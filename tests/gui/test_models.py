"""Item models: Qt's model tester on every model and proxy, filters, sorting, background thumbnails."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from roadinspect.core.priority import rank_sites
from roadinspect.core.review import ReviewedFinding
from roadinspect.core.sites import build_sites
from roadinspect.core.types import DamageClass, Review, ReviewStatus
from roadinspect.gui.models import (
    ROW_ROLE,
    SORT_ROLE,
    FindingRow,
    FindingTableModel,
    PhotoFilterProxy,
    PhotoTableModel,
    SiteFilterProxy,
    SiteRow,
    SiteTableModel,
    ThumbnailCache,
)
from roadinspect.gui.project import ProjectSession


@pytest.fixture
def session(reviewable_project: Path):
    s = ProjectSession.open(reviewable_project, "tester")
    yield s
    s.close()


def test_photo_model_and_filters(qtmodeltester, qtbot, session: ProjectSession, tmp_path: Path) -> None:
    thumbnails = ThumbnailCache()
    thumbnails.folder = tmp_path / "thumbs"
    model = PhotoTableModel(thumbnails)
    model.set_rows(session.rows())
    qtmodeltester.check(model)
    proxy = PhotoFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 3
    pothole_photos = {r.id for r in session.rows() if "pothole" in r.kinds}
    proxy.set_damage_filter("pothole")
    assert {proxy.index(i, 0).data(ROW_ROLE).id for i in range(proxy.rowCount())} == pothole_photos
    proxy.set_damage_filter(None)
    proxy.set_state_filter("reviewed")
    assert proxy.rowCount() == 0
    proxy.set_state_filter("no_position")
    assert proxy.rowCount() == 0
    proxy.set_state_filter(None)
    # thumbnails arrive in the background, then come from the disk cache
    model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: thumbnails.has(model.row_at(0).id), timeout=10000)
    assert len(list(thumbnails.folder.glob("*.jpg"))) == 1
    thumbnails.cancel()
    thumbnails.wait()
    qtmodeltester.check(model)


def test_finding_model(qtmodeltester, session: ProjectSession) -> None:
    pid = session.photo_ids()[0]
    items = session.findings(pid)
    review = Review(items[0].finding.id, ReviewStatus.CORRECTED, damage=DamageClass.POTHOLE)
    rows = [FindingRow(i, rf.finding, review if i == 1 else rf.review) for i, rf in enumerate(items, 1)]
    model = FindingTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "Pothole" and model.index(0, 5).data() == "Corrected"
    assert model.index(0, 0).data(SORT_ROLE) == 1


def test_a_corrected_then_rejected_finding_is_listed_as_corrected(session: ProjectSession) -> None:
    """The findings list shows a rejected finding as the photo, the store and the exports do (core/review.py)."""
    rf = session.findings(session.photo_ids()[0])[0]
    other = DamageClass.CRACK if rf.finding.damage == DamageClass.POTHOLE else DamageClass.POTHOLE
    rejected = Review(rf.finding.id, ReviewStatus.REJECTED, damage=other)
    model = FindingTableModel()
    model.set_rows([FindingRow(1, rf.finding, rejected)])
    assert model.index(0, 5).data() == "Rejected"
    assert model.index(0, 1).data() == ("Pothole" if other == DamageClass.POTHOLE else "Crack")
    assert model.row_at(0).damage == ReviewedFinding(rf.finding, rejected).damage == other


def test_site_model_sorting_and_filters(qtmodeltester, session: ProjectSession) -> None:
    data = session.project_data()
    ranked = rank_sites(build_sites(data.photos, data.findings, data.reviews))
    potholes = sum(r.site.kind == "pothole" for r in ranked)
    assert 0 < potholes < len(ranked)  # both kinds, so that each filter has something to keep and to drop
    model = SiteTableModel()
    model.set_rows([SiteRow(r, "T1-001") for r in ranked])
    assert model.rowCount() == len(ranked)
    qtmodeltester.check(model)
    proxy = SiteFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)  # by score, numerically
    scores = [proxy.index(i, 0).data(ROW_ROLE).ranked.score for i in range(proxy.rowCount())]
    assert scores == sorted(scores, reverse=True)
    assert "×" in model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)  # the terms of the score
    proxy.set_kind_filter("pothole")
    assert proxy.rowCount() == potholes
    assert all(proxy.index(i, 0).data(ROW_ROLE).ranked.site.kind == "pothole" for i in range(proxy.rowCount()))
    proxy.set_kind_filter("crack")
    assert proxy.rowCount() == len(ranked) - potholes
    assert all(proxy.index(i, 0).data(ROW_ROLE).ranked.site.kind != "pothole" for i in range(proxy.rowCount()))
    proxy.set_kind_filter(None)
    proxy.set_status_filter("accepted")
    assert proxy.rowCount() == 0
