"""The failure diagnostics of chapter 04 on constructed cases whose answer is known."""

import numpy as np
import pytest
import torch

from i2ilib.metrics.failures import (
    channel_correlation,
    class_mapping,
    input_retrieval,
    memorisation_ratio,
    nearest_distances,
    pairwise_l1,
    spread_ratio,
)


def _images(n, seed=0, size=8):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


def test_pairwise_l1_matches_a_hand_computed_case():
    x = torch.full((1, 1, 2, 2), -1.0)           # black: 0 on the [0, 1] scale
    y = torch.stack([torch.full((1, 2, 2), 1.0),  # white: 1
                     torch.tensor([[[1.0, -1.0], [-1.0, -1.0]]])])  # one white pixel of four
    d = pairwise_l1(x, y)
    assert d.shape == (1, 2)
    assert torch.allclose(d, torch.tensor([[1.0, 0.25]]))


def test_spread_ratio_separates_collapse_from_variety():
    reals = _images(64, 0)
    assert spread_ratio(_images(64, 1), reals) == pytest.approx(1.0, abs=0.1)
    collapsed = reals[:1].repeat(64, 1, 1, 1) + 0.01 * _images(64, 2)
    assert spread_ratio(collapsed, reals) < 0.01
    # a blurred average keeps the layout but little of the variety
    assert spread_ratio(0.3 * reals, reals) == pytest.approx(0.09, rel=1e-4)


def test_input_retrieval_is_high_for_faithful_and_chance_for_ignoring_outputs():
    targets = _images(32, 0)
    assert input_retrieval(targets + 0.3 * _images(32, 1), targets) == 1.0
    # the same output for every input points back to none of them
    assert input_retrieval(targets[:1].repeat(32, 1, 1, 1), targets) <= 1 / 32
    # shared structure (a common background) does not make unrelated outputs look faithful
    background = 5 * _images(1, 7)
    assert input_retrieval(background + 0.1 * _images(32, 3), background + 0.1 * targets) < 0.2


def test_memorisation_ratio_flags_copies_of_training_images():
    train, test = _images(32, 0), _images(16, 1)
    copies = train[:16] + 0.01 * _images(16, 2)
    assert memorisation_ratio(copies, test, train) < 0.1
    assert memorisation_ratio(_images(16, 3), test, train) == pytest.approx(1.0, abs=0.1)
    dist, idx = nearest_distances(copies, train)
    assert idx.tolist() == list(range(16)) and float(dist.max()) < 0.02


def test_channel_correlation_sees_an_inverted_channel():
    t = _images(8, 0)
    inverted = t.clone()
    inverted[:, 2] = -inverted[:, 2]
    corr = channel_correlation(inverted, t)
    assert corr[:2] == pytest.approx([1.0, 1.0]) and corr[2] == pytest.approx(-1.0)


def test_class_mapping_reports_swapped_classes():
    true = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    swapped = 1 - true
    assert class_mapping(true, true, 2) == [(0, 0, 1.0), (1, 1, 1.0)]
    assert class_mapping(swapped, true, 2) == [(0, 1, 1.0), (1, 0, 1.0)]


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="one to one"):
        input_retrieval(_images(4), _images(5))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        spread_ratio(torch.zeros(3, 8, 8), _images(4))
    with pytest.raises(ValueError, match="same shape"):
        class_mapping(np.zeros((2, 2)), np.zeros((2, 3)), 2)
