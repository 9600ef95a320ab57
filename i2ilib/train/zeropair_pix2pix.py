"""The "2x pix2pix" baseline of zero-pair translation (Wang 2020, thesis Section 4.6.2,
"Baselines"; Tables 4.4-4.5, rows "2x pix2pix (SC)" and "2x pix2pix"): "We adapt pix2pix to learn
two cross-modal translations from paired data (i.e. D -> R and R -> S). The architecture uses
skip connections [...] and the corresponding modality-specific losses."

Four pix2pix translators (U-Net generators, :mod:`i2ilib.train.zeropair_baselines`), each on the
set that pairs its two modalities:

* ``G_DR: D -> R`` and ``G_RD: R -> D`` on the pairs ``(x, z)`` of ``D_RD``;
* ``G_RS: R -> S`` and ``G_SR: S -> R`` on the pairs ``(x, y)`` of ``D_RS``.

The unseen translations go through RGB: ``D -> S = G_RS(G_DR(z))`` (the thesis's pair) and
``S -> D = G_RD(G_SR(y))`` (the same construction the other way, Table 4.5's row). No step ever
sees depth and segmentation of one scene. Losses, by the modality a translator produces::

    into RGB:   L_cGAN(G, C) + lambda_L1 ||G(a) - x||_1     (pix2pix, eqs. 1-4; lambda_L1 = 100)
    into S:     lambda_S CE(G_RS(x), y)                      (M&MNets' eq. 4.7)
    into D:     lambda_D B(G_RD(x) - z)                      (M&MNets' eq. 4.4, the Berhu loss)

with one conditional PatchGAN per RGB translator judging ``cat(input, output)``: ``C_DR`` on
``(z, x)``, ``C_SR`` on ``(one-hot y, x)``, each minimising ``1/2 [BCE(C(a, x), 1) + BCE(C(a,
G(a)), 0)]`` (pix2pix's reference implementation: ``vanilla`` GAN loss, the factor 1/2, the
discriminators stepped before the generators). Defaults are pix2pix's (batch norm, dropout in the
inner U-Net blocks, the 70x70 PatchGAN) and M&MNets' ``lambda_S = 100``, ``lambda_D = 10`` (each
of those translators has that one term, so with Adam the weight hardly matters).

Readings and deviations, named: the schedule (:mod:`i2ilib.train.zeropair_baselines`: steps at a
constant learning rate, M&MNets' budget, in place of pix2pix's epochs with a linear decay); one
step trains all four translators, each on its own set's batch; the segmentation generator's
output layer has no ``tanh``.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from ..losses import GANLoss, berhu_loss, segmentation_loss
from ..nets import define_D
from .base import set_requires_grad
from .zeropair_baselines import ZeroPairBaselineConfig, ZeroPairBaselineTrainer, modality_generator

__all__ = ["ZeroPairPix2PixConfig", "ZeroPairPix2PixTrainer"]


@dataclasses.dataclass
class ZeroPairPix2PixConfig(ZeroPairBaselineConfig):
    """Options of :class:`ZeroPairPix2PixTrainer` (module docstring).

    Attributes:
        gan_mode: the cGAN loss (pix2pix: ``"vanilla"``).
        lambda_L1, lambda_GAN: the weights of the translators into RGB.
        lambda_S, lambda_D: the weights of the cross-entropy and the Berhu loss.
    """

    use_dropout: bool = True
    gan_mode: str = "vanilla"
    lambda_L1: float = 100.0
    lambda_GAN: float = 1.0
    lambda_S: float = 100.0
    lambda_D: float = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gan_mode not in ("vanilla", "lsgan"):
            raise ValueError(f"gan_mode must be 'vanilla' (pix2pix) or 'lsgan', got "
                             f"{self.gan_mode!r}.")
        self._check_weights("lambda_L1", "lambda_GAN", "lambda_S", "lambda_D")


class ZeroPairPix2PixTrainer(ZeroPairBaselineTrainer):
    """Trains the four translators of 2x pix2pix (module docstring) on batches of
    :class:`~i2ilib.data.zeropair.ZeroPairDataset` (``R_RS, S`` of ``D_RS``; ``R_RD, D`` of
    ``D_RD``).

    Networks: ``G_DR, G_RD, G_RS, G_SR`` and the discriminators ``C_DR, C_SR``; optimisers
    ``"G"`` (the four generators) and ``"D"`` (both discriminators). The loss history holds
    ``GAN_DR, GAN_SR, L1_DR, L1_SR, DEPTH, SEG, D_DR, D_SR`` (unweighted) and ``total``.
    """

    generator_names = ("G_DR", "G_RD", "G_RS", "G_SR")
    generators: ClassVar[dict[str, tuple[str, str]]] = {
        "G_DR": ("D", "R"), "G_RD": ("R", "D"), "G_RS": ("R", "S"), "G_SR": ("S", "R")}
    routes: ClassVar[dict[tuple[str, str], tuple[str, ...]]] = {
        ("D", "R"): ("G_DR",), ("R", "D"): ("G_RD",), ("R", "S"): ("G_RS",),
        ("S", "R"): ("G_SR",), ("D", "S"): ("G_DR", "G_RS"), ("S", "D"): ("G_SR", "G_RD")}

    def __init__(self, config: ZeroPairPix2PixConfig | None = None,
                 run_dir: str | Path | None = None):
        config = config or ZeroPairPix2PixConfig()
        if not isinstance(config, ZeroPairPix2PixConfig):
            raise TypeError(f"ZeroPairPix2PixTrainer takes a ZeroPairPix2PixConfig, got "
                            f"{type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        nets = {name: self._prepare(modality_generator(c, *st))
                for name, st in self.generators.items()}
        for name, source in (("C_DR", "D"), ("C_SR", "S")):
            nets[name] = self._prepare(define_D(
                c.netD, c.channels(source) + c.input_nc, ndf=c.ndf, n_layers_D=c.n_layers_D,
                norm=c.norm, init_type=c.init_type, init_gain=c.init_gain))
        self.nets = nets
        self.criterion_gan = GANLoss(c.gan_mode).to(self.device)
        self.optimizers = {
            "G": self._adam(itertools.chain(*(nets[k].parameters()
                                              for k in self.generator_names))),
            "D": self._adam(itertools.chain(nets["C_DR"].parameters(),
                                            nets["C_SR"].parameters())),
        }

    def _d_loss(self, C, a: Tensor, real: Tensor, fake: Tensor) -> Tensor:
        """``1/2 [L(C(a, real), 1) + L(C(a, fake), 0)]``, the fake detached."""
        with self.autocast():
            pred_real = C(torch.cat([a, real], 1))
            pred_fake = C(torch.cat([a, fake.detach()], 1))
        return 0.5 * (self.criterion_gan(pred_real, True) + self.criterion_gan(pred_fake, False))

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of both discriminators, then of the four generators (pix2pix's order)."""
        c, n = self.config, self.nets
        x_rs, y = self._to_device(batch["R_RS"]), self._to_device(batch["S"])
        x_rd, z = self._to_device(batch["R_RD"]), self._to_device(batch["D"])
        y_1hot = self.one_hot(y)
        with self.autocast():
            fake_DR = n["G_DR"](z)
            fake_SR = n["G_SR"](y_1hot)

        set_requires_grad([n["C_DR"], n["C_SR"]], True)
        d_terms = {"D_DR": self._d_loss(n["C_DR"], z, x_rd, fake_DR),
                   "D_SR": self._d_loss(n["C_SR"], y_1hot, x_rs, fake_SR)}
        self._backward_step(d_terms["D_DR"] + d_terms["D_SR"], self.optimizers["D"], d_terms)

        set_requires_grad([n["C_DR"], n["C_SR"]], False)
        with self.autocast():
            pred_DR = n["C_DR"](torch.cat([z, fake_DR], 1))
            pred_SR = n["C_SR"](torch.cat([y_1hot, fake_SR], 1))
            depth = berhu_loss(n["G_RD"](x_rd), z)  # eq. 4.4
            seg = segmentation_loss(n["G_RS"](x_rs), y)  # eq. 4.7
        terms = {"GAN_DR": self.criterion_gan(pred_DR, True, for_discriminator=False),
                 "GAN_SR": self.criterion_gan(pred_SR, True, for_discriminator=False),
                 "L1_DR": F.l1_loss(fake_DR.float(), x_rd.float()),
                 "L1_SR": F.l1_loss(fake_SR.float(), x_rs.float()),
                 "DEPTH": depth, "SEG": seg}
        total = (c.lambda_GAN * (terms["GAN_DR"] + terms["GAN_SR"])
                 + c.lambda_L1 * (terms["L1_DR"] + terms["L1_SR"])
                 + c.lambda_D * depth + c.lambda_S * seg)
        self._backward_step(total, self.optimizers["G"], terms)
        set_requires_grad([n["C_DR"], n["C_SR"]], True)
        self.scaler.update()
        return {**{k: v.item() for k, v in {**terms, **d_terms}.items()}, "total": total.item()}
