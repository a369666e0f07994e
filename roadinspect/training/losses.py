"""Losses that respect what each dataset annotates.

*Partial-label cross-entropy*: a pixel labelled 0 in a dataset that does not annotate class k means
"background or k", so its loss is ``-log(p_background + p_k)`` instead of ``-log(p_background)``.
A pixel labelled 255 is ignored. *Soft Dice* on crack and pothole, computed only over the samples
whose dataset annotates that class, counters their rarity (about 1 % of pixels).

*Weak supervision from damage boxes* (forward-view street photos labelled with boxes, RDD2022):
outside every damage box a pixel is taught as background, with the weight :data:`WEAK_BACKGROUND`
(small damage is sometimes left unboxed); inside a box no pixel is taught directly. Instead the
*box-projection loss* (Tian et al., BoxInst, CVPR 2021) asks that the class's probability, projected
on the image rows and on the columns by a maximum, covers exactly the rows and columns of its boxes: a
crack or pothole must be present inside its box, crossing it, and nothing of that class may project
outside it. Dice is not computed on weak samples (they have no pixel truth).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from roadinspect.core.types import IGNORE_LABEL

CLASS_WEIGHTS = (1.0, 2.0, 2.0)
WEAK_BACKGROUND = 0.5
"""Weight of a background pixel outside every damage box of a weakly labelled photo."""
PROJECTION_WEIGHT = 1.0
"""Weight of the box-projection loss in :func:`total_loss`."""


def allowed_classes(target: torch.Tensor, annotated: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(N, 3, H, W)`` bool: classes consistent with each pixel's label; ``(N, H, W)`` bool valid pixels.

    Args:
        target: ``(N, H, W)`` int64 labels (0, 1, 2, 255).
        annotated: ``(N, 3)`` bool, whether the sample's dataset annotates each class.
    """
    valid = target != IGNORE_LABEL
    label = torch.where(valid, target, torch.zeros_like(target))
    allowed = F.one_hot(label, 3).permute(0, 3, 1, 2).bool()
    unannotated = (~annotated).view(-1, 3, 1, 1)
    background = (label == 0).unsqueeze(1)
    allowed = allowed | (background & unannotated)
    return allowed, valid


def partial_cross_entropy(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor,
                          weak: torch.Tensor | None = None, weak_background: float = WEAK_BACKGROUND) -> torch.Tensor:
    """Mean over valid pixels of ``-log(sum of probabilities of the allowed classes)``, class-weighted;
    the pixels of weak samples (``(N,)`` bool) weigh ``weak_background`` (default :data:`WEAK_BACKGROUND`)."""
    allowed, valid = allowed_classes(target, annotated)
    logp = torch.log_softmax(logits.float(), dim=1)
    picked = torch.logsumexp(logp.masked_fill(~allowed, float("-inf")), dim=1)
    label = torch.where(valid, target, torch.zeros_like(target))
    weights = torch.tensor(CLASS_WEIGHTS, device=logits.device)[label] * valid
    if weak is not None and bool(weak.any()):
        per_sample = torch.where(weak, torch.full_like(weak, weak_background, dtype=torch.float32),
                                 torch.ones_like(weak, dtype=torch.float32))
        weights = weights * per_sample.view(-1, 1, 1)
    return -(picked * weights).sum() / weights.sum().clamp(min=1.0)


def _dice_1d(pred: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """BoxInst's Dice over ``(N, L)`` projections: ``1 - 2 sum(p t) / (sum(p^2) + sum(t^2))`` per row, mean."""
    inter = (pred * truth).sum(dim=1)
    union = (pred * pred).sum(dim=1) + (truth * truth).sum(dim=1)
    return (1 - 2 * inter / union.clamp(min=1e-5)).mean()


def box_projection_loss(logits: torch.Tensor, boxes: torch.Tensor, weak: torch.Tensor) -> torch.Tensor:
    """Box-projection loss of crack and pothole over the weak samples that hold a box of that class.

    Args:
        logits: ``(N, 3, H, W)``.
        boxes: ``(N, H, W)`` uint8 box map (bit 1 crack box, bit 2 pothole box).
        weak: ``(N,)`` bool, which samples are weakly labelled.

    The probability of class k is projected on the rows (maximum along each row) and on the columns;
    each projection must match the projection of the union of the sample's k boxes (1 on the rows and
    columns a box spans, 0 elsewhere).
    """
    probs = torch.softmax(logits.float(), dim=1)
    losses = []
    for cls, bit in ((1, 1), (2, 2)):
        inside = (boxes.to(torch.int32) & bit) > 0
        keep = weak & inside.flatten(1).any(dim=1)
        if not bool(keep.any()):
            continue
        p, b = probs[keep, cls], inside[keep].float()
        losses.append(_dice_1d(p.amax(dim=2), b.amax(dim=2)) + _dice_1d(p.amax(dim=1), b.amax(dim=1)))
    if not losses:
        return logits.sum() * 0
    return torch.stack(losses).mean()


def dice_loss(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor,
              weak: torch.Tensor | None = None) -> torch.Tensor:
    """Mean soft-Dice loss of crack and pothole over the (not weak) samples that annotate each class."""
    probs = torch.softmax(logits.float(), dim=1)
    valid = (target != IGNORE_LABEL).float()
    losses = []
    for cls in (1, 2):
        keep = annotated[:, cls]
        if weak is not None:
            keep = keep & ~weak
        if not keep.any():
            continue
        p = probs[keep, cls] * valid[keep]
        t = (target[keep] == cls).float()
        inter = (p * t).sum()
        losses.append(1 - (2 * inter + 1) / (p.sum() + t.sum() + 1))
    if not losses:
        return logits.sum() * 0
    return torch.stack(losses).mean()


def total_loss(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor,
               boxes: torch.Tensor | None = None, weak: torch.Tensor | None = None,
               weak_background: float = WEAK_BACKGROUND, projection_weight: float = PROJECTION_WEIGHT) -> torch.Tensor:
    """Partial-label cross-entropy + 0.5 x Dice (+ ``projection_weight`` x the box-projection loss of weak samples).

    ``weak_background`` and ``projection_weight`` (``roadinspect train --weak-background``,
    ``--projection-weight``) set the balance between "nothing outside the boxes" and "something inside".
    """
    loss = (partial_cross_entropy(logits, target, annotated, weak, weak_background)
            + 0.5 * dice_loss(logits, target, annotated, weak))
    if boxes is not None and weak is not None and bool(weak.any()) and projection_weight > 0:
        loss = loss + projection_weight * box_projection_loss(logits, boxes, weak)
    return loss
