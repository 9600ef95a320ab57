"""Content transfer (Press et al. 2019): networks, losses, trainer and data."""

import math

import numpy as np
import pytest
import torch

from i2ilib.data.contenttransfer import content_transfer_data
from i2ilib.data.folders import TensorPairDataset
from i2ilib.losses.content import confusion_loss, content_reconstruction_loss, domain_loss
from i2ilib.nets.content import ContentTransferNet, LatentDiscriminator, build_content_transfer
from i2ilib.train import (
    ContentTransferConfig,
    ContentTransferTrainer,
    NonFiniteLossError,
    generator_from_config,
)


def small_config(**kw):
    opts = dict(size=16, ngf=4, n_down=2, content_nc=6, sep=3, hidden_D=8, batch_size=2,
                n_epochs=3, n_epochs_decay=0, device="cpu")
    opts.update(kw)
    return ContentTransferConfig(**opts)


def unpaired(n=4, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    A = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    B = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    return TensorPairDataset(A, B, paired=False, flip=False, seed=seed)


# ----------------------------------------------------------------------------- networks
@pytest.mark.parametrize("n_down", [2, 3])
def test_shapes(n_down):
    net = ContentTransferNet(size=32, ngf=4, n_down=n_down, content_nc=5, sep=3)
    x = torch.randn(2, 3, 32, 32)
    assert net.common(x).shape == (2, 5, 32 // 2 ** n_down, 32 // 2 ** n_down)
    assert net.separate_code(x).shape == (2, 3, 1, 1)
    for y in (net.reconstruct_A(x), net.reconstruct_B(x), net.remove(x),
              net.transfer(x, x[:1])):
        assert y.shape == x.shape and y.abs().max() <= 1
    d = LatentDiscriminator(5, net.spatial, 7)
    assert d(net.common(x)).shape == (2,)


def test_fader_label_replaces_e2():
    net = ContentTransferNet(size=16, ngf=4, n_down=2, content_nc=5, separate="fader")
    x = torch.randn(3, 3, 16, 16)
    assert net.e2 is None
    assert torch.equal(net.zero_code(3, x)[:, :, 0, 0], torch.tensor([[1.0, 0.0]] * 3))
    assert torch.equal(net.separate_code(x)[:, :, 0, 0], torch.tensor([[0.0, 1.0]] * 3))
    # the guide is ignored: any guide gives the same output
    assert torch.equal(net.transfer(x, x), net.transfer(x, -x))


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="power of two"):
        ContentTransferNet(size=24, n_down=2)
    with pytest.raises(ValueError, match="separate"):
        ContentTransferNet(size=16, n_down=2, separate="vae")
    with pytest.raises(ValueError, match="confusion"):
        small_config(confusion="fool")


def test_e2_zero_path():
    """A is rebuilt from [e1(a), 0]: e2 takes no part, its weights get no gradient from L_A,
    and removal is exactly that path."""
    torch.manual_seed(0)
    net, _ = build_content_transfer(size=16, ngf=4, n_down=2, content_nc=5, sep=3)
    a = torch.randn(2, 3, 16, 16)
    rec = net.reconstruct_A(a)
    assert torch.equal(rec, net.decode(net.common(a), torch.zeros(2, 3, 1, 1)))
    assert torch.equal(net.remove(a), rec)
    content_reconstruction_loss(rec, a).backward()
    assert all(p.grad is None for p in net.e2.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.e1.parameters())
    # changing e2's weights changes B's reconstruction, never A's
    with torch.no_grad():
        for p in net.e2.parameters():
            p.add_(1.0)
    assert torch.equal(net.reconstruct_A(a), rec)
    assert not torch.allclose(net.reconstruct_B(a), net.decode(net.common(a),
                                                               torch.zeros(2, 3, 1, 1)))


def test_default_networks_have_no_side_path_and_the_old_parameters():
    """Off by default: no side module, the decoder's layers read what they read before (a
    stored run's weights load), and the configuration omits the options."""
    net = ContentTransferNet(size=16, ngf=4, n_down=2, content_nc=5, sep=3)
    assert not hasattr(net, "side") and net.code_nc == 5
    convs = [m for m in net.g.model if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [c.in_channels for c in convs] == [5 + 3, 4]
    d = small_config().to_dict()
    assert not {"side_nc", "side_level", "separate_every_layer"} & set(d)
    assert ContentTransferConfig.from_dict(d) == small_config()
    d = small_config(side_nc=2, separate_every_layer=True).to_dict()
    assert d["side_nc"] == 2 and d["separate_every_layer"] is True
    assert ContentTransferConfig.from_dict(d) == small_config(side_nc=2, separate_every_layer=True)


@pytest.mark.parametrize("n_down,level", [(2, 1), (3, 1), (3, 2)])
def test_side_path_shapes_and_route(n_down, level):
    """The side path: e1's layer-`level` map (side_nc channels) packed into the common code,
    read whole by d, unpacked into the decoder layer of its size; it changes the output."""
    torch.manual_seed(0)
    net, d = build_content_transfer(size=32, ngf=4, n_down=n_down, content_nc=5, sep=3,
                                    side_nc=2, side_level=level)
    x = torch.randn(2, 3, 32, 32)
    h = 32 // 2 ** n_down
    f = 2 ** (n_down - level)
    assert net.common(x).shape == (2, 5 + 2 * f * f, h, h) and net.code_nc == 5 + 2 * f * f
    assert d(net.common(x)).shape == (2,)
    assert d.model[1].in_features == net.code_nc * h * h
    # the map packed into the code is the side module's output on e1's layer-`level` features
    _, feat = net.e1.forward_with_features(x, level)
    assert feat.shape == (2, 4 * 2 ** (level - 1), 32 // 2 ** level, 32 // 2 ** level)
    side = torch.nn.functional.pixel_shuffle(net.common(x)[:, 5:], f)
    torch.testing.assert_close(side, net.side(feat))
    torch.testing.assert_close(net.common(x)[:, :5], net.e1(x))
    for y in (net.reconstruct_A(x), net.reconstruct_B(x), net.transfer(x, x[:1])):
        assert y.shape == x.shape
    # the decoder reads the side map: zeroing it changes the output
    code = net.common(x)
    cut = code.clone()
    cut[:, 5:] = 0
    zero = torch.zeros(2, 3, 1, 1)
    assert not torch.allclose(net.decode(code, zero), net.decode(cut, zero))
    # ... and removal gets gradients into the side module
    net.remove(x).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.side.parameters())
    with pytest.raises(ValueError, match="side_level"):
        ContentTransferNet(size=32, ngf=4, n_down=n_down, content_nc=5, sep=3, side_nc=2,
                           side_level=n_down)


def test_separate_code_enters_every_decoder_layer():
    """With separate_every_layer, e2 still reaches the output when its channels of the first
    decoder layer are zeroed; without it, it does not."""
    torch.manual_seed(0)
    x, guide = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)
    for every in (False, True):
        net = ContentTransferNet(size=16, ngf=4, n_down=2, content_nc=5, sep=3,
                                 separate_every_layer=every)
        convs = [m for m in net.g.model if isinstance(m, torch.nn.ConvTranspose2d)]
        assert convs[1].in_channels == 4 + (3 if every else 0)
        with torch.no_grad():
            convs[0].weight[5:].zero_()  # the first layer no longer reads e2
        changed = not torch.allclose(net.transfer(x, guide), net.transfer(x, -guide))
        assert changed == every


# ----------------------------------------------------------------------------- losses
def test_reconstruction_losses_by_hand():
    x = torch.zeros(1, 1, 2, 2)
    y = torch.tensor([[[[1.0, -1.0], [0.5, 0.0]]]])
    assert content_reconstruction_loss(y, x).item() == pytest.approx(2.5 / 4)
    assert content_reconstruction_loss(y, x, "l2").item() == pytest.approx(2.25 / 4)


def test_domain_loss_by_hand():
    # l(d(e1(a)), 0) with logit 0: ln 2; l(d(e1(b)), 1) with logit ln 3: -ln(3/4)
    la, lb = torch.tensor([0.0, 0.0]), torch.tensor([math.log(3.0)])
    assert domain_loss(la, lb).item() == pytest.approx(math.log(2) + math.log(4 / 3))
    # to_A: both pushed to A's label 0: ln 2 + (-ln(1 - 3/4)) = ln 2 + ln 4
    assert confusion_loss(la, lb, "to_A").item() == pytest.approx(math.log(2) + math.log(4))
    # swap: A to 1, B to 0
    assert confusion_loss(la, lb, "swap").item() == pytest.approx(math.log(2) + math.log(4))
    assert confusion_loss(la, lb, "reverse").item() == pytest.approx(-domain_loss(la, lb).item())
    with pytest.raises(ValueError, match="confusion kind"):
        confusion_loss(la, lb, "other")


def test_confusion_gradient_reverses_and_confuses():
    """'reverse' is L_D's gradient reversed; a step down every confusion objective moves the
    codes so that d errs more (L_D rises)."""
    torch.manual_seed(0)
    d = LatentDiscriminator(4, 2, 8)
    za = torch.randn(5, 4, 2, 2, requires_grad=True)
    zb = torch.randn(5, 4, 2, 2, requires_grad=True)
    g_dom = torch.autograd.grad(domain_loss(d(za), d(zb)), (za, zb))
    g_rev = torch.autograd.grad(confusion_loss(d(za), d(zb), "reverse"), (za, zb))
    for x, y in zip(g_dom, g_rev):
        torch.testing.assert_close(y, -x)
    def terms(a, b):  # d's loss on A's codes (label 0) and on B's codes (label 1)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        return (bce(d(a), torch.zeros(len(a))).item(), bce(d(b), torch.ones(len(b))).item())

    loss_a, loss_b = terms(za, zb)
    for kind in ("reverse", "to_A", "swap"):
        ga, gb = torch.autograd.grad(confusion_loss(d(za), d(zb), kind), (za, zb))
        after_a, after_b = terms(za - 1e-2 * ga, zb - 1e-2 * gb)
        assert after_b > loss_b, kind  # d errs more on B's codes
        if kind != "to_A":
            assert after_a > loss_a, kind  # ... and on A's
    # to_A leaves the direction of A's codes as d's own loss wants it (towards label 0)
    ga_to_A, _ = torch.autograd.grad(confusion_loss(d(za), d(zb), "to_A"), (za, zb))
    torch.testing.assert_close(ga_to_A, g_dom[0])


# ----------------------------------------------------------------------------- trainer
def _weights(t):
    return {f"{n}.{k}": v.clone() for n, net in t.nets.items() for k, v in net.state_dict().items()}


def test_train_step_updates_both_and_d_only_from_L_D():
    t = ContentTransferTrainer(small_config())
    before = _weights(t)
    out = t.train_step(next(iter(torch.utils.data.DataLoader(unpaired(), batch_size=2))))
    assert set(out) == {"L_A", "L_B", "conf", "L_D", "D_acc"}
    after = _weights(t)
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("AE.e2"))
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("D."))
    # without domain confusion, d never moves
    t0 = ContentTransferTrainer(small_config(lambda_D=0.0))
    w0 = _weights(t0)
    t0.fit(unpaired(), max_steps=2, progress=False)
    assert all(torch.equal(w0[k], v) for k, v in _weights(t0).items() if k.startswith("D."))
    assert "conf" not in t0.history[-1]


