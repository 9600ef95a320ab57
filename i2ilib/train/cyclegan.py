"""CycleGAN (Zhu et al. 2017): two generators ``G_AB: A -> B`` and ``G_BA: B -> A`` and two
discriminators ``D_B`` (real B vs G_AB(A)) and ``D_A`` (real A vs G_BA(B)), trained on *unpaired*
data with adversarial losses, the cycle-consistency loss and the identity loss (implicit-pairs
paper, Sec. 3.1, eqs. 4-6)::

    L(G_AB, G_BA, D_A, D_B) = L_GAN(G_AB, D_B) + L_GAN(G_BA, D_A) + lambda_cyc * L_cyc
                              + lambda_id * lambda_cyc * L_id

Defaults are the published ones (reference implementation): ``resnet_9blocks`` generators,
instance norm, no dropout, 70x70 PatchGAN, ``lsgan``, ``lambda_cyc = 10`` (its lambda_A = lambda_B),
``lambda_id = 0.5``, image pool of 50, Adam(2e-4, betas (0.5, 0.999)), 100 + 100 epochs, batch 1.

Naming: the reference implementation calls ``G_AB`` "G_A" and ``D_B`` "D_A" (its D_A judges G_A's
outputs, which live in domain B). Here each discriminator is named by the domain it judges.
"""

from __future__ import annotations

import dataclasses
import itertools

from torch import Tensor

from ..losses import GANLoss, cycle_loss, gradient_penalty, identity_loss
from ..nets import define_D, define_G
from .base import Trainer, TrainerConfig, set_requires_grad
from .pool import ImagePool
from .schedule import linear_decay_scheduler


@dataclasses.dataclass
class CycleGANConfig(TrainerConfig):
    netG: str = "resnet_9blocks"
    ngf: int = 64
    n_blocks: int | None = None  # overrides the count in netG="resnet_Nblocks" when set
    netD: str = "basic"
    ndf: int = 64
    n_layers_D: int = 3
    norm: str = "instance"
    use_dropout: bool = False
    gan_mode: str = "lsgan"
    cycle_loss: str = "l1"  # "l1", "l2" or "l1+l2" (UCSD report, Table 2)
    lambda_cyc: float = 10.0
    lambda_id: float = 0.5
    pool_size: int = 50
    lambda_gp: float = 10.0  # only used with gan_mode="wgangp"

    def __post_init__(self) -> None:
        if self.n_blocks is not None:
            if not self.netG.startswith("resnet"):
                raise ValueError(f"n_blocks applies to ResNet generators, not netG={self.netG!r}.")
            residual = "_residual" if self.netG.endswith("_residual") else ""
            self.netG = f"resnet_{self.n_blocks}blocks{residual}"
        if self.lambda_id > 0 and self.input_nc != self.output_nc:
            raise ValueError(
                f"The identity loss feeds B images to G_AB, so it needs input_nc == output_nc "
                f"(got {self.input_nc} and {self.output_nc}): set lambda_id=0.")


