"""What the pix2pix and CycleGAN trainers share: device and precision set-up, a deterministic and
resumable data order, the training loop with a live progress bar, periodic sample grids, and
atomic checkpoints from which a resumed run continues bit for bit (on CPU) like an uninterrupted
one.

Training loses nothing and is never silently wrong:

* With a ``run_dir``, a checkpoint of the state after the last completed step is written every
  :attr:`Trainer.checkpoint_seconds` of wall time (default 300 s, or ``$I2I_CHECKPOINT_SECONDS``),
  every ``checkpoint_every`` steps when set, at the end of every epoch and of ``fit``, and when
  training stops early: on ``KeyboardInterrupt`` (Ctrl-C, the notebook's stop button), on
  ``SIGTERM`` and on any exception raised between steps (e.g. by the dataset), which is then
  re-raised. Ctrl-C and ``SIGTERM`` take effect when the running step completes (press Ctrl-C
  twice to stop at once).
* A non-finite loss term or gradient raises :class:`NonFiniteLossError`, naming the step and the
  term, before any optimiser step uses it; no checkpoint is written from a non-finite state, so
  the last good one is kept. Batches with NaN or inf values are refused before the step.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, default_collate

from ..device import select_device
from ..nets import define_G
from ..viz import save_grid
from .checkpoint import atomic_save, load_checkpoint


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class NonFiniteLossError(FloatingPointError):
    """Training diverged: a loss term (or a gradient) is NaN or infinite.

    Raised before any optimiser step uses the value and before any checkpoint is written from
    it, so the last good checkpoint stays in place.

    Attributes:
        step: the 1-based number of the step that failed (as in the loss history).
        term: the loss term, e.g. ``"G_GAN"`` or ``"D_A"``, or ``"grad(G)"`` for the gradient
            of optimiser ``G``, or the tensor of a network (``"G.model.0.weight"``).
    """

    def __init__(self, message: str, step: int = -1, term: str = ""):
        super().__init__(message)
        self.step = step
        self.term = term


def _rng_state() -> dict:
    """The global generators' states, as tensors, ints and tuples (loadable with
    ``torch.load(weights_only=True)``; NumPy's ``uint32`` key array is stored as int64)."""
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": {"kind": str(kind), "keys": torch.from_numpy(keys.astype(np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss),
                  "cached_gaussian": float(cached_gaussian)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    """Restore :func:`_rng_state`'s output, or the earlier format (NumPy's state tuple)."""
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    numpy_state = state["numpy"]
    if isinstance(numpy_state, dict):
        keys = numpy_state["keys"].cpu().numpy().astype(np.uint32)
        numpy_state = (numpy_state["kind"], keys, numpy_state["pos"], numpy_state["has_gauss"],
                       numpy_state["cached_gaussian"])
    np.random.set_state(numpy_state)
    torch.set_rng_state(state["torch"].cpu())  # a checkpoint loaded onto a GPU moves it there
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def set_requires_grad(nets: list[nn.Module] | nn.Module, requires_grad: bool) -> None:
    """Freeze / unfreeze networks (the discriminators while the generators are updated)."""
    for net in nets if isinstance(nets, list) else [nets]:
        for p in net.parameters():
            p.requires_grad_(requires_grad)



