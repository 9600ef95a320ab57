"""Zero-pair data from SynthScenes: two disjoint paired sets ``D_RS`` (RGB, segmentation) and
``D_RD`` (RGB, depth) for training, and test scenes with all three modalities (Wang 2020, thesis
Section 4.4.1 and Section 4.6.1).

The thesis splits SceneNet RGB-D's training videos into "two equal non-overlapping splits from
different videos" and discards depth in one and segmentation in the other; the test triplets
give the ground truth of the unseen translations depth -> segmentation and segmentation ->
depth. Here every scene of :mod:`i2ilib.data.synthscenes` has all three, exactly aligned:

* ``D_RS``: the training-split scenes ``0 .. n_train - 1`` (their depth is never read);
* ``D_RD``: the training-split scenes ``n_train .. 2 n_train - 1`` (their labels never read);
* test: the test-split scenes ``0 .. n_test - 1``, RGB, labels and depth.

Scene ``i`` of a split is ``render_scene(scene_key(seed, i, split), size)``, so the sets are
deterministic by seed and never share a scene.

Tensors (the conventions of :class:`i2ilib.train.mmnets.MMNetTrainer`):

* RGB ``(N, 3, H, W)`` float32 in [-1, 1];
* segmentation ``(N, H, W)`` int64 class ids into :data:`~i2ilib.data.synthscenes.CLASSES`;
* depth ``(N, 1, H, W)`` float32 in [-1, 1], encoded by :func:`encode_depth` (the thesis does not
  say how it scales depth; SynthScenes' depth runs from about 2 m to the sky's 300 m, so the
  default encoding is logarithmic, ``"log"``; ``"linear"`` maps metres linearly). The metrics of
  eq. 4.15 take metres: :func:`decode_depth`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from .synthscenes import CLASSES, SKY_DEPTH, render_scenes

__all__ = [
    "DEPTH_ENCODINGS",
    "MAX_DEPTH",
    "MIN_DEPTH",
    "ZeroPairDataset",
    "ZeroPairScenes",
    "decode_depth",
    "encode_depth",
    "zero_pair_scenes",
]

#: How depth in metres becomes a tensor in [-1, 1].
DEPTH_ENCODINGS = ("log", "linear")

#: The depth range the encodings map onto [-1, 1], metres (SynthScenes' sky is the far end).
MIN_DEPTH: float = 1.0
MAX_DEPTH: float = SKY_DEPTH


def _check_encoding(encoding: str) -> None:
    if encoding not in DEPTH_ENCODINGS:
        raise ValueError(f"Unknown depth encoding {encoding!r}: choose one of "
                         f"{', '.join(DEPTH_ENCODINGS)}.")


def _check_range(depth_range: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(v) for v in depth_range)
    if not 0 < lo < hi:
        raise ValueError(f"depth_range must be (near, far) metres with 0 < near < far, got "
                         f"{depth_range!r}.")
    return lo, hi


def encode_depth(depth_m: Tensor | np.ndarray, encoding: str = "log",
                 depth_range: tuple[float, float] = (MIN_DEPTH, MAX_DEPTH)) -> Tensor:
    """Metres -> [-1, 1]: ``"log"`` maps ``log d`` linearly from ``[log near, log far]``,
    ``"linear"`` maps ``d`` from ``[near, far]``; values outside the range are clipped to it.
    ``depth_range = (near, far)``: SynthScenes' ``(MIN_DEPTH, MAX_DEPTH)`` unless given (a real
    dataset has its own, e.g. :data:`i2ilib.data.sunrgbd.DEPTH_RANGE`).

    Shapes: any -> the same, float32.
    """
    _check_encoding(encoding)
    lo, hi = _check_range(depth_range)
    d = torch.as_tensor(np.asarray(depth_m) if not isinstance(depth_m, Tensor) else depth_m)
    d = d.float().clamp(lo, hi)
    if encoding == "log":
        return 2 * (d.log() - math.log(lo)) / (math.log(hi) - math.log(lo)) - 1
    return 2 * (d - lo) / (hi - lo) - 1


def decode_depth(t: Tensor, encoding: str = "log",
                 depth_range: tuple[float, float] = (MIN_DEPTH, MAX_DEPTH)) -> Tensor:
    """[-1, 1] -> metres, the inverse of :func:`encode_depth` (inputs clipped to [-1, 1], so a
    network's output always decodes to a depth in ``depth_range``).

    Shapes: any -> the same, float32.
    """
    _check_encoding(encoding)
    lo, hi = _check_range(depth_range)
    u = (t.detach().float().clamp(-1, 1) + 1) / 2
    if encoding == "log":
        return torch.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    return lo + u * (hi - lo)


def _rgb(photo: np.ndarray) -> Tensor:
    return torch.from_numpy(np.ascontiguousarray(photo)).permute(0, 3, 1, 2).float() / 127.5 - 1


class ZeroPairDataset(Dataset):
    """The two training sets side by side: item ``i`` is the ``i``-th pair of ``D_RS`` and of
    ``D_RD`` (``i`` modulo each set's size when they differ), so one batch holds a batch of each.

    Items: ``{"R_RS": (3, H, W), "S": (H, W) int64, "R_RD": (3, H, W), "D": (1, H, W)}``.
    """

    def __init__(self, rs: dict[str, Tensor], rd: dict[str, Tensor]):
        for name, d, keys in (("D_RS", rs, ("R", "S")), ("D_RD", rd, ("R", "D"))):
            missing = [k for k in keys if k not in d]
            if missing:
                raise KeyError(f"{name} needs keys {keys}, lacks {missing}.")
            if len(d[keys[0]]) != len(d[keys[1]]):
                raise ValueError(f"{name} has {len(d[keys[0]])} RGB images but "
                                 f"{len(d[keys[1]])} {keys[1]} maps.")
            if len(d[keys[0]]) == 0:
                raise ValueError(f"{name} is empty.")
        self.rs, self.rd = rs, rd

    def __len__(self) -> int:
        return max(len(self.rs["R"]), len(self.rd["R"]))

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} items")
        a, b = i % len(self.rs["R"]), i % len(self.rd["R"])
        return {"R_RS": self.rs["R"][a], "S": self.rs["S"][a],
                "R_RD": self.rd["R"][b], "D": self.rd["D"][b]}


@dataclasses.dataclass
class ZeroPairScenes:
    """The zero-pair sets of one seed.

    Attributes:
        rs: ``D_RS``: ``{"R": (n, 3, H, W), "S": (n, H, W) int64}``.
        rd: ``D_RD``: ``{"R": (n, 3, H, W), "D": (n, 1, H, W)}``.
        test: ``{"R", "S", "D", "depth_m": (m, H, W) metres}``, all of the same test scenes.
        depth_encoding: how ``"D"`` was encoded (:func:`decode_depth`).
        n_classes: number of segmentation classes.
        depth_range: the ``(near, far)`` metres of the encoding.
        oracle: the true (depth, segmentation) pairs of the training scenes, for the oracle
            (``{"S": (2n, H, W), "D": (2n, 1, H, W)}``, ``D_RS``'s scenes then ``D_RD``'s), or
            ``None`` where the reader does not provide them.
    """

    rs: dict[str, Tensor]
    rd: dict[str, Tensor]
    test: dict[str, Tensor]
    depth_encoding: str
    n_classes: int = len(CLASSES)
    depth_range: tuple[float, float] = (MIN_DEPTH, MAX_DEPTH)
    oracle: dict[str, Tensor] | None = None

    def train_dataset(self) -> ZeroPairDataset:
        return ZeroPairDataset(self.rs, self.rd)


def zero_pair_scenes(n_train: int, n_test: int, size: int = 64, seed: int = 0,
                     depth_encoding: str = "log", with_oracle: bool = False) -> ZeroPairScenes:
    """Render ``D_RS`` and ``D_RD`` (``n_train`` scenes each, disjoint) and ``n_test`` test
    scenes with RGB, labels and depth (module docstring); ``with_oracle``: keep the training
    scenes' true (depth, segmentation) pairs too (:attr:`ZeroPairScenes.oracle`).

    Raises:
        ValueError: ``n_train < 1``, ``n_test < 0`` or an unknown encoding.
    """
    _check_encoding(depth_encoding)
    if int(n_train) != n_train or n_train < 1 or int(n_test) != n_test or n_test < 0:
        raise ValueError(f"n_train must be an integer >= 1 and n_test >= 0, got {n_train!r} "
                         f"and {n_test!r}.")
    train = render_scenes(2 * n_train, size, seed, "train")
    test = render_scenes(n_test, size, seed, "test")
    rs = {"R": _rgb(train["photo"][:n_train]),
          "S": torch.from_numpy(train["labels"][:n_train].copy())}
    rd = {"R": _rgb(train["photo"][n_train:]),
          "D": encode_depth(train["depth"][n_train:], depth_encoding).unsqueeze(1)}
    depth_m = torch.from_numpy(test["depth"].copy())
    test_t = {"R": _rgb(test["photo"]), "S": torch.from_numpy(test["labels"].copy()),
              "D": encode_depth(depth_m, depth_encoding).unsqueeze(1), "depth_m": depth_m}
    oracle = ({"S": torch.from_numpy(train["labels"].copy()),
               "D": encode_depth(train["depth"], depth_encoding).unsqueeze(1)}
              if with_oracle else None)
    return ZeroPairScenes(rs, rd, test_t, depth_encoding, oracle=oracle)
