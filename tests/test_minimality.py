"""The minimality section: points on segments, networks in copies, the circular GAN on points,
and the measurements of which mapping it finds (chapter 09)."""

import numpy as np
import pytest
import torch

from i2ibook.chapters import ch09_minimality as m
from i2ilib.data.toy2d import segment_points, segment_position
from i2ilib.nets.points import CopiesLinear, minimal_translator, points_mlp
from i2ilib.train.circular_points import (
    CircularPointsConfig,
    CircularPointsRun,
    train_circular_points,
)

A, B = m.SEGMENT_A, m.SEGMENT_B


def test_segment_points_lie_on_the_segment_at_their_positions_deterministically():
    x, t = segment_points(500, (1.0, 1.0), (3.0, 2.0), seed=4)
    assert x.shape == (500, 2) and t.shape == (500,) and 0 <= t.min() and t.max() < 1
    pos, off = segment_position(x, (1.0, 1.0), (3.0, 2.0))
    assert torch.allclose(pos, t, atol=1e-6) and off.max() < 1e-5
    x2, t2 = segment_points(800, (1.0, 1.0), (3.0, 2.0), seed=4)
    assert torch.equal(x2[:500], x) and torch.equal(t2[:500], t)
    assert not torch.equal(segment_points(500, (1.0, 1.0), (3.0, 2.0), seed=5)[1], t)


def test_segment_position_by_hand():
    # the segment from (0, 0) to (2, 0): (1, 3) projects to its middle, 3 away from the line
    t, off = segment_position(torch.tensor([[1.0, 3.0], [4.0, -1.0]]), (0.0, 0.0), (2.0, 0.0))
    assert t.tolist() == [0.5, 2.0] and off.tolist() == [3.0, 1.0]


