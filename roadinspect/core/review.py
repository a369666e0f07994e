"""Review decisions and their effect: the one home of what an inspector's review does to a finding.

A review (:class:`~roadinspect.core.types.Review`) is an inspector's latest decision on a finding: ``pending``,
``accepted``, ``rejected`` or ``corrected``, with the corrections (class, severity, crack type) and a note. The
app's keys, ``roadinspect review``, the merge of inspectors' parts, the sites, the exports, the placement on a GPX
track and the training set all go through this module.

Rules
-----
* **Deciding** (:func:`next_review`): one action (``accept``, ``reject``, ``damage``, ``severity``, ``kind``,
  ``note``) on the current review gives the next one. A changed class, severity or crack type makes the decision
  ``corrected``; setting them back to the model's values makes it ``accepted`` again; accepting keeps the
  corrections; rejecting keeps them too (accepting the finding again brings them back). A pothole has no crack
  type: changing the class to pothole drops a corrected crack type.
* **Corrections** (:func:`reviewed`): an inspector's value always wins over the model's. The finding takes the
  corrected class, crack type and severity, whatever the decision; a pothole's type is ``pothole``, a crack's is
  one of :data:`~roadinspect.core.types.CRACK_KINDS` (the corrected one, else the finding's, else ``isolated``).
* **Rejection** (:func:`effective_finding`): a rejected finding is not damage, whatever correction it had: it
  counts nowhere (sites, sections, priorities, the report's counts, the training masks). Where a rejected finding
  is still shown with its decision (its outline on the photo, the findings list, the findings layers of the
  exports), it is shown as corrected, by :func:`reviewed`, the same everywhere. (The store keeps a class change's
  new measures and type on the finding itself, so the model's class next to them would contradict them.)
* **Drawn findings**: an outline an inspector draws becomes a finding by
  :func:`roadinspect.core.findings.drawn_finding` (measured as its class, or kept as drawn, unmeasured, when too thin
  to measure), recorded as accepted by them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from roadinspect.core.types import CRACK_KINDS, DamageClass, Finding, Review, ReviewStatus, Severity

ACTIONS = ("accept", "reject", "damage", "severity", "kind", "note")
"""The inspector's actions on a finding (:func:`next_review`)."""


def _corrected(finding: Finding, review: Review | None) -> tuple[DamageClass, str, Severity]:
    """Class, type and severity of ``finding`` with the corrections of ``review`` applied (see the module rules)."""
    damage = review.damage if review is not None and review.damage is not None else finding.damage
    severity = review.severity if review is not None and review.severity is not None else finding.severity
    if damage == DamageClass.POTHOLE:
        kind = "pothole"
    elif review is not None and review.kind in CRACK_KINDS:
        kind = str(review.kind)
    elif finding.kind in CRACK_KINDS:
        kind = finding.kind
    else:
        kind = "isolated"
    return DamageClass(damage), kind, Severity(severity)


def reviewed(finding: Finding, review: Review | None) -> Finding:
    """The finding as the inspector left it: corrections applied, whatever the decision (the finding itself when
    nothing changes). What the photo, the findings list and the exports show next to the decision."""
    damage, kind, severity = _corrected(finding, review)
    if (damage, kind, severity) == (finding.damage, finding.kind, finding.severity):
        return finding
    return replace(finding, damage=damage, kind=kind, severity=severity)


def is_rejected(review: Review | None) -> bool:
    """True when the inspector rejected the finding: it is not damage."""
    return review is not None and review.status == ReviewStatus.REJECTED


def effective_finding(finding: Finding, review: Review | None) -> Finding | None:
    """The damage the finding stands for: None when rejected (whatever its corrections), else :func:`reviewed`."""
    if is_rejected(review):
        return None
    return reviewed(finding, review)


