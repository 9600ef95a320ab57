"""Segmentation scores from a confusion matrix: the FCN-score and the M&MNets table columns.

The FCN-score (pix2pix, Isola et al. 2017; used in the implicit-pairs paper, Tables 2-3 and
appendix "FCN-score") reports per-pixel accuracy, per-class accuracy and class IoU of a label map
against the ground truth. M&MNets (thesis Section 4.6.1, Tables 4.2-4.7) report per-class IoU,
their mean (mIoU) and the "global" score, the percentage of correctly classified pixels, which is
the same quantity as the per-pixel accuracy.

Conventions: rows of the confusion matrix are the true class, columns the predicted class (as
``sklearn.metrics.confusion_matrix``). Classes that never occur in the ground truth get NaN
accuracy and are left out of the means; a class that is predicted but absent from the ground
truth has IoU 0 and *is* counted in the mean IoU (as in the pix2pix Cityscapes evaluation).
"""

from __future__ import annotations

import numpy as np
import torch


def _as_int_array(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class ids, got non-integer floats")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class ids, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def confusion_matrix(pred, target, num_classes: int, ignore_index: int | None = 255) -> np.ndarray:
    """Confusion matrix ``(num_classes, num_classes)``, int64, rows = true, columns = predicted.

    Args:
        pred: predicted class ids, any shape (e.g. ``(N, H, W)``).
        target: true class ids, same shape as ``pred``.
        num_classes: number of classes K; ids must lie in ``[0, K)``.
        ignore_index: pixels whose *target* equals this id are not counted (``None``: count all).

    Raises:
        ValueError: on shape mismatch or ids outside ``[0, num_classes)``.
    """
    p = _as_int_array(pred, "pred")
    t = _as_int_array(target, "target")
    if p.shape != t.shape:
        raise ValueError(f"pred has shape {p.shape} but target has shape {t.shape}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    keep = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    p, t = p[keep], t[keep]
    for name, arr in (("target", t), ("pred", p)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            bad = arr[(arr < 0) | (arr >= num_classes)][0]
            raise ValueError(
                f"{name} contains class id {bad} outside [0, {num_classes}); pass the right "
                f"num_classes or mark unlabelled pixels with ignore_index={ignore_index}."
            )
    return np.bincount(t * num_classes + p, minlength=num_classes**2).reshape(
        num_classes, num_classes
    ).astype(np.int64)


def _check_cm(cm) -> np.ndarray:
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion matrix must be square (K, K), got shape {cm.shape}")
    if cm.sum() == 0:
        raise ValueError("confusion matrix is empty: no labelled pixels were counted")
    return cm


def pixel_accuracy(cm) -> float:
    """Per-pixel accuracy: correctly classified pixels / labelled pixels (FCN-score column 1).

    The M&MNets "global" score is the same quantity (see :func:`global_accuracy`).
    """
    cm = _check_cm(cm)
    return float(np.trace(cm) / cm.sum())


def global_accuracy(cm) -> float:
    """Global score of M&MNets (thesis Section 4.6.1): the fraction of correct pixels.

    Identical to :func:`pixel_accuracy`; kept under the thesis' name for its tables.
    """
    return pixel_accuracy(cm)


def class_accuracies(cm) -> np.ndarray:
    """Per-class accuracy (recall) ``TP_c / (pixels of class c)``, shape ``(K,)``; NaN if absent."""
    cm = _check_cm(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(cm) / cm.sum(axis=1)


def mean_class_accuracy(cm) -> float:
    """Per-class accuracy averaged over classes present in the ground truth (FCN-score column 2)."""
    return float(np.nanmean(class_accuracies(cm)))


def class_iou(cm) -> np.ndarray:
    """Intersection over union per class ``TP / (TP + FP + FN)``, shape ``(K,)``.

    NaN for classes that are neither in the ground truth nor predicted.
    """
    cm = _check_cm(cm)
    tp = np.diag(cm)
    union = cm.sum(axis=1) + cm.sum(axis=0) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return tp / union


def mean_iou(cm) -> float:
    """Mean class IoU (FCN-score "Class IOU"; M&MNets "mIoU"), NaN classes excluded."""
    return float(np.nanmean(class_iou(cm)))


def segmentation_scores(pred, target, num_classes: int, ignore_index: int | None = 255) -> dict:
    """All scores at once: ``{"pixel_acc", "class_acc", "mean_iou", "global_acc", "class_iou",
    "confusion"}`` (``class_iou`` is a ``(K,)`` array, ``confusion`` the ``(K, K)`` matrix)."""
    cm = confusion_matrix(pred, target, num_classes, ignore_index)
    return {
        "pixel_acc": pixel_accuracy(cm),
        "class_acc": mean_class_accuracy(cm),
        "mean_iou": mean_iou(cm),
        "global_acc": global_accuracy(cm),
        "class_iou": class_iou(cm),
        "confusion": cm,
    }


def rgb_to_labels(rgb, palette) -> np.ndarray:
    """Map each pixel to the class whose palette colour is nearest (Euclidean in RGB).

    The implicit-pairs paper (appendix, "FCN-score", photo -> labels) converts generated label
    images to label maps this way, with the Cityscapes label <-> colour table.

    Args:
        rgb: either uint8 ``(H, W, 3)`` / ``(N, H, W, 3)`` in [0, 255], or float images in the
            book convention ``(3, H, W)`` / ``(N, 3, H, W)`` in [-1, 1] (numpy or torch).
        palette: ``(K, 3)`` colours in [0, 255], row ``c`` = colour of class ``c``.

    Returns:
        int64 label map ``(H, W)`` or ``(N, H, W)``.

    Raises:
        ValueError: on a palette that is not ``(K, 3)`` or an image without 3 channels.
    """
    pal = np.asarray(palette, dtype=np.float64)
    if pal.ndim != 2 or pal.shape[1] != 3 or len(pal) < 1:
        raise ValueError(f"palette must have shape (K, 3) with colours in [0, 255], got {pal.shape}")
    img = _to_hwc_255(rgb)
    flat = img.reshape(-1, 3)
    # squared distances to each palette colour, in chunks to bound memory
    out = np.empty(len(flat), dtype=np.int64)
    pal_sq = (pal**2).sum(1)
    for s in range(0, len(flat), 1 << 18):
        chunk = flat[s:s + (1 << 18)]
        d = pal_sq[None, :] - 2.0 * chunk @ pal.T
        out[s:s + len(chunk)] = d.argmin(axis=1)
    return out.reshape(img.shape[:-1])


def _to_hwc_255(rgb) -> np.ndarray:
    """uint8 HWC or float CHW in [-1, 1] -> float64 (..., H, W, 3) in [0, 255]."""
    if isinstance(rgb, torch.Tensor):
        rgb = rgb.detach().cpu().numpy()
    arr = np.asarray(rgb)
    if arr.dtype == np.uint8:
        if arr.shape[-1] != 3:
            raise ValueError(f"uint8 images must be (..., H, W, 3), got shape {arr.shape}")
        return arr.astype(np.float64)
    if arr.ndim not in (3, 4) or arr.shape[-3] != 3:
        raise ValueError(
            f"float images must be (3, H, W) or (N, 3, H, W) in [-1, 1], got shape {arr.shape}"
        )
    arr = arr.astype(np.float64)
    if arr.size and (arr.min() < -1.001 or arr.max() > 1.001):
        raise ValueError(
            f"float images must lie in [-1, 1], got range [{arr.min():.3g}, {arr.max():.3g}]"
        )
    return np.moveaxis((arr + 1.0) * 127.5, -3, -1)


def fcn_score_photo2labels(
    pred_rgb, true_labels, palette, ignore_index: int | None = 255
) -> dict:
    """FCN-score of a photo -> labels translation, scored by nearest palette colour.

    Each generated pixel becomes the class of the nearest colour of ``palette`` (implicit-pairs
    appendix, "FCN-score"), then the pix2pix scores are computed against ``true_labels``.
    Scoring the ground-truth colour images gives the upper bound 1.0.

    Args:
        pred_rgb: generated label images (see :func:`rgb_to_labels` for accepted layouts).
        true_labels: int class ids ``(H, W)`` / ``(N, H, W)``.
        palette: ``(K, 3)`` colour table in [0, 255] (e.g. the SynthScenes/Cityscapes table).

    Returns:
        :func:`segmentation_scores` dict.
    """
    pred = rgb_to_labels(pred_rgb, palette)
    return segmentation_scores(pred, true_labels, len(np.asarray(palette)), ignore_index)
