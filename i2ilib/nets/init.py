"""Weight initialisation, as in the reference pix2pix/CycleGAN code.

DCGAN-style ``N(0, 0.02)`` for every (transposed) convolution, ``N(1, 0.02)`` for batch-norm
scales, zero biases: "weights were initialized from a Gaussian distribution with mean 0 and
standard deviation 0.02" (pix2pix, Isola et al. 2017, Appendix 6.2; CycleGAN, Zhu et al. 2017,
Appendix 7.1). ``xavier``, ``kaiming`` and ``orthogonal`` are the reference's alternatives.
"""

from __future__ import annotations

import math

import torch
from torch import nn

INIT_TYPES = ("normal", "xavier", "kaiming", "orthogonal")


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
