"""Receptive fields of the PatchGAN, by formula and by measurement.

The receptive field of one output score is the side of the input patch it depends on (pix2pix,
Isola et al. 2017, Sec. 4.4 compares 1x1, 16x16, 70x70 and 286x286; the UCSD report's
Table 1 repeats the 16 / 286 ablation).

Formula. Walk the :class:`~i2ilib.nets.patchgan.NLayerDiscriminator` backwards from one output
pixel (``r = 1``). A convolution with kernel ``k`` and stride ``s`` maps ``r -> s (r - 1) + k``.
The two final stride-1 4x4 convs give ``r = 7``; each of the ``n = max(n_layers, 1)`` stride-2
4x4 convs maps ``r -> 2 r + 2``, i.e. ``r + 2`` doubles. Hence

    ``rf(n_layers) = 9 * 2**max(n_layers, 1) - 2``  ->  16, 34, 70, 142, 286 for n_layers = 1..5.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


def patchgan_receptive_field(n_layers: int) -> int:
    """Receptive field (px) of ``NLayerDiscriminator(n_layers=...)``: ``9 * 2**max(n, 1) - 2``.

    Raises:
        ValueError: if ``n_layers`` is negative.
    """
    if not isinstance(n_layers, int) or n_layers < 0:
        raise ValueError(f"n_layers must be an integer >= 0, got {n_layers!r}.")
    return 9 * 2 ** max(n_layers, 1) - 2


def n_layers_for_receptive_field(rf: int) -> int:
    """The ``n_layers`` whose PatchGAN sees ``rf x rf`` patches (16 -> 1, 70 -> 3, 286 -> 5).

    Raises:
        ValueError: if no PatchGAN has that receptive field (the message lists the nearest), or
            for ``rf = 1``, which is the :class:`~i2ilib.nets.patchgan.PixelDiscriminator`.
    """
    if rf == 1:
        raise ValueError(
            "A 1x1 receptive field is the PixelDiscriminator (netD='pixel'), not an "
            "NLayerDiscriminator."
        )
    n = round(math.log2((rf + 2) / 9)) if isinstance(rf, int) and rf > 0 else -1
    if n >= 1 and patchgan_receptive_field(n) == rf:
        return n
    valid = ", ".join(f"{patchgan_receptive_field(k)} (n_layers={k})" for k in range(1, 7))
    raise ValueError(
        f"No PatchGAN has a {rf!r} px receptive field: the NLayerDiscriminator's are {valid}, "
        "... (9 * 2**n_layers - 2); 1 px is netD='pixel'."
    )


_POINTWISE = (
    nn.BatchNorm2d,
    nn.InstanceNorm2d,
    nn.Dropout,
    nn.Tanh,
    nn.Sigmoid,
)


def _linearised_copy(net: nn.Module) -> nn.Module:
    """A float64 copy of ``net`` whose gradients are nonzero exactly where the input matters.

    Norm layers, dropout, tanh and sigmoid become identities (per-image statistics would make
    every output depend on every pixel, and a saturated tanh would zero gradients); every
    (transposed) convolution gets the positive constant weight ``1 / fan`` and no bias. With a
    positive input all activations stay positive, so ReLUs pass gradients everywhere and no
    sum of products can cancel: the gradient is nonzero on exactly the receptive field.
    """
    net = copy.deepcopy(net).double().eval()
    for module in list(net.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, _POINTWISE):
                setattr(module, child_name, nn.Identity())
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                w = module.weight
                module.weight.fill_(1.0 / w[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    return net


def measure_receptive_field(net: nn.Module, input_nc: int, size: int) -> int:
    """Measure the receptive field of ``net`` numerically, in pixels.

    Back-propagates from the centre pixel of the first output channel of a linearised copy of
    ``net`` (see :func:`_linearised_copy`; ``net`` itself is not modified) on a
    ``(1, input_nc, size, size)`` positive input and returns the side of the bounding box of
    the input pixels with a nonzero gradient.

    Args:
        net: any convolutional network (a discriminator or a generator).
        input_nc: its input channels.
        size: input side; must exceed the receptive field (the centre pixel's field must not
            reach the border).

    Raises:
        ValueError: if the field touches the image border (``size`` too small).
    """
    probe = _linearised_copy(net)
    x = torch.full((1, input_nc, size, size), 1e-3, dtype=torch.float64, requires_grad=True)
    out = probe(x)
    h, w = out.shape[-2:]
    out[0, 0, h // 2, w // 2].backward()
    hit = x.grad.abs().sum(dim=(0, 1)) > 0
    rows = torch.nonzero(hit.any(dim=1)).flatten()
    cols = torch.nonzero(hit.any(dim=0)).flatten()
    if rows.numel() == 0:
        raise ValueError("The output does not depend on the input: no receptive field to measure.")
    r0, r1, c0, c1 = (int(v) for v in (rows[0], rows[-1], cols[0], cols[-1]))
    if r0 == 0 or c0 == 0 or r1 == size - 1 or c1 == size - 1:
        raise ValueError(
            f"The receptive field reaches the border of a {size}x{size} input: measure with a "
            "larger size (at least the receptive field plus a margin)."
        )
    return max(r1 - r0 + 1, c1 - c0 + 1)
