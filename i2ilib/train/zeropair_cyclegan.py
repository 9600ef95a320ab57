"""The CycleGAN baseline of zero-pair translation (Wang 2020, thesis Section 4.6.2, "Baselines";
Tables 4.4-4.5, rows "CycleGAN (SC)" and "CycleGAN"): "We adapt CycleGAN to learn a mapping from
depth to semantic segmentation (and vice versa) in a purely unpaired setting. [...] this method
only leverages depth and semantic segmentation, ignoring the available RGB data and the
corresponding pairs."

Two U-Net generators (skip connections, the thesis's "SC"; :mod:`i2ilib.train.zeropair_baselines`)
``G_DS: D -> S`` (class scores) and ``G_SD: S -> D``, trained on depth ``z`` of ``D_RD`` and
labels ``y`` of ``D_RS`` (never of one scene, never with their RGB), with CycleGAN's objective
(Zhu et al. 2017, eqs. 1-3) and the modality's own cycle losses::

    L = L_GAN(G_DS, C_S) + L_GAN(G_SD, C_D) + lambda_cyc [ ||G_SD(p(z)) - z||_1
                                                          + CE(G_DS(G_SD(y)), y) ]

where ``p(z) = softmax(G_DS(z))``, the class probabilities that stand for a segmentation wherever
one is judged or translated back, and ``y`` enters ``G_SD`` as one-hot maps. The discriminators
are least-squares PatchGANs: ``C_S`` judges one-hot maps of ``D_RS`` (real) against ``p(z)``
(fake), ``C_D`` depth of ``D_RD`` against ``G_SD(y)``; each minimises ``1/2 [(C(real) - 1)^2 +
C(fake)^2]`` over fakes drawn from a pool of 50 past ones, and the generators ``(C(fake) -
1)^2``. Defaults are CycleGAN's (instance norm, no dropout, 70x70 PatchGAN, ``lsgan``,
``lambda_cyc = 10``, pool 50).

Readings and deviations, named: no identity loss (depth and segmentation have different channels,
so ``G_DS(y)`` is not defined); the cycle through segmentation is scored by the cross-entropy
and the one through depth by L1, CycleGAN's cycle norm; the schedule (steps at a constant
learning rate, M&MNets' budget, in place of CycleGAN's epochs with a linear decay); U-Net
generators in place of CycleGAN's ResNet ones, as the thesis's "(SC)" says.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import ClassVar

import torch.nn.functional as F
from torch import Tensor

from ..losses import GANLoss, segmentation_loss
from ..nets import define_D
from .base import check_int, set_requires_grad
from .pool import ImagePool
from .zeropair_baselines import ZeroPairBaselineConfig, ZeroPairBaselineTrainer, modality_generator

__all__ = ["ZeroPairCycleGANConfig", "ZeroPairCycleGANTrainer"]


@dataclasses.dataclass
class ZeroPairCycleGANConfig(ZeroPairBaselineConfig):
    """Options of :class:`ZeroPairCycleGANTrainer` (module docstring).

    Attributes:
        gan_mode: the adversarial loss (CycleGAN: ``"lsgan"``).
        lambda_cyc: the weight of both cycle losses (CycleGAN: 10).
        pool_size: fakes kept for the discriminators (CycleGAN: 50; 0: none).
    """

    norm: str = "instance"
    gan_mode: str = "lsgan"
    lambda_cyc: float = 10.0
    pool_size: int = 50

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gan_mode not in ("lsgan", "vanilla"):
            raise ValueError(f"gan_mode must be 'lsgan' (CycleGAN) or 'vanilla', got "
                             f"{self.gan_mode!r}.")
        self._check_weights("lambda_cyc")
        check_int("pool_size", self.pool_size, 0)


class ZeroPairCycleGANTrainer(ZeroPairBaselineTrainer):
    """Trains CycleGAN between depth and segmentation (module docstring) on batches of
    :class:`~i2ilib.data.zeropair.ZeroPairDataset`, of which it reads ``S`` and ``D`` only.

    Networks: ``G_DS, G_SD`` and the discriminators ``C_S, C_D``; optimisers ``"G"`` and
    ``"D"``. The loss history holds ``GAN_DS, GAN_SD, CYC_D, CYC_S, D_S, D_D`` (unweighted)
    and ``total``.
    """

    needed = ("S", "D")
    generator_names = ("G_DS", "G_SD")
    generators: ClassVar[dict[str, tuple[str, str]]] = {"G_DS": ("D", "S"), "G_SD": ("S", "D")}
    routes: ClassVar[dict[tuple[str, str], tuple[str, ...]]] = {("D", "S"): ("G_DS",),
                                                                ("S", "D"): ("G_SD",)}

    def __init__(self, config: ZeroPairCycleGANConfig | None = None,
                 run_dir: str | Path | None = None):
        config = config or ZeroPairCycleGANConfig()
        if not isinstance(config, ZeroPairCycleGANConfig):
            raise TypeError(f"ZeroPairCycleGANTrainer takes a ZeroPairCycleGANConfig, got "
                            f"{type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        nets = {name: self._prepare(modality_generator(c, *st))
                for name, st in self.generators.items()}
        for name, modality in (("C_S", "S"), ("C_D", "D")):
            nets[name] = self._prepare(define_D(
                c.netD, c.channels(modality), ndf=c.ndf, n_layers_D=c.n_layers_D, norm=c.norm,
                init_type=c.init_type, init_gain=c.init_gain))
        self.nets = nets
        self.criterion_gan = GANLoss(c.gan_mode).to(self.device)
        self.pool_S = ImagePool(c.pool_size, seed=c.seed)  # past p(z), shown to C_S
        self.pool_D = ImagePool(c.pool_size, seed=c.seed + 1)  # past G_SD(y), shown to C_D
        self.optimizers = {
            "G": self._adam(itertools.chain(nets["G_DS"].parameters(),
                                            nets["G_SD"].parameters())),
            "D": self._adam(itertools.chain(nets["C_S"].parameters(), nets["C_D"].parameters())),
        }

    def _d_loss(self, C, real: Tensor, fake: Tensor) -> Tensor:
        with self.autocast():
            pred_real, pred_fake = C(real), C(fake.detach())
        return 0.5 * (self.criterion_gan(pred_real, True) + self.criterion_gan(pred_fake, False))

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of both generators, then of both discriminators (CycleGAN's order)."""
        c, n = self.config, self.nets
        y, z = self._to_device(batch["S"]), self._to_device(batch["D"])
        y_1hot = self.one_hot(y)

        set_requires_grad([n["C_S"], n["C_D"]], False)
        with self.autocast():
            fake_S = n["G_DS"](z).float().softmax(1)  # p(z)
            rec_D = n["G_SD"](fake_S)
            fake_D = n["G_SD"](y_1hot)
            rec_S = n["G_DS"](fake_D)  # class scores
            pred_S, pred_D = n["C_S"](fake_S), n["C_D"](fake_D)
        terms = {"GAN_DS": self.criterion_gan(pred_S, True, for_discriminator=False),
                 "GAN_SD": self.criterion_gan(pred_D, True, for_discriminator=False),
                 "CYC_D": F.l1_loss(rec_D.float(), z.float()),  # D -> S -> D
                 "CYC_S": segmentation_loss(rec_S, y)}  # S -> D -> S
        total = (terms["GAN_DS"] + terms["GAN_SD"]
                 + c.lambda_cyc * (terms["CYC_D"] + terms["CYC_S"]))
        self._backward_step(total, self.optimizers["G"], terms)

        set_requires_grad([n["C_S"], n["C_D"]], True)
        d_terms = {"D_S": self._d_loss(n["C_S"], y_1hot, self.pool_S.query(fake_S.detach())),
                   "D_D": self._d_loss(n["C_D"], z, self.pool_D.query(fake_D.detach()))}
        self._backward_step(d_terms["D_S"] + d_terms["D_D"], self.optimizers["D"], d_terms)
        self.scaler.update()
        return {**{k: v.item() for k, v in {**terms, **d_terms}.items()}, "total": total.item()}

    def extra_state(self) -> dict:
        return {"pool_S": self.pool_S.state_dict(), "pool_D": self.pool_D.state_dict()}

    def load_extra_state(self, state: dict) -> None:
        self.pool_S.load_state_dict(state["pool_S"], self.device)
        self.pool_D.load_state_dict(state["pool_D"], self.device)
