"""StarGAN between modalities, the zero-pair baselines of Wang 2020, thesis Section 4.6.2
("Baselines"), Tables 4.4-4.5's rows "StarGAN(unpaired)" and "StarGAN(paired)" (both "PI", "CE"):
one translator ``G(x, s, t)`` and one critic ``D = (D_src, D_cls)`` shared by RGB ``R``, depth
``D`` and segmentation ``S``, with modality-specific first and last layers
(:mod:`i2ilib.nets.stargan_modalities`), trained on M&MNets' two disjoint sets ``D_RS`` and
``D_RD`` (:class:`~i2ilib.train.mmnets.MMNetTrainer`'s batches) and tested on the unseen depth
<-> segmentation pair as M&MNets are (:meth:`StarGANModalityTrainer.translate`).

StarGAN's losses (its paper, eqs. 1-7; WGAN-GP as its reference code trains), over the modalities
seen in training. Every step translates every real batch into each *other* modality: the RGB
images of both sets ``x``, the labels ``y`` of ``D_RS`` (one-hot), the depth ``z`` of ``D_RD``::

    critic:    L_D = -E[D_src(r)] + E[D_src(G(x, s, t))] + lambda_cls L_cls^r + lambda_gp L_gp
    generator: L_G = -E[D_src(G(x, s, t))] + lambda_cls L_cls^f + lambda_rec L_rec

``L_cls^r = CE(D_cls(r), m)`` on real images ``r`` of modality ``m``, ``L_cls^f = CE(D_cls(G(x,
s, t)), t)``, ``L_gp`` the gradient penalty at points between real and translated images of a
modality (:func:`i2ilib.losses.gradient_penalty`). The reconstruction term:

* ``paired=False``, **StarGAN(unpaired)**, "the losses originally proposed": the cycle
  ``L_rec = E[loss_s(G(G(x, s, t), t, s), x)]`` for every (s, t), with the modality's own loss:
  L1 for RGB (StarGAN's), the Berhu loss of M&MNets for depth (eqs. 4.4-4.6) and the
  cross-entropy for segmentation (eq. 4.7). No pair is ever used: each term reads one
  modality's batch only.
* ``paired=True``, **StarGAN(paired)**: "we removed the cycle consistency"; instead the
  supervised losses of the seen pairs, ``CE(G(x, R, S), y)`` and ``L1(G(y, S, R), x)`` on
  ``D_RS``, ``B(G(x, R, D) - z)`` and ``L1(G(z, D, R), x)`` on ``D_RD``. The adversarial and
  classification terms stay (on every (s, t), the unseen ones included).

Defaults are StarGAN's (its Section 4.2 and reference code): Adam(1e-4, betas (0.5, 0.999)),
``lambda_cls = 1``, ``lambda_rec = 10``, ``lambda_gp = 10``, ``n_critic = 5`` (the generator is
updated after every fifth critic step), 200K iterations, a six-layer critic of width 64; the
networks' sizes are M&MNets' (Appendix A.3.1) and the batch M&MNets' 6.

Deviations and readings, named (the networks': :mod:`i2ilib.nets.stargan_modalities`):

* The thesis does not say how it weighs the reconstruction of depth and segmentation against
  StarGAN's adversarial term: every modality's reconstruction (and, paired, supervised) loss
  takes StarGAN's ``lambda_rec``, averaged over the translations that have one.
* StarGAN draws one random target per image; here every image is translated into both other
  modalities at every step (three modalities: no sampling noise, every pair trained equally).
  The source's own modality is not a target (that would be an auto-encoder, which StarGAN's
  random targets include by chance only).
* The critic sees segmentation as class probabilities: one-hot maps for the real labels, the
  softmax of the class scores for translations (the scores themselves would tell them apart);
  a translated segmentation enters the generator again (the cycle) as probabilities too.
* Each term is the mean over the modalities (adversarial, classification and penalty: over the
  target modalities; reconstruction: over the translations), so the weights keep StarGAN's
  scale. For the penalty the real images of a modality are repeated to the number of its
  translations.
* ``steps`` counts critic iterations, as StarGAN's ``num_iters`` (the generator takes
  ``steps // n_critic`` steps). The learning rate is constant (StarGAN's reference decays it
  over its last 100K iterations; the thesis says nothing).

Batches: :class:`~i2ilib.train.mmnets.MMNetTrainer`'s, ``{"R_RS", "S", "R_RD", "D"}``.
Networks (``self.nets``): ``G`` and ``D``; optimisers ``"G"`` and ``"D"``. History: ``D_adv``,
``D_cls``, ``D_gp``, ``D`` every step, and on generator steps ``G_adv``, ``G_cls``, ``REC``
(unpaired) or ``PAIR`` (paired) and ``G`` (weighted total).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from ..losses import (
    GANLoss,
    auxiliary_classifier_loss,
    berhu_loss,
    gradient_penalty,
    reconstruction_loss,
    segmentation_loss,
)
from ..nets.mmnets import MODALITIES, MMNetArchitecture, one_hot_labels
from ..nets.stargan_modalities import StarGANModalityGenerator, define_stargan_modalities
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad
from .mmnets import MMNetTrainer

__all__ = ["STARGAN_TRANSLATIONS", "StarGANModalityConfig", "StarGANModalityTrainer",
           "stargan_modality_generator_from_config"]

#: The translations of a step: every (source, target) of two different modalities.
STARGAN_TRANSLATIONS: tuple[tuple[str, str], ...] = tuple(
    (s, t) for s in MODALITIES for t in MODALITIES if s != t)

_LAMBDAS = ("lambda_cls", "lambda_rec", "lambda_gp")


@dataclasses.dataclass
class StarGANModalityConfig(TrainerConfig):
    """Options of :class:`StarGANModalityTrainer` (defaults: the module docstring).

    Attributes:
        input_nc, output_nc: RGB channels (3); both must be equal.
        ngf, n_levels, n_classes, depth_nc: the networks' sizes
            (:class:`~i2ilib.nets.mmnets.MMNetArchitecture`; always pooling indices).
        ndf, n_layers_D: the critic's width and stride-2 layers (StarGAN: 64, 6).
        steps: critic iterations in all (StarGAN: 200K).
        n_critic: critic steps per generator step (StarGAN: 5).
        paired: StarGAN(paired) (supervised seen pairs, no cycle) instead of StarGAN(unpaired).
        lambda_cls, lambda_rec, lambda_gp: StarGAN's weights (1, 10, 10).
    """

    lr: float = 1e-4
    batch_size: int = 6
    n_epochs: int = 0
    n_epochs_decay: int = 0
    ngf: int = 64
    n_levels: int = 5
    n_classes: int = 12
    depth_nc: int = 1
    ndf: int = 64
    n_layers_D: int = 6
    steps: int = 200_000
    n_critic: int = 5
    paired: bool = False
    lambda_cls: float = 1.0
    lambda_rec: float = 10.0
    lambda_gp: float = 10.0

    def __post_init__(self) -> None:
        if self.input_nc != self.output_nc:
            raise ValueError(f"input_nc and output_nc are both the RGB channels here; got "
                             f"{self.input_nc} and {self.output_nc}.")
        if self.n_epochs or self.n_epochs_decay:
            raise ValueError("StarGAN counts its schedule in steps: set steps and leave "
                             "n_epochs = n_epochs_decay = 0.")
        self.architecture()  # validates the sizes
        for name in ("ndf", "n_layers_D", "steps", "n_critic", "batch_size"):
            check_int(name, getattr(self, name), 1)
        if not isinstance(self.paired, bool):
            raise TypeError(f"paired must be True or False, got {self.paired!r}.")
        for name in (*_LAMBDAS, "lr"):
            check_weight(name, getattr(self, name))

    def architecture(self) -> MMNetArchitecture:
        """The shared networks' sizes (pooling indices)."""
        return MMNetArchitecture(ngf=self.ngf, n_levels=self.n_levels,
                                 side_information="indices", n_classes=self.n_classes,
                                 depth_nc=self.depth_nc, rgb_nc=self.input_nc)


