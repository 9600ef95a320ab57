"""Mix and match networks (Wang 2020, thesis chapter 4): every encoder feeds every decoder, the
pooling indices drive the unpooling, skip connections carry the encoder's features, the losses
of Section 4.4.3 and 4.5.2 on hand-computed cases, the stages and the pseudo-pair gradient
paths, resume and determinism, and the zero-pair sets from SynthScenes."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from i2ilib.data.synthscenes import render_scene, scene_key
from i2ilib.data.zeropair import (
    MAX_DEPTH,
    MIN_DEPTH,
    ZeroPairDataset,
    decode_depth,
    encode_depth,
    zero_pair_scenes,
)
from i2ilib.losses import (
    berhu,
    berhu_loss,
    l2_loss,
    latent_consistency_loss,
    pseudo_pair_depth_loss,
    pseudo_pair_segmentation_loss,
    segmentation_loss,
)
from i2ilib.metrics.depth import depth_scores
from i2ilib.metrics.segmentation import segmentation_scores
from i2ilib.nets.mmnets import (
    SIDE_INFORMATION,
    Latent,
    MMNetArchitecture,
    MMNetDiscriminator,
    ModalityDecoder,
    ModalityEncoder,
    RGBDecoder,
    _upsample,
    define_mmnet_parts,
    one_hot_labels,
)
from i2ilib.train import (
    MMNET_TRANSLATORS,
    MMNetConfig,
    MMNetTrainer,
    generator_from_config,
    mmnet_translator_state,
)

SIZE = 16
K = 5  # classes in the synthetic batches


def arch(**kw):
    base = dict(ngf=4, n_levels=3, n_classes=K)
    base.update(kw)
    return MMNetArchitecture(**base)


def inputs(n=2, seed=0, size=SIZE):
    g = torch.Generator().manual_seed(seed)
    return {"R": torch.rand(n, 3, size, size, generator=g) * 2 - 1,
            "D": torch.rand(n, 1, size, size, generator=g) * 2 - 1,
            "S": torch.randint(0, K, (n, size, size), generator=g)}


def encoded(parts, x):
    return {"R": parts["f_R"](x["R"]), "D": parts["f_D"](x["D"]),
            "S": parts["f_S"](one_hot_labels(x["S"], K))}


# ------------------------------------------------------------------------------- networks


@pytest.mark.parametrize("side", SIDE_INFORMATION)
def test_every_encoder_feeds_every_decoder(side):
    a = arch(side_information=side)
    parts = define_mmnet_parts(a)
    lat = encoded(parts, inputs())
    channels = {"R": 3, "D": 1, "S": K}
    for i in "RDS":
        assert lat[i].h.shape == (2, *a.latent_shape(SIZE, SIZE)) == (2, 16, 2, 2)
        assert [tuple(t.shape) for t in lat[i].indices] == [(2, 4, 8, 8), (2, 8, 4, 4),
                                                             (2, 16, 2, 2)]
        assert [tuple(t.shape) for t in lat[i].features] == [(2, 4, 16, 16), (2, 8, 8, 8),
                                                              (2, 16, 4, 4)]
        for j in "RDS":
            assert parts[f"g_{j}"](lat[i]).shape == (2, channels[j], SIZE, SIZE), (i, j)


def test_the_published_sizes():
    a = MMNetArchitecture()
    assert a.widths == (64, 128, 256, 512, 512) and a.convs == (2, 2, 3, 3, 3)
    parts = define_mmnet_parts(a, "DR")
    convs = [m for m in parts["f_D"].modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13  # Table A.3: VGG-16's 13 convolutions
    dec = [m for m in parts["g_D"].modules() if isinstance(m, nn.Conv2d)]
    assert len(dec) == 13 and dec[-1].out_channels == 1  # Table A.4
    assert [m.out_channels for m in dec] == [512, 512, 512, 512, 512, 256, 256, 256, 128, 128,
                                             64, 64, 1]
    ups = [m for m in parts["g_R"].modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [m.out_channels for m in ups] == [512, 256, 128, 64, 3]  # Table A.5
    # VGG-16's convolutions hold 14,714,688 weights and biases; batch norm adds 2 per channel
    n = sum(p.numel() for m in convs for p in m.parameters())
    assert n == 14_714_688 - 3 * 64 * 9 + 1 * 64 * 9  # one input channel instead of three
    assert MMNetDiscriminator()(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 4, 4)


def test_unpooling_puts_each_value_where_its_index_says():
    """A constructed case: one value, two positions of its 2x2 window."""
    h = torch.tensor([[[[5.0]]]])
    for flat, expected in ((3, [[0.0, 0.0], [0.0, 5.0]]), (0, [[5.0, 0.0], [0.0, 0.0]])):
        lat = Latent(h, (torch.tensor([[[[flat]]]]),), (torch.zeros(1, 1, 2, 2),), ((2, 2),))
        out = _upsample(h, lat, 0, "indices")
        assert out[0, 0].tolist() == expected
        # without indices the value fills the window; a skip connection appends the features
        assert _upsample(h, lat, 0, "none")[0, 0].tolist() == [[5.0, 5.0], [5.0, 5.0]]
        assert _upsample(h, lat, 0, "skip").shape == (1, 2, 2, 2)


def test_encoder_indices_follow_the_image():
    """The pooling indices of a mirrored image are the mirrored indices, for an encoder whose
    filters are mirror-symmetric (and positive biases, so that ReLU makes no ties)."""
    torch.manual_seed(0)
    enc = ModalityEncoder(1, arch(n_levels=1)).eval()
    with torch.no_grad():
        for m in enc.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.copy_((m.weight + m.weight.flip(-1)) / 2)
                m.bias.fill_(10.0)
        x = torch.rand(1, 1, 8, 8)
        a, b = enc(x), enc(x.flip(-1))
    rows, cols = a.indices[0] // 8, a.indices[0] % 8
    assert torch.equal(b.indices[0].flip(-1), rows * 8 + (7 - cols))
    assert not torch.equal(a.indices[0], b.indices[0])


@torch.no_grad()
def test_pooling_indices_drive_the_decoder_and_skip_features_drive_skip_decoders():
    torch.manual_seed(0)
    x, other = inputs(seed=1), inputs(seed=2)
    for side in SIDE_INFORMATION:
        parts = define_mmnet_parts(arch(side_information=side))  # batch statistics: O(1)
        lat, lat2 = parts["f_D"](x["D"]), parts["f_D"](other["D"])
        swapped_idx = lat.with_indices(lat2.indices)
        swapped_feat = Latent(lat.h, lat.indices, lat2.features, lat.sizes)
        base = parts["g_S"](lat)
        assert base.std() > 0.01
        moved_by_idx = (parts["g_S"](swapped_idx) - base).abs().max() > 1e-3
        moved_by_feat = (parts["g_S"](swapped_feat) - base).abs().max() > 1e-3
        assert moved_by_idx or torch.equal(parts["g_S"](swapped_idx), base)
        assert moved_by_feat or torch.equal(parts["g_S"](swapped_feat), base)
        assert moved_by_idx == (side == "indices"), side
        assert moved_by_feat == (side == "skip"), side
        # g_R takes no side information (footnote 5): neither swap moves it
        assert torch.equal(parts["g_R"](swapped_idx), parts["g_R"](lat))
        assert torch.equal(parts["g_R"](swapped_feat), parts["g_R"](lat))


@torch.no_grad()
def test_indices_of_another_encoder_place_the_values():
    """Mix and match: decoding ``f_S``'s code with ``f_D``'s pooling indices puts every
    unpooled value at one of ``f_D``'s positions."""
    torch.manual_seed(0)
    a = arch(n_levels=1)
    dec = ModalityDecoder(1, a).eval()
    parts = define_mmnet_parts(a, "DS")
    lat_S = parts["f_S"](one_hot_labels(inputs()["S"], K))
    lat_D = parts["f_D"](inputs()["D"])
    mixed = lat_S.with_indices(lat_D.indices)
    unpooled = _upsample(mixed.h, mixed, 0, "indices")
    nonzero = unpooled != 0
    assert nonzero.float().mean() > 0.1
    chosen = torch.zeros_like(nonzero).flatten(2).scatter_(2, lat_D.indices[0].flatten(2), True)
    assert bool((nonzero.flatten(2) <= chosen).all())
    assert dec(mixed).shape == (2, 1, SIZE, SIZE)