def test_a_segment_needs_two_different_ends():
    with pytest.raises(ValueError, match="two different ends"):
        segment_points(3, (1.0, 1.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="points of the plane"):
        segment_position(torch.zeros(3, 2), (1.0, 1.0, 0.0), (1.0, 2.0))


def test_each_copy_starts_as_it_would_alone_and_maps_its_own_row():
    both, alone = CopiesLinear(2, 3, seeds=[5, 7]), CopiesLinear(2, 3, seeds=[7])
    assert torch.equal(both.weight[1], alone.weight[0]) and torch.equal(both.bias[1], alone.bias[0])
    assert not torch.equal(both.weight[0], both.weight[1])
    x = torch.randn(2, 4, 2)
    y = both(x)
    assert y.shape == (2, 4, 3)
    assert torch.allclose(y[0], x[0] @ both.weight[0].T + both.bias[0], atol=1e-6)
    with pytest.raises(ValueError, match=r"expected input \(K=2, N, 2\)"):
        both(torch.randn(3, 4, 2))
    assert points_mlp([0, 1], n_out=1)(x).shape == (2, 4, 1)


def test_the_minimal_translator_keeps_each_coordinate_monotone_along_a_segment():
    net = minimal_translator(list(range(50)))
    t = torch.linspace(0, 1, 200)
    x = torch.tensor([-1.0, 2.0]) + t[:, None] * torch.tensor([3.0, -2.5])
    with torch.no_grad():
        y = net(x.expand(50, 200, 2))  # (50, 200, 2)
    steps = y.diff(dim=1)
    monotone = ((steps >= -1e-6).all(dim=1) | (steps <= 1e-6).all(dim=1))  # (50, 2)
    assert monotone.all()
    # ... which an MLP with hidden layers does not: some random start folds a coordinate
    with torch.no_grad():
        steps = points_mlp(list(range(50)))(x.expand(50, 200, 2)).diff(dim=1)
    assert not ((steps >= -1e-6).all(dim=1) | (steps <= 1e-6).all(dim=1)).all()


@pytest.mark.parametrize("reverse", [False, True])
def test_the_minimal_network_carries_A_onto_B_exactly_by_hand(reverse):
    W, b = m.minimal_map_by_hand(reverse)
    a, t = segment_points(300, *A, seed=1)
    t_B, off = segment_position(torch.nn.functional.leaky_relu(a @ W.T + b, 0.2), *B)
    assert torch.allclose(t_B, 1 - t if reverse else t, atol=1e-5) and off.max() < 1e-5


def test_candidate_maps_all_keep_the_distribution_and_only_two_fit_the_minimal_network():
    props = {p.name: p for p in m.candidate_properties()}
    assert all(p.w1_to_uniform < 0.01 for p in props.values())
    assert [n for n, p in props.items() if p.fits_minimal_network] == list(m.SEMANTIC)
    assert props["halves swapped"].one_to_one and not props["halves swapped"].continuous
    assert not props["folded"].one_to_one and props["folded"].continuous
    assert m.w1_to_uniform(np.full(100, 0.5)) == pytest.approx(0.25, abs=1e-3)


def _run_with(G_AB: torch.nn.Module, seeds=(0,)) -> CircularPointsRun:
    cfg = CircularPointsConfig(seeds=seeds)
    return CircularPointsRun(cfg, G_AB, G_AB, G_AB, G_AB, torch.linspace(0, 1, 8))


@pytest.mark.parametrize("reverse", [False, True])
def test_mapping_found_names_a_hand_made_mapping(reverse):
    W, b = m.minimal_map_by_hand(reverse)

    def G(x):
        return torch.nn.functional.leaky_relu(x @ W.T + b, 0.2)

    found = m.mapping_found(_run_with(G))[0]
    assert found.mapping == m.SEMANTIC[int(reverse)] and found.fits_B
    assert abs(found.rho) == pytest.approx(1.0) and found.w1 < 0.03 and found.off < 1e-5


def test_mapping_found_does_not_call_a_collapse_or_a_fold_semantic():
    q0, q1 = (torch.tensor(p) for p in B)

    def to_middle(x):
        return (0.5 * (q0 + q1)).expand(*x.shape[:-1], 2)

    def fold(x):
        t, _ = segment_position(x, *A)
        return q0 + (1 - (2 * t - 1).abs())[..., None] * (q1 - q0)

    collapsed = m.mapping_found(_run_with(to_middle))[0]
    assert collapsed.mapping == "other" and not collapsed.fits_B
    folded = m.mapping_found(_run_with(fold))[0]
    assert folded.mapping == "other" and folded.w1 < 0.02 and folded.fits_B  # B fitted, unsemantic


def test_seeds_trained_together_equal_seeds_trained_alone():
    cfg = dict(translator="mlp", steps=25, batch_size=16, hidden=8, disc_hidden=8)
    both = train_circular_points(A, B, CircularPointsConfig(seeds=(3, 4), **cfg))
    alone = train_circular_points(A, B, CircularPointsConfig(seeds=(4,), **cfg))
    assert torch.allclose(both.snapshots[25][1], alone.snapshots[25][0], atol=1e-5)
    assert not torch.allclose(both.snapshots[25][0], both.snapshots[25][1], atol=1e-3)


def test_training_moves_the_minimal_translator_onto_B():
    cfg = CircularPointsConfig(translator="minimal", lr=3e-3, steps=600, seeds=(0, 1),
                               snapshot_every=600)
    run = train_circular_points(A, B, cfg)
    _, off_start = segment_position(run.snapshots[0], *B)  # (2, 64), at initialisation
    assert (off_start.mean(dim=1) > 1.0).all()  # 0.70 and 0.75 of B's length (2.83) away
    for f in m.mapping_found(run):
        assert f.off < 0.05 and f.mapping in m.SEMANTIC, f
    assert len(run.history) == 600 and set(run.snapshots) == {0, 600}


def test_a_diverging_run_stops_and_bad_settings_are_named():
    with pytest.raises(FloatingPointError, match="not finite at step"):
        train_circular_points(A, B, CircularPointsConfig(lr=1e30, steps=50, batch_size=8))
    with pytest.raises(ValueError, match="translator"):
        CircularPointsConfig(translator="big")
    with pytest.raises(ValueError, match="seeds"):
        CircularPointsConfig(seeds=(1, 1))
    with pytest.raises(ValueError, match="segment"):
        train_circular_points(((0.0, 0.0), (0.0, 0.0)), B, CircularPointsConfig(steps=1))


def test_the_explorer_draws_any_seed_and_step_and_names_a_wrong_seed():
    import matplotlib.pyplot as plt

    cfg = CircularPointsConfig(translator="mlp", steps=4, batch_size=8, hidden=4, disc_hidden=4,
                               seeds=(2, 5), snapshot_every=2)
    explorer = m.MappingExplorer({"mlp": train_circular_points(A, B, cfg)})
    assert explorer.steps("mlp") == [0, 2, 4] and (explorer.seed, explorer.step) == (2, 4)
    fig = explorer.figure("mlp", 5, 2)
    assert (explorer.seed, explorer.step) == (5, 2) and "seed 5, step 2" in fig.axes[0].get_title()
    plt.close(fig)
    explorer.select("mlp", 5, 3)  # not a snapshot: the last one
    assert explorer.step == 4 and explorer.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="seed 9 is not one of"):
        explorer.select("mlp", 9)
    pytest.importorskip("ipywidgets")
    box = explorer.widget()
    box.controls["step"].value = 0
    assert explorer.step == 0
