"""α-paired datasets (Ginger et al. 2019, "Implicit Pairs for Boosting Unpaired Image-to-Image
Translation", Sec. 3.2 and 4.1).

An *implicit pair* is a pair that exists in the training data but is not used explicitly:
"we use partially paired datasets such that an α portion of them are paired. For example,
with α = 0.25, a quarter of the samples are paired and the rest are unpaired" (Sec. 3.2),
always with |A| = |B| (Sec. 4.1). :func:`make_alpha_paired` builds such a set from aligned
sources ``A[i] <-> B[i]`` (true counterparts), shuffles the two domains independently so an
unpaired learner (CycleGAN, Eqs. 4-6) cannot see which samples are pairs, and returns the
pairing only as metadata for analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "AlphaPaired",
    "UnalignedDataset",
    "make_alpha_paired",
    "n_paired_for",
]

@dataclass
class AlphaPaired:
    """An α-paired dataset: two independently shuffled domains of ``n`` samples each.

    Attributes:
        A, B: the domains' samples, in their shuffled order (lists, or arrays when the sources
            were numpy arrays / tensors).
        A_source, B_source: int64 (n,), index of each sample in the aligned sources.
        pairs: int64 (n_paired, 2): rows ``(i, j)`` with ``A[i]`` and ``B[j]`` true counterparts
            (metadata only: never give it to the training loop).
        alpha: the requested pairing fraction; ``n_paired = round(alpha * n)``.
    """

    A: Any
    B: Any
    A_source: np.ndarray
    B_source: np.ndarray
    pairs: np.ndarray
    alpha: float

    @property
    def n(self) -> int:
        return int(self.A_source.shape[0])

    @property
    def n_paired(self) -> int:
        return int(self.pairs.shape[0])

    @property
    def A_is_paired(self) -> np.ndarray:
        """bool (n,): which A samples have their counterpart in B."""
        m = np.zeros(self.n, bool)
        m[self.pairs[:, 0]] = True
        return m

    @property
    def B_is_paired(self) -> np.ndarray:
        """bool (n,): which B samples have their counterpart in A."""
        m = np.zeros(self.n, bool)
        m[self.pairs[:, 1]] = True
        return m


def _take(source: Any, idx: np.ndarray) -> Any:
    if isinstance(source, np.ndarray):
        return source[idx]
    if isinstance(source, torch.Tensor):
        return source[torch.from_numpy(idx)]
    return [source[int(i)] for i in idx]


def n_paired_for(alpha: float, n: int) -> int:
    """``round(alpha * n)`` with halves rounded up, as a count of pairs."""
    return int(np.floor(alpha * n + 0.5 + 1e-9))


def make_alpha_paired(
    A: Sequence | np.ndarray | torch.Tensor,
    B: Sequence | np.ndarray | torch.Tensor,
    alpha: float,
    n: int,
    seed: int = 0,
) -> AlphaPaired:
    """Build a balanced α-paired dataset, |A| = |B| = ``n`` (Ginger et al. 2019, Sec. 3.2).

    ``A[i]`` and ``B[i]`` must be true counterparts (the same scene in the two domains).
    ``round(alpha * n)`` source indices are taken into both domains (the implicit pairs);
    the remaining ``n - n_paired`` samples of each domain come from two further, disjoint sets
    of indices, so their counterparts are *not* in the other domain. Both domains are then
    shuffled independently. α = 0 is an unpaired set, α = 1 a fully paired one.

    Args:
        A, B: aligned sources of equal length (lists, numpy arrays or tensors, first axis = samples).
        alpha: fraction of paired samples, in [0, 1].
        n: samples per domain.
        seed: seeds ``numpy.random.default_rng``.

    Raises:
        ValueError: alpha outside [0, 1], n < 1, sources of different lengths, or too few
            sources: the set needs ``2 * n - n_paired`` aligned samples.
    """
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0 or np.isnan(alpha):
        raise ValueError(f"alpha must be in [0, 1] (0 = unpaired, 1 = paired), got {alpha}.")
    if int(n) != n or n < 1:
        raise ValueError(f"n (samples per domain) must be a positive integer, got {n!r}.")
    n = int(n)
    if len(A) != len(B):
        raise ValueError(
            f"A and B must be aligned (A[i] <-> B[i]) and of equal length; got {len(A)} and {len(B)}."
        )
    k = n_paired_for(alpha, n)
    need = 2 * n - k
    if len(A) < need:
        raise ValueError(
            f"An alpha={alpha} paired set with n={n} per domain needs {need} aligned samples "
            f"({k} pairs + {n - k} unpaired in each domain), but the sources have {len(A)}. "
            "Render or load more, or lower n."
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(A))
    paired = order[:k]
    only_a = order[k:n]
    only_b = order[n : 2 * n - k]
    a_src = np.concatenate([paired, only_a])
    b_src = np.concatenate([paired, only_b])
    pa = rng.permutation(n)
    pb = rng.permutation(n)
    a_src, b_src = a_src[pa], b_src[pb]
    # positions of the paired sources in the shuffled domains
    pos_a = np.empty(n, np.int64)
    pos_a[pa] = np.arange(n)
    pos_b = np.empty(n, np.int64)
    pos_b[pb] = np.arange(n)
    pairs = np.stack([pos_a[:k], pos_b[:k]], 1) if k else np.zeros((0, 2), np.int64)
    pairs = pairs[np.argsort(pairs[:, 0])]
    return AlphaPaired(
        A=_take(A, a_src),
        B=_take(B, b_src),
        A_source=a_src.astype(np.int64),
        B_source=b_src.astype(np.int64),
        pairs=pairs.astype(np.int64),
        alpha=alpha,
    )


class UnalignedDataset(Dataset):
    """Two domains served as unaligned training samples (the CycleGAN data convention).

    Item ``i`` is ``{"A": A[i % |A|], "B": B[j], "A_path": ..., "B_path": ...}`` where ``j`` is
    drawn from a generator seeded by ``(seed, epoch, i)``, so which B comes with which A carries
    no information about the implicit pairs. Images may be uint8 (H, W, 3) arrays or float
    tensors (C, H, W) in [-1, 1]; they are returned as float tensors (C, H, W) in [-1, 1].
    """

    def __init__(self, A: Sequence, B: Sequence, seed: int = 0, names: tuple[str, str] = ("A", "B")):
        if len(A) == 0 or len(B) == 0:
            raise ValueError("UnalignedDataset needs non-empty domains A and B.")
        self.A, self.B, self.seed, self.names, self.epoch = A, B, int(seed), names, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return max(len(self.A), len(self.B))

    @staticmethod
    def _tensor(x: Any) -> torch.Tensor:
        if isinstance(x, torch.Tensor):
            return x.float()
        arr = np.asarray(x)
        if arr.dtype == np.uint8:
            return torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1).float() / 127.5 - 1.0
        return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))

    def __getitem__(self, i: int) -> dict:
        ia = int(i) % len(self.A)
        rng = np.random.default_rng((self.seed, self.epoch, int(i)))
        jb = int(rng.integers(len(self.B)))
        return {
            "A": self._tensor(self.A[ia]),
            "B": self._tensor(self.B[jb]),
            "A_path": f"{self.names[0]}/{ia:06d}",
            "B_path": f"{self.names[1]}/{jb:06d}",
        }
