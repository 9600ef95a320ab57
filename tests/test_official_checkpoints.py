"""Loading checkpoints in the reference implementation's ``.pth`` layout.

The expected key names and shapes are written out here from the published architectures
(CycleGAN ``resnet_9blocks``: c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3; pix2pix
``unet_256``: C64-C128-C256-C512-C512-C512-C512-C512 / CD512-CD512-CD512-C512-C256-C128-C64)
and the reference module nesting, independently of i2ilib's classes; the outputs are
compared with a forward pass written with ``torch.nn.functional`` that reads weights by key.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F

from i2ilib.nets import (
    ResnetGenerator,
    define_D,
    define_G,
    describe_checkpoint,
    load_official_generator,
)

# --------------------------------------------------------------- expected layouts


def resnet_9blocks_layout(ngf: int = 64, input_nc: int = 3, output_nc: int = 3) -> OrderedDict:
    """Keys and shapes of CycleGAN's resnet_9blocks with instance norm (conv biases on)."""
    layout: OrderedDict = OrderedDict()

    def conv(name: str, c_out: int, c_in: int, k: int) -> None:
        layout[f"{name}.weight"] = (c_out, c_in, k, k)
        layout[f"{name}.bias"] = (c_out,)

    def deconv(name: str, c_in: int, c_out: int, k: int) -> None:
        layout[f"{name}.weight"] = (c_in, c_out, k, k)  # ConvTranspose2d stores (in, out, k, k)
        layout[f"{name}.bias"] = (c_out,)

    # model.0 pad | 1 conv | 2 norm | 3 relu   (c7s1-64)
    conv("model.1", ngf, input_nc, 7)
    # model.4/7: d128, d256 (each conv | norm | relu)
    conv("model.4", 2 * ngf, ngf, 3)
    conv("model.7", 4 * ngf, 2 * ngf, 3)
    # model.10 .. model.18: R256; inside: 0 pad | 1 conv | 2 norm | 3 relu | 4 pad | 5 conv | 6 norm
    for i in range(10, 19):
        conv(f"model.{i}.conv_block.1", 4 * ngf, 4 * ngf, 3)
        conv(f"model.{i}.conv_block.5", 4 * ngf, 4 * ngf, 3)
    # model.19/22: u128, u64 (each deconv | norm | relu); 25 pad | 26 conv | 27 tanh
    deconv("model.19", 4 * ngf, 2 * ngf, 3)
    deconv("model.22", 2 * ngf, ngf, 3)
    conv("model.26", output_nc, ngf, 7)
    return layout


def unet_prefix(level: int) -> str:
    """Key prefix of the Sequential of U-Net level ``level`` (0 = outermost): the submodule
    sits at index 1 of the outermost Sequential and at index 3 of every middle one."""
    if level == 0:
        return "model.model."
    return "model.model.1.model." + "3.model." * (level - 1)


def unet_256_layout(ngf: int = 64, input_nc: int = 3, output_nc: int = 3) -> OrderedDict:
    """Keys and shapes of pix2pix's unet_256 with batch norm (no conv bias before a norm)."""
    num_downs = 8
    widths = [ngf, 2 * ngf, 4 * ngf] + [8 * ngf] * (num_downs - 3)  # C64 ... C512 (encoder)
    layout: OrderedDict = OrderedDict()

    def bn(name: str, c: int) -> None:
        for leaf in ("weight", "bias", "running_mean", "running_var"):
            layout[f"{name}.{leaf}"] = (c,)
        layout[f"{name}.num_batches_tracked"] = ()

    for level in range(num_downs):
        p = unet_prefix(level)
        inner = widths[level]
        outer = output_nc if level == 0 else widths[level - 1]
        if level == 0:  # 0 down conv | 1 submodule | 2 relu | 3 deconv (bias) | 4 tanh
            layout[f"{p}0.weight"] = (inner, input_nc, 4, 4)
            layout[f"{p}3.weight"] = (2 * inner, outer, 4, 4)
            layout[f"{p}3.bias"] = (outer,)
        elif level < num_downs - 1:  # 0 lrelu | 1 conv | 2 bn | 3 sub | 4 relu | 5 deconv | 6 bn
            layout[f"{p}1.weight"] = (inner, outer, 4, 4)
            bn(f"{p}2", inner)
            layout[f"{p}5.weight"] = (2 * inner, outer, 4, 4)
            bn(f"{p}6", outer)
        else:  # innermost: 0 lrelu | 1 conv | 2 relu | 3 deconv | 4 bn
            layout[f"{p}1.weight"] = (inner, outer, 4, 4)
            layout[f"{p}3.weight"] = (inner, outer, 4, 4)
            bn(f"{p}4", outer)
    return layout