def test_rgb_side_information_is_the_rejected_variant():
    default = define_mmnet_parts(arch(), "R")["g_R"]
    variant = define_mmnet_parts(arch(rgb_side_information=True), "R")["g_R"]
    assert isinstance(default, RGBDecoder) and isinstance(variant, ModalityDecoder)
    out = variant(define_mmnet_parts(arch(), "R")["f_R"](inputs()["R"]))
    assert out.shape == (2, 3, SIZE, SIZE) and out.abs().max() <= 1


def test_network_errors():
    with pytest.raises(ValueError, match="n_levels"):
        MMNetArchitecture(n_levels=6)
    with pytest.raises(ValueError, match="side_information"):
        MMNetArchitecture(side_information="unet")
    enc = ModalityEncoder(3, arch())
    with pytest.raises(ValueError, match="multiples of 2\\*\\*n_levels = 8"):
        enc(torch.zeros(1, 3, 12, 12))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        enc(torch.zeros(1, 1, 16, 16))
    with pytest.raises(ValueError, match="class ids in \\[0, 5\\] but n_classes=5"):
        one_hot_labels(torch.tensor([[[0, K]]]), K)
    with pytest.raises(ValueError, match="integer class ids"):
        one_hot_labels(torch.zeros(1, 2, 2), K)
    deeper = define_mmnet_parts(arch(n_levels=2), "D")["f_D"](torch.zeros(1, 1, 16, 16))
    with pytest.raises(ValueError, match="latent code"):
        ModalityDecoder(1, arch())(deeper)