def _repeat_to(x: Tensor, n: int) -> Tensor:
    """``x`` repeated along the batch and cut to ``n`` items."""
    return x.repeat(math.ceil(n / len(x)), *([1] * (x.dim() - 1)))[:n]


class StarGANModalityTrainer(Trainer):
    """StarGAN(unpaired) or StarGAN(paired) on zero-pair data (module docstring)."""

    generator_names = ("G",)

    def __init__(self, config: StarGANModalityConfig | None = None,
                 run_dir: str | Path | None = None):
        config = config or StarGANModalityConfig()
        if not isinstance(config, StarGANModalityConfig):
            raise TypeError(f"StarGANModalityTrainer takes a StarGANModalityConfig, got "
                            f"{type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        self.arch = c.architecture()
        G, D = define_stargan_modalities(self.arch, c.ndf, c.n_layers_D, c.init_type,
                                         c.init_gain)
        self.G, self.D = self._prepare(G), self._prepare(D)
        self.nets = {"G": self.G, "D": self.D}
        self.criterion_gan = GANLoss("wgangp").to(self.device)
        self.optimizers = {"G": self._adam(self.G.parameters()),
                           "D": self._adam(self.D.parameters())}

    # The batch checks, the inputs of translate and the sample grid are M&MNets' own.
    check_batch = MMNetTrainer.check_batch
    _input = MMNetTrainer._input
    samples = MMNetTrainer.samples
    _colour = MMNetTrainer._colour

    @property
    def total_epochs(self) -> int:
        """Enough epochs for :attr:`StarGANModalityConfig.steps` (set by :meth:`fit`)."""
        return getattr(self, "_epochs_needed", 1)

    def fit(self, dataset: Dataset, max_steps: int | None = None, progress: bool = True,
            resume: bool = True, sample_batch: dict[str, Tensor] | None = None,
            ) -> list[dict[str, float]]:
        """:meth:`Trainer.fit` for :attr:`StarGANModalityConfig.steps` steps (or ``max_steps``
        in all, if fewer)."""
        if len(dataset) == 0:
            raise ValueError("The training dataset is empty.")
        total = self.config.steps
        self._epochs_needed = math.ceil(total / self.batches_per_epoch(len(dataset)))
        goal = total if max_steps is None else min(total, max_steps)
        return super().fit(dataset, max_steps=goal, progress=progress, resume=resume,
                           sample_batch=sample_batch)

    # ----------------------------------------------------------------- one step
    def reals(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """The real images of each modality as the networks take them: RGB of both sets,
        the labels of ``D_RS`` one-hot, the depth of ``D_RD``."""
        return {"R": torch.cat([batch["R_RS"], batch["R_RD"]]),
                "D": batch["D"], "S": one_hot_labels(batch["S"], self.arch.n_classes)}

    @staticmethod
    def as_image(y: Tensor, modality: str) -> Tensor:
        """A translation as the critic and the generator take it: segmentation scores become
        class probabilities; RGB and depth stay."""
        return F.softmax(y, 1) if modality == "S" else y

    def modality_loss(self, modality: str, output: Tensor, target: Tensor) -> Tensor:
        """The reconstruction or supervised loss of ``modality``: L1 (RGB), Berhu (depth),
        cross-entropy (segmentation; ``target`` one-hot maps or class ids)."""
        if modality == "R":
            return reconstruction_loss(output, target, "l1")
        if modality == "D":
            return berhu_loss(output, target)
        labels = target.argmax(1) if target.dim() == 4 else target
        return segmentation_loss(output, labels)

    def _cls_loss(self, logits: Tensor, modality: str) -> Tensor:
        labels = torch.full((len(logits),), MODALITIES.index(modality), dtype=torch.long,
                            device=logits.device)
        return auxiliary_classifier_loss(logits, labels)

    def generator_terms(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """The generator's unweighted terms ``{"G_adv", "G_cls", "REC" | "PAIR"}`` (``D``
        frozen by the caller).

        Unpaired, every term reads one modality's batch only (``reals``), so breaking the
        pairs of the batch changes nothing; paired, ``PAIR`` reads the seen pairs."""
        c, G, D = self.config, self.G, self.D
        reals = self.reals(batch)
        adv, cls, rec = [], [], []
        outs: dict[tuple[str, str], Tensor] = {}
        with self.autocast():
            for s, t in STARGAN_TRANSLATIONS:
                outs[s, t] = G(reals[s], s, t)
                fake = self.as_image(outs[s, t], t)
                src, logits = D(fake, t)
                adv.append(self.criterion_gan(src, True, for_discriminator=False))
                cls.append(self._cls_loss(logits, t))
                if not c.paired:  # the cycle, with the source modality's own loss
                    back = G(fake, t, s)
                    rec.append(self.modality_loss(s, back, reals[s]))
            terms = {"G_adv": torch.stack(adv).mean(), "G_cls": torch.stack(cls).mean()}
            if c.paired:
                n_rs = len(batch["R_RS"])
                x_rs, x_rd = batch["R_RS"], batch["R_RD"]
                T_RS, T_RD = outs["R", "S"][:n_rs], outs["R", "D"][n_rs:]
                pair = [segmentation_loss(T_RS, batch["S"]),
                        reconstruction_loss(outs["S", "R"], x_rs, "l1"),
                        berhu_loss(T_RD, batch["D"]),
                        reconstruction_loss(outs["D", "R"], x_rd, "l1")]
                terms["PAIR"] = torch.stack(pair).mean()
            else:
                terms["REC"] = torch.stack(rec).mean()
        return terms

    def critic_terms(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """The critic's unweighted terms ``{"D_adv", "D_cls", "D_gp"}`` (translations made
        without gradient)."""
        G, D = self.G, self.D
        reals = self.reals(batch)
        with torch.no_grad(), self.autocast():
            fakes = {t: torch.cat([self.as_image(G(reals[s], s, t), t)
                                   for s, tt in STARGAN_TRANSLATIONS if tt == t])
                     for t in MODALITIES}
        adv, cls, gp = [], [], []
        for m in MODALITIES:
            with self.autocast():
                real_src, real_logits = D(reals[m], m)
                fake_src, _ = D(fakes[m], m)
            adv.append(self.criterion_gan(real_src, True) + self.criterion_gan(fake_src, False))
            cls.append(self._cls_loss(real_logits, m))
            gp.append(gradient_penalty(lambda x, m=m: D(x, m)[0],
                                       _repeat_to(reals[m], len(fakes[m])), fakes[m],
                                       lambda_gp=1.0))
        return {"D_adv": torch.stack(adv).mean(), "D_cls": torch.stack(cls).mean(),
                "D_gp": torch.stack(gp).mean()}

    def generator_step_due(self, step: int) -> bool:
        """The generator is updated after critic step ``step + 1`` when it is a multiple of
        ``n_critic`` (StarGAN's ``(i + 1) % n_critic == 0``)."""
        return (step + 1) % self.config.n_critic == 0

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One critic step, then (every ``n_critic``-th step) one generator step."""
        c = self.config
        batch = {k: self._to_device(v) for k, v in batch.items()}
        set_requires_grad(self.D, True)
        d = self.critic_terms(batch)
        loss_D = d["D_adv"] + c.lambda_cls * d["D_cls"] + c.lambda_gp * d["D_gp"]
        self._backward_step(loss_D, self.optimizers["D"], d)
        out = {**{k: v.item() for k, v in d.items()}, "D": loss_D.item()}
        if self.generator_step_due(self.global_step):
            set_requires_grad(self.D, False)
            g = self.generator_terms(batch)
            rec = g.get("REC", g.get("PAIR"))
            loss_G = g["G_adv"] + c.lambda_cls * g["G_cls"] + c.lambda_rec * rec
            self._backward_step(loss_G, self.optimizers["G"], g)
            set_requires_grad(self.D, True)
            out.update({**{k: v.item() for k, v in g.items()}, "G": loss_G.item()})
        self.scaler.update()
        return out

    # ----------------------------------------------------------------- translation
    @torch.no_grad()
    def translate(self, source: str, target: str, x: Tensor) -> Tensor:
        """``G(x, source, target)`` in eval mode, on CPU, with the contract of
        :meth:`MMNetTrainer.translate <i2ilib.train.mmnets.MMNetTrainer.translate>`: any pair of
        ``"R"``, ``"D"``, ``"S"``; segmentation in as ``(N, H, W)`` class ids or ``(N, K, H,
        W)`` maps; out RGB and depth clipped to [-1, 1], segmentation class scores."""
        for m in (source, target):
            if m not in MODALITIES:
                raise ValueError(f"Unknown modality {m!r}: use 'R' (RGB), 'D' (depth) or 'S' "
                                 "(segmentation).")
        mode = self.G.training
        self.G.eval()
        try:
            with self.autocast():
                y = self.G(self._to_device(self._input(source, x)), source, target)
        finally:
            self.G.train(mode)
        y = y.float().cpu()
        return y if target == "S" else y.clamp(-1, 1)


def stargan_modality_generator_from_config(config: dict[str, Any]) -> StarGANModalityGenerator:
    """An untrained generator with the sizes of a configuration
    (``StarGANModalityConfig.to_dict()``); load its stored ``"G"`` weights into it."""
    c = StarGANModalityConfig.from_dict(dict(config))
    return StarGANModalityGenerator(c.architecture())
