"""Mode coverage of samples from a mixture of Gaussians: how many modes, and how good.

On toy data whose modes are known (:mod:`i2ilib.data.toy2d`), the unrolled GAN (Metz et al.
2017) and VEEGAN (Srivastava et al. 2017) papers score a generator with two numbers:

- **high-quality samples**: the fraction of samples within ``n_sigma = 3`` standard deviations
  of the nearest mode centre (Euclidean distance);
- **modes covered**: how many modes receive enough of those high-quality samples.

"Enough" varies between papers; here a mode counts as covered when it holds at least
``min_share`` of its fair share of the samples, ``min_share * n / K`` for ``n`` samples and ``K``
modes. The default, 0.2, is PacGAN's rule (Lin et al. 2018: at least 20 of 2500
samples on the 25-mode grid, a fifth of the 100 each mode would get). It keeps a few stray
samples from counting as a mode, and it does not ask for a perfectly balanced mixture.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["ModeCoverage", "assign_modes", "mode_coverage"]


@dataclass(frozen=True)
class ModeCoverage:
    """The result of :func:`mode_coverage`.

    Attributes:
        modes_covered: number of modes holding at least ``threshold`` high-quality samples.
        n_modes: number of modes ``K``.
        high_quality: fraction of all samples within ``n_sigma`` std of their nearest mode.
        counts: ``(K,)`` number of high-quality samples assigned to each mode.
        threshold: the number of high-quality samples a mode needs to count as covered.
    """

    modes_covered: int
    n_modes: int
    high_quality: float
    counts: tuple[int, ...]
    threshold: float

    def __str__(self) -> str:
        return (f"{self.modes_covered}/{self.n_modes} modes covered, "
                f"{self.high_quality:.1%} high-quality samples")


def assign_modes(samples: Tensor, centers: Tensor) -> tuple[Tensor, Tensor]:
    """The nearest mode centre of every sample and the distance to it.

    Args:
        samples: ``(n, D)`` points.
        centers: ``(K, D)`` mode centres.

    Returns:
        ``(index, distance)``: ``(n,)`` int64 index of the nearest centre and ``(n,)`` float32
        Euclidean distance to it.
    """
    samples = torch.as_tensor(samples).detach().float().cpu()
    centers = torch.as_tensor(centers).detach().float().cpu()
    if samples.dim() != 2 or centers.dim() != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples (n, D) and centers (K, D) must agree in D, got "
                         f"{tuple(samples.shape)} and {tuple(centers.shape)}")
    if len(centers) == 0:
        raise ValueError("centers is empty: at least one mode is needed")
    distance, index = torch.cdist(samples, centers).min(dim=1)
    return index, distance


def mode_coverage(
    samples: Tensor,
    centers: Tensor,
    std: float,
    n_sigma: float = 3.0,
    min_share: float = 0.2,
) -> ModeCoverage:
    """Count the modes covered by ``samples`` and the fraction of high-quality samples.

    A sample is *high-quality* when its distance to the nearest centre is at most
    ``n_sigma * std``; it then belongs to that mode. A mode is *covered* when it holds at least
    ``min_share * n / K`` high-quality samples (``n`` samples, ``K`` modes).

    Args:
        samples: ``(n, D)`` generated points, ``n >= 1``; non-finite points are never
            high-quality.
        centers: ``(K, D)`` mode centres, e.g. :func:`i2ilib.data.toy2d.ring_centers`.
        std: standard deviation of each mode of the real data.
        n_sigma: the quality radius in standard deviations (3 in the literature).
        min_share: fraction of a fair share ``n / K`` that a mode needs (PacGAN: 0.2).

    Returns:
        A :class:`ModeCoverage`.
    """
    if std <= 0 or n_sigma <= 0:
        raise ValueError(f"std and n_sigma must be positive, got {std!r} and {n_sigma!r}")
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must lie in (0, 1], got {min_share!r}")
    index, distance = assign_modes(samples, centers)
    n, k = len(index), len(torch.as_tensor(centers))
    if n == 0:
        raise ValueError("samples is empty: at least one sample is needed")
    good = torch.isfinite(distance) & (distance <= n_sigma * std)
    counts = torch.bincount(index[good], minlength=k)
    threshold = min_share * n / k
    return ModeCoverage(
        modes_covered=int((counts >= threshold).sum()),
        n_modes=k,
        high_quality=float(good.float().mean()),
        counts=tuple(int(c) for c in counts),
        threshold=threshold,
    )
