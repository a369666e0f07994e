"""The training loop behind ``roadinspect train`` (CPU or CUDA with mixed precision).

Recipe: EfficientNet-Lite0 encoder (ImageNet init) + U-Net decoder, AdamW, linear warm-up then
cosine decay, partial-label cross-entropy + Dice (``losses.py``), augmented crops (``data.py``).
Datasets are mixed with weights proportional to the square root of their size, and images with a
pothole are drawn three times as often (the rare, costly class). A folder with ``images/`` and
``boxes.json`` (forward-view street photos with damage boxes, RDD2022) is weak supervision
(``losses.py``): its held-out 20 % (``training.boxes.rdd_split``) is never loaded, and its share of
crops is multiplied by :data:`BOX_SHARE`. ``--minutes`` bounds the wall time:
the learning-rate schedule follows whichever of steps or time runs out first. Checkpoints
(``OUT/last.ckpt``) every ``--checkpoint-every`` steps allow ``--resume``.

Crops are made on the CPU while the network trains: by one background thread (``--loader-workers 0``,
the default on the CPU, where the network needs the cores), or by worker processes of a torch
``DataLoader`` (the default on CUDA: one Python thread cannot augment crops as fast as a GPU consumes
them). Each worker draws with its own seed (``seed + step + 7919 * worker``).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from roadinspect.core.network import MEAN, STD, RoadDamageNet
from roadinspect.core.segmenter import ModelError, Segmenter, resolve_device
from roadinspect.core.types import DamageClass
from roadinspect.training.boxes import rdd_split, read_boxes
from roadinspect.training.data import CropSampler, Sample, annotated_vector, box_sample, load_pair, open_dataset, split
from roadinspect.training.losses import PROJECTION_WEIGHT, WEAK_BACKGROUND, total_loss

POTHOLE_BOOST = 3.0
BOX_SHARE = 1.5
"""Extra share of crops for box-labelled forward-view folders (the view inspectors photograph)."""
WARMUP = 150


@dataclass(frozen=True)
class TrainOptions:
    """A training run's settings (``roadinspect train``'s options, typed; the defaults are the command line's)."""

    data: tuple[Path, ...]
    """dataset folders (images/ + masks/, or images/ + boxes.json)"""
    out: Path
    """run folder: checkpoints, log, recipe, split"""
    steps: int = 20000
    batch: int = 8
    crop: int = 320
    lr: float = 2e-3
    seed: int = 20251125
    device: str = "auto"
    init: str = "imagenet"
    """``imagenet``, ``shipped`` or ``none``"""
    resume: bool = False
    export: Path | None = None
    checkpoint_every: int = 250
    minutes: float = 0
    """wall-time budget (0: none)"""
    threads: int = 0
    loader_workers: int = -1
    weak_background: float | None = None
    projection_weight: float | None = None
    weak_share: float | None = None
    freeze_bn: bool = False
    warmup: int | None = None
    snapshots: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainOptions:
        """The options of a parsed ``roadinspect train`` command line (its other attributes are the CLI's)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in vars(args).items() if k in known}
        return cls(**{**values, "data": tuple(values["data"])})


def _load_box_folder(folder: Path, samples: list[Sample], weights: list[float], record: dict, log) -> None:
    """Append the training photos of a box-labelled folder as weak samples (the held-out part never)."""
    images = read_boxes(folder)
    parts = rdd_split([im.name for im in images])
    train_names = set(parts["train"])
    start = len(samples)
    for im in images:
        if im.name not in train_names:
            continue
        samples.append(box_sample(im.path, im.width, im.height, list(im.boxes)))
        weights.append(POTHOLE_BOOST if im.damage_boxes(DamageClass.POTHOLE) else 1.0)
    if len(samples) == start:
        raise ValueError(f"{folder}: no box-labelled photo left for training (all {len(images)} are held out)")
    block = np.array(weights[start:])
    weights[start:] = list(block / block.sum() * math.sqrt(max(1, len(block))) * BOX_SHARE)
    record[folder.name] = {"train": len(block), "val": len(parts["val"]), "annotated": ["boxes"]}
    log(f"{folder.name}: {len(block)} train / {len(parts['val'])} held-out box-labelled images (weak supervision)")


def load_training_samples(folders: list[Path], seed: int, log=print) -> tuple[list[Sample], np.ndarray, dict]:
    """Load the training part of every dataset into memory; return samples, sampling weights, split record."""
    samples: list[Sample] = []
    weights: list[float] = []
    record: dict[str, dict] = {}
    for folder in folders:
        if (Path(folder) / "boxes.json").is_file() and not (Path(folder) / "masks").is_dir():
            _load_box_folder(Path(folder), samples, weights, record, log)
            continue
        info = open_dataset(folder)
        parts = split(info, seed=seed)
        record[info.name] = {"train": len(parts["train"]), "val": len(parts["val"]),
                             "annotated": sorted(c.label for c in info.annotated)}
        ann = annotated_vector(info)
        share = math.sqrt(max(1, len(parts["train"])))
        start = len(samples)
        for stem in parts["train"]:
            image, mask = load_pair(info, stem)
            ys, xs = np.nonzero(mask == 2)
            pothole = None
            if len(ys):
                pick = np.linspace(0, len(ys) - 1, num=min(len(ys), 256)).astype(int)
                pothole = np.stack([ys[pick], xs[pick]], axis=1)
            samples.append(Sample(image, mask, ann, pothole))
            weights.append(POTHOLE_BOOST if pothole is not None and ann[1] else 1.0)
        block = np.array(weights[start:])
        weights[start:] = list(block / block.sum() * share)
        log(f"{info.name}: {len(parts['train'])} train / {len(parts['val'])} val images, "
            f"annotates {', '.join(record[info.name]['annotated'])}")
    return samples, np.array(weights), record


class CropStream(IterableDataset):
    """Endless batches of augmented crops for a ``DataLoader`` (``batch_size=None``): each worker
    process runs its own :class:`CropSampler` with its own seed."""

    def __init__(self, samples: list[Sample], weights: np.ndarray, crop: int, batch: int, seed: int,
                 weak_share: float | None = None) -> None:
        self.samples, self.weights, self.crop, self.batch, self.seed = samples, weights, crop, batch, seed
        self.weak_share = weak_share

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        info = get_worker_info()
        sampler = CropSampler(self.samples, self.weights, self.crop, seed=self.seed + 7919 * (info.id if info else 0),
                              weak_share=self.weak_share)
        while True:
            yield sampler.batch(self.batch)


def default_loader_workers(device: torch.device) -> int:
    """0 (a background thread) on the CPU; on CUDA one process per spare core, at most 12, where the
    samples can be shared by ``fork`` (elsewhere each worker would copy every image)."""
    if device.type != "cuda" or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(0, min(12, (os.cpu_count() or 1) - 2))


def crop_batches(samples: list[Sample], weights: np.ndarray, crop: int, batch: int, seed: int, workers: int,
                 pin: bool = False, weak_share: float | None = None) -> tuple[Iterator, Callable[[], None]]:
    """An endless iterator of ``(images, masks, annotated, boxes, weak)`` batches and the function that stops it
    (``weak_share``: the share of each batch drawn from box-labelled photos, see :class:`CropSampler`)."""
    if workers > 0:
        fork = "fork" in multiprocessing.get_all_start_methods()  # else spawn: each worker copies the samples
        loader = DataLoader(CropStream(samples, weights, crop, batch, seed, weak_share), batch_size=None,
                            num_workers=workers, pin_memory=pin, prefetch_factor=4,
                            multiprocessing_context="fork" if fork else None)
        iterator = iter(loader)
        # the iterator stops its workers when it is shut down or collected
        return iterator, getattr(iterator, "_shutdown_workers", lambda: None)
    sampler = CropSampler(samples, weights, crop, seed=seed, weak_share=weak_share)
    batches: queue.Queue = queue.Queue(maxsize=6)
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            batches.put(sampler.batch(batch))

    threading.Thread(target=produce, daemon=True).start()

    def close() -> None:
        stop.set()
        while not batches.empty():
            batches.get_nowait()

    return iter(batches.get, None), close


def _to_tensors(batch, device: torch.device):
    images, masks, annotated, boxes, weak = (torch.as_tensor(part) for part in batch)
    non_blocking = device.type == "cuda"
    x = images.to(device, non_blocking=non_blocking).permute(0, 3, 1, 2).float()
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1) * 255
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1) * 255
    x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
    y = masks.to(device, non_blocking=non_blocking).long()
    a = annotated.to(device, non_blocking=non_blocking)
    return x, y, a, boxes.to(device, non_blocking=non_blocking), weak.to(device, non_blocking=non_blocking)


def _lr_factor(step: int, steps: int, elapsed: float, budget: float, warmup: int = WARMUP) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = step / steps
    if budget > 0:
        progress = max(progress, elapsed / budget)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress))) * 0.98 + 0.02


def train(args: TrainOptions, log: Callable[[str], None] = print) -> RoadDamageNet:
    """Run the training described by ``args`` (see ``roadinspect train --help``); return the model."""
    recipe = weak_recipe(args)  # a bad setting is named before anything is loaded
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = resolve_device(args.device)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    threads = args.threads
    if device.type == "cpu" and threads:
        torch.set_num_threads(threads)
    samples, weights, record = load_training_samples(list(args.data), args.seed, log)
    (out / "split.json").write_text(json.dumps(record, indent=2), encoding="utf-8")

    model = RoadDamageNet()
    if args.init == "imagenet":
        from roadinspect.training.pretrained import load_imagenet_encoder

        load_imagenet_encoder(model)
    elif args.init == "shipped":
        model = Segmenter.load_network()[0]  # checked; with the shipped forward-view gate, if it has one
    model = model.to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda")
    step, spent = 0, 0.0
    ckpt = out / "last.ckpt"
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, spent = int(state["step"]), float(state.get("elapsed", 0.0))
        log(f"resumed from {ckpt} at step {step}")

    workers = args.loader_workers
    workers = default_loader_workers(device) if workers is None or workers < 0 else workers
    batches, close_batches = crop_batches(samples, weights, args.crop, args.batch, args.seed + step, workers,
                                          pin=device.type == "cuda", weak_share=recipe["weak_share"])
    log(f"crops: {'a background thread' if workers == 0 else f'{workers} worker processes'}")
    if any(s.boxes is not None for s in samples):
        share = "by sampling weight" if recipe["weak_share"] is None else f"{recipe['weak_share']:.2f} of each batch"
        log(f"weak supervision: background weight {recipe['weak_background']} outside boxes, projection weight "
            f"{recipe['projection_weight']}, box-labelled crops {share}")
    (out / "recipe.json").write_text(json.dumps({**recipe, "lr": args.lr, "batch": args.batch, "crop": args.crop,
                                                 "steps": args.steps},
                                                indent=2), encoding="utf-8")
    budget = float(args.minutes or 0) * 60
    start = time.monotonic() - spent
    running = None
    set_train_mode(model, freeze_bn=recipe["freeze_bn"])
    try:
        while step < args.steps:
            elapsed = time.monotonic() - start
            if budget and elapsed >= budget:
                log(f"time budget reached at step {step}")
                break
            factor = _lr_factor(step, args.steps, elapsed, budget, recipe["warmup"])
            for group in optimizer.param_groups:
                group["lr"] = args.lr * factor
            x, y, a, b, w = _to_tensors(next(batches), device)
            with torch.autocast(device.type, dtype=torch.bfloat16 if device.type == "cpu" else torch.float16,
                                enabled=device.type == "cuda"):
                logits = model(x)
            loss = total_loss(logits, y, a, b, w, recipe["weak_background"], recipe["projection_weight"])
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
            if step % 25 == 0 or step == args.steps:
                rate = step / max(1e-6, time.monotonic() - start)
                log(f"step {step}/{args.steps} loss {running:.4f} lr {args.lr * factor:.2e} "
                    f"{rate:.2f} it/s elapsed {(time.monotonic() - start) / 60:.1f} min")
            if step % args.checkpoint_every == 0:
                _save(ckpt, model, optimizer, step, time.monotonic() - start)
                if args.snapshots:
                    _snapshot(model, out, step, recipe["freeze_bn"])
    finally:
        close_batches()
    _save(ckpt, model, optimizer, step, time.monotonic() - start)
    return model.eval().cpu().to(memory_format=torch.contiguous_format)


def weak_recipe(args: TrainOptions) -> dict[str, Any]:
    """The fine-tuning settings of a run (``--weak-background``, ``--projection-weight``,
    ``--weak-share``, ``--freeze-bn``, ``--warmup``), with the module defaults where an option is absent.

    Raises:
        ValueError: a setting out of range (one line naming the option).
    """
    background, projection, share = args.weak_background, args.projection_weight, args.weak_share
    recipe: dict[str, Any] = {
        "weak_background": WEAK_BACKGROUND if background is None else float(background),
        "projection_weight": PROJECTION_WEIGHT if projection is None else float(projection),
        "weak_share": None if share is None else float(share),
        "freeze_bn": bool(args.freeze_bn),
        "warmup": WARMUP if args.warmup is None else int(args.warmup)}
    if not recipe["weak_background"] > 0:
        raise ValueError(f"--weak-background must be above 0 (got {recipe['weak_background']})")
    if recipe["projection_weight"] < 0:
        raise ValueError(f"--projection-weight must be 0 or more (got {recipe['projection_weight']})")
    if recipe["warmup"] < 1:
        raise ValueError(f"--warmup must be at least 1 step (got {recipe['warmup']})")
    if recipe["weak_share"] is not None and not 0 <= recipe["weak_share"] <= 1:
        raise ValueError(f"--weak-share must be between 0 and 1 (got {recipe['weak_share']})")
    return recipe


def set_train_mode(model: torch.nn.Module, freeze_bn: bool = False) -> None:
    """``model.train()``; with ``freeze_bn`` the batch-norm layers stay in eval mode (their running
    statistics, learnt on the pixel-labelled data, are not pulled towards small mixed batches)."""
    model.train()
    if freeze_bn:
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def _snapshot(model: RoadDamageNet, out: Path, step: int, freeze_bn: bool) -> None:
    """``OUT/step-NNNNNN.safetensors`` (+ sidecar): the weights at ``step``, loadable by ``evaluate --weights``."""
    from roadinspect.training.weights import export_weights

    model.eval()
    try:
        export_weights(model, out / f"step-{step:06d}.safetensors", version=f"{time.strftime('%Y.%m.%d')}-step{step}")
    finally:
        set_train_mode(model, freeze_bn)


def _save(path: Path, model, optimizer, step: int, elapsed: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "elapsed": elapsed}, tmp)
    tmp.replace(path)


def run_train_command(args: argparse.Namespace) -> int:
    """``roadinspect train``: train, checkpoint, optionally export safetensors; exit code."""
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    options = TrainOptions.from_args(args)
    try:
        model = train(options, log)
    except (FileNotFoundError, ModuleNotFoundError, ValueError, ModelError) as exc:
        log(f"error: {exc}")
        return 2
    if options.export:
        from roadinspect.training.weights import export_weights

        info = export_weights(model, options.export, version=time.strftime("%Y.%m.%d"))
        log(f"wrote {options.export} (sha256 {info['sha256'][:12]}...)")
    return 0
