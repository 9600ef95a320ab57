"""Depth-estimation error metrics of M&MNets (thesis Section 4.6.1, eq. 4.15; Eigen et al.).

With ``y`` the predicted and ``y'`` the ground-truth depth over the valid pixels:

- ``delta < v`` = fraction of pixels with ``max(y/y', y'/y) < v``, for v = 1.25, 1.25², 1.25³
  (higher is better);
- ``RMSE (linear) = sqrt(mean((y - y')²))`` (in depth units);
- ``RMSE (log) = sqrt(mean((log y - log y')²))`` (natural log).

The mean runs over all valid pixels of the arrays passed in (``1/|y| sum``, eq. 4.15); call the
function per image and average for per-image means. A pixel is valid when its ground truth is
finite and positive and, if given, ``mask`` is true there; invalid depth (0, NaN, inf, holes of a
sensor) is thereby excluded.
"""

from __future__ import annotations

import numpy as np
import torch

DELTA_THRESHOLDS = (1.25, 1.25**2, 1.25**3)


def _as_float(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def valid_depth_mask(target, mask=None) -> np.ndarray:
    """Boolean mask of pixels with finite, positive ground truth (and ``mask`` if given)."""
    t = _as_float(target, "target")
    valid = np.isfinite(t) & (t > 0)
    if mask is not None:
        m = np.asarray(mask.detach().cpu() if isinstance(mask, torch.Tensor) else mask, dtype=bool)
        if m.shape != t.shape:
            raise ValueError(f"mask has shape {m.shape} but target has shape {t.shape}")
        valid &= m
    return valid


def depth_scores(pred, target, mask=None, min_depth: float | None = None) -> dict:
    """The five columns of thesis Tables 4.3/4.5/4.7 for one set of depth maps.

    Args:
        pred: predicted depth, any shape (e.g. ``(N, H, W)``), positive, in the units of
            ``target``.
        target: ground-truth depth, same shape; values <= 0 or non-finite are invalid.
        mask: optional boolean array, same shape: extra pixels to exclude where false.
        min_depth: if given, predictions are clipped to at least this value (a common practice
            for networks that may output 0); if ``None``, a non-positive prediction on a valid
            pixel raises.

    Returns:
        ``{"delta1", "delta2", "delta3", "rmse", "rmse_log", "n_valid"}``.

    Raises:
        ValueError: on a shape mismatch, no valid pixel, or non-positive/non-finite predictions.
    """
    p = _as_float(pred, "pred")
    t = _as_float(target, "target")
    if p.shape != t.shape:
        raise ValueError(f"pred has shape {p.shape} but target has shape {t.shape}")
    valid = valid_depth_mask(t, mask)
    if not valid.any():
        raise ValueError("no valid pixel: the ground truth must be finite and > 0 somewhere")
    p, t = p[valid], t[valid]
    if min_depth is not None:
        p = np.maximum(p, min_depth)
    if not np.all(np.isfinite(p)):
        raise ValueError("pred contains NaN or inf on valid pixels")
    if np.any(p <= 0):
        raise ValueError(
            f"pred has {int((p <= 0).sum())} non-positive value(s) on valid pixels; depth ratios "
            "and logs need positive depth: pass min_depth=... to clip predictions."
        )
    ratio = np.maximum(p / t, t / p)
    out = {f"delta{i + 1}": float(np.mean(ratio < v)) for i, v in enumerate(DELTA_THRESHOLDS)}
    out["rmse"] = float(np.sqrt(np.mean((p - t) ** 2)))
    out["rmse_log"] = float(np.sqrt(np.mean((np.log(p) - np.log(t)) ** 2)))
    out["n_valid"] = int(valid.sum())
    return out


def depth_scores_per_image(pred, target, mask=None, min_depth: float | None = None) -> dict:
    """Eq. 4.15 per image (first axis), then averaged over images (``n_valid`` is summed).

    Images without a valid pixel are skipped; raises if no image has one.
    """
    p = _as_float(pred, "pred")
    t = _as_float(target, "target")
    if p.shape != t.shape or p.ndim < 2:
        raise ValueError(f"pred and target must have the same shape (N, ...), got {p.shape}, {t.shape}")
    m = valid_depth_mask(t, mask)
    rows = [depth_scores(p[i], t[i], m[i], min_depth) for i in range(len(p)) if m[i].any()]
    if not rows:
        raise ValueError("no image has a valid ground-truth pixel")
    out = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "n_valid"}
    out["n_valid"] = int(sum(r["n_valid"] for r in rows))
    return out
