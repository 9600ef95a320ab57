"""A classifier of printed (SVHN-like) digits: the judge of digit translations.

OST's quantitative experiment (Benaim & Wolf slides, Fig. 3 (a)) translates MNIST digits to SVHN
and reports "the accuracy of a pretrained classifier on the resulting translated images": a
translation that keeps the digit's identity is recognised as the label of its source. The book's
stand-in for SVHN is :func:`i2ilib.data.digits.printed_digits`; this module's network is trained
on such digits only (:mod:`i2ilib.metrics.train_digits`), on seeds the book's training sets do
not use, so it has never seen the B images a translator trains on, nor any handwritten digit.

The weights ship with the package (``i2ilib/assets/digitcnn_v1.pt``, float16, about 60 KB) next to
a JSON record of how they were trained; ``python -m i2ilib.metrics.retrain digits`` reproduces
them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .assets import load_frozen, read_record

__all__ = ["DigitNet", "digit_accuracy", "digit_classifier", "digit_classifier_record",
           "digit_probabilities"]

ASSET_WEIGHTS = "digitcnn_v1.pt"
ASSET_RECORD = "digitcnn_v1.json"
_TRAIN_MODULE = "i2ilib.metrics.train_digits"
#: Side the network works at; other sizes are resized (bilinear).
SIZE = 32


def _stage(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 convolutions with batch norm and ReLU, then a 2x2 max pool: halves H and W."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True),
        nn.MaxPool2d(2))


class DigitNet(nn.Module):
    """Three stages (``width``, ``2 width``, ``4 width`` channels) at 32 px, global average pool,
    a linear layer to ten logits.

    Shapes: ``(N, 3, H, W)`` images in [-1, 1] (grey ``(N, 1, H, W)`` is repeated to RGB;
    other sides are resized to 32) ``-> (N, 10)`` logits.
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.stages = nn.Sequential(_stage(3, width), _stage(width, 2 * width),
                                    _stage(2 * width, 4 * width))
        self.head = nn.Linear(4 * width, 10)
        self.name = "digitcnn-v1"

    def forward(self, images: Tensor) -> Tensor:
        if images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"DigitNet expects (N, 1 or 3, H, W) images in [-1, 1], got "
                             f"{tuple(images.shape)}.")
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        if images.shape[-2:] != (SIZE, SIZE):
            images = nn.functional.interpolate(images, size=(SIZE, SIZE), mode="bilinear",
                                               align_corners=False)
        return self.head(self.stages(images).mean((2, 3)))


def digit_classifier_record() -> dict:
    """The JSON record stored with the shipped weights (data, epochs, held-out accuracy)."""
    return read_record(ASSET_RECORD, _TRAIN_MODULE)


def digit_classifier(weights_path: str | Path | None = None) -> DigitNet:
    """The trained printed-digit classifier, in eval mode on the CPU, gradients off.

    Args:
        weights_path: a state dict saved by :mod:`i2ilib.metrics.train_digits`; default: the
            copy shipped in ``i2ilib/assets``.

    Raises:
        FileNotFoundError: the weights are missing (``python -m i2ilib.metrics.retrain digits``
            trains them in a few minutes on one CPU core).
    """
    return load_frozen(DigitNet, ASSET_WEIGHTS, weights_path, _TRAIN_MODULE)


@torch.no_grad()
def digit_probabilities(net: nn.Module, images: Tensor, batch_size: int = 256) -> np.ndarray:
    """``(N, 10)`` float64 class probabilities of ``images`` ``(N, C, H, W)`` in [-1, 1]."""
    if len(images) == 0:
        return np.zeros((0, 10))
    out = [net(images[i:i + batch_size].float().clamp(-1, 1)).softmax(1)
           for i in range(0, len(images), batch_size)]
    return torch.cat(out).double().numpy()


def digit_accuracy(net: nn.Module, images: Tensor, labels) -> float:
    """Fraction of ``images`` the classifier reads as ``labels`` (the slides' Fig. 3 measure:
    the labels are those of the translations' *sources*)."""
    labels = np.asarray(labels.cpu() if isinstance(labels, Tensor) else labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    if len(labels) == 0:
        raise ValueError("digit_accuracy needs at least one image.")
    return float(np.mean(digit_probabilities(net, images).argmax(1) == labels))
