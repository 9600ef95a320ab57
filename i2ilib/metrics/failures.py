"""Numbers that recognise the typical failures of a translation model.

A failed GAN rarely announces itself in its losses; its outputs do. Each function here turns one
failure into one number that can be read off a test set with ground truth (chapter 04's gallery):

- **mode collapse**: every input gets (nearly) the same output, so the outputs vary far less
  than real images do: :func:`spread_ratio` well below 1;
- **ignoring the input** (the generator paints plausible domain-B images with little relation
  to the input, the failure the cycle loss exists to prevent; Zhu et al. 2017, Sec. 3.2): one
  cannot tell from an output which input it came from: :func:`input_retrieval` near chance;
- **memorising domain B**: outputs are near-copies of training images, much closer to their
  nearest training image than real unseen images are: :func:`memorisation_ratio` well below 1;
- **colour inversion** (a cycle-consistent but wrong mapping that swaps colours or classes and
  swaps them back; CycleGAN paper, Fig. 17): channels anti-correlated with the truth
  (:func:`channel_correlation` < 0), or label classes consistently turned into other classes
  (:func:`class_mapping`).

All images are ``(N, C, H, W)`` tensors in [-1, 1]; distances are mean absolute differences on
the [0, 1] intensity scale, the book's "L1 to the truth", unless a function says otherwise.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "channel_correlation",
    "class_mapping",
    "input_retrieval",
    "memorisation_ratio",
    "nearest_distances",
    "pairwise_l1",
    "spread_ratio",
]


def _check(x: Tensor, name: str, min_n: int = 1) -> Tensor:
    if not isinstance(x, Tensor) or x.ndim != 4:
        raise ValueError(f"{name} must be a tensor (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}.")
    if len(x) < min_n:
        raise ValueError(f"{name} needs at least {min_n} images, got {len(x)}.")
    return x.detach().float().cpu()


def pairwise_l1(x: Tensor, y: Tensor, batch_size: int = 256) -> Tensor:
    """``(N, M)`` mean absolute difference between every ``x[i]`` and every ``y[j]`` on the
    [0, 1] scale (``x``: ``(N, C, H, W)``, ``y``: ``(M, C, H, W)``, same C, H, W)."""
    x, y = _check(x, "x").flatten(1) / 2, _check(y, "y").flatten(1) / 2
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same image shape, got {x.shape[1]} and "
                         f"{y.shape[1]} values per image.")
    rows = [torch.cdist(x[i:i + batch_size], y, p=1) / x.shape[1]
            for i in range(0, len(x), batch_size)]
    return torch.cat(rows)


def _mean_off_diagonal(d: Tensor) -> float:
    n = d.shape[0]
    return float((d.sum() - d.diagonal().sum()) / (n * (n - 1)))


def spread_ratio(outputs: Tensor, reals: Tensor) -> float:
    """How much of the real images' variety the outputs keep: the per-pixel variance across
    ``outputs``, averaged over pixels and channels, divided by the same for ``reals`` (real
    images of the target domain, e.g. the test set's targets).

    About 1 for a healthy model; well below 1 (say < 0.4) is mode collapse: the generator found a
    few outputs that fool its discriminator and hands them to every input, or it paints every
    input as the same blurred average.
    """
    o, r = _check(outputs, "outputs", 2), _check(reals, "reals", 2)
    if o.shape[1:] != r.shape[1:]:
        raise ValueError(f"outputs and reals must have the same image shape, got "
                         f"{tuple(o.shape[1:])} and {tuple(r.shape[1:])}.")
    return float(o.var(0).mean()) / max(float(r.var(0).mean()), 1e-12)


def input_retrieval(outputs: Tensor, targets: Tensor) -> float:
    """Could you tell which input an output came from? The fraction of outputs whose nearest
    target (Euclidean distance, after subtracting each set's mean image so that what every scene
    shares does not count) is their *own* true counterpart (``outputs[i]`` belongs with
    ``targets[i]``).

    Chance is ``1 / N``; a faithful translation scores far above it. A generator that ignores
    its input, however realistic its images, scores near chance: nothing in the output points
    back to the input.
    """
    o, t = _check(outputs, "outputs", 2), _check(targets, "targets", 2)
    if o.shape != t.shape:
        raise ValueError(f"outputs and targets must match one to one, got {tuple(o.shape)} and "
                         f"{tuple(t.shape)}.")
    oc, tc = (o - o.mean(0)).flatten(1), (t - t.mean(0)).flatten(1)
    nearest = torch.cdist(oc, tc).argmin(dim=1)
    return float((nearest == torch.arange(len(o))).float().mean())


def nearest_distances(queries: Tensor, bank: Tensor) -> tuple[Tensor, Tensor]:
    """For every query image, the L1 distance to its nearest image in ``bank`` and that image's
    index: ``(distances (N,), indices (N,))``."""
    d = pairwise_l1(queries, bank)
    dist, idx = d.min(dim=1)
    return dist, idx


def memorisation_ratio(outputs: Tensor, reals: Tensor, train: Tensor) -> float:
    """Median distance of the outputs to their nearest training image, divided by the same for
    real *unseen* images of the domain (``reals``, e.g. the test set's targets).

    About 1 (or above) when the outputs are new images; well below 1 (say < 0.5) when they are
    near-copies of training images: the generator memorised domain B.
    """
    d_out, _ = nearest_distances(outputs, train)
    d_real, _ = nearest_distances(reals, train)
    return float(d_out.median()) / max(float(d_real.median()), 1e-12)


def channel_correlation(outputs: Tensor, targets: Tensor) -> np.ndarray:
    """Pearson correlation, per colour channel, between output and target pixels over the whole
    set: ``(C,)``. Near 1 for a faithful translation, near 0 when the output ignores the input,
    negative when a channel is inverted."""
    o, t = _check(outputs, "outputs"), _check(targets, "targets")
    if o.shape != t.shape:
        raise ValueError(f"outputs and targets must match one to one, got {tuple(o.shape)} and "
                         f"{tuple(t.shape)}.")
    o = o.transpose(0, 1).flatten(1).double()
    t = t.transpose(0, 1).flatten(1).double()
    o, t = o - o.mean(1, keepdim=True), t - t.mean(1, keepdim=True)
    den = (o.norm(dim=1) * t.norm(dim=1)).clamp_min(1e-12)
    return ((o * t).sum(1) / den).numpy()


def class_mapping(pred_labels, true_labels, n_classes: int,
                  min_share: float = 0.01) -> list[tuple[int, int, float]]:
    """For every class that covers at least ``min_share`` of the true pixels: ``(true class,
    the class it is most often predicted as, the fraction of its pixels predicted so)``.

    A healthy model maps most classes to themselves. A *consistent* mapping of a large class to
    another one (e.g. road always painted in the sky's colour) is the label-map form of colour
    inversion: cycle-consistent, because the way back can undo it, and wrong.

    Args:
        pred_labels, true_labels: int class ids of the same shape, ``(N, H, W)`` or ``(H, W)``.
        n_classes: number of classes (ids ``0 .. n_classes - 1``; others are ignored).
    """
    p, t = np.asarray(pred_labels), np.asarray(true_labels)
    if p.shape != t.shape:
        raise ValueError(f"pred_labels and true_labels must have the same shape, got {p.shape} "
                         f"and {t.shape}.")
    ok = (t >= 0) & (t < n_classes) & (p >= 0) & (p < n_classes)
    cm = np.bincount(t[ok].astype(np.int64) * n_classes + p[ok].astype(np.int64),
                     minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    total = cm.sum()
    out = []
    for c in range(n_classes):
        row = cm[c]
        if total == 0 or row.sum() < min_share * total:
            continue
        j = int(row.argmax())
        out.append((c, j, float(row[j] / row.sum())))
    return out
