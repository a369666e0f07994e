"""Load the shipped segmentation model once and predict class masks on numpy images.

The weights live in ``models/<name>.safetensors`` beside ``models/<name>.json`` (name, version, sha256,
architecture, working size, class thresholds) and a human model card ``models/<name>.md``. The sha256
of the weights is checked at load: a file that does not match is refused (:class:`ModelIntegrityError`).

Working resolution: every input is resized (area-averaged) so that its longest side is at most
``max_side`` (640 by default, the resolution of the survey-vehicle training images; measured in
``models/<name>.md``), then padded to a multiple of 32. Images already smaller are not upscaled.
Probabilities come back at the working resolution; :meth:`Segmentation.full_mask` brings the class
mask to the input's full size by bilinear interpolation of the probabilities, band by band, so
12-megapixel photos never need a full-size float array.

CPU fast path: ``channels_last`` memory format, ``torch.inference_mode``, flush-denormals, batch-norm
folded into the convolutions, and a thread count equal to the number of physical cores. CUDA (fp16
autocast) is used when ``device="auto"`` and a GPU is present.

The network's backend is part of the segmenter: ``torch_model`` is the reference network, ``model`` the network
:meth:`Segmenter.run` calls (the reference, or the same network run by ONNX Runtime or OpenVINO) and ``backend``
says which (:class:`roadinspect.core.backends.Accelerated`). ``Segmenter.load(..., backend="auto")`` chooses it at
load (:func:`roadinspect.core.backends.accelerate`, by measurement); :meth:`Segmenter.use_network` is the one way
it changes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from roadinspect.core.backends import Accelerated, Backend, Network, Precision
from roadinspect.core.network import MEAN, STD, STRIDE, RoadDamageNet, network_for
from roadinspect.core.resources import models_dir

DEFAULT_MODEL_NAME = "roadinspect-seg"
DEFAULT_MAX_SIDE = 640
DEFAULT_DECODER_CHANNELS = (96, 64, 48, 32)
MAX_SIDE_RANGE = (32, 8192)
"""Accepted working sizes (longest side, pixels)."""
THRESHOLD_KEYS = {"crack": "probability", "pothole": "probability", "crack_weight": "weight",
                  "pothole_weight": "weight"}
"""Keys of the sidecar's ``thresholds``: probabilities in [0, 1], class weights in (0, 100]."""
_BAND_ROWS = 256


class ModelError(RuntimeError):
    """The model could not be loaded (missing or malformed files)."""


