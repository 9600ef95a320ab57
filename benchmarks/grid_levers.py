"""Benchmark: what could make K runs of one architecture cost less than K separate runs on a CPU
core. Each lever is timed on chapter 07's book CycleGAN (``resnet_6blocks``, ngf 8, ndf 16,
batch 4, 64 px, :func:`i2ibook.catalogue.pseudo_pairs_run`) at one thread, i.e. what one
process of ``make reproduce`` (one process per core) does, in one invocation with the order of
the variants rotated every round (the median over rounds is reported), so that a change in the
machine's load hits all of them alike.

Full training steps (``CycleGANTrainer.train_step``, image pools, Adam and the finiteness checks
included), in ms per run and step:

* ``separate``: one run's step (today: one process per core, each training one run);
* ``channels_last``: the same with ``channels_last=True``;
* ``no_mkldnn``: the same with ``torch.backends.mkldnn.enabled = False`` (im2col convolutions);
* ``grouped``: K runs folded into one network: every convolution gets ``groups=K`` and K times
  the channels (run k owns channel block k), instance norm and reflection padding act per
  channel anyway, so run k's outputs equal its own network's to float tolerance; one Adam over
  the folded weights is K Adams (it is elementwise);
* ``grouped+channels_last``;
* ``batch_xK``: one run with a K times larger batch: the same arithmetic as K runs in dense
  convolutions. Not a way to train K runs (they would share weights); it bounds what any
  folding of K runs into one process can gain from fewer, larger operations;
* ``compiled`` (``--compile``): ``torch.compile`` on the four networks (the compile time, on
  whatever inductor cache the machine has, is reported separately).

Networks only (both generators' and discriminators' forward and backward of one run, no
optimiser), to compare ``torch.func``'s ``stack_module_state`` + ``functional_call`` + ``vmap``
(which turns the convolutions into grouped ones) with the two above: ``nets_separate``,
``nets_grouped``, ``nets_vmap``.

Profile (``--profile``): the share of one eager step's CPU time spent in convolutions, and in the
two 7x7 convolutions with 3 image channels (the generators' first and last layers).

Usage::

    python benchmarks/grid_levers.py                      # K = 4, 3 rounds x 3 steps (~4 min)
    python benchmarks/grid_levers.py --compile --profile  # + torch.compile (minutes of compiling)
    python benchmarks/grid_levers.py --rounds 2 --steps 2 --no-save

Each variant is one JSON line on stdout (``ms_per_run_step``, ``speedup`` = separate / variant),
appended to ``benchmarks/results/grid_levers.jsonl`` with hardware, torch version, load average
and date unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch

from i2ilib.train.grid import fold


def _options() -> dict:
    from i2ibook.catalogue import pseudo_pairs_run

    _, config = pseudo_pairs_run("book", "eyeglass_removal", "ours", 0)
    return {k: v for k, v in config["trainer"].items() if k not in ("seed", "device")}


def _batch(n: int, channels: int = 3, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {d: torch.rand(n, channels, 64, 64, generator=g) * 2 - 1 for d in "AB"}


def _trainer(**changes):
    from i2ilib.train import CycleGANConfig, CycleGANTrainer

    return CycleGANTrainer(CycleGANConfig(**{**_options(), **changes}, seed=0, device="cpu"))


def _folded_trainer(K: int, channels_last: bool):
    """A trainer whose four networks are K runs' networks folded with :func:`fold`."""
    trainers = [_trainer() for _ in range(K)]
    tr = _trainer(channels_last=channels_last)
    for name in ("G_AB", "G_BA", "D_A", "D_B"):
        net = tr._prepare(fold([getattr(t, name) for t in trainers]))
        setattr(tr, name, net)
        tr.nets[name] = net
    tr.optimizers = {"G": tr._adam([*tr.G_AB.parameters(), *tr.G_BA.parameters()]),
                     "D": tr._adam([*tr.D_A.parameters(), *tr.D_B.parameters()])}
    return tr


def step_variants(K: int, compile_nets: bool) -> tuple[dict, dict]:
    """name -> (function doing one step, runs it advances); and extra facts (compile time)."""
    bs = _options()["batch_size"]
    b1, bK, bfold = _batch(bs), _batch(bs * K), _batch(bs, 3 * K)
    trainers = {"separate": (_trainer(), b1, 1), "channels_last": (_trainer(channels_last=True), b1, 1),
                "no_mkldnn": (_trainer(), b1, 1),
                "grouped": (_folded_trainer(K, False), bfold, K),
                "grouped+channels_last": (_folded_trainer(K, True), bfold, K),
                f"batch_x{K}": (_trainer(batch_size=bs * K), bK, K)}
    extra = {}
    if compile_nets:
        tr = _trainer()
        t0 = time.perf_counter()
        for name in ("G_AB", "G_BA", "D_A", "D_B"):
            setattr(tr, name, torch.compile(getattr(tr, name)))
        tr.train_step(b1)
        tr.train_step(b1)
        extra["compile_s"] = round(time.perf_counter() - t0, 1)
        trainers["compiled"] = (tr, b1, 1)

    def make(name, tr, batch):
        if name == "no_mkldnn":
            def f():
                with torch.backends.mkldnn.flags(enabled=False):
                    tr.train_step(batch)
            return f
        return lambda: tr.train_step(batch)

    return {n: (make(n, tr, b), runs) for n, (tr, b, runs) in trainers.items()}, extra


