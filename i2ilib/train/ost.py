"""OST, One-Shot Unsupervised Cross-Domain Translation (Benaim & Wolf, NeurIPS 2018): translate
one sample ``x`` of domain A to domain B, given many samples ``Lambda`` of B.

Slide numbers below count the slide titles of the text extraction of Benaim & Wolf's slides
"New Capabilities in Unsupervised Image to Image Translation" (1: the title; 11-14: "Phase I";
15-18: "Phase II"; 19-22: "Selective Backpropagation"). Networks: :mod:`i2ilib.nets.ost`
(``E_B = E^S o E_B^U``, ``G_B = G_B^U o G^S``, and ``E_A^U``, ``G_A^U`` for domain A).

**Phase I** (``phase=1``, slides 11-12) trains the variational auto-encoder of domain B on the
augmentations ``P(Lambda)`` of the B samples::

    L_REC_B = sum_{s in P(Lambda)} ||G_B(E_B(s)) - s||_1                       (slide 11)
    L_VAE_B = sum_{s in P(Lambda)} KL(E_B o P(Lambda) || N(0, I))              (slide 11)
    L_GAN_B = sum_{s in P(Lambda)} -l(D_B(G_B(E_B(s))), 0)    (D_B frozen)     (slide 12)
    L_D_B   = sum_{s in P(Lambda)} l(D_B(G_B(E_B(s))), 0) + l(D_B(s), 1)       (slide 12)

    generators: lambda_rec_B_phase1 L_REC_B + lambda_vae L_VAE_B + lambda_gan L_GAN_B

The shared layers ``E^S`` and ``G^S`` are trained "with domain B samples only" (slide 14).

**Phase II** (``phase=2``, slide 18; starts from Phase I, :meth:`OSTTrainer.start_from_phase1`)
adds ``E_A^U`` and ``G_A^U`` and trains on the augmentations ``P(x)`` of the one sample (or
few samples) of A::

    L_REC_A   = sum_{s in P(x)} ||T_AA(s) - s||_1                                (eq. 1)
    L_cycle   = sum_{s in P(x)} ||T_BA(T_AB(s)) - s||_1                          (eq. 2)
    L_GAN_AB  = sum_{s in P(x)} -l(D_B(T_AB(s)), 0)          (D_B frozen)         (eq. 3)
    L_D_AB    = sum_{s in P(x)} l(D_B(T_AB(s)), 0) + l(D_B(b), 1)

    generators: lambda_rec_A L_REC_A + lambda_cycle L_cycle + lambda_gan L_GAN_AB
                [+ the Phase I terms on B samples, weight lambda_rec_B_phase2 on L_REC_B]

with **selective backpropagation** (slide 19): on the A path the shared layers are constants
(the bars)::

    T_AA = G_A^U(G^S(E^S(E_A^U(x))))    T_AB = G_B^U(G^S(E^S(E_A^U(x))))
    T_BA = G_A^U(G^S(E^S(E_B^U(x))))    T_BB = G_B^U(G^S(E^S(E_B^U(x))))
                 ^^^  ^^^ barred: no gradient of the A terms reaches E^S or G^S

Gradients still flow *through* ``E^S`` and ``G^S`` to ``E_A^U`` (their parameters are detached,
not their activations). ``selective_backprop=False`` is the ablation of slides 20-22: the A terms
update ``E^S`` and ``G^S`` too, which "leads to overfitting on x".

Defaults. The slides give no weights, learning rates or schedules; every default below is the
authors' public implementation's (github.com/sagiebenaim/OneShotTranslation,
``drawing_and_style_transfer``: ``options/*.py``, ``models/autoencoder_model.py`` for Phase I,
``models/ost.py`` for Phase II): Adam(2e-4, betas (0.5, 0.999)), batch 1, 60 epochs then 20 of
linear decay, LSGAN, the 70x70 PatchGAN, instance norm, image pool of 50, ``lambda_rec_B = 10``
in Phase I and ``1`` in Phase II, ``lambda_rec_A = 1``, ``lambda_cycle = 10`` (their
``lambda_A``), ``lambda_gan = 1``, and KL weight ``0.1`` on ``mean(mu^2)``, which is
``lambda_vae = 0.2`` on the mean KL of :func:`i2ilib.losses.kl_to_standard_normal`.

Deviations and readings, named:

* Sums over ``s in P(.)`` are means over a batch of augmented samples and over pixels (as the
  authors' ``L1Loss`` and ``MSELoss``); the weights above are those means' weights.
* The slides write the generator's adversarial terms in minimax form, ``-l(D_B(.), 0)``. Here
  ``l(D_B(.), 1)`` with ``l`` the least-squares loss (``gan_mode="lsgan"``), as the authors'
  code (and CycleGAN) do; ``gan_mode="vanilla"`` is the non-saturating cross-entropy form.
  Discriminator losses are halved, as there.
* Slide 18 writes ``l(D_B(s), 1)`` with ``s in P(x)`` in ``L_D_AB``; an A sample labelled real
  for ``D_B`` would contradict ``L_D_B``, so ``D_B``'s real samples are augmented B samples (as
  in the authors' code).
* The latent code is Gaussian with unit variance; the decoders receive its mean ``mu`` (the
  authors' code). ``sample_latent=True`` decodes ``z = mu + eps``, ``eps ~ N(0, I)``, in
  training (UNIT's choice).
* Phase II keeps training the B auto-encoder on B samples (``L_REC_B``, ``L_VAE_B``,
  ``L_GAN_B``, and ``L_D_B`` for ``D_B``), as the paper's Fig. 1 (``D_B`` trained in both
  phases) and the authors' code do; slide 18 lists only the A terms:
  ``phase2_B_terms=False``. ``E^S`` and ``G^S`` learn from these B terms only.
* Slide 19 bars only ``E^S`` and ``G^S``, so ``L_cycle`` and ``L_GAN_AB`` update ``E_B^U`` and
  ``G_B^U`` (default). The authors' code steps only ``E_A^U`` and ``G_A^U`` with the A terms:
  ``a_path_trains_B_unshared=False``.
* Phase II starts ``E_A^U`` and ``G_A^U`` as copies of ``E_B^U`` and ``G_B^U`` (the paper's
  Fig. 1: the Phase I auto-encoder "is cloned"); the authors' code initialises them afresh:
  ``clone_unshared=False``. ``D_B``, the optimisers and the image pool start afresh in Phase II,
  as in their code.
* No KL term on the A path (neither the slides nor the authors' code have one). One image pool
  serves the fakes ``T_AB(s)`` and ``T_BB(b)``, as in their code.
* The learning rate decays with the reference CycleGAN rule (:mod:`i2ilib.train.schedule`);
  the authors' rule adds the epoch offset twice, so their decay starts one epoch earlier.
* The authors ran MNIST -> SVHN (the slides' Fig. 3) with a separate script: DCGAN-style
  networks sharing all but the first and last layers, L2 reconstruction terms, the A terms
  stepping the unshared layers of both domains, and a separate step of B reconstruction and
  KL for every layer. The defaults here are those of their drawing and style-transfer code; a
  digits run picks its sizes and weights in its own configuration.

Augmentations ``P(x)``, ``P(Lambda)``: :class:`i2ilib.data.augment.AugmentedUnpaired`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call
from torch.utils.data import Dataset

from ..losses import GANLoss, kl_to_standard_normal, reconstruction_loss
from ..nets import define_D
from ..nets.ost import OSTArchitecture, OSTTranslator, define_ost_parts
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad
from .pool import ImagePool
from .schedule import linear_decay_scheduler

__all__ = ["OST_GAN_MODES", "OST_TRANSLATORS", "OSTConfig", "OSTTrainer", "frozen",
           "ost_translator_from_config", "translator_states"]

#: The translators ``T_XY``: (source domain, target domain).
OST_TRANSLATORS = {"T_AA": ("A", "A"), "T_AB": ("A", "B"), "T_BA": ("B", "A"),
                   "T_BB": ("B", "B")}

#: GAN losses OST trains with (``wgangp`` would need a gradient penalty the method has not).
OST_GAN_MODES = ("lsgan", "vanilla", "hinge")

#: Options that must be equal in Phase I and Phase II: they shape the parts Phase II takes over.
_ARCH_KEYS = ("output_nc", "ngf", "n_downsampling", "n_unshared", "n_blocks_shared",
              "n_blocks_unshared", "norm")

_LAMBDAS = ("lambda_rec_B_phase1", "lambda_rec_B_phase2", "lambda_vae", "lambda_rec_A",
            "lambda_cycle", "lambda_gan")


@dataclasses.dataclass
class OSTConfig(TrainerConfig):
    """Options of :class:`OSTTrainer`; defaults as in the authors' code (module docstring).

    Attributes:
        phase: 1 (the B auto-encoder) or 2 (the one-shot sample x, from a Phase I state).
        ngf, n_downsampling, n_unshared, n_blocks_shared, n_blocks_unshared, norm: the parts'
            sizes (:class:`i2ilib.nets.ost.OSTArchitecture`).
        netD, ndf, n_layers_D: the PatchGAN ``D_B`` (:func:`i2ilib.nets.define_D`).
        gan_mode: one of :data:`OST_GAN_MODES`.
        lambda_rec_B_phase1, lambda_rec_B_phase2: weight of ``L_REC_B`` in each phase.
        lambda_vae: weight of ``L_VAE_B`` (mean KL per latent element).
        lambda_rec_A, lambda_cycle, lambda_gan: weights of ``L_REC_A``, ``L_cycle`` and every
            generator GAN term.
        pool_size: the image pool of fakes shown to ``D_B`` (0: none).
        sample_latent: decode ``mu + eps`` in training instead of ``mu``.
        selective_backprop: Phase II: ``E^S`` and ``G^S`` are constants for the A terms.
        a_path_trains_B_unshared: Phase II: the A terms also update ``E_B^U`` and ``G_B^U``.
        phase2_B_terms: Phase II keeps the Phase I terms on B samples.
        clone_unshared: Phase II starts ``E_A^U``, ``G_A^U`` as copies of ``E_B^U``, ``G_B^U``
            (needs ``input_nc == output_nc``).
    """

    n_epochs: int = 60
    n_epochs_decay: int = 20
    phase: int = 1
    ngf: int = 64
    n_downsampling: int = 2
    n_unshared: int = 1
    n_blocks_shared: int = 6
    n_blocks_unshared: int = 0
    norm: str = "instance"
    netD: str = "basic"
    ndf: int = 64
    n_layers_D: int = 3
    gan_mode: str = "lsgan"
    lambda_rec_B_phase1: float = 10.0
    lambda_rec_B_phase2: float = 1.0
    lambda_vae: float = 0.2
    lambda_rec_A: float = 1.0
    lambda_cycle: float = 10.0
    lambda_gan: float = 1.0
    pool_size: int = 50
    sample_latent: bool = False
    selective_backprop: bool = True
    a_path_trains_B_unshared: bool = True
    phase2_B_terms: bool = True
    clone_unshared: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.phase, bool) or self.phase not in (1, 2):
            raise ValueError(f"phase must be 1 (the B auto-encoder) or 2 (the one-shot sample), "
                             f"got {self.phase!r}.")
        self.architecture()  # validates the sizes
        if self.gan_mode not in OST_GAN_MODES:
            raise ValueError(f"gan_mode={self.gan_mode!r} is not available for OST: choose one "
                             f"of {', '.join(OST_GAN_MODES)}.")
        for name in _LAMBDAS:
            check_weight(name, getattr(self, name))
        check_int("pool_size", self.pool_size, 0)
        if self.phase == 2 and self.clone_unshared and self.input_nc != self.output_nc:
            raise ValueError(
                f"clone_unshared copies E_B^U and G_B^U into E_A^U and G_A^U, so it needs "
                f"input_nc == output_nc (got {self.input_nc} and {self.output_nc}): set "
                "clone_unshared=False (fresh A layers, as the authors' code) or convert the "
                "images.")

    def architecture(self) -> OSTArchitecture:
        """The parts' sizes as an :class:`~i2ilib.nets.ost.OSTArchitecture`."""
        return OSTArchitecture(ngf=self.ngf, n_downsampling=self.n_downsampling,
                               n_unshared=self.n_unshared, n_blocks_shared=self.n_blocks_shared,
                               n_blocks_unshared=self.n_blocks_unshared, norm=self.norm)