def random_state_dict(layout: OrderedDict, seed: int) -> OrderedDict:
    """Deterministic values that keep activations O(1): conv weights ~ N(0, 1/fan_in),
    biases and BN shifts ~ N(0, 0.1), BN scales ~ 1 + N(0, 0.1), running var in [0.5, 1.5]."""
    g = torch.Generator().manual_seed(seed)
    sd: OrderedDict = OrderedDict()
    for key, shape in layout.items():
        leaf = key.rsplit(".", 1)[1]
        if leaf == "num_batches_tracked":
            sd[key] = torch.tensor(1234, dtype=torch.long)
        elif leaf == "running_var":
            sd[key] = 0.5 + torch.rand(shape, generator=g)
        elif len(shape) == 4:
            fan = shape[1] * shape[2] * shape[3]
            sd[key] = torch.randn(shape, generator=g) / fan**0.5
        elif leaf == "weight":  # batch-norm scale
            sd[key] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[key] = 0.1 * torch.randn(shape, generator=g)
    return sd


def shapes_of(sd) -> OrderedDict:
    return OrderedDict((k, tuple(v.shape)) for k, v in sd.items())


# ------------------------------------------------------------- functional forwards


def resnet_forward(sd, x: torch.Tensor, n_blocks: int = 9) -> torch.Tensor:
    """resnet_9blocks / instance norm, written with torch.nn.functional."""

    def reflect(h, p):
        return F.pad(h, (p, p, p, p), mode="reflect")

    def conv(h, name, **kw):
        return F.conv2d(h, sd[f"{name}.weight"], sd[f"{name}.bias"], **kw)

    def deconv(h, name):
        return F.conv_transpose2d(
            h, sd[f"{name}.weight"], sd[f"{name}.bias"], stride=2, padding=1, output_padding=1
        )

    def inorm(h):
        return F.instance_norm(h, eps=1e-5)

    h = F.relu(inorm(conv(reflect(x, 3), "model.1")))
    h = F.relu(inorm(conv(h, "model.4", stride=2, padding=1)))
    h = F.relu(inorm(conv(h, "model.7", stride=2, padding=1)))
    for i in range(10, 10 + n_blocks):
        r = F.relu(inorm(conv(reflect(h, 1), f"model.{i}.conv_block.1")))
        h = h + inorm(conv(reflect(r, 1), f"model.{i}.conv_block.5"))
    h = F.relu(inorm(deconv(h, "model.19")))
    h = F.relu(inorm(deconv(h, "model.22")))
    return torch.tanh(conv(reflect(h, 3), "model.26"))


def unet_forward(sd, x: torch.Tensor, num_downs: int = 8) -> torch.Tensor:
    """unet_256 / batch norm in eval mode (running statistics, no dropout).

    The reference applies each inner block's LeakyReLU in place before concatenating, so its
    skip connection carries LeakyReLU(x); this forward does the same (i2ilib's skip carries x,
    which gives the same output because a ReLU follows every concatenation)."""

    def bn(h, name):
        return F.batch_norm(
            h,
            sd[f"{name}.running_mean"],
            sd[f"{name}.running_var"],
            sd[f"{name}.weight"],
            sd[f"{name}.bias"],
            training=False,
            eps=1e-5,
        )

    def down(h, name):
        return F.conv2d(h, sd[f"{name}.weight"], sd.get(f"{name}.bias"), stride=2, padding=1)

    def up(h, name):
        return F.conv_transpose2d(
            h, sd[f"{name}.weight"], sd.get(f"{name}.bias"), stride=2, padding=1
        )

    def level(k, h):
        p = unet_prefix(k)
        if k == 0:
            return torch.tanh(up(F.relu(level(1, down(h, p + "0"))), p + "3"))
        a = F.leaky_relu(h, 0.2)
        if k == num_downs - 1:
            u = bn(up(F.relu(down(a, p + "1")), p + "3"), p + "4")
        else:
            inner = level(k + 1, bn(down(a, p + "1"), p + "2"))
            u = bn(up(F.relu(inner), p + "5"), p + "6")
        return torch.cat([a, u], 1)

    return level(0, x)


