"""Warm starts: generators pretrained as auto-encoders before adversarial training begins.

A translation that changes little of its input (removing eyeglasses or a smile from a face) is
close to the identity map, yet a freshly initialised generator starts far from it and, at small
scale, a short GAN schedule may never get back: its outputs stay blurrier than the input. A warm
start first trains every generator of a trainer to reproduce its input (L1, as the identity
loss of CycleGAN) on the training images of both domains, with an optimiser of its own, so that
the adversarial schedule starts from a near-identity map.

The warm start is not one of the trainer's options (adding one would change every stored run's
configuration hash): the caller records it in its own configuration (the book's runner reads an
optional top-level ``"warm_start"`` key) and runs it once, before the first training step.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset, default_collate

from .base import Trainer

__all__ = ["autoencoder_warm_start"]


def _domain_images(dataset: Dataset, idx: list[int]) -> Tensor:
    """``(2 len(idx), C, H, W)``: the ``A`` and ``B`` images of items ``idx``, concatenated."""
    batch = default_collate([dataset[i] for i in idx])
    return torch.cat([batch["A"], batch["B"]])


def autoencoder_warm_start(trainer: Trainer, dataset: Dataset, steps: int,
                           lr: float | None = None, batch_size: int | None = None,
                           seed: int | None = None) -> list[float]:
    """Train each generator of ``trainer`` to reproduce its input for ``steps`` steps.

    Every step draws ``batch_size`` items of ``dataset`` (dicts with ``"A"`` and ``"B"``
    images, as the trainers take) and, for every generator in ``trainer.generator_names``,
    minimises ``L1(G(x), x)`` over both domains' images with one Adam optimiser (the trainer's
    learning rate and betas unless ``lr`` is given). The trainer's own optimisers, schedulers,
    step counter and global random state are left as they were, so adversarial training starts
    from the warm generators exactly as it would from fresh ones; the time spent is added to
    ``trainer.wall_time``.

    Args:
        trainer: a trainer that has taken no step yet.
        dataset: the training set.
        steps: auto-encoder steps (0: nothing happens).
        lr: the learning rate (default: the trainer's).
        batch_size: items per step (default: the trainer's batch size).
        seed: seeds the item order (default: the trainer's seed).

    Returns:
        The summed L1 loss of the generators, one value per step.

    Raises:
        ValueError: ``steps < 0``, an empty dataset, or a trainer that has already trained.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if trainer.global_step > 0:
        raise ValueError(f"The trainer has taken {trainer.global_step} step(s): a warm start "
                         "must come before the first training step.")
    if len(dataset) == 0:
        raise ValueError("The training dataset is empty.")
    if steps == 0:
        return []
    c = trainer.config
    bs = batch_size or c.batch_size
    g = torch.Generator().manual_seed(c.seed if seed is None else seed)
    nets = [trainer.nets[name] for name in trainer.generator_names]
    params = [p for net in nets for p in net.parameters()]
    opt = torch.optim.Adam(params, lr=c.lr if lr is None else lr, betas=(c.beta1, c.beta2))
    losses = []
    t0 = time.perf_counter()
    with torch.random.fork_rng(devices=[trainer.device] if trainer.device.type == "cuda" else []):
        for _ in range(steps):
            idx = torch.randint(len(dataset), (bs,), generator=g).tolist()
            x = trainer._to_device(_domain_images(dataset, idx))
            with trainer.autocast():
                loss = sum(F.l1_loss(net(x).float(), x.float()) for net in nets)
            if not bool(torch.isfinite(loss)):
                raise FloatingPointError(f"The warm-start loss is {float(loss)} at step "
                                         f"{len(losses) + 1}: lower its learning rate.")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    trainer.wall_time += time.perf_counter() - t0
    return losses