def frozen(module: nn.Module) -> Callable[[Tensor], Tensor]:
    """``module`` as a constant (the slides' bar, slide 19): called on ``x`` it computes
    ``module(x)`` with detached parameters, so a loss of its output sends gradients to ``x``
    (and to what produced ``x``) but none to ``module``'s parameters; its buffers are copies,
    so running statistics (batch norm) are left as they are.

    Shapes: whatever ``module`` takes and returns.
    """
    tensors = {k: p.detach() for k, p in module.named_parameters()}
    tensors.update({k: b.clone() for k, b in module.named_buffers()})
    return lambda x: functional_call(module, tensors, (x,))


class OSTTrainer(Trainer):
    """Trains OST's Phase I or Phase II (``config.phase``).

    Phase I takes batches ``{"B": (N, output_nc, H, W)}`` (an ``"A"`` key is ignored), Phase II
    ``{"A": (N, input_nc, H, W), "B": (N, output_nc, H, W)}``, all in [-1, 1]: the augmented
    samples of :class:`i2ilib.data.augment.AugmentedUnpaired`. A Phase II trainer starts from a
    Phase I state, given to :meth:`start_from_phase1` before :meth:`fit` (unless it resumes its
    own checkpoint).

    Networks (``self.nets``): ``E_B_U, E_S, G_S, G_B_U, D_B``, plus ``E_A_U, G_A_U`` in Phase II
    (the slides' ``E_B^U, E^S, G^S, G_B^U, D_B, E_A^U, G_A^U``). The translators ``T_BB`` (both
    phases) and ``T_AA, T_AB, T_BA`` (Phase II) are views of these parts
    (:class:`~i2ilib.nets.ost.OSTTranslator`). Optimisers: ``"G"`` (every part) and ``"D"``.

    The loss history holds the weighted terms: ``REC_B, VAE_B, GAN_B, D_B`` in Phase I;
    ``REC_A, cycle, GAN_AB, D_AB`` and, with ``phase2_B_terms``, ``REC_B, VAE_B, GAN_B, D_B`` in
    Phase II.
    """

    def __init__(self, config: OSTConfig | None = None, run_dir: str | Path | None = None):
        config = config or OSTConfig()
        if not isinstance(config, OSTConfig):
            raise TypeError(f"OSTTrainer takes an OSTConfig, got {type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        self.arch = c.architecture()
        domains = "B" if c.phase == 1 else "AB"
        parts = define_ost_parts(c.input_nc, c.output_nc, self.arch, domains,
                                 init_type=c.init_type, init_gain=c.init_gain)
        parts = {k: self._prepare(v) for k, v in parts.items()}
        self.E_B_U, self.E_S, self.G_S, self.G_B_U = (parts[k] for k in
                                                      ("E_B_U", "E_S", "G_S", "G_B_U"))
        self.D_B = self._prepare(define_D(c.netD, c.output_nc, ndf=c.ndf, n_layers_D=c.n_layers_D,
                                          norm=c.norm, init_type=c.init_type,
                                          init_gain=c.init_gain))
        self.nets = {**parts, "D_B": self.D_B}
        self.T_BB = OSTTranslator(self.E_B_U, self.E_S, self.G_S, self.G_B_U, self.arch)
        if c.phase == 2:
            self.E_A_U, self.G_A_U = parts["E_A_U"], parts["G_A_U"]
            self.T_AA = OSTTranslator(self.E_A_U, self.E_S, self.G_S, self.G_A_U, self.arch)
            self.T_AB = OSTTranslator(self.E_A_U, self.E_S, self.G_S, self.G_B_U, self.arch)
            self.T_BA = OSTTranslator(self.E_B_U, self.E_S, self.G_S, self.G_A_U, self.arch)
        self.generator_names = ("T_BB",) if c.phase == 1 else ("T_AB", "T_BA")
        self.criterion_gan = GANLoss(c.gan_mode).to(self.device)
        self.pool_B = ImagePool(c.pool_size, seed=c.seed)  # past fakes of domain B, for D_B
        self.optimizers = {
            "G": self._adam(itertools.chain(*(p.parameters() for p in parts.values()))),
            "D": self._adam(self.D_B.parameters()),
        }
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}
        #: Phase II: where it started (Phase I's step and configuration), or None.
        self.phase1: dict[str, Any] | None = None

    # ----------------------------------------------------------------- Phase I -> Phase II
    @property
    def shared_parts(self) -> dict[str, nn.Module]:
        """``{"E_S": E^S, "G_S": G^S}``, the layers both domains use."""
        return {"E_S": self.E_S, "G_S": self.G_S}

    def start_from_phase1(self, source: OSTTrainer | str | Path | dict[str, Any]) -> None:
        """Take over ``E_B^U, E^S, G^S, G_B^U`` from a Phase I state (and, with
        ``clone_unshared``, copy ``E_B^U``, ``G_B^U`` into ``E_A^U``, ``G_A^U``).

        Args:
            source: a Phase I :class:`OSTTrainer`, its checkpoint file or run folder, or the
                checkpoint's dict (:meth:`state_dict`).

        Raises:
            ValueError: this trainer is not Phase II or has trained already; the source is not
                a Phase I OST state or its parts have other sizes.
            FileNotFoundError: no checkpoint at the path given.
        """
        c = self.config
        if c.phase != 2:
            raise ValueError("start_from_phase1 belongs to a Phase II trainer (phase=2); this "
                             "one trains Phase I.")
        if self.global_step:
            raise ValueError(f"This trainer has taken {self.global_step} step(s): Phase I's "
                             "state can only be taken over before the first step.")
        state = self._phase1_state(source)
        if state.get("trainer") != type(self).__name__ or not isinstance(state.get("config"),
                                                                         dict):
            raise ValueError(f"The source is a {state.get('trainer')!r} state, not an OST one.")
        if state["config"].get("phase") != 1:
            raise ValueError(f"The source is an OST phase {state['config'].get('phase')} state; "
                             "Phase II starts from a Phase I (phase=1) one.")
        differ = {k: (state["config"].get(k), getattr(c, k)) for k in _ARCH_KEYS
                  if state["config"].get(k) != getattr(c, k)}
        if differ:
            lines = ", ".join(f"{k}: Phase I {a!r} vs now {b!r}" for k, (a, b) in differ.items())
            raise ValueError(f"Phase I's networks have other sizes ({lines}): use Phase I's "
                             "values in the Phase II configuration.")
        for name in ("E_B_U", "E_S", "G_S", "G_B_U"):
            self.nets[name].load_state_dict(state["nets"][name])
        if c.clone_unshared:
            self.E_A_U.load_state_dict(self.E_B_U.state_dict())
            self.G_A_U.load_state_dict(self.G_B_U.state_dict())
        self.phase1 = {"global_step": int(state["global_step"]), "epoch": int(state["epoch"]),
                       "config": dict(state["config"])}

    @classmethod
    def _phase1_state(cls, source: OSTTrainer | str | Path | dict[str, Any]) -> dict[str, Any]:
        return cls.starting_state(source, "Phase I")

    def fit(
        self,
        dataset: Dataset,
        max_steps: int | None = None,
        progress: bool = True,
        resume: bool = True,
        sample_batch: dict[str, Tensor] | None = None,
    ) -> list[dict[str, float]]:
        """:meth:`Trainer.fit`; a Phase II trainer must have started from Phase I first.

        Raises:
            ValueError: Phase II without :meth:`start_from_phase1` and no checkpoint to resume.
        """
        resumable = (resume and self.run_dir is not None and self.checkpoint_path.exists())
        if (self.config.phase == 2 and self.global_step == 0 and self.phase1 is None
                and not resumable):
            raise ValueError("Phase II starts from the B auto-encoder of Phase I: call "
                             "start_from_phase1(phase1_trainer or its checkpoint) before fit().")
        return super().fit(dataset, max_steps=max_steps, progress=progress, resume=resume,
                           sample_batch=sample_batch)

    # ----------------------------------------------------------------- one step
    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Phase I needs ``batch["B"]`` only; Phase II ``"A"`` and ``"B"`` (see
        :meth:`Trainer.check_batch`)."""
        if self.config.phase == 1:
            self._check_domain(batch, "B", needed="'B' (Phase I trains on domain B only)")
        else:
            super().check_batch(batch)

    def _latent(self, mu: Tensor) -> Tensor:
        """The code the decoders receive: ``mu``, or ``mu + eps`` with ``sample_latent``."""
        if self.config.sample_latent:
            return mu + torch.randn_like(mu)
        return mu

    def _b_terms(self, real_B: Tensor, lambda_rec: float) -> tuple[dict[str, Tensor], Tensor]:
        """``L_REC_B``, ``L_VAE_B``, ``L_GAN_B`` (slides 11-12), weighted, and ``T_BB(b)``."""
        c = self.config
        with self.autocast():
            mu_B = self.E_S(self.E_B_U(real_B))  # E_B(s)
            rec_B = self.G_B_U(self.G_S(self._latent(mu_B)))  # G_B(E_B(s)) = T_BB(s)
            pred = self.D_B(rec_B)
        terms = {
            "REC_B": reconstruction_loss(rec_B, real_B, "l1") * lambda_rec,
            "VAE_B": kl_to_standard_normal(mu_B) * c.lambda_vae,
            "GAN_B": self.criterion_gan(pred, True, for_discriminator=False) * c.lambda_gan,
        }
        return terms, rec_B

    def _d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        """``(l(D_B(fake), 0) + l(D_B(real), 1)) / 2`` (``L_D_B``, ``L_D_AB``)."""
        with self.autocast():
            pred_real = self.D_B(real)
            pred_fake = self.D_B(fake.detach())
        return 0.5 * (self.criterion_gan(pred_real, True) + self.criterion_gan(pred_fake, False))

    def phase2_generator_terms(self, real_A: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        """The A terms of Phase II, weighted, with the gradient paths of slide 19: ``L_REC_A``
        (eq. 1), ``L_cycle`` (eq. 2), ``L_GAN_AB`` (eq. 3); and ``T_AB(s)``.

        Args:
            real_A: ``(N, input_nc, H, W)`` augmented samples ``s in P(x)`` on the device.

        Returns:
            ``({"REC_A", "cycle", "GAN_AB"}, T_AB(s))``; ``D_B`` must be frozen by the caller.
        """
        c = self.config
        if c.phase != 2:
            raise ValueError("The A terms belong to Phase II (phase=2).")
        E_S = frozen(self.E_S) if c.selective_backprop else self.E_S
        G_S = frozen(self.G_S) if c.selective_backprop else self.G_S
        E_B_U = self.E_B_U if c.a_path_trains_B_unshared else frozen(self.E_B_U)
        G_B_U = self.G_B_U if c.a_path_trains_B_unshared else frozen(self.G_B_U)
        with self.autocast():
            h_A = G_S(self._latent(E_S(self.E_A_U(real_A))))
            T_AA = self.G_A_U(h_A)  # G_A^U(G^S(E^S(E_A^U(s))))
            T_AB = G_B_U(h_A)  # G_B^U(G^S(E^S(E_A^U(s))))
            T_ABA = self.G_A_U(G_S(self._latent(E_S(E_B_U(T_AB)))))  # T_BA(T_AB(s))
            pred_AB = self.D_B(T_AB)
        terms = {
            "REC_A": reconstruction_loss(T_AA, real_A, "l1") * c.lambda_rec_A,
            "cycle": reconstruction_loss(T_ABA, real_A, "l1") * c.lambda_cycle,
            "GAN_AB": self.criterion_gan(pred_AB, True, for_discriminator=False) * c.lambda_gan,
        }
        return terms, T_AB

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One step of the generators' parts, then of ``D_B`` (the authors' order)."""
        c = self.config
        real_B = self._to_device(batch["B"])
        set_requires_grad(self.D_B, False)
        if c.phase == 1:
            losses, rec_B = self._b_terms(real_B, c.lambda_rec_B_phase1)
            fakes = {"D_B": rec_B}
        else:
            losses, T_AB = self.phase2_generator_terms(self._to_device(batch["A"]))
            fakes = {"D_AB": T_AB}
            if c.phase2_B_terms:
                terms, rec_B = self._b_terms(real_B, c.lambda_rec_B_phase2)
                losses.update(terms)
                fakes["D_B"] = rec_B
        self._backward_step(sum(losses.values()), self.optimizers["G"], losses)

        set_requires_grad(self.D_B, True)
        d_losses = {k: self._d_loss(real_B, self.pool_B.query(f)) for k, f in fakes.items()}
        self._backward_step(sum(d_losses.values()), self.optimizers["D"], d_losses)
        self.scaler.update()
        return {k: v.item() for k, v in {**losses, **d_losses}.items()}

    # ----------------------------------------------------------------- state and outputs
    def extra_state(self) -> dict:
        return {"pool_B": self.pool_B.state_dict(), "phase1": self.phase1}

    def load_extra_state(self, state: dict) -> None:
        self.pool_B.load_state_dict(state["pool_B"], self.device)
        self.phase1 = state.get("phase1")

    def generator_state(self) -> dict[str, dict[str, Tensor]]:
        """The translators' weights: ``T_BB`` (Phase I) or ``T_AB`` and ``T_BA`` (Phase II),
        each holding its four parts (load with :func:`ost_translator_from_config`)."""
        return {k: getattr(self, k).state_dict() for k in self.generator_names}

    def _translator(self, name: str) -> OSTTranslator:
        if not hasattr(self, name):
            raise ValueError(f"{name} exists in Phase II only (this trainer is phase "
                             f"{self.config.phase}).")
        return getattr(self, name)

    def translate_AB(self, A: Tensor) -> Tensor:
        """``T_AB(A)`` in eval mode, on CPU: ``(N, input_nc, H, W) -> (N, output_nc, H, W)``."""
        return self._translate(self._translator("T_AB"), A)

    def translate_BA(self, B: Tensor) -> Tensor:
        """``T_BA(B)`` in eval mode, on CPU: ``(N, output_nc, H, W) -> (N, input_nc, H, W)``."""
        return self._translate(self._translator("T_BA"), B)

    def reconstruct_A(self, A: Tensor) -> Tensor:
        """``T_AA(A)`` in eval mode, on CPU."""
        return self._translate(self._translator("T_AA"), A)

    def reconstruct_B(self, B: Tensor) -> Tensor:
        """``T_BB(B) = G_B(E_B(B))`` in eval mode, on CPU."""
        return self._translate(self.T_BB, B)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        if self.config.phase == 1:
            return {"real B": batch["B"], "T_BB(B)": self.reconstruct_B(batch["B"])}
        fake_B = self.translate_AB(batch["A"])
        return {"real A": batch["A"], "T_AB(A)": fake_B, "T_BA(T_AB(A))": self.translate_BA(fake_B),
                "T_AA(A)": self.reconstruct_A(batch["A"]), "real B": batch["B"],
                "T_BA(B)": self.translate_BA(batch["B"])}


