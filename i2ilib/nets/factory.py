"""``define_G`` / ``define_D``: networks by the reference implementation's names.

Generators (``netG``):

======================== ===================================================================
``resnet_9blocks``       :class:`ResnetGenerator`, 9 residual blocks (CycleGAN, 256 px)
``resnet_6blocks``       6 residual blocks (CycleGAN, 128 px); any ``resnet_<n>blocks`` works
``unet_256``             :class:`UnetGenerator`, ``num_downs = 8`` (pix2pix, 256 px)
``unet_128``             ``num_downs = 7``; likewise ``unet_64`` (6), ``unet_32`` (5) for
                         book-scale images: ``unet_<size>`` for any power of two >= 32
``unet_<size>_noskip``   the same U-Net without skip connections (UCSD report, Table 1, "Skip")
``<any>_residual``       that generator predicting a change to its input,
                         :class:`~i2ilib.nets.residual.ResidualGenerator` (not the papers')
======================== ===================================================================

Discriminators (``netD``): ``basic`` (the 70x70 PatchGAN, ``n_layers = 3``), ``n_layers``
(``n_layers_D`` layers), ``pixel`` (1x1 PixelGAN), and ``patch_<rf>`` for a PatchGAN with an
``rf x rf`` receptive field (``patch_16``, ``patch_70``, ``patch_286``, ``patch_1`` = pixel).

Both initialise the weights with :func:`~i2ilib.nets.init.init_weights` (``N(0, 0.02)``).
"""

from __future__ import annotations

import re

import torch
from torch import nn

from .init import init_weights
from .norm import check_norm
from .patchgan import NLayerDiscriminator, PixelDiscriminator
from .receptive_field import n_layers_for_receptive_field
from .residual import RESIDUAL_SUFFIX, ResidualGenerator
from .resnet import ResnetGenerator
from .unet import UnetGenerator

GENERATOR_NAMES = ("resnet_9blocks", "resnet_6blocks", "unet_256", "unet_128", "unet_64", "unet_32")
DISCRIMINATOR_NAMES = ("basic", "n_layers", "pixel", "patch_16", "patch_70", "patch_286")

_RESNET = re.compile(r"resnet_(\d+)blocks")
_UNET = re.compile(r"unet_(\d+)(_noskip)?")


def parse_generator_name(netG: str) -> dict:
    """Architecture options encoded in a generator name.

    Returns:
        ``{"arch": "resnet", "n_blocks": n}`` or
        ``{"arch": "unet", "num_downs": log2(size), "skip": bool}``, with ``"residual": True``
        added for a name ending in ``_residual``.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).
    """
    if isinstance(netG, str) and netG.endswith(RESIDUAL_SUFFIX):
        base = netG[: -len(RESIDUAL_SUFFIX)]
        if not base.endswith(RESIDUAL_SUFFIX):
            return {**parse_generator_name(base), "residual": True}
    if isinstance(netG, str):
        m = _RESNET.fullmatch(netG)
        if m:
            return {"arch": "resnet", "n_blocks": int(m.group(1))}
        m = _UNET.fullmatch(netG)
        if m:
            size = int(m.group(1))
            if size >= 32 and size & (size - 1) == 0:
                return {"arch": "unet", "num_downs": size.bit_length() - 1, "skip": not m.group(2)}
            raise ValueError(
                f"Generator {netG!r}: a U-Net name needs a power of two >= 32 (the image size, "
                "e.g. 'unet_256', 'unet_64', 'unet_32')."
            )
    raise ValueError(
        f"Unknown generator netG={netG!r}: use one of {', '.join(GENERATOR_NAMES)} "
        "(or resnet_<n>blocks, unet_<size>, unet_<size>_noskip, each with _residual)."
    )


def generator_name(
    arch: str, n_blocks: int | None = None, num_downs: int | None = None, skip: bool = True
) -> str:
    """The ``netG`` name of an architecture (inverse of :func:`parse_generator_name`)."""
    if arch == "resnet":
        return f"resnet_{n_blocks}blocks"
    return f"unet_{2**num_downs}" + ("" if skip else "_noskip")


def _initialised(
    net: nn.Module, init_type: str, init_gain: float, generator: torch.Generator | None
) -> nn.Module:
    return init_weights(net, init_type=init_type, init_gain=init_gain, generator=generator)


