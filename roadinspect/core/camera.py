"""The camera of a project, per camera group, and its findings measured again when it changes (Qt-free).

A finding's ground measures (crack length and widths, pothole area and diameter, ground position, and the
type and severity that follow from them) come from the flat-road camera model (``roadinspect.core.geo``):
the camera's height above the road, its pitch below the horizon and its field of view (each photo's EXIF
35-mm focal length replaces the field of view when it gives one). EXIF never says how high or how tilted a
camera was mounted, so the inspector gives those once per project, at its first import.

Storage (the project's ``meta`` table, read by the app and the command line alike):

* ``camera/height_m``, ``camera/pitch_deg``, ``camera/hfov_deg``: the project's camera, used for every photo
  whose camera group has no camera of its own;
* ``camera/groups``: ``{group: {"height_m": ..., "pitch_deg": ..., "hfov_deg": ...}}``, the groups whose
  camera differs from the project's (two vehicles, a dash camera and a phone in one survey). A group is
  the road region's (``road_region.group_key``: EXIF make and model and the photo's displayed size).

:class:`ProjectCamera` is a :class:`~roadinspect.core.geo.CameraModel` (the project's camera) whose
:meth:`~ProjectCamera.for_photo` gives the camera of the photo's group, so the analysis, the road region,
GPX placement and every measure use the right camera without knowing about groups.

Changing the camera (:func:`change_camera`) measures every finding of the photos whose camera changed again:
each finding's stored outline, as its class after the inspector's correction, under the new camera
(``remeasure.remeasured``; a model finding on the grid the analysis traced it on). Reviews and
corrections are not touched. The work is a plain function with ``progress`` and ``is_cancelled``; nothing is
written until every finding is measured, then the new camera and all the measures go in one transaction
with an audit row per finding (measures before and after) and one for the change, so a cancel leaves the
project as it was. :func:`undo_camera_change` writes the earlier camera and measures back the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from roadinspect.core.geo import CameraModel
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.remeasure import remeasured
from roadinspect.core.road_region import describe_key, group_key
from roadinspect.core.store import MeasureUpdate, Store
from roadinspect.core.types import Photo

HEIGHT, PITCH, HFOV = "camera/height_m", "camera/pitch_deg", "camera/hfov_deg"
CAMERA_KEYS = (HEIGHT, PITCH, HFOV)
"""The project's camera in its meta (the same keys as the user's settings)."""
GROUPS_KEY = "camera/groups"
"""The cameras of the groups that have their own, in the project's meta."""
_FIELDS = {HEIGHT: "height_m", PITCH: "pitch_deg", HFOV: "hfov_deg"}



@dataclass(frozen=True)
class ProjectCamera(CameraModel):
    """The project's camera, with the cameras of the groups that have their own (``groups``: ``(key, camera)``)."""

    groups: tuple[tuple[str, CameraModel], ...] = ()

    @property
    def base(self) -> CameraModel:
        """The project's camera as a plain model."""
        return CameraModel(**{f.name: getattr(self, f.name) for f in fields(CameraModel)})

    def for_group(self, key: str) -> CameraModel:
        """The camera of group ``key`` (the project's when the group has none of its own)."""
        return dict(self.groups).get(key, self.base)

    def for_photo(self, photo: Photo) -> CameraModel:
        """The camera of the photo's group, with the photo's EXIF focal length (``CameraModel.for_photo``)."""
        return self.for_group(group_key(photo)).for_photo(photo)

    def with_group(self, key: str, camera: CameraModel) -> ProjectCamera:
        """This camera with group ``key`` given ``camera`` (no entry of its own when it is the project's)."""
        groups = {k: c for k, c in self.groups if k != key}
        if _values(camera) != _values(self.base):
            groups[key] = CameraModel(**{**vars_of(self.base), **_values(camera)})
        return replace(self, groups=tuple(sorted(groups.items())))

    def with_base(self, camera: CameraModel) -> ProjectCamera:
        """This camera with the project's camera replaced (the groups' own cameras kept)."""
        out = replace(self, height_m=camera.height_m, pitch_deg=camera.pitch_deg, hfov_deg=camera.hfov_deg)
        return replace(out, groups=tuple((k, c) for k, c in out.groups if _values(c) != _values(out.base)))

    def meta(self) -> dict[str, Any]:
        """The project meta values of this camera (``camera/groups`` None when no group has its own)."""
        out: dict[str, Any] = {key: getattr(self, name) for key, name in _FIELDS.items()}
        out[GROUPS_KEY] = {k: {name: getattr(c, name) for name in _FIELDS.values()} for k, c in self.groups} or None
        return out


