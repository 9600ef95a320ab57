"""Trainers: determinism, bit-identical resume, errors, and that training actually learns."""

import pytest
import torch
from torch.utils.data import Dataset

from i2ilib.train import CycleGANConfig, CycleGANTrainer, Pix2PixConfig, Pix2PixTrainer


class Pairs(Dataset):
    def __init__(self, n=4, c_a=3, c_b=3, size=32, seed=0, smooth=False):
        g = torch.Generator().manual_seed(seed)
        low = size // 8 if smooth else size
        self.A = torch.rand(n, c_a, low, low, generator=g) * 2 - 1
        self.A = torch.nn.functional.interpolate(self.A, size=(size, size), mode="bilinear")
        self.B = -self.A[:, :c_b] if c_b <= c_a else torch.rand(n, c_b, size, size, generator=g)

    def __len__(self):
        return len(self.A)

    def __getitem__(self, i):
        return {"A": self.A[i], "B": self.B[i]}


def p2p_config(**kw):
    base = dict(netG="unet_32", ngf=4, ndf=4, n_layers_D=2, n_epochs=1, n_epochs_decay=2,
                batch_size=2, device="cpu", seed=0)
    base.update(kw)
    return Pix2PixConfig(**base)


def cyc_config(**kw):
    base = dict(netG="resnet_1blocks", ngf=4, ndf=4, n_layers_D=2, n_epochs=1,
                n_epochs_decay=2, batch_size=2, device="cpu", seed=0, pool_size=3)
    base.update(kw)
    return CycleGANConfig(**base)


def _weights(trainer):
    return {f"{n}.{k}": v.clone() for n, net in trainer.nets.items()
            for k, v in net.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


@pytest.mark.parametrize("make", [
    lambda run_dir=None, **kw: Pix2PixTrainer(p2p_config(**kw), run_dir),
    lambda run_dir=None, **kw: CycleGANTrainer(cyc_config(**kw), run_dir),
], ids=["pix2pix", "cyclegan"])
def test_resume_equals_uninterrupted(make, tmp_path):
    data = Pairs()
    full = make(tmp_path / "full")
    full.fit(data, progress=False)  # 3 epochs x 2 steps
    assert full.global_step == 6 and full.epoch == 3

    part = make(tmp_path / "part")
    part.fit(data, max_steps=3, progress=False)  # stops in the middle of epoch 1
    assert part.global_step == 3 and part.step_in_epoch == 1
    resumed = make(tmp_path / "part")  # a fresh process would do the same
    resumed.fit(data, progress=False)
    assert resumed.global_step == 6
    _assert_same(_weights(full), _weights(resumed))
    assert full.learning_rate == resumed.learning_rate
    assert [h["step"] for h in resumed.history] == list(range(1, 7))
    assert (tmp_path / "part" / "samples").is_dir()


def test_same_seed_same_weights_and_other_seed_differs():
    data = Pairs()
    a = Pix2PixTrainer(p2p_config())
    a.fit(data, max_steps=2, progress=False)
    b = Pix2PixTrainer(p2p_config())
    b.fit(data, max_steps=2, progress=False)
    _assert_same(_weights(a), _weights(b))
    c = Pix2PixTrainer(p2p_config(seed=1))
    c.fit(data, max_steps=2, progress=False)
    assert not torch.equal(a.G.state_dict()["model.model.0.weight"],
                           c.G.state_dict()["model.model.0.weight"])


def test_learning_rate_decays_linearly_over_epochs():
    t = CycleGANTrainer(cyc_config(n_epochs=1, n_epochs_decay=3))
    lrs = []
    data = Pairs()
    for epoch in range(4):
        lrs.append(t.learning_rate)
        t.fit(data, max_steps=2 * (epoch + 1), progress=False)
    assert lrs == pytest.approx([2e-4, 2e-4 * 3 / 4, 2e-4 * 2 / 4, 2e-4 * 1 / 4])


def test_resume_with_other_config_is_refused(tmp_path):
    Pix2PixTrainer(p2p_config(), tmp_path).fit(Pairs(), max_steps=1, progress=False)
    other = Pix2PixTrainer(p2p_config(lambda_L1=10.0), tmp_path)
    with pytest.raises(ValueError, match="lambda_L1: checkpoint 100.0 vs now 10.0"):
        other.fit(Pairs(), progress=False)


def test_channel_mismatch_is_explained():
    t = Pix2PixTrainer(p2p_config(input_nc=1))
    with pytest.raises(ValueError, match="3 channel\\(s\\) in domain A.*input_nc=1"):
        t.fit(Pairs(), max_steps=1, progress=False)


def test_identity_loss_needs_equal_channels():
    with pytest.raises(ValueError, match="lambda_id=0"):
        cyc_config(input_nc=1, output_nc=3)
    cyc_config(input_nc=1, output_nc=3, lambda_id=0.0)  # fine without it


@pytest.mark.parametrize("gan_mode", ["vanilla", "lsgan", "hinge", "wgangp"])
def test_every_gan_mode_trains(gan_mode):
    t = CycleGANTrainer(cyc_config(gan_mode=gan_mode))
    hist = t.fit(Pairs(), max_steps=2, progress=False)
    assert all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in hist)
    assert {"G_AB", "G_BA", "cyc_A", "cyc_B", "idt_A", "idt_B", "D_A", "D_B"} <= set(hist[0])


def test_pix2pix_learns_a_pixelwise_mapping():
    # B = -A on smooth images: the L1 term must fall well below its starting value within a few dozen steps.
    data = Pairs(n=8, size=32, smooth=True)
    t = Pix2PixTrainer(p2p_config(n_epochs=20, n_epochs_decay=0, batch_size=4, ngf=8, lr=2e-3))
    hist = t.fit(data, progress=False)
    first, last = hist[0]["G_L1"], sum(h["G_L1"] for h in hist[-4:]) / 4
    assert last < 0.5 * first, (first, last)
    out = t.translate(data.A[:2])
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1


def test_option_checks_shared_by_the_trainers_configs():
    from i2ilib.train.base import check_int, check_weight

    check_int("steps", 1, 1)
    check_weight("lambda_cyc", 0)
    check_weight("lr", 2e-4)
    for bad in (0, True, 1.0, "1"):
        with pytest.raises(ValueError, match="steps must be an integer >= 1"):
            check_int("steps", bad, 1)
    for bad in (-0.1, float("nan"), float("inf"), True, "1"):
        with pytest.raises(ValueError, match="lambda_cyc must be a finite number >= 0"):
            check_weight("lambda_cyc", bad)
