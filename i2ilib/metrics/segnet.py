"""The book's FCN-score segmenter: a small FCN-8s-style network trained on real SynthScenes photos.

pix2pix (Isola et al. 2017, Section 4.2, "FCN-score") judges a labels -> photo translation by
running an off-the-shelf semantic segmenter, the FCN-8s of Long et al. (2015) trained on real
Cityscapes photos, on the *generated* photos and comparing its label maps with the labels the
photos were generated from: per-pixel accuracy, per-class accuracy and class IoU (the columns of
the implicit-pairs paper, Tables 2-3). The better the photos, the more of the input layout a
segmenter that only ever saw real photos recovers from them. Scoring the real photos gives the
upper bound, which both papers report next to the methods.

For SynthScenes the segmenter is :class:`SceneSegNet` (``"scenesegnet-v1"``), trained by
:mod:`i2ilib.metrics.train_segnet` on real (rendered) street photos of the *train* split. Its
weights ship with the package (``i2ilib/assets/scenesegnet_v1.pt``, float16) next to a JSON
record of the training data and the held-out scores (:func:`scene_segmenter_record`).

Deviations from FCN-8s, for size and speed (the net trains in minutes on one CPU thread) and for
the small images: images are 64 x 64 instead of full Cityscapes frames; the encoder is five small
stride-2 stages (24-48-96-96-96 channels, about 0.6 M parameters) instead of VGG-16; upsampling
is fixed bilinear instead of learned deconvolution. The FCN skip structure is kept: class scores
are predicted from the stride-32 features, upsampled x2 and added to the scores of the stride-16
features, upsampled x2 again and added to those of the stride-8 features, ... At 64 px, however,
a stride-8 cell is an eighth of the image (as coarse as stride 128 on a 1024-px Cityscapes
frame) and poles, signs, people and windows are a few pixels wide, so the shipped net continues
the same fusion two steps further, to stride-4 and stride-2 score layers ("FCN-2s";
``finest_stride=2``). On held-out photos this raised the mean IoU from about 0.46 (FCN-8s fusion,
``finest_stride=8``) to about 0.57 in a short pilot (width 16, same training otherwise).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from i2ilib.data.synthscenes import CLASSES

from .assets import load_frozen, read_record
from .segmentation import segmentation_scores

ASSET_WEIGHTS = "scenesegnet_v1.pt"
ASSET_RECORD = "scenesegnet_v1.json"
#: Name under which FCN-scores computed with the shipped weights are reported.
NAME = "scenesegnet-v1"
#: Working resolution: inputs of other sizes are resized to it and the logits resized back.
SIZE = 64
_TRAIN_MODULE = "i2ilib.metrics.train_segnet"


def _stage(c_in: int, c_out: int) -> nn.Sequential:
    """Halve the resolution: 3x3 stride-2 conv, then a 3x3 conv, each with BatchNorm + ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class SceneSegNet(nn.Module):
    """FCN-style semantic segmenter for SynthScenes photos (Long et al. 2015; see module doc).

    Five stride-2 stages (strides 2, 4, 8, 16, 32), a 3x3 "fc" block on the stride-32 features
    (FCN's convolutionalised fc6/fc7), and 1x1 score layers on the features of strides 32, 16, 8
    and, below ``finest_stride``, 4 and 2, fused coarse to fine by x2 bilinear upsampling and
    addition (the FCN-8s skip architecture for ``finest_stride=8``).

    ``forward(images)``: images ``(B, 3, H, W)`` in [-1, 1] -> logits ``(B, n_classes, H, W)``.
    Images that are not 64 x 64 are resized to 64 x 64 (bilinear, antialiased) and the logits are
    resized back to ``(H, W)`` (bilinear).

    Args:
        n_classes: number of classes (``len(CLASSES)`` = 12 for SynthScenes).
        width: channels of the first stage; the stages have ``(1, 2, 4, 4, 4) * width``.
        finest_stride: stride of the finest score layer: 8 (FCN-8s), 4 or 2 (shipped).
    """

    def __init__(self, n_classes: int = len(CLASSES), width: int = 24,
                 finest_stride: int = 2) -> None:
        super().__init__()
        if finest_stride not in (2, 4, 8):
            raise ValueError(f"finest_stride must be 2, 4 or 8, got {finest_stride}")
        chans = [3, width, 2 * width, 4 * width, 4 * width, 4 * width]
        self.stages = nn.ModuleList(_stage(a, b) for a, b in itertools.pairwise(chans))
        self.fc = nn.Sequential(
            nn.Conv2d(chans[-1], chans[-1], 3, padding=1, bias=False),
            nn.BatchNorm2d(chans[-1]),
            nn.ReLU(inplace=True),
            nn.Dropout2d(0.1),
        )
        # score layers, coarse to fine: strides 32, 16, 8[, 4[, 2]] (stage i has stride 2**(i+1))
        strides = [s for s in (32, 16, 8, 4, 2) if s >= finest_stride]
        self.scores = nn.ModuleList(
            nn.Conv2d(chans[int(math.log2(s))], n_classes, 1) for s in strides
        )
        self.n_classes = n_classes
        self.width = width
        self.finest_stride = finest_stride
        self.name = NAME

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        x = images
        if (h, w) != (SIZE, SIZE):
            x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False,
                              antialias=True)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        feats[-1] = self.fc(feats[-1])

        def up(t: torch.Tensor, size) -> torch.Tensor:
            return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

        s = None
        for i, score in enumerate(self.scores):  # coarse to fine
            f = feats[len(feats) - 1 - i]
            s = score(f) if s is None else up(s, f.shape[-2:]) + score(f)
        return up(s, (h, w))