def ost_translator_from_config(config: dict[str, Any], name: str) -> OSTTranslator:
    """An untrained translator ``name`` (``T_AA``, ``T_AB``, ``T_BA`` or ``T_BB``) with the
    sizes of an OST configuration (``OSTConfig.to_dict()``); load its stored weights into it.

    The weights are initialised from a fixed generator, so the global random state is untouched.

    Raises:
        ValueError: an unknown name, or a configuration that is not OST's.
    """
    if name not in OST_TRANSLATORS:
        raise ValueError(f"Unknown OST translator {name!r}: use one of "
                         f"{', '.join(OST_TRANSLATORS)}.")
    try:
        c = OSTConfig.from_dict(dict(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} is an OST translator, but the configuration is not an OST "
                         f"one: {err}") from err
    parts = define_ost_parts(c.input_nc, c.output_nc, c.architecture(), "AB",
                             generator=torch.Generator().manual_seed(0))
    src, dst = OST_TRANSLATORS[name]
    return OSTTranslator(parts[f"E_{src}_U"], parts["E_S"], parts["G_S"], parts[f"G_{dst}_U"],
                         c.architecture())


def translator_states(checkpoint: dict[str, Any]) -> dict[str, dict[str, Tensor]]:
    """The translators' weights held by an OST training checkpoint (:meth:`Trainer.state_dict`):
    ``{"T_BB": ...}`` for Phase I, ``{"T_AB", "T_BA", "T_AA", "T_BB"}`` for Phase II, each
    loadable into :func:`ost_translator_from_config`'s translator of that name.

    Raises:
        ValueError: the checkpoint is not an OST one or lacks a part.
    """
    nets = checkpoint.get("nets")
    if checkpoint.get("trainer") != OSTTrainer.__name__ or not isinstance(nets, dict):
        raise ValueError(f"Not an OST training checkpoint (written by "
                         f"{checkpoint.get('trainer')!r}).")
    names = ("T_AB", "T_BA", "T_AA", "T_BB") if "E_A_U" in nets else ("T_BB",)
    out = {}
    for name in names:
        src, dst = OST_TRANSLATORS[name]
        parts = {"E_U": f"E_{src}_U", "E_S": "E_S", "G_S": "G_S", "G_U": f"G_{dst}_U"}
        missing = [p for p in parts.values() if p not in nets]
        if missing:
            raise ValueError(f"The OST checkpoint lacks {', '.join(missing)}.")
        out[name] = {f"{prefix}.{k}": v for prefix, part in parts.items()
                     for k, v in nets[part].items()}
    return out
