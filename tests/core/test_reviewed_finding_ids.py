"""ReviewedFinding.finding_id / photo_id: the ids of a finding read from a project, typed int (core/review.py)."""

from __future__ import annotations

import pytest

from roadinspect.core.review import ReviewedFinding
from roadinspect.core.types import DamageClass, Finding, Severity

SQUARE = "POLYGON ((10 10, 30 10, 30 30, 10 30, 10 10))"


def test_a_stored_finding_gives_its_ids() -> None:
    rf = ReviewedFinding(Finding(DamageClass.POTHOLE, SQUARE, 0.9, "pothole", Severity.LOW, id=7, photo_id=3), None)
    assert (rf.finding_id, rf.photo_id) == (7, 3)


def test_a_finding_not_in_a_project_says_which_id_it_lacks() -> None:
    rf = ReviewedFinding(Finding(DamageClass.CRACK, SQUARE, 0.9, "isolated", Severity.LOW, photo_id=3), None)
    with pytest.raises(ValueError, match="no finding id"):
        _ = rf.finding_id
    assert rf.photo_id == 3
    with pytest.raises(ValueError, match="no photo id"):
        _ = ReviewedFinding(Finding(DamageClass.CRACK, SQUARE, 0.9, "isolated", Severity.LOW, id=1), None).photo_id
