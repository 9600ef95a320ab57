"""A circular GAN between two distributions of points in the plane, several seeds at once.

The objective is CycleGAN's (Zhu et al. 2017, eq. 3), the form DiscoGAN and DualGAN share
(Benaim & Wolf's slides, "Circular GANs"):

    L(G_AB, G_BA, D_A, D_B) = L_GAN(G_AB, D_B) + L_GAN(G_BA, D_A)
                              + lambda_cyc (E_a |G_BA(G_AB(a)) - a|_1 + E_b |G_AB(G_BA(b)) - b|_1)

with the least-squares GAN loss by default (``gan_mode``) and the discriminators' loss halved,
as the reference CycleGAN code does. The domains are line segments, A and B, with points
uniform on each: the minimality example of the slides (Galanti, Wolf & Benaim, ICLR 2018,
Fig. 1), where infinitely many mappings carry A's distribution onto B's and only two of them,
``t -> t`` and ``t -> 1 - t`` along the segments, are the "semantic" ones.

Every network holds one copy per seed (:mod:`i2ilib.nets.points`); each copy draws its own
batches from its own generator, and the losses are sums over copies of each copy's mean, so a
seed's run is the run it would be alone (up to float rounding), only ``K`` times cheaper in
Python overhead.

- :class:`CircularPointsConfig` -- the settings, checked on construction.
- :func:`train_circular_points` -- trains and returns a :class:`CircularPointsRun`: the four
  networks, the loss history and snapshots of ``G_AB`` on fixed probe points of A.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from i2ilib.data.toy2d import segment_ends
from i2ilib.losses.gan import GAN_MODES, GANLoss
from i2ilib.losses.reconstruction import cycle_loss
from i2ilib.nets.points import minimal_translator, points_mlp
from i2ilib.train.base import _progress

__all__ = ["TRANSLATORS", "CircularPointsConfig", "CircularPointsRun", "train_circular_points"]

#: ``minimal``: ``sigma_a(W x + b)``, two units (:func:`i2ilib.nets.points.minimal_translator`);
#: ``mlp``: hidden layers (:func:`i2ilib.nets.points.points_mlp`).
TRANSLATORS = ("minimal", "mlp")

Segment = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class CircularPointsConfig:
    """Settings of :func:`train_circular_points`; one run per seed in ``seeds``."""

    translator: str = "minimal"
    hidden: int = 32  # the mlp translator's width
    n_hidden: int = 2  # ... and its number of hidden layers
    disc_hidden: int = 64
    disc_n_hidden: int = 2
    negative_slope: float = 0.2
    gan_mode: str = "lsgan"
    lambda_cyc: float = 1.0
    lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    steps: int = 2000
    batch_size: int = 64
    seeds: tuple[int, ...] = (0,)
    snapshot_every: int = 0  # 0: a snapshot at the end only

    def __post_init__(self) -> None:
        if self.translator not in TRANSLATORS:
            raise ValueError(f"translator must be one of {TRANSLATORS}, got {self.translator!r}")
        if self.gan_mode not in GAN_MODES:
            raise ValueError(f"gan_mode must be one of {GAN_MODES}, got {self.gan_mode!r}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct and at least one, got {self.seeds!r}")
        for name in ("steps", "batch_size", "hidden", "n_hidden", "disc_hidden", "disc_n_hidden"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.lambda_cyc < 0 or self.lr <= 0 or self.snapshot_every < 0:
            raise ValueError("lambda_cyc and snapshot_every must be >= 0 and lr > 0, got "
                             f"{self.lambda_cyc}, {self.snapshot_every}, {self.lr}")


@dataclass
class CircularPointsRun:
    """A trained circular GAN, one copy per seed (``K = len(config.seeds)``)."""

    config: CircularPointsConfig
    G_AB: nn.Module
    G_BA: nn.Module
    D_A: nn.Module
    D_B: nn.Module
    probe_t: Tensor  # (P,) positions along A of the probe points
    #: step -> (K, P, 2): G_AB of the probe points after that many steps (0: at initialisation)
    snapshots: dict[int, Tensor] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    wall_time_s: float = 0.0

    @torch.no_grad()
    def translate_AB(self, a: Tensor) -> Tensor:
        """``a`` (N, 2) -> (K, N, 2): every seed's ``G_AB(a)``."""
        return self.G_AB(a.expand(len(self.config.seeds), *a.shape))

    @torch.no_grad()
    def translate_BA(self, b: Tensor) -> Tensor:
        """``b`` (N, 2) -> (K, N, 2): every seed's ``G_BA(b)``."""
        return self.G_BA(b.expand(len(self.config.seeds), *b.shape))


