"""UDIT, unbiased diverse image translation (Wang 2020 thesis, chapter 5): a MUNIT-style
diverse translator between domains A and B, with the semantic constraint of eq. 5.3.

Networks (:mod:`i2ilib.nets.munit`): for each domain ``i`` an auto-encoder ``AE_i`` holding the
content encoder ``E_i^c``, the style encoder ``E_i^s`` and the AdaIN decoder ``G_i`` (with its
style MLP), and a discriminator ``D_i``. A translation draws a style ``s' ~ N(0, I)``::

    x_{i->j} = G_j(E_i^c(x_i), s')

The objective (eq. 5.8), with the terms of :mod:`i2ilib.losses.diverse`::

    L = L_GAN^{x_A} + L_GAN^{x_B}                                                (5.4)
        + lambda_x (L_recon^{x_A} + L_recon^{x_B})                               (5.5)
        + lambda_c (L_recon^{c_A} + L_recon^{c_B})                               (5.6)
        + lambda_s (L_recon^{s_A} + L_recon^{s_B})                               (5.7)
        + lambda_U (L_U^{u_A} + L_U^{u_B})                                       (5.3)

    L_U^{u_i} = E[ || h(x_{i->j}) - h(x_i) || ]                                  (5.3)

``h`` is the *semantic extractor* (Section 5.5.1): any module mapping images to features (an
identity embedding, a classifier's last convolutional features, or those reduced by a
``1 x 1 x D`` layer); which layer is the caller's choice. It is given to the trainer
(``semantic_extractor=``), put in eval mode and frozen: it trains nothing, and gradients of
``L_U`` reach the translators through it. ``semantic_constraint=False`` (or ``lambda_U = 0``)
is the baseline MUNIT ("When lambda_U = 0 we recover the baseline MUNIT model", Section 5.5.2).

Defaults. The thesis gives the layout (Tables A.13-A.18: ``ngf = 64``, three poolings with
pooling indices, six residual blocks with 7x7 kernels, ``style_dim = 8``, an MLP of width 256,
a batch of 4 in the tables' shapes) but no weights or optimiser for UDIT. Those below are
MUNIT's published ones (Huang et al. 2018): ``lambda_x = 10``, ``lambda_c = lambda_s = 1``,
Adam(1e-4, betas (0.5, 0.999)), He-normal initialisation of the auto-encoders (``init_type``)
and ``N(0, 0.02)`` of the discriminators (MUNIT's code). ``lambda_U`` is not published; it
defaults to 1.

Deviations and readings, named:

* One style draw ``s'`` per domain and step serves both the translators' and the
  discriminators' update; the generators are updated first, then the discriminators on the
  detached translations (CycleGAN's order). MUNIT's code updates the discriminators first, with
  a separate draw.
* MUNIT decays the learning rate by half every 100k iterations and uses a weight decay of
  1e-4; here the rate is constant unless ``n_epochs_decay > 0`` (linear decay to zero over
  those epochs, :mod:`i2ilib.train.schedule`), and there is no weight decay.
* No image pool (MUNIT has none); no cycle-reconstruction term (MUNIT's default weight for it
  is 0 and eq. 5.8 has none).
* The network-level readings are listed in :mod:`i2ilib.nets.munit`; the norms of eqs. 5.3,
  5.6 and 5.7 in :mod:`i2ilib.losses.diverse`.
* The semantic extractor is not part of the checkpoint: a resumed run must be given the same
  ``h`` (its class name is recorded and checked).

Batches: ``{"A": (N, input_nc, H, W), "B": (N, output_nc, H', W')}`` in ``[-1, 1]``, each side
divisible by ``2**n_down``. Networks (``self.nets``): ``AE_A, AE_B, D_A, D_B``; optimisers
``"G"`` (both auto-encoders) and ``"D"``. The loss history holds the weighted terms
``GAN_A, GAN_B, x_A, x_B, c_A, c_B, s_A, s_B`` (and ``U_A, U_B`` with the constraint) for the
generators, and ``D_A, D_B`` for the discriminators; the index is the domain ``i`` of the
thesis's superscripts (``c_A`` is ``L_recon^{c_A}``: A's content through B and back).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..losses.diverse import (
    image_reconstruction_loss,
    latent_reconstruction_loss,
    semantic_constraint_loss,
    udit_discriminator_loss,
    udit_generator_loss,
)
from ..nets import init_weights
from ..nets.munit import UPSAMPLE_NORMS, MUNITAutoEncoder, MUNITDiscriminator
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad
from .schedule import linear_decay_scheduler

__all__ = ["UDIT_NETWORKS", "UDITConfig", "UDITTrainer", "udit_autoencoder_from_config"]

#: The generator-side networks a UDIT run stores (one auto-encoder per domain).
UDIT_NETWORKS = ("AE_A", "AE_B")

_LAMBDAS = ("lambda_x", "lambda_c", "lambda_s", "lambda_U")
_SIZES = (("ngf", 1), ("n_down", 1), ("n_res", 0), ("kernel", 1), ("style_dim", 1),
          ("mlp_dim", 1), ("ndf", 1), ("n_layers_D", 1))


@dataclasses.dataclass
class UDITConfig(TrainerConfig):
    """Options of :class:`UDITTrainer` (defaults: the thesis's layout, MUNIT's weights; see the
    module docstring).

    Attributes:
        ngf, n_down, n_res, kernel: the encoders' and decoders' width unit (64), poolings (3),
            residual blocks (6) and kernel (7, Table A.13).
        style_dim, mlp_dim: the style code's length (8) and the style MLP's width (256).
        pooling_indices: the decoders unpool with the content encoder's indices (UDIT+PI, the
            thesis's tables); ``False``: nearest-neighbour upsampling.
        upsample_norm: the norm after the decoders' upsampling convolutions: ``"in"``
            (Table A.17) or ``"ln"`` (MUNIT's code; :mod:`i2ilib.nets.munit`).
        ndf, n_layers_D: the discriminators' width unit and stride-2 layers (64, 4).
        lambda_x, lambda_c, lambda_s: weights of eqs. 5.5, 5.6, 5.7 in eq. 5.8.
        semantic_constraint: add ``lambda_U * L_U`` (eq. 5.3); needs a semantic extractor.
        lambda_U: its weight.
    """

    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 4
    n_epochs: int = 100
    n_epochs_decay: int = 0
    init_type: str = "kaiming"
    ngf: int = 64
    n_down: int = 3
    n_res: int = 6
    kernel: int = 7
    style_dim: int = 8
    mlp_dim: int = 256
    pooling_indices: bool = True
    upsample_norm: str = "in"
    ndf: int = 64
    n_layers_D: int = 4
    lambda_x: float = 10.0
    lambda_c: float = 1.0
    lambda_s: float = 1.0
    semantic_constraint: bool = False
    lambda_U: float = 1.0

    def __post_init__(self) -> None:
        for name, low in _SIZES:
            check_int(name, getattr(self, name), low)
        if self.kernel % 2 == 0:
            raise ValueError(f"kernel must be odd (same-size convolutions), got {self.kernel}.")
        for name in _LAMBDAS:
            check_weight(name, getattr(self, name))
        if self.upsample_norm not in UPSAMPLE_NORMS:
            raise ValueError(f"upsample_norm must be one of {', '.join(UPSAMPLE_NORMS)}, got "
                             f"{self.upsample_norm!r}.")
        for name in ("pooling_indices", "semantic_constraint"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}.")


def _autoencoder(c: UDITConfig, nc: int) -> MUNITAutoEncoder:
    return MUNITAutoEncoder(nc, c.ngf, c.n_down, c.n_res, c.kernel, c.style_dim, c.mlp_dim,
                            c.pooling_indices, c.upsample_norm)


class UDITTrainer(Trainer):
    """Trains UDIT (or, without the constraint, MUNIT) on unpaired batches ``{"A", "B"}``.

    Args:
        config: a :class:`UDITConfig`.
        run_dir: where checkpoints and sample grids go (``None``: nowhere).
        semantic_extractor: ``h``, images ``(N, C, H, W)`` in ``[-1, 1]`` -> features
            ``(N, ...)``; needed when ``config.semantic_constraint``. Both directions use it,
            so it must take images of both domains. It is moved to the trainer's device, put in
            eval mode and its parameters are frozen.
    """

    generator_names = UDIT_NETWORKS

    def __init__(self, config: UDITConfig | None = None, run_dir: str | Path | None = None,
                 semantic_extractor: nn.Module | None = None):
        config = config or UDITConfig()
        if not isinstance(config, UDITConfig):
            raise TypeError(f"UDITTrainer takes a UDITConfig, got {type(config).__name__}.")
        if config.semantic_constraint and semantic_extractor is None:
            raise ValueError("semantic_constraint=True needs a semantic extractor h: pass "
                             "semantic_extractor=<module mapping images to features>, or set "
                             "semantic_constraint=False (the MUNIT baseline).")
        if semantic_extractor is not None and not callable(semantic_extractor):
            raise TypeError("semantic_extractor must be a module (images -> features), got "
                            f"{type(semantic_extractor).__name__}.")
        super().__init__(config, run_dir)
        c = config

        def prepare(net: nn.Module, init_type: str, init_gain: float) -> nn.Module:
            return self._prepare(init_weights(net, init_type, init_gain))

        self.AE_A = prepare(_autoencoder(c, c.input_nc), c.init_type, c.init_gain)
        self.AE_B = prepare(_autoencoder(c, c.output_nc), c.init_type, c.init_gain)
        self.D_A = prepare(MUNITDiscriminator(c.input_nc, c.ndf, c.n_layers_D), "normal", 0.02)
        self.D_B = prepare(MUNITDiscriminator(c.output_nc, c.ndf, c.n_layers_D), "normal", 0.02)
        self.nets = {"AE_A": self.AE_A, "AE_B": self.AE_B, "D_A": self.D_A, "D_B": self.D_B}
        self.h: nn.Module | None = None
        if semantic_extractor is not None:
            if isinstance(semantic_extractor, nn.Module):
                semantic_extractor = semantic_extractor.to(self.device).eval()
                semantic_extractor.requires_grad_(False)
            self.h = semantic_extractor
        self.optimizers = {
            "G": self._adam(itertools.chain(self.AE_A.parameters(), self.AE_B.parameters())),
            "D": self._adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters())),
        }
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}

    # ----------------------------------------------------------------- data
    def check_batch(self, batch: dict[str, Tensor]) -> None:
        super().check_batch(batch)
        k = 2 ** self.config.n_down
        for key in ("A", "B"):
            h, w = batch[key].shape[2:]
            if h % k or w % k:
                raise ValueError(f"batch['{key}'] has images of {h}x{w}; both sides must be "
                                 f"divisible by 2**n_down = {k} (n_down={self.config.n_down}).")

    # ----------------------------------------------------------------- styles
    def random_styles(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` styles ``s' ~ N(0, I)``, ``(n, style_dim)`` on the trainer's device (drawn on
        CPU from ``generator``, or from the global generator when ``None``)."""
        return torch.randn(n, self.config.style_dim, generator=generator).to(self.device)

    # ----------------------------------------------------------------- the step
    def generator_terms(self, real_A: Tensor, real_B: Tensor, s_A: Tensor, s_B: Tensor,
                        ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """The weighted generator terms of eq. 5.8 for one batch, and the translations.

        Args:
            real_A, real_B: ``(N, C, H, W)`` images of A and B.
            s_A, s_B: random styles ``(N, style_dim)`` of domains A and B (``x_BA = G_A(c_B,
                s_A)``, ``x_AB = G_B(c_A, s_B)``).

        Returns:
            ``(terms, images)``: ``terms`` as in the loss history; ``images`` with ``"x_AB"``,
            ``"x_BA"`` (translations) and ``"rec_A"``, ``"rec_B"`` (eq. 5.5's reconstructions).
        """
        c = self.config
        c_A, style_A = self.AE_A.encode(real_A)
        c_B, style_B = self.AE_B.encode(real_B)
        rec_A = self.AE_A.decode(c_A, style_A)
        rec_B = self.AE_B.decode(c_B, style_B)
        x_AB = self.AE_B.decode(c_A, s_B)
        x_BA = self.AE_A.decode(c_B, s_A)
        c_A_rec, s_B_rec = self.AE_B.encode(x_AB)
        c_B_rec, s_A_rec = self.AE_A.encode(x_BA)
        terms = {
            "GAN_A": udit_generator_loss(self.D_A(x_BA)),
            "GAN_B": udit_generator_loss(self.D_B(x_AB)),
            "x_A": c.lambda_x * image_reconstruction_loss(rec_A, real_A),
            "x_B": c.lambda_x * image_reconstruction_loss(rec_B, real_B),
            "c_A": c.lambda_c * latent_reconstruction_loss(c_A_rec.code, c_A.code),
            "c_B": c.lambda_c * latent_reconstruction_loss(c_B_rec.code, c_B.code),
            "s_A": c.lambda_s * latent_reconstruction_loss(s_B_rec, s_B),
            "s_B": c.lambda_s * latent_reconstruction_loss(s_A_rec, s_A),
        }
        if c.semantic_constraint:
            terms["U_A"] = c.lambda_U * semantic_constraint_loss(self.h, x_AB, real_A)
            terms["U_B"] = c.lambda_U * semantic_constraint_loss(self.h, x_BA, real_B)
        return terms, {"x_AB": x_AB, "x_BA": x_BA, "rec_A": rec_A, "rec_B": rec_B}

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One update of both auto-encoders (eq. 5.8), then of both discriminators (eq. 5.4)."""
        real_A, real_B = self._to_device(batch["A"]), self._to_device(batch["B"])
        s_A = self.random_styles(real_B.shape[0])  # styles of A for x_BA
        s_B = self.random_styles(real_A.shape[0])  # styles of B for x_AB
        set_requires_grad([self.D_A, self.D_B], False)
        with self.autocast():
            terms, images = self.generator_terms(real_A, real_B, s_A, s_B)
        self._backward_step(sum(terms.values()), self.optimizers["G"], terms)

        set_requires_grad([self.D_A, self.D_B], True)
        with self.autocast():
            d_terms = {
                "D_A": udit_discriminator_loss(self.D_A(real_A), self.D_A(images["x_BA"].detach())),
                "D_B": udit_discriminator_loss(self.D_B(real_B), self.D_B(images["x_AB"].detach())),
            }
        self._backward_step(d_terms["D_A"] + d_terms["D_B"], self.optimizers["D"], d_terms)
        self.scaler.update()
        return {k: v.item() for k, v in {**terms, **d_terms}.items()}

    # ----------------------------------------------------------------- checkpoints
    def extra_state(self) -> dict:
        return {"semantic_extractor": type(self.h).__name__ if self.h is not None else ""}

    def load_extra_state(self, state: dict) -> None:
        saved = state.get("semantic_extractor", "")
        now = type(self.h).__name__ if self.h is not None else ""
        if self.config.semantic_constraint and saved != now:
            raise ValueError(f"The checkpoint was trained with the semantic extractor {saved!r}, "
                             f"this trainer has {now!r}: resume with the same h.")

    # ----------------------------------------------------------------- translation
    @torch.no_grad()
    def translate(self, x: Tensor, style: Tensor | None = None, direction: str = "AB",
                  generator: torch.Generator | None = None) -> Tensor:
        """``x_{i->j} = G_j(E_i^c(x), style)``, on CPU, clamped to ``[-1, 1]``.

        Args:
            x: ``(N, C_i, H, W)`` images of the source domain.
            style: ``(N, style_dim)`` or ``(style_dim,)`` (one style for every input); ``None``
                draws ``N(0, I)`` styles from ``generator`` (or the global generator).
            direction: ``"AB"`` or ``"BA"``.

        Returns:
            ``(N, C_j, H, W)``.
        """
        source, target = self._direction(direction)
        x = self._to_device(x)
        if style is None:
            style = self.random_styles(x.shape[0], generator)
        style = style.to(self.device, torch.float32)
        if style.dim() == 1:
            style = style.expand(x.shape[0], -1)
        if style.shape != (x.shape[0], self.config.style_dim):
            raise ValueError(f"style must be ({x.shape[0]}, {self.config.style_dim}) or "
                             f"({self.config.style_dim},), got {tuple(style.shape)}.")
        with self.autocast():
            y = target.decode(source.E_c(x), style)
        return y.float().clamp(-1, 1).cpu()

    @torch.no_grad()
    def sample_styles(self, x: Tensor, n_styles: int, direction: str = "AB",
                      generator: torch.Generator | None = None) -> Tensor:
        """``n_styles`` translations of every input, each with its own random style.

        Args:
            x: ``(N, C_i, H, W)``.
            n_styles: ``K >= 1``.
            generator: the styles' random generator (``None``: the global one).

        Returns:
            ``(N, K, C_j, H, W)`` on CPU: ``out[n, k]`` is input ``n`` with style ``k``.
        """
        if isinstance(n_styles, bool) or not isinstance(n_styles, int) or n_styles < 1:
            raise ValueError(f"n_styles must be an integer >= 1, got {n_styles!r}.")
        source, target = self._direction(direction)
        x = self._to_device(x)
        content = source.E_c(x)
        outs = []
        for _ in range(n_styles):
            with self.autocast():
                outs.append(target.decode(content, self.random_styles(x.shape[0], generator)))
        return torch.stack(outs, dim=1).float().clamp(-1, 1).cpu()

    def _direction(self, direction: str) -> tuple[MUNITAutoEncoder, MUNITAutoEncoder]:
        if direction == "AB":
            return self.AE_A, self.AE_B
        if direction == "BA":
            return self.AE_B, self.AE_A
        raise ValueError(f"direction must be 'AB' or 'BA', got {direction!r}.")

    def translate_AB(self, A: Tensor) -> Tensor:
        """``G_B(E_A^c(A), s')`` with random styles, on CPU."""
        return self.translate(A, direction="AB")

    def translate_BA(self, B: Tensor) -> Tensor:
        """``G_A(E_B^c(B), s')`` with random styles, on CPU."""
        return self.translate(B, direction="BA")

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        g = torch.Generator().manual_seed(0)  # the same styles in every grid
        many = self.sample_styles(batch["A"], 3, "AB", g)
        columns = {"real A": batch["A"]}
        columns.update({f"A->B, style {k}": many[:, k] for k in range(many.shape[1])})
        columns["real B"] = batch["B"]
        columns["B->A"] = self.translate(batch["B"], direction="BA", generator=g)
        return columns


def udit_autoencoder_from_config(config: dict[str, Any], name: str) -> MUNITAutoEncoder:
    """An untrained ``AE_A`` or ``AE_B`` with the sizes of a UDIT configuration
    (``UDITConfig.to_dict()``); load its stored weights into it. The global random state is
    left untouched.

    Raises:
        ValueError: an unknown name, or a configuration that is not UDIT's.
    """
    if name not in UDIT_NETWORKS:
        raise ValueError(f"Unknown UDIT network {name!r}: use one of {', '.join(UDIT_NETWORKS)}.")
    try:
        c = UDITConfig.from_dict(dict(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} is a UDIT network, but the configuration is not a UDIT one: "
                         f"{err}") from err
    with torch.random.fork_rng(devices=[]):  # leave the global random state as it was
        torch.manual_seed(0)
        return _autoencoder(c, c.input_nc if name == "AE_A" else c.output_nc)
