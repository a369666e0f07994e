"""Write trained weights as safetensors (fp16) with the JSON sidecar the :class:`Segmenter` checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from roadinspect.core.network import RoadDamageNet, network_for
from roadinspect.core.segmenter import DEFAULT_MAX_SIDE, DEFAULT_MODEL_NAME, file_sha256

CLASSES = ["background", "crack", "pothole"]


def export_weights(model: RoadDamageNet, path: Path, *, version: str, extra: dict | None = None,
                   thresholds: dict | None = None, max_side: int = DEFAULT_MAX_SIDE, half: bool = True) -> dict:
    """Save ``model`` to ``path`` (.safetensors) and ``path.with_suffix('.json')``; return the sidecar dict.

    Floating-point tensors are stored as fp16 when ``half`` (halves the file; the evaluation in the model
    card is run on the exported file, so any loss is measured, not assumed).
    """
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {}
    for key, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        if half and t.is_floating_point():
            t = t.half()
        state[key] = t
    tmp = path.with_suffix(".safetensors.tmp")
    save_file(state, str(tmp), metadata={"arch": model.arch, "version": version})
    os.chmod(tmp, 0o644)  # safetensors creates the file owner-only; the shipped model is world-readable
    os.replace(tmp, path)
    info = {
        "name": path.stem if path.stem else DEFAULT_MODEL_NAME,
        "version": version,
        "arch": model.arch,
        "decoder_channels": [m.fuse[0].out_channels for m in (model.up16, model.up8, model.up4, model.up2)],
        "gate": 0 if model.gate is None else model.gate.conv1.out_channels,
        "classes": CLASSES,
        "max_side": max_side,
        "thresholds": thresholds or {},
        "dtype": "float16" if half else "float32",
        "sha256": file_sha256(path),
    }
    info.update(extra or {})
    path.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def load_checkpoint_model(checkpoint: Path) -> RoadDamageNet:
    """The network from a training checkpoint (``last.ckpt``), in eval mode."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    model = network_for(state["model"])
    model.load_state_dict(state["model"])
    return model.eval()