# ------------------------------------------------------------------------------- losses


def test_berhu_hand_computed():
    # image 1: c = 10 / 5 = 2: |0|, |1| <= 2; 5 -> (25 + 4) / 4; -10 -> (100 + 4) / 4
    d1 = torch.tensor([0.0, 1.0, 5.0, -10.0])
    assert berhu(d1[None]).tolist() == [[0.0, 1.0, 7.25, 26.0]]
    # image 2: c = 0.1: 0.5 -> (0.25 + 0.01) / 0.2 = 1.3
    d2 = torch.tensor([0.5, -0.5, 0.0, 0.0])
    pred = torch.stack([d1, d2]).view(2, 1, 2, 2)
    loss = berhu_loss(pred, torch.zeros_like(pred))
    assert loss.item() == pytest.approx(((0 + 1 + 7.25 + 26) / 4 + (1.3 + 1.3) / 4) / 2)


def test_berhu_threshold_is_a_constant_and_an_exact_prediction_costs_nothing():
    pred = torch.tensor([0.0, 1.0, 5.0, -10.0]).view(1, 1, 2, 2).requires_grad_()
    berhu_loss(pred, torch.zeros_like(pred)).backward()
    # d/dd |d| = sign(d); d/dd (d^2 + c^2) / 2c = d / c with c = 2 held fixed; mean of 4
    assert pred.grad.flatten().tolist() == pytest.approx([0.0, 0.25, 2.5 / 4, -5 / 4])
    exact = torch.ones(2, 1, 2, 2, requires_grad=True)
    loss = berhu_loss(exact, torch.ones(2, 1, 2, 2))
    loss.backward()
    assert loss.item() == 0.0 and bool(torch.isfinite(exact.grad).all())


def test_l2_cross_entropy_and_latent_consistency_hand_computed():
    out = torch.tensor([1.0, 2.0, 3.0, 4.0]).view(1, 1, 2, 2)
    assert l2_loss(out, torch.zeros_like(out)).item() == pytest.approx(7.5)  # (1+4+9+16)/4
    # two pixels, two classes: scores (0, ln 3): p(1) = 3/4
    logits = torch.tensor([0.0, math.log(3.0)]).view(1, 2, 1, 1).expand(1, 2, 1, 2)
    labels = torch.tensor([[[1, 0]]])
    assert segmentation_loss(logits, labels).item() == pytest.approx(
        (math.log(4 / 3) + math.log(4)) / 2)
    h_a = torch.tensor([[3.0, 4.0], [0.0, 0.0]]).view(2, 2, 1, 1)
    zero = torch.zeros_like(h_a)
    assert latent_consistency_loss(h_a, zero).item() == pytest.approx(25 / 4)  # (9 + 16) / 4
    assert latent_consistency_loss(h_a, zero, "norm").item() == pytest.approx((5 + 0) / 2)
    with pytest.raises(ValueError, match="latent loss kind"):
        latent_consistency_loss(h_a, zero, "l1")
    with pytest.raises(ValueError, match="equal shapes"):
        latent_consistency_loss(h_a, zero[:1])


