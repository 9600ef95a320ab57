"""Classifier-based scores, reconstruction MSE, InfoSim and ID distance on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from i2ilib.metrics import classification as cls
from i2ilib.metrics import reconstruction as rec


def test_reverse_classification_accuracy_good_vs_label_scrambling_translation():
    rng = np.random.default_rng(0)
    y_real = rng.integers(0, 2, 300)
    real = rng.normal(size=(300, 4)) + 3.0 * y_real[:, None]
    y_src = rng.integers(0, 2, 300)
    faithful = rng.normal(size=(300, 4)) + 3.0 * y_src[:, None]  # keeps the class content
    scrambled = rng.normal(size=(300, 4)) + 3.0 * (1 - y_src)[:, None]  # swaps it

    def factory():
        return LogisticRegression(max_iter=200)

    good = cls.reverse_classification_accuracy(factory, faithful, y_src, real, y_real)
    bad = cls.reverse_classification_accuracy(factory, scrambled, y_src, real, y_real)
    assert good > 0.95
    assert bad < 0.05
    with pytest.raises(ValueError, match="labels"):
        cls.reverse_classification_accuracy(factory, faithful, y_src[:10], real, y_real)


def test_misclassification_rate_binary_and_multiclass():
    labels = np.array([1, 0, 1, 0])
    p1 = np.array([0.9, 0.2, 0.4, 0.6])  # samples 2 and 3 flipped
    assert cls.misclassification_rate(p1, labels) == 0.5
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    assert cls.misclassification_rate(probs, [0, 2, 0]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="probabilities"):
        cls.misclassification_rate(np.array([2.0, -1.0]), [1, 0])


def test_drop_in_confidence_hand_computed():
    labels = np.array([1, 0])
    before = np.array([0.9, 0.2])  # P(correct) = 0.9, 0.8
    after = np.array([0.6, 0.5])  # P(correct) = 0.6, 0.5
    assert cls.drop_in_confidence(before, after, labels) == pytest.approx(0.3)
    probs_before = np.array([[0.8, 0.2], [0.1, 0.9]])
    probs_after = np.array([[0.5, 0.5], [0.3, 0.7]])
    assert cls.drop_in_confidence(probs_before, probs_after, [0, 1]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="shape"):
        cls.drop_in_confidence(before, probs_after, labels)


def test_alignment_factor_cosines():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    b = torch.tensor([[2.0, 0.0], [-1.0, -1.0], [1.0, 0.0]])
    assert cls.alignment_factor(a, b) == pytest.approx((1 - 1 + 0) / 3)
    maps = torch.randn(4, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    assert cls.alignment_factor(maps, 2.5 * maps) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="zeros"):
        cls.alignment_factor(torch.zeros(2, 3), torch.ones(2, 3))


def test_mse_scales():
    a = torch.zeros(2, 3, 4, 4)
    b = torch.full((2, 3, 4, 4), 0.5)
    assert rec.mse(a, b) == pytest.approx(0.25)
    assert rec.mse(a, b, scale="unit") == pytest.approx(0.0625)
    assert rec.mse(a, b, scale="uint8") == pytest.approx((0.5 * 127.5) ** 2)
    out = rec.per_direction_mse(b, a, a, a)
    assert out == {"A2B": pytest.approx(0.25), "B2A": 0.0}
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        rec.mse(a + 3, b)
    with pytest.raises(ValueError, match="scale"):
        rec.mse(a, b, scale="percent")


def test_infosim_and_id_distance_hand_computed():
    x = torch.zeros(3, 1, 2, 2)
    y = torch.zeros(3, 1, 2, 2)
    y[1] = 0.5
    y[2, :, 0, 0] = 1.0

    def embed(imgs):  # 2-D "identity" embedding: mean and top-left pixel
        return torch.stack([imgs.mean(dim=(1, 2, 3)), imgs[:, 0, 0, 0]], dim=1)

    # e(x) = 0; e(y) = [0,0], [0.5,0.5], [0.25,1.0]
    expected_infosim = (0 + (0.25 + 0.25) / 2 + (0.0625 + 1.0) / 2) / 3
    assert rec.infosim(embed, x, y, batch_size=2) == pytest.approx(expected_infosim)
    expected_id = (0 + np.sqrt(0.5) + np.sqrt(0.0625 + 1.0)) / 3
    assert rec.id_distance(embed, x, y, batch_size=2) == pytest.approx(expected_id)
    assert rec.id_distance(embed, y[1:], 0.5 * y[1:]) > 0
    assert rec.id_distance(embed, y[1:], 0.5 * y[1:], metric="cosine") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="paired"):
        rec.infosim(embed, x, y[:2])
