"""Scores that ask a classifier about translated images.

- Reverse classification accuracy: train a classifier on translated images (with the labels of
  their sources), test it on real images of the target domain. High when translations carry the
  label-relevant content of the real domain.
- Misclassification rate and drop in confidence of an attribute classifier (UDIT, thesis
  Section 5.6.3): a classifier ``f`` of a property that translation must *not* change (e.g.
  gender when adding makeup) is applied to the translated image ``x_{i->j}``; the rate counts
  predictions that no longer match the source's label, the drop is ``f(x_i) - f(x_{i->j})``, the
  classifier's probability of the correct label before minus after translation.
- Alignment factor (M&MNets, thesis eq. 4.16): mean cosine similarity between paired latent
  features of two modality encoders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch


class Classifier(Protocol):
    """The scikit-learn estimator protocol: ``fit(X, y)`` returns self, ``predict(X)`` labels."""

    def fit(self, X, y): ...

    def predict(self, X): ...


def _np(x, name: str, dtype=None) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def reverse_classification_accuracy(
    make_classifier: Callable[[], Classifier],
    translated,
    translated_labels,
    real,
    real_labels,
) -> float:
    """Train ``make_classifier()`` on translated samples, return its accuracy on real samples.

    Args:
        make_classifier: factory returning a fresh, untrained classifier with ``fit``/``predict``
            (e.g. ``lambda: LogisticRegression(max_iter=500)`` on features, or a wrapper around a
            small CNN trainer).
        translated: training inputs (e.g. ``G_AB(a)`` images or their features), passed to
            ``fit`` unchanged.
        translated_labels: ``(N,)`` labels of the *sources* of the translated samples.
        real: test inputs from the real target domain, passed to ``predict`` unchanged.
        real_labels: ``(M,)`` true labels of ``real``.

    Raises:
        ValueError: if the numbers of samples and labels differ.
    """
    y_tr = _np(translated_labels, "translated_labels")
    y_te = _np(real_labels, "real_labels")
    if len(translated) != len(y_tr):
        raise ValueError(f"{len(translated)} translated samples but {len(y_tr)} labels")
    if len(real) != len(y_te):
        raise ValueError(f"{len(real)} real samples but {len(y_te)} labels")
    clf = make_classifier()
    clf.fit(translated, y_tr)
    pred = _np(clf.predict(real), "predictions").reshape(-1)
    if len(pred) != len(y_te):
        raise ValueError(f"classifier returned {len(pred)} predictions for {len(y_te)} samples")
    return float(np.mean(pred == y_te))


def _prob_of_label(probs: np.ndarray, labels: np.ndarray, name: str) -> np.ndarray:
    """Probability the classifier gives to ``labels``: ``(N,)`` binary P(1) or ``(N, K)`` rows."""
    if probs.ndim == 1:
        if labels.size and not np.isin(labels, (0, 1)).all():
            raise ValueError(f"binary {name} (shape (N,)) need labels in {{0, 1}}")
        return np.where(labels == 1, probs, 1.0 - probs)
    if probs.ndim == 2:
        if labels.size and (labels.min() < 0 or labels.max() >= probs.shape[1]):
            raise ValueError(f"labels must lie in [0, {probs.shape[1]}) for {name} of shape {probs.shape}")
        return probs[np.arange(len(labels)), labels]
    raise ValueError(f"{name} must be (N,) probabilities of class 1 or (N, K) rows, got {probs.shape}")


def _check_probs(probs, name: str) -> np.ndarray:
    p = _np(probs, name, np.float64)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(
            f"{name} must be probabilities in [0, 1] (apply sigmoid/softmax to logits first), "
            f"got range [{p.min():.3g}, {p.max():.3g}]"
        )
    return p


def misclassification_rate(probs_translated, labels, threshold: float = 0.5) -> float:
    """Fraction of translated samples whose predicted label differs from the source's label.

    UDIT (thesis Section 5.6.3): the classifier ``f`` is applied to ``x_{i->j}``; its true label
    is the label of ``x_i`` (translation must not change that property).

    Args:
        probs_translated: ``(N,)`` P(class 1) of a binary classifier (thresholded at
            ``threshold``) or ``(N, K)`` class probabilities (argmax).
        labels: ``(N,)`` int labels of the source images.
    """
    p = _check_probs(probs_translated, "probs_translated")
    y = _np(labels, "labels").astype(np.int64).reshape(-1)
    if len(p) != len(y):
        raise ValueError(f"{len(p)} predictions but {len(y)} labels")
    pred = (p >= threshold).astype(np.int64) if p.ndim == 1 else p.argmax(axis=1)
    return float(np.mean(pred != y))


def drop_in_confidence(probs_source, probs_translated, labels) -> float:
    """Mean of ``delta(x_i) = f(x_i) - f(x_{i->j})`` (UDIT, thesis Section 5.6.3).

    ``f(.)`` is the classifier's probability of the source's true label. Positive: translation
    made the classifier less sure of the (unchanged) property; 0: no effect.

    Args:
        probs_source: classifier output on the sources ``x_i``, ``(N,)`` P(1) or ``(N, K)``.
        probs_translated: classifier output on the translations ``x_{i->j}``, same shape.
        labels: ``(N,)`` int labels of the sources.
    """
    ps = _check_probs(probs_source, "probs_source")
    pt = _check_probs(probs_translated, "probs_translated")
    if ps.shape != pt.shape:
        raise ValueError(f"probs_source {ps.shape} and probs_translated {pt.shape} differ in shape")
    y = _np(labels, "labels").astype(np.int64).reshape(-1)
    if len(y) != len(ps):
        raise ValueError(f"{len(ps)} predictions but {len(y)} labels")
    return float(np.mean(_prob_of_label(ps, y, "probs_source") - _prob_of_label(pt, y, "probs_translated")))


def alignment_factor(feats_a, feats_b) -> float:
    """Alignment factor (thesis eq. 4.16): mean cosine of paired latent features.

    ``AF = E[f_a(x)ᵀ f_b(y) / (||f_a(x)|| ||f_b(y)||)]`` over pairs (x, y) of the same scene.

    Args:
        feats_a, feats_b: ``(N, ...)`` latent features of the two modalities, row i paired with
            row i; each row is flattened (e.g. ``(N, C, H, W)`` bottleneck maps).

    Raises:
        ValueError: on different shapes or an all-zero feature vector.
    """
    a = torch.as_tensor(_np(feats_a, "feats_a", np.float64))
    b = torch.as_tensor(_np(feats_b, "feats_b", np.float64))
    if a.shape != b.shape:
        raise ValueError(f"paired features must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.ndim < 2 or len(a) == 0:
        raise ValueError(f"features must be (N, ...) with N >= 1, got {tuple(a.shape)}")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    na, nb = a.norm(dim=1), b.norm(dim=1)
    if (na == 0).any() or (nb == 0).any():
        raise ValueError("a feature vector is all zeros: its cosine is undefined")
    return float(((a * b).sum(1) / (na * nb)).mean())
