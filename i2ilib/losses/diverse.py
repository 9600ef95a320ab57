"""Losses of diverse translation: UDIT (Wang 2020 thesis, chapter 5, eqs. 5.3-5.8).

With content ``c_i = E_i^c(x_i)``, style ``s_i = E_i^s(x_i)`` and a random style
``s' ~ N(0, I)``:

* :func:`udit_discriminator_loss` -- eq. 5.4, as printed::

      L_GAN^{x_j}(D_j) = 1/2 E[(D_j(G_j(c_i, s')))^2] + E[(D_j(x_j) - 1)^2]

* :func:`udit_generator_loss` -- the translators' side of eq. 5.4, ``E[(D_j(G_j(c_i, s')) -
  1)^2]`` (least squares; the thesis prints only the discriminator's objective, the generator
  term is MUNIT's).
* :func:`image_reconstruction_loss` -- eq. 5.5, ``E[||G_i(c_i, s_i) - x_i||_1]``.
* :func:`latent_reconstruction_loss` -- eqs. 5.6-5.7, ``E[||E_j^c(G_j(c_i, s')) - c_i||]`` and
  ``E[||E_j^s(G_j(c_i, s')) - s'||]``.
* :func:`semantic_constraint_loss` -- the semantic constraint of eq. 5.3,
  ``L_U^{u_i} = E[||u_{i->j} - u_i||]`` with ``u = h(x)``, ``h`` a fixed semantic extractor.

Readings, named: the thesis leaves the norm of eqs. 5.3, 5.6 and 5.7 unwritten; all three use
the mean absolute difference (L1, per element), as MUNIT's latent reconstruction does. Every
loss is a mean over all elements (batch, channels, positions), so it does not grow with the
image or feature size.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["image_reconstruction_loss", "latent_reconstruction_loss",
           "semantic_constraint_loss", "udit_discriminator_loss", "udit_generator_loss"]


def _same_shape(a: Tensor, b: Tensor, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what}: shapes {tuple(a.shape)} and {tuple(b.shape)} differ.")


def udit_discriminator_loss(pred_real: Tensor, pred_fake: Tensor) -> Tensor:
    """Eq. 5.4: ``1/2 mean(D(fake)^2) + mean((D(real) - 1)^2)``.

    Args:
        pred_real: ``D_j(x_j)``, any shape (``(N, 1, H', W')`` patch scores).
        pred_fake: ``D_j(G_j(c_i, s'))``, any shape.

    Returns:
        A scalar.
    """
    return 0.5 * pred_fake.float().pow(2).mean() + (pred_real.float() - 1).pow(2).mean()


def udit_generator_loss(pred_fake: Tensor) -> Tensor:
    """The generator's least-squares term: ``mean((D_j(G_j(c_i, s')) - 1)^2)``, a scalar."""
    return (pred_fake.float() - 1).pow(2).mean()


def image_reconstruction_loss(reconstruction: Tensor, x: Tensor) -> Tensor:
    """Eq. 5.5: ``mean |G_i(c_i, s_i) - x_i|``; both ``(N, C, H, W)``. A scalar."""
    _same_shape(reconstruction, x, "image reconstruction (eq. 5.5)")
    return (reconstruction.float() - x.float()).abs().mean()


def latent_reconstruction_loss(reconstruction: Tensor, code: Tensor) -> Tensor:
    """Eqs. 5.6-5.7: ``mean |E_j(G_j(c_i, s')) - code|`` with ``code`` the content ``c_i``
    ``(N, C, h, w)`` or the style ``s'`` ``(N, style_dim)``. A scalar.

    Gradients reach both arguments, as in MUNIT (the content ``c_i`` is not detached).
    """
    _same_shape(reconstruction, code, "latent reconstruction (eqs. 5.6-5.7)")
    return (reconstruction.float() - code.float()).abs().mean()


def semantic_constraint_loss(h: Callable[[Tensor], Tensor], translated: Tensor,
                             source: Tensor) -> Tensor:
    """The semantic constraint of eq. 5.3: ``mean |h(x_{i->j}) - h(x_i)|``.

    ``u_i = h(x_i)`` is a target: it is computed without gradients. Gradients flow through
    ``h(x_{i->j})`` into the translation only (freeze ``h``'s parameters yourself, or use
    :class:`i2ilib.train.udit.UDITTrainer`, which does).

    Args:
        h: the semantic extractor, images ``(N, C, H, W)`` -> features of any shape ``(N, ...)``
            (e.g. an identity embedding or a classifier's reduced ``1 x 1 x D`` layer, Section
            5.5.1).
        translated: ``x_{i->j}``, ``(N, C, H, W)``.
        source: ``x_i``, the same shape.

    Returns:
        A scalar.
    """
    _same_shape(translated, source, "semantic constraint (eq. 5.3)")
    with torch.no_grad():
        u_i = h(source)
    u_ij = h(translated)
    if not isinstance(u_ij, Tensor):
        raise TypeError(f"The semantic extractor must return a tensor, got {type(u_ij).__name__}.")
    _same_shape(u_ij, u_i, "semantic features h(x_{i->j}) and h(x_i)")
    return (u_ij.float() - u_i.float()).abs().mean()
