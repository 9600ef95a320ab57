"""The 2-D mixtures of Gaussians: centres, shapes, statistics and determinism."""

import math

import pytest
import torch

from i2ilib.data.toy2d import (
    grid_centers,
    grid_of_gaussians,
    ring_centers,
    ring_of_gaussians,
    sample_mixture,
)


def test_ring_centers_lie_on_the_circle_evenly_spaced():
    c = ring_centers(8, radius=2.0)
    assert c.shape == (8, 2) and c.dtype == torch.float32
    assert torch.allclose(c.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    assert torch.allclose(c[0], torch.tensor([2.0, 0.0]))
    assert torch.allclose(c[2], torch.tensor([0.0, 2.0]), atol=1e-6)
    gaps = (c - c.roll(1, dims=0)).norm(dim=1)  # neighbouring modes, chord 2 r sin(pi / 8)
    assert torch.allclose(gaps, torch.full((8,), 4 * math.sin(math.pi / 8)), atol=1e-5)


def test_grid_centers_are_the_5x5_lattice():
    c = grid_centers(5, spacing=2.0)
    assert c.shape == (25, 2)
    assert sorted(set(c[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert torch.equal(c[1] - c[0], torch.tensor([2.0, 0.0]))  # x varies fastest
    assert torch.equal(c[5] - c[0], torch.tensor([0.0, 2.0]))
    assert torch.allclose(c.mean(0), torch.zeros(2))


def test_ring_sample_statistics():
    x, y = ring_of_gaussians(20_000, seed=3)
    assert x.shape == (20_000, 2) and x.dtype == torch.float32
    assert y.shape == (20_000,) and y.dtype == torch.int64
    counts = torch.bincount(y, minlength=8)
    assert counts.min() > 2300 and counts.max() < 2700  # uniform over the 8 modes
    offsets = x - ring_centers()[y]
    assert offsets.mean(0).abs().max() < 1e-3
    assert torch.allclose(offsets.std(0), torch.full((2,), 0.02), rtol=0.03)


def test_grid_sample_statistics():
    x, y = grid_of_gaussians(10_000, seed=1)
    assert y.max() == 24 and y.min() == 0
    assert torch.allclose((x - grid_centers()[y]).std(0), torch.full((2,), 0.05), rtol=0.05)


def test_deterministic_by_seed_and_prefix_stable():
    a, la = ring_of_gaussians(500, seed=7)
    b, lb = ring_of_gaussians(500, seed=7)
    c, _ = ring_of_gaussians(500, seed=8)
    big, lbig = ring_of_gaussians(2000, seed=7)
    assert torch.equal(a, b) and torch.equal(la, lb)
    assert not torch.equal(a, c)
    assert torch.equal(big[:500], a) and torch.equal(lbig[:500], la)


def test_conditional_sampling_follows_the_labels():
    labels = torch.tensor([0, 3, 3, 7, 5])
    x, y = ring_of_gaussians(5, seed=0, labels=labels)
    assert torch.equal(y, labels)
    assert (x - ring_centers()[labels]).norm(dim=1).max() < 0.02 * 6


def test_zero_std_returns_the_centres():
    centers = torch.tensor([[1.0, 1.0], [-1.0, 0.5]])
    x, y = sample_mixture(centers, 10, std=0.0, seed=0)
    assert torch.equal(x, centers[y])


@pytest.mark.parametrize("kwargs", [dict(n=-1), dict(n=3, std=-0.1), dict(n=2, labels=[0, 8])])
def test_bad_arguments_are_named(kwargs):
    kwargs = {"std": 0.02, **kwargs}
    with pytest.raises(ValueError):
        sample_mixture(ring_centers(), **kwargs)
    with pytest.raises(ValueError, match="n_modes"):
        ring_centers(0)