def define_G(
    netG: str,
    input_nc: int = 3,
    output_nc: int = 3,
    ngf: int = 64,
    norm: str = "batch",
    use_dropout: bool = False,
    init_type: str = "normal",
    init_gain: float = 0.02,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Build and initialise a generator by name (see the module docstring).

    Defaults are the reference ``define_G``'s (``norm="batch"``, no dropout); the published
    settings are ``norm="instance", use_dropout=False`` for CycleGAN and ``norm="batch",
    use_dropout=True`` for pix2pix.

    Args:
        netG: ``resnet_9blocks``, ``resnet_6blocks``, ``unet_256``, ``unet_128``, ``unet_64``,
            ``unet_32``, ``resnet_<n>blocks``, ``unet_<size>[_noskip]``; any of them with
            ``_residual`` (needs ``input_nc == output_nc``).
        input_nc / output_nc: image channels in / out.
        ngf: width of the first layer (64 in the papers).
        norm: ``"batch"``, ``"instance"`` or ``"none"``.
        use_dropout: dropout in residual blocks / inner U-Net blocks.
        init_type / init_gain / generator: see :func:`~i2ilib.nets.init.init_weights`.

    Raises:
        ValueError: for an unknown ``netG``, ``norm`` or ``init_type``.
    """
    spec = parse_generator_name(netG)
    check_norm(norm)
    if spec["arch"] == "resnet":
        net: nn.Module = ResnetGenerator(
            input_nc, output_nc, ngf, norm=norm, use_dropout=use_dropout, n_blocks=spec["n_blocks"]
        )
    else:
        net = UnetGenerator(
            input_nc,
            output_nc,
            spec["num_downs"],
            ngf,
            norm=norm,
            use_dropout=use_dropout,
            skip=spec["skip"],
        )
    net = _initialised(net, init_type, init_gain, generator)
    if spec.get("residual"):
        if input_nc != output_nc:
            raise ValueError(f"Generator {netG!r} adds its output to its input, so it needs "
                             f"input_nc == output_nc (got {input_nc} and {output_nc}).")
        net = ResidualGenerator(net)
    return net


def define_D(
    netD: str,
    input_nc: int,
    ndf: int = 64,
    n_layers_D: int = 3,
    norm: str = "batch",
    init_type: str = "normal",
    init_gain: float = 0.02,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Build and initialise a discriminator by name (see the module docstring).

    Args:
        netD: ``basic`` (70x70), ``n_layers`` (uses ``n_layers_D``), ``pixel`` (1x1),
            ``patch_<rf>`` (``rf`` in 1, 16, 34, 70, 142, 286, ...).
        input_nc: input channels (pix2pix: ``input_nc + output_nc`` of the generator).
        ndf: width of the first layer (64).
        n_layers_D: stride-2 layers for ``netD="n_layers"``.
        norm: ``"batch"`` (pix2pix), ``"instance"`` (CycleGAN) or ``"none"``.
        init_type / init_gain / generator: see :func:`~i2ilib.nets.init.init_weights`.

    Raises:
        ValueError: for an unknown ``netD``, ``norm``, ``init_type`` or receptive field.
    """
    check_norm(norm)
    m = re.fullmatch(r"patch_(\d+)", netD) if isinstance(netD, str) else None
    if netD == "pixel" or (m and int(m.group(1)) == 1):
        net: nn.Module = PixelDiscriminator(input_nc, ndf, norm=norm)
    elif netD == "basic":
        net = NLayerDiscriminator(input_nc, ndf, n_layers=3, norm=norm)
    elif netD == "n_layers":
        net = NLayerDiscriminator(input_nc, ndf, n_layers=n_layers_D, norm=norm)
    elif m:
        net = NLayerDiscriminator(
            input_nc, ndf, n_layers=n_layers_for_receptive_field(int(m.group(1))), norm=norm
        )
    else:
        raise ValueError(
            f"Unknown discriminator netD={netD!r}: use one of {', '.join(DISCRIMINATOR_NAMES)} "
            "(or patch_<receptive field>)."
        )
    return _initialised(net, init_type, init_gain, generator)
