"""Normalisation layers, as in the reference pix2pix/CycleGAN code.

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
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

NORMS = ("batch", "instance", "none")

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
