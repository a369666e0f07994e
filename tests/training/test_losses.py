"""Partial-label loss: a class a dataset does not annotate is never taught as background."""

import torch

from roadinspect.training.losses import allowed_classes, partial_cross_entropy, total_loss


def _logits_for(cls: int, n: int = 1, size: int = 4, strength: float = 8.0) -> torch.Tensor:
    logits = torch.zeros(n, 3, size, size)
    logits[:, cls] = strength
    return logits


def test_unannotated_crack_is_allowed_where_label_is_background() -> None:
    target = torch.zeros(1, 2, 2, dtype=torch.long)
    annotated = torch.tensor([[True, False, True]])
    allowed, valid = allowed_classes(target, annotated)
    assert valid.all()
    assert allowed[0, :, 0, 0].tolist() == [True, True, False]


def test_predicting_crack_costs_nothing_on_a_dataset_without_crack_labels() -> None:
    target = torch.zeros(1, 4, 4, dtype=torch.long)
    no_crack_labels = torch.tensor([[True, False, True]])
    with_crack_labels = torch.tensor([[True, True, True]])
    crack_logits = _logits_for(1)
    assert partial_cross_entropy(crack_logits, target, no_crack_labels) < 0.01
    assert partial_cross_entropy(crack_logits, target, with_crack_labels) > 5.0


def test_ignore_label_contributes_nothing() -> None:
    target = torch.full((1, 4, 4), 255, dtype=torch.long)
    target[0, 0, 0] = 2
    annotated = torch.tensor([[True, True, True]])
    right = partial_cross_entropy(_logits_for(2), target, annotated)
    assert right < 0.01


def test_total_loss_is_finite_and_differentiable() -> None:
    logits = torch.randn(2, 3, 8, 8, requires_grad=True)
    target = torch.randint(0, 3, (2, 8, 8))
    annotated = torch.tensor([[True, True, False], [True, False, True]])
    loss = total_loss(logits, target, annotated)
    loss.backward()
    assert torch.isfinite(loss) and logits.grad is not None