def vars_of(camera: CameraModel) -> dict[str, Any]:
    """The plain model's fields of ``camera``."""
    return {f.name: getattr(camera, f.name) for f in fields(CameraModel)}


def _values(camera: CameraModel) -> dict[str, float]:
    return {name: float(getattr(camera, name)) for name in _FIELDS.values()}


def read_camera(store: Store, fallback: Mapping[str, Any] | None = None) -> ProjectCamera:
    """The project's camera: its own meta values over ``fallback`` (the user's settings), defaults for the rest;
    the groups' own cameras from ``camera/groups`` (an unusable stored value falls back as the settings do)."""
    from roadinspect.core.settings import setting

    values = {key: setting(key).coerce(store.get_meta(key, (fallback or {}).get(key))) for key in CAMERA_KEYS}
    base = ProjectCamera(**{name: values[key] for key, name in _FIELDS.items()})
    stored = store.get_meta(GROUPS_KEY)
    groups = []
    if isinstance(stored, dict):
        for key, own in sorted(stored.items()):
            if isinstance(own, dict):
                got = {name: setting(k).coerce(own.get(name, values[k])) for k, name in _FIELDS.items()}
                groups.append((str(key), CameraModel(**{**vars_of(base.base), **got})))
    return replace(base, groups=tuple(groups))


def has_camera(store: Store) -> bool:
    """True when the project records a camera of its own (its first import set it)."""
    return any(store.get_meta(key) is not None for key in CAMERA_KEYS)


def pin_camera(store: Store, camera: CameraModel, who: str = "") -> ProjectCamera:
    """Record ``camera`` as the project's (its keys not set yet only; an existing camera is kept). No finding is
    measured again: use this before the first analysis, :func:`change_camera` after."""
    for key, name in _FIELDS.items():
        if store.get_meta(key) is None:
            store.set_meta(key, float(getattr(camera, name)), who=who)
    if isinstance(camera, ProjectCamera) and camera.groups and store.get_meta(GROUPS_KEY) is None:
        store.set_meta(GROUPS_KEY, camera.meta()[GROUPS_KEY], who=who)
    return read_camera(store)


@dataclass(frozen=True)
class CameraGroup:
    """The photos of one camera group of a project: what the import dialog shows and asks."""

    key: str
    photos: int
    focal_35mm: float | None
    """The EXIF 35-mm focal length of its photos (the most common one) when EXIF gives one for every photo of the
    group; None otherwise (the field of view is then needed)."""

    @property
    def name(self) -> str:
        """``Sony HDR-AS300, 3840x2160`` (``unknown camera, 600x600``)."""
        return describe_key(self.key)

    @property
    def model_key(self) -> str:
        """The camera model (EXIF make and model, without the size): the key of the values last used for it."""
        return "|".join(self.key.split("|")[:2])


def camera_groups(photos: Iterable[Photo]) -> list[CameraGroup]:
    """The camera groups of ``photos``, the largest first."""
    members: dict[str, list[Photo]] = {}
    for photo in photos:
        members.setdefault(group_key(photo), []).append(photo)
    out = []
    for key, items in members.items():
        focals = [
            p.camera.focal_length_35mm
            for p in items
            if p.camera.focal_length_35mm is not None and 5.0 <= p.camera.focal_length_35mm <= 2000.0
        ]
        focal = max(set(focals), key=focals.count) if focals and len(focals) == len(items) else None
        out.append(CameraGroup(key, len(items), float(focal) if focal is not None else None))
    return sorted(out, key=lambda g: (-g.photos, g.key))


@dataclass
class CameraChange:
    """What :func:`change_camera` did (or would do).

    ``updates``: the findings measured again (the new values), ``previous``: the same findings as they were
    (for :func:`undo_camera_change`), ``unmeasurable``: findings whose outline could not be measured again
    (kept as they were), ``photos``: photos whose camera changed, ``written``: ids actually written (a finding
    edited meanwhile is skipped), ``cancelled``: nothing was written.
    """

    before: ProjectCamera
    after: ProjectCamera
    updates: list[MeasureUpdate] = field(default_factory=list)
    previous: list[MeasureUpdate] = field(default_factory=list)
    unmeasurable: list[int] = field(default_factory=list)
    photos: int = 0
    written: list[int] = field(default_factory=list)
    cancelled: bool = False


