"""Adversarial losses.

The conditional GAN objective of pix2pix (implicit-pairs paper, Sec. 3.1, eq. 1)::

    L_cGAN(G, D) = E_{x,y}[log D(x, y)] + E_x[log(1 - D(x, G(x)))]

is the ``vanilla`` mode below (binary cross-entropy on logits). CycleGAN (eqs. 4-6) replaces
the log-likelihood by a least-squares loss (``lsgan``), which the reference implementation uses
by default. ``hinge`` and ``wgangp`` are the two other common choices; ``wgangp`` comes with a real
gradient penalty (:func:`gradient_penalty`), which the reference code defines but never adds.

Every mode is called the same way: ``loss(prediction, target_is_real, for_discriminator)``.
``prediction`` is the raw discriminator output (logits / scores), shape ``(N, 1, H', W')`` for a
PatchGAN; the loss averages over every patch.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

GAN_MODES = ("vanilla", "lsgan", "hinge", "wgangp")


class GANLoss(nn.Module):
    """One adversarial loss, selected by ``mode``.

    ============ ======================================= =========================================
    mode         discriminator (real / fake)             generator (fake judged as real)
    ============ ======================================= =========================================
    ``vanilla``  BCE(D(y), 1), BCE(D(G(x)), 0)           BCE(D(G(x)), 1)  (non-saturating form)
    ``lsgan``    (D(y) - 1)^2, D(G(x))^2                 (D(G(x)) - 1)^2
    ``hinge``    relu(1 - D(y)), relu(1 + D(G(x)))       -D(G(x))
    ``wgangp``   -D(y), +D(G(x))  (+ gradient penalty)   -D(G(x))
    ============ ======================================= =========================================

    Args:
        mode: one of :data:`GAN_MODES`.
        real_label, fake_label: targets of ``vanilla``/``lsgan`` (1 and 0 as published).
    """

    def __init__(self, mode: str = "lsgan", real_label: float = 1.0, fake_label: float = 0.0):
        super().__init__()
        if mode not in GAN_MODES:
            raise ValueError(f"Unknown gan_mode {mode!r}: choose one of {', '.join(GAN_MODES)}.")
        self.mode = mode
        self.register_buffer("real_label", torch.tensor(real_label))
        self.register_buffer("fake_label", torch.tensor(fake_label))

    def _target(self, prediction: Tensor, target_is_real: bool) -> Tensor:
        label = self.real_label if target_is_real else self.fake_label
        return label.to(prediction.dtype).expand_as(prediction)

    def forward(
        self, prediction: Tensor, target_is_real: bool, for_discriminator: bool = True
    ) -> Tensor:
        """Mean loss over the batch and every patch.

        Args:
            prediction: discriminator output, any shape (typically ``(N, 1, H', W')``).
            target_is_real: whether ``prediction`` should be judged real.
            for_discriminator: only matters for ``hinge``, whose generator loss differs from
                its discriminator loss on fakes; the other modes ignore it.
        """
        prediction = prediction.float()
        if self.mode == "vanilla":
            return F.binary_cross_entropy_with_logits(
                prediction, self._target(prediction, target_is_real)
            )
        if self.mode == "lsgan":
            return F.mse_loss(prediction, self._target(prediction, target_is_real))
        if self.mode == "hinge" and for_discriminator:
            sign = -1.0 if target_is_real else 1.0
            return F.relu(1.0 + sign * prediction).mean()
        # wgangp (both players) and the hinge generator: a plain critic score.
        return -prediction.mean() if target_is_real else prediction.mean()


def gradient_penalty(
    D: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    kind: str = "mixed",
    constant: float = 1.0,
    lambda_gp: float = 10.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """WGAN-GP gradient penalty (Gulrajani et al. 2017, eq. 3)::

        lambda_gp * E_{x_hat}[(||grad_{x_hat} D(x_hat)||_2 - constant)^2]

    Args:
        D: the critic; for a conditional critic pass ``lambda x: D(torch.cat([cond, x], 1))``.
        real, fake: ``(N, C, H, W)`` batches; ``fake`` is detached here.
        kind: ``"mixed"`` (x_hat = e*real + (1-e)*fake, e ~ U[0,1] per sample), ``"real"`` or
            ``"fake"`` (the penalty at the data points themselves).
        constant: the target gradient norm (1 for WGAN-GP).
        lambda_gp: weight (10 as published).
        generator: optional RNG for the interpolation weights.

    Returns:
        A scalar tensor that can be back-propagated into ``D``.
    """
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real {tuple(real.shape)} and fake "
                         f"{tuple(fake.shape)} must have the same shape.")
    fake = fake.detach()
    if kind == "real":
        x_hat = real.detach()
    elif kind == "fake":
        x_hat = fake
    elif kind == "mixed":
        shape = (real.shape[0],) + (1,) * (real.dim() - 1)
        eps = torch.rand(shape, device=real.device, generator=generator, dtype=real.dtype)
        x_hat = eps * real.detach() + (1.0 - eps) * fake
    else:
        raise ValueError(f"Unknown gradient-penalty kind {kind!r}: use 'mixed', 'real' or 'fake'.")
    x_hat = x_hat.float().requires_grad_(True)
    out = D(x_hat)
    (grad,) = torch.autograd.grad(
        outputs=out, inputs=x_hat, grad_outputs=torch.ones_like(out),
        create_graph=True, retain_graph=True,
    )
    grad_norm = grad.flatten(1).norm(2, dim=1)
    return lambda_gp * ((grad_norm - constant) ** 2).mean()
