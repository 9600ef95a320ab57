"""What the zero-pair baselines of Tables 4.4-4.5 share (Wang 2020, thesis Section 4.6.2,
"Baselines"): the data of mix and match networks, a schedule counted in steps, U-Net
generators between modalities, and translation with :class:`~i2ilib.train.mmnets.MMNetTrainer`'s
contract, so that one scoring function serves M&MNets and the baselines.

The baselines themselves: :mod:`i2ilib.train.zeropair_pix2pix` ("2x pix2pix": four paired
translators through RGB) and :mod:`i2ilib.train.zeropair_cyclegan` (CycleGAN between depth and
segmentation, unpaired). Section and table numbers are the thesis's.

Modalities and tensors are those of :mod:`i2ilib.data.zeropair`: RGB ``"R"`` ``(N, 3, H, W)``
and depth ``"D"`` ``(N, depth_nc, H, W)`` in [-1, 1]; segmentation ``"S"`` as ``(N, H, W)``
class ids, fed to a generator as one-hot maps ``(N, K, H, W)``
(:func:`~i2ilib.nets.mmnets.one_hot_labels`), and produced as class scores (logits)
``(N, K, H, W)``. A generator *into* segmentation is pix2pix's U-Net without its final
``tanh`` (class scores are not bounded); the others end in ``tanh`` as published.

Schedule: ``steps`` optimisation steps, each on one batch of :class:`~i2ilib.data.zeropair.
ZeroPairDataset` (``batch_size`` pairs of ``D_RS`` and as many of ``D_RD``), as M&MNets count
theirs, at a constant learning rate; ``n_epochs`` and ``n_epochs_decay`` stay 0. The thesis
gives no schedule for its baselines; M&MNets' (batch 6, Adam 2e-4, 200K + 200K steps) puts them
on the same budget, a named reading.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import ClassVar

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ..nets import define_G
from ..nets.factory import parse_generator_name
from ..nets.mmnets import check_class_ids, modality_input, one_hot_labels
from .base import Trainer, TrainerConfig, check_int, check_weight

__all__ = ["MODALITIES", "ZeroPairBaselineConfig", "ZeroPairBaselineTrainer",
           "modality_generator"]

#: RGB, depth, segmentation.
MODALITIES = ("R", "D", "S")


@dataclasses.dataclass
class ZeroPairBaselineConfig(TrainerConfig):
    """Options shared by the zero-pair baselines (module docstring).

    Attributes:
        input_nc, output_nc: RGB channels (3); both must be equal.
        steps: optimisation steps (paper: M&MNets' stages 1 + 2, 400K).
        netG: a U-Net, ``unet_<size>`` (skip connections, the thesis's "SC") or
            ``unet_<size>_noskip``; ``<size>`` is the image size it is built for.
        ngf, norm, use_dropout: the generators (:func:`~i2ilib.nets.define_G`).
        netD, ndf, n_layers_D: the PatchGAN discriminators (:func:`~i2ilib.nets.define_D`).
        n_classes, depth_nc: segmentation classes (12 in SynthScenes) and depth channels.
    """

    lr: float = 2e-4
    batch_size: int = 6
    n_epochs: int = 0
    n_epochs_decay: int = 0
    steps: int = 400_000
    netG: str = "unet_256"
    ngf: int = 64
    norm: str = "batch"
    use_dropout: bool = False
    netD: str = "basic"
    ndf: int = 64
    n_layers_D: int = 3
    n_classes: int = 12
    depth_nc: int = 1

    def __post_init__(self) -> None:
        if self.input_nc != self.output_nc:
            raise ValueError(f"input_nc and output_nc are both the RGB channels here; got "
                             f"{self.input_nc} and {self.output_nc}.")
        if self.n_epochs or self.n_epochs_decay:
            raise ValueError("The zero-pair baselines count their schedule in steps: set "
                             "steps, and leave n_epochs = n_epochs_decay = 0.")
        spec = parse_generator_name(self.netG)
        if spec["arch"] != "unet" or spec.get("residual"):
            raise ValueError(f"netG must be a U-Net, unet_<size> or unet_<size>_noskip (the "
                             f"thesis's baselines use skip connections), got {self.netG!r}.")
        for name, low in (("steps", 1), ("ngf", 1), ("ndf", 1), ("n_layers_D", 0),
                          ("n_classes", 2), ("depth_nc", 1), ("batch_size", 1)):
            check_int(name, getattr(self, name), low)
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not (
                math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}.")

    def _check_weights(self, *names: str) -> None:
        for name in names:
            check_weight(name, getattr(self, name))

    def channels(self, modality: str) -> int:
        """Channels of a modality as a generator takes or gives it."""
        return {"R": self.input_nc, "D": self.depth_nc, "S": self.n_classes}[modality]


def modality_generator(config: ZeroPairBaselineConfig, source: str, target: str,
                       generator: torch.Generator | None = None) -> nn.Module:
    """The U-Net ``source -> target`` of a configuration, initialised; into segmentation without
    the final ``tanh`` (its outputs are class scores)."""
    c = config
    net = define_G(c.netG, c.channels(source), c.channels(target), ngf=c.ngf, norm=c.norm,
                   use_dropout=c.use_dropout, init_type=c.init_type, init_gain=c.init_gain,
                   generator=generator)
    if target == "S":
        outer = net.model.model
        if not isinstance(outer[-1], nn.Tanh):  # pragma: no cover - the U-Net's layout
            raise RuntimeError("The U-Net's outermost block no longer ends in tanh.")
        outer[-1] = nn.Identity()  # no parameters: the weights' names are unchanged
    return net


class ZeroPairBaselineTrainer(Trainer):
    """The schedule, the batch checks and the translation of the zero-pair baselines.

    Subclasses set :attr:`needed` (the batch keys they read), :attr:`routes` (``(source,
    target) -> the generators applied in turn``) and build ``self.nets`` with the generators of
    ``generator_names``.
    """

    #: The batch keys a step reads (a subclass's).
    needed: tuple[str, ...] = ("R_RS", "S", "R_RD", "D")
    #: ``(source, target) -> generator names``: the chain :meth:`translate` applies.
    routes: ClassVar[dict[tuple[str, str], tuple[str, ...]]] = {}
    #: ``name -> (source, target)`` of each generator.
    generators: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, config: ZeroPairBaselineConfig, run_dir: str | Path | None = None):
        super().__init__(config, run_dir)

    @property
    def total_epochs(self) -> int:
        """Enough epochs for ``steps`` (set by :meth:`fit`)."""
        return getattr(self, "_epochs_needed", 1)

    def fit(self, dataset: Dataset, max_steps: int | None = None, progress: bool = True,
            resume: bool = True, sample_batch: dict[str, Tensor] | None = None,
            ) -> list[dict[str, float]]:
        """:meth:`Trainer.fit` for ``steps`` steps (or ``max_steps`` in all, if fewer)."""
        if len(dataset) == 0:
            raise ValueError("The training dataset is empty.")
        total = self.config.steps
        self._epochs_needed = math.ceil(total / self.batches_per_epoch(len(dataset)))
        goal = total if max_steps is None else min(total, max_steps)
        return super().fit(dataset, max_steps=goal, progress=progress, resume=resume,
                           sample_batch=sample_batch)

    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Clear errors for batches the networks cannot take (missing keys, shapes, class ids,
        NaN or infinite values)."""
        c = self.config
        nc = {"R_RS": c.input_nc, "R_RD": c.input_nc, "D": c.depth_nc, "S": None}
        missing = [k for k in self.needed if k not in batch]
        if missing:
            raise KeyError(f"{type(self).__name__} batches need keys {list(self.needed)}; "
                           f"missing {missing} (got {sorted(batch)}).")
        for key in self.needed:
            x = batch[key]
            if key == "S":
                check_class_ids(x, c.n_classes, "batch['S']")
                continue
            if x.dim() != 4 or x.shape[1] != nc[key]:
                raise ValueError(f"batch['{key}'] must be (N, {nc[key]}, H, W), got "
                                 f"{tuple(x.shape)}.")
            if not bool(torch.isfinite(x).all()):
                raise ValueError(f"batch['{key}'] of step {self.global_step + 1} holds NaN or "
                                 "infinite values.")

    def one_hot(self, y: Tensor) -> Tensor:
        """Class ids ``(N, H, W)`` as one-hot maps ``(N, K, H, W)`` on the device."""
        return one_hot_labels(y, self.config.n_classes)

    def _input(self, source: str, x: Tensor) -> Tensor:
        """A modality's input as a generator takes it: labels ``(N, H, W)`` become one-hot."""
        return modality_input(source, x, self.config.n_classes, self.config.channels(source))

    @torch.no_grad()
    def translate(self, source: str, target: str, x: Tensor) -> Tensor:
        """``source -> target`` in eval mode, on CPU, with :meth:`MMNetTrainer.translate
        <i2ilib.train.mmnets.MMNetTrainer.translate>`'s contract, through the generators of
        :attr:`routes` (an intermediate segmentation is passed on as class probabilities). ``x``
        and the result are shaped as there (segmentation out as class scores ``(N, K, H, W)``).

        Raises:
            ValueError: an unknown modality or a pair this baseline does not translate.
        """
        for m in (source, target):
            if m not in MODALITIES:
                raise ValueError(f"Unknown modality {m!r}: use 'R' (RGB), 'D' (depth) or 'S' "
                                 "(segmentation).")
        if (source, target) not in self.routes:
            pairs = ", ".join(f"{a}->{b}" for a, b in self.routes)
            raise ValueError(f"{type(self).__name__} does not translate {source}->{target}; it "
                             f"translates {pairs}.")
        y = self._to_device(self._input(source, x))
        chain = self.routes[(source, target)]
        modes = {name: self.nets[name].training for name in chain}
        try:
            for i, name in enumerate(chain):
                net = self.nets[name]
                net.eval()
                with self.autocast():
                    y = net(y).float()
                if i < len(chain) - 1 and self.generators[name][1] == "S":
                    y = y.softmax(1)
        finally:
            for name, mode in modes.items():
                self.nets[name].train(mode)
        y = y.cpu()
        return y if target == "S" else y.clamp(-1, 1)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """Columns for a sample grid: the inputs and the unseen ``D -> S`` and ``S -> D``
        (labels coloured by :func:`i2ilib.viz.colour_labels`)."""
        from ..viz import colour_labels

        def labels(scores_or_ids: Tensor) -> Tensor:
            ids = scores_or_ids if scores_or_ids.dim() == 3 else scores_or_ids.argmax(1)
            return colour_labels(ids, self.config.n_classes)

        def grey(d: Tensor) -> Tensor:
            return d[:, :1].expand(-1, 3, -1, -1)

        return {"y": labels(batch["S"]), "S -> D": grey(self.translate("S", "D", batch["S"])),
                "z": grey(batch["D"]), "D -> S": labels(self.translate("D", "S", batch["D"]))}