def test_pseudo_pair_terms_hand_computed_and_their_targets_get_no_gradient():
    teacher = torch.tensor([0.0, 2.0, 5.0, 1.0]).view(1, 2, 1, 2).requires_grad_()
    # pseudo-labels argmax over classes: pixel 0 -> max(0, 5) = class 1; pixel 1 -> max(2, 1) = 0
    student = torch.tensor([0.0, 0.0, math.log(3.0), 0.0]).view(1, 2, 1, 2).requires_grad_()
    loss = pseudo_pair_segmentation_loss(student, teacher)
    assert loss.item() == pytest.approx((math.log(4 / 3) + math.log(2)) / 2)
    loss.backward()
    assert teacher.grad is None and student.grad is not None
    t_d = torch.tensor([1.0, 1.0, 1.0, 1.0]).view(1, 1, 2, 2).requires_grad_()
    s_d = torch.tensor([1.0, 1.0, 1.0, 6.0]).view(1, 1, 2, 2).requires_grad_()
    loss = pseudo_pair_depth_loss(s_d, t_d)  # c = 1: 5 -> (25 + 1) / 2
    assert loss.item() == pytest.approx(13.0 / 4)
    loss.backward()
    assert t_d.grad is None and s_d.grad is not None


# ------------------------------------------------------------------------------- trainer


def config(**kw):
    base = dict(ngf=4, n_levels=2, n_classes=K, ndf=4, n_layers_D=2, batch_size=2,
                stage1_steps=2, stage2_steps=2, stage3_steps=2, pseudo_pairs=True,
                device="cpu", seed=0)
    base.update(kw)
    return MMNetConfig(**base)


def dataset(n=4, seed=0):
    a, b = inputs(n, seed), inputs(n, seed + 100)
    return ZeroPairDataset({"R": a["R"], "S": a["S"]}, {"R": b["R"], "D": b["D"]})


def batch_of(data, n=2):
    return {k: torch.stack([data[i][k] for i in range(n)]) for k in data[0]}


