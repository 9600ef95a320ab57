"""Grid training: K CycleGAN runs of one architecture trained together in one process, each
still its own run (its own trainer, run folder, checkpoints, history, data order and image pools).

The K runs' networks are *folded* into one network per role: every convolution gets
``groups=K`` and K times the channels, channel block ``k`` being run ``k``'s (instance norm
without parameters, reflection padding, ReLU and tanh act per channel, so they need no change).
One Adam over the folded weights is K Adams, since Adam is elementwise; each run's loss is
reduced over its own channel block only and the K losses are summed, so each run's gradient is
that of its own loss. Run ``k`` therefore computes what it computes alone, up to float rounding
(the grouped convolutions add in another order): equal to float tolerance step by step, and, as
GAN training amplifies rounding differences over many steps, statistically equivalent over a
whole run (``tests/test_grid.py``; ``benchmarks/README.md``).

What it buys on a CPU core is measured, not assumed: ``benchmarks/grid_levers.py`` (the step of
chapter 07's book CycleGAN) and ``benchmarks/grid.py`` (runs per hour).

:func:`fit_grid` takes K ready trainers (built as for ``trainer.fit``; each seeds its own
initial weights) and their datasets. Their configurations may differ only in :data:`PER_RUN`
(the seed and the loss weights). Checkpoints are written into each run's folder in the plain
trainer's format, at the same moments as ``Trainer.fit`` writes them, so a grid resumes from
them bit for bit (and a single run can also be resumed alone, with ``trainer.fit``).
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, default_collate

from .base import NonFiniteLossError, _StopSignals, _Terminated, set_requires_grad
from .cyclegan import CycleGANTrainer

#: Options in which the runs of one grid may differ.
PER_RUN = ("seed", "lambda_cyc", "lambda_id")
#: The networks a CycleGAN trainer has.
ROLES = ("G_AB", "G_BA", "D_A", "D_B")


def fold(nets: Sequence[nn.Module]) -> nn.Module:
    """K networks of one architecture -> one network whose convolutions have ``groups=K``
    (channel block ``k`` is network ``k``, weights copied).

    Raises:
        TypeError: a layer that cannot be folded (parameters other than ungrouped
            convolutions, norms with parameters or running statistics).
    """
    K = len(nets)
    folded = copy.deepcopy(nets[0])
    modules = [dict(n.named_modules()) for n in nets]
    for name, m in list(folded.named_modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            if m.groups != 1 or m.padding_mode != "zeros":
                raise TypeError(f"{name}: only ungrouped, zero-padded convolutions fold")
            kw = dict(kernel_size=m.kernel_size, stride=m.stride, padding=m.padding,
                      dilation=m.dilation, groups=K, bias=m.bias is not None)
            if isinstance(m, nn.ConvTranspose2d):
                new = nn.ConvTranspose2d(m.in_channels * K, m.out_channels * K,
                                         output_padding=m.output_padding, **kw)
            else:
                new = nn.Conv2d(m.in_channels * K, m.out_channels * K, **kw)
            new = new.to(m.weight.device)
            with torch.no_grad():  # weight dim 0 is out (conv) or in (transposed) channels
                new.weight.copy_(torch.cat([ms[name].weight for ms in modules]))
                if m.bias is not None:
                    new.bias.copy_(torch.cat([ms[name].bias for ms in modules]))
            parent, _, child = name.rpartition(".")
            setattr(folded.get_submodule(parent) if parent else folded, child, new)
        elif isinstance(m, nn.InstanceNorm2d):
            if m.affine or m.track_running_stats:
                raise TypeError(f"{name}: instance norm with parameters or running statistics "
                                "does not fold")
            m.num_features *= K
        elif any(True for _ in m.parameters(recurse=False)) or any(
                True for _ in m.buffers(recurse=False)):
            raise TypeError(f"{name}: {type(m).__name__} does not fold")
    for attr in ("input_nc", "output_nc"):  # the networks' input checks
        if isinstance(getattr(folded, attr, None), int):
            setattr(folded, attr, getattr(folded, attr) * K)
    return folded


def why_not_foldable(trainers: Sequence[CycleGANTrainer]) -> str | None:
    """Why these trainers cannot be trained as one grid (None: they can)."""
    if not trainers:
        return "no runs"
    if any(type(t) is not CycleGANTrainer for t in trainers):
        return "grid training is implemented for CycleGANTrainer only"
    first = {k: v for k, v in trainers[0].config.to_dict().items() if k not in PER_RUN}
    for t in trainers[1:]:
        other = {k: v for k, v in t.config.to_dict().items() if k not in PER_RUN}
        differ = sorted(k for k in first if first[k] != other[k])
        if differ:
            return f"the configurations differ in {', '.join(differ)} (allowed: {PER_RUN})"
    c = trainers[0].config
    if c.gan_mode != "lsgan" or c.cycle_loss != "l1" or c.amp or c.norm != "instance":
        return "only lsgan, an l1 cycle loss, instance norm and fp32 are implemented"
    if len({t.global_step for t in trainers}) > 1 or len({t.epoch for t in trainers}) > 1:
        return "the runs are at different steps"
    try:
        for role in ROLES:
            fold([t.nets[role] for t in trainers[:1]])
    except TypeError as exc:
        return str(exc)
    return None


class _Grid:
    """The folded networks and optimisers of K CycleGAN trainers, and the copies back."""

    def __init__(self, trainers: Sequence[CycleGANTrainer], channels_last: bool):
        self.trainers = list(trainers)
        self.K = len(trainers)
        self.channels_last = channels_last
        t0 = trainers[0]
        self.device = t0.device
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.nets = {r: fold([t.nets[r] for t in trainers]).to(memory_format=fmt)
                     for r in ROLES}
        self.optimizers = {
            "G": t0._adam([*self.nets["G_AB"].parameters(), *self.nets["G_BA"].parameters()]),
            "D": t0._adam([*self.nets["D_A"].parameters(), *self.nets["D_B"].parameters()])}
        for name, opt in self.optimizers.items():
            mine = opt.param_groups[0]["params"]
            theirs = [t.optimizers[name].param_groups[0]["params"] for t in trainers]
            for i, p in enumerate(mine):
                states = [t.optimizers[name].state.get(ps[i]) for t, ps in zip(trainers, theirs)]
                if any(s for s in states):
                    opt.state[p] = {"step": states[0]["step"].clone(),
                                    **{k: torch.cat([s[k] for s in states]).to(
                                        memory_format=fmt if p.dim() == 4 else
                                        torch.contiguous_format)
                                       for k in ("exp_avg", "exp_avg_sq")}}
        self.set_learning_rate()
        c = [t.config for t in trainers]
        self.lambda_cyc = torch.tensor([x.lambda_cyc for x in c], device=self.device)
        self.lambda_idt = torch.tensor([x.lambda_cyc * x.lambda_id for x in c],
                                       device=self.device)
        self.identity = c[0].lambda_id > 0

    def set_learning_rate(self) -> None:
        for name, opt in self.optimizers.items():
            lr = self.trainers[0].optimizers[name].param_groups[0]["lr"]
            for group in opt.param_groups:
                group["lr"] = lr

    def unfold(self) -> None:
        """Copy the folded weights and Adam states into each trainer."""
        with torch.no_grad():
            for name, opt in self.optimizers.items():
                mine = opt.param_groups[0]["params"]
                for k, t in enumerate(self.trainers):
                    theirs = t.optimizers[name].param_groups[0]["params"]
                    for p, q in zip(mine, theirs):
                        n = q.shape[0]
                        q.copy_(p[k * n:(k + 1) * n])
                        s = opt.state.get(p)
                        if s:
                            t.optimizers[name].state[q] = {
                                "step": s["step"].clone(),
                                **{key: s[key][k * n:(k + 1) * n].contiguous().clone()
                                   for key in ("exp_avg", "exp_avg_sq")}}

    # ------------------------------------------------------------------ one step
    def _to(self, x: Tensor) -> Tensor:
        x = x.to(self.device)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _per_run(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], self.K, -1)

    def _mse(self, pred: Tensor, target: float) -> Tensor:
        return (self._per_run(pred) - target).square().mean(dim=(0, 2))

    def _l1(self, a: Tensor, b: Tensor) -> Tensor:
        return (self._per_run(a) - self._per_run(b)).abs().mean(dim=(0, 2))

    def step(self, real_A: Tensor, real_B: Tensor) -> Tensor:
        """One CycleGAN step of every run (``CycleGANTrainer.train_step``'s order); returns the
        loss terms, ``(K, terms)`` in the order of :meth:`term_names`."""
        n = self.nets
        real_A, real_B = self._to(real_A), self._to(real_B)
        set_requires_grad([n["D_A"], n["D_B"]], False)
        fake_B = n["G_AB"](real_A)
        rec_A = n["G_BA"](fake_B)
        fake_A = n["G_BA"](real_B)
        rec_B = n["G_AB"](fake_A)
        terms = [self._mse(n["D_B"](fake_B), 1.0), self._mse(n["D_A"](fake_A), 1.0),
                 self._l1(rec_A, real_A) * self.lambda_cyc,
                 self._l1(rec_B, real_B) * self.lambda_cyc]
        if self.identity:
            terms += [self._l1(n["G_BA"](real_A), real_A) * self.lambda_idt,
                      self._l1(n["G_AB"](real_B), real_B) * self.lambda_idt]
        g_terms = torch.stack(terms, dim=1)  # (K, terms)
        self._backward_step(g_terms, "G")

        set_requires_grad([n["D_A"], n["D_B"]], True)
        pooled_B = self._query("pool_B", fake_B)
        pooled_A = self._query("pool_A", fake_A)
        d_terms = torch.stack([self._d_loss(n["D_B"], real_B, pooled_B),
                               self._d_loss(n["D_A"], real_A, pooled_A)], dim=1)
        self._backward_step(d_terms, "D")
        return torch.cat([g_terms, d_terms], dim=1).detach()

    def term_names(self) -> list[str]:
        idt = ["idt_A", "idt_B"] if self.identity else []
        return ["G_AB", "G_BA", "cyc_A", "cyc_B", *idt, "D_B", "D_A"]

    def _query(self, pool: str, fake: Tensor) -> Tensor:
        c = fake.shape[1] // self.K
        return torch.cat([getattr(t, pool).query(fake[:, k * c:(k + 1) * c])
                          for k, t in enumerate(self.trainers)], dim=1)

    def _d_loss(self, D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * (self._mse(D(real), 1.0) + self._mse(D(self._to(fake.detach())), 0.0))

    def _backward_step(self, terms: Tensor, name: str) -> None:
        """As ``Trainer._backward_step``: refuse NaN or inf in a loss term or a gradient before
        the optimiser steps, naming the run."""
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        terms.sum().backward()
        grads = [p.grad for p in opt.param_groups[0]["params"] if p.grad is not None]
        maxima = torch.stack([g.abs().max() for g in grads]) if grads else terms.new_zeros(1)
        if bool(torch.isfinite(terms).all()) and bool(torch.isfinite(maxima).all()):
            opt.step()
            return
        bad = (~torch.isfinite(terms)).any(dim=1).nonzero().flatten().tolist()
        t = self.trainers[bad[0]] if bad else self.trainers[0]
        where = f"run {t.run_dir or bad[0]}" if bad else "one of the runs"
        step = t.global_step + 1
        raise NonFiniteLossError(
            f"A loss term or gradient of optimiser {name!r} is NaN or infinite at step {step} "
            f"in {where} of a grid of {self.K}: training diverged. No optimiser step used it "
            "and each run's last checkpoint is kept. Lower the learning rate or train the run "
            "alone to see which term.", step=step, term=name)


def fit_grid(trainers: Sequence[CycleGANTrainer], datasets: Sequence[Dataset],
             max_steps: int | None = None, resume: bool = True,
             channels_last: bool | None = None) -> list[list[dict[str, float]]]:
    """Train K CycleGAN runs together (see the module docstring); like ``trainer.fit`` for
    each, but one step of all K at a time.

    Each trainer first loads its run folder's checkpoint (``resume``); then its state is folded,
    trained, and copied back into the trainer: after the call each trainer holds its run's
    final weights, history, step counters and wall time (the grid's wall time divided by K),
    and, with a ``run_dir``, its checkpoint and sample grid, as ``trainer.fit`` leaves them.

    Args:
        datasets: one per run, all of the same length (same steps per epoch).
        channels_last: the folded networks' memory format (default: on for CPU, where it is the
            faster one for grouped convolutions; benchmarks/README.md).

    Returns:
        Each run's loss history.

    Raises:
        ValueError: the runs cannot be folded (:func:`why_not_foldable` says why), or the
            datasets differ in length.
        NonFiniteLossError: a run diverged.
    """
    trainers = list(trainers)
    if len(datasets) != len(trainers):
        raise ValueError(f"{len(trainers)} trainers but {len(datasets)} datasets.")
    if len({len(d) for d in datasets}) != 1 or len(datasets[0]) == 0:
        raise ValueError("The runs of a grid need (non-empty) datasets of one length.")
    if resume:
        for t in trainers:
            if t.run_dir is not None and t.checkpoint_path.exists():
                t.load(t.checkpoint_path)
    reason = why_not_foldable(trainers)
    if reason is not None:
        raise ValueError(f"These runs cannot be trained as one grid: {reason}.")
    if channels_last is None:
        channels_last = trainers[0].device.type == "cpu"
    grid = _Grid(trainers, channels_last)
    names = grid.term_names()
    t0 = trainers[0]
    n_batches = t0.batches_per_epoch(len(datasets[0]))
    goal = t0.total_epochs * n_batches
    goal = goal if max_steps is None else min(goal, max_steps)
    started = time.perf_counter()
    last_save = time.monotonic()
    consistent = True
    synced = True

    def save_all() -> None:
        nonlocal started, synced
        if not synced:
            grid.unfold()
            synced = True
        now = time.perf_counter()
        for t in trainers:
            t.wall_time += (now - started) / len(trainers)
            t._t0 = time.perf_counter()  # _checkpoint adds nothing more
            if t.run_dir is not None:
                t._checkpoint()
        started = now

    guard = _StopSignals(sigterm=any(t.run_dir is not None for t in trainers))
    with guard:
        try:
            while t0.epoch < t0.total_epochs and t0.global_step < goal:
                iters = [t._batches(d, t.epoch, t.step_in_epoch) for t, d in zip(trainers, datasets)]
                for batches in zip(*iters):
                    guard.check()
                    for t, b in zip(trainers, batches):
                        t.check_batch(b)
                    consistent = synced = False
                    losses = grid.step(torch.cat([b["A"] for b in batches], dim=1),
                                       torch.cat([b["B"] for b in batches], dim=1)).tolist()
                    for t, row in zip(trainers, losses):
                        t.global_step += 1
                        t.step_in_epoch += 1
                        t.history.append({"step": t.global_step, "epoch": t.epoch,
                                          **dict(zip(names, row))})
                    consistent = True
                    every, seconds = t0.config.checkpoint_every, t0.checkpoint_seconds
                    due = bool(every) and t0.global_step % every == 0
                    due |= bool(seconds) and time.monotonic() - last_save >= seconds
                    if due and t0.step_in_epoch < n_batches:
                        save_all()
                        last_save = time.monotonic()
                    guard.check()
                    if t0.global_step >= goal:
                        break
                if t0.step_in_epoch >= n_batches:
                    consistent = False
                    for t in trainers:
                        with warnings.catch_warnings():  # the trainers' own optimisers did
                            warnings.filterwarnings("ignore", "Detected call of `lr_scheduler")
                            for s in t.schedulers.values():  # not step: the grid's did
                                s.step()
                        t.epoch += 1
                        t.step_in_epoch = 0
                    grid.set_learning_rate()
                    consistent = True
                    save_all()
                    last_save = time.monotonic()
                    guard.check()
        except BaseException as exc:
            if consistent and not isinstance(exc, NonFiniteLossError) and t0.global_step > 0:
                save_all()
            if not isinstance(exc, _Terminated):
                raise
    if guard.terminated:
        guard.deliver_sigterm()
    save_all()
    for t, d in zip(trainers, datasets):
        if t.run_dir is not None:
            t.save_samples(default_collate([d[i] for i in range(min(4, len(d)))]))
    return [t.history for t in trainers]
