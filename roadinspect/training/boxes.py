"""Box-labelled road photos (RDD2022 layout): reading, validation and the fixed held-out split.

A box-labelled folder holds ``images/<name>.jpg`` and ``boxes.json``::

    {"classes": {"D00": "longitudinal crack", ...},
     "images": {"<name>.jpg": {"width": 600, "height": 600,
                               "boxes": [["D00", x0, y0, x1, y1], ...]}, ...}}

Coordinates are pixels of the stored image (before any EXIF rotation; RDD2022 photos carry none).
Damage codes map to the model's classes by :data:`DAMAGE_CODES`: D00 longitudinal, D10 transverse and
D20 alligator cracking are cracks, D40 is a pothole. Other codes that RDD2022 uses for things that
are *not* damage (``Repair``, ``D43`` crosswalk blur, ``D44`` line blur, ``D50`` manhole cover) are
known and kept, but never count as damage. Any other code is an error.

The held-out split (:func:`rdd_split`) is one function shared by ``train`` (which leaves the held-out
photos out) and ``evaluate`` (which scores only them): 20 % of the photos, chosen by a seeded hash of
the file name, so it does not depend on the order of the file or on the other photos.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from roadinspect.core.types import DamageClass

DAMAGE_CODES: dict[str, DamageClass] = {
    "D00": DamageClass.CRACK,  # longitudinal crack
    "D10": DamageClass.CRACK,  # transverse crack
    "D20": DamageClass.CRACK,  # alligator cracking
    "D40": DamageClass.POTHOLE,
}
"""RDD2022 damage codes and the model class each one is."""

OTHER_CODES = frozenset({"Repair", "D43", "D44", "D50"})
"""RDD2022 codes of things that look like damage but are not (never scored as damage)."""

BOX_SPLIT_SEED = 20261129
"""Seed of the held-out split of box-labelled photos (stated in the model card)."""
BOX_HELD_OUT = 0.20
"""Share of box-labelled photos kept out of training for evaluation."""


class BoxesError(ValueError):
    """A ``boxes.json`` that cannot be used; the message is one line naming the file and entry."""


@dataclass(frozen=True)
class Box:
    """One damage box in pixels of the stored image: ``code`` (e.g. ``D40``) and ``x0 < x1``, ``y0 < y1``."""

    code: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def damage(self) -> DamageClass | None:
        """The model class this box marks, or ``None`` for a non-damage code."""
        return DAMAGE_CODES.get(self.code)


@dataclass(frozen=True)
class BoxedImage:
    """One photo of a box-labelled folder: its path, stored size and boxes (all codes)."""

    name: str
    path: Path
    width: int
    height: int
    boxes: tuple[Box, ...]

    def damage_boxes(self, cls: DamageClass | None = None) -> list[Box]:
        """The boxes that mark damage (of class ``cls`` when given)."""
        return [b for b in self.boxes if b.damage is not None and (cls is None or b.damage == cls)]


def read_boxes(folder: Path) -> list[BoxedImage]:
    """Read and check ``folder/boxes.json`` against ``folder/images``; sorted by name.

    Raises:
        BoxesError: missing or malformed file, an unknown code, a box outside its image or empty,
            an entry whose image is missing. One line naming the file and the entry.
    """
    folder = Path(folder)
    path = folder / "boxes.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BoxesError(f"{path}: no such file (a box-labelled folder needs images/ and boxes.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoxesError(f"{path}: not readable JSON ({exc})") from None
    entries = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        raise BoxesError(f"{path}: expected an object with an \"images\" object")
    images: list[BoxedImage] = []
    for name in sorted(entries):
        entry = entries[name]
        where = f"{path}: entry {name!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("boxes"), list):
            raise BoxesError(f"{where}: expected {{\"width\", \"height\", \"boxes\": [...]}}")
        width, height = entry.get("width"), entry.get("height")
        if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
            raise BoxesError(f"{where}: width and height must be positive integers")
        image_path = folder / "images" / name
        if Path(name).name != name or not image_path.is_file():
            raise BoxesError(f"{where}: image {image_path} is missing")
        boxes = []
        for i, raw in enumerate(entry["boxes"]):
            if not (isinstance(raw, list) and len(raw) == 5 and isinstance(raw[0], str)
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw[1:])):
                raise BoxesError(f"{where}, box {i}: expected [code, x0, y0, x1, y1]")
            code, x0, y0, x1, y1 = raw[0], *(float(v) for v in raw[1:])
            if code not in DAMAGE_CODES and code not in OTHER_CODES:
                raise BoxesError(f"{where}, box {i}: unknown class {code!r} (known: "
                                 f"{', '.join(sorted(DAMAGE_CODES) + sorted(OTHER_CODES))})")
            if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
                raise BoxesError(f"{where}, box {i}: [{x0:g}, {y0:g}, {x1:g}, {y1:g}] is empty or outside "
                                 f"the {width}x{height} image")
            boxes.append(Box(code, x0, y0, x1, y1))
        images.append(BoxedImage(name, image_path, width, height, tuple(boxes)))
    return images


def _unit_hash(text: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_held_out(name: str, seed: int = BOX_SPLIT_SEED, fraction: float = BOX_HELD_OUT) -> bool:
    """Whether the photo called ``name`` (file name only) is in the held-out part."""
    return _unit_hash(Path(name).name, seed) < fraction


def rdd_split(names: list[str], seed: int = BOX_SPLIT_SEED,
              fraction: float = BOX_HELD_OUT) -> dict[str, list[str]]:
    """``{"train": [...], "val": [...]}``: the held-out split of box-labelled photos (see the module)."""
    parts: dict[str, list[str]] = {"train": [], "val": []}
    for name in names:
        parts["val" if is_held_out(name, seed, fraction) else "train"].append(name)
    return parts