def _weights(trainer):
    return {f"{n}.{k}": v.clone() for n, net in trainer.nets.items()
            for k, v in net.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


def test_config_is_strict_and_published_defaults():
    c = MMNetConfig()
    assert (c.lr, c.batch_size, c.lambda_R, c.lambda_S, c.lambda_D, c.lambda_A, c.lambda_L2) == (
        2e-4, 6, 1.0, 100.0, 10.0, 1.0, 1.0)
    assert (c.lambda_R_stage2, c.lambda_A_stage2, c.lambda_L2_stage2) == (10.0, 10.0, 100.0)
    assert (c.lambda_PP, c.lr_stage3, c.noise_std) == (100.0, 2e-5, 0.5)
    assert (c.stage1_steps, c.stage2_steps, c.stage3_steps) == (200_000, 200_000, 100_000)
    assert c.total_steps == 400_000 and c.replace(pseudo_pairs=True).total_steps == 500_000
    assert MMNetConfig.from_dict(config().to_dict()) == config()
    with pytest.raises(ValueError, match="Unknown option.*lambda_lat"):
        MMNetConfig.from_dict({"lambda_lat": 1.0})
    with pytest.raises(ValueError, match="n_epochs"):
        MMNetConfig(n_epochs=10)
    with pytest.raises(ValueError, match="lambda_PP"):
        MMNetConfig(lambda_PP=-1.0)
    with pytest.raises(ValueError, match="side_information"):
        MMNetConfig(side_information="unet")
    with pytest.raises(ValueError, match="no step"):
        MMNetConfig(stage1_steps=0, stage2_steps=0)
    with pytest.raises(TypeError, match="MMNetConfig"):
        MMNetTrainer(config().to_dict())


def test_stages_weights_freezing_and_learning_rate():
    c = config()
    assert [c.stage(s) for s in range(6)] == [1, 1, 2, 2, 3, 3]
    assert [c.replace(pseudo_pairs=False).stage(s) for s in range(5)] == [1, 1, 2, 2, 2]
    t = MMNetTrainer(c)
    data = dataset()
    f_R = {k: v.clone() for k, v in t.parts["f_R"].state_dict().items()}
    t.fit(data, max_steps=2, progress=False)
    moved = {k: v.clone() for k, v in t.parts["f_R"].named_parameters()}
    assert any(not torch.equal(f_R[k], moved[k]) for k in moved)  # stage 1 trains f_R
    g_S = {k: v.clone() for k, v in t.parts["g_S"].named_parameters()}
    t.fit(data, progress=False)
    assert t.global_step == 6 and t.learning_rate == pytest.approx(2e-5)
    for k, v in t.parts["f_R"].named_parameters():  # frozen from stage 2 on
        assert torch.equal(v, moved[k]), k
    assert any(not torch.equal(v, g_S[k]) for k, v in t.parts["g_S"].named_parameters())
    stages = [h["stage"] for h in t.history]
    assert stages == [1, 1, 2, 2, 3, 3]
    for h in t.history:
        has = {k for k in ("LAT", "PP") if k in h}
        assert has == {1: set(), 2: {"LAT"}, 3: {"LAT", "PP"}}[h["stage"]]
        w = t.weights(int(h["stage"]))
        total = (w["R"] * (w["L2"] * h["L2"] + h["GAN"]) + w["S"] * h["SEG"]
                 + w["D"] * h["DEPTH"] + w["A"] * h.get("LAT", 0) + w["PP"] * h.get("PP", 0))
        assert h["total"] == pytest.approx(total, rel=1e-5)
        assert math.isfinite(h["total"]) and math.isfinite(h["D"])
    assert t.weights(1) == {"R": 1, "S": 100, "D": 10, "A": 1, "L2": 1, "PP": 0}
    assert t.weights(2) == {"R": 10, "S": 100, "D": 10, "A": 10, "L2": 100, "PP": 0}
    assert t.weights(3)["PP"] == 100


def test_least_squares_adversarial_terms_without_a_half():
    t = MMNetTrainer(config())
    C = nn.Conv2d(3, 1, 1)
    with torch.no_grad():  # C(x) = 0.25 everywhere, whatever the image
        C.weight.zero_()
        C.bias.fill_(0.25)
    t.C = t.nets["C"] = C
    t.optimizers["D"] = t._adam(C.parameters())
    t.fit(dataset(), max_steps=1, progress=False)
    h = t.history[0]
    assert h["GAN"] == pytest.approx((0.25 - 1) ** 2)  # fakes judged real
    assert h["D"] == pytest.approx((0.25 - 1) ** 2 + 0.25**2)  # real -> 1, fake -> 0, summed


def test_autoencoders_and_noise_switch_as_configured():
    data = dataset()
    batch = batch_of(data)
    for ae, n_fakes in ((True, 8), (False, 4)):
        t = MMNetTrainer(config(autoencoders=ae))
        _, fakes = t.generator_terms(batch, 2)
        assert fakes.shape[0] == n_fakes  # T_SR, T_DR (+ T_RR of both sets)
        _, fakes1 = t.generator_terms(batch, 1)
        assert fakes1.shape[0] == 4  # no auto-encoders in stage 1
    quiet = MMNetTrainer(config(noise_std=0.0))
    a, b = quiet.generator_terms(batch, 2)[0], quiet.generator_terms(batch, 2)[0]
    assert a["L2"].item() == b["L2"].item()
    noisy = MMNetTrainer(config(noise_std=0.5))
    a, b = noisy.generator_terms(batch, 2)[0], noisy.generator_terms(batch, 2)[0]
    assert a["L2"].item() != b["L2"].item()
    assert "LAT" not in MMNetTrainer(config(latent_consistency=False)).generator_terms(
        batch, 2)[0]


@pytest.mark.parametrize("trains_decoders", [True, False])
def test_pseudo_pairs_never_update_the_rgb_translators(trains_decoders):
    t = MMNetTrainer(config(pp_trains_decoders=trains_decoders, noise_std=0.0))
    batch = batch_of(dataset())
    p = t.parts
    y = one_hot_labels(batch["S"], K)
    loss = t.pseudo_pair_terms(p["f_R"](batch["R_RS"]), p["f_S"](y), p["f_R"](batch["R_RD"]),
                               p["f_D"](batch["D"]), noisy=False)
    loss.backward()

    def has_grad(name):
        return any(q.grad is not None and q.grad.abs().sum() > 0
                   for q in p[name].parameters())

    assert not has_grad("f_R") and not has_grad("g_R")
    assert has_grad("f_S") and has_grad("f_D")
    assert has_grad("g_D") == trains_decoders and has_grad("g_S") == trains_decoders


@pytest.mark.parametrize("side", SIDE_INFORMATION)
def test_smoke_training_and_every_translation(side):
    t = MMNetTrainer(config(side_information=side))
    t.fit(dataset(), progress=False)
    assert all(math.isfinite(v) for h in t.history for v in h.values())
    x = inputs(3, seed=5)
    shapes = {"R": (3, 3, SIZE, SIZE), "D": (3, 1, SIZE, SIZE), "S": (3, K, SIZE, SIZE)}
    for name, (i, j) in MMNET_TRANSLATORS.items():
        out = t.translate(i, j, x[i])
        assert out.shape == shapes[j], name
        assert bool(torch.isfinite(out).all())
    # the unseen pair takes labels as ids or one-hot maps alike
    assert torch.allclose(t.translate("S", "D", x["S"]),
                          t.translate("S", "D", one_hot_labels(x["S"], K)))
    assert t.parts["f_R"].training  # translate restores the training mode
    with pytest.raises(ValueError, match="modality"):
        t.translate("D", "N", x["D"])
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        t.translate("D", "S", x["R"])


def test_multimodal_translation_mixes_the_codes_with_the_first_side_information():
    t = MMNetTrainer(config())
    t.fit(dataset(), max_steps=2, progress=False)
    x = inputs(2, seed=6)
    rgb_only = t.translate_multimodal("R", x["R"], "D", x["D"], "S", alpha=0.0)
    assert torch.allclose(rgb_only, t.translate("R", "S", x["R"]), atol=1e-6)
    # alpha = 1: depth's code with RGB's pooling indices
    lat_R, lat_D = t.latents("R", x["R"]), t.latents("D", x["D"])
    g_S = t.parts["g_S"].eval()
    with torch.no_grad():
        expected = g_S(lat_R.with_code(lat_D.h))
    depth_code = t.translate_multimodal("R", x["R"], "D", x["D"], "S", alpha=1.0)
    assert torch.allclose(depth_code, expected, atol=1e-6)
    assert not torch.allclose(depth_code, t.translate("D", "S", x["D"]), atol=1e-4)
    mixed = t.translate_multimodal("R", x["R"], "D", x["D"], "S")  # alpha = 0.2
    assert mixed.shape == (2, K, SIZE, SIZE)
    with pytest.raises(ValueError, match="alpha"):
        t.translate_multimodal("R", x["R"], "D", x["D"], "S", alpha=1.5)


def test_resume_equals_uninterrupted(tmp_path):
    data = dataset()

    def make(run_dir):
        return MMNetTrainer(config(), run_dir)

    full = make(tmp_path / "full")
    full.fit(data, progress=False)  # 6 steps: stages 1, 2, 3 (noise in 2 and 3)
    assert full.global_step == 6
    part = make(tmp_path / "part")
    part.fit(data, max_steps=3, progress=False)  # stops inside stage 2, mid-epoch
    assert part.global_step == 3 and part.step_in_epoch == 1
    resumed = make(tmp_path / "part")  # a fresh process: the checkpoint suffices
    resumed.fit(data, progress=False)
    assert resumed.global_step == 6
    _assert_same(_weights(full), _weights(resumed))
    assert resumed.history == full.history
    assert full.learning_rate == resumed.learning_rate
    assert (tmp_path / "part" / "samples").is_dir()
    other = MMNetTrainer(config(side_information="skip"), tmp_path / "part")
    with pytest.raises(ValueError, match="side_information: checkpoint 'indices' vs now 'skip'"):
        other.fit(data, progress=False)


def test_same_seed_same_weights_and_other_seed_differs():
    def run(seed):
        t = MMNetTrainer(config(seed=seed))
        t.fit(dataset(), max_steps=3, progress=False)
        return t

    a, b, c = run(0), run(0), run(1)
    _assert_same(_weights(a), _weights(b))
    assert a.history == b.history
    assert not torch.equal(a.parts["f_D"].state_dict()["levels.0.0.weight"],
                           c.parts["f_D"].state_dict()["levels.0.0.weight"])


def test_stored_parts_rebuild_any_translator():
    t = MMNetTrainer(config())
    t.fit(dataset(), max_steps=2, progress=False)
    state = t.generator_state()
    assert sorted(state) == sorted(["f_R", "g_R", "f_D", "g_D", "f_S", "g_S"])
    x = inputs(2, seed=9)
    for name, src in (("T_DS", "D"), ("T_SD", "S"), ("T_RS", "R")):
        G = generator_from_config(t.config.to_dict(), name)
        G.load_state_dict(mmnet_translator_state(state, name))
        G.eval()
        inp = one_hot_labels(x["S"], K) if src == "S" else x[src]
        with torch.no_grad():
            out = G(inp)
        expected = t.translate(src, name[-1], x[src])
        if name[-1] != "S":
            out = out.clamp(-1, 1)
        assert torch.allclose(out, expected, atol=1e-6), name
    part = generator_from_config(t.config.to_dict(), "f_D")
    part.load_state_dict(state["f_D"])
    with pytest.raises(ValueError, match="not an M&MNets one"):
        generator_from_config({"netG": "unet_32"}, "T_DS")
    with pytest.raises(ValueError, match="Unknown M&MNets translator"):
        mmnet_translator_state(state, "T_XY")


def test_the_command_line_refuses_mmnets_checkpoints_with_a_clear_error(tmp_path, capsys):
    from PIL import Image

    from i2ilib.cli import main

    t = MMNetTrainer(config(), tmp_path / "run")
    t.fit(dataset(), max_steps=1, progress=False)
    img = tmp_path / "x.png"
    Image.new("RGB", (SIZE, SIZE)).save(img)
    status = main(["translate", "--checkpoint", str(t.checkpoint_path), str(img), "--out",
                   str(tmp_path / "out"), "--device", "cpu"])
    err = capsys.readouterr().err
    assert status == 1 and "MMNetTrainer.translate(source, target, x)" in err
    from i2ilib.cli import _pick_generator  # a stored run's generators.pt holds the six parts

    with pytest.raises(ValueError, match="mix and match networks"):
        _pick_generator(tmp_path, list(t.generator_state()), None)


def test_batches_are_checked():
    t = MMNetTrainer(config())
    batch = batch_of(dataset())
    with pytest.raises(KeyError, match="R_RD"):
        t.check_batch({k: v for k, v in batch.items() if k != "R_RD"})
    with pytest.raises(ValueError, match="class ids in"):
        t.check_batch({**batch, "S": batch["S"] + K})
    with pytest.raises(ValueError, match="NaN"):
        t.check_batch({**batch, "D": batch["D"] * float("nan")})
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        t.check_batch({**batch, "D": batch["R_RD"]})


# ------------------------------------------------------------------------------- data


def test_depth_encodings_hand_computed_and_invertible():
    d = torch.tensor([MIN_DEPTH, math.sqrt(MIN_DEPTH * MAX_DEPTH), MAX_DEPTH, 1000.0])
    assert encode_depth(d, "log").tolist() == pytest.approx([-1.0, 0.0, 1.0, 1.0], abs=1e-6)
    lin = torch.tensor([MIN_DEPTH, (MIN_DEPTH + MAX_DEPTH) / 2, MAX_DEPTH])
    assert encode_depth(lin, "linear").tolist() == pytest.approx([-1.0, 0.0, 1.0], abs=1e-6)
    for enc in ("log", "linear"):
        x = torch.tensor([2.0, 11.5, 300.0])
        assert decode_depth(encode_depth(x, enc), enc).tolist() == pytest.approx(x.tolist(),
                                                                                 rel=1e-5)
    assert decode_depth(torch.tensor([5.0, -5.0])).tolist() == pytest.approx([MAX_DEPTH,
                                                                              MIN_DEPTH])
    with pytest.raises(ValueError, match="depth encoding"):
        encode_depth(d, "inverse")


def test_zero_pair_sets_are_disjoint_deterministic_and_the_test_set_has_all_three():
    data = zero_pair_scenes(2, 2, size=SIZE, seed=3)
    assert data.rs["R"].shape == (2, 3, SIZE, SIZE) and data.rs["S"].dtype == torch.int64
    assert data.rd["D"].shape == (2, 1, SIZE, SIZE) and "S" not in data.rd
    assert "D" not in data.rs
    assert set(data.test) == {"R", "S", "D", "depth_m"}
    # D_RS is scenes 0, 1 of the training split, D_RD scenes 2, 3, the test set its own split
    s0, s2 = render_scene(scene_key(3, 0), SIZE), render_scene(scene_key(3, 2), SIZE)
    t1 = render_scene(scene_key(3, 1, "test"), SIZE)
    assert torch.equal(data.rs["S"][0], torch.from_numpy(s0.labels))
    assert torch.allclose(data.rd["R"][0], torch.from_numpy(s2.photo).permute(2, 0, 1).float()
                          / 127.5 - 1)
    assert torch.equal(data.test["S"][1], torch.from_numpy(t1.labels))
    assert torch.equal(data.test["depth_m"][1], torch.from_numpy(t1.depth))
    assert not torch.equal(data.rs["R"][0], data.rd["R"][0])
    # the ground truth of the unseen pair: the encoded depth decodes to the metres
    scores = depth_scores(decode_depth(data.test["D"][:, 0]), data.test["depth_m"])
    assert scores["delta1"] == 1.0 and scores["rmse"] < 1e-3
    again = zero_pair_scenes(2, 2, size=SIZE, seed=3)
    for part in ("rs", "rd", "test"):
        for k, v in getattr(data, part).items():
            assert torch.equal(v, getattr(again, part)[k])
    assert not torch.equal(zero_pair_scenes(2, 0, size=SIZE, seed=4).rs["R"], data.rs["R"])
    item = data.train_dataset()[1]
    assert set(item) == {"R_RS", "S", "R_RD", "D"}
    with pytest.raises(ValueError, match="n_train"):
        zero_pair_scenes(0, 1, size=SIZE)


def test_dataset_of_unequal_sets_wraps_the_smaller_one():
    a, b = inputs(3), inputs(2, seed=1)
    ds = ZeroPairDataset({"R": a["R"], "S": a["S"]}, {"R": b["R"], "D": b["D"]})
    assert len(ds) == 3 and torch.equal(ds[2]["D"], b["D"][0])
    with pytest.raises(KeyError, match="D_RD"):
        ZeroPairDataset({"R": a["R"], "S": a["S"]}, {"R": b["R"]})
    with pytest.raises(IndexError):
        ds[3]


def test_the_columns_of_tables_4_4_and_4_5_by_hand():
    """Global accuracy, mean class accuracy and mIoU of a depth -> segmentation output, and the
    depth errors of eq. 4.15 of a segmentation -> depth output, on hand-sized maps."""
    target = torch.tensor([[[0, 0, 1, 1], [2, 2, 2, 2]]])
    pred = torch.tensor([[[0, 1, 1, 1], [2, 2, 0, 2]]])
    out = segmentation_scores(pred, target, num_classes=3)
    assert out["global_acc"] == pytest.approx(6 / 8)
    assert out["class_acc"] == pytest.approx((1 / 2 + 2 / 2 + 3 / 4) / 3)
    # IoU: class 0: 1 / (2 + 2 - 1); class 1: 2 / (2 + 3 - 2); class 2: 3 / (4 + 3 - 3)
    assert out["mean_iou"] == pytest.approx((1 / 3 + 2 / 3 + 3 / 4) / 3)
    gt = torch.tensor([[2.0, 4.0], [10.0, 100.0]])
    est = torch.tensor([[2.0, 5.0], [8.0, 300.0]])  # ratios 1, 1.25, 1.25, 3
    d = depth_scores(est, gt)
    assert (d["delta1"], d["delta2"], d["delta3"]) == (0.25, 0.75, 0.75)
    assert d["rmse"] == pytest.approx(math.sqrt((0 + 1 + 4 + 200**2) / 4))
    assert d["rmse_log"] == pytest.approx(
        math.sqrt((0 + 2 * math.log(1.25) ** 2 + math.log(3) ** 2) / 4))


def test_a_few_steps_on_synthscenes_train_the_real_pipeline():
    data = zero_pair_scenes(2, 2, size=SIZE, seed=0)
    t = MMNetTrainer(config(n_classes=12, stage1_steps=1, stage2_steps=1, stage3_steps=1))
    t.fit(data.train_dataset(), progress=False)
    assert t.global_step == 3 and all(math.isfinite(h["total"]) for h in t.history)
    pred = t.translate("D", "S", data.test["D"]).argmax(1)
    assert pred.shape == data.test["S"].shape
    depth = decode_depth(t.translate("S", "D", data.test["S"])[:, 0])
    assert depth_scores(depth, data.test["depth_m"])["n_valid"] == 2 * SIZE * SIZE
    np.testing.assert_array_less(0, depth.numpy())
    assert F.one_hot(pred, 12).shape[-1] == 12
