"""The ResNet generator of CycleGAN (Johnson et al.'s style-transfer network).

In the notation of CycleGAN (Zhu et al. 2017, Appendix 7.2), repeated in the implicit-pairs
paper's appendix ("Architectures", CycleGAN), with ``ngf = 64`` and ``n_blocks = 9``::

    c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3

* ``c7s1-k``: reflection pad 3, 7x7 convolution, stride 1, ``k`` filters, norm, ReLU;
  the last one (``c7s1-3``) has no norm and ends in ``tanh``.
* ``dk``: 3x3 convolution, stride 2, padding 1, ``k`` filters, norm, ReLU (downsampling).
* ``Rk``: residual block ``x + [pad 1, conv3x3, norm, ReLU, (dropout 0.5), pad 1, conv3x3,
  norm](x)``, ``k`` filters on both convolutions.
* ``uk``: 3x3 transposed convolution, stride 1/2 (``stride=2, padding=1, output_padding=1``),
  ``k`` filters, norm, ReLU (upsampling).

``ngf`` (width), ``n_blocks`` (depth) and ``n_downsampling`` are parameters so that book-scale
runs can shrink the network; ``resnet_6blocks`` is the variant the reference uses for 128 px.

The module layout is the reference implementation's, so its ``state_dict`` keys are
identical (``model.1.weight`` = first conv, ``model.10.conv_block.1.weight`` = first conv of the
first residual block, ...): official checkpoints load with ``strict=True``
(:mod:`i2ilib.nets.official`).
"""

from __future__ import annotations

from torch import Tensor, nn

from .norm import get_norm_layer, uses_conv_bias

PADDING_TYPES = ("reflect", "replicate", "zero")


def _padding(padding_type: str, amount: int) -> tuple[list[nn.Module], int]:
    """Explicit padding modules and the conv's own ``padding`` for ``padding_type``."""
    if padding_type == "reflect":
        return [nn.ReflectionPad2d(amount)], 0
    if padding_type == "replicate":
        return [nn.ReplicationPad2d(amount)], 0
    if padding_type == "zero":
        return [], amount
    raise ValueError(
        f"Unknown padding_type {padding_type!r}: choose one of "
        f"{', '.join(repr(p) for p in PADDING_TYPES)}."
    )


