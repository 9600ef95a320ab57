"""The WGAN-GP losses of TransferGAN and MineGAN (Wang 2020 thesis, eqs. 2.3-2.4, 2.7-2.8 and
3.1-3.6), on critic scores.

* :func:`wgan_critic_loss` -- ``-E_x[D(x)] + E_z[D(G(z))]``, the first two terms of eq. 2.3
  (eq. 3.1); the third, the gradient penalty, is :func:`i2ilib.losses.gradient_penalty`.
* :func:`wgan_generator_loss` -- ``-E_z[D(G(z))]`` (eqs. 2.4, 3.2).
* :func:`auxiliary_classifier_loss` -- ``-E[log P(C = y | x)]``, the AC-GAN term weighted by
  ``alpha_G`` in eq. 2.7 and ``alpha_D`` in eq. 2.8.
* :func:`supersample_max` -- ``max_i D(G_i(M_i(u^i)))`` of each supersample and its arg-max, the
  fake term of eqs. 3.5-3.6.
* :func:`selector_probabilities` -- ``p_hat_i``, how often ``G_i`` obtained the maximum critic
  value among the ``K`` supersamples of a minibatch (Section 3.3.3, "Selector").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["auxiliary_classifier_loss", "selector_probabilities", "supersample_max",
           "wgan_critic_loss", "wgan_generator_loss"]


def _scores(name: str, scores: Tensor) -> Tensor:
    if scores.dim() == 2 and scores.shape[1] == 1:
        scores = scores.squeeze(1)
    if scores.dim() != 1 or scores.numel() == 0:
        raise ValueError(f"{name} must be critic scores of shape (N,) or (N, 1), got "
                         f"{tuple(scores.shape)}.")
    return scores.float()


def wgan_critic_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """``L_D = E_z[D(G(z))] - E_x[D(x)]`` (thesis eq. 3.1; eq. 2.3 without its penalty term).

    Args:
        d_real: ``(N,)`` critic scores of real images.
        d_fake: ``(M,)`` critic scores of generated images (for eq. 3.5, the supersamples'
            maxima from :func:`supersample_max`).

    Returns:
        A scalar; minimised by the critic. ``-L_D`` is the critic's estimate of the Wasserstein
        distance.
    """
    return _scores("d_fake", d_fake).mean() - _scores("d_real", d_real).mean()


def wgan_generator_loss(d_fake: Tensor) -> Tensor:
    """``L_G = -E_z[D(G(z))]`` (thesis eqs. 2.4 and 3.2; eq. 3.6 with the maxima of
    :func:`supersample_max`).

    Args:
        d_fake: ``(M,)`` critic scores of generated images.
    """
    return -_scores("d_fake", d_fake).mean()


def auxiliary_classifier_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """``-E[log P(C = y | x)]``, the AC-GAN classification term (thesis eqs. 2.7-2.8, without
    its weight ``alpha``): the mean cross-entropy of the auxiliary classifier.

    Args:
        logits: ``(N, K)`` the auxiliary classifier's logits.
        labels: ``(N,)`` int64 classes in ``[0, K)``.
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"logits must be (N, K) and labels (N,), got {tuple(logits.shape)} and "
                         f"{tuple(labels.shape)}.")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= logits.shape[1]):
        raise ValueError(f"labels must lie in [0, {logits.shape[1]}), got values from "
                         f"{int(labels.min())} to {int(labels.max())}.")
    return F.cross_entropy(logits.float(), labels)


def supersample_max(scores: Tensor) -> tuple[Tensor, Tensor]:
    """The fake term of eqs. 3.5-3.6 for a minibatch of ``K`` supersamples.

    A supersample holds one sample per generator, ``{G_i(M_i(u^i)) | i = 1..N}``; ``scores[k, i]``
    is ``D(G_i(M_i(u^i_k)))``. Only the maximum of each row enters the losses, so gradients flow
    back only through "the generated image that obtained the highest critic score".

    Args:
        scores: ``(K, N)`` critic scores.

    Returns:
        ``(max_i scores[k, i], argmax_i scores[k, i])``, shapes ``(K,)`` and ``(K,)`` (int64; the
        lowest index wins a tie).
    """
    if scores.dim() != 2 or scores.numel() == 0:
        raise ValueError(f"scores must have shape (K supersamples, N generators), got "
                         f"{tuple(scores.shape)}.")
    values, index = scores.max(dim=1)
    return values, index


def selector_probabilities(argmax: Tensor, n_generators: int) -> Tensor:
    """``p_hat_i``: "how often generator G_i obtained the maximum critic value among all
    generators for the current minibatch" (thesis Section 3.3.3), accumulated over its ``K``
    supersamples and normalised.

    Args:
        argmax: ``(K,)`` the winning generator of each supersample (:func:`supersample_max`).
        n_generators: ``N``.

    Returns:
        ``(N,)`` float64 frequencies that sum to 1.
    """
    if argmax.dim() != 1 or argmax.numel() == 0:
        raise ValueError(f"argmax must have shape (K,) with K >= 1, got {tuple(argmax.shape)}.")
    if int(argmax.min()) < 0 or int(argmax.max()) >= n_generators:
        raise ValueError(f"argmax holds generator indices outside [0, {n_generators}).")
    counts = torch.bincount(argmax.detach().cpu(), minlength=n_generators).double()
    return counts / counts.sum()
