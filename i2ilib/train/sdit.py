"""SDIT, scalable and diverse image translation (Wang 2020 thesis, chapter 6): one encoder ``E``,
mapping ``M`` and generator ``G`` for ``C`` domains, and one discriminator with three heads
(:mod:`i2ilib.nets.sdit`).

For an image ``x`` of domain ``l_sc``, a target ``l_tg`` and ``z ~ N(0, I)``::

    y  = G(E(x, l_tg), M(z))                                                      (6.7)
    x' = G(E(y, l_sc), M(z))                                                      (6.7)

Losses (eqs. 6.1-6.8), with the library's terms:

    L_GAN  = E[log D_src(x)] + E[log(1 - D_src(y))]                 (6.1)  GANLoss("vanilla")
    L_FAKE = -E[log D_cls(l_tg | y)]            (E, G)              (6.3)  auxiliary_classifier_loss
    L_REAL = -E[log D_cls(l_sc | x)]            (D)                 (6.4)  auxiliary_classifier_loss
    L_LAT  = E[||F_rec(y) - z||_1]              (E, G, M and D)     (6.6)  latent_reconstruction_loss
    L_REC  = E[||x - x'||_1]                    (E, G, M)           (6.7)  image_reconstruction_loss

    min_{E,G} max_D  lambda_GAN L_GAN + lambda_FAKE L_FAKE + lambda_REAL L_REAL
                     + lambda_LAT L_LAT + lambda_REC L_REC                                (6.8)

Defaults are Section 6.4's: Adam(1e-4, betas (0.5, 0.999)), batch 16 (faces; 4 for the other
datasets), ``lambda_GAN = 10``, ``lambda_FAKE = lambda_REAL = 1``, ``lambda_LAT = 10``,
``lambda_REC = 800``, ``z ~ N(0, I)`` of length 8 (``F_rec``'s last layer has 8 units), Gaussian
initialisation, images of 128x128 with a six-layer discriminator.

Readings and deviations, named:

* The generator's adversarial term is the non-saturating ``-E[log D_src(y)]`` (the usual form
  of the minimax of eq. 6.2). ``L_GAN`` is a mean over the patches of ``D_src``.
* ``L_LAT`` trains both sides (eq. 6.6 names ``E, G, D``): the generators through ``F_rec(y)``
  with ``D`` fixed, and ``D``'s ``F_rec`` on the detached ``y``. ``F_rec`` sees generated
  images only, as the text says.
* Domains are single labels ``l in {0, ..., C-1}`` with the cross-entropy of eqs. 6.3-6.4 (the
  thesis's CelebA attributes are combinations; one label per combination covers them).
  Targets ``l_tg`` are drawn uniformly over the ``C`` domains for each image (the source domain
  included).
* One ``z`` and one ``l_tg`` per image and step serve both updates; the generators are updated
  first, then the discriminator.
* The Gaussian initialisation's standard deviation is not given: ``init_gain = 0.02``.
* ``cin=False`` ("SDIT w/o CIN") leaves ``z`` out of the generator, so ``L_LAT`` must be off
  (``lambda_LAT = 0``).
* The learning rate is constant unless ``n_epochs_decay > 0``.

Batches: ``{"x": (N, input_nc, S, S)}`` in ``[-1, 1]`` with ``S = image_size`` and
``{"y": (N,)}`` int64 domains (:class:`i2ilib.train.wgan.ImageSet`). Networks: ``SDIT``
(``E``, ``M``, ``T^c``, ``T^a``, the up-sampling layers) and ``D``; optimisers ``"G"`` and
``"D"``. History: ``GAN, FAKE, LAT, REC`` (generators) and ``D_GAN, REAL, D_LAT``
(discriminator), weighted; without ``L_LAT`` the ``LAT`` keys are absent.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..losses import GANLoss, auxiliary_classifier_loss
from ..losses.diverse import image_reconstruction_loss, latent_reconstruction_loss
from ..nets import init_weights
from ..nets.sdit import CIN_PARAMS, SDITDiscriminator, SDITGenerator
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad
from .schedule import linear_decay_scheduler

__all__ = ["SDITConfig", "SDITTrainer", "sdit_generator_from_config"]

_LAMBDAS = ("lambda_GAN", "lambda_FAKE", "lambda_REAL", "lambda_LAT", "lambda_REC")
_SIZES = (("n_domains", 2), ("image_size", 4), ("ngf", 1), ("n_res", 1), ("z_dim", 1),
          ("mlp_dim", 1), ("ndf", 1), ("n_layers_D", 1))


@dataclasses.dataclass
class SDITConfig(TrainerConfig):
    """Options of :class:`SDITTrainer` (defaults: Section 6.4; see the module docstring).

    Attributes:
        n_domains: ``C``.
        image_size: the side of the square images (divisible by ``2**n_layers_D``).
        ngf, n_res, z_dim, mlp_dim: the width unit (64), residual blocks in ``E``, ``T^c`` and
            ``T^a`` (6), the latent code's length (8) and ``M``'s hidden units (256).
        ndf, n_layers_D: the discriminator's width unit and stride-2 layers (64, 6).
        cin, attention: the ablations of Table 6.1 ("w/o CIN", "w/o Atten").
        cin_params: ``"both"``, ``"gamma"`` or ``"beta"``: which CIN parameters ``M`` sets
            (Fig. 6.6).
        cin_per_domain: one ``(gamma, beta)`` set per target domain (see
            :mod:`i2ilib.nets.sdit`).
        lambda_GAN, lambda_FAKE, lambda_REAL, lambda_LAT, lambda_REC: the weights of eq. 6.8.
    """

    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 16
    n_epochs: int = 100
    n_epochs_decay: int = 0
    init_type: str = "normal"
    n_domains: int = 2
    image_size: int = 128
    ngf: int = 64
    n_res: int = 6
    z_dim: int = 8
    mlp_dim: int = 256
    ndf: int = 64
    n_layers_D: int = 6
    cin: bool = True
    attention: bool = True
    cin_params: str = "both"
    cin_per_domain: bool = False
    lambda_GAN: float = 10.0
    lambda_FAKE: float = 1.0
    lambda_REAL: float = 1.0
    lambda_LAT: float = 10.0
    lambda_REC: float = 800.0

    def __post_init__(self) -> None:
        for name, low in _SIZES:
            check_int(name, getattr(self, name), low)
        for name in _LAMBDAS:
            check_weight(name, getattr(self, name))
        for name in ("cin", "attention", "cin_per_domain"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if self.cin_params not in CIN_PARAMS:
            raise ValueError(f"cin_params must be one of {', '.join(CIN_PARAMS)}, got "
                             f"{self.cin_params!r}.")
        if self.image_size % (2 ** self.n_layers_D):
            raise ValueError(f"image_size={self.image_size} must be divisible by 2**n_layers_D "
                             f"= {2 ** self.n_layers_D}: lower n_layers_D for small images.")
        if self.input_nc != self.output_nc:
            raise ValueError(f"One SDIT generator serves every domain, so input_nc and "
                             f"output_nc must agree (got {self.input_nc} and {self.output_nc}).")
        if not self.cin and self.lambda_LAT > 0:
            raise ValueError("cin=False leaves z out of the generator, so L_LAT has nothing to "
                             "reconstruct: set lambda_LAT=0 (Table 6.1's 'SDIT w/o CIN').")


def _generator(c: SDITConfig) -> SDITGenerator:
    return SDITGenerator(c.input_nc, c.n_domains, c.ngf, c.n_res, c.z_dim, c.mlp_dim, c.cin,
                         c.attention, c.cin_params, c.cin_per_domain)


class SDITTrainer(Trainer):
    """Trains SDIT on labelled batches ``{"x": images, "y": domains}``."""

    generator_names = ("SDIT",)

    def __init__(self, config: SDITConfig | None = None, run_dir: str | Path | None = None):
        config = config or SDITConfig()
        if not isinstance(config, SDITConfig):
            raise TypeError(f"SDITTrainer takes an SDITConfig, got {type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config
        self.SDIT = self._prepare(init_weights(_generator(c), c.init_type, c.init_gain))
        self.D = self._prepare(init_weights(
            SDITDiscriminator(c.input_nc, c.n_domains, c.image_size, c.ndf, c.n_layers_D,
                              c.z_dim), c.init_type, c.init_gain))
        self.nets = {"SDIT": self.SDIT, "D": self.D}
        self.criterion_gan = GANLoss("vanilla").to(self.device)
        self.optimizers = {"G": self._adam(self.SDIT.parameters()),
                           "D": self._adam(self.D.parameters())}
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}

    def check_batch(self, batch: dict[str, Tensor]) -> None:
        c = self.config
        if "x" not in batch or "y" not in batch:
            raise KeyError(f"Batches must be dicts with keys 'x' (images) and 'y' (domains), "
                           f"got keys {sorted(batch)}.")
        x, y = batch["x"], batch["y"]
        if x.dim() != 4 or x.shape[1] != c.input_nc or tuple(x.shape[2:]) != (c.image_size,) * 2:
            raise ValueError(f"batch['x'] must be (N, {c.input_nc}, {c.image_size}, "
                             f"{c.image_size}), got {tuple(x.shape)}.")
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"batch['x'] of step {self.global_step + 1} holds NaN or infinite "
                             "values; images must be finite values in [-1, 1].")
        if y.shape != x.shape[:1] or y.is_floating_point():
            raise ValueError(f"batch['y'] must be ({x.shape[0]},) integer domains, got "
                             f"{tuple(y.shape)} {y.dtype}.")
        if int(y.min()) < 0 or int(y.max()) >= c.n_domains:
            raise ValueError(f"batch['y'] must lie in [0, {c.n_domains}), got values from "
                             f"{int(y.min())} to {int(y.max())}.")

    def generator_terms(self, x: Tensor, l_sc: Tensor, l_tg: Tensor, z: Tensor,
                        ) -> tuple[dict[str, Tensor], Tensor]:
        """The weighted generator terms of eq. 6.8 and the translation ``y`` (eq. 6.7).

        Args:
            x: ``(N, C, S, S)``; l_sc, l_tg: ``(N,)`` source and target domains; z: ``(N, z_dim)``.
        """
        c = self.config
        y = self.SDIT(x, l_tg, z)
        src, cls, rec = self.D(y)
        terms = {"GAN": c.lambda_GAN * self.criterion_gan(src, True, for_discriminator=False),
                 "FAKE": c.lambda_FAKE * auxiliary_classifier_loss(cls, l_tg)}
        if c.lambda_LAT > 0:
            terms["LAT"] = c.lambda_LAT * latent_reconstruction_loss(rec, z)
        x_rec = self.SDIT(y, l_sc, z)
        terms["REC"] = c.lambda_REC * image_reconstruction_loss(x_rec, x)
        return terms, y

    def discriminator_terms(self, x: Tensor, l_sc: Tensor, y: Tensor, z: Tensor,
                            ) -> dict[str, Tensor]:
        """The weighted discriminator terms: ``D_GAN`` (eq. 6.1), ``REAL`` (eq. 6.4) and
        ``D_LAT`` (eq. 6.6 on the detached ``y``)."""
        c = self.config
        src_real, cls_real, _ = self.D(x)
        src_fake, _, rec = self.D(y.detach())
        terms = {"D_GAN": c.lambda_GAN * (self.criterion_gan(src_real, True)
                                          + self.criterion_gan(src_fake, False)),
                 "REAL": c.lambda_REAL * auxiliary_classifier_loss(cls_real, l_sc)}
        if c.lambda_LAT > 0:
            terms["D_LAT"] = c.lambda_LAT * latent_reconstruction_loss(rec, z)
        return terms

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        c = self.config
        x = self._to_device(batch["x"])
        l_sc = batch["y"].to(self.device).long()
        l_tg = torch.randint(c.n_domains, (x.shape[0],)).to(self.device)
        z = torch.randn(x.shape[0], c.z_dim).to(self.device)
        set_requires_grad(self.D, False)
        with self.autocast():
            terms, y = self.generator_terms(x, l_sc, l_tg, z)
        self._backward_step(sum(terms.values()), self.optimizers["G"], terms)
        set_requires_grad(self.D, True)
        with self.autocast():
            d_terms = self.discriminator_terms(x, l_sc, y, z)
        self._backward_step(sum(d_terms.values()), self.optimizers["D"], d_terms)
        self.scaler.update()
        return {k: v.item() for k, v in {**terms, **d_terms}.items()}

    # ----------------------------------------------------------------- translation
    def _labels(self, target: int | Tensor, n: int) -> Tensor:
        labels = torch.as_tensor(target).long().flatten()
        if labels.numel() == 1:
            labels = labels.expand(n)
        if labels.shape != (n,) or int(labels.min()) < 0 or int(labels.max()) >= (
                self.config.n_domains):
            raise ValueError(f"target must be a domain in [0, {self.config.n_domains}) or {n} "
                             f"of them, got {target!r}.")
        return labels.to(self.device)

    @torch.no_grad()
    def translate(self, x: Tensor, target: int | Tensor, z: Tensor | None = None,
                  generator: torch.Generator | None = None) -> Tensor:
        """``G(E(x, target), M(z))`` on CPU: ``x`` ``(N, C, S, S)``, ``target`` one domain or
        ``(N,)``, ``z`` ``(N, z_dim)`` (``None``: drawn from ``generator``) -> ``(N, C, S, S)``."""
        labels = self._labels(target, x.shape[0])
        if z is None:
            z = torch.randn(x.shape[0], self.config.z_dim, generator=generator)
        with self.autocast():
            y = self.SDIT(self._to_device(x), labels, z.to(self.device, torch.float32))
        return y.float().clamp(-1, 1).cpu()

    @torch.no_grad()
    def sample_styles(self, x: Tensor, target: int | Tensor, n_styles: int,
                      generator: torch.Generator | None = None) -> Tensor:
        """``n_styles`` translations of each input to ``target``: ``(N, K, C, S, S)``."""
        if isinstance(n_styles, bool) or not isinstance(n_styles, int) or n_styles < 1:
            raise ValueError(f"n_styles must be an integer >= 1, got {n_styles!r}.")
        return torch.stack([self.translate(x, target, generator=generator)
                            for _ in range(n_styles)], dim=1)

    @torch.no_grad()
    def attention(self, x: Tensor, target: int | Tensor) -> Tensor:
        """The attention ``a = T^a(E(x, target))`` of eq. 6.9: ``(N, 1, S/4, S/4)`` on CPU."""
        if not self.config.attention:
            raise ValueError("This model has no attention (attention=False).")
        labels = self._labels(target, x.shape[0])
        return self.SDIT.attention_map(self.SDIT.E(self._to_device(x), labels)).float().cpu()

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        g = torch.Generator().manual_seed(0)
        columns = {"input": batch["x"]}
        for d in range(self.config.n_domains):
            columns[f"to {d}"] = self.translate(batch["x"], d, generator=g)
        return columns


def sdit_generator_from_config(config: dict[str, Any], name: str = "SDIT") -> SDITGenerator:
    """An untrained ``SDIT`` generator (``E``, ``M``, ``G``) with the sizes of an SDIT
    configuration (``SDITConfig.to_dict()``); load its stored weights into it. The global random
    state is left untouched.

    Raises:
        ValueError: another name, or a configuration that is not SDIT's.
    """
    if name != "SDIT":
        raise ValueError(f"Unknown SDIT network {name!r}: the generator is 'SDIT'.")
    try:
        c = SDITConfig.from_dict(dict(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"SDIT is an SDIT network, but the configuration is not an SDIT one: "
                         f"{err}") from err
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return _generator(c)
