"""Trivial baselines, task completion judged with the truth, and the sanity checks."""

import numpy as np
import pytest
import torch

from i2ilib.metrics.baselines import (
    blur_baseline,
    completed_with_truth,
    identity_baseline,
    mean_baseline,
    sanity_checks,
)


def test_baselines_shapes_and_values():
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert torch.equal(identity_baseline(x), x)
    b = blur_baseline(x, 1.5)
    assert b.shape == x.shape
    assert b.std() < x.std()  # smoother
    const = torch.full((1, 3, 16, 16), 0.3)
    assert torch.allclose(blur_baseline(const), const, atol=1e-6)  # a blur keeps constants
    m = mean_baseline(x, 5)
    assert m.shape == (5, 3, 16, 16) and torch.allclose(m[3], x.mean(0))
    with pytest.raises(ValueError, match="batch"):
        blur_baseline(x[0])
    with pytest.raises(ValueError, match="too large"):
        blur_baseline(x, 10.0)


def test_completion_needs_the_truth():
    p = np.array([0.1, 0.1, 0.9])
    done = completed_with_truth(p, np.array([0.01, 0.03, 0.0]), np.array([0.02, 0.02, 0.02]))
    assert done.tolist() == [True, False, False]  # 2nd: attribute gone, but farther from truth
    with pytest.raises(ValueError, match=r"\(N,\)"):
        completed_with_truth(p, p[:2], p)


def test_sanity_checks():
    checks = sanity_checks(0.012, {"identity": 0.002, "blur": 0.003}, completion=0.1)
    assert [c.passed for c in checks] == [False, False, False]
    assert "0.0120 vs identity 0.0020" in checks[0].detail
    good = sanity_checks(0.001, {"identity": 0.002, "blur": 0.003}, completion=0.8)
    assert all(c.passed for c in good)