def resolve_device(device: str) -> torch.device:
    """``auto`` -> CUDA when usable, else the CPU; ``cpu``/``cuda``/``cuda:N`` as given, once checked.

    Raises:
        ModelError: an unknown device name, or CUDA asked for where torch cannot use a GPU.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"unknown device {device!r}: use auto, cpu or cuda") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", built without CUDA")
        raise ModelError(f"device {device!r} asked for, but no CUDA GPU is usable here ({build}): "
                         "use --device cpu or auto")
    if dev.type not in ("cpu", "cuda"):
        raise ModelError(f"device {device!r} is not supported: use auto, cpu or cuda")
    return dev


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_model_info(info: object, meta_path: Path, remedy: str = "reinstall RoadInspect") -> None:
    """Check every field of a weights sidecar (``<name>.json``) that loading and prediction use.

    Raises :class:`ModelError` with one line naming the file and the field, e.g. ``max_side must be a
    whole number of pixels between 32 and 8192, got 'big'``. Unknown extra fields (training notes,
    calibration) are allowed.
    """
    def bad(field: str, expected: str, value: object) -> ModelError:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return ModelError(f"model metadata {meta_path}: {field} must be {expected}, got {shown}; {remedy}")

    if not isinstance(info, dict):
        raise bad("the file", "a JSON object", info)
    sha = info.get("sha256")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdefABCDEF" for c in sha)):
        raise bad("sha256", "the 64 hexadecimal digits of the weights' SHA-256", sha)
    if "name" in info and not (isinstance(info["name"], str) and info["name"].strip()):
        raise bad("name", "a non-empty text", info["name"])
    if "version" in info and not (isinstance(info["version"], str) or _is_number(info["version"])):
        raise bad("version", "a text", info["version"])
    if "arch" in info and info["arch"] != RoadDamageNet.arch:
        raise bad("arch", f"{RoadDamageNet.arch!r}", info["arch"])
    if "classes" in info and info["classes"] != ["background", "crack", "pothole"]:
        raise bad("classes", "['background', 'crack', 'pothole']", info["classes"])
    low, high = MAX_SIDE_RANGE
    if "max_side" in info and not (_is_int(info["max_side"]) and low <= info["max_side"] <= high):
        raise bad("max_side", f"a whole number of pixels between {low} and {high}", info["max_side"])
    channels = info.get("decoder_channels", list(DEFAULT_DECODER_CHANNELS))
    if not (isinstance(channels, list) and len(channels) == 4
            and all(_is_int(c) and 1 <= c <= 4096 for c in channels)):
        raise bad("decoder_channels", "a list of 4 whole numbers between 1 and 4096", channels)
    thresholds = info.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise bad("thresholds", "a JSON object", thresholds)
    for key, value in thresholds.items():
        kind = THRESHOLD_KEYS.get(key)
        if kind is None:
            raise bad(f"thresholds.{key}", f"one of {', '.join(THRESHOLD_KEYS)} (unknown key)", value)
        if kind == "probability" and not (_is_number(value) and 0.0 <= value <= 1.0):
            raise bad(f"thresholds.{key}", "a probability between 0 and 1", value)
        if kind == "weight" and not (_is_number(value) and 0.0 < value <= 100.0):
            raise bad(f"thresholds.{key}", "a class weight above 0 and at most 100", value)


class ModelIntegrityError(ModelError):
    """The weights file does not match the sha256 recorded beside it (tampered or corrupt)."""


@dataclass(frozen=True)
class Segmentation:
    """The model's answer for one image.

    Attributes:
        mask: ``(h, w)`` uint8 class per pixel (0 background, 1 crack, 2 pothole) at working resolution.
        probs: ``(3, h, w)`` float32 class probabilities at working resolution.
        image_size: ``(W, H)`` of the input image.
    """

    mask: np.ndarray
    probs: np.ndarray
    image_size: tuple[int, int]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def scale(self) -> tuple[float, float]:
        """``(sx, sy)``: multiply working-resolution coordinates by these to get image pixels."""
        h, w = self.mask.shape
        return self.image_size[0] / w, self.image_size[1] / h

    def full_mask(self) -> np.ndarray:
        """The class mask at the input's full size, ``(H, W)`` uint8, same decision rule as :attr:`mask`."""
        width, height = self.image_size
        h, w = self.mask.shape
        if (w, h) == (width, height):
            return self.mask.copy()
        probs = torch.from_numpy(self.probs)[None]
        out = np.empty((height, width), dtype=np.uint8)
        xs = (torch.arange(width, dtype=torch.float32) + 0.5) / width * 2 - 1
        for top in range(0, height, _BAND_ROWS):
            bottom = min(height, top + _BAND_ROWS)
            ys = (torch.arange(top, bottom, dtype=torch.float32) + 0.5) / height * 2 - 1
            grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1)[None]
            band = F.grid_sample(probs, grid, mode="bilinear", padding_mode="border", align_corners=False)
            out[top:bottom] = decide(band[0].numpy(), self.thresholds)
        return out


