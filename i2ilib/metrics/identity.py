"""The book's identity embedder for SynthFaces: who is in the picture, whatever they wear.

InfoSim (implicit-pairs paper, Ginger et al. 2019, Sec. 4.2) and the ID distance (thesis
Sections 5.6.3, 6.4) compare identity features of a face before and after translation. The
paper used OpenFace, the thesis VGGFace; neither can be had offline, and neither has seen
SynthFaces. This module is the stand-in: a small CNN trained by i2ilib
(:mod:`i2ilib.metrics.train_identity`) to map SynthFaces renderings of one person to nearby
points on the unit sphere and different people far apart, *whatever* the transient attributes
the book's chapters translate (``Eyeglasses``, ``Smiling``, ``Bangs``, hair colour, hats,
make-up, an open mouth) and whatever the pose, light and background.

The embedding is reported as ``synthid-v1-d128``; distances on it are not comparable with
OpenFace's or VGGFace's. For real photos use :mod:`i2ilib.metrics.dlib_faces`.

The weights ship with the package (``i2ilib/assets/synthid_v1.pt``, float16) next to a JSON
record of how they were trained and validated; ``python -m i2ilib.metrics.train_identity``
reproduces them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
from torch import nn

from .assets import load_frozen, read_record
from .reconstruction import check_images
from .synthnet import down_stage

ASSET_WEIGHTS = "synthid_v1.pt"
ASSET_RECORD = "synthid_v1.json"
_TRAIN_MODULE = "i2ilib.metrics.train_identity"
INPUT_SIZE = 64


def check_face_batch(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Check an identity-network input: a float ``(B, 3, H, W)`` tensor in [-1, 1].

    The checks beyond type, channels and dtype are :func:`.reconstruction.check_images`'s.

    Raises:
        TypeError: if ``images`` is not a tensor.
        ValueError: on a wrong shape, dtype or range (the message says how to fix it).
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor (B, 3, H, W) in [-1, 1], got {type(images).__name__}; "
            "convert uint8 (N, H, W, 3) arrays with i2ilib.data.synthfaces.images_to_tensor"
        )
    if images.ndim == 4 and images.shape[1] != 3:
        raise ValueError(
            f"{name} must have 3 (RGB) channels in dimension 1, got shape {tuple(images.shape)}; "
            "channels-last arrays need .permute(0, 3, 1, 2)"
        )
    if not images.is_floating_point():
        raise ValueError(
            f"{name} must be a float tensor in [-1, 1], got dtype {images.dtype}; "
            "scale uint8 images with x / 127.5 - 1"
        )
    return check_images(images, name)


class FaceIdentityNet(nn.Module):
    """Four stride-2 stages (16-32-64-128 channels) at 64 px, then a linear map of the whole
    ``4 x 4`` feature map to ``dim`` numbers, batch-normalised and L2-normalised.

    The spatial layout is kept (no global pooling): SynthFaces are aligned like CelebA's
    crops, so *where* a feature is (eye spacing, face width, hairline) is part of who the
    person is.

    ``forward(images)``: ``(B, 3, H, W)`` in [-1, 1] (any size, resized to 64 x 64 with
    antialiasing) -> ``(B, dim)`` unit vectors. Squared Euclidean distance between two
    embeddings is ``2 - 2 cos``.

    Args:
        dim: embedding size (128, as OpenFace's and dlib's).
        width: channels of the first stage (doubled at each later stage).

    Raises:
        TypeError, ValueError: on inputs that are not ``(B, 3, H, W)`` float tensors in
            [-1, 1].
    """

    def __init__(self, dim: int = 128, width: int = 16) -> None:
        super().__init__()
        chans = [3, width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.ModuleList(down_stage(a, b) for a, b in itertools.pairwise(chans))
        self.dropout = nn.Dropout(0.2)
        self.project = nn.Linear(chans[-1] * 16, dim)
        self.norm = nn.BatchNorm1d(dim)
        self.dim = dim
        self.width = width
        self.name = f"synthid-v1-d{dim}"

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = check_face_batch(images)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = nn.functional.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                                          align_corners=False, antialias=True)
        for stage in self.stages:
            x = stage(x)
        e = self.norm(self.project(self.dropout(x.flatten(1))))
        return nn.functional.normalize(e, dim=1)


def synthfaces_identity_record() -> dict:
    """The JSON record stored with the shipped weights (data, loss, epochs, validation)."""
    return read_record(ASSET_RECORD, _TRAIN_MODULE)


def synthfaces_identity_embedder(weights_path: str | Path | None = None) -> FaceIdentityNet:
    """The trained SynthFaces identity embedder, in eval mode on the CPU, gradients off.

    Use it as ``embed_fn`` of :func:`i2ilib.metrics.reconstruction.infosim` and
    :func:`~i2ilib.metrics.reconstruction.id_distance`: ``(B, 3, H, W)`` in [-1, 1] ->
    ``(B, 128)`` unit vectors. Move it to a GPU with ``.to(device)`` if needed.

    Args:
        weights_path: a state dict saved by :mod:`i2ilib.metrics.train_identity`; default: the
            copy shipped in ``i2ilib/assets``.

    Raises:
        FileNotFoundError: if the weights are missing (reinstall i2ilib, or run
            ``python -m i2ilib.metrics.train_identity``, under ten minutes on one CPU core).
    """
    return load_frozen(FaceIdentityNet, ASSET_WEIGHTS, weights_path, _TRAIN_MODULE)