def check_int(name: str, value: Any, low: int) -> None:
    """Raise ``ValueError`` unless the option ``name`` is an integer (not a bool) ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


def check_weight(name: str, value: Any) -> None:
    """Raise ``ValueError`` unless the option ``name`` (a loss weight, a learning rate) is a
    finite number ``>= 0`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")


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
    # Steps between checkpoints (0: none counted in steps). Checkpoints are also written every
    # Trainer.checkpoint_seconds of wall time, at the end of each epoch and when training stops.
    checkpoint_every: int = 0

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


def _default_checkpoint_seconds() -> float:
    text = os.environ.get("I2I_CHECKPOINT_SECONDS", "300")
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"$I2I_CHECKPOINT_SECONDS must be a number of seconds >= 0 (0: no "
                         f"checkpoints by wall time), got {text!r}.")
    return seconds


class Trainer:
    """Base class. Subclasses build ``self.nets`` (name -> module), ``self.optimizers``, define
    :meth:`train_step` and :meth:`samples`, and list their generator names in
    ``generator_names``. ``train_step`` updates each optimiser through :meth:`_backward_step`,
    which refuses non-finite losses and gradients.

    Attributes:
        checkpoint_seconds: with a ``run_dir``, the wall time in seconds between checkpoints
            (``0``: none by time). Defaults to ``$I2I_CHECKPOINT_SECONDS`` or 300. Not part of
            the configuration: changing it changes no result and no stored run's hash.
    """

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
        self.checkpoint_seconds = _default_checkpoint_seconds()
        self._saved_at: tuple[int, int, int] | None = None  # (step, epoch, step in epoch)
        self._t0 = time.perf_counter()
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

    def _backward_step(self, loss: Tensor, optimizer: torch.optim.Optimizer,
                       terms: dict[str, Tensor] | None = None) -> None:
        """Back-propagate ``loss`` and step ``optimizer``, unless something is NaN or infinite:
        the loss, one of its named ``terms`` (scalars, named in the error), a running statistic
        of a network (updated by the forward passes) or, without AMP, a gradient. Then
        :class:`NonFiniteLossError` is raised before the optimiser step. (With AMP the
        ``GradScaler`` skips steps with infinite gradients itself.) Costs one device sync."""
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        named = dict(terms or {})
        name = next((k for k, o in self.optimizers.items() if o is optimizer), "")
        values = [t.detach().float().reshape(-1) for t in (*named.values(), loss)]
        watched = [b for net in self.nets.values() for b in net.buffers()
                   if b.is_floating_point() and b.numel()]
        if not self.amp:
            watched += [p.grad for group in optimizer.param_groups for p in group["params"]
                        if p.grad is not None and p.grad.numel()]
        if watched:  # largest magnitudes: inf or NaN propagate, finite values cannot overflow
            values += [m.float().reshape(1) for m in _max_abs(watched)]
        if bool(torch.isfinite(torch.cat([v.to(values[0].device) for v in values])).all()):
            self.scaler.step(optimizer)
            return
        term = next((k for k, t in named.items() if not bool(torch.isfinite(t).all())), None)
        if term is not None:
            what, value = f"Loss term {term!r}", float(named[term].detach().float())
        elif not bool(torch.isfinite(loss).all()):
            term, value = f"loss({name})", float(loss.detach().float())
            what = f"The total loss of optimiser {name!r}"
        else:
            term, value = self._first_non_finite_tensor(optimizer), None
            what = f"{'A running statistic' if '.grad' not in term else 'A gradient'}, {term},"
        self._raise_non_finite(what, term, value)

    def _first_non_finite_tensor(self, optimizer: torch.optim.Optimizer) -> str:
        """``"net.buffer"`` or ``"net.param.grad"`` of the first NaN / inf tensor."""
        for net_name, net in self.nets.items():
            for key, b in net.named_buffers():
                if b.is_floating_point() and not bool(torch.isfinite(b).all()):
                    return f"{net_name}.{key}"
        in_optimizer = {id(p) for g in optimizer.param_groups for p in g["params"]}
        for net_name, net in self.nets.items():
            for key, p in net.named_parameters():
                if (id(p) in in_optimizer and p.grad is not None
                        and not bool(torch.isfinite(p.grad).all())):
                    return f"{net_name}.{key}.grad"
        return "unknown tensor"

    def _raise_non_finite(self, what: str, term: str, value: float | None) -> None:
        step = self.global_step + 1
        shown = f" is {value}" if value is not None else " is NaN or infinite"
        kept = (f"the last good checkpoint, {self.checkpoint_path} (step {self._saved_at[0]}), is "
                "kept" if self.run_dir is not None and self._saved_at is not None
                else "no checkpoint was written from it")
        raise NonFiniteLossError(
            f"{what}{shown} at step {step} (epoch {self.epoch}): training diverged. No "
            f"optimiser step used it and {kept}. Lower the learning rate (now "
            f"{self.learning_rate:g}), check the data for NaN or inf values"
            + (", or train without AMP (amp=False)" if self.amp else "") + ".",
            step=step, term=term)

    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """Clear errors for a batch the networks cannot take (missing keys, wrong channels, NaN
        or infinite values)."""
        for key in ("A", "B"):
            self._check_domain(batch, key)

    def _check_domain(self, batch: dict[str, Tensor], key: str, needed: str = "'A' and 'B'",
                      ) -> None:
        """The checks of :meth:`check_batch` for ``batch[key]`` (``key`` is ``"A"`` or ``"B"``;
        ``needed`` names the keys a batch must have, for the message)."""
        c = self.config
        nc, opt = (c.input_nc, "input_nc") if key == "A" else (c.output_nc, "output_nc")
        if key not in batch:
            raise KeyError(f"Batches must be dicts with keys {needed}; '{key}' is missing "
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
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            bad = int((~torch.isfinite(x)).flatten(1).any(1).sum())
            raise ValueError(
                f"batch['{key}'] of step {self.global_step + 1} holds NaN or infinite values "
                f"(in {bad} of its {x.shape[0]} image(s)); images must be finite values in "
                "[-1, 1]. Find the broken item(s) in the dataset (a corrupt file, a division "
                "by zero in a transform) and fix or drop them.")

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

        With ``run_dir`` set, checkpoints of the state after the last completed step are also
        written every :attr:`checkpoint_seconds` of wall time, every ``checkpoint_every`` steps
        (when set), at the end of each epoch, and when training stops early: on Ctrl-C
        (``KeyboardInterrupt``), on ``SIGTERM`` and on an exception between steps (e.g. from the
        dataset), which is re-raised afterwards. Ctrl-C and ``SIGTERM`` wait for the running step
        to complete (they are caught this way only when ``fit`` runs in the main thread); a
        second Ctrl-C stops at once, and an exception inside a step (a second Ctrl-C, out of
        memory, :class:`NonFiniteLossError`) writes nothing and keeps the previous checkpoint,
        since the networks may be half updated. After saving, ``SIGTERM`` is delivered again, so
        the process ends as it would have without the trainer.

        Returns:
            The loss history, one dict per step.

        Raises:
            NonFiniteLossError: a loss term or gradient became NaN or infinite.
            ValueError: a batch the networks cannot take (wrong channels, NaN or inf values).
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
        self._t0 = time.perf_counter()
        last_save = time.monotonic()
        guard = _StopSignals(sigterm=self.run_dir is not None)
        consistent = True  # False while the state may be half updated (inside a step)
        with guard:
            try:
                while self.epoch < self.total_epochs and self.global_step < goal:
                    for batch in self._batches(dataset, self.epoch, self.step_in_epoch):
                        guard.check()
                        self.check_batch(batch)
                        consistent = False
                        losses = self.train_step(batch)
                        self.global_step += 1
                        self.step_in_epoch += 1
                        self.history.append({"step": self.global_step, "epoch": self.epoch,
                                             **losses})
                        consistent = True
                        if bar is not None:
                            bar.update(1)
                            bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()},
                                            refresh=False)
                        every = self.config.sample_every
                        if every and sample_batch is not None and self.global_step % every == 0:
                            self.save_samples(sample_batch)
                        every = self.config.checkpoint_every
                        due = bool(every) and self.global_step % every == 0
                        seconds = self.checkpoint_seconds
                        due |= bool(seconds) and time.monotonic() - last_save >= seconds
                        # (an epoch that ends here is saved just below)
                        if due and self.run_dir is not None and self.step_in_epoch < n_batches:
                            self._checkpoint()
                            last_save = time.monotonic()
                        guard.check()
                        if self.global_step >= goal:
                            break
                    if self.step_in_epoch >= n_batches:
                        consistent = False
                        with warnings.catch_warnings():
                            # An optimizer whose networks sit out a phase (MineGAN's generator
                            # before fine-tuning) has not stepped yet; its schedule still
                            # follows the epochs, so torch's order warning does not apply.
                            warnings.filterwarnings(
                                "ignore", message=r"Detected call of `lr_scheduler.step\(\)`")
                            for s in self.schedulers.values():
                                s.step()
                        self.epoch += 1
                        self.step_in_epoch = 0
                        consistent = True
                        if self.run_dir is not None:
                            self._checkpoint()
                            last_save = time.monotonic()
                        guard.check()
            except BaseException as exc:
                self._checkpoint_on_stop(exc, consistent)
                if not isinstance(exc, _Terminated):
                    raise
            finally:
                if bar is not None:
                    bar.close()
        if guard.terminated:
            guard.deliver_sigterm()  # ends the process (the default action of SIGTERM)
        self.wall_time += time.perf_counter() - self._t0
        self._t0 = time.perf_counter()
        if self.run_dir is not None:
            if sample_batch is not None:
                self.save_samples(sample_batch)
            self._checkpoint()
        return self.history

    def _checkpoint(self) -> Path | None:
        """Save to :attr:`checkpoint_path` unless this very state is already saved there."""
        if (self.global_step, self.epoch, self.step_in_epoch) == self._saved_at:
            return None
        self.wall_time += time.perf_counter() - self._t0
        self._t0 = time.perf_counter()
        return self.save()

    def _checkpoint_on_stop(self, exc: BaseException, consistent: bool) -> None:
        """Save the state after the last completed step when ``exc`` stops training, if that
        state is whole and finite, and say in a note on ``exc`` what was saved or kept."""
        if self.run_dir is None:
            return
        kept = (f"The last checkpoint, {self.checkpoint_path} (step {self._saved_at[0]}), is "
                "kept." if self._saved_at is not None else "No checkpoint was written.")
        if isinstance(exc, NonFiniteLossError):
            return  # its message says which checkpoint is kept
        if not consistent:
            _add_note(exc, f"Training stopped inside step {self.global_step + 1}, so the "
                           f"networks may be half updated and nothing was saved. {kept}")
            return
        if self.global_step == 0:
            return  # nothing trained yet: no checkpoint, so a corrected configuration can start
        try:
            self._checkpoint()
        except Exception as save_exc:  # noqa: BLE001 - reported on exc, which is re-raised
            _add_note(exc, f"Saving a checkpoint after this error failed too ({save_exc}). "
                           f"{kept}")
            return
        _add_note(exc, f"Checkpoint of step {self.global_step} (the last completed step) in "
                       f"{self.checkpoint_path}: fit() again with this run_dir resumes it.")

    # ----------------------------------------------------------------- outputs
    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:  # pragma: no cover
        """Labelled columns of images for a sample grid."""
        raise NotImplementedError

    def save_samples(self, batch: dict[str, Tensor]) -> Path | None:

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

    def check_finite_state(self) -> None:
        """Raise :class:`NonFiniteLossError` if a network's weights or buffers hold NaN or inf
        (a state that must never overwrite a good checkpoint)."""
        for net_name, net in self.nets.items():
            for key, t in net.state_dict().items():
                if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                    kept = ("no checkpoint is written" if self._saved_at is None else
                            f"the checkpoint of step {self._saved_at[0]} is kept")
                    raise NonFiniteLossError(
                        f"{net_name}.{key} holds NaN or infinite values after step "
                        f"{self.global_step}: training diverged, so this state is not saved and "
                        f"{kept}. Lower the learning rate (now {self.learning_rate:g}) or check "
                        "the data for NaN or inf values.",
                        step=self.global_step, term=f"{net_name}.{key}")

    def save(self, path: str | Path | None = None) -> Path:
        """Write the full training state atomically (default ``run_dir/checkpoints/latest.pt``).

        Raises:
            NonFiniteLossError: the weights hold NaN or inf; the file at ``path`` is left as is.
        """
        self.check_finite_state()
        default = path is None or (self.run_dir is not None
                                   and Path(path) == self.checkpoint_path)
        path = Path(path) if path is not None else self.checkpoint_path
        out = atomic_save(self.state_dict(), path)
        if self.run_dir is not None:
            (self.run_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2))
        if default:
            self._saved_at = (self.global_step, self.epoch, self.step_in_epoch)
        return out

    def load(self, path: str | Path) -> None:
        """Restore the training state from a checkpoint written by :meth:`save` (read with
        ``weights_only=True``: a file holding other Python objects is refused)."""
        self.load_state_dict(load_checkpoint(path, map_location=self.device))
        if self.run_dir is not None and Path(path) == self.checkpoint_path:
            self._saved_at = (self.global_step, self.epoch, self.step_in_epoch)

    @classmethod
    def starting_state(cls, source: Any, what: str) -> dict[str, Any]:
        """The state another run starts from (OST's Phase I, a pretrained GAN): ``source`` is a
        trainer of this class, the state itself, its run folder or a checkpoint file (loaded
        weights-only). ``what`` names the state in the error message.

        Returns:
            ``{"trainer", "config", "nets", "global_step", "epoch"}`` (a checkpoint's keys).

        Raises:
            FileNotFoundError: no checkpoint at the path given.
        """
        if isinstance(source, cls):
            return {"trainer": type(source).__name__, "config": source.config.to_dict(),
                    "nets": {k: v.state_dict() for k, v in source.nets.items()},
                    "global_step": source.global_step, "epoch": source.epoch}
        if isinstance(source, dict):
            return source
        path = Path(source)
        if path.is_dir():
            path = path / "checkpoints" / "latest.pt"
        if not path.is_file():
            raise FileNotFoundError(f"No {what} checkpoint at {path}: pass a {cls.__name__}, "
                                    "its run folder or its checkpoints/latest.pt.")
        return load_checkpoint(path, map_location="cpu")

    def generator_state(self) -> dict[str, dict[str, Tensor]]:
        """The generators' weights only (what the results store keeps)."""
        return {k: self.nets[k].state_dict() for k in self.generator_names}


def generator_from_config(config: dict[str, Any], name: str) -> nn.Module:
    """An untrained generator ``name`` (``G``, ``G_AB``, ``G_BA``, OST's translators
    ``T_AB``, ``T_BA``, ``T_AA``, ``T_BB``, M&MNets' parts ``f_R`` ... ``g_S`` and translators
    ``T_RS``, ``T_DS``, ..., a WGAN run's ``G``, ``G_i``, ``M_i``, or a UDIT run's auto-encoders
    ``AE_A``, ``AE_B``, or an SDIT run's ``SDIT``) as a trainer with this
    configuration (``TrainerConfig.to_dict()``) builds it; load the weights into it."""
    from .mmnets import MMNET_PARTS, MMNET_TRANSLATORS, mmnet_module_from_config

    if name in MMNET_PARTS or name in MMNET_TRANSLATORS:
        return mmnet_module_from_config(config, name)
    if name in ("AE_A", "AE_B"):  # UDIT's per-domain auto-encoders (E^c, E^s, G)
        from .udit import udit_autoencoder_from_config

        return udit_autoencoder_from_config(config, name)
    if name == "AE" and "sep" in config:  # content transfer's e1, e2 and g in one module
        from .content import content_transfer_from_config

        return content_transfer_from_config(config)
    if name == "SDIT":  # SDIT's encoder, mapping and generator in one module
        from .sdit import sdit_generator_from_config

        return sdit_generator_from_config(config, name)
    if "z_dim" in config and "n_critic" in config:  # a WGANConfig: noise in, no input image
        from .wgan import wgan_generator_from_config

        return wgan_generator_from_config(config, name)
    if name.startswith("T_"):
        from .ost import ost_translator_from_config

        return ost_translator_from_config(config, name)
    if name not in ("G", "G_AB", "G_BA"):
        raise ValueError(f"Unknown generator {name!r}: use 'G' (pix2pix), 'G_AB' or 'G_BA' "
                         "(CycleGAN), T_AB, T_BA, T_AA, T_BB (OST), or f_X, g_X, T_XY with X "
                         "and Y in R, D, S (M&MNets).")
    i, o = config["input_nc"], config["output_nc"]
    if name == "G_BA":
        i, o = o, i
    return define_G(config["netG"], i, o, ngf=config["ngf"], norm=config["norm"],
                    use_dropout=config["use_dropout"])


# Options that may change between a run and its resumption.
_RESUME_FREE = {"device", "sample_every", "checkpoint_every"}


class _Terminated(BaseException):
    """SIGTERM arrived during :meth:`Trainer.fit`; raised between steps, after which the
    checkpoint is written and the signal delivered again."""


class _StopSignals:
    """Within ``with``: Ctrl-C (SIGINT) and, if ``sigterm``, SIGTERM only set a flag, and
    :meth:`check` (called between steps) raises ``KeyboardInterrupt`` or :class:`_Terminated`.
    A second signal raises at once. Handlers are installed only in the main thread and only over
    the default ones (a handler someone else installed, or an ignored signal, is left alone)."""

    def __init__(self, sigterm: bool):
        self.sigterm = sigterm
        self.requested: int | None = None
        self.terminated = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        wanted = [(signal.SIGINT, signal.default_int_handler)]
        if self.sigterm:
            wanted.append((signal.SIGTERM, signal.SIG_DFL))
        for signum, default in wanted:
            if signal.getsignal(signum) is default:
                self._previous[signum] = signal.signal(signum, self._handle)

    def __exit__(self, *exc_info) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        if self.requested is not None:  # asked twice: stop now
            self._raise(signum)
        self.requested = signum

    def check(self) -> None:
        if self.requested is not None:
            self._raise(self.requested)

    def _raise(self, signum: int) -> None:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.terminated = True
        raise _Terminated

    def deliver_sigterm(self) -> None:
        """Send SIGTERM again, now that the default handler is back."""
        signal.raise_signal(signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM)  # only if a handler let the process live


def _max_abs(tensors: list[Tensor]) -> list[Tensor]:
    """The largest absolute value of each (non-empty) tensor, NaN if it holds a NaN."""
    if hasattr(torch, "_foreach_norm"):
        return list(torch._foreach_norm(tensors, float("inf")))
    return [t.detach().abs().amax() for t in tensors]


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(note)


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
