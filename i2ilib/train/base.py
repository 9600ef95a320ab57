"""What the pix2pix and CycleGAN trainers share: device and precision set-up, a deterministic and
resumable data order, the training loop with a live progress bar, periodic sample grids, and
atomic checkpoints from which a resumed run continues bit for bit (on CPU) like an uninterrupted
one.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, default_collate

from ..device import select_device
from .checkpoint import atomic_save, load_checkpoint


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"].cpu())  # a checkpoint loaded onto a GPU moves it there
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def set_requires_grad(nets: list[nn.Module] | nn.Module, requires_grad: bool) -> None:
    """Freeze / unfreeze networks (the discriminators while the generators are updated)."""
    for net in nets if isinstance(nets, list) else [nets]:
        for p in net.parameters():
            p.requires_grad_(requires_grad)


@dataclasses.dataclass
class TrainerConfig:
    """Options shared by every trainer (defaults as published; see each subclass)."""

    input_nc: int = 3
    output_nc: int = 3
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    n_epochs: int = 100
    n_epochs_decay: int = 100
    batch_size: int = 1
    init_type: str = "normal"
    init_gain: float = 0.02
    seed: int = 0
    device: str = "auto"
    # Mixed precision (float16 autocast + GradScaler), CUDA only. Off by default: at book and
    # paper sizes the step is bound by kernel launches, not arithmetic, and AMP measured slower
    # on an H100 (benchmarks/README.md). Turn it on for wide networks or large batches.
    amp: bool = False
    channels_last: bool = False
    sample_every: int = 0  # steps between sample grids (0: only at the end)
    checkpoint_every: int = 0  # steps between checkpoints (0: only at the end of fit)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"Unknown option(s) for {cls.__name__}: {', '.join(unknown)}. "
                             f"Known options: {', '.join(sorted(names))}.")
        return cls(**d)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


class Trainer:
    """Base class. Subclasses build ``self.nets`` (name -> module), ``self.optimizers``, define
    :meth:`train_step` and :meth:`samples`, and list their generator names in
    ``generator_names``."""

    generator_names: tuple[str, ...] = ()

    def __init__(self, config: TrainerConfig, run_dir: str | Path | None = None):
        self.config = config
        self.device = select_device(config.device)
        self.amp = bool(config.amp)
        if self.amp and self.device.type != "cuda":
            raise ValueError("amp=True needs a CUDA device; use amp=False on this machine.")
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.epoch = 0
        self.step_in_epoch = 0
        self.global_step = 0
        self.history: list[dict[str, float]] = []
        self.wall_time = 0.0
        seed_everything(config.seed)

    # ----------------------------------------------------------------- set-up helpers
    @property
    def total_epochs(self) -> int:
        return self.config.n_epochs + self.config.n_epochs_decay

    def _prepare(self, net: nn.Module) -> nn.Module:
        net = net.to(self.device)
        if self.config.channels_last:
            net = net.to(memory_format=torch.channels_last)
        return net

    def _adam(self, params) -> torch.optim.Optimizer:
        c = self.config
        return torch.optim.Adam(params, lr=c.lr, betas=(c.beta1, c.beta2))

    def _to_device(self, x: Tensor) -> Tensor:
        x = x.to(self.device, non_blocking=True)
        if self.config.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=torch.float16,
                              enabled=self.amp)

    def _backward_step(self, loss: Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)

    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Clear errors for a batch the networks cannot take (missing keys, wrong channels)."""
        c = self.config
        for key, nc, opt in (("A", c.input_nc, "input_nc"), ("B", c.output_nc, "output_nc")):
            if key not in batch:
                raise KeyError(f"Batches must be dicts with keys 'A' and 'B'; '{key}' is missing "
                               f"(got keys {sorted(batch)}).")
            x = batch[key]
            if x.dim() != 4:
                raise ValueError(f"batch['{key}'] must have shape (N, C, H, W), got "
                                 f"{tuple(x.shape)}.")
            if x.shape[1] != nc:
                raise ValueError(
                    f"Data has {x.shape[1]} channel(s) in domain {key} but the model expects "
                    f"{opt}={nc}: pass {opt}={x.shape[1]} or convert the images "
                    f"({'grayscale' if nc == 1 else 'RGB'}).")

    # ----------------------------------------------------------------- the loop
    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:  # pragma: no cover
        """One optimisation step of every network; ends with ``self.scaler.update()``."""
        raise NotImplementedError

    def batches_per_epoch(self, n_items: int) -> int:
        return math.ceil(n_items / self.config.batch_size)

    def epoch_order(self, epoch: int, n_items: int) -> Tensor:
        """The shuffled item order of ``epoch``: a function of (seed, epoch) only, so a resumed
        run sees the same batches as an uninterrupted one."""
        g = torch.Generator().manual_seed(self.config.seed * 1_000_003 + epoch)
        return torch.randperm(n_items, generator=g)

    def _batches(self, dataset: Dataset, epoch: int, start: int) -> Iterator[dict]:
        if hasattr(dataset, "set_epoch"):  # per-item augmentation keyed by (seed, epoch, index)
            dataset.set_epoch(epoch)
        order = self.epoch_order(epoch, len(dataset))
        bs = self.config.batch_size
        for b in range(start, self.batches_per_epoch(len(dataset))):
            idx = order[b * bs:(b + 1) * bs].tolist()
            yield default_collate([dataset[i] for i in idx])

    def fit(
        self,
        dataset: Dataset,
        max_steps: int | None = None,
        progress: bool = True,
        resume: bool = True,
        sample_batch: dict[str, Tensor] | None = None,
    ) -> list[dict[str, float]]:
        """Train for ``n_epochs + n_epochs_decay`` epochs (or until ``max_steps`` optimisation
        steps in total have been taken), then write a checkpoint.

        With ``run_dir`` set and ``resume=True``, an existing ``run_dir/checkpoints/latest.pt`` is
        loaded first, so re-running the same cell after a disconnect continues the run.

        Returns:
            The loss history, one dict per step.
        """
        if len(dataset) == 0:
            raise ValueError("The training dataset is empty.")
        if resume and self.run_dir is not None and self.checkpoint_path.exists():
            self.load(self.checkpoint_path)
        if sample_batch is None and self.run_dir is not None:
            sample_batch = default_collate([dataset[i] for i in range(min(4, len(dataset)))])
        n_batches = self.batches_per_epoch(len(dataset))
        total = self.total_epochs * n_batches
        goal = total if max_steps is None else min(total, max_steps)
        bar = _progress(progress, total=goal, initial=min(self.global_step, goal),
                        desc=type(self).__name__.replace("Trainer", ""))
        t0 = time.perf_counter()
        try:
            while self.epoch < self.total_epochs and self.global_step < goal:
                for batch in self._batches(dataset, self.epoch, self.step_in_epoch):
                    self.check_batch(batch)
                    losses = self.train_step(batch)
                    self.global_step += 1
                    self.step_in_epoch += 1
                    self.history.append({"step": self.global_step, "epoch": self.epoch, **losses})
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()}, refresh=False)
                    every = self.config.sample_every
                    if every and sample_batch is not None and self.global_step % every == 0:
                        self.save_samples(sample_batch)
                    every = self.config.checkpoint_every
                    if every and self.run_dir is not None and self.global_step % every == 0:
                        self.wall_time += time.perf_counter() - t0
                        t0 = time.perf_counter()
                        self.save()
                    if self.global_step >= goal:
                        break
                if self.step_in_epoch >= n_batches:
                    for s in self.schedulers.values():
                        s.step()
                    self.epoch += 1
                    self.step_in_epoch = 0
        finally:
            if bar is not None:
                bar.close()
        self.wall_time += time.perf_counter() - t0
        if self.run_dir is not None:
            if sample_batch is not None:
                self.save_samples(sample_batch)
            self.save()
        return self.history

    # ----------------------------------------------------------------- outputs
    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:  # pragma: no cover
        """Labelled columns of images for a sample grid."""
        raise NotImplementedError

    def save_samples(self, batch: dict[str, Tensor]) -> Path | None:
        from ..viz import save_grid

        if self.run_dir is None:
            return None
        path = self.run_dir / "samples" / f"step_{self.global_step:07d}.png"
        # Sampling must not disturb training: keep the global RNG as it was.
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            columns = self.samples(batch)
        return save_grid(columns, path, title=f"step {self.global_step}")

    @torch.no_grad()
    def _translate(self, net: nn.Module, x: Tensor) -> Tensor:
        """Run ``net`` in eval mode (running statistics, no dropout) and restore its mode."""
        was_training = net.training
        net.eval()
        try:
            with self.autocast():
                y = net(self._to_device(x))
        finally:
            net.train(was_training)
        return y.float().clamp(-1, 1).cpu()

    @property
    def learning_rate(self) -> float:
        return next(iter(self.optimizers.values())).param_groups[0]["lr"]

    # ----------------------------------------------------------------- checkpoints
    @property
    def checkpoint_path(self) -> Path:
        if self.run_dir is None:
            raise ValueError("This trainer has no run_dir: pass run_dir=... to save checkpoints.")
        return self.run_dir / "checkpoints" / "latest.pt"

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def state_dict(self) -> dict:
        return {
            "trainer": type(self).__name__,
            "config": self.config.to_dict(),
            "nets": {k: v.state_dict() for k, v in self.nets.items()},
            "optimizers": {k: v.state_dict() for k, v in self.optimizers.items()},
            "schedulers": {k: v.state_dict() for k, v in self.schedulers.items()},
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "global_step": self.global_step,
            "history": self.history,
            "wall_time": self.wall_time,
            "rng": _rng_state(),
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("trainer") != type(self).__name__:
            raise ValueError(f"Checkpoint was written by {state.get('trainer')}, not "
                             f"{type(self).__name__}.")
        differ = {k: (v, state["config"].get(k)) for k, v in self.config.to_dict().items()
                  if k not in _RESUME_FREE and state["config"].get(k) != v}
        if differ:
            lines = ", ".join(f"{k}: checkpoint {b!r} vs now {a!r}" for k, (a, b) in differ.items())
            raise ValueError(f"Checkpoint does not match this configuration ({lines}). Use the "
                             "checkpoint's configuration or another run_dir.")
        for k, net in self.nets.items():
            net.load_state_dict(state["nets"][k])
        for k, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][k])
        for k, sch in self.schedulers.items():
            sch.load_state_dict(state["schedulers"][k])
        self.scaler.load_state_dict(state["scaler"])
        self.epoch = state["epoch"]
        self.step_in_epoch = state["step_in_epoch"]
        self.global_step = state["global_step"]
        self.history = list(state["history"])
        self.wall_time = state.get("wall_time", 0.0)
        _set_rng_state(state["rng"])
        self.load_extra_state(state["extra"])

    def save(self, path: str | Path | None = None) -> Path:
        """Write the full training state atomically (default ``run_dir/checkpoints/latest.pt``)."""
        path = Path(path) if path is not None else self.checkpoint_path
        out = atomic_save(self.state_dict(), path)
        if self.run_dir is not None:
            (self.run_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2))
        return out

    def load(self, path: str | Path) -> None:
        self.load_state_dict(load_checkpoint(path, map_location=self.device))

    def generator_state(self) -> dict[str, dict[str, Tensor]]:
        """The generators' weights only (what the results store keeps)."""
        return {k: self.nets[k].state_dict() for k in self.generator_names}