def test_training_lowers_reconstruction():
    torch.manual_seed(0)
    t = ContentTransferTrainer(small_config(lr=2e-3, n_epochs=40))
    g = torch.Generator().manual_seed(0)
    A, B = (torch.nn.functional.interpolate(torch.rand(2, 3, 2, 2, generator=g) * 2 - 1,
                                            size=16) for _ in range(2))  # smooth images
    h = t.fit(TensorPairDataset(A, B, paired=False, flip=False, seed=0), progress=False)
    assert h[-1]["L_A"] < 0.8 * h[0]["L_A"] and h[-1]["L_B"] < 0.8 * h[0]["L_B"]


@pytest.mark.parametrize("options", [{}, {"side_nc": 2, "separate_every_layer": True}])
def test_resume_equals_uninterrupted(tmp_path, options):
    data = unpaired()
    full = ContentTransferTrainer(small_config(**options), tmp_path / "full")
    full.fit(data, progress=False)
    part = ContentTransferTrainer(small_config(**options), tmp_path / "part")
    part.fit(data, max_steps=3, progress=False)
    resumed = ContentTransferTrainer(small_config(**options), tmp_path / "part")
    resumed.fit(data, progress=False)
    assert resumed.global_step == full.global_step == 6
    w_full, w_res = _weights(full), _weights(resumed)
    for k in w_full:
        assert torch.equal(w_full[k], w_res[k]), k