class ResnetBlock(nn.Module):
    """``Rk``: ``x + F(x)`` with ``F`` = two 3x3 conv-norm layers (ReLU between, none after).

    Shapes: ``(N, dim, H, W) -> (N, dim, H, W)``.

    Layout (``conv_block.<i>``), reflect/replicate padding: ``0`` pad, ``1`` conv, ``2`` norm,
    ``3`` ReLU, [``4`` dropout], then pad, conv (``5``, or ``6`` with dropout), norm. Zero
    padding has no pad modules, so every index shifts down by one.
    """

    def __init__(
        self,
        dim: int,
        padding_type: str = "reflect",
        norm: str = "instance",
        use_dropout: bool = False,
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        norm_layer = get_norm_layer(norm)
        bias = uses_conv_bias(norm) if conv_bias is None else conv_bias
        layers: list[nn.Module] = []
        for second in (False, True):
            pad, p = _padding(padding_type, 1)
            layers += pad
            layers += [nn.Conv2d(dim, dim, kernel_size=3, padding=p, bias=bias), norm_layer(dim)]
            if not second:
                layers.append(nn.ReLU(True))
                if use_dropout:
                    layers.append(nn.Dropout(0.5))
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator: ``c7s1-ngf, d(2 ngf), d(4 ngf), R(4 ngf) x n_blocks, u(2 ngf),
    u(ngf), c7s1-output_nc`` (see the module docstring).

    Args:
        input_nc: channels of the input images.
        output_nc: channels of the output images.
        ngf: filters of the first layer (64 in the papers); the bottleneck has
            ``ngf * 2**n_downsampling``.
        norm: ``"instance"`` (CycleGAN), ``"batch"`` or ``"none"``.
        use_dropout: dropout 0.5 inside every residual block (off in CycleGAN).
        n_blocks: residual blocks (9 for 256 px, 6 for 128 px in the reference).
        padding_type: ``"reflect"`` (published), ``"replicate"`` or ``"zero"``, inside blocks.
        n_downsampling: stride-2 layers before / transposed layers after the blocks (2).
        conv_bias: override the reference's conv-bias rule (see :mod:`i2ilib.nets.norm`).

    Shapes:
        ``(N, input_nc, H, W) -> (N, output_nc, H, W)``, values in ``(-1, 1)``. ``H`` and ``W``
        must be multiples of ``2**n_downsampling`` (else the output size would differ from the
        input size), and at least ``max(4, 2 * 2**n_downsampling)`` for the reflection pads.
    """

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: str = "instance",
        use_dropout: bool = False,
        n_blocks: int = 9,
        padding_type: str = "reflect",
        n_downsampling: int = 2,
        *,
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        for name, value, low in (
            ("input_nc", input_nc, 1),
            ("output_nc", output_nc, 1),
            ("ngf", ngf, 1),
            ("n_blocks", n_blocks, 0),
            ("n_downsampling", n_downsampling, 0),
        ):
            if not isinstance(value, int) or value < low:
                raise ValueError(
                    f"ResnetGenerator: {name} must be an integer >= {low}, got {value!r}."
                )
        _padding(padding_type, 1)  # validates the name
        norm_layer = get_norm_layer(norm)
        bias = uses_conv_bias(norm) if conv_bias is None else conv_bias
        self.input_nc, self.output_nc, self.ngf = input_nc, output_nc, ngf
        self.norm, self.n_blocks, self.n_downsampling = norm, n_blocks, n_downsampling
        self.padding_type = padding_type

        # c7s1-ngf
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, kernel_size=7, padding=0, bias=bias),
            norm_layer(ngf),
            nn.ReLU(True),
        ]
        # d(2 ngf), d(4 ngf)
        for i in range(n_downsampling):
            c_in, c_out = ngf * 2**i, ngf * 2 ** (i + 1)
            layers += [
                nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1, bias=bias),
                norm_layer(c_out),
                nn.ReLU(True),
            ]
        # R(4 ngf) x n_blocks
        dim = ngf * 2**n_downsampling
        layers += [
            ResnetBlock(dim, padding_type, norm, use_dropout, conv_bias=bias)
            for _ in range(n_blocks)
        ]
        # u(2 ngf), u(ngf)
        for i in range(n_downsampling, 0, -1):
            c_in, c_out = ngf * 2**i, ngf * 2 ** (i - 1)
            layers += [
                nn.ConvTranspose2d(
                    c_in, c_out, kernel_size=3, stride=2, padding=1, output_padding=1, bias=bias
                ),
                norm_layer(c_out),
                nn.ReLU(True),
            ]
        # c7s1-output_nc, tanh
        layers += [
            nn.ReflectionPad2d(3),
            nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0),
            nn.Tanh(),
        ]
        self.model = nn.Sequential(*layers)

    def check_input(self, x: Tensor) -> None:
        """Raise a ``ValueError`` if ``x`` does not fit this generator (channels or size)."""
        if x.dim() != 4 or x.shape[1] != self.input_nc:
            raise ValueError(
                f"ResnetGenerator expects (N, {self.input_nc}, H, W) input, got {tuple(x.shape)}."
            )
        factor = 2**self.n_downsampling
        h, w = x.shape[-2:]
        smallest = max(4, 2 * factor)  # reflection pads: 3 at the ends, 1 at the bottleneck
        if h % factor or w % factor or min(h, w) < smallest:
            raise ValueError(
                f"ResnetGenerator with n_downsampling={self.n_downsampling} needs H and W to be "
                f"multiples of {factor} and at least {smallest} (got {h}x{w}): resize or crop "
                "the images (e.g. crop_size 256 or 64)."
            )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, input_nc, H, W) -> (N, output_nc, H, W)``."""
        self.check_input(x)
        return self.model(x)