class CycleGANTrainer(Trainer):
    """Trains ``G_AB, G_BA, D_A, D_B`` on unpaired batches ``{"A": ..., "B": ...}`` in [-1, 1]."""

    generator_names = ("G_AB", "G_BA")

    def __init__(self, config: CycleGANConfig | None = None, run_dir=None):
        config = config or CycleGANConfig()
        super().__init__(config, run_dir)
        c = config

        def G(i: int, o: int):
            return self._prepare(define_G(c.netG, i, o, ngf=c.ngf, norm=c.norm,
                                          use_dropout=c.use_dropout, init_type=c.init_type,
                                          init_gain=c.init_gain))

        def D(i: int):
            return self._prepare(define_D(c.netD, i, ndf=c.ndf, n_layers_D=c.n_layers_D,
                                          norm=c.norm, init_type=c.init_type,
                                          init_gain=c.init_gain))

        self.G_AB, self.G_BA = G(c.input_nc, c.output_nc), G(c.output_nc, c.input_nc)
        self.D_A, self.D_B = D(c.input_nc), D(c.output_nc)
        self.nets = {"G_AB": self.G_AB, "G_BA": self.G_BA, "D_A": self.D_A, "D_B": self.D_B}
        self.criterion_gan = GANLoss(c.gan_mode).to(self.device)
        self.pool_A = ImagePool(c.pool_size, seed=c.seed)  # past G_BA(B), shown to D_A
        self.pool_B = ImagePool(c.pool_size, seed=c.seed + 1)  # past G_AB(A), shown to D_B
        self.optimizers = {
            "G": self._adam(itertools.chain(self.G_AB.parameters(), self.G_BA.parameters())),
            "D": self._adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters())),
        }
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of both generators, then of both discriminators (the reference order)."""
        c = self.config
        real_A, real_B = self._to_device(batch["A"]), self._to_device(batch["B"])

        # --- generators
        set_requires_grad([self.D_A, self.D_B], False)
        with self.autocast():
            fake_B = self.G_AB(real_A)
            rec_A = self.G_BA(fake_B)
            fake_A = self.G_BA(real_B)
            rec_B = self.G_AB(fake_A)
            pred_fake_B = self.D_B(fake_B)
            pred_fake_A = self.D_A(fake_A)
            if c.lambda_id > 0:
                idt_B = self.G_AB(real_B)  # G_AB should leave a B image unchanged
                idt_A = self.G_BA(real_A)
        loss_G_AB = self.criterion_gan(pred_fake_B, True, for_discriminator=False)
        loss_G_BA = self.criterion_gan(pred_fake_A, True, for_discriminator=False)
        loss_cyc_A = cycle_loss(rec_A, real_A, c.cycle_loss) * c.lambda_cyc  # eq. 5, A->B->A
        loss_cyc_B = cycle_loss(rec_B, real_B, c.cycle_loss) * c.lambda_cyc  # eq. 5, B->A->B
        losses = {"G_AB": loss_G_AB, "G_BA": loss_G_BA, "cyc_A": loss_cyc_A, "cyc_B": loss_cyc_B}
        if c.lambda_id > 0:
            w = c.lambda_cyc * c.lambda_id
            losses["idt_A"] = identity_loss(idt_A, real_A, c.cycle_loss) * w
            losses["idt_B"] = identity_loss(idt_B, real_B, c.cycle_loss) * w
        self._backward_step(sum(losses.values()), self.optimizers["G"], losses)

        # --- discriminators, on real images and on images from the pools
        set_requires_grad([self.D_A, self.D_B], True)
        pooled_B = self.pool_B.query(fake_B)
        pooled_A = self.pool_A.query(fake_A)
        losses["D_B"] = self._d_loss(self.D_B, real_B, pooled_B)
        losses["D_A"] = self._d_loss(self.D_A, real_A, pooled_A)
        self._backward_step(losses["D_A"] + losses["D_B"], self.optimizers["D"],
                            {"D_A": losses["D_A"], "D_B": losses["D_B"]})
        self.scaler.update()
        return {k: v.item() for k, v in losses.items()}

    def _d_loss(self, D, real: Tensor, fake: Tensor) -> Tensor:
        with self.autocast():
            pred_real = D(real)
            pred_fake = D(fake.detach())
        loss = 0.5 * (self.criterion_gan(pred_real, True) + self.criterion_gan(pred_fake, False))
        if self.config.gan_mode == "wgangp":
            loss = loss + gradient_penalty(D, real, fake, lambda_gp=self.config.lambda_gp)
        return loss

    def extra_state(self) -> dict:
        return {"pool_A": self.pool_A.state_dict(), "pool_B": self.pool_B.state_dict()}

    def load_extra_state(self, state: dict) -> None:
        self.pool_A.load_state_dict(state["pool_A"], self.device)
        self.pool_B.load_state_dict(state["pool_B"], self.device)

    def translate_AB(self, A: Tensor) -> Tensor:
        """``G_AB(A)`` in eval mode, on CPU."""
        return self._translate(self.G_AB, A)

    def translate_BA(self, B: Tensor) -> Tensor:
        """``G_BA(B)`` in eval mode, on CPU."""
        return self._translate(self.G_BA, B)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        fake_B = self.translate_AB(batch["A"])
        fake_A = self.translate_BA(batch["B"])
        return {"real A": batch["A"], "G_AB(A)": fake_B, "G_BA(G_AB(A))": self.translate_BA(fake_B),
                "real B": batch["B"], "G_BA(B)": fake_A}