# -------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cyclegan_sd() -> OrderedDict:
    return random_state_dict(resnet_9blocks_layout(), seed=1)


@pytest.fixture(scope="module")
def cyclegan_input() -> torch.Tensor:
    return torch.rand(2, 3, 64, 96, generator=torch.Generator().manual_seed(2)) * 2 - 1


@pytest.fixture(scope="module")
def cyclegan_expected(cyclegan_sd, cyclegan_input) -> torch.Tensor:
    with torch.no_grad():
        return resnet_forward(cyclegan_sd, cyclegan_input)


def run(net, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return net(x)


# ---------------------------------------------------------------------- layouts


def test_resnet_9blocks_layout_is_the_reference() -> None:
    layout = resnet_9blocks_layout()
    assert len(layout) == 48  # 3 + 2*9 + 3 convs, each weight + bias
    net = define_G("resnet_9blocks", 3, 3, 64, norm="instance")
    assert dict(shapes_of(net.state_dict())) == dict(layout)


def test_unet_256_layout_is_the_reference() -> None:
    layout = unet_256_layout()
    assert len(layout) == 82  # outermost 3, six middle levels x 12, innermost 7
    net = define_G("unet_256", 3, 3, 64, norm="batch", use_dropout=True)
    assert dict(shapes_of(net.state_dict())) == dict(layout)


# ---------------------------------------------------------------------- outputs


def test_cyclegan_checkpoint_gives_reference_outputs(
    cyclegan_sd, cyclegan_input, cyclegan_expected
) -> None:
    G = load_official_generator(
        cyclegan_sd,
        netG="resnet_9blocks",
        norm="instance",
        use_dropout=False,
        input_nc=3,
        output_nc=3,
        ngf=64,
    )
    assert not G.training
    y = run(G, cyclegan_input)
    assert cyclegan_expected.std() > 0.1  # a meaningful comparison, not saturated tanh
    assert torch.allclose(y, cyclegan_expected, rtol=0, atol=1e-6)


def test_pix2pix_checkpoint_gives_reference_outputs() -> None:
    sd = random_state_dict(unet_256_layout(), seed=3)
    x = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(4)) * 2 - 1
    G = load_official_generator(sd, netG="unet_256", norm="batch", use_dropout=True)
    with torch.no_grad():
        expected = unet_forward(sd, x)
        y = G(x)
    assert expected.std() > 0.1
    assert torch.allclose(y, expected, rtol=0, atol=1e-6)


def test_load_from_file_with_options_inferred(
    tmp_path, cyclegan_sd, cyclegan_input, cyclegan_expected
) -> None:
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(cyclegan_sd, path)
    G = load_official_generator(path)  # every option read from the checkpoint
    assert G.n_blocks == 9 and G.norm == "instance" and G.ngf == 64
    assert torch.allclose(run(G, cyclegan_input), cyclegan_expected, rtol=0, atol=1e-6)
    G2 = load_official_generator(str(path), netG="resnet_9blocks", norm="instance")
    assert torch.equal(run(G2, cyclegan_input), run(G, cyclegan_input))


def test_dataparallel_prefix_loads(cyclegan_sd, cyclegan_input, cyclegan_expected) -> None:
    prefixed = OrderedDict(("module." + k, v) for k, v in cyclegan_sd.items())
    G = load_official_generator(prefixed, netG="resnet_9blocks", norm="instance")
    assert torch.allclose(run(G, cyclegan_input), cyclegan_expected, rtol=0, atol=1e-6)


def test_old_instance_norm_running_stats_are_dropped(
    cyclegan_sd, cyclegan_input, cyclegan_expected
) -> None:
    """Checkpoints from before PyTorch 0.4 stored running statistics in InstanceNorm layers."""
    old = OrderedDict(cyclegan_sd)
    norms = ["model.2", "model.5", "model.8", "model.20", "model.23"]
    norms += [f"model.{i}.conv_block.{j}" for i in range(10, 19) for j in (2, 6)]
    widths = {"model.2": 64, "model.5": 128, "model.8": 256, "model.20": 128, "model.23": 64}
    for name in norms:
        width = widths.get(name, 256)
        old[f"{name}.running_mean"] = torch.full((width,), 5.0)  # would change outputs if used
        old[f"{name}.running_var"] = torch.full((width,), 9.0)
        old[f"{name}.num_batches_tracked"] = torch.tensor(7)
    info = describe_checkpoint(old)
    assert info["norm"] == "instance" and info["old_instance_stats"]
    G = load_official_generator(old, netG="resnet_9blocks", norm="instance")
    assert torch.allclose(run(G, cyclegan_input), cyclegan_expected, rtol=0, atol=1e-6)


