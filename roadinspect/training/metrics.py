"""Segmentation metrics of ``roadinspect evaluate``, pooled over a dataset.

* crack F1 with a 2-pixel tolerance: a predicted crack pixel within 2 px (Euclidean) of a true crack
  pixel is correct (precision); a true crack pixel within 2 px of a predicted one is found (recall);
* crack IoU and pothole IoU: intersection over union of pixel sets, pooled over all images;
* image-level pothole recall and precision: an image "has a pothole" when at least 0.1 % of its scored
  pixels are pothole.

Pixels labelled 255 are not scored, and a class the dataset does not annotate is not scored on it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.ndimage import distance_transform_edt

from roadinspect.core.types import IGNORE_LABEL

TOLERANCE_PX = 2.0
IMAGE_POTHOLE_FRACTION = 0.001


@dataclass
class Counts:
    """Pooled pixel and image counts; add them up over images, then call :meth:`summary`."""

    crack_pred: int = 0
    crack_pred_near_true: int = 0
    crack_true: int = 0
    crack_true_near_pred: int = 0
    crack_inter: int = 0
    crack_union: int = 0
    pothole_inter: int = 0
    pothole_union: int = 0
    images_pothole_tp: int = 0
    images_pothole_fp: int = 0
    images_pothole_fn: int = 0
    images: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def summary(self, crack: bool = True, pothole: bool = True) -> dict[str, float | int | None]:
        """The metrics as a dict; a metric of a class that is not scored is ``None``."""
        def ratio(a: int, b: int) -> float | None:
            return a / b if b else None

        out: dict[str, float | int | None] = {"images": self.images}
        precision = ratio(self.crack_pred_near_true, self.crack_pred)
        recall = ratio(self.crack_true_near_pred, self.crack_true)
        if crack:
            p, r = precision or 0.0, recall or 0.0
            out.update(crack_precision=precision, crack_recall=recall,
                       crack_f1=(2 * p * r / (p + r)) if p + r else 0.0,
                       crack_iou=ratio(self.crack_inter, self.crack_union))
        else:
            out.update(crack_precision=None, crack_recall=None, crack_f1=None, crack_iou=None)
        if pothole:
            tp, fp, fn = self.images_pothole_tp, self.images_pothole_fp, self.images_pothole_fn
            out.update(pothole_iou=ratio(self.pothole_inter, self.pothole_union),
                       pothole_image_recall=ratio(tp, tp + fn), pothole_image_precision=ratio(tp, tp + fp),
                       pothole_images=tp + fn)
        else:
            out.update(pothole_iou=None, pothole_image_recall=None, pothole_image_precision=None,
                       pothole_images=None)
        return out


def score_image(pred: np.ndarray, true: np.ndarray, crack: bool = True, pothole: bool = True) -> Counts:
    """Counts of one image: ``pred`` and ``true`` are ``(H, W)`` uint8 masks (true may hold 255)."""
    if pred.shape != true.shape:
        raise ValueError(f"prediction {pred.shape} and truth {true.shape} differ in size")
    valid = true != IGNORE_LABEL
    c = Counts(images=1)
    if crack:
        p = (pred == 1) & valid
        t = (true == 1) & valid
        c.crack_pred = int(p.sum())
        c.crack_true = int(t.sum())
        if c.crack_pred and c.crack_true:
            dist_to_true = distance_transform_edt(~t)
            dist_to_pred = distance_transform_edt(~p)
            c.crack_pred_near_true = int((dist_to_true[p] <= TOLERANCE_PX).sum())
            c.crack_true_near_pred = int((dist_to_pred[t] <= TOLERANCE_PX).sum())
        c.crack_inter = int((p & t).sum())
        c.crack_union = int((p | t).sum())
    if pothole:
        p = (pred == 2) & valid
        t = (true == 2) & valid
        c.pothole_inter = int((p & t).sum())
        c.pothole_union = int((p | t).sum())
        scored = max(1, int(valid.sum()))
        has_p = p.sum() >= IMAGE_POTHOLE_FRACTION * scored
        has_t = t.sum() >= IMAGE_POTHOLE_FRACTION * scored
        c.images_pothole_tp = int(has_p and has_t)
        c.images_pothole_fp = int(has_p and not has_t)
        c.images_pothole_fn = int(has_t and not has_p)
    return c
