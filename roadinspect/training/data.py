"""Dataset folders in the shared layout, their validation split, and augmented training crops.

A dataset folder holds ``images/<stem>.jpg`` and ``masks/<stem>.png`` (0 background, 1 crack,
2 pothole, 255 ignore). Which classes a dataset annotates is read from an optional
``roadinspect-dataset.json`` (``{"annotated": ["crack", "pothole"]}``); without it, a class with no
pixel anywhere in the dataset (``manifest.csv`` counts, else the masks themselves) is taken as *not
annotated*, and its pixels labelled 0 are not taught as background (see ``losses.py``).

Validation split (deterministic, seeded): survey-vehicle frames named
``<frame>_<road segment>_<position>`` are split by whole stretches of 500 position units, and a
training frame within 30 units of a validation frame of the same segment is left out, so no
overlapping view is shared. Other datasets are split image by image.

Box-labelled photos (``training/boxes.py``) become weak :class:`Sample` s through :func:`box_sample`: a mask
that is background outside every damage box and ignored inside, and a box map that travels through
the same crop transform for the box-projection loss (``losses.py``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from roadinspect.core.types import IGNORE_LABEL, DamageClass

SPLIT_SEED = 20251125
VAL_FRACTION = 0.15
STRETCH = 500
BUFFER = 30
_SURVEY_NAME = re.compile(r"^(\d+)_(.+)_(\d+)$")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset folder: its name, the stems with an image and a mask, and the classes it annotates."""

    root: Path
    name: str
    stems: tuple[str, ...]
    annotated: frozenset[DamageClass]

    def image_path(self, stem: str) -> Path:
        """The image file of ``stem`` (any supported suffix)."""
        for suffix in IMAGE_SUFFIXES:
            path = self.root / "images" / f"{stem}{suffix}"
            if path.exists():
                return path
        raise FileNotFoundError(f"no image for {stem} in {self.root / 'images'}")

    def mask_path(self, stem: str) -> Path:
        """The mask file of ``stem``."""
        return self.root / "masks" / f"{stem}.png"


