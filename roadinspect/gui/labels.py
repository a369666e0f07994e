"""Translated display names of the core's codes (crack types, severities, review statuses, photo states).

The core speaks in stable English codes (``longitudinal``, ``high``, ``accepted``); the GUI shows them
in the interface language. Every name is marked with ``QT_TRANSLATE_NOOP`` so that ``pyside6-lupdate``
puts it in the catalogues, and translated when shown.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from roadinspect.core.types import DamageClass, Finding, ReviewStatus, Severity

KIND_NAMES = {
    "longitudinal": QT_TRANSLATE_NOOP("Labels", "Longitudinal crack"),
    "transverse": QT_TRANSLATE_NOOP("Labels", "Transverse crack"),
    "alligator": QT_TRANSLATE_NOOP("Labels", "Alligator cracking"),
    "isolated": QT_TRANSLATE_NOOP("Labels", "Isolated crack"),
    "pothole": QT_TRANSLATE_NOOP("Labels", "Pothole"),
}
CLASS_NAMES = {
    DamageClass.CRACK: QT_TRANSLATE_NOOP("Labels", "Crack"),
    DamageClass.POTHOLE: QT_TRANSLATE_NOOP("Labels", "Pothole"),
}
SEVERITY_NAMES = {
    Severity.LOW: QT_TRANSLATE_NOOP("Labels", "Low"),
    Severity.MEDIUM: QT_TRANSLATE_NOOP("Labels", "Medium"),
    Severity.HIGH: QT_TRANSLATE_NOOP("Labels", "High"),
}
STATUS_NAMES = {
    ReviewStatus.PENDING: QT_TRANSLATE_NOOP("Labels", "To review"),
    ReviewStatus.ACCEPTED: QT_TRANSLATE_NOOP("Labels", "Accepted"),
    ReviewStatus.REJECTED: QT_TRANSLATE_NOOP("Labels", "Rejected"),
    ReviewStatus.CORRECTED: QT_TRANSLATE_NOOP("Labels", "Corrected"),
}
PHOTO_STATE_NAMES = {
    "pending": QT_TRANSLATE_NOOP("Labels", "Waiting for analysis"),
    "analysed": QT_TRANSLATE_NOOP("Labels", "Analysed"),
    "reviewed": QT_TRANSLATE_NOOP("Labels", "Reviewed"),
    "error": QT_TRANSLATE_NOOP("Labels", "Error"),
    "no_position": QT_TRANSLATE_NOOP("Labels", "No position"),
}
NO_DAMAGE = QT_TRANSLATE_NOOP("Labels", "No damage")
TERM_NAMES = {
    "severity": QT_TRANSLATE_NOOP("Labels", "Severity"),
    "type": QT_TRANSLATE_NOOP("Labels", "Type"),
    "extent": QT_TRANSLATE_NOOP("Labels", "Extent"),
    "confidence": QT_TRANSLATE_NOOP("Labels", "Confidence"),
}
RATING_NAMES = {
    "good": QT_TRANSLATE_NOOP("Labels", "good"),
    "satisfactory": QT_TRANSLATE_NOOP("Labels", "satisfactory"),
    "fair": QT_TRANSLATE_NOOP("Labels", "fair"),
    "poor": QT_TRANSLATE_NOOP("Labels", "poor"),
    "very poor": QT_TRANSLATE_NOOP("Labels", "very poor"),
    "serious": QT_TRANSLATE_NOOP("Labels", "serious"),
    "failed": QT_TRANSLATE_NOOP("Labels", "failed"),
}


def tr(text: object) -> str:
    """Translate a name marked in this module (``QT_TRANSLATE_NOOP`` gives the text typed as ``object``)."""
    return QCoreApplication.translate("Labels", str(text))


def kind_name(kind: str) -> str:
    """``Longitudinal crack`` for ``longitudinal`` (the code itself when unknown)."""
    return tr(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def class_name(damage: DamageClass | int) -> str:
    """``Crack`` / ``Pothole``."""
    damage = DamageClass(damage)
    return tr(CLASS_NAMES[damage]) if damage in CLASS_NAMES else damage.label


def severity_name(severity: Severity | str) -> str:
    """``Low`` / ``Medium`` / ``High``."""
    return tr(SEVERITY_NAMES[Severity(severity)])


def status_name(status: ReviewStatus | str) -> str:
    """``To review`` / ``Accepted`` / ``Rejected`` / ``Corrected``."""
    return tr(STATUS_NAMES[ReviewStatus(status)])


def photo_state_name(state: str) -> str:
    """Display name of a photo state (``pending``, ``analysed``, ``reviewed``, ``error``, ``no_position``)."""
    return tr(PHOTO_STATE_NAMES[state]) if state in PHOTO_STATE_NAMES else state


def term_name(term: str) -> str:
    """Display name of a priority-score term."""
    return tr(TERM_NAMES[term]) if term in TERM_NAMES else term


def rating_name(rating: str) -> str:
    """Display name of a section rating."""
    return tr(RATING_NAMES[rating]) if rating in RATING_NAMES else rating


def number(value: float, decimals: int = 1) -> str:
    """A number in the interface language's format (``1,16`` in French, ``1.16`` in English)."""
    return QLocale().toString(float(value), "f", decimals)


def percent(value: float) -> str:
    """A 0-1 fraction as a whole percentage in the interface language's format (``67 %`` in French)."""
    return QLocale().toString(float(value) * 100.0, "f", 0) + ("\u202f%" if QLocale().language() ==
                                                                QLocale.Language.French else "%")


def size_text(measures: dict[str, float], kind: str) -> str:
    """The main measure of a finding or site: area for potholes and alligator cracking, else length x width."""
    m = measures
    metric = m.get("metric", 0.0) >= 1.0
    if kind in ("pothole", "alligator") and metric and "area_m2" in m:
        return f"{number(m['area_m2'], 2)} m²"
    if metric and "length_m" in m:
        width = m.get("mean_width_m")
        text = f"{number(m['length_m'], 2)} m"
        return text + (f" × {number(width * 1000, 0)} mm" if width else "")
    if "area_px" in m and kind in ("pothole", "alligator"):
        return f"{number(m['area_px'], 0)} px²"
    if "length_px" in m:
        return f"{number(m['length_px'], 0)} px"
    return ""


def finding_label(number: int, finding: Finding, kind: str | None = None) -> str:
    """The short label drawn next to a finding on the photo: ``3 · Pothole``."""
    return f"{number} · {kind_name(kind or finding.kind)}"


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally: stored text (photo names, notes, reviewer names) must
    never be read as rich text (``<img src=...>`` would load a file, ``<a href=...>`` make a link).

    Qt guesses whether a tooltip is rich text (``Qt.mightBeRichText``); escaping alone would then show
    ``&lt;`` literally, so the escaped text is wrapped in ``<qt>`` to be rendered (line breaks kept)."""
    if not text:
        return ""
    return "<qt>" + html.escape(text, quote=False).replace("\n", "<br>") + "</qt>"