def net_variants(K: int) -> dict:
    """Forward + backward of both generators and discriminators of K runs (no optimiser)."""
    from torch.func import functional_call, stack_module_state

    from i2ilib.nets import define_D, define_G

    o = _options()
    torch.manual_seed(0)

    def make_G():
        return define_G(o["netG"], 3, 3, ngf=o["ngf"], norm=o["norm"])

    def make_D():
        return define_D(o["netD"], 3, ndf=o["ndf"], n_layers_D=o["n_layers_D"], norm=o["norm"])

    Gs, Ds = [make_G() for _ in range(K)], [make_D() for _ in range(K)]
    bs = o["batch_size"]
    x = torch.rand(K, bs, 3, 64, 64) * 2 - 1

    def loss(y, d):
        return d.square().mean() + y.abs().mean()

    def separate():
        for G, D, xk in zip(Gs, Ds, x):
            y = G(xk)
            loss(y, D(y)).backward()

    Gf, Df = fold(Gs), fold(Ds)
    xf = x.permute(1, 0, 2, 3, 4).reshape(bs, 3 * K, 64, 64)

    def grouped():
        y = Gf(xf)
        loss(y, Df(y)).backward()

    with torch.no_grad():  # folding is exact up to float rounding
        y_sep = torch.stack([G(xk) for G, xk in zip(Gs, x)])
        y_fold = Gf(xf).reshape(bs, K, 3, 64, 64).transpose(0, 1)
        assert torch.allclose(y_sep, y_fold, atol=1e-4), (y_sep - y_fold).abs().max()
    pG, bG = stack_module_state(Gs)
    pD, bD = stack_module_state(Ds)
    base_G, base_D = copy.deepcopy(Gs[0]).to("meta"), copy.deepcopy(Ds[0]).to("meta")

    def one(pg, bg, pd, bd, xk):
        y = functional_call(base_G, (pg, bg), (xk,))
        return loss(y, functional_call(base_D, (pd, bd), (y,)))

    batched = torch.vmap(one)

    def vmapped():
        batched(pG, bG, pD, bD, x).sum().backward()

    return {"nets_separate": (separate, K), "nets_grouped": (grouped, K),
            "nets_vmap": (vmapped, K)}


def measure(variants: dict, rounds: int, steps: int) -> dict:
    """name -> median ms per run-step over rounds, the variants' order rotated each round."""
    names = list(variants)
    for f, _ in variants.values():  # warm-up
        f()
    times = {n: [] for n in names}
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:
            f, runs = variants[n]
            t0 = time.perf_counter()
            for _ in range(steps):
                f()
            times[n].append((time.perf_counter() - t0) / steps / runs * 1000)
    return {n: statistics.median(t) for n, t in times.items()}


def profile_step() -> dict:
    """Shares of one eager step's CPU time: all convolutions, the 3-channel 7x7 ones."""
    from torch.profiler import ProfilerActivity, profile

    tr, b = _trainer(), _batch(_options()["batch_size"])
    tr.train_step(b)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
        for _ in range(2):
            tr.train_step(b)
    total = conv = edge = 0.0
    for e in p.key_averages(group_by_input_shape=True):
        total += e.self_cpu_time_total
        if e.key in ("aten::convolution_backward", "aten::mkldnn_convolution"):
            conv += e.self_cpu_time_total
            shapes = [s for s in e.input_shapes if isinstance(s, list) and len(s) == 4]
            if any(s[2:] == [7, 7] and 3 in s[:2] for s in shapes):
                edge += e.self_cpu_time_total
    return {"conv_share": round(conv / total, 3), "conv7x7_3ch_share": round(edge / total, 3),
            "profiled_ms_per_step": round(total / 2 / 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=4, help="K, the runs folded together")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args(argv)

    from i2ilib.device import describe_hardware

    torch.set_num_threads(1)
    load_before = os.getloadavg()[0]
    steps, extra = step_variants(a.runs, a.compile)
    ms = measure(steps, a.rounds, a.steps)
    ms_nets = measure(net_variants(a.runs), a.rounds, a.steps)
    if a.profile:
        extra.update(profile_step())
    common = {"benchmark": "grid_levers", "model": "cyclegan", "config": "chapter07-book",
              "K": a.runs, "rounds": a.rounds, "steps": a.steps, "threads": 1,
              "load_avg_1min": round((load_before + os.getloadavg()[0]) / 2, 2),
              "hardware": describe_hardware(torch.device("cpu")), "torch": torch.__version__,
              "python": platform.python_version(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    lines = []
    for group, base in ((ms, "separate"), (ms_nets, "nets_separate")):
        for name, t in group.items():
            line = {**common, "variant": name, "ms_per_run_step": round(t, 1),
                    "speedup": round(group[base] / t, 2)}
            if name == "compiled" and "compile_s" in extra:
                line["compile_s"] = extra["compile_s"]
            lines.append(line)
    if a.profile:
        lines.append({**common, "variant": "profile",
                      **{k: v for k, v in extra.items() if k != "compile_s"}})
    for line in lines:
        print(json.dumps(line))
    if not a.no_save:
        with (ROOT / "benchmarks" / "results" / "grid_levers.jsonl").open("a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