def open_dataset(root: Path) -> DatasetInfo:
    """Read a dataset folder's stems and annotated classes.

    Raises:
        FileNotFoundError: the folder lacks ``images/`` or ``masks/``.
    """
    root = Path(root)
    if not (root / "images").is_dir() or not (root / "masks").is_dir():
        raise FileNotFoundError(f"{root} is not a dataset folder (needs images/ and masks/)")
    images = {p.stem for p in (root / "images").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    masks = {p.stem for p in (root / "masks").glob("*.png")}
    stems = tuple(sorted(images & masks))
    return DatasetInfo(root, root.name, stems, _annotated_classes(root, stems))


def _annotated_classes(root: Path, stems: tuple[str, ...]) -> frozenset[DamageClass]:
    declared = root / "roadinspect-dataset.json"
    if declared.is_file():
        names = json.loads(declared.read_text(encoding="utf-8")).get("annotated", [])
        return frozenset(DamageClass[n.upper()] for n in names)
    counts = {DamageClass.CRACK: 0, DamageClass.POTHOLE: 0}
    manifest = root / "manifest.csv"
    if manifest.is_file():
        with open(manifest, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                counts[DamageClass.CRACK] += int(row.get("crack_px") or 0)
                counts[DamageClass.POTHOLE] += int(row.get("pothole_px") or 0)
    else:
        for stem in stems:
            mask = np.asarray(Image.open(root / "masks" / f"{stem}.png"))
            counts[DamageClass.CRACK] += int((mask == 1).sum())
            counts[DamageClass.POTHOLE] += int((mask == 2).sum())
    return frozenset(c for c, n in counts.items() if n > 0)


def _unit_hash(text: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_survey(info: DatasetInfo) -> bool:
    """Whether the dataset is a survey-vehicle sequence (every stem ``<id>_<segment>_<position>``)."""
    return len(info.stems) > 0 and all(_SURVEY_NAME.match(s) for s in info.stems)


def split(info: DatasetInfo, seed: int = SPLIT_SEED, val_fraction: float = VAL_FRACTION) -> dict[str, list[str]]:
    """``{"train": [...], "val": [...]}`` stems of a dataset (see the module docstring for the rule)."""
    parsed = {s: _SURVEY_NAME.match(s) for s in info.stems}
    survey = is_survey(info)
    train: list[str] = []
    val: list[str] = []
    if not survey:
        for stem in info.stems:
            (val if _unit_hash(f"{info.name}/{stem}", seed) < val_fraction else train).append(stem)
        return {"train": train, "val": val}
    matches = {stem: m for stem, m in parsed.items() if m is not None}  # every stem, in a survey
    val_positions: dict[str, list[int]] = {}
    for stem, m in matches.items():
        segment, position = m.group(2), int(m.group(3))
        if _unit_hash(f"{info.name}/{segment}/{position // STRETCH}", seed) < val_fraction:
            val.append(stem)
            val_positions.setdefault(segment, []).append(position)
    for stem, m in matches.items():
        if stem in val:
            continue
        segment, position = m.group(2), int(m.group(3))
        if any(abs(position - p) <= BUFFER for p in val_positions.get(segment, ())):
            continue
        train.append(stem)
    return {"train": train, "val": val}


def load_pair(info: DatasetInfo, stem: str) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W, 3)`` uint8 image and ``(H, W)`` uint8 mask of one stem."""
    with Image.open(info.image_path(stem)) as img:
        image = np.asarray(img.convert("RGB"))
    with Image.open(info.mask_path(stem)) as m:
        mask = np.asarray(m)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"{info.name}/{stem}: mask {mask.shape} does not match image {image.shape[:2]}")
    return image, mask


BOX_BITS = {DamageClass.CRACK: 1, DamageClass.POTHOLE: 2}
"""Bits of a box map (:attr:`Sample.boxes`): a pixel inside a crack box has bit 1, inside a pothole box bit 2."""


@dataclass
class Sample:
    """An image, its mask and its dataset's annotated classes (bool per class 0, 1, 2), kept in memory.

    ``pothole_pixels`` (``(K, 2)`` row, column) are the points crops are centred on part of the time.
    ``boxes`` is set for a *weakly* labelled photo (damage boxes, no pixel mask): ``(H, W)`` uint8 of
    :data:`BOX_BITS`; its ``mask`` is then 0 outside every damage box and 255 inside one.
    """

    image: np.ndarray
    mask: np.ndarray
    annotated: np.ndarray
    pothole_pixels: np.ndarray | None
    boxes: np.ndarray | None = None


def annotated_vector(info: DatasetInfo) -> np.ndarray:
    """``(3,)`` bool: background is always annotated, then crack and pothole per the dataset."""
    return np.array([True, DamageClass.CRACK in info.annotated, DamageClass.POTHOLE in info.annotated])


class CropSampler:
    """Draws augmented training crops from in-memory samples.

    Augmentation suited to road photos: random scale (0.6-1.5), crops centred on a pothole part of
    the time, mild perspective, horizontal flip, brightness/contrast/gamma, blur, grayscale.
    Everything runs on uint8 with Pillow, which releases the GIL, so a background thread can feed
    the training loop.
    """

    def __init__(self, samples: list[Sample], weights: np.ndarray, crop: int, seed: int,
                 weak_share: float | None = None) -> None:
        self.samples = samples
        self.p = weights / weights.sum()
        self.crop = crop
        self.rng = np.random.default_rng(seed)
        self.weak_share = weak_share
        is_weak = np.array([s.boxes is not None for s in samples], dtype=bool)
        self._pools = [(np.flatnonzero(is_weak), self.p[is_weak] / self.p[is_weak].sum()),
                       (np.flatnonzero(~is_weak), self.p[~is_weak] / self.p[~is_weak].sum())] \
            if weak_share is not None and is_weak.any() and (~is_weak).any() else None

    def weak_count(self, size: int) -> int | None:
        """Weak (box-labelled) samples in each batch of ``size``: ``round(size * weak_share)``, at least one
        when the share is above 0 (None: drawn at random by the sampling weights)."""
        if self._pools is None or self.weak_share is None:
            return None
        count = int(round(size * self.weak_share))
        return min(size, max(count, 1 if self.weak_share > 0 else 0))

    def batch(self, size: int) -> tuple[np.ndarray, ...]:
        """``(N, crop, crop, 3)`` uint8 images, ``(N, crop, crop)`` uint8 masks, ``(N, 3)`` bool annotated,
        ``(N, crop, crop)`` uint8 box maps (zero for pixel-labelled samples), ``(N,)`` bool weak.

        With ``weak_share`` every batch holds exactly :meth:`weak_count` box-labelled samples (the rest
        pixel-labelled), so the pixel-labelled data keeps its share of every gradient step."""
        weak_n = self.weak_count(size)
        if weak_n is None or self._pools is None:
            idx = self.rng.choice(len(self.samples), size=size, p=self.p)
        else:
            (weak_idx, weak_p), (full_idx, full_p) = self._pools
            idx = np.concatenate([self.rng.choice(weak_idx, size=weak_n, p=weak_p),
                                  self.rng.choice(full_idx, size=size - weak_n, p=full_p)])
        images, masks, ann, boxes = zip(*(self._one(self.samples[i]) for i in idx), strict=True)
        weak = np.array([self.samples[i].boxes is not None for i in idx])
        return np.stack(images), np.stack(masks), np.stack(ann), np.stack(boxes), weak

    def _one(self, s: Sample) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rng, crop = self.rng, self.crop
        h, w = s.mask.shape
        scale = float(np.exp(rng.uniform(np.log(0.6), np.log(1.5))))
        size = crop / scale
        if s.pothole_pixels is not None and len(s.pothole_pixels) and rng.random() < 0.4:
            cy, cx = s.pothole_pixels[rng.integers(len(s.pothole_pixels))]
            cx += rng.uniform(-size / 3, size / 3)
            cy += rng.uniform(-size / 3, size / 3)
        else:
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        x0 = float(np.clip(cx - size / 2, min(0, w - size), max(0, w - size)))
        y0 = float(np.clip(cy - size / 2, min(0, h - size), max(0, h - size)))
        quad = np.array([[x0, y0], [x0, y0 + size], [x0 + size, y0 + size], [x0 + size, y0]])
        if rng.random() < 0.3:
            quad += rng.uniform(-0.12, 0.12, size=(4, 2)) * size
        img = Image.fromarray(s.image)
        msk = Image.fromarray(s.mask)
        flat = tuple(quad.ravel())
        out_img = img.transform((crop, crop), Image.Transform.QUAD, flat, Image.Resampling.BILINEAR,
                                fillcolor=(0, 0, 0))
        out_msk = msk.transform((crop, crop), Image.Transform.QUAD, flat, Image.Resampling.NEAREST,
                                fillcolor=IGNORE_LABEL)
        if s.boxes is not None:
            boxes = np.asarray(Image.fromarray(s.boxes).transform((crop, crop), Image.Transform.QUAD, flat,
                                                                 Image.Resampling.NEAREST, fillcolor=0))
        else:
            boxes = np.zeros((crop, crop), np.uint8)
        if rng.random() < 0.15:
            out_img = out_img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 1.2))))
        image = np.asarray(out_img).astype(np.float32)
        if rng.random() < 0.1:
            image[:] = image.mean(axis=2, keepdims=True)
        contrast = rng.uniform(0.7, 1.3)
        brightness = rng.uniform(-30, 30)
        mean = image.mean()
        image = (image - mean) * contrast + mean + brightness
        if rng.random() < 0.3:
            gamma = rng.uniform(0.7, 1.4)
            image = 255.0 * (np.clip(image, 0, 255) / 255.0) ** gamma
        image = np.clip(image, 0, 255).astype(np.uint8)
        mask = np.asarray(out_msk)
        if rng.random() < 0.5:
            image, mask, boxes = image[:, ::-1], mask[:, ::-1], boxes[:, ::-1]
        return np.ascontiguousarray(image), np.ascontiguousarray(mask), s.annotated, np.ascontiguousarray(boxes)


def box_sample(path: Path, width: int, height: int, boxes: list) -> Sample:
    """A weakly labelled :class:`Sample` from a photo and its damage boxes (``training.boxes.Box``).

    The mask is 0 (background) outside every damage box and 255 (not scored pixel by pixel) inside
    one; the box map tells the loss which class each box holds. Crops are centred on a damage box part
    of the time.
    """
    with Image.open(path) as img:
        image = np.asarray(img.convert("RGB"))
    if image.shape[:2] != (height, width):
        raise ValueError(f"{path}: image is {image.shape[1]}x{image.shape[0]}, boxes.json says {width}x{height}")
    mask = np.zeros((height, width), np.uint8)
    box_map = np.zeros((height, width), np.uint8)
    focus = []
    for box in boxes:
        if box.damage is None:
            continue
        x0, y0 = int(np.floor(box.x0)), int(np.floor(box.y0))
        x1, y1 = int(np.ceil(box.x1)), int(np.ceil(box.y1))
        mask[y0:y1, x0:x1] = IGNORE_LABEL
        box_map[y0:y1, x0:x1] |= BOX_BITS[box.damage]
        focus.append(((y0 + y1) / 2, (x0 + x1) / 2))
    points = np.array(focus, dtype=np.float64).reshape(-1, 2) if focus else None
    return Sample(image, mask, np.array([True, True, True]), points, box_map)