def test_metadata_and_missing_num_batches_tracked() -> None:
    """A state_dict straight from a module (with _metadata) and an old batch-norm checkpoint
    without num_batches_tracked both load."""
    net = define_G(
        "unet_32",
        3,
        3,
        8,
        norm="batch",
        use_dropout=True,
        generator=torch.Generator().manual_seed(0),
    )
    sd = net.state_dict()
    assert hasattr(sd, "_metadata")
    old = OrderedDict((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    expected = run(net.eval(), x)
    for ckpt in (sd, old):
        G = load_official_generator(ckpt, netG="unet_32", norm="batch")
        assert torch.equal(run(G, x), expected)


# ------------------------------------------------------------------ description


@pytest.mark.parametrize(
    ("netG", "norm", "dropout", "expected"),
    [
        (
            "resnet_6blocks",
            "batch",
            True,
            {
                "arch": "resnet",
                "netG": "resnet_6blocks",
                "norm": "batch",
                "n_blocks": 6,
                "use_dropout": True,
                "conv_bias": False,
                "padding_type": "reflect",
                "n_downsampling": 2,
            },
        ),
        (
            "resnet_9blocks",
            "none",
            False,
            {"arch": "resnet", "norm": "none", "use_dropout": False, "conv_bias": False},
        ),
        (
            "unet_64",
            "instance",
            True,
            {
                "arch": "unet",
                "netG": "unet_64",
                "norm": "instance",
                "num_downs": 6,
                "skip": True,
                "use_dropout": None,
                "conv_bias": True,
            },
        ),
        (
            "unet_32_noskip",
            "batch",
            False,
            {"arch": "unet", "netG": "unet_32_noskip", "num_downs": 5, "skip": False},
        ),
    ],
)
def test_describe_checkpoint(netG: str, norm: str, dropout: bool, expected: dict) -> None:
    sd = define_G(netG, input_nc=1, output_nc=2, ngf=4, norm=norm, use_dropout=dropout).state_dict()
    info = describe_checkpoint(sd)
    assert info["ngf"] == 4 and info["input_nc"] == 1 and info["output_nc"] == 2
    assert {k: info[k] for k in expected} == expected


def test_describe_zero_padding_and_no_blocks() -> None:
    zero = ResnetGenerator(
        3, 3, 4, norm="instance", n_blocks=2, padding_type="zero", use_dropout=True
    )
    info = describe_checkpoint(zero.state_dict())
    assert info["padding_type"] == "zero" and info["use_dropout"] and info["n_blocks"] == 2
    bare = ResnetGenerator(3, 1, 4, norm="batch", n_blocks=0, n_downsampling=3)
    info = describe_checkpoint(bare.state_dict())
    assert info["n_blocks"] == 0 and info["n_downsampling"] == 3 and info["output_nc"] == 1
    G = load_official_generator(bare.state_dict())
    x = torch.randn(1, 3, 32, 32)
    assert torch.equal(run(G, x), run(bare.eval(), x))


# --------------------------------------------------------------------- mismatches


def small(netG: str, **kw) -> OrderedDict:
    options = {"input_nc": 3, "output_nc": 3, "ngf": 8, "norm": "instance", "use_dropout": False}
    options.update(kw)
    return define_G(netG, **options).state_dict()


@pytest.mark.parametrize(
    ("checkpoint", "request_", "message"),
    [
        (
            ("resnet_6blocks", {}),
            {"netG": "resnet_9blocks"},
            "checkpoint has 6 residual blocks but netG='resnet_9blocks': use netG='resnet_6blocks'",
        ),
        (
            ("resnet_9blocks", {"norm": "batch"}),
            {"norm": "instance"},
            (
                "checkpoint uses norm='batch' \\(its norm layers store weight.*\\) but "
                "norm='instance': use norm='batch'"
            ),
        ),
        (
            ("resnet_9blocks", {}),
            {"norm": "batch"},
            "checkpoint uses norm='instance' .* but norm='batch': use norm='instance'",
        ),
        (
            ("unet_32", {"norm": "none"}),
            {"norm": "instance"},
            "checkpoint uses norm='none' .* use norm='none'",
        ),
        (
            ("unet_64", {}),
            {"netG": "resnet_9blocks"},
            (
                "checkpoint is a U-Net generator \\(unet_64\\) but netG='resnet_9blocks': "
                "use netG='unet_64'"
            ),
        ),
        (
            ("resnet_6blocks", {}),
            {"netG": "unet_256"},
            "checkpoint is a ResNet generator \\(resnet_6blocks\\) but netG='unet_256'",
        ),
        (
            ("unet_64", {}),
            {"netG": "unet_256"},
            (
                "num_downs=6 \\(for 64 px images\\) but netG='unet_256' has num_downs=8: "
                "use netG='unet_64'"
            ),
        ),
        (
            ("unet_32_noskip", {}),
            {"netG": "unet_32"},
            "U-Net has no skip connections but netG='unet_32': use netG='unet_32_noskip'",
        ),
        (
            ("resnet_6blocks", {"use_dropout": True}),
            {"use_dropout": False},
            (
                "residual blocks contain dropout \\(second conv at conv_block.6\\) but "
                "use_dropout=False: use use_dropout=True"
            ),
        ),
        (("resnet_6blocks", {}), {"use_dropout": True}, "have no dropout .* use use_dropout=False"),
        (
            ("resnet_6blocks", {}),
            {"ngf": 64},
            "checkpoint has ngf=8 \\(its first convolution has 8 filters\\) but ngf=64: use ngf=8",
        ),
        (("unet_32", {"input_nc": 1}), {"input_nc": 3}, "input_nc=1 .* use input_nc=1"),
        (("resnet_6blocks", {"output_nc": 1}), {"output_nc": 3}, "output_nc=1 .* use output_nc=1"),
    ],
)
def test_mismatch_names_the_option(checkpoint, request_, message) -> None:
    netG, kw = checkpoint
    sd = small(netG, **kw)
    with pytest.raises(ValueError, match=message):
        load_official_generator(sd, **request_)


def test_every_mismatch_is_reported_at_once() -> None:
    sd = small("resnet_6blocks", norm="batch")
    with pytest.raises(ValueError) as err:
        load_official_generator(sd, netG="resnet_9blocks", norm="instance", ngf=64)
    text = str(err.value)
    assert "use netG='resnet_6blocks'" in text and "use norm='batch'" in text
    assert "use ngf=8" in text


def test_unet_dropout_cannot_be_checked_and_loads_either_way() -> None:
    sd = small("unet_64", norm="batch", use_dropout=False)  # one 8 ngf block can hold dropout
    for dropout in (True, False):
        G = load_official_generator(sd, netG="unet_64", norm="batch", use_dropout=dropout)
        assert any(isinstance(m, torch.nn.Dropout) for m in G.modules()) is dropout


def test_deep_layout_difference_is_reported() -> None:
    sd = small("resnet_6blocks")
    sd["model.12.conv_block.5.weight"] = torch.zeros(32, 32, 5, 5)
    with pytest.raises(ValueError, match="layout differs.*model.12.conv_block.5.weight"):
        load_official_generator(sd)


def test_not_a_generator() -> None:
    with pytest.raises(ValueError, match="NLayerDiscriminator .*latest_net_D_A.pth"):
        load_official_generator(define_D("basic", 3, 8).state_dict())
    with pytest.raises(ValueError, match="PixelDiscriminator"):
        describe_checkpoint(define_D("pixel", 3, 8).state_dict())
    with pytest.raises(ValueError, match="entry 'epoch' is a int, not a tensor"):
        load_official_generator({"epoch": 3, "model.1.weight": torch.zeros(1)})
    with pytest.raises(TypeError, match="path or a state_dict"):
        load_official_generator(42)


def test_bad_files(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="latest_net_G.pth"):
        load_official_generator(tmp_path / "latest_net_G.pth")
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="Could not read .*broken.pth"):
        load_official_generator(broken)
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="Could not read .*empty.pth.*empty \\(0 bytes\\)"):
        load_official_generator(empty)
    whole = tmp_path / "whole.pth"
    torch.save(small("resnet_6blocks"), whole)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[:1000])
    with pytest.raises(ValueError, match="Could not read .*cut.pth.*truncated") as err:
        load_official_generator(cut)
    assert "\n" not in str(err.value)
    listed = tmp_path / "list.pth"
    torch.save([torch.zeros(1)], listed)
    with pytest.raises(ValueError, match="holds a list, not a state_dict"):
        load_official_generator(listed)
