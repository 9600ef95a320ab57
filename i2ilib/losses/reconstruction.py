"""Reconstruction losses: the pix2pix L1 term, the cycle-consistency and identity losses.

- pix2pix (implicit-pairs paper, eq. 2): ``L_L1(G) = E_{x,y}[||y - G(x)||_1]``, weighted by
  ``lambda_L1 = 100`` in the full objective (eq. 3).
- CycleGAN cycle consistency (eq. 5): ``L_cyc = E_x[||F(G(x)) - x||_1] + E_y[||G(F(y)) - y||_1]``,
  weighted by ``lambda_cyc = 10``.
- Identity loss (CycleGAN paper, Sec. 5.2): ``E_y[||G(y) - y||_1]``, weighted by
  ``lambda_id * lambda_cyc = 0.5 * 10``.

The UCSD report (Tables 1-2) compares L1, L2 and a 0.5 L1 + 0.5 L2 mix for these terms;
``kind`` selects among them. Every loss is a mean over all pixels and channels.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

RECONSTRUCTION_KINDS = ("l1", "l2", "l1+l2")


def reconstruction_loss(
    output: Tensor, target: Tensor, kind: str = "l1", mix: float = 0.5
) -> Tensor:
    """Mean reconstruction error between ``output`` and ``target`` (same shape).

    Args:
        kind: ``"l1"`` (mean |o - t|), ``"l2"`` (mean (o - t)^2) or ``"l1+l2"``
            (``mix * l1 + (1 - mix) * l2``; the UCSD report's 0.5/0.5 mix by default).
    """
    if output.shape != target.shape:
        raise ValueError(
            f"Reconstruction loss needs equal shapes, got {tuple(output.shape)} and "
            f"{tuple(target.shape)}: check input_nc/output_nc and the crop size."
        )
    output, target = output.float(), target.float()
    if kind == "l1":
        return F.l1_loss(output, target)
    if kind == "l2":
        return F.mse_loss(output, target)
    if kind == "l1+l2":
        return mix * F.l1_loss(output, target) + (1.0 - mix) * F.mse_loss(output, target)
    raise ValueError(f"Unknown reconstruction loss {kind!r}: choose one of "
                     f"{', '.join(RECONSTRUCTION_KINDS)}.")


def cycle_loss(reconstructed: Tensor, real: Tensor, kind: str = "l1") -> Tensor:
    """One direction of the cycle loss (eq. 5): ``||F(G(x)) - x||``, e.g. ``rec_A`` vs ``real_A``."""
    return reconstruction_loss(reconstructed, real, kind)


def identity_loss(same_domain_output: Tensor, real: Tensor, kind: str = "l1") -> Tensor:
    """Identity loss: a generator fed an image of its *target* domain should leave it unchanged,
    e.g. ``||G_AB(real_B) - real_B||``."""
    return reconstruction_loss(same_domain_output, real, kind)
