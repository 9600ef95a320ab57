"""Mode coverage and high-quality samples against counts worked out by hand."""

import pytest
import torch

from i2ilib.data.toy2d import (
    RING_STD,
    grid_centers,
    grid_of_gaussians,
    ring_centers,
    ring_of_gaussians,
)
from i2ilib.metrics.modes import assign_modes, mode_coverage


def test_real_data_covers_every_mode():
    x, _ = ring_of_gaussians(2000, seed=0)
    cov = mode_coverage(x, ring_centers(), RING_STD)
    assert cov.modes_covered == 8 and cov.n_modes == 8
    assert cov.high_quality > 0.98  # 3 sigma in 2-D keeps 1 - exp(-9 / 2) = 98.9 %
    x, _ = grid_of_gaussians(2500, seed=0)
    assert mode_coverage(x, grid_centers(), 0.05).modes_covered == 25


def test_collapsed_samples_cover_one_mode():
    centers = ring_centers()
    x = centers[3].repeat(100, 1) + 0.01
    cov = mode_coverage(x, centers, RING_STD)
    assert cov.modes_covered == 1 and cov.high_quality == 1.0
    assert cov.counts[3] == 100 and sum(cov.counts) == 100


def test_samples_between_modes_are_low_quality():
    centers = ring_centers()
    between = (centers + centers.roll(1, dims=0)) / 2  # midpoints of neighbouring modes
    cov = mode_coverage(between, centers, RING_STD)
    assert cov.high_quality == 0.0 and cov.modes_covered == 0


def test_three_sigma_boundary_and_threshold_by_hand():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    # 6 samples near mode 0 (two of them just outside 3 sigma = 0.3), 2 exactly at mode 1
    x = torch.tensor([[0.0, 0.0], [0.1, 0.0], [0.0, 0.29], [0.2, 0.2],
                      [0.31, 0.0], [0.0, -0.5], [10.0, 0.0], [10.0, 0.0]])
    cov = mode_coverage(x, centers, std=0.1)
    assert cov.counts == (4, 2)
    assert cov.high_quality == pytest.approx(6 / 8)
    assert cov.threshold == pytest.approx(0.2 * 8 / 2)  # a fifth of the fair share of 4
    assert cov.modes_covered == 2
    # asking for 60 % of the fair share (2.4 samples) drops the mode holding only 2
    assert mode_coverage(x, centers, std=0.1, min_share=0.6).modes_covered == 1


def test_non_finite_samples_are_never_high_quality():
    centers = ring_centers()
    x = torch.cat([centers[:1], torch.tensor([[float("nan"), 0.0], [float("inf"), 1.0]])])
    cov = mode_coverage(x, centers, RING_STD, min_share=0.1)
    assert cov.high_quality == pytest.approx(1 / 3) and cov.counts[0] == 1


def test_assign_modes_shapes():
    idx, dist = assign_modes(torch.zeros(5, 2) + torch.tensor([2.0, 0.1]), ring_centers())
    assert idx.shape == (5,) and dist.shape == (5,)
    assert idx.tolist() == [0] * 5 and torch.allclose(dist, torch.full((5,), 0.1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="agree in D"):
        mode_coverage(torch.zeros(3, 3), ring_centers(), RING_STD)
    with pytest.raises(ValueError, match="positive"):
        mode_coverage(torch.zeros(3, 2), ring_centers(), 0.0)
    with pytest.raises(ValueError, match="empty"):
        mode_coverage(torch.zeros(0, 2), ring_centers(), RING_STD)
