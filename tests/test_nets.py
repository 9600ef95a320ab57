"""Tests for i2ilib.nets: shapes, receptive fields, initialisation, U-Net skips, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from i2ilib.nets import (
    NLayerDiscriminator,
    PixelDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    UnetSkipConnectionBlock,
    define_D,
    define_G,
    get_norm_layer,
    init_weights,
    measure_receptive_field,
    n_layers_for_receptive_field,
    parse_generator_name,
    patchgan_output_size,
    patchgan_receptive_field,
)


def n_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("norm", ["instance", "batch", "none"])
def test_resnet_generator_shapes(norm: str) -> None:
    net = ResnetGenerator(3, 2, ngf=4, norm=norm, n_blocks=2)
    for h, w in [(32, 32), (64, 64), (32, 48)]:
        y = net(torch.randn(2, 3, h, w, generator=seeded()))
        assert y.shape == (2, 2, h, w)
        assert y.abs().max() < 1  # tanh output


@pytest.mark.parametrize("n_down", [1, 2, 3])
def test_resnet_generator_depth_options(n_down: int) -> None:
    net = ResnetGenerator(1, 3, ngf=2, n_blocks=0, n_downsampling=n_down)
    assert net(torch.randn(1, 1, 32, 32)).shape == (1, 3, 32, 32)
    # bottleneck width is ngf * 2**n_downsampling
    block = ResnetGenerator(1, 3, ngf=2, n_blocks=1, n_downsampling=n_down).model[4 + 3 * n_down]
    assert block.conv_block[1].weight.shape == (2 * 2**n_down, 2 * 2**n_down, 3, 3)


@pytest.mark.parametrize(("num_downs", "sizes"), [(5, [(32, 32), (64, 96)]), (6, [(64, 64)])])
@pytest.mark.parametrize("skip", [True, False])
def test_unet_generator_shapes(num_downs: int, sizes: list, skip: bool) -> None:
    net = UnetGenerator(3, 1, num_downs=num_downs, ngf=4, skip=skip)
    for h, w in sizes:
        assert net(torch.randn(2, 3, h, w, generator=seeded())).shape == (2, 1, h, w)


def test_unet_trains_with_batch_of_one() -> None:
    """Innermost block has no down-norm, so batch norm never sees a single 1x1 value."""
    net = define_G("unet_32", 3, 3, ngf=4, norm="batch", use_dropout=True)
    net.train()
    assert net(torch.randn(1, 3, 32, 32)).shape == (1, 3, 32, 32)


@pytest.mark.parametrize("n_layers", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("size", [96, 128])
def test_nlayer_discriminator_shapes(n_layers: int, size: int) -> None:
    net = NLayerDiscriminator(6, ndf=4, n_layers=n_layers, norm="instance")
    y = net(torch.randn(2, 6, size, size + 32))
    n = max(n_layers, 1)
    assert y.shape == (2, 1, size // 2**n - 2, (size + 32) // 2**n - 2)
    assert patchgan_output_size(size, n_layers) == size // 2**n - 2


def test_patchgan_70_output_is_30x30_at_256() -> None:
    # the familiar 30x30 patch map of pix2pix/CycleGAN (256 px input, n_layers = 3)
    assert patchgan_output_size(256, 3) == 30


def test_pixel_discriminator_shape() -> None:
    net = PixelDiscriminator(4, ndf=8, norm="batch")
    assert net(torch.randn(3, 4, 17, 9)).shape == (3, 1, 17, 9)


def test_discriminator_output_has_channels_of_layers() -> None:
    net = NLayerDiscriminator(3, ndf=64, n_layers=5)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    # C64-C128-C256-C512-C512-C512 then 1 channel (pix2pix Appendix 6.1.2, 286x286)
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 512, 512, 1]
    assert [c.stride[0] for c in convs] == [2, 2, 2, 2, 2, 1, 1]


# ------------------------------------------------------- published parameter counts


@pytest.mark.parametrize(
    ("build", "millions"),
    [
        # what the reference implementation prints for its networks
        (lambda: define_G("resnet_9blocks", 3, 3, 64, norm="instance"), 11.378),
        (lambda: define_G("unet_256", 3, 3, 64, norm="batch", use_dropout=True), 54.414),
        (lambda: define_D("basic", 3, 64, norm="instance"), 2.765),
        (lambda: define_D("basic", 6, 64, norm="batch"), 2.769),
    ],
)
def test_parameter_counts_match_reference(build, millions: float) -> None:
    assert round(n_params(build()) / 1e6, 3) == millions


def test_residual_block_parameters_by_hand() -> None:
    # R256 = two 3x3 convs 256 -> 256 with biases (instance norm): 2 * (256*256*9 + 256)
    nine = n_params(define_G("resnet_9blocks", 3, 3, 64, norm="instance"))
    six = n_params(define_G("resnet_6blocks", 3, 3, 64, norm="instance"))
    assert nine - six == 3 * 2 * (256 * 256 * 9 + 256)


def test_resnet_layer_widths_follow_notation() -> None:
    """c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3."""
    net = ResnetGenerator(3, 3, 64, norm="instance", n_blocks=9)
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    widths = [c.out_channels for c in convs]
    assert widths == [64, 128, 256] + [256] * 18 + [128, 64, 3]
    kernels = [c.kernel_size[0] for c in convs]
    assert kernels == [7, 3, 3] + [3] * 18 + [3, 3, 7]
    ups = [c for c in convs if isinstance(c, nn.ConvTranspose2d)]
    assert [(u.stride, u.padding, u.output_padding) for u in ups] == [((2, 2), (1, 1), (1, 1))] * 2
    assert isinstance(net.model[0], nn.ReflectionPad2d) and isinstance(net.model[-1], nn.Tanh)


# ---------------------------------------------------------------- norm and bias


def test_get_norm_layer() -> None:
    bn = get_norm_layer("batch")(8)
    assert isinstance(bn, nn.BatchNorm2d) and bn.affine and bn.track_running_stats
    inn = get_norm_layer("instance")(8)
    assert isinstance(inn, nn.InstanceNorm2d)
    assert not inn.affine and not inn.track_running_stats
    assert isinstance(get_norm_layer("none")(8), nn.Identity)
    with pytest.raises(ValueError, match="Unknown norm 'group'.*'batch'.*'instance'.*'none'"):
        get_norm_layer("group")


@pytest.mark.parametrize(("norm", "bias"), [("instance", True), ("batch", False), ("none", False)])
def test_conv_bias_rule_of_reference(norm: str, bias: bool) -> None:
    keys = ResnetGenerator(3, 3, 4, norm=norm, n_blocks=1).state_dict().keys()
    assert ("model.1.bias" in keys) is bias
    assert "model.18.bias" in keys  # the output conv always has a bias (model.18 for 1 block)
    overridden = ResnetGenerator(3, 3, 4, norm=norm, n_blocks=1, conv_bias=True).state_dict()
    assert "model.1.bias" in overridden


def test_dropout_placement() -> None:
    unet = UnetGenerator(3, 3, num_downs=8, ngf=2, use_dropout=True)
    assert sum(isinstance(m, nn.Dropout) for m in unet.modules()) == 3  # CD512 x 3
    assert not any(
        isinstance(m, nn.Dropout) for m in UnetGenerator(3, 3, 8, 2, use_dropout=False).modules()
    )
    res = ResnetGenerator(3, 3, 2, n_blocks=4, use_dropout=True)
    assert sum(isinstance(m, nn.Dropout) for m in res.modules()) == 4
    assert isinstance(res.model[10].conv_block[4], nn.Dropout)


# ------------------------------------------------------------- receptive fields


@pytest.mark.parametrize(
    ("n_layers", "expected"), [(0, 16), (1, 16), (2, 34), (3, 70), (4, 142), (5, 286)]
)
def test_receptive_field_formula(n_layers: int, expected: int) -> None:
    assert patchgan_receptive_field(n_layers) == expected


@pytest.mark.parametrize("n_layers", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_receptive_field_measured_equals_formula(n_layers: int, norm: str) -> None:
    net = NLayerDiscriminator(3, ndf=2, n_layers=n_layers, norm=norm)
    init_weights(net, generator=seeded(n_layers))
    size = 2 ** max(n_layers, 1) * 16  # the field fits with a margin
    assert measure_receptive_field(net, 3, size) == patchgan_receptive_field(n_layers)


def test_receptive_field_286_measured() -> None:
    net = NLayerDiscriminator(3, ndf=1, n_layers=5)
    assert measure_receptive_field(net, 3, 384) == 286


def test_pixel_discriminator_receptive_field_is_one() -> None:
    assert measure_receptive_field(PixelDiscriminator(3, ndf=4), 3, 16) == 1


def test_measure_does_not_modify_net_and_rejects_small_inputs() -> None:
    net = NLayerDiscriminator(3, ndf=2, n_layers=3)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match="reaches the border"):
        measure_receptive_field(net, 3, 64)  # 70 px field does not fit in 64 px
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_receptive_field_of_resnet_generator_grows_16_px_per_block() -> None:
    """Each residual block adds two 3x3 convs at 1/4 resolution: 2 * 2 px there, 16 px in the
    input (n_downsampling = 2)."""

    def rf(blocks: int) -> int:
        net = ResnetGenerator(1, 1, ngf=1, n_blocks=blocks, n_downsampling=2)
        return measure_receptive_field(net, 1, 256)

    r0, r1, r2 = rf(0), rf(1), rf(2)
    assert r1 - r0 == 16 and r2 - r1 == 16  # each block: two 3x3 convs at stride 4 -> +2*2*4


def test_n_layers_for_receptive_field() -> None:
    assert [n_layers_for_receptive_field(r) for r in (16, 34, 70, 142, 286)] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="PixelDiscriminator"):
        n_layers_for_receptive_field(1)
    with pytest.raises(ValueError, match="No PatchGAN has a 64 px.*70 \\(n_layers=3\\)"):
        n_layers_for_receptive_field(64)
    with pytest.raises(ValueError):
        patchgan_receptive_field(-1)


# ------------------------------------------------------------------ initialisation


def test_normal_init_statistics() -> None:
    net = define_G("resnet_9blocks", 3, 3, 64, norm="instance", generator=seeded(1))
    w = torch.cat(
        [
            m.weight.flatten()
            for m in net.modules()
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
        ]
    )
    assert abs(w.std().item() - 0.02) < 2e-4  # 7.8 M samples
    assert abs(w.mean().item()) < 1e-4
    biases = [m.bias for m in net.modules() if isinstance(m, nn.Conv2d) and m.bias is not None]
    assert biases and all(torch.count_nonzero(b) == 0 for b in biases)


def test_batchnorm_init_is_n_1_002() -> None:
    net = define_G("unet_32", 3, 3, 64, norm="batch", generator=seeded(2))
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    scale = torch.cat([m.weight for m in bns])
    assert abs(scale.mean().item() - 1.0) < 0.003 and abs(scale.std().item() - 0.02) < 0.003
    assert all(torch.count_nonzero(m.bias) == 0 for m in bns)


def test_other_init_types() -> None:
    conv = nn.Conv2d(64, 128, 3)
    init_weights(conv, "xavier", 0.02, generator=seeded(3))
    fan_in, fan_out = 64 * 9, 128 * 9
    assert conv.weight.std().item() == pytest.approx(
        0.02 * math.sqrt(2 / (fan_in + fan_out)), rel=0.03
    )
    init_weights(conv, "kaiming", generator=seeded(3))
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.03)
    init_weights(conv, "orthogonal", 0.5, generator=seeded(3))
    flat = conv.weight.reshape(128, -1)
    assert torch.allclose(flat @ flat.T, 0.25 * torch.eye(128), atol=1e-5)
    with pytest.raises(ValueError, match="Unknown init_type 'uniform'"):
        init_weights(conv, "uniform")


def test_init_is_deterministic_by_generator() -> None:
    a = define_D("basic", 3, 8, generator=seeded(5)).state_dict()
    b = define_D("basic", 3, 8, generator=seeded(5)).state_dict()
    c = define_D("basic", 3, 8, generator=seeded(6)).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["model.0.weight"], c["model.0.weight"])


# ------------------------------------------------------------- U-Net without skips


def test_unet_block_skip_concatenates_input() -> None:
    torch.manual_seed(0)
    inner = UnetSkipConnectionBlock(8, 8, innermost=True, norm="none")
    x = torch.randn(1, 8, 4, 4)
    y = inner(x)
    assert y.shape == (1, 16, 4, 4)
    assert torch.equal(y[:, :8], x)  # the input is not modified in place
    inner_noskip = UnetSkipConnectionBlock(8, 8, innermost=True, norm="none", skip=False)
    inner_noskip.load_state_dict(inner.state_dict())
    assert torch.equal(inner_noskip(x), y[:, 8:])


def test_unet_noskip_changes_decoder_channels_only() -> None:
    ngf = 8
    with_skip = UnetGenerator(3, 3, num_downs=5, ngf=ngf)
    without = UnetGenerator(3, 3, num_downs=5, ngf=ngf, skip=False)
    a, b = with_skip.state_dict(), without.state_dict()
    assert a.keys() == b.keys()
    assert a["model.model.3.weight"].shape == (2 * ngf, 3, 4, 4)
    assert b["model.model.3.weight"].shape == (ngf, 3, 4, 4)
    # every transposed conv except the innermost (first in module order) loses half its input
    ups_a = [m for m in with_skip.modules() if isinstance(m, nn.ConvTranspose2d)]
    ups_b = [m for m in without.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [u.in_channels for u in ups_a][1:] == [2 * u.in_channels for u in ups_b][1:]
    assert [u.in_channels for u in ups_b] == [8 * ngf, 8 * ngf, 4 * ngf, 2 * ngf, ngf]
    assert ups_a[0].in_channels == ups_b[0].in_channels == 8 * ngf
    saved = sum(u.weight.numel() for u in ups_a) - sum(u.weight.numel() for u in ups_b)
    assert n_params(with_skip) - n_params(without) == saved


def test_unet_noskip_outputs_differ_and_lose_fine_detail() -> None:
    """Without skips, the output depends on the input only through the 1x1 bottleneck: two
    inputs that differ only in one pixel's high-frequency detail give outputs differing
    everywhere alike; with skips the change stays local (largest near the pixel)."""
    torch.manual_seed(0)
    x = torch.randn(1, 1, 32, 32)
    x2 = x.clone()
    x2[0, 0, 3, 3] += 1.0
    for skip in (True, False):
        net = define_G("unet_32" if skip else "unet_32_noskip", 1, 1, 8, norm="none")
        with torch.no_grad():
            d = (net(x2) - net(x)).abs()[0, 0]
        near, far = d[:8, :8].max(), d[16:, 16:].max()
        if skip:
            assert near > 5 * far
        else:
            assert near < 5 * far


# --------------------------------------------------------------------- factories


@pytest.mark.parametrize(
    ("name", "cls", "size"),
    [
        ("resnet_9blocks", ResnetGenerator, 32),
        ("resnet_6blocks", ResnetGenerator, 32),
        ("unet_32", UnetGenerator, 32),
        ("unet_64", UnetGenerator, 64),
        ("unet_128", UnetGenerator, 128),
        ("unet_256", UnetGenerator, 256),
    ],
)
def test_define_G_names(name: str, cls: type, size: int) -> None:
    net = define_G(name, 3, 2, ngf=2, norm="instance")
    assert isinstance(net, cls)
    with torch.no_grad():
        assert net(torch.randn(1, 3, size, size)).shape == (1, 2, size, size)


def test_define_G_encodes_depth() -> None:
    assert define_G("resnet_6blocks", ngf=2).n_blocks == 6
    assert define_G("resnet_9blocks", ngf=2).n_blocks == 9
    assert define_G("unet_128", ngf=2).num_downs == 7
    assert parse_generator_name("unet_256_noskip") == {
        "arch": "unet",
        "num_downs": 8,
        "skip": False,
    }


@pytest.mark.parametrize("base", ["resnet_2blocks", "unet_32"])
def test_residual_generator_starts_as_the_identity_and_learns(base: str) -> None:
    from i2ilib.nets.residual import ResidualGenerator

    assert parse_generator_name(f"{base}_residual") == {**parse_generator_name(base),
                                                         "residual": True}
    assert "residual" not in parse_generator_name(base)
    G = define_G(f"{base}_residual", ngf=4, norm="instance", generator=seeded())
    assert isinstance(G, ResidualGenerator)
    x = torch.rand(2, 3, 32, 32, generator=seeded(1)) * 2 - 1
    assert torch.equal(G(x), x)
    loss = (G(x) - x.flip(-1)).abs().mean()
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())
    with pytest.raises(ValueError, match="input_nc == output_nc"):
        define_G(f"{base}_residual", 1, 3, ngf=4)
    with pytest.raises(ValueError, match="Unknown generator"):
        parse_generator_name(f"{base}_residual_residual")


def test_cyclegan_n_blocks_keeps_the_residual_output() -> None:
    from i2ilib.train import CycleGANConfig

    assert CycleGANConfig(netG="resnet_6blocks_residual", n_blocks=2).netG == (
        "resnet_2blocks_residual")
    assert CycleGANConfig(netG="resnet_6blocks", n_blocks=2).netG == "resnet_2blocks"


@pytest.mark.parametrize(
    ("name", "n_layers"), [("basic", 3), ("patch_16", 1), ("patch_70", 3), ("patch_286", 5)]
)
def test_define_D_names(name: str, n_layers: int) -> None:
    net = define_D(name, 3, ndf=2, norm="instance")
    assert isinstance(net, NLayerDiscriminator) and net.n_layers == n_layers
    assert define_D("n_layers", 3, ndf=2, n_layers_D=4).n_layers == 4
    assert isinstance(define_D("pixel", 3, ndf=2), PixelDiscriminator)
    assert isinstance(define_D("patch_1", 3, ndf=2), PixelDiscriminator)


# ------------------------------------------------------------------------ errors


def test_unknown_names_raise() -> None:
    with pytest.raises(ValueError, match="Unknown generator netG='resnet'.*resnet_9blocks"):
        define_G("resnet")
    with pytest.raises(ValueError, match="power of two >= 32"):
        define_G("unet_100")
    with pytest.raises(ValueError, match="Unknown discriminator netD='patch'.*basic"):
        define_D("patch", 3)
    with pytest.raises(ValueError, match="No PatchGAN has a 50 px"):
        define_D("patch_50", 3)
    with pytest.raises(ValueError, match="Unknown norm 'layer'"):
        define_G("unet_32", norm="layer")
    with pytest.raises(ValueError, match="Unknown padding_type 'circular'"):
        ResnetGenerator(padding_type="circular")
    with pytest.raises(ValueError, match="num_downs must be an integer >= 5"):
        UnetGenerator(num_downs=4)
    with pytest.raises(ValueError, match="n_blocks must be an integer >= 0"):
        ResnetGenerator(n_blocks=-1)


def test_bad_input_sizes_raise() -> None:
    with pytest.raises(ValueError, match="divisible by 2\\*\\*5 = 32 \\(got 48x32\\)"):
        UnetGenerator(3, 3, num_downs=5, ngf=2)(torch.randn(1, 3, 48, 32))
    with pytest.raises(ValueError, match="multiples of 4.*got 30x32"):
        ResnetGenerator(3, 3, ngf=2, n_blocks=1)(torch.randn(1, 3, 30, 32))
    with pytest.raises(ValueError, match="at least 48x48 px"):
        NLayerDiscriminator(3, ndf=2, n_layers=4)(torch.randn(1, 3, 40, 64))
    with pytest.raises(ValueError, match=r"expects \(N, 6, H, W\).*concatenated"):
        NLayerDiscriminator(6, ndf=2)(torch.randn(1, 3, 64, 64))
    with pytest.raises(ValueError, match=r"expects \(N, 1, H, W\)"):
        UnetGenerator(1, 1, 5, 2)(torch.randn(1, 3, 32, 32))


@pytest.mark.parametrize("netG", ["unet_32", "unet_32_noskip", "resnet_2blocks"])
@pytest.mark.parametrize("norm", ["batch", "instance", "none"])
def test_backward_reaches_every_parameter(netG: str, norm: str) -> None:
    """No in-place operation breaks autograd, and every layer is on the gradient path."""
    G = define_G(netG, 3, 3, 4, norm=norm, use_dropout=True, generator=seeded(7))
    x = torch.randn(2, 3, 32, 32, generator=seeded(8), requires_grad=True)
    G(x).square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in G.parameters())