def _translator(config: CircularPointsConfig, seeds: list[int]) -> nn.Module:
    if config.translator == "minimal":
        return minimal_translator(seeds, config.negative_slope)
    return points_mlp(seeds, 2, config.hidden, config.n_hidden, config.negative_slope)


def _batch(segment: Segment, n: int, generators: list[torch.Generator]) -> Tensor:
    """(K, n, 2): copy k's batch, uniform on the segment, from copy k's own generator."""
    p0, p1 = segment_ends(*segment)
    t = torch.stack([torch.rand(n, generator=g) for g in generators])  # (K, n)
    return p0 + t[..., None] * (p1 - p0)


def train_circular_points(segment_A: Segment, segment_B: Segment, config: CircularPointsConfig,
                          n_probe: int = 64, progress: bool = False) -> CircularPointsRun:
    """Train ``G_AB``, ``G_BA``, ``D_A``, ``D_B`` on points uniform on two segments.

    Args:
        segment_A, segment_B: each ``((x0, y0), (x1, y1))``, the segment's two ends.
        n_probe: probe points of A (evenly spaced along it) whose translations are kept.

    Raises:
        FloatingPointError: a loss became NaN or infinite (the step is named).
    """
    K = len(config.seeds)
    # each network of a copy draws its own start: seed s gives G_AB 4s, G_BA 4s+1, D_A 4s+2, ...
    nets = {name: [4 * s + i for s in config.seeds]
            for i, name in enumerate(("G_AB", "G_BA", "D_A", "D_B"))}
    G_AB, G_BA = _translator(config, nets["G_AB"]), _translator(config, nets["G_BA"])
    D_A, D_B = (points_mlp(nets[n], 1, config.disc_hidden, config.disc_n_hidden,
                           config.negative_slope) for n in ("D_A", "D_B"))
    betas = (config.beta1, config.beta2)
    opt_G = torch.optim.Adam([*G_AB.parameters(), *G_BA.parameters()], lr=config.lr, betas=betas)
    opt_D = torch.optim.Adam([*D_A.parameters(), *D_B.parameters()], lr=config.lr, betas=betas)
    gan = GANLoss(config.gan_mode)
    data_gens = [torch.Generator().manual_seed(10_000 + s) for s in config.seeds]

    probe_t = (torch.arange(n_probe, dtype=torch.float32) + 0.5) / n_probe
    segment_ends(*segment_B)
    p0, p1 = segment_ends(*segment_A)
    probe = (p0 + probe_t[:, None] * (p1 - p0)).expand(K, n_probe, 2)
    snapshots: dict[int, Tensor] = {}
    every = config.snapshot_every

    def snap(step: int) -> None:
        with torch.no_grad():
            snapshots[step] = G_AB(probe).clone()

    history: list[dict[str, float]] = []
    bar = _progress(progress, total=config.steps, desc="circular GAN", unit="step")
    t_start = time.perf_counter()
    if every:
        snap(0)
    for step in range(1, config.steps + 1):
        a = _batch(segment_A, config.batch_size, data_gens)  # (K, N, 2)
        b = _batch(segment_B, config.batch_size, data_gens)
        fake_B, fake_A = G_AB(a), G_BA(b)
        # each term is a mean over all K copies; times K it is the sum of the copies' own means
        loss_gan = gan(D_B(fake_B), True, for_discriminator=False) + \
            gan(D_A(fake_A), True, for_discriminator=False)
        loss_cyc = cycle_loss(G_BA(fake_B), a) + cycle_loss(G_AB(fake_A), b)
        loss_G = K * (loss_gan + config.lambda_cyc * loss_cyc)
        opt_G.zero_grad(set_to_none=True)
        loss_G.backward()
        opt_G.step()

        loss_D = 0.5 * K * (gan(D_B(b), True) + gan(D_B(fake_B.detach()), False)
                            + gan(D_A(a), True) + gan(D_A(fake_A.detach()), False))
        opt_D.zero_grad(set_to_none=True)
        loss_D.backward()
        opt_D.step()

        if not (torch.isfinite(loss_G) and torch.isfinite(loss_D)):
            raise FloatingPointError(f"circular GAN: a loss is not finite at step {step} "
                                     f"(G {loss_G.item()}, D {loss_D.item()}); lower lr")
        history.append({"step": step, "G_gan": loss_gan.item(), "cycle": loss_cyc.item(),
                        "D": loss_D.item() / K})
        if (every and step % every == 0) or step == config.steps:
            snap(step)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return CircularPointsRun(config, G_AB.eval(), G_BA.eval(), D_A.eval(), D_B.eval(), probe_t,
                             snapshots, history, time.perf_counter() - t_start)