def working_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """``(w, h)`` the model sees for an input of ``width`` x ``height``: longest side <= ``max_side``."""
    factor = min(1.0, max_side / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_weights() -> Path:
    """The shipped weights file (``models/roadinspect-seg.safetensors``)."""
    return models_dir() / f"{DEFAULT_MODEL_NAME}.safetensors"


def _fold_batchnorm(model: torch.nn.Module) -> torch.nn.Module:
    """Fold every BatchNorm that directly follows a bias-free Conv2d into it (inference only)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    def fold(container: torch.nn.Module) -> None:
        names = list(container._modules)
        for first, second in itertools.pairwise(names):
            conv, bn = container._modules[first], container._modules[second]
            if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
                container._modules[first] = fuse_conv_bn_eval(conv, bn)
                container._modules[second] = torch.nn.Identity()
        for child in container.children():
            fold(child)

    fold(model)
    return model


def _fold_named_pairs(model: RoadDamageNet) -> None:
    """Fold the encoder's conv/bn pairs, which are attributes rather than Sequential neighbours."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    enc = model.encoder
    enc._conv_stem = fuse_conv_bn_eval(enc._conv_stem, enc._bn0)
    enc._bn0 = torch.nn.Identity()  # type: ignore[assignment]  # the folded batch norm: a no-op in its place
    for block in enc._blocks:
        pairs = [("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2")]
        if block.has_expand:
            pairs.append(("_expand_conv", "_bn0"))
        for conv_name, bn_name in pairs:
            setattr(block, conv_name, fuse_conv_bn_eval(getattr(block, conv_name), getattr(block, bn_name)))
            setattr(block, bn_name, torch.nn.Identity())


class Segmenter:
    """The road-damage segmenter: load once, then :meth:`predict` on ``(H, W, 3)`` uint8 RGB arrays.

    Thread-safe for prediction (torch inference is re-entrant); not picklable.
    """

    torch_model: RoadDamageNet
    """The reference network (batch norm folded, ``channels_last``), the one training and the ONNX export use."""
    model: Network
    """The network :meth:`run` calls: :attr:`torch_model`, or the same network run by an optional backend."""
    backend: Accelerated
    """What runs :attr:`model` (backend, precision, threads, why): torch until :meth:`use_network` says otherwise."""

    def __init__(self, model: RoadDamageNet, info: dict[str, Any], sha256: str, device: torch.device) -> None:
        self.torch_model = model
        self.model = model
        self.backend = Accelerated(Backend.TORCH, Precision.FP32 if device.type == "cpu" else Precision.FP16_AUTOCAST,
                                   torch.get_num_threads())
        self.info = info
        self.name: str = info.get("name", DEFAULT_MODEL_NAME)
        self.version: str = str(info.get("version", "?"))
        self.sha256 = sha256
        self.device = device
        self.max_side: int = int(info.get("max_side", DEFAULT_MAX_SIDE))
        self._mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1) * 255
        self._std = torch.tensor(STD, device=device).view(1, 3, 1, 1) * 255

    # ------------------------------------------------------------------ loading
    @staticmethod
    def load_network(weights: Path | None = None) -> tuple[RoadDamageNet, dict[str, Any], str]:
        """The network of ``weights`` (default: the shipped model) as trained (batch norm not folded), in eval
        mode, with its metadata and sha256, after every check :meth:`load` makes.

        Raises:
            ModelError: a missing or malformed weights/metadata file.
            ModelIntegrityError: the weights do not match the recorded sha256.
        """
        from safetensors.torch import load_file

        path = Path(weights) if weights else default_weights()
        meta_path = path.with_suffix(".json")
        if not path.is_file():
            raise ModelError(f"model weights not found: {path}")
        if not meta_path.is_file():
            raise ModelError(f"model metadata not found: {meta_path} (expected beside the weights)")
        shipped = weights is None or path.resolve() == default_weights().resolve()
        remedy = "reinstall RoadInspect" if shipped else (
            "export the weights again (roadinspect train --export) or use the JSON file written with them")
        try:
            info = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read model metadata {meta_path}: {exc}; {remedy}") from exc
        check_model_info(info, meta_path, remedy)
        actual = file_sha256(path)
        expected = info["sha256"].lower()
        if actual != expected:
            raise ModelIntegrityError(
                f"model weights {path.name} do not match their recorded checksum (sha256 {actual[:12]}... "
                f"instead of {expected[:12]}...): the file is corrupt or was modified; {remedy}"
            )
        try:
            state = load_file(str(path))
        except Exception as exc:  # safetensors raises its own (version-dependent) error types
            raise ModelError(f"cannot read model weights {path}: {exc}") from exc
        try:
            model = network_for(state, tuple(info.get("decoder_channels", DEFAULT_DECODER_CHANNELS)))
            model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"weights {path.name} do not fit architecture {RoadDamageNet.arch}: {exc}") from exc
        return model.eval(), info, actual

    @classmethod
    def load(cls, weights: Path | None = None, device: str = "auto", threads: int | None = None,
             max_side: int | None = None, backend: str | None = None, precision: str | None = None) -> Segmenter:
        """Load weights (default: the shipped model), verify their sha256, prepare the fast path.

        ``max_side`` overrides the working resolution recorded with the weights (e.g. 1280 to keep
        finer cracks of high-resolution photos, at about 4x the model time). ``backend`` (``auto``, ``openvino``,
        ``onnxruntime``, ``torch``; :data:`roadinspect.core.backends.BACKEND_CHOICES`) and ``precision``: the
        backend chosen at load (:func:`roadinspect.core.backends.accelerate`, which falls back to torch by itself
        and says why in :attr:`backend`); None (the default) keeps torch without measuring (``precision`` unused).

        Raises:
            ModelError: a missing or malformed weights/metadata file.
            ModelIntegrityError: the weights do not match the recorded sha256.
        """
        model, info, actual = cls.load_network(weights)
        if max_side:
            if not (isinstance(max_side, int) and not isinstance(max_side, bool)
                    and MAX_SIDE_RANGE[0] <= max_side <= MAX_SIDE_RANGE[1]):
                raise ModelError(f"working size {max_side!r} must be a whole number of pixels between "
                                 f"{MAX_SIDE_RANGE[0]} and {MAX_SIDE_RANGE[1]}")
            info = {**info, "max_side": int(max_side)}
        segmenter = cls.from_model(model, info, actual, device=device, threads=threads)
        if backend is not None:
            from roadinspect.core.backends import accelerate

            accelerate(segmenter, backend=backend, precision=precision)
        return segmenter

    @classmethod
    def from_model(cls, model: RoadDamageNet, info: dict[str, Any], sha256: str = "", device: str = "auto",
                   threads: int | None = None) -> Segmenter:
        """Wrap an in-memory network (used by training and evaluation); folds BN for inference."""
        dev = resolve_device(device)
        model = model.eval()
        if dev.type == "cpu":
            torch.set_flush_denormal(True)
            if threads is None:
                threads = int(os.environ.get("ROADINSPECT_THREADS", "0")) or _physical_cores()
            torch.set_num_threads(max(1, threads))
        import copy

        model = copy.deepcopy(model)
        _fold_named_pairs(model)
        _fold_batchnorm(model)
        model = model.to(dev).to(memory_format=torch.channels_last)
        return cls(model, info, sha256, dev)

    def use_network(self, network: Network, backend: Accelerated) -> Accelerated:
        """Run ``network`` from now on (:attr:`torch_model` or the same network run by another backend, as
        :func:`roadinspect.core.backends.accelerate` builds it); ``backend`` says what it is. Returns ``backend``."""
        self.model = network
        self.backend = backend
        return backend

    # ------------------------------------------------------------------ prediction
    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """``(H, W, 3)`` uint8 -> ``(1, 3, h, w)`` float tensor at working resolution (not padded)."""
        return working_tensor(image, self.max_side, self.device)

    def predict(self, image: np.ndarray) -> Segmentation:
        """Segment one ``(H, W, 3)`` uint8 RGB image."""
        return self.predict_batch([image])[0]

    def predict_batch(self, images: Sequence[np.ndarray]) -> list[Segmentation]:
        """Segment several images; those with the same working size run as one batch."""
        results: list[Segmentation | None] = [None] * len(images)
        groups: dict[tuple[int, int], list[int]] = {}
        tensors = [self.preprocess(img) for img in images]
        for i, t in enumerate(tensors):
            groups.setdefault((int(t.shape[-2]), int(t.shape[-1])), []).append(i)
        for indices in groups.values():
            probs = self.run(torch.cat([tensors[i] for i in indices]))
            for i, p in zip(indices, probs, strict=True):
                results[i] = self._finish(p, images[i].shape[1], images[i].shape[0])
        return [r for r in results if r is not None]

    @torch.inference_mode()
    def run(self, batch: torch.Tensor) -> np.ndarray:
        """``(N, 3, h, w)`` float 0-255 -> ``(N, 3, h, w)`` float32 probabilities (pads to /32 internally)."""
        h, w = batch.shape[-2:]
        x = network_input(batch, self._mean, self._std).contiguous(memory_format=torch.channels_last)
        if self.device.type == "cuda":
            with torch.autocast("cuda", dtype=torch.float16):
                logits = self.model(x)
        else:
            logits = self.model(x)
        probs = torch.softmax(logits[..., :h, :w].float(), dim=1)
        return probs.cpu().numpy()

    def _finish(self, probs: np.ndarray, width: int, height: int) -> Segmentation:
        mask = decide(probs, self.info.get("thresholds", {}))
        return Segmentation(mask=mask, probs=np.ascontiguousarray(probs, dtype=np.float32),
                            image_size=(width, height), thresholds=dict(self.info.get("thresholds", {})))


