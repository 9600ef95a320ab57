"""pix2pix (Isola et al. 2017): a U-Net generator and a PatchGAN discriminator trained with the
conditional GAN loss plus an L1 term (implicit-pairs paper, Sec. 3.1, eqs. 1-3)::

    G* = arg min_G max_D  L_cGAN(G, D) + lambda_L1 * L_L1(G)

The discriminator sees the input and the output together (``cat(A, B)``, channels stacked), so it
judges whether the *pair* is real. Defaults are the published ones (reference implementation):
``unet_256``, batch norm, dropout in the generator, 70x70 PatchGAN, ``vanilla`` GAN loss,
``lambda_L1 = 100``, Adam(2e-4, betas (0.5, 0.999)), 100 + 100 epochs, batch size 1, no image pool.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from ..losses import GANLoss, gradient_penalty, reconstruction_loss
from ..nets import define_D, define_G
from .base import Trainer, TrainerConfig, set_requires_grad
from .schedule import linear_decay_scheduler


@dataclasses.dataclass
class Pix2PixConfig(TrainerConfig):
    netG: str = "unet_256"
    ngf: int = 64
    netD: str = "basic"
    ndf: int = 64
    n_layers_D: int = 3
    norm: str = "batch"
    use_dropout: bool = True
    gan_mode: str = "vanilla"
    rec_loss: str = "l1"  # "l1", "l2" or "l1+l2" (UCSD report, Table 1)
    lambda_L1: float = 100.0
    lambda_GAN: float = 1.0  # 0 trains with the L1 term alone (pix2pix paper, Fig. 4 "L1")
    lambda_gp: float = 10.0  # only used with gan_mode="wgangp"


class Pix2PixTrainer(Trainer):
    """Trains ``G`` (A -> B) and ``D`` (judges ``(A, B)`` pairs) on paired batches
    ``{"A": (N, input_nc, H, W), "B": (N, output_nc, H, W)}`` in [-1, 1]."""

    generator_names = ("G",)

    def __init__(self, config: Pix2PixConfig | None = None, run_dir=None):
        config = config or Pix2PixConfig()
        super().__init__(config, run_dir)
        c = config
        self.G = self._prepare(define_G(c.netG, c.input_nc, c.output_nc, ngf=c.ngf, norm=c.norm,
                                        use_dropout=c.use_dropout, init_type=c.init_type,
                                        init_gain=c.init_gain))
        self.D = self._prepare(define_D(c.netD, c.input_nc + c.output_nc, ndf=c.ndf,
                                        n_layers_D=c.n_layers_D, norm=c.norm,
                                        init_type=c.init_type, init_gain=c.init_gain))
        self.nets = {"G": self.G, "D": self.D}
        self.criterion_gan = GANLoss(c.gan_mode).to(self.device)
        self.optimizers = {"G": self._adam(self.G.parameters()),
                           "D": self._adam(self.D.parameters())}
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One optimisation step of D, then of G (the reference order). Returns the losses."""
        c = self.config
        real_A, real_B = self._to_device(batch["A"]), self._to_device(batch["B"])
        with self.autocast():
            fake_B = self.G(real_A)

        # --- D: maximise log D(x, y) + log(1 - D(x, G(x)))  (eq. 1)
        set_requires_grad(self.D, True)
        with self.autocast():
            pred_fake = self.D(torch.cat([real_A, fake_B.detach()], 1))
            pred_real = self.D(torch.cat([real_A, real_B], 1))
        loss_D_fake = self.criterion_gan(pred_fake, False)
        loss_D_real = self.criterion_gan(pred_real, True)
        loss_D = 0.5 * (loss_D_fake + loss_D_real)
        if c.gan_mode == "wgangp":
            loss_D = loss_D + gradient_penalty(
                lambda y: self.D(torch.cat([real_A, y], 1)), real_B, fake_B,
                lambda_gp=c.lambda_gp)
        self._backward_step(loss_D, self.optimizers["D"],
                            {"D_real": loss_D_real, "D_fake": loss_D_fake})

        # --- G: fool D, and stay close to the target (eqs. 2-3)
        set_requires_grad(self.D, False)
        with self.autocast():
            pred_fake = self.D(torch.cat([real_A, fake_B], 1))
        loss_G_GAN = self.criterion_gan(pred_fake, True, for_discriminator=False)
        loss_G_L1 = reconstruction_loss(fake_B, real_B, c.rec_loss) * c.lambda_L1
        loss_G = c.lambda_GAN * loss_G_GAN + loss_G_L1
        self._backward_step(loss_G, self.optimizers["G"], {"G_GAN": loss_G_GAN, "G_L1": loss_G_L1})
        set_requires_grad(self.D, True)
        self.scaler.update()
        return {"G_GAN": loss_G_GAN.item(), "G_L1": loss_G_L1.item(),
                "D_real": loss_D_real.item(), "D_fake": loss_D_fake.item()}

    def translate(self, A: Tensor) -> Tensor:
        """``G(A)`` in eval mode: ``(N, input_nc, H, W)`` -> ``(N, output_nc, H, W)`` on CPU."""
        return self._translate(self.G, A)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        return {"input A": batch["A"], "output G(A)": self.translate(batch["A"]),
                "target B": batch["B"]}