@dataclass(frozen=True)
class ReviewedFinding:
    """A finding with its latest review (a row of the project's findings). ``damage``, ``kind`` and ``severity``
    are the values as corrected (:func:`reviewed`, whatever the decision); :attr:`effective` is the damage it
    stands for (None when rejected)."""

    finding: Finding
    review: Review | None

    @property
    def status(self) -> ReviewStatus:
        """The decision (``pending`` when there is no review)."""
        return self.review.status if self.review else ReviewStatus.PENDING

    @property
    def damage(self) -> DamageClass:
        """The class after correction."""
        return _corrected(self.finding, self.review)[0]

    @property
    def severity(self) -> Severity:
        """The severity after correction."""
        return _corrected(self.finding, self.review)[2]

    @property
    def kind(self) -> str:
        """The type after correction (``pothole`` for a pothole, a crack type of ``CRACK_KINDS`` for a crack)."""
        return _corrected(self.finding, self.review)[1]

    @property
    def shown(self) -> Finding:
        """The finding as corrected (:func:`reviewed`), rejected or not."""
        return reviewed(self.finding, self.review)

    @property
    def effective(self) -> Finding | None:
        """The damage the finding stands for (:func:`effective_finding`): None when rejected."""
        return effective_finding(self.finding, self.review)

    @property
    def finding_id(self) -> int:
        """The finding's id in its project (a finding read from a project always has one)."""
        return _stored(self.finding.id, "finding")

    @property
    def photo_id(self) -> int:
        """The id of the finding's photo in its project."""
        return _stored(self.finding.photo_id, "photo")


def _stored(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"this finding is not in a project: it has no {what} id")
    return value


def next_review(current: Review | None, finding: Finding, *, action: str, value: Any = None) -> Review:
    """The review after one inspector action on a finding (pure; the caller stores it).

    ``action``: ``accept``, ``reject``, ``damage`` (value: DamageClass), ``severity`` (value: Severity),
    ``kind`` (value: a crack type of ``types.CRACK_KINDS``; cracks only), ``note`` (value: str). A changed
    class, severity or crack type makes the decision ``corrected``; setting them back to the model's values
    makes it ``accepted`` again; accepting keeps corrections. Changing the class to pothole drops a corrected
    crack type (a pothole's type is ``pothole``).

    Raises:
        ValueError: an unknown action, or a crack type for a pothole or one that is not a crack type.
    """
    fid = int(finding.id)  # type: ignore[arg-type]  # a finding under review is one of the project: it has an id
    base = current or Review(fid, ReviewStatus.PENDING)
    damage, severity, note, kind = base.damage, base.severity, base.note, base.kind
    status = base.status
    if action == "accept":
        status = ReviewStatus.ACCEPTED
    elif action == "reject":
        status = ReviewStatus.REJECTED
    elif action == "damage":
        damage = DamageClass(value)
        status = ReviewStatus.ACCEPTED
    elif action == "severity":
        severity = Severity(value)
        status = ReviewStatus.ACCEPTED
    elif action == "kind":
        if (damage if damage is not None else finding.damage) != DamageClass.CRACK:
            raise ValueError("only a crack has a crack type")
        if value not in CRACK_KINDS:
            raise ValueError(f"unknown crack type {value!r}; expected one of {', '.join(CRACK_KINDS)}")
        kind = str(value)
        status = ReviewStatus.ACCEPTED
    elif action == "note":
        note = str(value)
    else:
        raise ValueError(f"unknown review action {action!r}; expected one of {', '.join(ACTIONS)}")
    if damage == finding.damage:
        damage = None
    if severity == finding.severity:
        severity = None
    model_kind = finding.kind if finding.kind in CRACK_KINDS else "isolated"
    if (damage if damage is not None else finding.damage) != DamageClass.CRACK or kind == model_kind:
        kind = None
    corrected = damage is not None or severity is not None or kind is not None
    if status == ReviewStatus.ACCEPTED and corrected:
        status = ReviewStatus.CORRECTED
    if status == ReviewStatus.CORRECTED and not corrected and action != "note":
        status = ReviewStatus.ACCEPTED
    return replace(base, status=status, damage=damage, severity=severity, note=note, kind=kind)
