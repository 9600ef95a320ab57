"""The losses of content transfer (Press et al., ICLR 2019; in the notation of the book's
slides, "Losses"):

.. math::

    \\mathcal{L}_A = \\frac{1}{m_1}\\sum_{a \\in S_A} \\|g(e_1(a), 0_{E_2}) - a\\|_1, \\qquad
    \\mathcal{L}_B = \\frac{1}{m_2}\\sum_{b \\in S_B} \\|g(e_1(b), e_2(b)) - b\\|_1,

    \\mathcal{L}_D = \\frac{1}{m_1}\\sum_{a \\in S_A} l(d(e_1(a)), 0)
                  + \\frac{1}{m_2}\\sum_{b \\in S_B} l(d(e_1(b)), 1).

:func:`content_reconstruction_loss` is ``L_A`` or ``L_B`` (the norm is averaged over pixels, so
the number does not grow with the image size; the reference code uses the mean squared error,
``kind="l2"``). :func:`domain_loss` is ``L_D``, with ``l`` the binary cross-entropy on the
discriminator's logits: the discriminator ``d`` minimises it. :func:`confusion_loss` is what
the encoders minimise so that ``d`` cannot tell the domains apart from ``e1``'s code:

* ``"reverse"``: ``-L_D``, the minimax of the paper's objective (the encoders maximise the
  discriminator's loss; its gradient is exactly that of ``L_D`` reversed);
* ``"to_A"``: the reference implementation's choice: both domains' codes are pushed towards
  the label of the domain without the attribute (``l(d(e1(a)), 0) + l(d(e1(b)), 0)``);
* ``"swap"``: the labels swapped (``l(d(e1(a)), 1) + l(d(e1(b)), 0)``), as Fader networks do.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .reconstruction import reconstruction_loss

__all__ = ["CONFUSION_KINDS", "confusion_loss", "content_reconstruction_loss", "domain_loss"]

#: The encoders' domain-confusion objectives (module docstring).
CONFUSION_KINDS = ("reverse", "to_A", "swap")


def content_reconstruction_loss(reconstruction: Tensor, image: Tensor, kind: str = "l1") -> Tensor:
    """``L_A`` (``reconstruction = g(e1(a), 0)``) or ``L_B`` (``g(e1(b), e2(b))``): the mean
    absolute error over the batch and every pixel (``kind="l2"``: mean squared)."""
    return reconstruction_loss(reconstruction, image, kind)


def _bce(logits: Tensor, label: float) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits.float(),
                                                                               label))


def domain_loss(logits_A: Tensor, logits_B: Tensor) -> Tensor:
    """``L_D``: mean ``l(d(e1(a)), 0)`` over the A batch plus mean ``l(d(e1(b)), 1)`` over the B
    batch, ``l`` the binary cross-entropy on logits (B = 1)."""
    return _bce(logits_A, 0.0) + _bce(logits_B, 1.0)


def confusion_loss(logits_A: Tensor, logits_B: Tensor, kind: str = "reverse") -> Tensor:
    """What the encoders minimise against ``d`` (``kind`` in :data:`CONFUSION_KINDS`; see the
    module docstring). ``logits_*`` are ``d`` applied to the *non-detached* common codes."""
    if kind == "reverse":
        return -domain_loss(logits_A, logits_B)
    if kind == "to_A":
        return _bce(logits_A, 0.0) + _bce(logits_B, 0.0)
    if kind == "swap":
        return _bce(logits_A, 1.0) + _bce(logits_B, 0.0)
    raise ValueError(f"Unknown confusion kind {kind!r}: choose one of {', '.join(CONFUSION_KINDS)}.")
