"""Mix and match networks for zero-pair translation (M&MNets; Wang 2020, thesis chapter 4).

Trained on two disjoint paired sets, ``D_RS`` of (RGB ``x``, segmentation ``y``) and ``D_RD`` of
(RGB ``x``, depth ``z``), they translate between depth and segmentation, a pair never seen
together, by joining the depth encoder to the segmentation decoder: ``T_DS = g_S o f_D`` and
``T_SD = g_D o f_S`` (Section 4.4.1). Section, equation and table numbers are the thesis's.
Networks: :mod:`i2ilib.nets.mmnets`; losses: :mod:`i2ilib.losses.crossmodal`; data:
:mod:`i2ilib.data.zeropair`.

The objective (Section 4.4.3), with ``T_ij = g_j o f_i``::

    L = lambda_R L_RGB + lambda_S L_SEG + lambda_D L_DEPTH + lambda_A L_LAT  [+ lambda_PP L_PP]

    L_RGB   = lambda_L2 L_L2 + L_GAN
    L_L2    = E_{D_RS} ||T_SR(y) - x||_2 + E_{D_RD} ||T_DR(z) - x||_2           (eqs. 4.1-4.2)
              + E_{D_RS u D_RD} ||T_RR(x) - x||_2                              (eq. 4.3, AE)
    L_GAN   = E_x (C(T(.)) - 1)^2 over the fakes T_SR(y), T_DR(z), T_RR(x)   (least squares)
    L_DEPTH = E_{D_RD} B(T_RD(x) - z) + E_{D_RD} B(T_DD(z) - z)             (eqs. 4.4-4.6)
    L_SEG   = E_{D_RS} CE(T_RS(x), y) + E_{D_RS} CE(T_SS(y), y)             (eqs. 4.7-4.8)
    L_LAT   = E_{D_RS} ||f_R(x) - f_S(y)||_2 + E_{D_RD} ||f_R(x) - f_D(z)||_2  (eqs. 4.9-4.11)
    L_PP    = E_{D_RS} B(T_RD(x) - T_SD(y)) + E_{D_RD} CE(T_RS(x), T_DS(z))  (eqs. 4.12-4.13)

and the discriminator ``C`` minimises ``E_x (C(x) - 1)^2 + E_x^ C(x^)^2`` over real RGB images of
both sets and the same fakes.

Schedule (Section 4.6.1, "Network training"): Adam, batch 6, learning rate 2e-4,
``lambda_R = 1, lambda_S = 100, lambda_D = 10, lambda_A = 1, lambda_L2 = 1``.

* Stage 1 (``stage1_steps``, 200K iterations): no auto-encoders, no latent consistency, no
  noise.
* Stage 2 (``stage2_steps``, 200K): the RGB encoder ``f_R`` is frozen; the auto-encoders
  ``T_RR, T_DD, T_SS``, ``L_LAT`` and Gaussian noise (mean 0, standard deviation 0.5) on the
  latent code are added; ``lambda_R = 10, lambda_A = 10, lambda_L2 = 100``.
* Stage 3 (``stage3_steps``, 100K, only with ``pseudo_pairs=True``, Section 4.5.2): every loss
  plus ``lambda_PP L_PP``, ``lambda_PP = 100``, learning rate 2e-5.

Translation: :meth:`MMNetTrainer.translate` runs ``g_target o f_source`` for any pair, seen or
unseen; :meth:`MMNetTrainer.translate_multimodal` decodes a weighted average of two codes
(Section 4.6.2, "Multi-modal translation", ``alpha = 0.2``, the first encoder's pooling
indices).

Ablations (Tables 4.2-4.3) switch off ``autoencoders``, ``latent_consistency``, the noise
(``noise_std=0``) or ``pseudo_pairs``, or pick the ``side_information``.

Deviations and readings, named (the networks' own: :mod:`i2ilib.nets.mmnets`; the losses':
:mod:`i2ilib.losses.crossmodal`):

* Stage lengths count optimisation steps, as the thesis's iterations; a step takes a batch of
  ``batch_size`` pairs from *each* of ``D_RS`` and ``D_RD`` (the thesis does not say how its
  batches of 6 mix the sets). ``n_epochs`` and ``n_epochs_decay`` are not used (0); the learning
  rate is constant within a stage (no decay is mentioned).
* Adam's betas are not given: ``(0.5, 0.999)``, the library's default for GANs.
* Section 4.4.3 writes ``L_GAN`` as the discriminator's objective; the encoders and decoders
  minimise ``E (C(x^) - 1)^2``, the generator's side of the least-squares GAN (its ref. [109]).
* The adversarial terms use the thesis's least-squares form, without the factor 1/2 of
  CycleGAN's code; ``C`` judges the fakes of all translations into RGB as one batch (the
  "combined" distribution ``p^(x)``). No image pool (none is mentioned).
* Freezing ``f_R`` stops its weights; its batch-norm statistics (which the thesis's
  ImageNet-initialised ``f_R`` does not have) keep their running averages.
* The noise is added to every latent code a decoder receives in training from stage 2 on (the
  pseudo-pair targets excepted, which are computed as at test time); the latent consistency
  loss compares the codes before the noise. No noise at test time.
* Pseudo-pairs: the targets ``T_RD(x)`` and ``T_RS(x)`` carry no gradient (Fig. 4.8's red line:
  "we do not update the weights of the translators involving RGB with the pseudo-pairs"), so
  ``L_PP`` trains ``f_S``, ``f_D`` and, through ``T_SD`` and ``T_DS``, the decoders ``g_D`` and
  ``g_S`` ("we can also train encoders and decoders between the unseen modalities").
  ``pp_trains_decoders=False`` reads the red line literally instead: ``g_D`` and ``g_S`` belong
  to ``T_RD`` and ``T_RS``, so ``L_PP`` then trains the encoders ``f_S`` and ``f_D`` only.
  ``f_R`` stays frozen in stage 3, as in stage 2.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call
from torch.utils.data import Dataset

from ..losses import (
    LATENT_KINDS,
    GANLoss,
    berhu_loss,
    l2_loss,
    latent_consistency_loss,
    pseudo_pair_depth_loss,
    pseudo_pair_segmentation_loss,
    segmentation_loss,
)
from ..nets.init import init_weights
from ..nets.mmnets import (
    MODALITIES,
    Latent,
    MMNetArchitecture,
    MMNetDiscriminator,
    MMNetTranslator,
    check_class_ids,
    define_mmnet_parts,
    modality_input,
    one_hot_labels,
)
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad

__all__ = ["MMNET_PARTS", "MMNET_TRANSLATORS", "MMNetConfig", "MMNetOracleTrainer",
           "MMNetTrainer", "mmnet_module_from_config", "mmnet_translator_state"]

#: The encoders and decoders (what :meth:`MMNetTrainer.generator_state` keeps).
MMNET_PARTS: tuple[str, ...] = tuple(f"{p}_{m}" for m in MODALITIES for p in ("f", "g"))

#: Every translation ``T_ij = g_j o f_i``: name -> (source, target).
MMNET_TRANSLATORS: dict[str, tuple[str, str]] = {
    f"T_{i}{j}": (i, j) for i in MODALITIES for j in MODALITIES}

_LAMBDAS = ("lambda_R", "lambda_S", "lambda_D", "lambda_A", "lambda_L2", "lambda_R_stage2",
            "lambda_A_stage2", "lambda_L2_stage2", "lambda_PP")


@dataclasses.dataclass
class MMNetConfig(TrainerConfig):
    """Options of :class:`MMNetTrainer`; defaults as in Section 4.6.1 (module docstring).

    Attributes:
        input_nc, output_nc: RGB channels (3); both must be equal.
        ngf, n_levels, side_information, rgb_side_information, n_classes, depth_nc: the
            networks (:class:`~i2ilib.nets.mmnets.MMNetArchitecture`); ``n_classes`` is 12 for
            SynthScenes.
        ndf, n_layers_D: the RGB discriminator ``C`` (Table A.6: 64, 4).
        stage1_steps, stage2_steps, stage3_steps: steps of each stage (stage 3 only with
            ``pseudo_pairs``).
        lambda_R, lambda_S, lambda_D, lambda_A, lambda_L2: the weights of stage 1 (and of
            ``lambda_S``, ``lambda_D`` throughout).
        lambda_R_stage2, lambda_A_stage2, lambda_L2_stage2: their values from stage 2 on.
        lambda_PP, lr_stage3: the pseudo-pair weight and the learning rate of stage 3.
        autoencoders, latent_consistency: add ``T_RR, T_DD, T_SS`` and ``L_LAT`` from stage 2.
        noise_std: standard deviation of the latent noise from stage 2 (0: none).
        freeze_rgb_encoder: freeze ``f_R`` from stage 2.
        pseudo_pairs: run stage 3 with ``L_PP``.
        pp_trains_decoders: ``L_PP`` also updates ``g_D`` and ``g_S`` (module docstring).
        latent_loss: ``"mse"`` or ``"norm"`` (:func:`~i2ilib.losses.latent_consistency_loss`).
    """

    lr: float = 2e-4
    batch_size: int = 6
    n_epochs: int = 0
    n_epochs_decay: int = 0
    ngf: int = 64
    n_levels: int = 5
    side_information: str = "indices"
    rgb_side_information: bool = False
    n_classes: int = 12
    depth_nc: int = 1
    ndf: int = 64
    n_layers_D: int = 4
    stage1_steps: int = 200_000
    stage2_steps: int = 200_000
    stage3_steps: int = 100_000
    lambda_R: float = 1.0
    lambda_S: float = 100.0
    lambda_D: float = 10.0
    lambda_A: float = 1.0
    lambda_L2: float = 1.0
    lambda_R_stage2: float = 10.0
    lambda_A_stage2: float = 10.0
    lambda_L2_stage2: float = 100.0
    lambda_PP: float = 100.0
    lr_stage3: float = 2e-5
    autoencoders: bool = True
    latent_consistency: bool = True
    noise_std: float = 0.5
    freeze_rgb_encoder: bool = True
    pseudo_pairs: bool = False
    pp_trains_decoders: bool = True
    latent_loss: str = "mse"

    def __post_init__(self) -> None:
        if self.input_nc != self.output_nc:
            raise ValueError(f"input_nc and output_nc are both the RGB channels here; got "
                             f"{self.input_nc} and {self.output_nc}.")
        if self.n_epochs or self.n_epochs_decay:
            raise ValueError("M&MNets count their schedule in steps: set stage1_steps, "
                             "stage2_steps and stage3_steps, and leave n_epochs = "
                             "n_epochs_decay = 0.")
        self.architecture()  # validates the sizes
        for name in ("stage1_steps", "stage2_steps", "stage3_steps", "ndf", "n_layers_D"):
            check_int(name, getattr(self, name), 1 if name in ("ndf", "n_layers_D") else 0)
        if self.total_steps < 1:
            raise ValueError("The schedule has no step: set stage1_steps or stage2_steps > 0.")
        for name in (*_LAMBDAS, "noise_std", "lr_stage3"):
            check_weight(name, getattr(self, name))
        if self.latent_loss not in LATENT_KINDS:
            raise ValueError(f"latent_loss={self.latent_loss!r} is not one of "
                             f"{', '.join(LATENT_KINDS)}.")

    @property
    def total_steps(self) -> int:
        """``stage1_steps + stage2_steps`` (+ ``stage3_steps`` with pseudo-pairs)."""
        return (self.stage1_steps + self.stage2_steps
                + (self.stage3_steps if self.pseudo_pairs else 0))

    def stage(self, step: int) -> int:
        """The stage (1, 2 or 3) of the step that follows ``step`` completed steps."""
        if step < self.stage1_steps:
            return 1
        if step < self.stage1_steps + self.stage2_steps or not self.pseudo_pairs:
            return 2
        return 3

    def architecture(self) -> MMNetArchitecture:
        """The networks' sizes as an :class:`~i2ilib.nets.mmnets.MMNetArchitecture`."""
        return MMNetArchitecture(ngf=self.ngf, n_levels=self.n_levels,
                                 side_information=self.side_information,
                                 rgb_side_information=self.rgb_side_information,
                                 n_classes=self.n_classes, depth_nc=self.depth_nc,
                                 rgb_nc=self.input_nc)


