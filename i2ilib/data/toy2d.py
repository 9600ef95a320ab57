"""Two-dimensional mixtures of Gaussians: the standard toy data for watching a GAN train.

The ring of 8 Gaussians (radius 2, standard deviation 0.02) and the 5x5 grid of Gaussians
(spacing 2, standard deviation 0.05) are the toy distributions on which mode collapse was
measured by the unrolled GAN (Metz et al. 2017) and VEEGAN (Srivastava et al. 2017) papers;
:mod:`i2ilib.metrics.modes` counts the modes a generator covers.

- :func:`ring_centers` / :func:`grid_centers` -- the mode centres, ``(K, 2)`` float32.
- :func:`sample_mixture` -- ``n`` points from equal-weight isotropic Gaussians at given centres,
  with the index of the mode each point was drawn from.
- :func:`ring_of_gaussians` / :func:`grid_of_gaussians` -- the two standard datasets.
- :func:`segment_points` / :func:`segment_position` / :func:`segment_ends` -- points uniform on
  a line segment, where points lie along (and off) a segment, and a segment's checked ends: the
  two domains of the minimality example (Galanti, Wolf & Benaim, ICLR 2018, Fig. 1, on Benaim
  & Wolf's slides).

Every sampler is deterministic: the same ``(n, seed)`` gives the same points on every machine
(``numpy.random.default_rng(seed)``), and the first points do not depend on ``n``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "GRID_SPACING",
    "GRID_STD",
    "RING_RADIUS",
    "RING_STD",
    "grid_centers",
    "grid_of_gaussians",
    "ring_centers",
    "ring_of_gaussians",
    "sample_mixture",
    "segment_ends",
    "segment_points",
    "segment_position",
]

#: Radius of the ring and standard deviation of each of its modes (Metz et al. 2017).
RING_RADIUS = 2.0
RING_STD = 0.02
#: Distance between neighbouring grid modes and their standard deviation (Srivastava et al. 2017).
GRID_SPACING = 2.0
GRID_STD = 0.05


def ring_centers(n_modes: int = 8, radius: float = RING_RADIUS) -> Tensor:
    """Centres of ``n_modes`` Gaussians evenly spaced on a circle, the first on the x axis.

    Returns:
        ``(n_modes, 2)`` float32: ``radius * (cos(2 pi k / n_modes), sin(2 pi k / n_modes))``.
    """
    if int(n_modes) != n_modes or n_modes < 1:
        raise ValueError(f"n_modes must be a positive integer, got {n_modes!r}")
    if radius <= 0:
        raise ValueError(f"radius must be positive, got {radius!r}")
    angle = 2 * np.pi * np.arange(int(n_modes)) / int(n_modes)
    xy = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return torch.from_numpy(xy.astype(np.float32))


def grid_centers(side: int = 5, spacing: float = GRID_SPACING) -> Tensor:
    """Centres of a ``side x side`` square grid of Gaussians, centred on the origin.

    Returns:
        ``(side * side, 2)`` float32, row by row (x varies fastest); with the defaults the
        coordinates are -4, -2, 0, 2, 4.
    """
    if int(side) != side or side < 1:
        raise ValueError(f"side must be a positive integer, got {side!r}")
    if spacing <= 0:
        raise ValueError(f"spacing must be positive, got {spacing!r}")
    axis = (np.arange(int(side)) - (int(side) - 1) / 2) * spacing
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    return torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32))


def sample_mixture(
    centers: Tensor, n: int, std: float, seed: int = 0, labels: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Draw ``n`` points from equal-weight isotropic Gaussians at ``centers``.

    Args:
        centers: ``(K, 2)`` mode centres (any ``(K, D)`` works).
        n: number of points.
        std: standard deviation of every mode, in each coordinate.
        seed: the random seed; point ``i`` is the same for every ``n > i``.
        labels: optional ``(n,)`` mode indices to draw from (a class-conditional sample);
            by default each point's mode is drawn uniformly.

    Returns:
        ``(x, y)``: ``(n, D)`` float32 points and ``(n,)`` int64 mode indices.
    """
    centers = torch.as_tensor(centers, dtype=torch.float32)
    if centers.dim() != 2 or len(centers) == 0:
        raise ValueError(f"centers must be a non-empty (K, D) tensor, got {tuple(centers.shape)}")
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if std < 0:
        raise ValueError(f"std must be non-negative, got {std!r}")
    n, (k, d) = int(n), centers.shape
    rng = np.random.default_rng(seed)
    # One row of draws per point, so that a prefix of a larger sample is the smaller sample.
    draws = rng.random((n, 1 + d)) if n else np.zeros((0, 1 + d))
    if labels is None:
        y = np.minimum((draws[:, 0] * k).astype(np.int64), k - 1)
    else:
        y = torch.as_tensor(labels, dtype=torch.int64).numpy()
        if y.shape != (n,) or (n and (y.min() < 0 or y.max() >= k)):
            raise ValueError(f"labels must be {n} ints in 0..{k - 1}, got shape {y.shape}")
    noise = _normal_from_uniform(draws[:, 1:])
    x = centers.numpy()[y] + std * noise
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.int64))


