"""The U-Net generator of pix2pix ("generator with skips", Isola et al. 2017, Sec. 3.2.1).

In pix2pix's notation (its Appendix 6.1.1, repeated in the implicit-pairs paper's appendix,
"Architectures", Pix2Pix), ``Ck`` = Convolution-BatchNorm-ReLU with ``k`` filters, ``CDk`` =
Convolution-BatchNorm-Dropout(0.5)-ReLU; 4x4 convolutions, stride 2; encoder ReLUs are leaky
(slope 0.2), decoder ReLUs are not; the first encoder layer has no norm. For ``unet_256``
(``num_downs = 8``, ``ngf = 64``)::

    encoder: C64 - C128 - C256 - C512 - C512 - C512 - C512 - C512
    decoder: CD512 - CD512 - CD512 - C512 - C256 - C128 - C64  (then conv to output_nc, tanh)

The decoder widths are those of each layer's *output*; with skips every decoder layer also
receives the mirrored encoder activation, concatenated on the channel axis, so its input has
twice the channels (pix2pix writes the decoder as ``CD512-CD1024-CD1024-C1024-C1024-C512-C256-
C128`` counting those). Dropout sits in the ``num_downs - 5`` inner blocks of width ``8 ngf``.

The network is built recursively from the innermost block outwards, exactly as the reference
implementation does, so that ``state_dict`` keys match (``model.model.0.weight`` = first conv,
``model.model.1.model.1.weight`` = second conv, ``model.model.3.weight`` = last transposed
conv, ...). The reference applies each block's LeakyReLU in place, so its skip tensor holds
``LeakyReLU(x)`` rather than ``x``; since a ReLU follows every concatenation and
``ReLU(LeakyReLU(x)) = ReLU(x)``, the outputs (and gradients) are the same, and i2ilib keeps the
textbook form: the skip carries ``x``.

``skip=False`` builds the same encoder-decoder without skip connections (the "Skip" ablation of
the UCSD report, Table 1): each decoder layer sees only the upsampled path, so every transposed
convolution except the innermost takes ``inner_nc`` instead of ``2 * inner_nc`` input channels
(e.g. the last one ``ngf -> output_nc`` instead of ``2 ngf -> output_nc``). Parameter names
stay the same; those shapes change.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .norm import get_norm_layer, uses_conv_bias


class UnetSkipConnectionBlock(nn.Module):
    """One level of the U-Net: ``x -> [x, up(sub(down(x)))]`` (concatenated on channels).

    Args:
        outer_nc: channels of this level's output (before concatenation).
        inner_nc: filters of this level's down convolution.
        input_nc: channels of the input (default ``outer_nc``; the outermost takes the image).
        submodule: the next inner level, ``None`` for the innermost.
        outermost / innermost: position of the level (they differ in norm and activation).
        norm: ``"batch"``, ``"instance"`` or ``"none"``.
        use_dropout: Dropout(0.5) after the up convolution's norm (the ``CD`` layers).
        skip: concatenate the input to the output (``False`` = encoder-decoder without skips).
        conv_bias: override the reference's conv-bias rule (see :mod:`i2ilib.nets.norm`).

    Layout of ``model``:

    * outermost: ``0`` down conv, ``1`` submodule, ``2`` ReLU, ``3`` up conv (bias), ``4`` tanh
    * middle:    ``0`` LeakyReLU, ``1`` down conv, ``2`` norm, ``3`` submodule, ``4`` ReLU,
      ``5`` up conv, ``6`` norm, [``7`` dropout]
    * innermost: ``0`` LeakyReLU, ``1`` down conv, ``2`` ReLU, ``3`` up conv, ``4`` norm

    Shapes: ``(N, input_nc, H, W) -> (N, input_nc + outer_nc, H, W)`` with ``skip``, else
    ``(N, outer_nc, H, W)``; the outermost returns ``(N, outer_nc, H, W)``.
    """

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        input_nc: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        norm: str = "batch",
        use_dropout: bool = False,
        skip: bool = True,
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        if not innermost and submodule is None:
            raise ValueError("UnetSkipConnectionBlock: only the innermost block has no submodule.")
        self.outermost, self.innermost, self.skip = outermost, innermost, skip
        norm_layer = get_norm_layer(norm)
        bias = uses_conv_bias(norm) if conv_bias is None else conv_bias
        input_nc = outer_nc if input_nc is None else input_nc
        up_in = inner_nc * 2 if skip else inner_nc

        down_conv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=bias)
        if outermost:
            layers = [
                down_conv,
                submodule,
                nn.ReLU(True),
                nn.ConvTranspose2d(up_in, outer_nc, kernel_size=4, stride=2, padding=1),
                nn.Tanh(),
            ]
        elif innermost:
            layers = [
                nn.LeakyReLU(0.2),
                down_conv,
                nn.ReLU(True),
                nn.ConvTranspose2d(
                    inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=bias
                ),
                norm_layer(outer_nc),
            ]
        else:
            layers = [
                nn.LeakyReLU(0.2),
                down_conv,
                norm_layer(inner_nc),
                submodule,
                nn.ReLU(True),
                nn.ConvTranspose2d(up_in, outer_nc, kernel_size=4, stride=2, padding=1, bias=bias),
                norm_layer(outer_nc),
            ]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        if self.outermost:
            return self.model(x)
        y = self.model(x)
        return torch.cat([x, y], 1) if self.skip else y


class UnetGenerator(nn.Module):
    """pix2pix's U-Net generator (see the module docstring).

    Args:
        input_nc: channels of the input images.
        output_nc: channels of the output images.
        num_downs: number of stride-2 downsamplings (>= 5); an ``H x W`` image reaches
            ``H / 2**num_downs`` at the bottleneck: 8 for 256 px (``unet_256``), 7 for 128 px,
            5 for 32 px.
        ngf: filters of the first layer (64); the inner blocks have ``8 ngf``.
        norm: ``"batch"`` (pix2pix), ``"instance"`` or ``"none"``.
        use_dropout: dropout in the ``num_downs - 5`` inner ``8 ngf`` blocks (on in pix2pix,
            where it is the only source of noise, Sec. 3.2 of the pix2pix paper).
        skip: ``False`` removes the skip connections (an encoder-decoder, pix2pix Fig. 3 left).
        conv_bias: override the reference's conv-bias rule (see :mod:`i2ilib.nets.norm`).

    Shapes:
        ``(N, input_nc, H, W) -> (N, output_nc, H, W)`` with values in ``(-1, 1)``; ``H`` and
        ``W`` must be multiples of ``2**num_downs``.
    """

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        num_downs: int = 8,
        ngf: int = 64,
        norm: str = "batch",
        use_dropout: bool = True,
        skip: bool = True,
        *,
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        for name, value, low in (
            ("input_nc", input_nc, 1),
            ("output_nc", output_nc, 1),
            ("ngf", ngf, 1),
            ("num_downs", num_downs, 5),
        ):
            if not isinstance(value, int) or value < low:
                raise ValueError(
                    f"UnetGenerator: {name} must be an integer >= {low}, got {value!r}"
                    + (
                        " (the U-Net has 5 fixed levels: use num_downs=5 for 32 px images)."
                        if name == "num_downs"
                        else "."
                    )
                )
        self.input_nc, self.output_nc, self.num_downs, self.ngf = (
            input_nc,
            output_nc,
            num_downs,
            ngf,
        )
        self.norm, self.skip = norm, skip
        kw = {"norm": norm, "skip": skip, "conv_bias": conv_bias}
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, **kw)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(
                ngf * 8, ngf * 8, submodule=block, use_dropout=use_dropout, **kw
            )
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, **kw)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, **kw)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, **kw)
        self.model = UnetSkipConnectionBlock(
            output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True, **kw
        )

    def check_input(self, x: Tensor) -> None:
        """Raise a ``ValueError`` if ``x`` does not fit this generator (channels or size)."""
        if x.dim() != 4 or x.shape[1] != self.input_nc:
            raise ValueError(
                f"UnetGenerator expects (N, {self.input_nc}, H, W) input, got {tuple(x.shape)}."
            )
        factor = 2**self.num_downs
        h, w = x.shape[-2:]
        if h % factor or w % factor:
            raise ValueError(
                f"UnetGenerator with num_downs={self.num_downs} needs H and W divisible by "
                f"2**{self.num_downs} = {factor} (got {h}x{w}): resize/crop the images to a "
                f"multiple of {factor}, or pick the U-Net for the image size "
                f"(netG='unet_<size>', e.g. unet_{h if h & (h - 1) == 0 and h >= 32 else 256})."
            )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, input_nc, H, W) -> (N, output_nc, H, W)``."""
        self.check_input(x)
        return self.model(x)
