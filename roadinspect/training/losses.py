"""Losses that respect what each dataset annotates.

*Partial-label cross-entropy*: a pixel labelled 0 in a dataset that does not annotate class k means
"background or k", so its loss is ``-log(p_background + p_k)`` instead of ``-log(p_background)``.
A pixel labelled 255 is ignored. *Soft Dice* on crack and pothole, computed only over the samples
whose dataset annotates that class, counters their rarity (about 1 % of pixels).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from roadinspect.core.types import IGNORE_LABEL

CLASS_WEIGHTS = (1.0, 2.0, 2.0)


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


def partial_cross_entropy(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor) -> torch.Tensor:
    """Mean over valid pixels of ``-log(sum of probabilities of the allowed classes)``, class-weighted."""
    allowed, valid = allowed_classes(target, annotated)
    logp = torch.log_softmax(logits.float(), dim=1)
    picked = torch.logsumexp(logp.masked_fill(~allowed, float("-inf")), dim=1)
    label = torch.where(valid, target, torch.zeros_like(target))
    weights = torch.tensor(CLASS_WEIGHTS, device=logits.device)[label] * valid
    return -(picked * weights).sum() / weights.sum().clamp(min=1.0)


def dice_loss(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor) -> torch.Tensor:
    """Mean soft-Dice loss of crack and pothole over the samples that annotate each class."""
    probs = torch.softmax(logits.float(), dim=1)
    valid = (target != IGNORE_LABEL).float()
    losses = []
    for cls in (1, 2):
        keep = annotated[:, cls]
        if not keep.any():
            continue
        p = probs[keep, cls] * valid[keep]
        t = (target[keep] == cls).float()
        inter = (p * t).sum()
        losses.append(1 - (2 * inter + 1) / (p.sum() + t.sum() + 1))
    if not losses:
        return logits.sum() * 0
    return torch.stack(losses).mean()


def total_loss(logits: torch.Tensor, target: torch.Tensor, annotated: torch.Tensor) -> torch.Tensor:
    """Partial-label cross-entropy + 0.5 x Dice."""
    return partial_cross_entropy(logits, target, annotated) + 0.5 * dice_loss(logits, target, annotated)
