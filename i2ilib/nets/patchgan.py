"""PatchGAN discriminators (pix2pix, Isola et al. 2017, Sec. 3.2.2 and Sec. 4.4).

A PatchGAN classifies each ``N x N`` patch of its input as real or fake; run convolutionally,
it returns a map of scores, one per patch, that the GAN loss averages. In pix2pix's notation
(Appendix 6.1.2; implicit-pairs paper, appendix "Architectures"), ``Ck`` = 4x4
Convolution-Norm-LeakyReLU(0.2) with ``k`` filters, stride 2, no norm on the first layer; after
the last ``Ck`` a convolution maps to 1 channel. The 70x70 discriminator used by pix2pix and
CycleGAN is ``C64-C128-C256-C512`` (``n_layers = 3``; its ``C512`` has stride 1, as has the
final 1-channel conv).

=========== =================================== ================================
``n_layers`` layers (``ndf = 64``)                receptive field (px)
=========== =================================== ================================
1            C64-C128                             16   (pix2pix "16x16 PatchGAN")
2            C64-C128-C256                        34
3            C64-C128-C256-C512                   70   (the default, ``netD="basic"``)
4            C64-C128-C256-C512-C512              142
5            C64-C128-C256-C512-C512-C512         286  ("ImageGAN" at 256 px)
=========== =================================== ================================

``PixelDiscriminator`` is the 1x1 "PixelGAN" (pix2pix Sec. 4.4). Receptive fields are
computed by :func:`i2ilib.nets.receptive_field.patchgan_receptive_field` and checked
numerically by :func:`~i2ilib.nets.receptive_field.measure_receptive_field`.

Both return raw scores (no sigmoid): :class:`i2ilib.losses.GANLoss` applies the loss on logits.
Module layouts follow the reference implementation (``model.<i>`` / ``net.<i>``).
"""

from __future__ import annotations

from torch import Tensor, nn

from .norm import get_norm_layer, uses_conv_bias


def patchgan_output_size(size: int, n_layers: int) -> int:
    """Side of the score map that :class:`NLayerDiscriminator` returns for a ``size`` input.

    Each stride-2 4x4 conv (padding 1) maps ``s -> floor(s / 2)``; each stride-1 one ``s -> s - 1``.
    There are ``max(n_layers, 1)`` stride-2 convs and two stride-1 ones, so the side is
    ``size // 2**max(n_layers, 1) - 2`` (e.g. 30 for 256 px and ``n_layers = 3``).
    """
    return size // 2 ** max(n_layers, 1) - 2


class NLayerDiscriminator(nn.Module):
    """The PatchGAN with ``n_layers`` stride-2 layers (see the module docstring).

    Args:
        input_nc: input channels (pix2pix: ``input_nc + output_nc``, since it judges the pair).
        ndf: filters of the first layer; layer ``n`` has ``ndf * min(2**n, 8)``.
        n_layers: 3 for the 70x70 PatchGAN; 1 -> 16, 2 -> 34, 4 -> 142, 5 -> 286 px
            (``n_layers = 0`` builds the same strides as 1, with narrower layers).
        norm: ``"batch"`` (pix2pix), ``"instance"`` (CycleGAN) or ``"none"``.
        conv_bias: override the reference's conv-bias rule (see :mod:`i2ilib.nets.norm`).

    Shapes:
        ``(N, input_nc, H, W) -> (N, 1, H', W')`` with ``H' = H // 2**max(n_layers, 1) - 2``.
    """

    def __init__(
        self,
        input_nc: int,
        ndf: int = 64,
        n_layers: int = 3,
        norm: str = "batch",
        *,
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        for name, value, low in (
            ("input_nc", input_nc, 1),
            ("ndf", ndf, 1),
            ("n_layers", n_layers, 0),
        ):
            if not isinstance(value, int) or value < low:
                raise ValueError(
                    f"NLayerDiscriminator: {name} must be an integer >= {low}, got {value!r}."
                )
        norm_layer = get_norm_layer(norm)
        bias = uses_conv_bias(norm) if conv_bias is None else conv_bias
        self.input_nc, self.ndf, self.n_layers, self.norm = input_nc, ndf, n_layers, norm

        layers: list[nn.Module] = [
            nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1),
            nn.LeakyReLU(0.2, True),
        ]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, kernel_size=4, stride=2, padding=1, bias=bias),
                norm_layer(ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        prev, mult = mult, min(2**n_layers, 8)
        layers += [
            nn.Conv2d(ndf * prev, ndf * mult, kernel_size=4, stride=1, padding=1, bias=bias),
            norm_layer(ndf * mult),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * mult, 1, kernel_size=4, stride=1, padding=1),
        ]
        self.model = nn.Sequential(*layers)

    def check_input(self, x: Tensor) -> None:
        """Raise a ``ValueError`` if ``x`` has the wrong channels or is too small."""
        if x.dim() != 4 or x.shape[1] != self.input_nc:
            raise ValueError(
                f"NLayerDiscriminator expects (N, {self.input_nc}, H, W) input, got "
                f"{tuple(x.shape)}"
                + (" (pix2pix's D sees input and output concatenated)." if x.dim() == 4 else ".")
            )
        smallest = 3 * 2 ** max(self.n_layers, 1)
        if min(x.shape[-2:]) < smallest:
            raise ValueError(
                f"NLayerDiscriminator with n_layers={self.n_layers} needs images of at least "
                f"{smallest}x{smallest} px (got {x.shape[-2]}x{x.shape[-1]}): use fewer layers "
                "(smaller patches) or larger images."
            )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, input_nc, H, W) -> (N, 1, H', W')`` patch scores (logits)."""
        self.check_input(x)
        return self.model(x)


class PixelDiscriminator(nn.Module):
    """The 1x1 PatchGAN ("PixelGAN", pix2pix Sec. 4.4): three 1x1 convolutions.

    ``conv1x1(input_nc -> ndf), LeakyReLU, conv1x1(ndf -> 2 ndf), norm, LeakyReLU,
    conv1x1(2 ndf -> 1)``; each pixel is judged on its own colour (receptive field 1 px).

    Shapes: ``(N, input_nc, H, W) -> (N, 1, H, W)``.
    """

    def __init__(
        self, input_nc: int, ndf: int = 64, norm: str = "batch", *, conv_bias: bool | None = None
    ) -> None:
        super().__init__()
        for name, value in (("input_nc", input_nc), ("ndf", ndf)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"PixelDiscriminator: {name} must be an integer >= 1, got {value!r}."
                )
        norm_layer = get_norm_layer(norm)
        bias = uses_conv_bias(norm) if conv_bias is None else conv_bias
        self.input_nc, self.ndf, self.norm = input_nc, ndf, norm
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, kernel_size=1, stride=1, padding=0),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, kernel_size=1, stride=1, padding=0, bias=bias),
            norm_layer(ndf * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, kernel_size=1, stride=1, padding=0, bias=bias),
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, input_nc, H, W) -> (N, 1, H, W)`` per-pixel scores (logits)."""
        if x.dim() != 4 or x.shape[1] != self.input_nc:
            raise ValueError(
                f"PixelDiscriminator expects (N, {self.input_nc}, H, W) input, "
                f"got {tuple(x.shape)}."
            )
        return self.net(x)
