"""Undoable review actions (QUndoCommand): each writes to the project at once, undo writes the old state back.

Every command calls :class:`roadinspect.gui.project.ProjectSession`, which commits one store transaction
(with its audit row) per call, so an action is durable the moment it is made, and so is its undo.
Consecutive notes on the same finding merge into one undo step.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from roadinspect.core.review import next_review
from roadinspect.core.types import DamageClass, Finding, Review, Severity
from roadinspect.gui import labels
from roadinspect.gui.project import ProjectSession

_NOTE_ID = 1001


def finding_number(session: ProjectSession, finding_id: int) -> int:
    """The finding's number in its photo, as the findings panel and the photo's labels show it (from 1)."""
    rf = session.finding(finding_id)
    ids = [item.finding.id for item in session.findings(rf.photo_id)]
    return ids.index(finding_id) + 1 if finding_id in ids else finding_id


class ReviewCommand(QUndoCommand):
    """Accept, reject, change class, severity or crack type, or annotate one finding."""

    def __init__(self, session: ProjectSession, finding_id: int, action: str, value: object = None) -> None:
        super().__init__()
        self.session = session
        self.finding_id = finding_id
        current = session.finding(finding_id)
        self.before: Review | None = current.review
        self.after = next_review(current.review, current.finding, action=action, value=value)
        self.action = action
        texts = {
            "accept": QCoreApplication.translate("Commands", "Accept finding {n}"),
            "reject": QCoreApplication.translate("Commands", "Reject finding {n}"),
            "damage": QCoreApplication.translate("Commands", "Change finding {n} to {v}"),
            "severity": QCoreApplication.translate("Commands", "Set severity of finding {n} to {v}"),
            "kind": QCoreApplication.translate("Commands", "Set the crack type of finding {n} to {v}"),
            "note": QCoreApplication.translate("Commands", "Note on finding {n}"),
        }
        shown = ""
        if action == "damage":
            shown = labels.class_name(cast(DamageClass, value))
        elif action == "severity":
            shown = labels.severity_name(cast(Severity, value))
        elif action == "kind":
            shown = labels.kind_name(str(value))
        self.setText(texts[action].format(n=finding_number(session, finding_id), v=shown))

    def redo(self) -> None:
        """Write the new decision."""
        self.session.put_review(self.finding_id, self.after)

    def undo(self) -> None:
        """Write the earlier decision back (pending when there was none)."""
        self.session.put_review(self.finding_id, self.before)

    def id(self) -> int:
        """Notes merge (typing a note is one undo step)."""
        return _NOTE_ID if self.action == "note" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Merge a following note on the same finding."""
        if not isinstance(other, ReviewCommand) or other.finding_id != self.finding_id or other.action != "note":
            return False
        self.after = other.after
        return True


class ClassChangeCommand(ReviewCommand):
    """A change of class (crack <-> pothole) with the outline measured again as the new class: the decision is
    recorded as any other (its own audit row), then the new measures, type and severity with it (an audit row
    with the measures before and after); undo writes both back the same way."""

    def __init__(self, session: ProjectSession, finding_id: int, damage: object, measured: Finding) -> None:
        super().__init__(session, finding_id, "damage", damage)
        self.before_finding = session.finding(finding_id).finding
        self.measured = measured

    def redo(self) -> None:
        """Store the new decision, then the new measures (the decision kept as it is)."""
        self.session.put_review(self.finding_id, self.after)
        self.session.set_geometry(self.finding_id, self.measured, self.after, restore_review=True)

    def undo(self) -> None:
        """Put the earlier measures back, then the earlier decision."""
        self.session.set_geometry(self.finding_id, self.before_finding, self.before, restore_review=True)
        self.session.put_review(self.finding_id, self.before)


class GeometryCommand(QUndoCommand):
    """A mask correction: the finding's new outline with its recomputed measures, type and severity."""

    def __init__(self, session: ProjectSession, finding_id: int, corrected: Finding) -> None:
        super().__init__(QCoreApplication.translate("Commands", "Correct the mask of finding {n}").format(
            n=finding_number(session, finding_id)))
        self.session = session
        self.finding_id = finding_id
        current = session.finding(finding_id)
        self.before_finding = current.finding
        self.before_review = current.review
        self.after = corrected

    def redo(self) -> None:
        """Store the corrected outline (the decision becomes ``corrected``)."""
        self.session.set_geometry(self.finding_id, self.after)

    def undo(self) -> None:
        """Put the earlier outline, values and decision back (one transaction)."""
        self.session.set_geometry(self.finding_id, self.before_finding, self.before_review, restore_review=True)


class AddFindingCommand(QUndoCommand):
    """A finding the model missed, drawn by the inspector (recorded as accepted by them)."""

    def __init__(self, session: ProjectSession, photo_id: int, finding: Finding) -> None:
        super().__init__(QCoreApplication.translate("Commands", "Add a missed finding ({kind})").format(
            kind=labels.kind_name(finding.kind)))
        self.session = session
        self.photo_id = photo_id
        self.finding = finding
        self.finding_id: int | None = None

    def redo(self) -> None:
        """Record the drawn finding."""
        self.finding_id = self.session.add_finding(self.photo_id, self.finding)

    def undo(self) -> None:
        """Remove it again."""
        if self.finding_id is not None:
            self.session.delete_finding(self.finding_id)
            self.finding_id = None
