"""``roadinspect train-gate``: the forward-view gate (:class:`~roadinspect.core.network.DamageGate`) from boxes.

The shipped network learned the road from survey-vehicle frames; on forward-looking street photos it marks
markings, joints, manhole covers and shadows as damage, and it misses damage the frames never showed at that
distance. Teaching the whole network from boxes on a CPU failed twice (it learned to mark the road with
speckle: see the model card). The gate is the part that can be taught from boxes: a small convolutional head
on the network's own stride-16 features that says, per 16x16 cell, whether the cell holds crack or pothole
damage; its evidence is added to the crack and pothole logits, so the network's pixels keep their shape and
only the decision moves.

Recipe (all on cached features of the frozen network, so thousands of steps take minutes on a CPU):

1. one pass of the network per photo stores its gate input per cell (``(416, H/16, W/16)`` fp16);
2. **box-labelled photos** (held-out 20 % never loaded): a cell outside every damage box is background for
   both classes; each damage box must hold its class in at least one of its cells, taught as a
   multiple-instance loss on the mean of the box's top :attr:`GateOptions.topk` share of cells (a box is
   larger than its damage);
3. **pixel-labelled photos** (survey frames, close-ups), the training part of their split: a cell with at
   least :data:`CRACK_CELL_PIXELS` crack pixels (:data:`POTHOLE_CELL_SHARE` of pothole) is that class, a cell
   with none (and mostly scored) is not; a class the dataset does not annotate is not taught;
4. the *view*: a logistic regression on the photo's mean stride-32 features tells the box-labelled street
   photos (1) from the pixel-labelled frames and close-ups (0); the gate's evidence is multiplied by it, so
   on the photos the network was trained on its own decision stands;
5. the gate's decision threshold per class becomes an offset and its confidence a scale, folded with the
   input standardisation into the convolutions (:func:`fold_gate`): the exported weights are one network.

Shapes: features ``(C, gh, gw)``; cell labels ``(gh, gw)``; the gate's logits ``(2, gh, gw)`` (crack, pothole).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from roadinspect.core.network import MEAN, STD, DamageGate, RoadDamageNet
from roadinspect.core.progress import Progress
from roadinspect.core.segmenter import ModelError, Segmenter, default_weights, network_input, working_tensor
from roadinspect.core.types import DamageClass
from roadinspect.training.boxes import BoxedImage, BoxesError, rdd_split, read_boxes
from roadinspect.training.data import is_survey, load_pair, open_dataset, split
from roadinspect.training.gate_options import GateOptions

CELL = 16
"""Side of a gate cell in working-resolution pixels (the decoder's stride-16 features)."""
CRACK_CELL_PIXELS = 4
"""A pixel-labelled cell is crack when at least this many of its pixels are crack."""
POTHOLE_CELL_SHARE = 0.10
"""A pixel-labelled cell is pothole when at least this share of its pixels is pothole."""


@dataclass
class CellData:
    """One photo's cached gate input and its cell labels.

    ``boxes``: for a box-labelled photo, ``(class 0/1, r0, c0, r1, c1)`` cells of each damage box, and
    ``outside`` ``(gh, gw)`` bool: cells outside every damage box. For a pixel-labelled photo ``counts``
    ``(3, gh, gw)``: crack pixels, pothole pixels, unscored pixels per cell, and ``annotated`` (crack, pothole).
    """

    name: str
    features: np.ndarray
    boxes: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    outside: np.ndarray | None = None
    counts: np.ndarray | None = None
    annotated: tuple[bool, bool] = (True, True)


def gate_input(model: RoadDamageNet, image: np.ndarray, max_side: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The gate's input for one ``(H, W, 3)`` uint8 image: ``(416, gh, gw)`` float16, and the working size.

    The image is prepared as the Segmenter prepares it (:func:`working_tensor`, :func:`network_input`); ``model``
    is the network as trained (batch norm not folded).
    """
    x = working_tensor(image, max_side)
    h, w = x.shape[-2:]
    mean = torch.tensor(MEAN).view(1, 3, 1, 1) * 255
    std = torch.tensor(STD).view(1, 3, 1, 1) * 255
    with torch.inference_mode():
        taps, d16 = model.features16(network_input(x, mean, std))
        cells = DamageGate.cells(d16, taps[-1])[0]
    return cells.half().numpy(), (int(w), int(h))


def box_cells(item: BoxedImage, size: tuple[int, int], grid: tuple[int, int]
              ) -> tuple[list[tuple[int, int, int, int, int]], np.ndarray]:
    """The cells of ``item``'s damage boxes at working size ``size`` and the cells outside every one."""
    w, h = size
    sx, sy = w / item.width, h / item.height
    outside = np.ones(grid, bool)
    cells = []
    for b in item.damage_boxes():
        c0, r0 = int(b.x0 * sx) // CELL, int(b.y0 * sy) // CELL
        c1, r1 = math.ceil(b.x1 * sx / CELL), math.ceil(b.y1 * sy / CELL)
        cells.append((0 if b.damage == DamageClass.CRACK else 1, r0, c0, r1, c1))
        outside[r0:r1, c0:c1] = False
    return cells, outside


def mask_cells(mask: np.ndarray, size: tuple[int, int], grid: tuple[int, int]) -> np.ndarray:
    """``(3, gh, gw)`` int16: crack, pothole and unscored pixels per cell of a class mask at working ``size``."""
    w, h = size
    gh, gw = grid
    small = np.asarray(Image.fromarray(mask).resize((w, h), Image.Resampling.NEAREST))
    padded = np.full((gh * CELL, gw * CELL), 255, np.uint8)
    padded[:h, :w] = small
    cells = padded.reshape(gh, CELL, gw, CELL).transpose(0, 2, 1, 3).reshape(gh, gw, CELL * CELL)
    return np.stack([(cells == v).sum(-1) for v in (1, 2, 255)]).astype(np.int16)


def cache_cells(model: RoadDamageNet, folders: Sequence[Path], max_side: int, options: GateOptions,
                progress: Progress | None = None, cancelled: Callable[[], bool] = lambda: False,
                report: Callable[[str], None] | None = None) -> tuple[list[CellData], dict[str, Any]]:
    """Gate inputs and labels of the training photos of ``folders``; and what was used (the split record).

    Box-labelled folders give their training part (:func:`rdd_split`), pixel-labelled folders the training
    part of their split (every :attr:`GateOptions.survey_every`-th image of a survey-vehicle folder).
    A photo or mask that cannot be read is named through ``report`` and left out (``record["skipped"]``).

    Raises:
        BoxesError: an unusable ``boxes.json``. FileNotFoundError: a folder that is neither kind.
    """
    jobs: list[tuple[str, Callable[[], CellData]]] = []
    record: dict[str, Any] = {}
    for folder in folders:
        folder = Path(folder)
        if (folder / "boxes.json").is_file():
            items = read_boxes(folder)
            train = set(rdd_split([i.name for i in items])["train"])
            chosen = [i for i in items if i.name in train]
            record[folder.name] = {"kind": "boxes", "train": len(chosen), "held_out": len(items) - len(chosen)}
            for item in chosen:
                jobs.append((f"{folder.name}/{item.name}", _box_job(model, item, max_side)))
        else:
            info = open_dataset(folder)
            stems = split(info)["train"]
            if is_survey(info) and options.survey_every > 1:
                stems = stems[::options.survey_every]
            annotated = (DamageClass.CRACK in info.annotated, DamageClass.POTHOLE in info.annotated)
            record[folder.name] = {"kind": "masks", "train_images_used": len(stems),
                                   "annotated": [c for c, a in zip(("crack", "pothole"), annotated, strict=True) if a]}
            for stem in stems:
                jobs.append((f"{info.name}/{stem}", _mask_job(model, info, stem, annotated, max_side)))
    data = []
    skipped = []
    for i, (name, job) in enumerate(jobs):
        if cancelled():
            break
        try:
            data.append(job())
        except (OSError, ValueError) as exc:  # an unreadable photo or mask: named, left out, the rest goes on
            skipped.append(name)
            if report:
                report(f"{name}: skipped ({exc})")
        if progress:
            progress(i + 1, len(jobs), name)
    if skipped:
        record["skipped"] = skipped
    return data, record


def _box_job(model: RoadDamageNet, item: BoxedImage, max_side: int) -> Callable[[], CellData]:
    def run() -> CellData:
        with Image.open(item.path) as img:
            image = np.asarray(img.convert("RGB"))
        features, size = gate_input(model, image, max_side)
        boxes, outside = box_cells(item, size, features.shape[1:])
        return CellData(item.name, features, boxes=boxes, outside=outside)
    return run


def _mask_job(model: RoadDamageNet, info: Any, stem: str, annotated: tuple[bool, bool],
              max_side: int) -> Callable[[], CellData]:
    def run() -> CellData:
        image, mask = load_pair(info, stem)
        features, size = gate_input(model, image, max_side)
        return CellData(f"{info.name}/{stem}", features, counts=mask_cells(mask, size, features.shape[1:]),
                        annotated=annotated)
    return run


class _Replicate(nn.Module):
    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.kernel = kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, (self.kernel // 2,) * 4, mode="replicate") if self.kernel > 1 else x


def gate_layers(channels: int, options: GateOptions) -> nn.Sequential:
    """The gate as trained (on standardised features): the same convolutions as :class:`DamageGate`."""
    layers: list[nn.Module] = [_Replicate(options.kernel), nn.Conv2d(channels, options.hidden, options.kernel),
                               nn.ReLU()]
    for _ in range(options.depth - 1):
        layers += [_Replicate(3), nn.Conv2d(options.hidden, options.hidden, 3), nn.ReLU()]
    return nn.Sequential(*layers, nn.Conv2d(options.hidden, 2, 1))


def _box_loss(logits: torch.Tensor, cell: CellData, options: GateOptions) -> torch.Tensor:
    assert cell.outside is not None
    outside = torch.from_numpy(cell.outside)
    loss = logits.new_zeros(())
    if outside.any():
        neg = logits[:, outside]
        loss = loss + F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg), reduction="sum") / 50
    for k, r0, c0, r1, c1 in cell.boxes:
        inside = logits[k, r0:r1, c0:c1].flatten()
        top = inside.topk(max(1, round(options.topk * inside.numel()))).values.mean()
        weight = options.pothole_box_weight if k == 1 else 1.0
        loss = loss + weight * F.binary_cross_entropy_with_logits(top, torch.ones(()))
    return loss


def _mask_loss(logits: torch.Tensor, cell: CellData, options: GateOptions) -> torch.Tensor:
    assert cell.counts is not None
    counts = torch.from_numpy(cell.counts.astype(np.int64))
    unscored = counts[2]
    loss = logits.new_zeros(())
    for k, at_least in ((0, CRACK_CELL_PIXELS), (1, math.ceil(POTHOLE_CELL_SHARE * CELL * CELL))):
        if not cell.annotated[k]:
            continue
        pos = counts[k] >= at_least
        neg = (counts[k] == 0) & (unscored < CELL * CELL // 2)
        if pos.any():
            loss = loss + F.binary_cross_entropy_with_logits(logits[k][pos], torch.ones(int(pos.sum())),
                                                             reduction="sum") / 10
        if neg.any():
            loss = loss + F.binary_cross_entropy_with_logits(logits[k][neg], torch.zeros(int(neg.sum())),
                                                             reduction="sum") / 50
    return options.survey_weight * loss


@dataclass
class GateFit:
    """A trained gate: its layers and view (on standardised input), the standardisations, the options."""

    layers: nn.Sequential
    mean: np.ndarray
    std: np.ndarray
    options: GateOptions
    view: nn.Linear
    """forward view from the standardised mean stride-32 features (the last 320 input channels)"""
    view_mean: np.ndarray
    view_std: np.ndarray
    seconds: float = 0.0


VIEW_CHANNELS = 320
"""The encoder's stride-32 channels: the last ones of the gate's input, which the view reads."""


def pooled_view_input(cell: CellData) -> np.ndarray:
    """The view's input for one photo: the mean of its stride-32 features, ``(320,)`` float32."""
    return np.asarray(cell.features[-VIEW_CHANNELS:].astype(np.float32).mean(axis=(1, 2)))


def train_view(data: Sequence[CellData], seed: int) -> tuple[nn.Linear, np.ndarray, np.ndarray]:
    """Logistic regression: box-labelled (forward-view) photos 1, pixel-labelled ones 0, classes balanced."""
    torch.manual_seed(seed)
    x = np.stack([pooled_view_input(d) for d in data])
    y = torch.tensor([1.0 if d.outside is not None else 0.0 for d in data])
    mean, std = x.mean(0), x.std(0) + 1e-3
    xs = torch.from_numpy((x - mean) / std).float()
    share = float(y.mean())
    weight = torch.where(y > 0, 0.5 / max(share, 1e-6), 0.5 / max(1 - share, 1e-6))
    view = nn.Linear(VIEW_CHANNELS, 1)
    optimizer = torch.optim.AdamW(view.parameters(), lr=1e-2, weight_decay=1e-2)
    for _ in range(500):
        loss = F.binary_cross_entropy_with_logits(view(xs)[:, 0], y, weight=weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return view.eval(), mean, std


def train_gate(data: Sequence[CellData], options: GateOptions, progress: Progress | None = None,
               cancelled: Callable[[], bool] = lambda: False) -> GateFit:
    """Fit the gate on cached cells: half of each batch box-labelled photos, half pixel-labelled ones."""
    started = time.perf_counter()
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    boxed = [d for d in data if d.outside is not None]
    masked = [d for d in data if d.counts is not None]
    if not boxed and not masked:
        raise ValueError("no training photos for the gate")
    channels = data[0].features.shape[0]
    sample = np.concatenate([d.features.reshape(channels, -1)[:, ::7] for d in data], 1).astype(np.float32)
    mean, std = sample.mean(1), sample.std(1) + 1e-3
    mean_t, std_t = torch.from_numpy(mean).view(1, -1, 1, 1), torch.from_numpy(std).view(1, -1, 1, 1)
    layers = gate_layers(channels, options)
    optimizer = torch.optim.AdamW(layers.parameters(), lr=options.lr, weight_decay=1e-3)
    half = options.batch // 2 if boxed and masked else (options.batch if boxed else 0)  # box-labelled photos
    for step in range(options.steps):
        if cancelled():
            break
        batch = ([boxed[i] for i in rng.integers(0, len(boxed), half)] if boxed else []) + \
                ([masked[i] for i in rng.integers(0, len(masked), options.batch - half)] if masked else [])
        loss = torch.zeros(())
        for cell in batch:
            x = (torch.from_numpy(cell.features).float()[None] - mean_t) / std_t
            logits = layers(x)[0]
            loss = loss + (_box_loss(logits, cell, options) if cell.outside is not None
                           else _mask_loss(logits, cell, options))
        optimizer.zero_grad()
        (loss / len(batch)).backward()
        optimizer.step()
        if progress:
            progress(step + 1, options.steps, f"loss {float(loss.detach()) / len(batch):.3f}")
    view, view_mean, view_std = train_view(data, options.seed)
    return GateFit(layers.eval(), mean, std, options, view, view_mean, view_std, time.perf_counter() - started)


def fold_gate(model: RoadDamageNet, fit: GateFit) -> RoadDamageNet:
    """``model`` with the fitted gate folded in as its :class:`DamageGate` (a new network; ``model`` is kept).

    The first convolution absorbs the standardisation ``(x - mean) / std``; the last one the decision:
    evidence = scale x (gate log-odds - log-odds of the threshold), per class; the view its own standardisation
    and its strength: sigmoid(sharpness x (view log-odds - center)).
    """
    o = fit.options
    convs = [m for m in fit.layers if isinstance(m, nn.Conv2d)]
    folded = RoadDamageNet(tuple(m.fuse[0].out_channels for m in (model.up16, model.up8, model.up4, model.up2)),  # type: ignore[arg-type]
                           gate=o.hidden, gate_kernel=o.kernel, gate_depth=o.depth)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("gate.")}
    mean = torch.from_numpy(fit.mean).float()
    std = torch.from_numpy(fit.std).float()
    w1, b1 = convs[0].weight.detach(), convs[0].bias.detach()  # type: ignore[union-attr]
    state["gate.conv1.weight"] = w1 / std.view(1, -1, 1, 1)
    state["gate.conv1.bias"] = b1 - (w1 * (mean / std).view(1, -1, 1, 1)).sum((1, 2, 3))
    for j, conv in enumerate(convs[1:-1]):
        state[f"gate.mid.{j}.weight"] = conv.weight.detach()
        state[f"gate.mid.{j}.bias"] = conv.bias.detach()  # type: ignore[union-attr]
    scale = torch.tensor(o.scale, dtype=torch.float32)
    offset = torch.tensor([math.log(t / (1 - t)) for t in o.thresholds], dtype=torch.float32)
    w2, b2 = convs[-1].weight.detach(), convs[-1].bias.detach()  # type: ignore[union-attr]
    state["gate.conv2.weight"] = w2 * scale.view(2, 1, 1, 1)
    state["gate.conv2.bias"] = scale * (b2 - offset)
    vw, vb = fit.view.weight.detach(), fit.view.bias.detach()
    view_mean = torch.from_numpy(fit.view_mean).float()
    view_std = torch.from_numpy(fit.view_std).float()
    sharp = float(o.view_sharpness)
    state["gate.view.weight"] = sharp * vw / view_std.view(1, -1)
    state["gate.view.bias"] = sharp * (vb - (vw * (view_mean / view_std).view(1, -1)).sum(1) - o.view_center)
    folded.load_state_dict(state)
    return folded.eval()


def load_fit(out: Path, options: GateOptions) -> tuple[GateFit, dict[str, Any]]:
    """The gate trained in ``out`` (``gate.pt``, ``record.json``), to fold with ``options``' decision settings.

    The fit's options are the recorded training options with the decision settings of ``options``: the
    thresholds, the scale and the view's centre and sharpness (applied when folding, not learned).
    """
    saved = torch.load(out / "gate.pt", map_location="cpu", weights_only=True)
    arrays = {k: saved[k].numpy() for k in ("mean", "std", "view_mean", "view_std")}
    doc = json.loads((out / "record.json").read_text(encoding="utf-8"))
    recorded: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in saved["options"].items()
                                if k in GateOptions.__dataclass_fields__}
    trained = GateOptions(**recorded)
    layers = gate_layers(int(saved["mean"].shape[0]), trained)
    layers.load_state_dict(saved["layers"])
    view = nn.Linear(VIEW_CHANNELS, 1)
    view.load_state_dict(saved["view"])
    decided = replace(trained, thresholds=options.thresholds, scale=options.scale, view_center=options.view_center,
                      view_sharpness=options.view_sharpness)
    fit = GateFit(layers.eval(), arrays["mean"], arrays["std"], decided, view.eval(), arrays["view_mean"],
                  arrays["view_std"], float(60 * doc["minutes"]["training"]))
    return fit, doc


def run_train_gate_command(args: argparse.Namespace) -> int:
    """Cache the cells, fit the gate, fold it into the network, export. Returns the exit status."""
    from roadinspect.training.weights import export_weights

    if args.threads:
        torch.set_num_threads(args.threads)
    options = GateOptions(**{f: getattr(args, f) for f in GateOptions.__dataclass_fields__
                             if f not in ("thresholds", "scale")},
                          thresholds=args.thresholds, scale=args.scale)
    for t in options.thresholds:
        if not 0 < t < 1:
            print(f"train-gate: --thresholds must be between 0 and 1, got {t:g}")
            return 2
    try:
        model, info, _ = Segmenter.load_network(args.weights)
    except ModelError as exc:
        print(f"train-gate: {exc}")
        return 2
    path = Path(args.weights) if args.weights else default_weights()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    def say(done: int, total: int, what: str = "", /) -> None:
        if done == total or done % 100 == 0:
            print(f"  {done}/{total} {what}", flush=True)

    if args.reuse:
        try:
            fit, doc = load_fit(out, options)
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            print(f"train-gate: cannot reuse {out / 'gate.pt'}: {exc}")
            return 2
        data_count, cached = doc["photos"], 60 * doc["minutes"]["features"]
        doc["options"] = asdict(fit.options)
    else:
        started = time.perf_counter()
        print(f"gate inputs of the training photos ({path.name}) ...", flush=True)
        try:
            data, record = cache_cells(model, args.data, int(info.get("max_side", 640)), options, progress=say,
                                       report=lambda line: print(f"train-gate: {line}", flush=True))
        except (BoxesError, FileNotFoundError) as exc:
            print(f"train-gate: {exc}")
            return 2
        if not data:
            print("train-gate: no readable training photo in " + ", ".join(str(f) for f in args.data))
            return 2
        cached = time.perf_counter() - started
        data_count = len(data)
        print(f"training the gate: {options.steps} steps ...", flush=True)
        fit = train_gate(data, options, progress=say)
        arrays = {k: torch.from_numpy(np.asarray(getattr(fit, k))) for k in ("mean", "std", "view_mean", "view_std")}
        torch.save({"layers": fit.layers.state_dict(), "view": fit.view.state_dict(), "options": asdict(options),
                    **arrays}, out / "gate.pt")
        doc = {"options": asdict(options), "data": record, "photos": data_count,
               "minutes": {"features": round(cached / 60, 1), "training": round(fit.seconds / 60, 1)},
               "base_weights": {"file": path.name, "version": info.get("version"), "sha256": info.get("sha256")}}
    (out / "record.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.export:
        folded = fold_gate(model, fit)
        export_weights(folded, args.export, version=args.version,
                       extra={"training": {**info.get("training", {}), "gate": doc}},
                       thresholds=info.get("thresholds") or None, max_side=int(info.get("max_side", 640)))
        print(f"wrote {args.export}")
    print(f"done: {data_count} photos, features {cached / 60:.1f} min, gate {fit.seconds / 60:.1f} min")
    return 0
