"""Normalisation layers and weight initialisation, as in the reference pix2pix/CycleGAN code.

Normalisation (the ``norm`` option of every network in :mod:`i2ilib.nets`):

============ ================================================================== ==========
``norm``     layer                                                              conv bias
============ ================================================================== ==========
``batch``    ``BatchNorm2d(affine=True, track_running_stats=True)`` (pix2pix)   no
``instance`` ``InstanceNorm2d(affine=False, track_running_stats=False)``        yes
             (CycleGAN; implicit-pairs paper, Appendix "Architectures": every
             ``c7s1-k``, ``dk``, ``Rk``, ``uk`` is Convolution-InstanceNorm-ReLU)
``none``     ``Identity``                                                       no
============ ================================================================== ==========

The conv-bias column is the reference implementation's rule: a convolution that feeds a
normalisation layer carries a bias only with instance norm. Batch norm's own ``bias`` makes a
conv bias redundant; with ``norm="none"`` the reference also drops it (its test is "is the layer
``InstanceNorm2d``?"). i2ilib keeps that rule so that checkpoints are interchangeable, and so
that the three options leave three different ``state_dict`` layouts (see
:func:`i2ilib.nets.official.describe_checkpoint`). Every network takes ``conv_bias=True`` to
override it. The first layer of the PatchGAN and the output layers of the generators always
have a bias.

Initialisation (:func:`init_weights`): DCGAN-style ``N(0, 0.02)`` for every (transposed)
convolution, ``N(1, 0.02)`` for batch-norm scales, zero biases -- pix2pix (Isola et al. 2017)
Sec. 3.3 and CycleGAN (Zhu et al. 2017) Sec. 4 / Appendix 7.1 ("weights are initialized from a
Gaussian distribution N(0, 0.02)").
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

NORMS = ("batch", "instance", "none")
INIT_TYPES = ("normal", "xavier", "kaiming", "orthogonal")

NormFactory = Callable[[int], nn.Module]


def check_norm(norm: str) -> str:
    """Return ``norm`` if it is one of :data:`NORMS`, else raise a ``ValueError``."""
    if norm not in NORMS:
        raise ValueError(
            f"Unknown norm {norm!r}: choose one of {', '.join(repr(n) for n in NORMS)} "
            "('batch' for pix2pix, 'instance' for CycleGAN)."
        )
    return norm


def get_norm_layer(norm: str) -> NormFactory:
    """A factory ``num_features -> nn.Module`` for the normalisation layer named ``norm``.

    Args:
        norm: ``"batch"``, ``"instance"`` or ``"none"`` (see the module docstring).

    Returns:
        ``f(num_features)`` building ``BatchNorm2d(num_features, affine=True,
        track_running_stats=True)``, ``InstanceNorm2d(num_features, affine=False,
        track_running_stats=False)`` or ``nn.Identity()``.

    Raises:
        ValueError: for any other name.
    """
    check_norm(norm)
    if norm == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if norm == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    return lambda c: nn.Identity()


def uses_conv_bias(norm: str) -> bool:
    """The reference rule: a conv before a norm layer has a bias iff ``norm == "instance"``."""
    return check_norm(norm) == "instance"


def _is_conv(module: nn.Module) -> bool:
    return isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.Linear))


@torch.no_grad()
def init_weights(
    net: nn.Module,
    init_type: str = "normal",
    init_gain: float = 0.02,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Initialise ``net`` in place, as the reference implementation does, and return it.

    * (transposed) convolutions and linear layers: weights from

      - ``normal``: ``N(0, init_gain)`` (the published default, ``init_gain = 0.02``),
      - ``xavier``: Glorot normal with gain ``init_gain``,
      - ``kaiming``: He normal, ``fan_in`` mode (``init_gain`` is ignored, as in the reference),
      - ``orthogonal``: orthogonal with gain ``init_gain``;

      biases set to 0.
    * ``BatchNorm2d``: scale ``N(1, init_gain)``, shift 0. Instance norm (affine=False) has no
      parameters.

    Args:
        net: the module to initialise.
        init_type: one of :data:`INIT_TYPES`.
        init_gain: standard deviation / gain (see above).
        generator: a ``torch.Generator`` (CPU) for a reproducible initialisation without
            touching the global random state; ``None`` uses the global generator.

    Raises:
        ValueError: for an unknown ``init_type`` or a negative ``init_gain``.
    """
    if init_type not in INIT_TYPES:
        raise ValueError(
            f"Unknown init_type {init_type!r}: choose one of "
            f"{', '.join(repr(t) for t in INIT_TYPES)}."
        )
    if not init_gain >= 0:
        raise ValueError(f"init_gain must be >= 0, got {init_gain!r}.")
    for module in net.modules():
        if _is_conv(module):
            _init_conv_weight(module.weight, init_type, init_gain, generator)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.BatchNorm2d) and module.affine:
            module.weight.copy_(_normal(module.weight.shape, 1.0, init_gain, generator))
            module.bias.zero_()
    return net


def _normal(
    shape: torch.Size, mean: float, std: float, generator: torch.Generator | None
) -> torch.Tensor:
    """``N(mean, std)`` samples on the CPU (so that a CPU ``generator`` works for any device)."""
    return torch.empty(shape).normal_(mean, std, generator=generator)


def _fans(weight: torch.Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` as ``torch.nn.init`` computes them (dim 1 is "in", dim 0 "out")."""
    receptive = weight[0][0].numel() if weight.dim() > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def _init_conv_weight(
    weight: torch.Tensor, init_type: str, gain: float, generator: torch.Generator | None
) -> None:
    if init_type == "normal":
        std = gain
    elif init_type == "xavier":
        fan_in, fan_out = _fans(weight)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    elif init_type == "kaiming":
        fan_in, _ = _fans(weight)
        std = math.sqrt(2.0 / fan_in)  # ReLU gain, a = 0
    else:  # orthogonal
        weight.copy_(_orthogonal(weight.shape, gain, generator))
        return
    weight.copy_(_normal(weight.shape, 0.0, std, generator))


def _orthogonal(shape: torch.Size, gain: float, generator: torch.Generator | None) -> torch.Tensor:
    """A ``(shape[0], prod(shape[1:]))`` matrix with orthonormal rows (or columns), times gain."""
    rows, cols = shape[0], math.prod(shape[1:])
    flat = torch.randn(max(rows, cols), min(rows, cols), generator=generator)
    q, r = torch.linalg.qr(flat)
    q = q * torch.sign(torch.diagonal(r))  # make the decomposition unique (Haar-distributed)
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape)
