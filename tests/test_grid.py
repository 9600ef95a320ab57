"""Grid training (i2ilib.train.grid): K CycleGAN runs folded into one process compute what each
computes alone (to float tolerance), resume bit for bit, and leave each run's own checkpoint."""

import itertools

import pytest
import torch
from test_trainers import Pairs, cyc_config
from torch import nn
from torch.utils.data import Dataset

from i2ilib.train import CycleGANTrainer
from i2ilib.train.grid import fit_grid, fold


def _weights(trainer):
    return {f"{n}.{k}": v.clone() for n, net in trainer.nets.items()
            for k, v in net.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


def _before_norm(trainer):
    """Biases of convolutions followed by instance norm: their true gradient is 0, so Adam turns
    rounding noise into steps of +-lr; they do not change any output."""
    names = set()
    for n, net in trainer.nets.items():
        mods = list(net.named_modules())
        for (name, m), (_, nxt) in itertools.pairwise(mods):
            if (isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
                    and isinstance(nxt, nn.InstanceNorm2d)):
                names.add(f"{n}.{name}.bias")
    return names


SETTINGS = [dict(seed=0), dict(seed=1, lambda_cyc=5.0), dict(seed=2, lambda_id=0.0)]


@pytest.mark.parametrize("channels_last", [False, True])
def test_each_run_of_a_grid_equals_the_run_alone_to_float_tolerance(channels_last):
    data = [Pairs(seed=s["seed"]) for s in SETTINGS]
    grid = [CycleGANTrainer(cyc_config(**s)) for s in SETTINGS[:2]]
    fit_grid(grid, data[:2], max_steps=4, channels_last=channels_last)
    x = Pairs(n=2, seed=9).A
    for s, d, g in zip(SETTINGS, data, grid):
        alone = CycleGANTrainer(cyc_config(**s))
        alone.fit(d, max_steps=4, progress=False)
        assert [h["step"] for h in g.history] == [1, 2, 3, 4]
        for hg, ha in zip(g.history, alone.history):
            assert hg.keys() == ha.keys()
            for k in ha:
                assert hg[k] == pytest.approx(ha[k], rel=1e-4, abs=1e-5), (k, hg["step"])
        skip = _before_norm(alone)
        wg, wa = _weights(g), _weights(alone)
        for k in wa:
            if k not in skip:
                assert torch.allclose(wg[k], wa[k], atol=2e-5, rtol=0), k
        # 4 steps move the outputs by about 0.09 and lambda_cyc 7 instead of 10 by about 0.02;
        # the grid and the run alone differ by at most 2e-4 (Adam turns rounding noise in
        # near-zero gradients into steps of +-lr)
        start = CycleGANTrainer(cyc_config(**s)).translate_AB(x)
        assert (alone.translate_AB(x) - start).abs().max() > 0.05
        torch.testing.assert_close(g.translate_AB(x), alone.translate_AB(x), atol=1e-3, rtol=0)
        torch.testing.assert_close(g.translate_BA(x), alone.translate_BA(x), atol=1e-3, rtol=0)
        assert g.learning_rate == alone.learning_rate
        assert g.epoch == alone.epoch and g.step_in_epoch == alone.step_in_epoch


def test_identity_off_and_other_seeds_fold_too():
    data = [Pairs(seed=s) for s in (0, 1)]
    grid = [CycleGANTrainer(cyc_config(seed=s, lambda_id=0.0)) for s in (3, 4)]
    fit_grid(grid, data, max_steps=2)
    alone = CycleGANTrainer(cyc_config(seed=4, lambda_id=0.0))
    alone.fit(data[1], max_steps=2, progress=False)
    assert "idt_A" not in grid[1].history[-1]
    for k, v in alone.history[-1].items():
        assert grid[1].history[-1][k] == pytest.approx(v, rel=1e-4, abs=1e-5)


def _make_grid(root):
    return [CycleGANTrainer(cyc_config(seed=s), root / f"run{s}") for s in (0, 1)]


def test_grid_resume_equals_uninterrupted_and_is_deterministic(tmp_path):
    data = [Pairs(seed=0), Pairs(seed=1)]
    full = _make_grid(tmp_path / "full")
    fit_grid(full, data)  # 3 epochs x 2 steps
    again = _make_grid(tmp_path / "again")
    fit_grid(again, data)
    part = _make_grid(tmp_path / "part")
    fit_grid(part, data, max_steps=3)  # stops in the middle of epoch 1
    assert all(t.global_step == 3 and t.step_in_epoch == 1 for t in part)
    resumed = _make_grid(tmp_path / "part")  # a fresh process would do the same
    fit_grid(resumed, data)
    for f, a, r in zip(full, again, resumed):
        assert f.global_step == r.global_step == 6 and f.epoch == 3
        _assert_same(_weights(f), _weights(a))
        _assert_same(_weights(f), _weights(r))
        assert f.history == r.history == a.history
        assert f.learning_rate == r.learning_rate
        assert (r.run_dir / "checkpoints" / "latest.pt").is_file()
        assert (r.run_dir / "samples").is_dir()
    assert full[0].history != full[1].history


def test_a_grid_checkpoint_is_a_plain_run_that_resumes_alone(tmp_path):
    data = [Pairs(seed=0), Pairs(seed=1)]
    part = _make_grid(tmp_path)
    fit_grid(part, data, max_steps=3)
    alone = CycleGANTrainer(cyc_config(seed=1), tmp_path / "run1")
    alone.fit(data[1], progress=False)
    assert [h["step"] for h in alone.history] == list(range(1, 7))
    assert alone.history[:3] == part[1].history
    assert part[1].wall_time > 0


class _Failing(Dataset):
    """Pairs whose ``bad``-th item read (counting from 1) raises (an error between steps)."""

    def __init__(self, seed, bad=0):
        self.pairs, self.bad, self.reads = Pairs(seed=seed), bad, 0

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        self.reads += 1
        if self.reads == self.bad:
            raise KeyboardInterrupt
        return self.pairs[i]


def test_an_interrupted_grid_saves_every_run_and_resumes_bit_for_bit(tmp_path):
    data = [Pairs(seed=0), Pairs(seed=1)]
    full = _make_grid(tmp_path / "full")
    fit_grid(full, data)
    # 2 steps of 2 items per epoch: run 1's 7th read is the first item of step 4
    failing = [_Failing(0), _Failing(1, bad=7)]
    part = _make_grid(tmp_path / "part")
    with pytest.raises(KeyboardInterrupt):
        fit_grid(part, failing)
    assert all(t.global_step == 3 for t in part)
    resumed = _make_grid(tmp_path / "part")
    assert all(t.global_step == 0 for t in resumed)
    fit_grid(resumed, data)
    for f, r in zip(full, resumed):
        _assert_same(_weights(f), _weights(r))
        assert f.history == r.history


def test_runs_that_differ_in_more_than_seed_and_loss_weights_are_refused():
    data = [Pairs(), Pairs()]
    with pytest.raises(ValueError, match="differ in ngf"):
        fit_grid([CycleGANTrainer(cyc_config()), CycleGANTrainer(cyc_config(ngf=8))], data)
    with pytest.raises(ValueError, match="one length"):
        fit_grid([CycleGANTrainer(cyc_config()), CycleGANTrainer(cyc_config(seed=1))],
                 [Pairs(n=4), Pairs(n=6)])
    with pytest.raises(ValueError, match="lsgan"):
        fit_grid([CycleGANTrainer(cyc_config(gan_mode="vanilla")) for _ in range(2)], data)
    with pytest.raises(TypeError, match="does not fold"):
        fold([nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)) for _ in range(2)])