def _normal_from_uniform(u: np.ndarray) -> np.ndarray:
    """Standard normal values from uniforms in [0, 1) by the inverse CDF (deterministic)."""
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def ring_of_gaussians(
    n: int,
    seed: int = 0,
    n_modes: int = 8,
    radius: float = RING_RADIUS,
    std: float = RING_STD,
    labels: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``n`` points from the ring of ``n_modes`` Gaussians (default: 8, radius 2, std 0.02).

    Returns:
        ``(x, y)``: ``(n, 2)`` float32 points and ``(n,)`` int64 mode indices in
        ``0 .. n_modes - 1`` (mode ``k`` at angle ``2 pi k / n_modes``).
    """
    return sample_mixture(ring_centers(n_modes, radius), n, std, seed, labels)


def grid_of_gaussians(
    n: int,
    seed: int = 0,
    side: int = 5,
    spacing: float = GRID_SPACING,
    std: float = GRID_STD,
    labels: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``n`` points from the ``side x side`` grid of Gaussians (default: 5x5, spacing 2, std 0.05).

    Returns:
        ``(x, y)``: ``(n, 2)`` float32 points and ``(n,)`` int64 mode indices in
        ``0 .. side**2 - 1`` (row by row, see :func:`grid_centers`).
    """
    return sample_mixture(grid_centers(side, spacing), n, std, seed, labels)


def segment_ends(start: Tensor | tuple[float, float],
                 end: Tensor | tuple[float, float]) -> tuple[Tensor, Tensor]:
    """A segment's two ends as float32 tensors ``(2,)`` each, checked.

    Raises:
        ValueError: an end is not a point of the plane, or both ends are the same point.
    """
    p0 = torch.as_tensor(start, dtype=torch.float32)
    p1 = torch.as_tensor(end, dtype=torch.float32)
    if p0.shape != (2,) or p1.shape != (2,):
        raise ValueError(f"a segment's ends are points of the plane, got shapes "
                         f"{tuple(p0.shape)} and {tuple(p1.shape)}")
    if torch.equal(p0, p1):
        raise ValueError(f"a segment needs two different ends, got {p0.tolist()} twice")
    return p0, p1


def segment_points(n: int, start: Tensor | tuple[float, float],
                   end: Tensor | tuple[float, float], seed: int = 0) -> tuple[Tensor, Tensor]:
    """``n`` points uniform on the segment from ``start`` to ``end``.

    Returns:
        ``(x, t)``: ``(n, 2)`` float32 points ``start + t (end - start)`` and their ``(n,)``
        positions ``t`` in ``[0, 1)``, uniform; point ``i`` is the same for every ``n > i``.
    """
    p0, p1 = segment_ends(start, end)
    t = torch.from_numpy(np.random.default_rng(seed).random(n).astype(np.float32))
    return p0 + t[:, None] * (p1 - p0), t


def segment_position(points: Tensor, start: Tensor | tuple[float, float],
                     end: Tensor | tuple[float, float]) -> tuple[Tensor, Tensor]:
    """Where ``points`` (..., 2) lie relative to the segment from ``start`` to ``end``.

    Returns:
        ``(t, off)``, both of shape ``(...)``: ``t``, the position of each point's orthogonal
        projection on the segment's line (0 at ``start``, 1 at ``end``, outside ``[0, 1]``
        beyond them), and ``off``, the point's distance to that line.
    """
    p0, p1 = segment_ends(start, end)
    if points.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got {tuple(points.shape)}")
    d = p1 - p0
    t = ((points.float() - p0) @ d) / (d @ d)
    off = (points.float() - (p0 + t[..., None] * d)).norm(dim=-1)
    return t, off
