"""The independent Wasserstein critic (IW) on images (Wang 2020 thesis, Section 2.3.2, eq. 2.6;
Danihelka et al. 2017 [33]).

"This metric uses an independent critic D^ only for evaluation. This independent critic will
approximate the Wasserstein distance between two datasets X1 and X2 as"::

    IW(X1, X2) = E_{x~X1}[D^(x)] - E_{x~X2}[D^(x)]                                      (2.6)

"X1 is typically a validation set, used to train the independent critic." Here ``D^`` is the
WGAN-GP ResNet critic of :mod:`i2ilib.nets.wgan_resnet` (or any critic given), trained with the
WGAN-GP objective (eq. 2.3) on part of X1 and X2 and evaluated on the held-out rest, so that a
critic that memorises samples does not inflate the estimate.
:func:`i2ilib.metrics.distribution.independent_wasserstein_critic` is the same measure on
feature vectors with an MLP critic.

Sign: with ``D^`` trained to make eq. 2.6 large, :attr:`IWResult.value` estimates the distance
(``>= 0`` up to noise, lower = closer); the thesis's tables list its negation ("the higher the
better", Table 2.1): :attr:`IWResult.table_value`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ..losses import gradient_penalty, wgan_critic_loss
from ..nets.wgan_resnet import WGANResnetCritic
from .distribution import IWResult, _split

__all__ = ["independent_wasserstein_images"]


def _images(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor) or x.dim() != 4 or len(x) < 4:
        raise ValueError(f"{name} must be images (N, C, H, W) with N >= 4, got "
                         f"{getattr(x, 'shape', type(x).__name__)}.")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} holds NaN or infinite values.")
    return x.float().cpu()


def independent_wasserstein_images(
    x_ref: Tensor,
    x_gen: Tensor,
    *,
    critic: Callable[[], nn.Module] | None = None,
    ndf: int = 64,
    holdout: float = 0.5,
    n_steps: int = 1000,
    batch_size: int = 64,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    lambda_gp: float = 10.0,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> IWResult:
    """IW between reference images ``x_ref`` (X1, e.g. a validation set) and generated images
    ``x_gen`` (X2), eq. 2.6 on held-out images.

    Args:
        x_ref, x_gen: ``(N, C, S, S)`` and ``(M, C, S, S)`` images in ``[-1, 1]``, ``N, M >= 4``.
        critic: a function returning a fresh critic ``(B, C, S, S) -> (B,)``; default the
            WGAN-GP ResNet critic of width ``ndf`` (``S`` must be 16, 32 or 64).
        holdout: the fraction of each set kept for evaluation, in (0, 1).
        n_steps, batch_size, lr, betas, lambda_gp: the critic's training (WGAN-GP's Adam
            settings and penalty weight by default).
        seed: the split, the critic's initialisation and its batches; the global RNG is left as
            it was.

    Returns:
        :class:`~i2ilib.metrics.distribution.IWResult` (``value`` on the held-out images,
        ``train_value`` on the training ones, the critic in eval mode on the CPU).

    Raises:
        ValueError: fewer than 4 images, mismatched shapes, NaN/inf values, or ``holdout`` out
            of range.
    """
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}.")
    a, b = _images(x_ref, "x_ref"), _images(x_gen, "x_gen")
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f"x_ref and x_gen must have the same image shape, got "
                         f"{tuple(a.shape[1:])} and {tuple(b.shape[1:])}.")
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    a_train, a_eval = _split(a, holdout, gen)
    b_train, b_eval = _split(b, holdout, gen)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        D = (critic() if critic is not None
             else WGANResnetCritic(a.shape[-1], ndf, a.shape[1])).to(device)
        opt = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
        for _ in range(n_steps):
            ia = torch.randint(len(a_train), (batch_size,), generator=gen)
            ib = torch.randint(len(b_train), (batch_size,), generator=gen)
            real, fake = a_train[ia].to(device), b_train[ib].to(device)
            loss = wgan_critic_loss(D(real), D(fake)) + gradient_penalty(
                D, real, fake, lambda_gp=lambda_gp)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    D = D.eval().cpu()

    @torch.no_grad()
    def mean_score(x: Tensor) -> float:
        return float(torch.cat([D(x[i:i + 256]) for i in range(0, len(x), 256)]).mean())

    value = mean_score(a_eval) - mean_score(b_eval)
    train_value = mean_score(a_train) - mean_score(b_train)
    return IWResult(value=value, train_value=train_value, critic=D)