def scene_segmenter_record() -> dict:
    """The JSON record stored with the shipped weights (data, epochs, validation scores)."""
    return read_record(ASSET_RECORD, _TRAIN_MODULE)


def scene_segmenter(weights_path: str | Path | None = None) -> SceneSegNet:
    """The trained SynthScenes segmenter (``"scenesegnet-v1"``), in eval mode on the CPU, no grads.

    Args:
        weights_path: a state dict saved by :mod:`i2ilib.metrics.train_segnet`; default: the
            copy shipped in ``i2ilib/assets``.

    Raises:
        FileNotFoundError: if the weights are missing (reinstall i2ilib, or run
            ``python -m i2ilib.metrics.train_segnet``, under 10 minutes on one CPU thread).
    """
    return load_frozen(SceneSegNet, ASSET_WEIGHTS, weights_path, _TRAIN_MODULE)


def _check_images(images) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor):
        raise TypeError(
            f"images must be a torch.Tensor (N, 3, H, W) in [-1, 1], got {type(images).__name__}"
        )
    if images.ndim != 4:
        raise ValueError(
            f"images must be a 4-D batch (N, 3, H, W) in [-1, 1], got shape {tuple(images.shape)}"
            + ("; add a batch dimension with images[None]" if images.ndim == 3 else "")
        )
    if images.shape[1] != 3:
        raise ValueError(
            f"images must have 3 (RGB) channels in dimension 1, (N, 3, H, W), got shape "
            f"{tuple(images.shape)}"
            + ("; channels-last arrays need .permute(0, 3, 1, 2)" if images.shape[-1] == 3 else "")
        )
    if not images.is_floating_point():
        raise ValueError(
            f"images must be float in [-1, 1], got dtype {images.dtype}; convert uint8 photos "
            "with x.float() / 127.5 - 1"
        )
    if images.numel():
        lo, hi = float(images.min()), float(images.max())
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo < -1.001 or hi > 1.001:
            raise ValueError(
                f"images must lie in [-1, 1], got range [{lo:.3g}, {hi:.3g}]; convert [0, 255] "
                "images with x / 127.5 - 1 and [0, 1] images with 2 * x - 1"
            )
    return images


@torch.no_grad()
def segment(net: nn.Module, images: torch.Tensor, batch_size: int = 64,
            device: str | torch.device | None = None) -> torch.Tensor:
    """Label maps predicted by ``net``: images ``(N, 3, H, W)`` in [-1, 1] -> int64 ``(N, H, W)``.

    Args:
        net: a segmenter returning logits ``(B, K, H, W)`` (e.g. :func:`scene_segmenter`).
        images: float RGB batch in [-1, 1] of any size (SceneSegNet works at 64 px internally).
        batch_size: images per forward pass.
        device: where to run (default: the device of ``net``'s parameters); results on the CPU.

    Raises:
        TypeError: if ``images`` is neither a tensor nor a numpy array.
        ValueError: if ``images`` is not a 4-D float batch with 3 channels in [-1, 1].
    """
    images = _check_images(images)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if device is None:
        p = next(net.parameters(), None)
        device = p.device if p is not None else torch.device("cpu")
    was_training = net.training
    net.eval()
    out = []
    try:
        for s in range(0, len(images), batch_size):
            x = images[s:s + batch_size].to(device=device, dtype=torch.float32)
            out.append(net(x).argmax(1).cpu())
    finally:
        net.train(was_training)
    if not out:
        return torch.zeros((0,) + tuple(images.shape[-2:]), dtype=torch.long)
    return torch.cat(out).long()


def fcn_score_labels2photo(photos: torch.Tensor, true_labels, segmenter: nn.Module | None = None,
                           batch_size: int = 64) -> dict:
    """FCN-score of a labels -> photo translation (pix2pix Section 4.2; implicit pairs Tables 2-3).

    The generated photos are segmented by a network trained on *real* SynthScenes photos
    (``"scenesegnet-v1"``, :func:`scene_segmenter`, the stand-in for the FCN-8s that pix2pix
    trained on Cityscapes) and the predicted label maps are compared with the label maps the
    photos were generated from. Scoring the real photos of the same scenes gives the upper bound
    (as pix2pix and the implicit-pairs paper report for Cityscapes "ground truth"); a translation
    is good when its scores come close to that bound. Report the numbers as
    ``FCN-score[scenesegnet-v1]``: they are not comparable with published Cityscapes values.

    Args:
        photos: generated photos ``(N, 3, H, W)``, float in [-1, 1].
        true_labels: int class ids ``(N, H, W)`` (ids into ``CLASSES``), e.g. the ``labels`` of
            :func:`i2ilib.data.synthscenes.render_scenes` for the input label images.
        segmenter: default: the shipped :func:`scene_segmenter`.
        batch_size: images per forward pass.

    Returns:
        :func:`i2ilib.metrics.segmentation.segmentation_scores` dict (``pixel_acc``,
        ``class_acc``, ``mean_iou``, ``global_acc``, ``class_iou`` (12,), ``confusion``).

    Raises:
        ValueError: on badly formed photos (see :func:`segment`) or labels of another shape.
    """
    net = scene_segmenter() if segmenter is None else segmenter
    pred = segment(net, photos, batch_size=batch_size)
    target = true_labels.detach().cpu() if isinstance(true_labels, torch.Tensor) else true_labels
    if tuple(np.shape(target)) != tuple(pred.shape):
        raise ValueError(
            f"true_labels must have shape (N, H, W) = {tuple(pred.shape)} to match the photos, "
            f"got {tuple(np.shape(target))}"
        )
    return segmentation_scores(pred, target, num_classes=len(CLASSES), ignore_index=None)