def _scale(settings: dict[str, Any], photo: Photo) -> tuple[float, float] | None:
    """Photo pixels per cell of the grid a model finding was traced on (its analysis's working size)."""
    if "max_side" not in settings or not photo.width or not photo.height:
        return None  # an analysis that did not record it: the outline is measured as a drawn one
    side = settings["max_side"]
    if side is None:
        return 1.0, 1.0  # analysed at full size
    if not isinstance(side, int) or isinstance(side, bool) or side <= 0:
        return None
    factor = min(1.0, side / max(photo.width, photo.height))  # segmenter.working_size (not imported: torch)
    w, h = max(1, round(photo.width * factor)), max(1, round(photo.height * factor))
    return photo.width / w, photo.height / h


def measure_change(
    store: Store,
    after: ProjectCamera,
    before: ProjectCamera | None = None,
    *,
    progress: Progress | None = None,
    is_cancelled: CancelCheck | None = None,
) -> CameraChange:
    """Measure again, under ``after``, every finding of the photos whose camera differs from ``before`` (default:
    the project's current camera). Reads only; ``progress(done, total)`` per finding."""
    before = before if before is not None else read_camera(store)
    change = CameraChange(before, after)
    photos = {r.id: r.photo for r in store.photos(usable_only=False) if r.photo is not None}
    moved = {pid for pid, p in photos.items() if before.for_photo(p) != after.for_photo(p)}
    change.photos = len(moved)
    if len(moved) * 4 < len(photos):  # a few photos (a new camera at import): read only theirs
        todo = [rf for pid in sorted(moved) for rf in store.findings(pid)]
    else:
        todo = [rf for rf in store.findings() if rf.finding.photo_id in moved]
    analysis = store.finding_analysis_settings() if todo else {}
    for done, rf in enumerate(todo):
        if is_cancelled is not None and is_cancelled():
            change.cancelled = True
            return change
        f = rf.finding
        fid, photo = int(f.id or 0), photos[int(f.photo_id or 0)]
        scale = _scale(analysis.get(fid, {}), photo) if f.source == "model" else None
        new = remeasured(f, rf.damage, photo, after, scale)
        if new is None:
            change.unmeasurable.append(fid)
        else:
            change.updates.append(MeasureUpdate(fid, f.polygon_wkt, rf.damage, dict(new.measures), new.kind,
                                                new.severity, new.ground, dict(f.measures)))
            change.previous.append(MeasureUpdate(fid, f.polygon_wkt, rf.damage, dict(f.measures), f.kind,
                                                 f.severity, f.ground, dict(new.measures)))
        if progress is not None:
            progress(done + 1, len(todo))
    return change


def change_camera(
    store: Store,
    after: ProjectCamera,
    who: str = "",
    *,
    progress: Progress | None = None,
    is_cancelled: CancelCheck | None = None,
) -> CameraChange:
    """Give the project the camera ``after`` and measure its findings again (see the module docstring).

    Nothing is written when cancelled (``CameraChange.cancelled``); otherwise the camera and every new measure
    are written in one transaction, audited."""
    change = measure_change(store, after, progress=progress, is_cancelled=is_cancelled)
    if change.cancelled or (is_cancelled is not None and is_cancelled()):
        change.cancelled = True
        return change
    change.written = store.write_measures(
        change.updates,
        after.meta(),
        who,
        reason="camera",
        details={"photos": change.photos, "unmeasurable": change.unmeasurable, "groups": describe_groups(change)},
    )
    return change


def describe_groups(change: CameraChange) -> list[str]:
    """The groups whose camera changed (readable names)."""
    keys = {k for k, _ in change.before.groups} | {k for k, _ in change.after.groups}
    if change.before.base != change.after.base:
        return ["*"] + sorted(describe_key(k) for k in keys)
    return sorted(describe_key(k) for k in keys if change.before.for_group(k) != change.after.for_group(k))


def undo_camera_change(store: Store, change: CameraChange, who: str = "") -> list[int]:
    """Write the camera and the measures from before ``change`` back (one transaction, audited); returns the
    findings written (one edited since is left as it is)."""
    return store.write_measures(
        change.previous, change.before.meta(), who, reason="camera_undo", details={"photos": change.photos}
    )


def redo_camera_change(store: Store, change: CameraChange, who: str = "") -> list[int]:
    """Write ``change`` again after :func:`undo_camera_change`."""
    return store.write_measures(
        change.updates, change.after.meta(), who, reason="camera_redo", details={"photos": change.photos}
    )


__all__ = [
    "CAMERA_KEYS",
    "GROUPS_KEY",
    "CameraChange",
    "CameraGroup",
    "ProjectCamera",
    "camera_groups",
    "change_camera",
    "has_camera",
    "measure_change",
    "pin_camera",
    "read_camera",
    "redo_camera_change",
    "undo_camera_change",
    "vars_of",
]