def working_tensor(image: np.ndarray, max_side: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(H, W, 3)`` uint8 -> ``(1, 3, h, w)`` float 0-255 at the working size (area-resized, never upscaled).

    Raises:
        ValueError: not an ``(H, W, 3)`` uint8 image.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    height, width = image.shape[:2]
    w, h = working_size(width, height, max_side)
    if not (image.flags.writeable and image.flags.c_contiguous):
        image = np.array(image)  # torch refuses read-only arrays (e.g. np.asarray of a Pillow image)
    x = torch.from_numpy(image).to(device).permute(2, 0, 1)[None].float()
    if (w, h) != (width, height):
        x = F.interpolate(x, size=(h, w), mode="area")
    return x


def network_input(batch: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(N, 3, h, w)`` float 0-255 -> normalised with ``mean`` / ``std`` (``(1, 3, 1, 1)``, 0-255 scale) and
    padded by replication to ``(N, 3, H, W)``, H and W the next multiples of :data:`STRIDE`."""
    h, w = batch.shape[-2:]
    pad_h, pad_w = (-h) % STRIDE, (-w) % STRIDE
    x = (batch - mean) / std
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
    return x


def decide(probs: np.ndarray, thresholds: Mapping[str, float]) -> np.ndarray:
    """Class decision from ``(3, h, w)`` probabilities: ``(h, w)`` uint8 class mask.

    Weighted argmax (``thresholds["crack_weight"]``, ``["pothole_weight"]``, default 1: a class's
    probability is multiplied by its weight before the argmax; calibrated on the validation split by
    ``roadinspect calibrate``), then a class whose plain probability is below ``thresholds["crack"]`` /
    ``["pothole"]`` falls to background.
    """
    weights = [1.0, float(thresholds.get("crack_weight", 1.0)), float(thresholds.get("pothole_weight", 1.0))]
    if weights == [1.0, 1.0, 1.0]:
        mask = probs.argmax(0).astype(np.uint8)
    else:
        mask = (probs * np.asarray(weights, dtype=probs.dtype)[:, None, None]).argmax(0).astype(np.uint8)
    for cls, key in ((1, "crack"), (2, "pothole")):
        t = float(thresholds.get(key, 0.0))
        if t > 0:
            mask[(mask == cls) & (probs[cls] < t)] = 0
    return np.asarray(mask, dtype=np.uint8)


def _physical_cores() -> int:
    count = os.cpu_count() or 1
    return max(1, count // 2) if count > 4 else count

