"""WGAN-GP training for TransferGAN (Wang 2020 thesis, chapter 2) and MineGAN (chapter 3).

One trainer, three methods (``WGANConfig.method``):

``"gan"`` -- an unconditional WGAN-GP, or an AC-GAN with ``n_classes > 0`` (Section 2.4), trained
from scratch or initialised from a pretrained run, the generator and the critic independently
(``pretrained_G``, ``pretrained_D``: the four configurations of Section 2.3.4, Table 2.1;
"TransferGAN" when both are set). Losses (eqs. 2.3-2.4; AC-GAN eqs. 2.7-2.8)::

    L(D) = -E_x[D(x)] + E_z[D(G(z))] + lambda E[(||grad D(x_hat)||_2 - 1)^2]
           [+ alpha_D * -E[log P(C = y | x)]]                                          (2.3, 2.8)
    L(G) = -E_z[D(G(z))]  [+ alpha_G * -E[log P(C = y' | G(z, y'))]]                   (2.4, 2.7)

``"bsa"`` -- the BSA-style baseline of Section 3.4 (Noguchi & Harada [122]): only the batch-norm
scales and shifts of the pretrained generator are trained; the critic trains as usual.

``"minegan"`` -- MineGAN: miners ``M_i`` in front of ``N`` pretrained generators ``G_i``, and
one critic. Stage 1 (Section 3.3.2) trains only the miners and the critic; the generators stay
fixed. With ``mining_steps = k >= 0``, stage 2 (knowledge transfer, Section 3.3.4) fine-tunes
the miners, the generators and the critic from step ``k + 1`` on; ``mining_steps = -1`` is
"MineGAN (w/o FT)". Each minibatch holds ``K = batch_size`` supersamples, one image per
generator each, and only the best-scored image of a supersample enters the losses::

    L_D^M = E_{u^i}[max_i D(G_i(M_i(u^i)))] - E_x[D(x)]    (+ gradient penalty)      (3.5)
    L_G^M = -E_{u^i}[max_i D(G_i(M_i(u^i)))]                                          (3.6)

With ``N = 1`` these are eqs. 3.3-3.4. The selector's ``p_hat_i`` (Section 3.3.3) is the
share of supersamples in which ``G_i`` won the arg-max; ``p_i`` is its mean over the last
``selector_window`` (1000) minibatches, and sampling draws ``s ~ Cat(p)`` then ``G_s(M_s(u))``.
A pretrained *conditional* generator ``G(c, z)`` is mined as the family ``{G(i, .)}`` of its
classes with one miner each (Appendix A.2.2): ``method="minegan"`` with ``n_classes > 0`` and
one source.

Defaults are TransferGAN's (Section 2.3.3): images of 64x64, "standard values for
hyperparameters" -- WGAN-GP's (Gulrajani et al. 2017): ``z_dim = 128``, ``dim = 64``,
``n_critic = 5``, ``lambda_gp = 10``, Adam with ``betas = (0, 0.9)`` -- and the thesis's
learning rate ``1e-4``, with a batch of 64 for fine-tuning (128 for the source models; "1e-5
for 1K target samples"). MineGAN on MNIST (Appendix A.2.1) uses Adam(4e-4, betas (0.5, 0.999)),
batch 64, ``|z| = 128`` and a two-layer miner: :data:`MINEGAN_MNIST`.

Deviations and readings, named:

* One trainer step is one critic update on one real minibatch; the generator (or the miners)
  is updated after every ``n_critic``-th step. An "iteration" of the thesis (a generator
  update) is therefore ``n_critic`` steps, and the history holds ``G`` on those steps only.
  WGAN-GP updates the generator first and then the critic ``n_critic`` times; here the critic
  comes first, which differs only at the very start and end of training.
* The AC-GAN's fake labels ``y'`` (a sample of ``p_data(y)``, Section 2.4) are the labels of the
  real minibatch; the critic's classification term uses real images only, as eq. 2.8 writes
  (the original AC-GAN also classifies fakes). ``alpha_G`` and ``alpha_D`` are not given in the
  thesis; both default to 1.
* The gradient penalty of eqs. 3.5-3.6 (which the thesis omits "for simplicity") is taken between
  the real images and the winning image of each supersample, the fakes the critic's loss sees.
* ``p_hat`` is recorded at every critic step (each holds one fake minibatch).
* In stage 1 the fixed generators run in eval mode (their stored batch-norm statistics), so
  neither their weights nor their statistics change while the miners train; in stage 2 they
  train in train mode.
* BSA [122] trains the batch-norm parameters with a supervised L1/perceptual loss and
  per-image latent codes; the BSA-style baseline here keeps the WGAN-GP loss and changes only
  which parameters train (the generator runs in train mode, so its running statistics follow
  the target data too).
* Conditional sources are mined as the family of their classes (Appendix A.2.2); the BigGAN
  variant with a second miner ``M^c`` for the class embedding (Fig. 3.2) is not implemented.
  When mining, the critic's auxiliary classifier (if the source has one) takes no part: the
  target images carry no labels (as Appendix A.2.1 drops BigGAN's projection loss).
* The learning rate is constant (``n_epochs_decay = 0``); the thesis names no schedule.
* Training from scratch initialises every layer He-normal (``init_type="kaiming"``); WGAN-GP's
  code uses He-uniform weights for most layers.

Networks (``self.nets``): ``G`` and ``D`` (``"gan"``, ``"bsa"``), or ``G_0 .. G_{S-1}``,
``M_0 .. M_{N-1}`` and ``D`` (``"minegan"``). Optimisers: ``"G"`` (generator; the BN parameters for
``"bsa"``; miners and generators for ``"minegan"``) and ``"D"``. Batches:
``{"x": (N, output_nc, S, S)}`` in ``[-1, 1]``, plus ``{"y": (N,)}`` int64 labels for an AC-GAN
(:class:`ImageSet`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ..losses import (
    auxiliary_classifier_loss,
    gradient_penalty,
    selector_probabilities,
    supersample_max,
    wgan_critic_loss,
    wgan_generator_loss,
)
from ..nets import init_weights
from ..nets.miner import Miner
from ..nets.wgan_resnet import (
    CONDITIONINGS,
    WGANResnetCritic,
    WGANResnetGenerator,
    check_image_size,
    transfer_state,
)
from .base import Trainer, TrainerConfig, check_int, check_weight, set_requires_grad
from .schedule import linear_decay_scheduler

__all__ = ["MINEGAN_MNIST", "WGAN_METHODS", "ImageSet", "WGANConfig", "WGANTrainer",
           "wgan_generator_from_config"]

#: The training methods of :class:`WGANTrainer`.
WGAN_METHODS = ("gan", "bsa", "minegan")

#: MineGAN's MNIST settings (thesis Appendix A.2.1): Adam(4e-4, (0.5, 0.999)), batch 64,
#: ``|z| = 128``, a miner of two fully connected layers.
MINEGAN_MNIST: dict[str, Any] = {"lr": 4e-4, "beta1": 0.5, "beta2": 0.999, "batch_size": 64,
                                 "z_dim": 128, "miner_layers": 2}

#: Options a pretrained source must share with the run it initialises.
_ARCH_KEYS = ("image_size", "z_dim", "ngf", "ndf", "output_nc")


class ImageSet(Dataset):
    """Images (and labels) in memory, as batches of :class:`WGANTrainer`.

    Args:
        images: ``(N, C, H, W)`` float in ``[-1, 1]``.
        labels: ``(N,)`` integer classes, or ``None``.

    Items: ``{"x": (C, H, W)}`` or ``{"x": (C, H, W), "y": int64 scalar}``.
    """

    def __init__(self, images: Tensor, labels: Tensor | None = None):
        if not isinstance(images, Tensor) or images.dim() != 4:
            raise ValueError(f"images must be a tensor (N, C, H, W), got "
                             f"{getattr(images, 'shape', type(images).__name__)}.")
        if labels is not None:
            labels = torch.as_tensor(labels).long()
            if labels.shape != images.shape[:1]:
                raise ValueError(f"labels must have shape ({len(images)},), got "
                                 f"{tuple(labels.shape)}.")
        self.images, self.labels = images.float(), labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        item = {"x": self.images[i]}
        if self.labels is not None:
            item["y"] = self.labels[i]
        return item


@dataclasses.dataclass
class WGANConfig(TrainerConfig):
    """Options of :class:`WGANTrainer` (defaults: TransferGAN's, see the module docstring).

    ``input_nc`` is not used (a GAN has no input image); ``output_nc`` is the images' channels.

    Attributes:
        image_size: 16, 32 or 64 (:mod:`i2ilib.nets.wgan_resnet`).
        z_dim, ngf, ndf: noise length and the generator's and critic's width unit ``dim``.
        n_classes: 0, or the classes of an AC-GAN (``"gan"``, ``"bsa"``) or of the conditional
            source mined as a family of generators (``"minegan"``).
        conditioning: ``"bnorm"`` (Cond BNorm, the thesis's choice after Fig. 2.5) or
            ``"concat"`` (Cond Concat).
        alpha_G, alpha_D: weights of the AC-GAN terms (eqs. 2.7-2.8).
        lambda_gp: the gradient penalty's weight (eq. 2.3).
        n_critic: critic updates per generator update.
        method: one of :data:`WGAN_METHODS`.
        pretrained_G, pretrained_D: initialise the generator(s) / the critic from pretrained
            runs (:meth:`WGANTrainer.start_from_pretrained`); ``"bsa"`` and ``"minegan"`` need
            ``pretrained_G``.
        n_sources: ``"minegan"``: the number of pretrained generators ``N``.
        critic_source: ``"minegan"``: the source whose critic initialises ``D``.
        miner_layers, miner_pixel_norm: the miners (:class:`i2ilib.nets.miner.Miner`).
        mining_steps: ``"minegan"``: trainer steps of stage 1 before stage 2 fine-tunes
            everything; ``-1``: stage 1 only (MineGAN w/o FT).
        selector_window: minibatches over which ``p_hat`` is averaged into ``p`` (1000).
    """

    lr: float = 1e-4
    beta1: float = 0.0
    beta2: float = 0.9
    batch_size: int = 64
    n_epochs: int = 100
    n_epochs_decay: int = 0
    init_type: str = "kaiming"
    image_size: int = 64
    z_dim: int = 128
    ngf: int = 64
    ndf: int = 64
    n_classes: int = 0
    conditioning: str = "bnorm"
    alpha_G: float = 1.0
    alpha_D: float = 1.0
    lambda_gp: float = 10.0
    n_critic: int = 5
    method: str = "gan"
    pretrained_G: bool = False
    pretrained_D: bool = False
    n_sources: int = 1
    critic_source: int = 0
    miner_layers: int = 2
    miner_pixel_norm: bool = False
    mining_steps: int = -1
    selector_window: int = 1000

    def __post_init__(self) -> None:
        check_image_size(self.image_size)
        for name, low in (("z_dim", 1), ("ngf", 1), ("ndf", 1), ("n_classes", 0), ("n_critic", 1),
                          ("n_sources", 1), ("critic_source", 0), ("miner_layers", 1),
                          ("mining_steps", -1), ("selector_window", 1)):
            check_int(name, getattr(self, name), low)
        for name in ("alpha_G", "alpha_D", "lambda_gp"):
            check_weight(name, getattr(self, name))
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {', '.join(CONDITIONINGS)}, got "
                             f"{self.conditioning!r}.")
        if self.method not in WGAN_METHODS:
            raise ValueError(f"Unknown method {self.method!r}: choose one of "
                             f"{', '.join(WGAN_METHODS)}.")
        if self.method in ("bsa", "minegan") and not self.pretrained_G:
            raise ValueError(f"method={self.method!r} adapts a pretrained generator: set "
                             "pretrained_G=True (and give the source to start_from_pretrained).")
        if self.method != "minegan" and self.n_sources != 1:
            raise ValueError(f"n_sources={self.n_sources}: several pretrained generators are "
                             "mined with method='minegan' only.")
        if self.method == "minegan" and self.n_classes and self.n_sources != 1:
            raise ValueError("A conditional source is mined as the family of its classes "
                             "(Appendix A.2.2): use n_sources=1 with n_classes > 0.")
        if self.critic_source >= self.n_sources:
            raise ValueError(f"critic_source={self.critic_source} must be < n_sources="
                             f"{self.n_sources}.")

    @property
    def conditional_gan(self) -> bool:
        """An AC-GAN: class labels in the data, auxiliary classifier terms in the losses."""
        return self.n_classes > 0 and self.method != "minegan"


class WGANTrainer(Trainer):
    """Trains :class:`WGANConfig`'s method on :class:`ImageSet`-style batches (module docstring).

    A run with ``pretrained_G`` or ``pretrained_D`` must receive its source(s) through
    :meth:`start_from_pretrained` before :meth:`fit` (unless it resumes its own checkpoint).
    """

    def __init__(self, config: WGANConfig | None = None, run_dir: str | Path | None = None):
        config = config or WGANConfig()
        if not isinstance(config, WGANConfig):
            raise TypeError(f"WGANTrainer takes a WGANConfig, got {type(config).__name__}.")
        super().__init__(config, run_dir)
        c = config

        def generator() -> nn.Module:
            G = WGANResnetGenerator(c.z_dim, c.image_size, c.ngf, c.output_nc, c.n_classes,
                                    c.conditioning)
            return self._prepare(init_weights(G, c.init_type, c.init_gain))

        self.D = self._prepare(init_weights(
            WGANResnetCritic(c.image_size, c.ndf, c.output_nc, c.n_classes),
            c.init_type, c.init_gain))
        if c.method == "minegan":
            self.generators = nn.ModuleList(generator() for _ in range(c.n_sources))
            #: member i: (generator index, class or None) -- the family {G_i} of Section 3.3.3
            self.members: list[tuple[int, int | None]] = (
                [(0, k) for k in range(c.n_classes)] if c.n_classes
                else [(i, None) for i in range(c.n_sources)])
            self.miners = nn.ModuleList(
                self._prepare(Miner(c.z_dim, c.miner_layers, c.miner_pixel_norm))
                for _ in self.members)
            self.nets = {**{f"G_{i}": g for i, g in enumerate(self.generators)},
                         **{f"M_{i}": m for i, m in enumerate(self.miners)}, "D": self.D}
            self.generator_names = tuple(k for k in self.nets if k != "D")
            params = [p for net in (*self.miners, *self.generators) for p in net.parameters()]
        else:
            self.G = generator()
            self.generators = nn.ModuleList([self.G])
            self.members = [(0, None)]
            self.miners = nn.ModuleList()
            self.nets = {"G": self.G, "D": self.D}
            self.generator_names = ("G",)
            if c.method == "bsa":
                set_requires_grad(self.G, False)
                params = self.G.bn_parameters()
                for p in params:
                    p.requires_grad_(True)
            else:
                params = list(self.G.parameters())
        self.optimizers = {"G": self._adam(params), "D": self._adam(self.D.parameters())}
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}
        #: the last ``selector_window`` minibatches' ``p_hat``, shape (W, N) (``"minegan"``)
        self.selector_history = torch.zeros(0, len(self.members), dtype=torch.float64)
        #: where the pretrained networks came from (step and configuration of each source)
        self.sources: list[dict[str, Any]] | None = None

    # ----------------------------------------------------------------- pretrained sources
    def start_from_pretrained(self, sources: Any) -> dict[str, dict[str, list[str]]]:
        """Initialise the networks chosen by ``pretrained_G`` / ``pretrained_D`` from pretrained
        ``"gan"`` runs (TransferGAN, thesis Section 2.3.4; MineGAN's fixed generators).

        Args:
            sources: one source, or ``n_sources`` of them for ``"minegan"``; each a
                :class:`WGANTrainer`, its checkpoint file or run folder, or the checkpoint's
                dict. Generator ``i`` comes from source ``i``; the critic from source
                ``critic_source``. An unconditional source may initialise an AC-GAN
                (Section 2.4.1; see :func:`i2ilib.nets.wgan_resnet.transfer_state`).

        Returns:
            For each initialised network, :func:`~i2ilib.nets.wgan_resnet.transfer_state`'s
            report (which tensors were copied, adapted or left fresh).

        Raises:
            ValueError: nothing is to be pretrained, training has started, the number of
                sources is wrong, or a source is not a ``"gan"`` WGAN run of the same sizes.
            FileNotFoundError: no checkpoint at a path given.
        """
        c = self.config
        if not (c.pretrained_G or c.pretrained_D):
            raise ValueError("This run trains from scratch (pretrained_G=False, "
                             "pretrained_D=False): set one of them to initialise it from a "
                             "pretrained run.")
        if self.global_step:
            raise ValueError(f"This trainer has taken {self.global_step} step(s): pretrained "
                             "weights can only be taken over before the first step.")
        items = list(sources) if isinstance(sources, (list, tuple)) else [sources]
        if len(items) != c.n_sources:
            raise ValueError(f"Expected {c.n_sources} source(s) (n_sources), got {len(items)}.")
        states = [self._source_state(s) for s in items]
        for i, state in enumerate(states):
            self._check_source(i, state)
        report: dict[str, dict[str, list[str]]] = {}
        if c.pretrained_G:
            for i, (G, state) in enumerate(zip(self.generators, states)):
                name = "G" if c.method != "minegan" else f"G_{i}"
                report[name] = transfer_state(G, state["nets"]["G"])
        if c.pretrained_D:
            report["D"] = transfer_state(self.D, states[c.critic_source]["nets"]["D"])
        self.sources = [{"global_step": int(s["global_step"]), "config": dict(s["config"])}
                        for s in states]
        return report

    def _check_source(self, i: int, state: dict[str, Any]) -> None:
        c = self.config
        config = state.get("config")
        if state.get("trainer") != type(self).__name__ or not isinstance(config, dict):
            raise ValueError(f"Source {i} is a {state.get('trainer')!r} state, not a WGAN one.")
        if config.get("method") != "gan":
            raise ValueError(f"Source {i} was trained with method={config.get('method')!r}; "
                             "pretrained networks come from method='gan' runs.")
        differ = {k: (config.get(k), getattr(c, k)) for k in _ARCH_KEYS
                  if config.get(k) != getattr(c, k)}
        if differ:
            lines = ", ".join(f"{k}: source {a!r} vs now {b!r}" for k, (a, b) in differ.items())
            raise ValueError(f"Source {i} has other sizes ({lines}): use the source's values.")
        k = config.get("n_classes", 0)
        mined_family = c.method == "minegan" and c.n_classes
        if mined_family and k != c.n_classes:
            raise ValueError(f"Mining the classes of a conditional source needs its n_classes "
                             f"({k}) here, not {c.n_classes}.")
        if k not in (0, c.n_classes):
            raise ValueError(f"Source {i} has {k} classes and this run {c.n_classes}: a "
                             "conditional run starts from an unconditional source or one with "
                             "the same classes.")
        if k and c.n_classes and config.get("conditioning") != c.conditioning:
            raise ValueError(f"Source {i} conditions by {config.get('conditioning')!r}, this run "
                             f"by {c.conditioning!r}.")

    @classmethod
    def _source_state(cls, source: Any) -> dict[str, Any]:
        return cls.starting_state(source, "pretrained")

    def fit(self, dataset: Dataset, max_steps: int | None = None, progress: bool = True,
            resume: bool = True, sample_batch: dict[str, Tensor] | None = None,
            ) -> list[dict[str, float]]:
        """:meth:`Trainer.fit`; a run with pretrained networks must have its sources first.

        Raises:
            ValueError: ``pretrained_G`` or ``pretrained_D`` without
                :meth:`start_from_pretrained` and no checkpoint to resume.
        """
        c = self.config
        resumable = resume and self.run_dir is not None and self.checkpoint_path.exists()
        if ((c.pretrained_G or c.pretrained_D) and self.global_step == 0 and self.sources is None
                and not resumable):
            raise ValueError("This run starts from pretrained networks: call "
                             "start_from_pretrained(source) before fit().")
        return super().fit(dataset, max_steps=max_steps, progress=progress, resume=resume,
                           sample_batch=sample_batch)

    # ----------------------------------------------------------------- one step
    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Batches are ``{"x": (N, output_nc, S, S)}`` (finite, ``S = image_size``) with
        ``"y"``, ``(N,)`` labels in ``[0, n_classes)``, for an AC-GAN."""
        c = self.config
        if "x" not in batch:
            raise KeyError(f"Batches must be dicts with key 'x' (the images); got keys "
                           f"{sorted(batch)}. Wrap the images in ImageSet.")
        x = batch["x"]
        want = (c.output_nc, c.image_size, c.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(f"batch['x'] must have shape (N, {', '.join(map(str, want))}) "
                             f"(output_nc, image_size), got {tuple(x.shape)}.")
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"batch['x'] of step {self.global_step + 1} holds NaN or infinite "
                             "values; images must be finite values in [-1, 1].")
        if c.conditional_gan:
            if "y" not in batch:
                raise KeyError(f"This AC-GAN has {c.n_classes} classes: batches need labels "
                               "'y' (ImageSet(images, labels)).")
            y = batch["y"]
            if y.shape != x.shape[:1] or int(y.min()) < 0 or int(y.max()) >= c.n_classes:
                raise ValueError(f"batch['y'] must hold {len(x)} labels in [0, {c.n_classes}).")

    @property
    def stage(self) -> int:
        """MineGAN's stage of the next step: 1 (mining) or 2 (fine-tuning everything)."""
        m = self.config.mining_steps
        return 1 if m < 0 or self.global_step < m else 2

    def _set_stage(self) -> None:
        if self.config.method != "minegan":
            return
        frozen = self.stage == 1
        for G in self.generators:
            set_requires_grad(G, not frozen)
            G.train(not frozen)

    def _noise(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``(n, z_dim)`` from ``N(0, I)`` (drawn on the CPU, so that runs repeat across devices
        given the seed), on the device."""
        return torch.randn(n, self.config.z_dim, generator=generator).to(self.device)

    def member_images(self, k: int, generator: torch.Generator | None = None) -> Tensor:
        """``k`` supersamples: ``G_i(M_i(u^i))`` for every member ``i`` of the family.

        Returns:
            ``(N, k, output_nc, S, S)`` images, with gradients to the miners (and to the
            generators in stage 2) unless called under ``torch.no_grad()``.
        """
        out = []
        for i, (g, cls) in enumerate(self.members):
            z = self.miners[i](self._noise(k, generator))
            y = None if cls is None else torch.full((k,), cls, dtype=torch.long,
                                                    device=self.device)
            out.append(self.generators[g](z, y))
        return torch.stack(out)

    def _supersample_scores(self, fakes: Tensor) -> Tensor:
        """``(N, K, C, S, S)`` member images -> ``(K, N)`` critic scores."""
        n, k = fakes.shape[:2]
        return self.D(fakes.flatten(0, 1)).view(n, k).t()

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        """One critic update; after every ``n_critic``-th, one generator (or miner) update."""
        c = self.config
        self._set_stage()
        real = self._to_device(batch["x"])
        labels = self._to_device(batch["y"]) if c.conditional_gan else None
        generator_step = (self.global_step + 1) % c.n_critic == 0

        set_requires_grad(self.D, True)
        with self.autocast():
            if c.method == "minegan":
                with torch.no_grad():
                    fakes = self.member_images(len(real))
                d_fake, winner = supersample_max(self._supersample_scores(fakes))
                fake = fakes[winner, torch.arange(len(real), device=self.device)]
                self._record_selector(winner)
            else:
                with torch.no_grad():
                    fake = self.G(self._noise(len(real)), labels)
                d_fake = self.D(fake)
            d_real, logits_real = self.D.score_and_logits(real)
        terms = {"D": wgan_critic_loss(d_real, d_fake),
                 "GP": gradient_penalty(self.D, real, fake, lambda_gp=c.lambda_gp)}
        if c.conditional_gan:
            terms["AC_D"] = c.alpha_D * auxiliary_classifier_loss(logits_real, labels)
        self._backward_step(sum(terms.values()), self.optimizers["D"], terms)
        losses = {**terms, "W": -terms["D"].detach()}

        if generator_step:
            set_requires_grad(self.D, False)
            with self.autocast():
                if c.method == "minegan":
                    d_fake, _ = supersample_max(self._supersample_scores(
                        self.member_images(len(real))))
                    logits = None
                else:
                    d_fake, logits = self.D.score_and_logits(self.G(self._noise(len(real)),
                                                                    labels))
            g_terms = {"G": wgan_generator_loss(d_fake)}
            if c.conditional_gan:
                g_terms["AC_G"] = c.alpha_G * auxiliary_classifier_loss(logits, labels)
            self._backward_step(sum(g_terms.values()), self.optimizers["G"], g_terms)
            set_requires_grad(self.D, True)
            losses.update(g_terms)
        self.scaler.update()
        return {k: float(v.detach()) for k, v in losses.items()}

    # ----------------------------------------------------------------- the selector
    def _record_selector(self, winner: Tensor) -> None:
        p_hat = selector_probabilities(winner, len(self.members)).unsqueeze(0)
        self.selector_history = torch.cat([self.selector_history, p_hat])[
            -self.config.selector_window:]

    @property
    def selector_p(self) -> Tensor:
        """``p_i``, the mean of ``p_hat`` over the last ``selector_window`` minibatches
        (``(N,)`` float64; uniform before the first step)."""
        if not len(self.selector_history):
            return torch.full((len(self.members),), 1.0 / len(self.members), dtype=torch.float64)
        return self.selector_history.mean(0)

    # ----------------------------------------------------------------- state and outputs
    def extra_state(self) -> dict:
        return {"selector_history": self.selector_history, "sources": self.sources}

    def load_extra_state(self, state: dict) -> None:
        self.selector_history = state["selector_history"].cpu().double()
        self.sources = state.get("sources")

    @torch.no_grad()
    def generate(self, n: int, y: Tensor | None = None, generator: torch.Generator | None = None,
                 return_members: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """``n`` images in eval mode, on the CPU.

        ``"gan"``/``"bsa"``: ``G(z)`` or ``G(z, y)``. ``"minegan"``: the selector draws the member
        ``s ~ Cat(p)`` of each image (:attr:`selector_p`), then ``G_s(M_s(u))``.

        Args:
            n: number of images.
            y: ``(n,)`` labels of an AC-GAN (required there; ignored otherwise).
            generator: CPU RNG for the noise and the selector (``None``: the global one).
            return_members: ``"minegan"``: also return the drawn members ``(n,)``.

        Returns:
            ``(n, output_nc, S, S)`` in ``[-1, 1]`` (and the members).
        """
        c = self.config
        nets = [*self.generators, *self.miners]
        modes = [net.training for net in nets]
        for net in nets:
            net.eval()
        try:
            if c.method != "minegan":
                if c.conditional_gan:
                    if y is None or y.shape != (n,):
                        raise ValueError(f"This AC-GAN needs labels y of shape ({n},).")
                    y = y.to(self.device).long()
                images = self.G(self._noise(n, generator), y if c.conditional_gan else None)
                members = torch.zeros(n, dtype=torch.long)
            else:
                members = torch.multinomial(self.selector_p.float(), n, replacement=True,
                                            generator=generator)
                images = torch.empty(n, c.output_nc, c.image_size, c.image_size,
                                     device=self.device)
                u = self._noise(n, generator)
                for i, (g, cls) in enumerate(self.members):
                    pick = (members == i).to(self.device)
                    if not bool(pick.any()):
                        continue
                    ys = None if cls is None else torch.full((int(pick.sum()),), cls,
                                                             dtype=torch.long, device=self.device)
                    images[pick] = self.generators[g](self.miners[i](u[pick]), ys)
        finally:
            for net, mode in zip(nets, modes):
                net.train(mode)
        images = images.float().clamp(-1, 1).cpu()
        return (images, members) if return_members else images

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        n = len(batch["x"])
        y = batch.get("y") if self.config.conditional_gan else None
        return {"real": batch["x"],
                "generated": self.generate(n, y, generator=torch.Generator().manual_seed(0))}


def wgan_generator_from_config(config: dict[str, Any], name: str) -> nn.Module:
    """An untrained generator ``G``/``G_i`` or miner ``M_i`` with the sizes of a
    :class:`WGANConfig` (``to_dict()``); load its stored weights into it.

    Raises:
        ValueError: an unknown name, or a configuration that is not a WGAN one.
    """
    try:
        c = WGANConfig.from_dict(dict(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"Not a WGAN configuration: {err}") from err
    if name == "G" or (name.startswith("G_") and name[2:].isdigit()):
        return WGANResnetGenerator(c.z_dim, c.image_size, c.ngf, c.output_nc, c.n_classes,
                                   c.conditioning)
    if name.startswith("M_") and name[2:].isdigit():
        return Miner(c.z_dim, c.miner_layers, c.miner_pixel_norm,
                     generator=torch.Generator().manual_seed(0))
    raise ValueError(f"Unknown network {name!r}: use 'G', 'G_<i>' or 'M_<i>'.")
