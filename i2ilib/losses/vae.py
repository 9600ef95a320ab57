"""The KL term of a variational auto-encoder: how far the encoder's Gaussian is from ``N(0, I)``.

OST's Phase I (Benaim & Wolf slides, "Phase I")::

    L_VAE_B = sum_{s in P(Lambda)} KL(E_B o P(Lambda) || N(0, I))

For a diagonal Gaussian ``N(mu, diag(sigma^2))`` the divergence has a closed form, per latent
dimension::

    KL(N(mu, sigma^2) || N(0, 1)) = 1/2 (mu^2 + sigma^2 - log sigma^2 - 1)

With the variance fixed to 1 (UNIT's choice, and OST's: the encoder outputs only ``mu``) it is
``mu^2 / 2``. :func:`kl_to_standard_normal` returns the mean over every latent dimension and
sample, the normalisation of the L1 terms (a mean over pixels), so the weights of the terms
compare as in code that averages. The authors' code adds ``0.1 * mean(mu^2)``, that is
``0.2 *`` this mean KL.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["kl_to_standard_normal"]


def kl_to_standard_normal(mu: Tensor, logvar: Tensor | None = None) -> Tensor:
    """Mean over all elements of ``KL(N(mu, exp(logvar)) || N(0, 1))``, a scalar.

    Args:
        mu: the means, any shape (OST: ``(N, C, h, w)`` latent codes).
        logvar: the log-variances, same shape as ``mu``; ``None`` for unit variance, where the
            divergence is ``mu^2 / 2``.

    Returns:
        ``mean(1/2 (mu^2 + exp(logvar) - logvar - 1))``: 0 exactly when ``mu = 0`` and
        ``logvar = 0``, positive otherwise.

    Raises:
        ValueError: ``logvar`` of another shape, or an empty ``mu``.
    """
    if mu.numel() == 0:
        raise ValueError("kl_to_standard_normal needs a non-empty mu.")
    mu = mu.float()
    if logvar is None:
        return 0.5 * mu.pow(2).mean()
    if logvar.shape != mu.shape:
        raise ValueError(f"logvar must have the shape of mu, {tuple(mu.shape)}, got "
                         f"{tuple(logvar.shape)}.")
    logvar = logvar.float()
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - logvar - 1.0).mean()
