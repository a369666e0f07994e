"""The report's words and number formats in French and English (no Qt: the report is made by core).

``Texts(lang)`` holds the report's fixed strings and formats numbers and dates the way the language
writes them: French ``1 234,5`` (narrow no-break space, decimal comma) and ``29/11/2026``; English
``1,234.5`` and ``29 Nov 2026``. The language of a report is ``fr`` or ``en``; ``system`` (the app's
default setting) becomes French on a French system (:func:`resolve_language`).
"""

from __future__ import annotations

import builtins
import ctypes
import locale
import math
import os
import sys
from datetime import date, datetime

from roadinspect.core.types import Severity

DateTime = datetime  # the type, for annotations inside Texts (whose methods int and datetime shadow the names)

LANGUAGES = ("fr", "en")


def system_language() -> str:
    """``fr`` when the system's language is French, else ``en`` (environment, then Windows, then locale)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return "fr" if value.lower().startswith("fr") else "en"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]  # Windows only
            return "fr" if (langid & 0x3FF) == 0x0C else "en"  # LANG_FRENCH
        except (AttributeError, OSError):
            pass
    name = locale.getlocale()[0] or ""
    return "fr" if name.lower().startswith("fr") else "en"


def resolve_language(setting: str | None) -> str:
    """``fr`` or ``en`` for a language setting (``system``/None/unknown: :func:`system_language`)."""
    value = (setting or "system").strip().lower()
    if value in LANGUAGES:
        return value
    return system_language()


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (French, English)
    "title": ("Rapport d'inspection", "Inspection report"),
    "generated": ("Établi le {date} par RoadInspect {version}", "Made on {date} by RoadInspect {version}"),
    "glance": ("En bref", "At a glance"),
    "survey": ("Relevé", "Survey"),
    "dates": ("Dates", "Dates"),
    "distance": ("Distance parcourue", "Distance driven"),
    "photos": ("Photos", "Photos"),
    "photos_detail": ("{n} photos, {located} localisées, {analysed} analysées",
                      "{n} photos, {located} with a position, {analysed} analysed"),
    "model": ("Modèle", "Model"),
    "model_none": ("aucune analyse enregistrée", "no analysis recorded"),
    "reviewers": ("Revue", "Review"),
    "review_by": ("{who} : {n} décisions ({detail})", "{who}: {n} decisions ({detail})"),
    "review_none": ("aucune décision d'inspecteur", "no inspector decision yet"),
    "unknown_reviewer": ("(sans nom)", "(no name)"),
    "more_reviewers": ("… et {n} autres inspecteurs", "… and {n} other reviewers"),
    "findings_pending": ("{n} constats en attente de revue", "{n} findings awaiting review"),
    "sites_count": ("Chantiers", "Maintenance sites"),
    "by_type": ("Chantiers par type et gravité", "Sites by type and severity"),
    "by_status": ("Chantiers par état de revue", "Sites by review status"),
    "totals": ("Quantités (pour le budget)", "Quantities (for the budget)"),
    "type": ("Type", "Type"),
    "total": ("Total", "Total"),
    "quantity": ("Quantité", "Quantity"),
    "unmeasured": ("{n} chantiers non mesurables sur la chaussée (trop loin ou sans modèle de caméra) : comptés, "
                   "pas mesurés", "{n} sites not measurable on the road (too far or no camera model): counted, "
                   "not measured"),
    "q_pothole": ("Nids de poule (surface)", "Potholes (area)"),
    "q_alligator": ("Faïençage (surface)", "Alligator cracking (area)"),
    "q_cracks": ("Fissures (longueur)", "Cracks (length)"),
    "rejected_count": ("{n} constats rejetés par un inspecteur (hors liste)",
                       "{n} findings rejected by an inspector (not listed)"),
    "clean": ("Aucun défaut retenu : la route relevée est sans chantier d'entretien.",
              "No damage retained: the surveyed road has no maintenance site."),
    "clean_sections": ("Ses {n} tronçons sont notés 100/100.", "Its {n} sections all score 100/100."),
    "clean_sections_1": ("Son tronçon est noté 100/100.", "Its section scores 100/100."),
    "map": ("Carte du relevé", "Map of the survey"),
    "base_map_credit": ("Fond de carte : {credit} (fichier {name}).", "Base map: {credit} (file {name})."),
    "base_map_unused": ("Fond de carte non dessiné : {reason}", "Base map not drawn: {reason}"),
    "no_map": ("Pas de carte : aucune photo de ce relevé n'a de position GPS (ni EXIF, ni trace GPX).",
               "No map: no photo of this survey has a GPS position (neither EXIF nor a GPX track)."),
    "map_legend": ("Tracé coloré par état du tronçon ; chantiers numérotés par rang de priorité (les fiches). "
                   "Projection métrique locale (Lambert azimutale équivalente), nord en haut.",
                   "Track coloured by section condition; sites numbered by priority rank (the cards). Local "
                   "metric projection (Lambert azimuthal equal-area), north up."),
    "profile": ("Profil d'état", "Condition profile"),
    "profile_legend": ("Note d'état 0-100 de chaque tronçon le long du parcours, sur les bandes des classes "
                       "d'état ; les tronçons les plus dégradés sont nommés.",
                       "0-100 condition score of each section along the route, over the rating bands; the worst "
                       "sections are named."),
    "profile_axis": ("distance le long du parcours", "distance along the route"),
    "no_profile": ("Pas de profil : le parcours n'a aucun tronçon (moins de deux photos localisées).",
                   "No profile: the route has no section (fewer than two photos with a position)."),
    "sections": ("Tronçons", "Sections"),
    "section": ("Tronçon", "Section"),
    "extent": ("Étendue", "Extent"),
    "score": ("Note", "Score"),
    "rating": ("État", "Rating"),
    "sites": ("Chantiers", "Sites"),
    "mean_condition": ("{n} tronçons, note moyenne {mean}/100", "{n} sections, mean score {mean}/100"),
    "mean_condition_1": ("1 tronçon, note {mean}/100", "1 section, score {mean}/100"),
    "mean_kpi": ("note d'état moyenne", "mean condition score"),
    "list": ("Chantiers par ordre de priorité", "Maintenance sites in priority order"),
    "list_intro": ("Chantiers confirmés par un inspecteur d'abord, puis ceux en attente de revue ; dans chaque "
                   "groupe, par rang de priorité. Les {n} premiers en fiches, les autres dans le tableau.",
                   "Sites confirmed by an inspector first, then those awaiting review; in each group by "
                   "priority rank. The first {n} as cards, the others in the table."),
    "list_intro_all": ("Chantiers confirmés par un inspecteur d'abord, puis ceux en attente de revue ; dans chaque "
                       "groupe, par rang de priorité.",
                       "Sites confirmed by an inspector first, then those awaiting review; in each group by "
                       "priority rank."),
    "rest": ("Autres chantiers", "Other sites"),
    "rank": ("Rang", "Rank"),
    "site": ("Chantier", "Site"),
    "severity": ("Gravité", "Severity"),
    "status": ("Revue", "Review"),
    "position": ("Position", "Position"),
    "measures": ("Mesures", "Measures"),
    "photos_of_site": ("Photos", "Photos"),
    "notes": ("Notes", "Notes"),
    "confidence": ("confiance", "confidence"),
    "score_terms": ("Termes de la note", "Score terms"),
    "term": ("terme", "term"),
    "points": ("points", "points"),
    "road_class": ("classe de route", "road class"),
    "no_photo": ("Pas de photo enregistrée pour ce constat.", "No photo recorded for this finding."),
    "photo_missing": ("Photo indisponible : {name}", "Photo not available: {name}"),
    "not_measurable": ("Non mesurable sur la chaussée (trop loin ou sans modèle de caméra)",
                       "Not measurable on the road (too far or no camera model)"),
    "length": ("Longueur", "Length"),
    "mean_width": ("Largeur moyenne", "Mean width"),
    "max_width": ("Largeur max.", "Max width"),
    "area": ("Surface", "Area"),
    "diameter": ("Diamètre", "Diameter"),
    "uncertainty": ("Incertitude", "Uncertainty"),
    "unknown_position": ("inconnue", "unknown"),
    "section_of_site": ("tronçon", "section"),
    "rejected": ("Constats rejetés", "Rejected findings"),
    "rejected_intro": ("Constats que l'inspecteur a rejetés (fausses détections) : ils ne font pas partie de la "
                       "liste d'entretien.", "Findings an inspector rejected (false detections): they are not "
                       "part of the maintenance list."),
    "finding": ("Constat", "Finding"),
    "photo": ("Photo", "Photo"),
    "reviewer": ("Inspecteur", "Reviewer"),
    "method": ("Méthode", "Method"),
    "method_text": ("Note de priorité : gravité + type + étendue + confiance (pondérations de l'utilisateur), "
                    "multipliée par le facteur de classe de route. Note d'état des tronçons : 100 moins les "
                    "déductions par type et gravité (esprit PCI ASTM D6433 / IQRN). Mesures : modèle de caméra "
                    "sur route plane, avec leur incertitude.",
                    "Priority score: severity + type + extent + confidence (the user's weights), times the "
                    "road-class factor. Section condition score: 100 less the deducts of each type and severity "
                    "(in the spirit of PCI ASTM D6433 / IQRN). Measures: flat-road camera model, with their "
                    "uncertainty."),
    "page": ("Page {page} / {pages}", "Page {page} of {pages}"),
    "report_of": ("{title} — {name}", "{title} — {name}"),
    "low": ("faible", "low"),
    "medium": ("moyenne", "medium"),
    "high": ("élevée", "high"),
    "pending": ("en attente", "pending"),
    "accepted": ("acceptés", "accepted"),
    "corrected": ("corrigés", "corrected"),
    "rejected_s": ("rejetés", "rejected"),
    "st_pending": ("en attente", "pending"),
    "st_accepted": ("accepté", "accepted"),
    "st_corrected": ("corrigé", "corrected"),
    "st_rejected": ("rejeté", "rejected"),
    "t_severity": ("gravité", "severity"),
    "t_type": ("type", "type"),
    "t_extent": ("étendue", "extent"),
    "t_confidence": ("confiance", "confidence"),
    "confirmed": ("confirmé par un inspecteur", "confirmed by an inspector"),
    "model_conf": ("modèle {value}", "model {value}"),
    "of_image": ("{value} de l'image", "{value} of the image"),
}

_KIND_NAMES = {
    "fr": {"longitudinal": "fissure longitudinale", "transverse": "fissure transversale", "alligator": "faïençage",
           "isolated": "fissure isolée", "pothole": "nid de poule"},
    "en": {"longitudinal": "longitudinal crack", "transverse": "transverse crack", "alligator": "alligator cracking",
           "isolated": "isolated crack", "pothole": "pothole"},
}
_RATING_NAMES = {
    "fr": {"good": "bon", "satisfactory": "satisfaisant", "fair": "moyen", "poor": "médiocre",
           "very poor": "mauvais", "serious": "très mauvais", "failed": "ruiné"},
    "en": {"good": "good", "satisfactory": "satisfactory", "fair": "fair", "poor": "poor",
           "very poor": "very poor", "serious": "serious", "failed": "failed"},
}

_WORDS = {
    "fr": {"crack": "fissure", "severities": "gravité faible, moyenne, élevée"},
    "en": {"crack": "crack", "severities": "severity low, medium, high"},
}


class Texts:
    """Strings and number/date formats of one language (``fr`` or ``en``)."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown report language {lang!r}; choose from {', '.join(LANGUAGES)}")
        self.lang = lang
        self._i = 0 if lang == "fr" else 1

    def __call__(self, key: str, **values: object) -> str:
        if values.get("n") in (1, "1") and f"{key}_1" in _STRINGS:
            key = f"{key}_1"  # the singular
        text = _STRINGS[key][self._i]
        return text.format(**values) if values else text

    # ------------------------------------------------------------------ numbers
    def num(self, value: float, digits: int = 1) -> str:
        """``value`` with ``digits`` decimals, grouped thousands, the language's decimal mark."""
        if value is None or not math.isfinite(value):
            return "—"
        text = f"{value:,.{digits}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def int(self, value: int) -> str:
        """An integer with grouped thousands."""
        return self.num(float(value), 0)

    def pct(self, fraction: float, digits: builtins.int = 0) -> str:
        """A fraction as a percentage (``12 %`` in French, ``12%`` in English)."""
        return self.num(fraction * 100.0, digits) + ("\u202f%" if self.lang == "fr" else "%")

    def unit(self, value: float, unit: str, digits: builtins.int = 1) -> str:
        """A number and its unit separated by a no-break space."""
        return f"{self.num(value, digits)}\u00a0{unit}"

    # ------------------------------------------------------------------ dates
    def date(self, d: date | datetime | None) -> str:
        """``29/11/2026`` (French) or ``29 Nov 2026`` (English); an aware time in the computer's time zone."""
        if d is None:
            return "—"
        if isinstance(d, datetime) and d.tzinfo is not None:
            d = d.astimezone()
        if self.lang == "fr":
            return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year:04d}"

    def datetime(self, t: datetime | None) -> str:
        """Date and ``HH:MM`` (24 h)."""
        if t is None:
            return "—"
        if t.tzinfo is not None:
            t = t.astimezone()
        return f"{self.date(t)} {t.hour:02d}:{t.minute:02d}"

    def date_span(self, first: DateTime | None, last: DateTime | None) -> str:
        """``29/11/2026`` or ``28/11/2026 – 29/11/2026`` (one date when both fall on the same day)."""
        a, b = self.date(first), self.date(last)
        return a if a == b else f"{a} – {b}"

    # ------------------------------------------------------------------ names
    def kind(self, kind: str) -> str:
        """Name of a damage type."""
        return _KIND_NAMES[self.lang].get(kind, kind)

    def rating(self, rating: str) -> str:
        """Name of a section rating."""
        return _RATING_NAMES[self.lang].get(rating, rating)

    def severity(self, severity: Severity | str) -> str:
        """Name of a severity."""
        return self(Severity(severity).value)

    def word(self, key: str) -> str:
        """A short word of the figures' legends."""
        return _WORDS[self.lang][key]

    def status(self, status: str) -> str:
        """Name of a review status (singular)."""
        return self(f"st_{status}")
