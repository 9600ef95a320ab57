"""The cross-modal losses of mix and match networks (Wang 2020, thesis Section 4.4.3 and
Section 4.5.2; equation numbers are the thesis's).

The objective (Section 4.4.3)::

    L = lambda_R L_RGB + lambda_S L_SEG + lambda_D L_DEPTH + lambda_A L_LAT   (+ lambda_PP L_PP)

* RGB: ``L_RGB = lambda_L2 L_L2 + L_GAN`` with ``L_L2`` the pixelwise L2 distance of
  ``T_SR(y)``, ``T_DR(z)`` and ``T_RR(x)`` to ``x`` (eqs. 4.1-4.3), :func:`l2_loss`, and
  ``L_GAN`` the least-squares adversarial loss (``GANLoss("lsgan")`` of :mod:`.gan`).
* Depth: the average Berhu loss ``B`` of ``T_RD(x)`` and ``T_DD(z)`` against ``z`` (eqs. 4.4-4.6),
  :func:`berhu_loss`.
* Segmentation: the average cross-entropy of ``T_RS(x)`` and ``T_SS(y)`` against ``y`` (eqs.
  4.7-4.8; the thesis writes ``L_SEM`` there and ``L_SEG`` in the total), :func:`segmentation_loss`.
* Latent consistency: ``L_LAT = L_LAT1 + L_LAT2`` with ``L_LAT1 = E ||f_R(x) - f_S(y)||_2`` and
  ``L_LAT2 = E ||f_R(x) - f_D(z)||_2`` (eqs. 4.9-4.11), :func:`latent_consistency_loss`.
* Pseudo-pairs (Section 4.5.2): ``L_PP = E B(T_RD(x) - T_SD(y)) + E CE(T_RS(x), T_DS(z))``
  (eqs. 4.12-4.13), :func:`pseudo_pair_depth_loss` and :func:`pseudo_pair_segmentation_loss`.

Readings, named:

* ``||a - b||_2`` in eqs. 4.1-4.3 and 4.10-4.11 is read as the mean squared difference over
  pixels (or latent elements) and the batch, the usual implementation of an "L2 distance" loss;
  ``latent_consistency_loss(kind="norm")`` is the literal Euclidean norm per sample, averaged.
* In eq. 4.6 ``c = max_i |z'_i - z_i| / 5`` over the pixels of *each image* (as the thesis
  says) and is held constant in the gradient (it is a threshold computed from the data, as in the
  reverse Huber loss of Laina et al., the thesis's ref. [88]). ``B`` averages over the pixels of
  an image, then over images. An image predicted exactly (``c = 0``) has loss 0.
* Eq. 4.13's cross-entropy between two predictions takes the pseudo-labels
  ``argmax T_RS(x)`` as hard targets (pseudo-labels, the thesis's refs. [147, 209]). Both
  pseudo-pair targets carry no gradient: "we do not update the weights of the translators
  involving RGB with the pseudo-pairs" (Section 4.5.2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..nets.mmnets import UNLABELLED
from .reconstruction import reconstruction_loss

__all__ = [
    "LATENT_KINDS",
    "berhu",
    "berhu_loss",
    "l2_loss",
    "latent_consistency_loss",
    "pseudo_pair_depth_loss",
    "pseudo_pair_segmentation_loss",
    "segmentation_loss",
]

#: How ``||f_i - f_j||_2`` is read (module docstring).
LATENT_KINDS = ("mse", "norm")


def _same_shape(a: Tensor, b: Tensor, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what} needs equal shapes, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")


def l2_loss(output: Tensor, target: Tensor) -> Tensor:
    """``L_L2`` of one translation into RGB (eqs. 4.1-4.3): the mean of ``(output - target)^2``.

    Shapes: ``(N, 3, H, W)`` twice -> scalar.
    """
    return reconstruction_loss(output, target, "l2")


def berhu(diff: Tensor) -> Tensor:
    """The Berhu (reverse Huber) penalty of eq. 4.6 per pixel, with ``c`` per image::

        B(d) = |d|                  if |d| <= c
               (d^2 + c^2) / (2c)   if |d| >  c,      c = max_i |d_i| / 5  (per image)

    Shapes: ``(N, ...)`` -> ``(N, ...)`` (``c`` is taken over all but the first axis).
    """
    if diff.dim() < 2:
        raise ValueError(f"berhu takes a batch of differences (N, ...), got {tuple(diff.shape)}.")
    diff = diff.float()
    a = diff.abs()
    c = (a.detach().flatten(1).amax(1) / 5.0).view(-1, *([1] * (diff.dim() - 1)))
    safe_c = torch.where(c > 0, c, torch.ones_like(c))
    return torch.where(a <= c, a, (diff**2 + c**2) / (2 * safe_c))


def berhu_loss(prediction: Tensor, target: Tensor) -> Tensor:
    """The average Berhu loss ``B(prediction - target)`` (eqs. 4.4-4.6): the mean of
    :func:`berhu` over each image's pixels, then over the images.

    Shapes: ``(N, 1, H, W)`` twice -> scalar.
    """
    _same_shape(prediction, target, "The Berhu loss")
    return berhu(prediction - target).flatten(1).mean(1).mean()


def segmentation_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """The average cross-entropy ``CE(T(.), y)`` of eqs. 4.7-4.8 over the labelled pixels:
    those labelled :data:`UNLABELLED` (255, a real dataset's holes) are skipped, and a batch
    without a labelled pixel costs 0.

    Shapes: ``logits (N, K, H, W)``, ``labels (N, H, W)`` int64 class ids -> scalar.
    """
    if logits.dim() != 4 or labels.shape != (logits.shape[0], *logits.shape[2:]):
        raise ValueError(f"The cross-entropy takes logits (N, K, H, W) and labels (N, H, W), "
                         f"got {tuple(logits.shape)} and {tuple(labels.shape)}.")
    if not bool((labels != UNLABELLED).any()):
        return logits.new_zeros((), dtype=torch.float32) + logits.float().sum() * 0.0  # not 0 / 0
    return F.cross_entropy(logits.float(), labels.long(), ignore_index=UNLABELLED)


def latent_consistency_loss(h_a: Tensor, h_b: Tensor, kind: str = "mse") -> Tensor:
    """One latent consistency term, ``||f_R(x) - f_S(y)||_2`` (eq. 4.10) or ``||f_R(x) -
    f_D(z)||_2`` (eq. 4.11); ``L_LAT`` (eq. 4.9) is their sum.

    Args:
        h_a, h_b: latent codes ``(N, C, H', W')`` of the two modalities of the same scenes.
        kind: ``"mse"`` (mean squared difference, the default reading) or ``"norm"`` (the
            Euclidean norm of each sample's difference, averaged over the batch).
    """
    _same_shape(h_a, h_b, "The latent consistency loss")
    d = h_a.float() - h_b.float()
    if kind == "mse":
        return (d**2).mean()
    if kind == "norm":
        return d.flatten(1).norm(dim=1).mean()
    raise ValueError(f"Unknown latent loss kind {kind!r}: choose one of "
                     f"{', '.join(LATENT_KINDS)}.")


def pseudo_pair_depth_loss(T_SD_y: Tensor, T_RD_x: Tensor) -> Tensor:
    """Eq. 4.12: ``B(T_RD(x) - T_SD(y))`` on ``(x, y)`` of ``D_RS``; ``T_RD(x)`` is the
    pseudo-target and gets no gradient.

    Shapes: ``(N, 1, H, W)`` twice -> scalar.
    """
    return berhu_loss(T_SD_y, T_RD_x.detach())


def pseudo_pair_segmentation_loss(T_DS_z: Tensor, T_RS_x: Tensor) -> Tensor:
    """Eq. 4.13: ``CE(T_RS(x), T_DS(z))`` on ``(x, z)`` of ``D_RD``, with the hard pseudo-labels
    ``argmax T_RS(x)`` (no gradient) as targets of the scores ``T_DS(z)``.

    Shapes: ``(N, K, H, W)`` twice -> scalar.
    """
    _same_shape(T_DS_z, T_RS_x, "The pseudo-pair cross-entropy")
    return segmentation_loss(T_DS_z, T_RS_x.detach().argmax(1))
