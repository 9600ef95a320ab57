"""The book's offline feature network: a small CNN trained by i2ilib on SynthFaces and SynthScenes.

Inception-V3 features (FID) cannot be had offline. This network is the offline alternative that
*knows* the book's data: it is trained (:mod:`i2ilib.metrics.train_features`) to tell faces,
street scenes by day and by night and building facades apart, to read ten face attributes
(glasses, smile, hair, ...) and to estimate which fraction of a scene each semantic class covers.
Its 192-D penultimate features therefore move when a translation changes the things the book's
chapters care about, unlike random features.

Scores on these features are reported as ``FD[synthcnn-v1-d192]``, never as FID: the scale is
different from Inception's and published FIDs cannot be compared with them.

The weights ship with the package (``i2ilib/assets/synthcnn_v1.pt``, float16) next to a JSON
record of how they were trained; ``python -m i2ilib.metrics.train_features`` reproduces them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
from torch import nn

from .assets import load_frozen, read_record

ASSET_WEIGHTS = "synthcnn_v1.pt"
ASSET_RECORD = "synthcnn_v1.json"
_TRAIN_MODULE = "i2ilib.metrics.train_features"
#: Output heads: domain classes, face attributes (SynthFaces' rendered ones), scene classes.
DOMAINS = ("face", "street_day", "street_night", "facade")


def down_stage(c_in: int, c_out: int) -> nn.Sequential:
    """Conv 4x4 stride 2 + BN + LeakyReLU, then conv 3x3 + BN + LeakyReLU: halves H and W."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.2),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.2),
    )


class SynthFeatureNet(nn.Module):
    """Four stride-2 stages (24-48-96-192 channels) at 64 px, global average pool, three heads.

    ``forward(images)`` returns the ``(B, 256)`` features; :meth:`heads` the training outputs;
    :meth:`feature_maps` the four stage outputs (for the LPIPS-style distance). Inputs of any size
    are resized to 64 x 64 (bilinear), images in [-1, 1].

    Args:
        n_attributes: face-attribute logits; n_scene_classes: scene-class logits.
    """

    def __init__(self, n_attributes: int = 10, n_scene_classes: int = 12, width: int = 24) -> None:
        super().__init__()
        chans = [3, width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.ModuleList(down_stage(a, b) for a, b in itertools.pairwise(chans))
        self.dim = chans[-1]
        self.domain_head = nn.Linear(self.dim, len(DOMAINS))
        self.attribute_head = nn.Linear(self.dim, n_attributes)
        self.scene_head = nn.Linear(self.dim, n_scene_classes)
        self.name = f"synthcnn-v1-d{self.dim}"

    def feature_maps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Stage outputs ``[(B, 24, 32, 32), (B, 48, 16, 16), (B, 96, 8, 8), (B, 192, 4, 4)]``."""
        x = images
        if x.shape[-2:] != (64, 64):
            x = nn.functional.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False,
                                          antialias=True)
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.feature_maps(images)[-1].mean(dim=(2, 3))

    def heads(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{"features", "domain", "attributes", "scene"}`` logits for training."""
        f = self(images)
        return {"features": f, "domain": self.domain_head(f),
                "attributes": self.attribute_head(f), "scene": self.scene_head(f)}


def synth_feature_record() -> dict:
    """The JSON record stored with the shipped weights (data, epochs, validation scores)."""
    return read_record(ASSET_RECORD, _TRAIN_MODULE)


def synth_feature_extractor(weights_path: str | Path | None = None) -> SynthFeatureNet:
    """The trained offline feature extractor, in eval mode on the CPU, gradients off.

    Args:
        weights_path: a state dict saved by :mod:`i2ilib.metrics.train_features`; default: the
            copy shipped in ``i2ilib/assets``.

    Raises:
        FileNotFoundError: if the weights are missing (reinstall i2ilib, or run
            ``python -m i2ilib.metrics.train_features`` to train them, a few minutes on a CPU).
    """
    return load_frozen(SynthFeatureNet, ASSET_WEIGHTS, weights_path, _TRAIN_MODULE)
