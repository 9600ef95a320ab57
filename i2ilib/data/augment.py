"""Augmentations for one-shot training: the sets ``P(x)`` and ``P(Lambda)`` of OST.

OST (Benaim & Wolf slides, "Phase I" and "Phase II") trains on augmented copies of its samples:
``P(Lambda)``, the augmentations of the many samples ``Lambda`` of domain B, and ``P(x)``, those
of the one sample ``x`` of domain A; every loss is a sum over ``s in P(.)``. The slides do not
list the augmentations; the authors' code for the drawing and style-transfer tasks (marked
"default augmentations as in paper" there) resizes to 286 and takes a random 256 crop, flips
left-right with probability 1/2 and rotates by an angle uniform in +-7 degrees.
:class:`Augmentation` draws these three from a NumPy generator and applies them as one affine
resampling; :class:`AugmentedUnpaired` serves ``{"A": s in P(x), "B": s in P(Lambda)}`` items
(or B alone, for Phase I) whose draws are a pure function of ``(seed, epoch, index)``, so a
resumed run sees the same augmentations as an uninterrupted one.

Deviations from the authors' pipeline, named: the crop, flip and rotation are one bilinear
resampling of the tensor (theirs: a bicubic resize, then a nearest-neighbour rotation of the PIL
image), and the crop is expressed as a zoom factor (``zoom = 286 / 256``, for any image size)
rather than as ``load_size`` / ``crop_size`` in pixels. Pixels the rotation brings in from
outside the image are black (-1) as in their code (``fill="black"``), or the nearest edge pixel
(``"border"``) or the mirrored image (``"reflection"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import EmptyDatasetError
from .folders import _as_image_batch, _check_seed, _EpochKeyedDataset, _item_rng

__all__ = ["FILLS", "AugmentParams", "Augmentation", "AugmentedUnpaired"]

#: How pixels from outside the image are filled: ``"black"`` (-1, the authors' code),
#: ``"border"`` (the nearest edge pixel) or ``"reflection"``.
FILLS = ("black", "border", "reflection")


@dataclass(frozen=True)
class AugmentParams:
    """One draw of :class:`Augmentation`.

    Attributes:
        flip: mirror left-right.
        angle: rotation in degrees (counter-clockwise as the image is shown).
        crop_x, crop_y: where the crop lies in the zoomed image, each in ``[-1, 1]``
            (-1: at the left / top edge, 0: centred, 1: at the right / bottom edge).
    """

    flip: bool = False
    angle: float = 0.0
    crop_x: float = 0.0
    crop_y: float = 0.0


@dataclass(frozen=True)
class Augmentation:
    """Random crop (after a zoom), left-right flip and small rotation of one image.

    The defaults are the authors' (see the module docstring): ``zoom = 286 / 256``, ``flip``,
    ``max_rotation = 7`` degrees. ``Augmentation(flip=False, max_rotation=0, zoom=1)`` is the
    identity. (The authors' MNIST/SVHN runs flip and rotate by at most 0.1 degree, without a
    crop.)

    Attributes:
        zoom: the image is enlarged by ``zoom >= 1`` and cropped back to its size at a random
            place (1: no crop).
        flip: mirror left-right with probability 1/2.
        max_rotation: rotate by an angle uniform in ``[-max_rotation, max_rotation]`` degrees.
        fill: see :data:`FILLS`.
    """

    zoom: float = 286 / 256
    flip: bool = True
    max_rotation: float = 7.0
    fill: str = "black"

    def __post_init__(self) -> None:
        if not (isinstance(self.zoom, (int, float)) and math.isfinite(self.zoom)
                and self.zoom >= 1):
            raise ValueError(f"zoom must be a number >= 1 (1: no crop), got {self.zoom!r}.")
        if not (isinstance(self.max_rotation, (int, float))
                and 0 <= self.max_rotation <= 180):
            raise ValueError(f"max_rotation must be in [0, 180] degrees, got "
                             f"{self.max_rotation!r}.")
        if self.fill not in FILLS:
            raise ValueError(f"fill must be one of {', '.join(map(repr, FILLS))}, got "
                             f"{self.fill!r}.")

    @property
    def is_identity(self) -> bool:
        return self.zoom == 1 and not self.flip and self.max_rotation == 0

    def sample(self, rng: np.random.Generator) -> AugmentParams:
        """Draw the parameters of one augmentation (always four draws, so streams stay aligned
        whatever the options)."""
        flip, angle, cx, cy = (float(v) for v in rng.random(4))
        return AugmentParams(
            flip=self.flip and flip < 0.5,
            angle=(2 * angle - 1) * self.max_rotation,
            crop_x=(2 * cx - 1) if self.zoom > 1 else 0.0,
            crop_y=(2 * cy - 1) if self.zoom > 1 else 0.0,
        )

    def apply(self, image: Tensor, params: AugmentParams) -> Tensor:
        """``image`` ``(C, H, W)`` in [-1, 1] -> the augmented ``(C, H, W)`` (a new tensor).

        The output pixel at normalised position ``p`` takes the input at
        ``crop + F R(-angle) p / zoom``: rotated about the centre, flipped (``F``), cropped from
        the zoomed image; bilinear interpolation, ``align_corners=False``.
        """
        if image.dim() != 3:
            raise ValueError(f"Augmentation.apply takes one image (C, H, W), got "
                             f"{tuple(image.shape)}.")
        if not image.is_floating_point():
            raise TypeError(f"Augmentation.apply takes float images in [-1, 1], got "
                            f"{image.dtype}.")
        if params == AugmentParams():
            return image.clone()
        _, h, w = image.shape
        a = math.radians(params.angle)
        # Rotation in pixel units (y down, so R(-angle) on screen), then back to [-1, 1] units.
        cos, sin = math.cos(a), math.sin(a)
        rot = torch.tensor([[cos, -sin * h / w], [sin * w / h, cos]], dtype=torch.float64)
        flip = torch.diag(torch.tensor([-1.0 if params.flip else 1.0, 1.0], dtype=torch.float64))
        linear = flip @ rot / self.zoom
        margin = 1.0 - 1.0 / self.zoom
        shift = torch.tensor([[params.crop_x * margin], [params.crop_y * margin]],
                             dtype=torch.float64)
        theta = torch.cat([linear, shift], 1).to(image.dtype).unsqueeze(0)
        grid = F.affine_grid(theta, [1, *image.shape], align_corners=False)
        padding = "border" if self.fill == "black" else self.fill
        out = F.grid_sample(image.unsqueeze(0), grid, mode="bilinear", padding_mode=padding,
                            align_corners=False).squeeze(0)
        if self.fill == "black":  # -1 where the sampled point lies outside the image
            inside = (grid[0].abs() <= 1 + 1e-6).all(-1)
            out = torch.where(inside, out, torch.full_like(out, -1.0))
        return out

    def __call__(self, image: Tensor, rng: np.random.Generator) -> Tensor:
        """``apply(image, sample(rng))``."""
        return self.apply(image, self.sample(rng))


class AugmentedUnpaired(_EpochKeyedDataset):
    """Augmented unpaired items: OST's ``P(x)`` beside ``P(Lambda)``, or ``P(Lambda)`` alone.

    Item ``i`` of epoch ``e`` is ``{"A": P(A[i mod N_A]), "B": P(B[j]), "A_path", "B_path"}``
    with ``j`` drawn at random (``serial_batches``: ``i mod N_B``), as the authors' unaligned
    data does; without ``A`` (Phase I) it is ``{"B": P(B[i]), "B_path"}``. The length is
    ``max(N_A, N_B)``, so an epoch shows every B image once (with one A sample, that sample is
    augmented afresh in every item). Every draw comes from a generator seeded by
    ``(seed, e, i)``.

    Args:
        A: the few samples of domain A, ``(N_A, C, H, W)`` floats in [-1, 1] (or ``uint8``
            tensors / ``(N, H, W, C)`` arrays), or ``None`` (Phase I: B only).
        B: the samples of domain B, same formats.
        augment_A / augment_B: the augmentations ``P``; ``None``: none.
        seed: a non-negative integer (``None``: fresh randomness, not reproducible).
        serial_batches: B index ``i mod N_B`` instead of a random one (with ``A`` only).
        name: prefix of the ``"A_path"`` / ``"B_path"`` strings (``"<name>/A/0"``).

    Raises:
        EmptyDatasetError: no image in ``B`` or in a given ``A``.
        ValueError / TypeError: shapes, dtypes or value ranges that do not fit.
    """

    def __init__(
        self,
        A: Tensor | np.ndarray | None,
        B: Tensor | np.ndarray,
        augment_A: Augmentation | None = Augmentation(),
        augment_B: Augmentation | None = Augmentation(),
        seed: int | None = 0,
        serial_batches: bool = False,
        name: str = "memory",
    ) -> None:
        _check_seed(seed)
        self.A = None if A is None else _as_image_batch(A, "A")
        self.B = _as_image_batch(B, "B")
        if len(self.B) == 0 or (self.A is not None and len(self.A) == 0):
            raise EmptyDatasetError(
                f"AugmentedUnpaired needs at least one image in B and, when given, in A; got "
                f"{0 if self.A is None else len(self.A)} in A and {len(self.B)} in B.")
        self.augment_A, self.augment_B = augment_A, augment_B
        self.seed, self.serial_batches, self.name = seed, serial_batches, name

    def __len__(self) -> int:
        return len(self.B) if self.A is None else max(len(self.A), len(self.B))

    @staticmethod
    def _augmented(image: Tensor, augment: Augmentation | None,
                   rng: np.random.Generator) -> Tensor:
        return image.clone() if augment is None else augment(image, rng)

    def _get(self, index: int, epoch: int) -> dict[str, Any]:
        rng = _item_rng(self.seed, epoch, index)
        if self.A is None:
            return {"B": self._augmented(self.B[index], self.augment_B, rng),
                    "B_path": f"{self.name}/B/{index}"}
        ia = index % len(self.A)
        a = self._augmented(self.A[ia], self.augment_A, rng)
        n_b = len(self.B)
        ib = index % n_b if self.serial_batches else int(rng.integers(0, n_b))
        b = self._augmented(self.B[ib], self.augment_B, rng)
        return {"A": a, "B": b, "A_path": f"{self.name}/A/{ia}", "B_path": f"{self.name}/B/{ib}"}