def test_non_finite_loss_raises():
    t = ContentTransferTrainer(small_config())
    batch = next(iter(torch.utils.data.DataLoader(unpaired(), batch_size=2)))
    with torch.no_grad():
        next(iter(t.AE.g.parameters())).fill_(float("nan"))
    with pytest.raises(NonFiniteLossError, match="L_A"):
        t.train_step(batch)


@pytest.mark.parametrize("options", [{"separate": "fader"},
                                     {"side_nc": 2, "separate_every_layer": True}])
def test_generator_from_config_builds_the_stored_module(options):
    t = ContentTransferTrainer(small_config(**options))
    net = generator_from_config(t.config.to_dict(), "AE")
    net.load_state_dict(t.generator_state()["AE"])
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    torch.testing.assert_close(net.eval().remove(x).clamp(-1, 1), t.remove(x))


# ----------------------------------------------------------------------------- data
def test_data_truths():
    d = content_transfer_data("Eyeglasses", n_identities=40, images_per_identity=4, size=32,
                              n_test=4, seed=0)
    assert d.removal_input.shape == d.removal_truth.shape == (4, 32, 32, 3)
    assert len(d.A) and len(d.B)
    # the truth of removal differs from the input (the glasses) but only in part of the image
    diff = np.abs(d.removal_input.astype(int) - d.removal_truth.astype(int)).max(-1) > 0
    assert 0 < diff.mean(axis=(1, 2)).min() and diff.mean(axis=(1, 2)).max() < 0.5
    # the truth of transfer: the input with glasses added, elsewhere the same
    diff = np.abs(d.transfer_input.astype(int) - d.transfer_truth.astype(int)).max(-1) > 0
    assert 0 < diff.mean(axis=(1, 2)).min() and diff.mean(axis=(1, 2)).max() < 0.5
    with pytest.raises(ValueError, match="attribute"):
        content_transfer_data("Bangs", n_identities=4, images_per_identity=1)
