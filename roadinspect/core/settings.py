"""The user's settings: one declaration per setting (key, type, default, description), Qt-free.

The GUI stores the values with ``QSettings`` and builds its Settings dialog from :data:`SETTINGS`;
the core reads them through :func:`camera_model` / :func:`section_length` / :func:`priority_weights`
from a plain ``{key: value}`` mapping, so tests and the command line need no Qt. Values read back
from a settings backend may come as strings (INI files): :meth:`Setting.coerce` turns them into the
declared type and falls back to the default for anything unusable, so a hand-edited file can never
crash the app.
"""

from __future__ import annotations

import getpass
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roadinspect.core.geo import CameraModel
from roadinspect.core.priority import PriorityWeights
from roadinspect.core.tiles import DEFAULT_ATTRIBUTION, DEFAULT_TILE_URL


@dataclass(frozen=True)
class Setting:
    """One user setting.

    Attributes:
        key: storage key, ``group/name`` (the group is the Settings dialog's tab).
        type: ``str``, ``int``, ``float`` or ``bool``.
        default: the value used when none is stored (or the stored one is unusable).
        label: short English label (translated by the GUI).
        description: one sentence shown as a tooltip.
        minimum, maximum: bounds for numbers (inclusive).
        choices: allowed values for a string setting (``None``: free text).
        unit: unit shown after numbers (``m``, ``°``).
    """

    key: str
    type: type
    default: Any
    label: str
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""

    @property
    def group(self) -> str:
        """The part of the key before the slash."""
        return self.key.split("/", 1)[0]

    def coerce(self, value: Any) -> Any:
        """``value`` converted to :attr:`type` and checked; the default when it is missing or unusable."""
        if value is None:
            return self.default
        try:
            if self.type is bool:
                if isinstance(value, str):
                    lowered = value.strip().lower()
                    if lowered in {"true", "1", "yes", "on"}:
                        out: Any = True
                    elif lowered in {"false", "0", "no", "off", ""}:
                        out = False
                    else:
                        return self.default
                else:
                    out = bool(value)
            elif self.type is int:
                out = int(float(value))
            elif self.type is float:
                out = float(value)
                if not math.isfinite(out):
                    return self.default
            else:
                out = str(value)
        except (TypeError, ValueError):
            return self.default
        if self.minimum is not None and out < self.minimum:
            return self.default
        if self.maximum is not None and out > self.maximum:
            return self.default
        if self.choices is not None and out not in self.choices:
            return self.default
        return out


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises various errors when no user name is known
        return ""


_CAMERA = CameraModel()
_WEIGHTS = PriorityWeights()

SETTINGS: tuple[Setting, ...] = (
    Setting("review/reviewer", str, _default_reviewer(), "Reviewer name",
            "Name recorded with every review decision and in the audit log."),
    Setting("general/language", str, "system", "Language",
            "Language of the interface: the system's language, French or English.",
            choices=("system", "fr", "en")),
    Setting("map/online_tiles", bool, False, "Online map tiles",
            "Download the map's background from the tile server below; that server then sees which area you "
            "look at. Off: the map works offline."),
    Setting("map/tile_url", str, DEFAULT_TILE_URL, "Tile server address",
            "Address of the tiles with {z}, {x} and {y}: OpenStreetMap, your département's server or Plan IGN."),
    Setting("map/attribution", str, DEFAULT_ATTRIBUTION, "Tile credit",
            "Credit line shown on the map for the online tiles (most servers require one)."),
    Setting("map/cache_mb", int, 200, "Tile cache size",
            "Disk space the downloaded tiles may take; the oldest are removed first (0: keep none).",
            minimum=0, maximum=10000, unit="MB"),
    Setting("map/cache_days", int, 30, "Tile cache expiry",
            "Downloaded tiles older than this are fetched again.", minimum=1, maximum=365, unit="days"),
    Setting("map/base_map_file", str, "", "Offline base map",
            "An MBTiles or GeoPackage tile file drawn behind the map with no network (empty: none)."),
    Setting("camera/height_m", float, _CAMERA.height_m, "Camera height",
            "Height of the camera above the road (flat-road model used for metric measures).",
            minimum=0.2, maximum=5.0, unit="m"),
    Setting("camera/pitch_deg", float, _CAMERA.pitch_deg, "Camera pitch",
            "Angle of the camera below the horizon (0 = looking at the horizon, 90 = straight down).",
            minimum=0.0, maximum=90.0, unit="°"),
    Setting("camera/hfov_deg", float, _CAMERA.hfov_deg, "Horizontal field of view",
            "Used when the photos' EXIF gives no 35-mm-equivalent focal length.",
            minimum=10.0, maximum=170.0, unit="°"),
    Setting("sections/length_m", float, 100.0, "Section length",
            "Length of the road sections that get a condition score.",
            minimum=10.0, maximum=5000.0, unit="m"),
    Setting("priority/severity", float, _WEIGHTS.severity, "Severity weight",
            "Points of the priority score given by the severity (high = full weight).",
            minimum=0.0, maximum=1000.0),
    Setting("priority/type", float, _WEIGHTS.type, "Type weight",
            "Points given by the damage type (pothole = full weight, then alligator, transverse, longitudinal).",
            minimum=0.0, maximum=1000.0),
    Setting("priority/extent", float, _WEIGHTS.extent, "Extent weight",
            "Points given by the size of the damage (crack length, alligator or pothole area).",
            minimum=0.0, maximum=1000.0),
    Setting("priority/confidence", float, _WEIGHTS.confidence, "Confidence weight",
            "Points given by the model's confidence (full weight once an inspector confirmed the site).",
            minimum=0.0, maximum=1000.0),
    Setting("priority/road_class_factor", float, _WEIGHTS.road_class_factor, "Road class factor",
            "Multiplies every score: e.g. 1.2 for a main road, 0.8 for a lane.",
            minimum=0.0, maximum=10.0),
)
"""Every setting, in the order of the Settings dialog."""

_BY_KEY = {s.key: s for s in SETTINGS}


def setting(key: str) -> Setting:
    """The declaration of ``key`` (KeyError when unknown)."""
    return _BY_KEY[key]


def defaults() -> dict[str, Any]:
    """``{key: default}`` for every setting."""
    return {s.key: s.default for s in SETTINGS}


def resolve(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting's value from ``values`` (coerced), defaults for the missing or unusable ones."""
    return {s.key: s.coerce(values.get(s.key)) for s in SETTINGS}


def camera_model(values: Mapping[str, Any]) -> CameraModel:
    """The flat-road camera model configured in ``values``."""
    v = resolve(values)
    return CameraModel(height_m=v["camera/height_m"], pitch_deg=v["camera/pitch_deg"], hfov_deg=v["camera/hfov_deg"])


def section_length(values: Mapping[str, Any]) -> float:
    """Configured road-section length in metres."""
    return float(resolve(values)["sections/length_m"])


def priority_weights(values: Mapping[str, Any]) -> PriorityWeights:
    """The priority weights configured in ``values`` (other score constants keep their defaults)."""
    v = resolve(values)
    names = ("severity", "type", "extent", "confidence", "road_class_factor")
    return PriorityWeights.from_dict({name: v[f"priority/{name}"] for name in names})


def reviewer(values: Mapping[str, Any]) -> str:
    """Configured reviewer name (may be empty)."""
    return str(resolve(values)["review/reviewer"]).strip()


__all__ = [
    "SETTINGS", "Setting", "camera_model", "defaults", "priority_weights", "resolve", "reviewer", "section_length",
    "setting",
]
