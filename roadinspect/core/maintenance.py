"""The maintenance list of a project: sites, their ranks and scores, and road sections, derived together.

Nothing here is stored: the list is recomputed from photos, findings and reviews whenever it is
needed (the GUI's list, the exports, ``roadinspect info``), so a new review or new priority weights
show at once and nothing can get out of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from roadinspect.core.priority import PriorityWeights, RankedSite, rank_sites
from roadinspect.core.review import reviewed
from roadinspect.core.sections import Section, SectionSettings, build_sections, site_sections
from roadinspect.core.sites import SiteSettings, build_sites
from roadinspect.core.types import Finding, GeoPoint, Photo, Review, ReviewStatus


@dataclass(frozen=True)
class ProjectData:
    """What the derivations read from a project: photos by id, findings (with ids) and latest reviews.

    ``models`` maps each model that analysed photos of the project to the number of photos whose
    findings it recorded (the report's survey summary; empty when not known). ``changed`` maps the id
    of a photo whose file now holds another photo (``Store.changed``) to the reason: its findings
    count, but its file must not be shown under them.
    """

    photos: Mapping[int, Photo]
    findings: Sequence[Finding]
    reviews: Mapping[int, Review] = field(default_factory=dict)
    name: str = ""
    models: Mapping[str, int] = field(default_factory=dict)
    changed: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MaintenanceList:
    """Ranked sites (rank order), sections (track order) and the section of each site."""

    ranked: list[RankedSite]
    sections: list[Section]
    site_section: dict[str, str]

    @property
    def site_count(self) -> int:
        """Number of maintenance sites."""
        return len(self.ranked)


@dataclass(frozen=True)
class ListedFinding:
    """One finding as the exports list it: its review, its values as reviewed (:func:`reviewed`: corrected,
    rejected or not), its photo, its ground point (the photo's position when it has none) and its site."""

    finding: Finding
    review: Review | None
    effective: Finding
    photo: Photo | None
    ground: GeoPoint | None
    site_id: str | None

    @property
    def status(self) -> ReviewStatus:
        """The review status (pending when not reviewed)."""
        return self.review.status if self.review is not None else ReviewStatus.PENDING

    @property
    def position(self) -> str | None:
        """Where ``ground`` comes from: ``ground`` (the finding's own), ``photo`` or None (no position)."""
        return "ground" if self.finding.ground is not None else ("photo" if self.ground is not None else None)


def listed_findings(data: ProjectData, mlist: MaintenanceList, by_id: bool = True) -> list[ListedFinding]:
    """Every finding of ``data`` as the exports list it (``by_id``: in id order, else in ``data``'s order)."""
    site_of = {fid: r.site.id for r in mlist.ranked for fid in r.site.finding_ids}
    findings = sorted(data.findings, key=lambda f: (f.id is None, f.id)) if by_id else data.findings
    out = []
    for f in findings:
        review = data.reviews.get(f.id) if f.id is not None else None
        photo = data.photos.get(f.photo_id) if f.photo_id is not None else None
        ground = f.ground if f.ground is not None else (photo.position if photo else None)
        out.append(ListedFinding(f, review, reviewed(f, review), photo, ground,
                                 site_of.get(f.id) if f.id is not None else None))
    return out


def build_maintenance_list(
    data: ProjectData,
    weights: PriorityWeights | None = None,
    site_settings: SiteSettings | None = None,
    section_settings: SectionSettings | None = None,
) -> MaintenanceList:
    """Sites from findings and reviews, ranked by priority, and the scored road sections."""
    sites = build_sites(data.photos, data.findings, data.reviews, site_settings or SiteSettings())
    ranked = rank_sites(sites, weights or PriorityWeights())
    sections = build_sections(data.photos.values(), sites, section_settings or SectionSettings())
    return MaintenanceList(ranked=ranked, sections=sections, site_section=site_sections(sections))


def count_sites(photos: Mapping[int, Photo], findings: Iterable[Finding], reviews: Mapping[int, Review]) -> int:
    """Number of maintenance sites (for summaries such as ``roadinspect info``)."""
    return len(build_sites(photos, list(findings), reviews))
