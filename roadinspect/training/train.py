"""The training loop behind ``roadinspect train`` (CPU or CUDA with mixed precision).

Recipe: EfficientNet-Lite0 encoder (ImageNet init) + U-Net decoder, AdamW, linear warm-up then
cosine decay, partial-label cross-entropy + Dice (``losses.py``), augmented crops (``data.py``).
Datasets are mixed with weights proportional to the square root of their size, and images with a
pothole are drawn three times as often (the rare, costly class). ``--minutes`` bounds the wall time:
the learning-rate schedule follows whichever of steps or time runs out first. Checkpoints
(``OUT/last.ckpt``) every ``--checkpoint-every`` steps allow ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

from roadinspect.core.network import MEAN, STD, RoadDamageNet
from roadinspect.training.data import CropSampler, Sample, annotated_vector, load_pair, open_dataset, split
from roadinspect.training.losses import total_loss

POTHOLE_BOOST = 3.0
WARMUP = 150


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_training_samples(folders: list[Path], seed: int, log=print) -> tuple[list[Sample], np.ndarray, dict]:
    """Load the training part of every dataset into memory; return samples, sampling weights, split record."""
    samples: list[Sample] = []
    weights: list[float] = []
    record: dict[str, dict] = {}
    for folder in folders:
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


def _to_tensors(batch, device: torch.device):
    images, masks, annotated = batch
    x = torch.from_numpy(images).to(device).permute(0, 3, 1, 2).float()
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1) * 255
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1) * 255
    x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(masks.astype(np.int64)).to(device)
    a = torch.from_numpy(annotated).to(device)
    return x, y, a


def _lr_factor(step: int, steps: int, elapsed: float, budget: float) -> float:
    if step < WARMUP:
        return (step + 1) / WARMUP
    progress = step / steps
    if budget > 0:
        progress = max(progress, elapsed / budget)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress))) * 0.98 + 0.02


def train(args: argparse.Namespace, log=print) -> RoadDamageNet:
    """Run the training described by ``args`` (see ``roadinspect train --help``); return the model."""
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = _device(args.device)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if device.type == "cpu" and getattr(args, "threads", 0):
        torch.set_num_threads(args.threads)
    samples, weights, record = load_training_samples(list(args.data), args.seed, log)
    (out / "split.json").write_text(json.dumps(record, indent=2), encoding="utf-8")

    model = RoadDamageNet()
    if args.init == "imagenet":
        from roadinspect.training.pretrained import load_imagenet_encoder

        load_imagenet_encoder(model)
    elif args.init == "shipped":
        from roadinspect.core.segmenter import default_weights
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(str(default_weights())).items()})
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

    sampler = CropSampler(samples, weights, args.crop, seed=args.seed + step)
    batches: queue.Queue = queue.Queue(maxsize=6)
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            batches.put(sampler.batch(args.batch))

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    budget = float(getattr(args, "minutes", 0) or 0) * 60
    start = time.monotonic() - spent
    running = None
    model.train()
    try:
        while step < args.steps:
            elapsed = time.monotonic() - start
            if budget and elapsed >= budget:
                log(f"time budget reached at step {step}")
                break
            factor = _lr_factor(step, args.steps, elapsed, budget)
            for group in optimizer.param_groups:
                group["lr"] = args.lr * factor
            x, y, a = _to_tensors(batches.get(), device)
            with torch.autocast(device.type, dtype=torch.bfloat16 if device.type == "cpu" else torch.float16,
                                enabled=device.type == "cuda"):
                logits = model(x)
            loss = total_loss(logits, y, a)
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
    finally:
        stop.set()
        while not batches.empty():
            batches.get_nowait()
    _save(ckpt, model, optimizer, step, time.monotonic() - start)
    return model.eval().cpu().to(memory_format=torch.contiguous_format)


def _save(path: Path, model, optimizer, step: int, elapsed: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "elapsed": elapsed}, tmp)
    tmp.replace(path)


def run_train_command(args: argparse.Namespace) -> int:
    """``roadinspect train``: train, checkpoint, optionally export safetensors; exit code."""
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        model = train(args, log)
    except (FileNotFoundError, ModuleNotFoundError, ValueError) as exc:
        log(f"error: {exc}")
        return 2
    if args.export:
        from roadinspect.training.export import export_weights

        info = export_weights(model, args.export, version=time.strftime("%Y.%m.%d"))
        log(f"wrote {args.export} (sha256 {info['sha256'][:12]}...)")
    return 0
