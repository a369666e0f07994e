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


def _box_map(n: int = 1, size: int = 16, box=(4, 10, 6, 12), bit: int = 2) -> torch.Tensor:
    boxes = torch.zeros(n, size, size, dtype=torch.uint8)
    y0, y1, x0, x1 = box
    boxes[:, y0:y1, x0:x1] = bit
    return boxes


def test_box_projection_prefers_the_class_filling_its_box_over_nothing_or_elsewhere() -> None:
    from roadinspect.training.losses import box_projection_loss

    boxes = _box_map()
    weak = torch.tensor([True])
    nothing = torch.zeros(1, 3, 16, 16)
    nothing[:, 0] = 10.0  # background everywhere: the box is empty
    inside = nothing.clone()
    inside[:, 2, 4:10, 6:12] = 20.0  # pothole exactly in its box
    shifted = nothing.clone()
    shifted[:, 2, 10:16, 0:6] = 20.0  # a pothole, but outside the box
    right = box_projection_loss(inside, boxes, weak)
    assert right < 0.05
    assert box_projection_loss(nothing, boxes, weak) > 0.9
    assert box_projection_loss(shifted, boxes, weak) > 0.9
    # a crack box is judged on the crack channel, not the pothole one
    assert box_projection_loss(inside, _box_map(bit=1), weak) > 0.9


def test_box_projection_ignores_samples_that_are_not_weak_and_weak_background_weighs_less() -> None:
    from roadinspect.training.losses import WEAK_BACKGROUND, box_projection_loss

    logits = torch.zeros(1, 3, 16, 16)
    logits[:, 0] = 10.0
    assert box_projection_loss(logits, _box_map(), torch.tensor([False])) == 0
    # a pixel-labelled and a weak sample, both with a false pothole: the weak one's pixels count less
    target = torch.zeros(2, 4, 4, dtype=torch.long)
    annotated = torch.tensor([[True, True, True], [True, True, True]])
    logits = _logits_for(2, n=2)
    logits[0] = 0
    logits[0, 0] = 8.0  # sample 0 right, sample 1 (the one we vary) a false pothole
    full = partial_cross_entropy(logits, target, annotated, torch.tensor([False, False]))
    weak = partial_cross_entropy(logits, target, annotated, torch.tensor([False, True]))
    assert 0 < WEAK_BACKGROUND < 1
    expected = full * 2 * WEAK_BACKGROUND / (1 + WEAK_BACKGROUND)  # sample 1's loss share, re-weighted
    assert abs(float(weak) - float(expected)) < 1e-3


def test_total_loss_with_weak_boxes_is_differentiable_and_skips_dice_for_weak_samples() -> None:
    from roadinspect.training.losses import dice_loss

    logits = torch.randn(2, 3, 16, 16, requires_grad=True)
    target = torch.zeros(2, 16, 16, dtype=torch.long)
    target[1, 4:10, 6:12] = 255
    annotated = torch.tensor([[True, True, True], [True, True, True]])
    weak = torch.tensor([False, True])
    boxes = torch.cat([torch.zeros(1, 16, 16, dtype=torch.uint8), _box_map()])
    loss = total_loss(logits, target, annotated, boxes, weak)
    loss.backward()
    assert torch.isfinite(loss) and logits.grad is not None
    assert logits.grad[1].abs().sum() > 0
    # Dice over the weak sample alone is skipped (no pixel truth): zero, not a penalty on every prediction
    assert float(dice_loss(logits[1:].detach(), target[1:], annotated[1:], weak[1:])) == 0.0


def test_weak_background_and_projection_weights_set_the_balance() -> None:
    """``--weak-background 1`` teaches weak pixels like pixel-labelled ones; ``--projection-weight`` scales the
    box term (0 drops it), which is what kept a fine-tune from marking damage everywhere."""
    from roadinspect.training.losses import box_projection_loss

    target = torch.zeros(2, 4, 4, dtype=torch.long)
    annotated = torch.ones(2, 3, dtype=torch.bool)
    logits = _logits_for(2, n=2)
    logits[0] = 0
    logits[0, 0] = 8.0
    full = partial_cross_entropy(logits, target, annotated, torch.tensor([False, False]))
    same = partial_cross_entropy(logits, target, annotated, torch.tensor([False, True]), weak_background=1.0)
    assert abs(float(same) - float(full)) < 1e-5
    heavier = partial_cross_entropy(logits, target, annotated, torch.tensor([False, True]), weak_background=2.0)
    assert float(heavier) > float(full)

    logits = torch.zeros(1, 3, 16, 16)
    logits[:, 0] = 4.0  # nothing marked inside the pothole box: the projection term is large
    target = torch.zeros(1, 16, 16, dtype=torch.long)
    target[0, 4:10, 6:12] = 255
    weak, boxes = torch.tensor([True]), _box_map()
    projection = float(box_projection_loss(logits, boxes, weak))
    base = float(total_loss(logits, target, annotated[:1], boxes, weak, projection_weight=0.0))
    for w in (0.2, 1.0):
        got = float(total_loss(logits, target, annotated[:1], boxes, weak, projection_weight=w))
        assert abs(got - (base + w * projection)) < 1e-4
    assert projection > 0.5


def test_the_warm_up_length_is_a_setting() -> None:
    from roadinspect.training.train import WARMUP, _lr_factor

    assert _lr_factor(0, 1000, 0.0, 0.0, warmup=25) == 1 / 25 and _lr_factor(24, 1000, 0.0, 0.0, warmup=25) == 1.0
    assert _lr_factor(24, 1000, 0.0, 0.0) == 25 / WARMUP < 1  # the default warms up for longer
    assert _lr_factor(999, 1000, 0.0, 0.0, warmup=25) < 0.05  # then the cosine decay to the end