def generator_from_config(config: dict[str, Any], name: str) -> nn.Module:
    """An untrained generator ``name`` (``G``, ``G_AB`` or ``G_BA``) as a trainer with this
    configuration (``TrainerConfig.to_dict()``) builds it; load the weights into it."""
    from ..nets import define_G

    if name not in ("G", "G_AB", "G_BA"):
        raise ValueError(f"Unknown generator {name!r}: use 'G' (pix2pix), 'G_AB' or 'G_BA'.")
    i, o = config["input_nc"], config["output_nc"]
    if name == "G_BA":
        i, o = o, i
    return define_G(config["netG"], i, o, ngf=config["ngf"], norm=config["norm"],
                    use_dropout=config["use_dropout"])


# Options that may change between a run and its resumption.
_RESUME_FREE = {"device", "sample_every", "checkpoint_every"}


def _progress(enabled: bool, **kwargs):
    """A progress bar: a widget in notebooks, text in a terminal.

    ``$I2I_PROGRESS`` overrides the choice: ``text`` (plain text everywhere) or ``off`` (as for
    the rendered book, where a widget would show as raw JSON).
    """
    mode = os.environ.get("I2I_PROGRESS", "auto").lower()
    if not enabled or mode == "off":
        return None
    if mode == "text":
        from tqdm.std import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm(**kwargs)
