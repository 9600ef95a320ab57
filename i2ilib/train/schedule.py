"""Learning-rate schedule of pix2pix and CycleGAN: keep the rate for ``n_epochs`` epochs, then
decay it linearly to zero over ``n_epochs_decay`` epochs (the reference implementation's
``linear`` policy, with ``epoch_count = 1``)."""

from __future__ import annotations

import torch


def linear_decay_factor(epoch: int, n_epochs: int, n_epochs_decay: int) -> float:
    """Multiplier of the initial learning rate during 0-based ``epoch``.

    ``1.0`` for epochs ``0 .. n_epochs - 1``; then ``1 - k / (n_epochs_decay + 1)`` in the k-th
    decay epoch (k = 1 .. n_epochs_decay), ending at ``1 / (n_epochs_decay + 1)``.
    """
    if n_epochs < 0 or n_epochs_decay < 0:
        raise ValueError("n_epochs and n_epochs_decay must be >= 0.")
    return 1.0 - max(0, epoch + 1 - n_epochs) / float(n_epochs_decay + 1)


def linear_decay_scheduler(
    optimizer: torch.optim.Optimizer, n_epochs: int, n_epochs_decay: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` applying :func:`linear_decay_factor`; call ``.step()`` once per epoch."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda e: linear_decay_factor(e, n_epochs, n_epochs_decay)
    )
