"""Diverse translation: UDIT's MUNIT-style networks, losses (thesis eqs. 5.3-5.7) and trainer,
the pairwise diversity measure, and SDIT's CIN, attention, losses (eqs. 6.1-6.10) and trainer."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from i2ilib.losses import (
    auxiliary_classifier_loss,
    image_reconstruction_loss,
    latent_reconstruction_loss,
    semantic_constraint_loss,
    udit_discriminator_loss,
    udit_generator_loss,
)
from i2ilib.metrics.perceptual import pairwise_diversity
from i2ilib.nets.munit import (
    Content,
    ContentEncoder,
    Decoder,
    MUNITAutoEncoder,
    MUNITDiscriminator,
    StyleEncoder,
    StyleMLP,
    adain,
    check_munit_size,
)
from i2ilib.nets.sdit import SDITDiscriminator, SDITGenerator, cin, one_hot_maps
from i2ilib.train import SDITConfig, SDITTrainer, UDITConfig, UDITTrainer, generator_from_config
from i2ilib.train.wgan import ImageSet

TINY = {"ngf": 4, "n_res": 1, "kernel": 3, "mlp_dim": 8, "ndf": 4, "n_layers_D": 2,
        "batch_size": 2, "n_epochs": 2, "device": "cpu"}


class Pairs(Dataset):
    """Unpaired random images of 16x16: ``{"A": (3, 16, 16), "B": (3, 16, 16)}``."""

    def __init__(self, n: int = 6, size: int = 16, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.A = torch.rand(n, 3, size, size, generator=g) * 2 - 1
        self.B = torch.rand(n, 3, size, size, generator=g) * 2 - 1

    def __len__(self) -> int:
        return len(self.A)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"A": self.A[i], "B": self.B[i]}


class LeftHalf(nn.Module):
    """A semantic extractor that reads only the left half of the image: ``(N, C, H, W) ->
    (N, 2C)`` (means and a weighted sum of the left columns)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, 3, 1)
        g = torch.Generator().manual_seed(0)  # the same h in every test and run
        with torch.no_grad():
            self.proj.weight.copy_(torch.randn(3, 3, 1, 1, generator=g))
            self.proj.bias.copy_(torch.randn(3, generator=g))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left = self.proj(x[..., : x.shape[-1] // 2])
        return torch.cat([left.mean(dim=(2, 3)), left.pow(2).mean(dim=(2, 3))], dim=1)


def _trainer(**changes) -> UDITTrainer:
    h = changes.pop("h", None)
    run_dir = changes.pop("run_dir", None)
    return UDITTrainer(UDITConfig(**{**TINY, **changes}), run_dir=run_dir, semantic_extractor=h)


# ----------------------------------------------------------------- networks
@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("pooling_indices", [True, False])
def test_shapes_follow_the_appendix_tables(size, pooling_indices):
    x = torch.randn(2, 3, size, size)
    E_c = ContentEncoder(3, ngf=8, n_down=3, n_res=2, kernel=7, pooling_indices=pooling_indices)
    c = E_c(x)
    assert c.code.shape == (2, 32, size // 8, size // 8)  # 64 -> 256 channels at ngf = 64
    if pooling_indices:
        assert [tuple(i.shape) for i in c.indices] == [
            (2, 8, size // 2, size // 2), (2, 16, size // 4, size // 4), (2, 32, size // 8, size // 8)]
    else:
        assert c.indices == ()
    s = StyleEncoder(3, ngf=8, style_dim=8)(x)
    assert s.shape == (2, 8)
    G = Decoder(3, ngf=8, n_down=3, n_res=2, kernel=7, style_dim=8, mlp_dim=16,
                pooling_indices=pooling_indices)
    y = G(c, s)
    assert y.shape == x.shape and float(y.detach().abs().max()) <= 1
    assert MUNITDiscriminator(3, ndf=8, n_layers=4)(x).shape == (2, 1, size // 16, size // 16)


def test_default_sizes_are_the_tables():
    ae = MUNITAutoEncoder()
    x = torch.randn(1, 3, 32, 32)
    c, s = ae.encode(x)
    assert c.code.shape[1] == 256 and len(ae.E_c.blocks) == 6 and s.shape == (1, 8)
    assert ae.E_c.blocks[0].conv1.kernel_size == (7, 7)
    mlp = ae.G.mlp
    assert [m.out_features for m in mlp.shared if isinstance(m, nn.Linear)] == [256, 256]
    assert mlp.scale.out_features == mlp.shift.out_features == 256
    D = MUNITDiscriminator()
    assert [m.out_channels for m in D.model if isinstance(m, nn.Conv2d)] == [64, 128, 256, 512, 1]


def test_size_and_argument_errors():
    with pytest.raises(ValueError, match="divisible"):
        check_munit_size(20, 3)
    G = Decoder(3, ngf=4, n_down=2, n_res=1, kernel=3, style_dim=8, mlp_dim=8)
    c = ContentEncoder(3, ngf=4, n_down=2, n_res=1, kernel=3)(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match="style must be"):
        G(c, torch.randn(2, 5))
    with pytest.raises(ValueError, match="style code"):
        G(c, torch.randn(3, 8))
    with pytest.raises(ValueError, match="pooling indices"):
        G(Content(c.code), torch.randn(2, 8))
    with pytest.raises(ValueError, match="scale"):
        adain(torch.randn(2, 3, 4, 4), torch.ones(2, 4), torch.zeros(2, 4))


# ----------------------------------------------------------------- AdaIN
def test_adain_hand_computed():
    # one channel, two pixels [1, 3]: mean 2, std 1 -> normalised [-1, 1] -> 2 * . + 5
    e = torch.tensor([1.0, 3.0]).view(1, 1, 1, 2)
    out = adain(e, torch.tensor([[2.0]]), torch.tensor([[5.0]]), eps=0.0)
    assert out.flatten().tolist() == [3.0, 7.0]


def test_adain_output_statistics_are_the_style_parameters():
    g = torch.Generator().manual_seed(0)
    e = torch.randn(3, 4, 8, 8, generator=g) * 5 + 2
    scale = torch.rand(3, 4, generator=g) + 0.5
    shift = torch.randn(3, 4, generator=g)
    out = adain(e, scale, shift, eps=0.0)
    torch.testing.assert_close(out.mean(dim=(2, 3)), shift, atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False), scale, atol=1e-5, rtol=1e-5)


def test_style_changes_statistics_but_keeps_the_content_pattern():
    """The mechanism of diversity: two styles give different outputs for the same content, and
    the content's spatial pattern (the normalised feature) survives both."""
    g = torch.Generator().manual_seed(1)
    e = torch.randn(1, 4, 6, 6, generator=g)
    mlp = StyleMLP(style_dim=8, hidden=16, channels=4)
    s1, s2 = torch.randn(2, 1, 8, generator=g)
    y1, y2 = adain(e, *mlp(s1)), adain(e, *mlp(s2))
    assert not torch.allclose(y1, y2, atol=1e-3)

    def pattern(t):  # instance-normalised, sign of the scale removed
        p = (t - t.mean(dim=(2, 3), keepdim=True)) / t.std(dim=(2, 3), keepdim=True)
        return p * p.flatten(2)[..., :1].sign().unsqueeze(-1)

    torch.testing.assert_close(pattern(y1), pattern(y2), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(pattern(y1), pattern(e), atol=1e-4, rtol=1e-4)


def test_translator_style_changes_output_content_code_does_not_depend_on_style():
    t = _trainer()
    x = Pairs().A[:2]
    s1, s2 = torch.randn(2, 8, generator=torch.Generator().manual_seed(3)).unbind(0)
    y1, y1_again, y2 = t.translate(x, s1), t.translate(x, s1), t.translate(x, s2)
    assert torch.equal(y1, y1_again)
    assert (y1 - y2).abs().max() > 1e-4
    # the same style on two contents: different outputs (the content reaches the output)
    assert (t.translate(x[:1], s1) - t.translate(x[1:], s1)).abs().max() > 1e-4


# ----------------------------------------------------------------- losses
def test_udit_adversarial_losses_hand_computed():
    real = torch.tensor([0.5, 1.5])  # (D(x) - 1)^2 = 0.25, 0.25 -> mean 0.25
    fake = torch.tensor([1.0, 3.0])  # D(G)^2 = 1, 9 -> mean 5, halved (eq. 5.4) -> 2.5
    assert udit_discriminator_loss(real, fake).item() == pytest.approx(2.75)
    assert udit_generator_loss(fake).item() == pytest.approx(2.0)  # (0 + 4) / 2


def test_reconstruction_losses_hand_computed():
    x = torch.zeros(1, 1, 2, 2)
    rec = torch.tensor([1.0, -1.0, 2.0, 0.0]).view(1, 1, 2, 2)
    assert image_reconstruction_loss(rec, x).item() == pytest.approx(1.0)  # (1+1+2+0)/4
    s = torch.tensor([[0.5, -0.5, 1.0, 0.0]])
    assert latent_reconstruction_loss(s, torch.zeros(1, 4)).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="differ"):
        latent_reconstruction_loss(s, torch.zeros(1, 3))


def test_semantic_constraint_hand_computed():
    src = torch.tensor([[1.0, 2.0]])
    out = torch.tensor([[2.0, 0.0]])
    assert semantic_constraint_loss(lambda x: x, out, src).item() == pytest.approx(1.5)
    assert semantic_constraint_loss(lambda x: 3 * x, out, src).item() == pytest.approx(4.5)


def test_semantic_constraint_gradient_vanishes_where_h_does_not_look():
    h = LeftHalf()
    g = torch.Generator().manual_seed(0)
    source = torch.rand(2, 3, 8, 8, generator=g)
    changed_right = source.clone()
    changed_right[..., 4:] = torch.rand(2, 3, 8, 4, generator=g)
    translated = changed_right.clone().requires_grad_(True)
    loss = semantic_constraint_loss(h, translated, source)
    assert loss.item() == 0.0  # the unwanted property (left half) is unchanged
    changed_left = changed_right.clone()
    changed_left[..., :4] += 0.3
    translated = changed_left.clone().requires_grad_(True)
    loss = semantic_constraint_loss(h, translated, source)
    loss.backward()
    assert loss.item() > 0
    assert torch.equal(translated.grad[..., 4:], torch.zeros_like(translated.grad[..., 4:]))
    assert translated.grad[..., :4].abs().sum() > 0
    assert all(p.grad is not None for p in h.parameters())  # the caller freezes h, not the loss


# ----------------------------------------------------------------- trainer
def test_config_is_strict_and_checked():
    with pytest.raises(ValueError, match="Unknown option"):
        UDITConfig.from_dict({"lambda_x": 10, "lambda_cyc": 1})
    with pytest.raises(ValueError, match="lambda_U"):
        UDITConfig(lambda_U=-1.0)
    with pytest.raises(ValueError, match="kernel must be odd"):
        UDITConfig(kernel=4)
    with pytest.raises(ValueError, match="semantic extractor"):
        _trainer(semantic_constraint=True)
    with pytest.raises(TypeError, match="UDITConfig"):
        UDITTrainer(TINY)  # type: ignore[arg-type]
    assert UDITConfig.from_dict(UDITConfig().to_dict()) == UDITConfig()
    c = UDITConfig()
    assert (c.lambda_x, c.lambda_c, c.lambda_s, c.style_dim, c.n_res, c.kernel) == (
        10.0, 1.0, 1.0, 8, 6, 7)


def test_batch_of_a_size_the_poolings_cannot_halve_is_refused():
    t = _trainer()
    with pytest.raises(ValueError, match="divisible by 2\\*\\*n_down"):
        t.fit(Pairs(size=12), max_steps=1, progress=False)


def test_terms_scale_with_their_weights_and_the_constraint_switch():
    data = Pairs()
    A, B = data.A[:2], data.B[:2]
    s = torch.randn(2, 2, 8, generator=torch.Generator().manual_seed(5))
    base = _trainer()
    terms, images = base.generator_terms(A, B, s[0], s[1])
    assert set(terms) == {"GAN_A", "GAN_B", "x_A", "x_B", "c_A", "c_B", "s_A", "s_B"}
    assert images["x_AB"].shape == A.shape and images["rec_B"].shape == B.shape
    # eq. 5.5 by hand on the returned reconstruction
    torch.testing.assert_close(terms["x_A"], 10 * (images["rec_A"] - A).abs().mean())
    heavier = _trainer(lambda_x=20.0, lambda_s=3.0, semantic_constraint=True, lambda_U=2.0,
                       h=LeftHalf())
    heavier.load_state_dict({**base.state_dict(), "config": heavier.config.to_dict(),
                             "extra": heavier.extra_state()})
    terms2, images2 = heavier.generator_terms(A, B, s[0], s[1])
    torch.testing.assert_close(terms2["x_A"], 2 * terms["x_A"])
    torch.testing.assert_close(terms2["s_B"], 3 * terms["s_B"])
    torch.testing.assert_close(terms2["c_A"], terms["c_A"])
    expected = 2.0 * semantic_constraint_loss(heavier.h, images2["x_AB"], A)
    torch.testing.assert_close(terms2["U_A"], expected)


def test_smoke_training_finite_and_extractor_frozen():
    h = LeftHalf()
    before = [p.detach().clone() for p in h.parameters()]
    t = _trainer(semantic_constraint=True, h=h)
    history = t.fit(Pairs(), max_steps=3, progress=False)
    assert len(history) == 3
    keys = {"GAN_A", "GAN_B", "x_A", "x_B", "c_A", "c_B", "s_A", "s_B", "U_A", "U_B", "D_A",
            "D_B"}
    assert keys <= set(history[-1])
    assert all(torch.isfinite(torch.tensor(r[k])) for r in history for k in keys)
    assert all(torch.equal(a, b) for a, b in zip(before, h.parameters()))
    assert not any(p.requires_grad for p in h.parameters()) and not h.training
    baseline = _trainer(pooling_indices=False).fit(Pairs(), max_steps=2, progress=False)
    assert "U_A" not in baseline[-1]


def test_determinism_by_seed():
    a = _trainer(seed=3).fit(Pairs(), max_steps=2, progress=False)
    b = _trainer(seed=3).fit(Pairs(), max_steps=2, progress=False)
    c = _trainer(seed=4).fit(Pairs(), max_steps=2, progress=False)
    assert a == b
    assert a != c


def test_resume_equals_uninterrupted(tmp_path):
    straight = _trainer(semantic_constraint=True, h=LeftHalf(), run_dir=tmp_path / "straight")
    straight.fit(Pairs(), max_steps=5, progress=False)
    first = _trainer(semantic_constraint=True, h=LeftHalf(), run_dir=tmp_path / "split")
    first.fit(Pairs(), max_steps=2, progress=False)
    resumed = _trainer(semantic_constraint=True, h=LeftHalf(), run_dir=tmp_path / "split")
    resumed.fit(Pairs(), max_steps=5, progress=False)
    assert resumed.history == straight.history
    for name, net in straight.nets.items():
        for (k, v), w in zip(net.state_dict().items(), resumed.nets[name].state_dict().values()):
            assert torch.equal(v, w), f"{name}.{k}"
    other_h = _trainer(semantic_constraint=True, h=nn.Identity(), run_dir=tmp_path / "split")
    with pytest.raises(ValueError, match="same h"):
        other_h.load(other_h.checkpoint_path)


def test_generator_from_config_rebuilds_the_autoencoders():
    t = _trainer()
    state = torch.get_rng_state()
    ae = generator_from_config(t.config.to_dict(), "AE_B")
    assert torch.equal(state, torch.get_rng_state())
    ae.load_state_dict(t.generator_state()["AE_B"])
    x = Pairs().B[:2]
    s = torch.zeros(2, 8)
    with torch.no_grad():
        torch.testing.assert_close(ae.decode(ae.E_c(x), s), t.AE_B.decode(t.AE_B.E_c(x), s))
    with pytest.raises(ValueError, match="not a UDIT"):
        generator_from_config({"netG": "x"}, "AE_A")


def test_sample_styles_shapes_and_reproducibility():
    t = _trainer()
    x = Pairs().A[:3]
    many = t.sample_styles(x, 4, generator=torch.Generator().manual_seed(0))
    again = t.sample_styles(x, 4, generator=torch.Generator().manual_seed(0))
    assert many.shape == (3, 4, 3, 16, 16) and torch.equal(many, again)
    assert t.sample_styles(x, 2, direction="BA").shape == (3, 2, 3, 16, 16)
    with pytest.raises(ValueError, match="n_styles"):
        t.sample_styles(x, 0)
    with pytest.raises(ValueError, match="direction"):
        t.translate(x, direction="AA")
    columns = t.samples({"A": x, "B": Pairs().B[:3]})
    assert all(v.shape == (3, 3, 16, 16) for v in columns.values())


# ----------------------------------------------------------------- diversity
class MeanAbs:
    """A toy perceptual distance: the mean absolute difference, ``(N, ...) -> (N,)``."""

    name = "mean-abs"

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (x - y).abs().flatten(1).mean(dim=1)


def test_pairwise_diversity_hand_computed_and_ordered():
    d = MeanAbs()
    same = torch.zeros(2, 3, 1, 2, 2)
    assert pairwise_diversity(same, d).value == 0.0
    # input 0: outputs 0, 1, 3 -> pairs 1, 3, 2 -> 2; input 1: all equal -> 0; mean 1
    levels = torch.tensor([[0.0, 1.0, 3.0], [5.0, 5.0, 5.0]])
    outputs = levels.view(2, 3, 1, 1, 1).expand(2, 3, 1, 2, 2)
    score = pairwise_diversity(outputs, d, batch_size=2)
    assert score.value == pytest.approx(1.0) and score.extras["std"] == pytest.approx(1.0)
    assert score.extras == {"std": pytest.approx(1.0), "n_outputs": 3, "n_inputs": 2}
    g = torch.Generator().manual_seed(0)
    base = torch.rand(4, 1, 3, 8, 8, generator=g)
    noise = torch.randn(4, 5, 3, 8, 8, generator=g)
    narrow = pairwise_diversity(base + 0.1 * noise, d).value
    wide = pairwise_diversity(base + 0.5 * noise, d).value
    assert 0 < narrow < wide
    with pytest.raises(ValueError, match="K >= 2"):
        pairwise_diversity(torch.zeros(2, 1, 3, 4, 4), d)


def test_pairwise_diversity_with_the_lpips_style_distance_and_a_translator():
    from i2ilib.metrics.features import RandomConvExtractor
    from i2ilib.metrics.perceptual import LPIPSStyleDistance

    dist = LPIPSStyleDistance(RandomConvExtractor(seed=0, width=4))
    t = _trainer()
    x = Pairs().A[:2]
    one_style = torch.randn(8, generator=torch.Generator().manual_seed(1))
    repeated = torch.stack([t.translate(x, one_style)] * 3, dim=1)
    assert pairwise_diversity(repeated, dist).value == pytest.approx(0.0, abs=1e-6)
    assert pairwise_diversity(t.sample_styles(x, 3), dist).value > 0
    # the random-pairs protocol (19 pairs per input, Section 5.6.3) takes the translator too
    from i2ilib.metrics.perceptual import diversity

    score = diversity(lambda inputs, g: t.translate(inputs, generator=g), x, dist, n_pairs=2)
    assert score.value > 0 and score.extras["n_pairs"] == 2
    fixed = diversity(lambda inputs, g: t.translate(inputs, one_style), x, dist, n_pairs=2)
    assert fixed.value == pytest.approx(0.0, abs=1e-6)


def test_command_line_refuses_a_diverse_translator_with_a_pointer(tmp_path):
    from i2ilib import cli

    t = _trainer(run_dir=tmp_path)
    t.save()
    state = torch.load(t.checkpoint_path, weights_only=True)
    with pytest.raises(ValueError, match="UDITTrainer.translate"):
        cli._load_training_checkpoint(t.checkpoint_path, state, None)
    with pytest.raises(ValueError, match="sample_styles"):
        cli._build_from_trainer_config(tmp_path, t.config.to_dict(), "AE_B", {})


# ================================================================= SDIT (thesis chapter 6)
SDIT_TINY = {"n_domains": 3, "image_size": 16, "ngf": 4, "n_res": 1, "mlp_dim": 8, "ndf": 4,
             "n_layers_D": 3, "batch_size": 4, "n_epochs": 2, "device": "cpu"}


def _labelled(n: int = 8, seed: int = 0) -> ImageSet:
    g = torch.Generator().manual_seed(seed)
    return ImageSet(torch.rand(n, 3, 16, 16, generator=g) * 2 - 1,
                    torch.randint(3, (n,), generator=g))


def _sdit(**changes) -> SDITTrainer:
    run_dir = changes.pop("run_dir", None)
    return SDITTrainer(SDITConfig(**{**SDIT_TINY, **changes}), run_dir=run_dir)


def test_sdit_shapes_and_default_layout():
    G = SDITGenerator(3, n_domains=4, ngf=8, n_res=2, z_dim=8, mlp_dim=16)
    x, labels, z = torch.randn(2, 3, 32, 32), torch.tensor([0, 3]), torch.randn(2, 8)
    assert G.E(x, labels).shape == (2, 32, 8, 8)
    assert G(x, labels, z).shape == x.shape
    h, a = G.bottleneck(G.E(x, labels), labels, z)
    assert h.shape == (2, 32, 8, 8) and a.shape == (2, 1, 8, 8)
    assert float(a.detach().min()) > 0 and float(a.detach().max()) < 1
    src, cls, rec = SDITDiscriminator(3, 4, image_size=32, ndf=8, n_layers=3, z_dim=8)(x)
    assert src.shape == (2, 1, 4, 4) and cls.shape == (2, 4) and rec.shape == (2, 8)
    # Section 6.4: E = conv 7x7/1 + two conv 4x4/2 + 6 blocks; M = 256 units then the CIN
    # parameters; D = six 4x4/2 convolutions, F_rec's fully connected layer 32 -> 8 at 128 px
    full = SDITGenerator()
    convs = [m for m in full.E.down if isinstance(m, nn.Conv2d)]
    assert [(m.kernel_size, m.stride) for m in convs] == [((7, 7), (1, 1)), ((4, 4), (2, 2)),
                                                          ((4, 4), (2, 2))]
    assert len(full.E.blocks) == len(full.T_c) == len(full.T_a) == 6
    linears = [m for m in full.M.model if isinstance(m, nn.Linear)]
    assert [m.out_features for m in linears] == [256, 2 * 256 * 12]
    D = SDITDiscriminator()
    assert sum(isinstance(m, nn.Conv2d) for m in D.main) == 6
    assert (D.rec_fc.in_features, D.rec_fc.out_features) == (32, 8)
    with pytest.raises(ValueError, match="z must be"):
        G(x, labels, torch.randn(2, 5))
    with pytest.raises(ValueError, match="labels must lie"):
        one_hot_maps(torch.tensor([0, 4]), 4, (2, 2))


def test_cin_output_statistics_are_gamma_and_beta():
    g = torch.Generator().manual_seed(2)
    e = torch.randn(2, 5, 6, 6, generator=g) * 3 - 1
    gamma, beta = torch.rand(2, 5, generator=g) + 0.5, torch.randn(2, 5, generator=g)
    out = cin(e, gamma, beta, eps=0.0)
    torch.testing.assert_close(out.mean(dim=(2, 3)), beta, atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False), gamma, atol=1e-5, rtol=1e-5)


def test_cin_ablations_and_per_domain_sets():
    z, labels = torch.randn(3, 8), torch.tensor([0, 1, 2])
    beta_only = SDITGenerator(3, 3, ngf=4, n_res=1, mlp_dim=8, cin_params="beta")
    p = beta_only.cin_parameters(z, labels)
    assert p.shape == (3, 2, 2, 16)
    assert torch.equal(p[:, :, 0], torch.ones(3, 2, 16)) and p[:, :, 1].abs().sum() > 0
    gamma_only = SDITGenerator(3, 3, ngf=4, n_res=1, mlp_dim=8, cin_params="gamma")
    assert torch.equal(gamma_only.cin_parameters(z, labels)[:, :, 1], torch.zeros(3, 2, 16))
    shared = SDITGenerator(3, 3, ngf=4, n_res=1, mlp_dim=8)
    same_z = z[:1].expand(3, -1)
    p = shared.cin_parameters(same_z, labels)
    assert torch.equal(p[0], p[1]) and torch.equal(p[1], p[2])  # eq. 6.10: gamma(z), beta(z)
    per_domain = SDITGenerator(3, 3, ngf=4, n_res=1, mlp_dim=8, cin_per_domain=True)
    p = per_domain.cin_parameters(same_z, labels)
    assert not torch.allclose(p[0], p[1]) and not torch.allclose(p[1], p[2])


def test_attention_combines_as_eq_6_9():
    """A constructed mask: where a = 0 the bottleneck keeps the encoder's features e (so z
    changes nothing there); where a = 1 it takes the CIN branch f."""
    G = SDITGenerator(3, 2, ngf=4, n_res=1, mlp_dim=8)
    e = torch.randn(2, 16, 4, 4)
    labels, z1, z2 = torch.tensor([0, 1]), torch.randn(2, 8), torch.randn(2, 8)
    mask = torch.zeros(2, 1, 4, 4)
    mask[..., :2] = 1.0
    G.attention_map = lambda features: mask  # type: ignore[method-assign]
    h1, _ = G.bottleneck(e, labels, z1)
    h2, _ = G.bottleneck(e, labels, z2)
    assert torch.equal(h1[..., 2:], e[..., 2:]) and torch.equal(h2[..., 2:], e[..., 2:])
    assert (h1[..., :2] - h2[..., :2]).abs().max() > 1e-4
    G.attention = False  # "w/o Atten": h = f everywhere
    f1, a = G.bottleneck(e, labels, z1)
    assert a is None
    torch.testing.assert_close(h1[..., :2], f1[..., :2])


def test_attention_closed_makes_the_translation_ignore_z():
    G = SDITGenerator(3, 2, ngf=4, n_res=1, mlp_dim=8)
    with torch.no_grad():
        G.att_out.weight.zero_()
        G.att_out.bias.fill_(-100.0)  # a = sigmoid(-100) ~ 0: h = e
    x, labels = torch.rand(2, 3, 16, 16), torch.tensor([0, 1])
    torch.testing.assert_close(G(x, labels, torch.randn(2, 8)), G(x, labels, torch.randn(2, 8)))


def test_sdit_terms_hand_computed():
    t = _sdit(lambda_REC=2.0)
    data = _labelled()
    x, l_sc = data.images[:4], data.labels[:4]
    l_tg, z = torch.tensor([2, 0, 1, 1]), torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    terms, y = t.generator_terms(x, l_sc, l_tg, z)
    with torch.no_grad():
        src, cls, rec = t.D(y)
        x_rec = t.SDIT(y, l_sc, z)
        nll = -torch.log_softmax(cls, dim=1)[torch.arange(4), l_tg].mean()
        torch.testing.assert_close(terms["FAKE"], nll)  # eq. 6.3, lambda_FAKE = 1
        torch.testing.assert_close(terms["LAT"], 10 * (rec - z).abs().mean())  # eq. 6.6
        torch.testing.assert_close(terms["REC"], 2 * (x - x_rec).abs().mean())  # eq. 6.7
        bce = torch.nn.functional.softplus(-src).mean()  # -log sigmoid(D_src(y))
        torch.testing.assert_close(terms["GAN"], 10 * bce)
    d = t.discriminator_terms(x, l_sc, y, z)
    with torch.no_grad():
        src_real, cls_real, _ = t.D(x)
        expected = 10 * (torch.nn.functional.softplus(-src_real).mean()
                         + torch.nn.functional.softplus(src).mean())  # eq. 6.1, both sides
        torch.testing.assert_close(d["D_GAN"], expected)
        torch.testing.assert_close(d["REAL"], auxiliary_classifier_loss(cls_real, l_sc))
    logits = torch.tensor([[0.0, 0.0]])
    assert auxiliary_classifier_loss(logits, torch.tensor([1])).item() == pytest.approx(
        torch.log(torch.tensor(2.0)).item())


def test_sdit_config_and_batch_errors():
    with pytest.raises(ValueError, match="lambda_LAT=0"):
        SDITConfig(cin=False)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*n_layers_D"):
        SDITConfig(image_size=32)
    with pytest.raises(ValueError, match="input_nc and output_nc"):
        SDITConfig(output_nc=1)
    with pytest.raises(ValueError, match="Unknown option"):
        SDITConfig.from_dict({"lambda_CYC": 1.0})
    with pytest.raises(ValueError, match="cin_params"):
        SDITConfig(cin_params="scale")
    t = _sdit()
    bad = ImageSet(torch.zeros(4, 3, 16, 16), torch.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="must lie in"):
        t.fit(bad, max_steps=1, progress=False)
    with pytest.raises(ValueError, match="target must be"):
        t.translate(torch.zeros(1, 3, 16, 16), 5)
    assert SDITConfig().lambda_REC == 800.0 and SDITConfig().lambda_GAN == 10.0


@pytest.mark.parametrize("variant", [{}, {"attention": False}, {"cin": False, "lambda_LAT": 0.0},
                                     {"cin_params": "beta", "cin_per_domain": True}])
def test_sdit_smoke_training_finite(variant):
    history = _sdit(**variant).fit(_labelled(), max_steps=2, progress=False)
    keys = {"GAN", "FAKE", "REC", "D_GAN", "REAL"} | (
        {"LAT", "D_LAT"} if variant.get("cin", True) else set())
    assert set(history[-1]) - {"step", "epoch"} == keys
    assert all(torch.isfinite(torch.tensor(r[k])) for r in history for k in keys)


def test_sdit_resume_equals_uninterrupted_and_determinism(tmp_path):
    straight = _sdit(run_dir=tmp_path / "straight", batch_size=2)
    straight.fit(_labelled(), max_steps=5, progress=False)
    _sdit(run_dir=tmp_path / "split", batch_size=2).fit(_labelled(), max_steps=2, progress=False)
    resumed = _sdit(run_dir=tmp_path / "split", batch_size=2)
    resumed.fit(_labelled(), max_steps=5, progress=False)
    assert resumed.history == straight.history
    for name, net in straight.nets.items():
        for v, w in zip(net.state_dict().values(), resumed.nets[name].state_dict().values()):
            assert torch.equal(v, w)
    again = _sdit(batch_size=2).fit(_labelled(), max_steps=5, progress=False)
    assert again == straight.history
    assert _sdit(batch_size=2, seed=1).fit(_labelled(), max_steps=5, progress=False) != again


def test_sdit_diversity_comes_from_z_through_cin():
    from i2ilib.metrics.features import RandomConvExtractor
    from i2ilib.metrics.perceptual import LPIPSStyleDistance

    dist = LPIPSStyleDistance(RandomConvExtractor(seed=0, width=4))
    x = _labelled().images[:2]
    diverse = _sdit()
    many = diverse.sample_styles(x, 1, 3, generator=torch.Generator().manual_seed(0))
    assert many.shape == (2, 3, 3, 16, 16)
    assert pairwise_diversity(many, dist).value > 0
    without_cin = _sdit(cin=False, lambda_LAT=0.0)
    assert pairwise_diversity(without_cin.sample_styles(x, 1, 3), dist).value == pytest.approx(
        0.0, abs=1e-6)
    assert diverse.attention(x, 2).shape == (2, 1, 4, 4)
    columns = diverse.samples({"x": x, "y": torch.tensor([0, 1])})
    assert list(columns) == ["input", "to 0", "to 1", "to 2"]


def test_sdit_generator_from_config_and_command_line(tmp_path):
    from i2ilib import cli

    t = _sdit(run_dir=tmp_path)
    G = generator_from_config(t.config.to_dict(), "SDIT")
    G.load_state_dict(t.generator_state()["SDIT"])
    x, z = _labelled().images[:2], torch.randn(2, 8)
    torch.testing.assert_close(G(x, torch.tensor([1, 1]), z).detach().clamp(-1, 1),
                               t.translate(x, 1, z))
    t.save()
    state = torch.load(t.checkpoint_path, weights_only=True)
    with pytest.raises(ValueError, match="SDITTrainer.translate"):
        cli._load_training_checkpoint(t.checkpoint_path, state, None)


def test_udit_non_finite_semantic_term_is_named():
    from i2ilib.train import NonFiniteLossError

    class Broken(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean(dim=(2, 3)) * float("nan")

    t = _trainer(semantic_constraint=True, h=Broken())
    with pytest.raises(NonFiniteLossError) as info:
        t.fit(Pairs(), max_steps=1, progress=False)
    assert info.value.term == "U_A" and info.value.step == 1


def test_semantic_extractors():
    from i2ilib.metrics.attributes import FaceAttributeNet
    from i2ilib.nets.semantic import MethodExtractor, ReducedExtractor

    net = FaceAttributeNet(width=4).eval()
    h = MethodExtractor(net, "features")
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    torch.testing.assert_close(h(x), net.features(x))
    with pytest.raises(AttributeError, match="no method"):
        MethodExtractor(net, "embed")
    conv = nn.Sequential(nn.Conv2d(3, 6, 4, 2, 1), nn.ReLU(), nn.Conv2d(6, 12, 4, 2, 1))
    reduced = ReducedExtractor(conv, channels=12, D=2, n_classes=3, map_size=(4, 4))
    assert reduced(torch.randn(5, 3, 16, 16)).shape == (5, 2, 4, 4)
    assert reduced.logits(torch.randn(5, 3, 16, 16)).shape == (5, 3)
    with pytest.raises(ValueError, match="head expects"):
        reduced.logits(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="maps"):
        ReducedExtractor(nn.Flatten(), 12, 2, 3, (4, 4))(torch.randn(1, 12, 4, 4))
    # the reduced extractor is a valid h for the trainer
    t = _trainer(semantic_constraint=True, h=ReducedExtractor(conv, 12, 2, 3, (4, 4)))
    history = t.fit(Pairs(), max_steps=1, progress=False)
    assert history[-1]["U_A"] >= 0


def test_upsample_norm_layer_norm_keeps_the_style_statistics_instance_norm_removes():
    from i2ilib.nets.munit import Decoder

    torch.manual_seed(0)
    content = MUNITAutoEncoder(3, 8, 2, 1, 3, 8, 16, False).E_c(torch.rand(2, 3, 16, 16) * 2 - 1)
    for norm, kind in (("in", torch.nn.InstanceNorm2d), ("ln", torch.nn.GroupNorm)):
        dec = Decoder(3, 8, 2, 1, 3, 8, 16, False, upsample_norm=norm)
        assert isinstance(dec.levels[0][1], kind)
    # after the upsampling norm, a channel's mean over space is 0 for every image with instance
    # norm (the style's shift is gone), and differs between channels with layer norm
    dec = Decoder(3, 8, 2, 1, 3, 8, 16, False, upsample_norm="ln")
    x = dec.levels[0][0](torch.nn.functional.interpolate(content.code, scale_factor=2))
    assert dec.levels[0][1](x).mean(dim=(2, 3)).abs().max() > 1e-3
    assert torch.nn.InstanceNorm2d(x.shape[1])(x).mean(dim=(2, 3)).abs().max() < 1e-5
    with pytest.raises(ValueError, match="upsample_norm"):
        Decoder(upsample_norm="bn")
    with pytest.raises(ValueError, match="upsample_norm"):
        UDITConfig(upsample_norm="batch")
    cfg = UDITConfig(ngf=4, n_down=2, n_res=1, kernel=3, mlp_dim=8, upsample_norm="ln")
    from i2ilib.train.udit import udit_autoencoder_from_config

    ae = udit_autoencoder_from_config(cfg.to_dict(), "AE_B")
    assert isinstance(ae.G.levels[0][1], torch.nn.GroupNorm)