def _frozen(module: nn.Module) -> Callable[[Any], Tensor]:
    """``module`` with detached parameters and copied buffers: gradients flow through it to its
    input, none reach its weights, and its running statistics are left as they are."""
    tensors = {k: p.detach() for k, p in module.named_parameters()}
    tensors.update({k: b.clone() for k, b in module.named_buffers()})
    return lambda x: functional_call(module, tensors, (x,))


class MMNetTrainer(Trainer):
    """Trains mix and match networks on ``D_RS`` and ``D_RD`` (module docstring).

    Batches: ``{"R_RS": (N, 3, H, W), "S": (N, H, W) int64, "R_RD": (N, 3, H, W), "D": (N,
    depth_nc, H, W)}``, images and depth in [-1, 1] (:class:`i2ilib.data.zeropair.
    ZeroPairDataset`); ``H`` and ``W`` multiples of ``2**n_levels``.

    Networks (``self.nets``): ``f_R, g_R, f_D, g_D, f_S, g_S`` and the discriminator ``C``.
    Optimisers: ``"G"`` (the six parts) and ``"D"`` (``C``).

    The loss history holds the unweighted terms ``L2, GAN, DEPTH, SEG`` (and ``LAT``, ``PP`` in
    the stages that have them), the weighted total ``total``, ``D`` and ``stage``.
    """

    generator_names = MMNET_PARTS

    def __init__(self, config: MMNetConfig | None = None, run_dir: str | Path | None = None):
        config = config or MMNetConfig()
        if not isinstance(config, MMNetConfig):
            raise TypeError(f"MMNetTrainer takes an MMNetConfig, got {type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        self.arch = c.architecture()
        parts = define_mmnet_parts(self.arch, init_type=c.init_type, init_gain=c.init_gain)
        self.parts = {k: self._prepare(v) for k, v in parts.items()}
        C = MMNetDiscriminator(c.input_nc, c.ndf, c.n_layers_D)
        init_weights(C, c.init_type, c.init_gain)
        self.C = self._prepare(C)
        self.nets = {**self.parts, "C": self.C}
        self.criterion_gan = GANLoss("lsgan").to(self.device)
        self.optimizers = {
            "G": self._adam(itertools.chain(*(p.parameters() for p in self.parts.values()))),
            "D": self._adam(self.C.parameters()),
        }

    # ----------------------------------------------------------------- schedule
    @property
    def total_epochs(self) -> int:
        """Enough epochs for :attr:`MMNetConfig.total_steps` (set by :meth:`fit`)."""
        return getattr(self, "_epochs_needed", 1)

    @property
    def stage(self) -> int:
        """The stage of the next step."""
        return self.config.stage(self.global_step)

    def fit(self, dataset: Dataset, max_steps: int | None = None, progress: bool = True,
            resume: bool = True, sample_batch: dict[str, Tensor] | None = None,
            ) -> list[dict[str, float]]:
        """:meth:`Trainer.fit` for :attr:`MMNetConfig.total_steps` steps (or ``max_steps`` in
        all, if fewer)."""
        if len(dataset) == 0:
            raise ValueError("The training dataset is empty.")
        total = self.config.total_steps
        self._epochs_needed = math.ceil(total / self.batches_per_epoch(len(dataset)))
        goal = total if max_steps is None else min(total, max_steps)
        return super().fit(dataset, max_steps=goal, progress=progress, resume=resume,
                           sample_batch=sample_batch)

    def _apply_stage(self, stage: int) -> None:
        """Freeze ``f_R`` from stage 2 and set stage 3's learning rate (a function of the
        stage only, so a resumed run continues the same schedule)."""
        c = self.config
        set_requires_grad(self.parts["f_R"], not (c.freeze_rgb_encoder and stage >= 2))
        lr = c.lr_stage3 if stage == 3 else c.lr
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = lr

    def weights(self, stage: int) -> dict[str, float]:
        """``lambda_R, lambda_S, lambda_D, lambda_A, lambda_L2, lambda_PP`` of a stage."""
        c = self.config
        later = stage >= 2
        return {"R": c.lambda_R_stage2 if later else c.lambda_R, "S": c.lambda_S,
                "D": c.lambda_D, "A": c.lambda_A_stage2 if later else c.lambda_A,
                "L2": c.lambda_L2_stage2 if later else c.lambda_L2,
                "PP": c.lambda_PP if stage == 3 else 0.0}

    # ----------------------------------------------------------------- one step
    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Clear errors for batches the networks cannot take (missing keys, shapes, class ids,
        NaN or infinite values)."""
        a = self.arch
        needed = {"R_RS": a.rgb_nc, "S": None, "R_RD": a.rgb_nc, "D": a.depth_nc}
        missing = [k for k in needed if k not in batch]
        if missing:
            raise KeyError(f"M&MNets batches need keys {list(needed)} (a pair of D_RS and one "
                           f"of D_RD); missing {missing} (got {sorted(batch)}).")
        for key, nc in needed.items():
            x = batch[key]
            if key == "S":
                check_class_ids(x, a.n_classes, "batch['S']")
                continue
            if x.dim() != 4 or x.shape[1] != nc:
                raise ValueError(f"batch['{key}'] must be (N, {nc}, H, W), got "
                                 f"{tuple(x.shape)}.")
            if not bool(torch.isfinite(x).all()):
                raise ValueError(f"batch['{key}'] of step {self.global_step + 1} holds NaN or "
                                 "infinite values.")
        if batch["R_RS"].shape[-2:] != batch["S"].shape[-2:] or (
                batch["R_RD"].shape[-2:] != batch["D"].shape[-2:]):
            raise ValueError("The two sides of a pair must have the same size.")

    def _decode(self, name: str, latent: Latent, noisy: bool) -> Tensor:
        """``g_name(latent)``, the code perturbed by the latent noise when ``noisy``."""
        if noisy:
            latent = latent.with_code(latent.h + self.config.noise_std * torch.randn_like(
                latent.h))
        return self.parts[name](latent)

    def generator_terms(self, batch: dict[str, Tensor], stage: int,
                        ) -> tuple[dict[str, Tensor], Tensor]:
        """The unweighted loss terms of a stage and the fake RGB images for ``C``.

        Args:
            batch: a batch on the device (see the class docstring).
            stage: 1, 2 or 3.

        Returns:
            ``({"L2", "GAN", "DEPTH", "SEG"[, "LAT"][, "PP"]}, fakes (M, 3, H, W))``; ``C``
            must be frozen by the caller.
        """
        c, p = self.config, self.parts
        x_rs, y, x_rd, z = batch["R_RS"], batch["S"], batch["R_RD"], batch["D"]
        y_1hot = one_hot_labels(y, self.arch.n_classes)
        later = stage >= 2
        ae = later and c.autoencoders
        noisy = later and c.noise_std > 0
        with self.autocast():
            h_R_rs, h_R_rd = p["f_R"](x_rs), p["f_R"](x_rd)
            h_S, h_D = p["f_S"](y_1hot), p["f_D"](z)
            T_RS = self._decode("g_S", h_R_rs, noisy)
            T_RD = self._decode("g_D", h_R_rd, noisy)
            T_SR = self._decode("g_R", h_S, noisy)
            T_DR = self._decode("g_R", h_D, noisy)
            fakes = [T_SR, T_DR]
            l2 = l2_loss(T_SR, x_rs) + l2_loss(T_DR, x_rd)  # eqs. 4.1-4.2
            depth = berhu_loss(T_RD, z)  # eq. 4.4
            seg = segmentation_loss(T_RS, y)  # eq. 4.7
            if ae:
                x = torch.cat([x_rs, x_rd])
                T_RR = torch.cat([self._decode("g_R", h_R_rs, noisy),
                                  self._decode("g_R", h_R_rd, noisy)])
                fakes.append(T_RR)
                l2 = l2 + l2_loss(T_RR, x)  # eq. 4.3
                depth = depth + berhu_loss(self._decode("g_D", h_D, noisy), z)  # eq. 4.5
                seg = seg + segmentation_loss(self._decode("g_S", h_S, noisy), y)  # eq. 4.8
            fakes_t = torch.cat(fakes)
            terms = {"L2": l2, "GAN": self.criterion_gan(self.C(fakes_t), True,
                                                         for_discriminator=False),
                     "DEPTH": depth, "SEG": seg}
            if later and c.latent_consistency:  # eqs. 4.9-4.11
                terms["LAT"] = (latent_consistency_loss(h_R_rs.h, h_S.h, c.latent_loss)
                                + latent_consistency_loss(h_R_rd.h, h_D.h, c.latent_loss))
            if stage == 3:
                terms["PP"] = self.pseudo_pair_terms(h_R_rs, h_S, h_R_rd, h_D, noisy)
        return terms, fakes_t

    def pseudo_pair_terms(self, h_R_rs: Latent, h_S: Latent, h_R_rd: Latent, h_D: Latent,
                          noisy: bool) -> Tensor:
        """``L_PP`` (eqs. 4.12-4.13): ``B(T_RD(x) - T_SD(y))`` on ``D_RS`` plus
        ``CE(T_RS(x), T_DS(z))`` on ``D_RD``, the pseudo-targets ``T_RD(x)``, ``T_RS(x)``
        computed without gradient and without noise.

        Args:
            h_R_rs, h_S: ``f_R(x)`` and ``f_S(y)`` of the ``D_RS`` batch.
            h_R_rd, h_D: ``f_R(x)`` and ``f_D(z)`` of the ``D_RD`` batch.
            noisy: add the latent noise to the codes of ``T_SD`` and ``T_DS``.
        """
        with torch.no_grad():
            target_D = self.parts["g_D"](h_R_rs)  # T_RD(x), x of D_RS: the pseudo-depth
            target_S = self.parts["g_S"](h_R_rd)  # T_RS(x), x of D_RD: the pseudo-labels
        if self.config.pp_trains_decoders:
            T_SD = self._decode("g_D", h_S, noisy)
            T_DS = self._decode("g_S", h_D, noisy)
        else:
            if noisy:
                h_S = h_S.with_code(h_S.h + self.config.noise_std * torch.randn_like(h_S.h))
                h_D = h_D.with_code(h_D.h + self.config.noise_std * torch.randn_like(h_D.h))
            T_SD = _frozen(self.parts["g_D"])(h_S)
            T_DS = _frozen(self.parts["g_S"])(h_D)
        return pseudo_pair_depth_loss(T_SD, target_D) + pseudo_pair_segmentation_loss(
            T_DS, target_S)

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of the encoders and decoders, then of ``C``."""
        stage = self.stage
        self._apply_stage(stage)
        w = self.weights(stage)
        batch = {k: self._to_device(v) for k, v in batch.items()}

        set_requires_grad(self.C, False)
        terms, fakes = self.generator_terms(batch, stage)
        total = (w["R"] * (w["L2"] * terms["L2"] + terms["GAN"]) + w["S"] * terms["SEG"]
                 + w["D"] * terms["DEPTH"] + w["A"] * terms.get("LAT", 0.0)
                 + w["PP"] * terms.get("PP", 0.0))
        self._backward_step(total, self.optimizers["G"], terms)

        set_requires_grad(self.C, True)
        real = torch.cat([batch["R_RS"], batch["R_RD"]])
        with self.autocast():
            pred_real, pred_fake = self.C(real), self.C(fakes.detach())
        loss_D = self.criterion_gan(pred_real, True) + self.criterion_gan(pred_fake, False)
        self._backward_step(loss_D, self.optimizers["D"], {"D": loss_D})
        self.scaler.update()
        return {**{k: v.item() for k, v in terms.items()}, "total": total.item(),
                "D": loss_D.item(), "stage": float(stage)}

    # ----------------------------------------------------------------- translation
    def _input(self, source: str, x: Tensor) -> Tensor:
        """A modality's input as its encoder takes it: labels ``(N, H, W)`` become one-hot."""
        return modality_input(source, x, self.arch.n_classes, self.arch.channels(source))

    @torch.no_grad()
    def translate(self, source: str, target: str, x: Tensor) -> Tensor:
        """``T_source,target(x) = g_target(f_source(x))`` in eval mode, on CPU, for any pair of
        modalities ``"R"``, ``"D"``, ``"S"``: seen (``R -> S``, ``R -> D`` and back), unseen
        (``D -> S``, ``S -> D``) or an auto-encoder (``D -> D``).

        Args:
            x: RGB ``(N, 3, H, W)`` in [-1, 1], depth ``(N, depth_nc, H, W)`` (encoded as in
                training), or segmentation as ``(N, H, W)`` class ids or ``(N, K, H, W)``
                one-hot maps or class probabilities.

        Returns:
            RGB ``(N, 3, H, W)`` in [-1, 1]; depth ``(N, depth_nc, H, W)`` clipped to [-1, 1];
            segmentation class scores ``(N, K, H, W)`` (``.argmax(1)`` gives the labels).
        """
        for m in (source, target):
            if m not in MODALITIES:
                raise ValueError(f"Unknown modality {m!r}: use 'R' (RGB), 'D' (depth) or 'S' "
                                 "(segmentation).")
        enc, dec = self.parts[f"f_{source}"], self.parts[f"g_{target}"]
        modes = enc.training, dec.training
        enc.eval()
        dec.eval()
        try:
            with self.autocast():
                y = dec(enc(self._to_device(self._input(source, x))))
        finally:
            enc.train(modes[0])
            dec.train(modes[1])
        y = y.float().cpu()
        return y if target == "S" else y.clamp(-1, 1)

    @torch.no_grad()
    def translate_multimodal(self, first: str, x_first: Tensor, second: str, x_second: Tensor,
                             target: str, alpha: float = 0.2) -> Tensor:
        """Multi-modal translation (Section 4.6.2, "Multi-modal translation"; Tables 4.4-4.5's
        ``(R, D) -> S`` rows): the codes of two modalities of the same scenes are averaged,
        ``h = (1 - alpha) f_first(x_first) + alpha f_second(x_second)``, and decoded by
        ``g_target`` with the side information of ``first`` (the thesis: ``alpha = 0.2`` and
        "the pooling indices from the RGB encoder", ``first = "R"``).

        Shapes: as :meth:`translate`; both inputs of the same ``(N, H, W)``.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}.")
        a, b = self.latents(first, x_first), self.latents(second, x_second)
        if a.h.shape != b.h.shape:
            raise ValueError(f"The two inputs give codes of shapes {tuple(a.h.shape)} and "
                             f"{tuple(b.h.shape)}: pass images of the same scenes and size.")
        if target not in MODALITIES:
            raise ValueError(f"Unknown modality {target!r}: use 'R', 'D' or 'S'.")
        mixed = a.with_code((1 - alpha) * a.h + alpha * b.h)
        dec = self.parts[f"g_{target}"]
        mode = dec.training
        dec.eval()
        try:
            moved = Latent(self._to_device(mixed.h),
                           tuple(self._to_device(i) for i in mixed.indices),
                           tuple(self._to_device(f) for f in mixed.features), mixed.sizes)
            with self.autocast():
                y = dec(moved)
        finally:
            dec.train(mode)
        y = y.float().cpu()
        return y if target == "S" else y.clamp(-1, 1)

    @torch.no_grad()
    def latents(self, source: str, x: Tensor) -> Latent:
        """``f_source(x)`` in eval mode, on CPU (the code, the pooling indices, the features a
        skip connection carries)."""
        if source not in MODALITIES:
            raise ValueError(f"Unknown modality {source!r}: use 'R', 'D' or 'S'.")
        enc = self.parts[f"f_{source}"]
        mode = enc.training
        enc.eval()
        try:
            lat = enc(self._to_device(self._input(source, x)))
        finally:
            enc.train(mode)
        return Latent(lat.h.float().cpu(), tuple(i.cpu() for i in lat.indices),
                      tuple(f.float().cpu() for f in lat.features), lat.sizes)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """Columns for a sample grid: the two sets, their seen translations and the unseen
        ``D -> S`` and ``S -> D`` (labels coloured by :func:`i2ilib.viz.colour_labels`)."""
        def labels(scores_or_ids: Tensor) -> Tensor:
            ids = scores_or_ids if scores_or_ids.dim() == 3 else scores_or_ids.argmax(1)
            return self._colour(ids)

        def grey(d: Tensor) -> Tensor:
            return d[:, :1].expand(-1, 3, -1, -1)

        return {"x (D_RS)": batch["R_RS"], "y": labels(batch["S"]),
                "T_RS(x)": labels(self.translate("R", "S", batch["R_RS"])),
                "T_SD(y)": grey(self.translate("S", "D", batch["S"])),
                "x (D_RD)": batch["R_RD"], "z": grey(batch["D"]),
                "T_RD(x)": grey(self.translate("R", "D", batch["R_RD"])),
                "T_DS(z)": labels(self.translate("D", "S", batch["D"]))}

    def _colour(self, ids: Tensor) -> Tensor:
        from ..viz import colour_labels

        return colour_labels(ids, self.arch.n_classes)

    def generator_state(self) -> dict[str, dict[str, Tensor]]:
        """The six encoders and decoders (any translator is two of them:
        :func:`mmnet_translator_state`)."""
        return {k: self.parts[k].state_dict() for k in MMNET_PARTS}


def mmnet_module_from_config(config: dict[str, Any], name: str) -> nn.Module:
    """An untrained part (``f_R`` ... ``g_S``) or translator (``T_DS``, ...) with the sizes of an
    M&MNets configuration (``MMNetConfig.to_dict()``); load its stored weights into it (a
    translator's with :func:`mmnet_translator_state`).

    The weights are initialised from a fixed generator, so the global random state is untouched.

    Raises:
        ValueError: an unknown name, or a configuration that is not an M&MNets one.
    """
    if name not in MMNET_PARTS and name not in MMNET_TRANSLATORS:
        raise ValueError(f"Unknown M&MNets part or translator {name!r}: use one of "
                         f"{', '.join(MMNET_PARTS + tuple(MMNET_TRANSLATORS))}.")
    try:
        c = MMNetConfig.from_dict(dict(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} belongs to M&MNets, but the configuration is not an M&MNets "
                         f"one: {err}") from err
    arch = c.architecture()
    if name in MMNET_PARTS:
        return define_mmnet_parts(arch, name[-1], generator=torch.Generator().manual_seed(0))[name]
    src, dst = MMNET_TRANSLATORS[name]
    parts = define_mmnet_parts(arch, generator=torch.Generator().manual_seed(0))
    return MMNetTranslator(parts[f"f_{src}"], parts[f"g_{dst}"])


def mmnet_translator_state(parts: dict[str, dict[str, Tensor]], name: str,
                           ) -> dict[str, Tensor]:
    """The weights of translator ``name`` (``"T_DS"``, ...) from the parts' weights
    (:meth:`MMNetTrainer.generator_state`), loadable into :func:`mmnet_module_from_config`'s
    translator.

    Raises:
        ValueError: an unknown translator or a missing part.
    """
    if name not in MMNET_TRANSLATORS:
        raise ValueError(f"Unknown M&MNets translator {name!r}: use one of "
                         f"{', '.join(MMNET_TRANSLATORS)}.")
    src, dst = MMNET_TRANSLATORS[name]
    missing = [k for k in (f"f_{src}", f"g_{dst}") if k not in parts]
    if missing:
        raise ValueError(f"The weights lack {', '.join(missing)}.")
    return {**{f"encoder.{k}": v for k, v in parts[f"f_{src}"].items()},
            **{f"decoder.{k}": v for k, v in parts[f"g_{dst}"].items()}}



class MMNetOracleTrainer(MMNetTrainer):
    """The oracle of Tables 4.4-4.5 ("the upper bound obtained by training a translation fully
    supervised with paired data", Section 4.6.2): the same encoders and decoders as
    :class:`MMNetTrainer` (the same side information), but ``T_DS = g_S o f_D`` and
    ``T_SD = g_D o f_S`` are trained directly on true (depth, segmentation) pairs::

        L = lambda_S CE(T_DS(z), y) + lambda_D B(T_SD(y) - z)

    for :attr:`MMNetConfig.total_steps` steps at the learning rate ``lr`` (no stages, no
    auto-encoders, no latent loss, no noise; ``f_R``, ``g_R`` and ``C`` are built but never
    trained).

    Batches: those of :class:`MMNetTrainer`, where ``batch["S"]`` and ``batch["D"]`` are of the
    *same* scenes (a :class:`~i2ilib.data.zeropair.ZeroPairDataset` whose two sets hold the same
    scenes); the RGB images are not used.
    """

    def _apply_stage(self, stage: int) -> None:
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = self.config.lr

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of ``f_D, g_S, f_S, g_D`` on the paired depth and segmentation."""
        self._apply_stage(1)
        c, p = self.config, self.parts
        batch = {k: self._to_device(v) for k, v in batch.items()}
        y, z = batch["S"], batch["D"]
        with self.autocast():
            seg = segmentation_loss(p["g_S"](p["f_D"](z)), y)
            depth = berhu_loss(p["g_D"](p["f_S"](one_hot_labels(y, self.arch.n_classes))), z)
            total = c.lambda_S * seg + c.lambda_D * depth
        terms = {"SEG": seg, "DEPTH": depth}
        self._backward_step(total, self.optimizers["G"], terms)
        self.scaler.update()
        return {"SEG": seg.item(), "DEPTH": depth.item(), "total": total.item(), "stage": 1.0}
