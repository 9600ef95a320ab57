"""Benchmark: runs per hour for a chapter-07-like grid, trained three ways: one after another in
one process (``sequential``, the way before ``make reproduce`` ran several at once), side by
side, one process per core (``processes``, ``make reproduce JOBS=N``), and one process per
core, each training its share of the runs folded into one network (``grid``,
:func:`i2ilib.train.grid.fit_grid`: grouped convolutions, channels_last).

Each run is chapter 07's CycleGAN at book scale (``resnet_6blocks``, ngf 8, ndf 16, batch 4,
64 px; :func:`i2ibook.catalogue.pseudo_pairs_run`) trained for ``--steps`` steps on random
64 px images (the step's cost does not depend on the pixels). Every way trains the same
``--runs`` runs (seeds 0, 1, ...); they are timed in the same invocation, in one order and then
the reverse, so that a change in the machine's load hits them alike (the faster of the two
times counts). ``runs_per_hour`` scales the measured time to a run of ``--steps`` steps; the
``speedup`` line gives the ratios of the ways' times.

Usage::

    python benchmarks/grid.py                     # 4 runs x 30 steps, three ways
    python benchmarks/grid.py --runs 8 --steps 20 --ways processes,grid
    python benchmarks/grid.py --runs 2 --steps 10 --no-save

Each measurement is one JSON line on stdout, appended to ``benchmarks/results/grid.jsonl``
(with hardware, torch version, load average and date) unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _trainer_options() -> dict:
    from i2ibook.catalogue import pseudo_pairs_run

    _, config = pseudo_pairs_run("book", "eyeglass_removal", "ours", 0)
    return {k: v for k, v in config["trainer"].items() if k not in ("seed", "device")}


def train_one(seed: int, steps: int, threads: int) -> float:
    """Train one run for ``steps`` steps on ``threads`` threads; returns its wall time (s)."""
    import torch

    from i2ilib.data import TensorPairDataset
    from i2ilib.train import CycleGANConfig, CycleGANTrainer

    torch.set_num_threads(threads)
    options = _trainer_options()
    g = torch.Generator().manual_seed(seed)
    n = options["batch_size"] * steps
    A = torch.rand(n, 3, 64, 64, generator=g) * 2 - 1
    B = torch.rand(n, 3, 64, 64, generator=g) * 2 - 1
    trainer = CycleGANTrainer(CycleGANConfig(**options, seed=seed, device="cpu"))
    t0 = time.perf_counter()
    trainer.fit(TensorPairDataset(A, B, paired=False, seed=seed), max_steps=steps,
                progress=False)
    return time.perf_counter() - t0


def train_folded(seeds: list[int], steps: int, threads: int) -> float:
    """Train the runs ``seeds`` together, folded into one network (:func:`i2ilib.train.grid.
    fit_grid`), for ``steps`` steps on ``threads`` threads; returns the wall time (s)."""
    import torch

    from i2ilib.data import TensorPairDataset
    from i2ilib.train import CycleGANConfig, CycleGANTrainer
    from i2ilib.train.grid import fit_grid

    torch.set_num_threads(threads)
    options = _trainer_options()
    trainers, datasets = [], []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        n = options["batch_size"] * steps
        A = torch.rand(n, 3, 64, 64, generator=g) * 2 - 1
        B = torch.rand(n, 3, 64, 64, generator=g) * 2 - 1
        trainers.append(CycleGANTrainer(CycleGANConfig(**options, seed=seed, device="cpu")))
        datasets.append(TensorPairDataset(A, B, paired=False, seed=seed))
    t0 = time.perf_counter()
    fit_grid(trainers, datasets, max_steps=steps)
    return time.perf_counter() - t0


def sequential(runs: int, steps: int, cores: int) -> float:
    t0 = time.perf_counter()
    for seed in range(runs):
        train_one(seed, steps, cores)
    return time.perf_counter() - t0


def side_by_side(runs: int, steps: int, cores: int) -> float:
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=cores, mp_context=ctx) as pool:
        list(pool.map(train_one, range(runs), [steps] * runs, [1] * runs))
    return time.perf_counter() - t0


def grid(runs: int, steps: int, cores: int) -> float:
    """One process per core, each training its share of the runs folded together."""
    t0 = time.perf_counter()
    shares = [list(range(runs))[i::cores] for i in range(cores)]
    shares = [s for s in shares if s]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=ctx) as pool:
        list(pool.map(train_folded, shares, [steps] * len(shares), [1] * len(shares)))
    return time.perf_counter() - t0


WAYS = {"sequential": sequential, "processes": side_by_side, "grid": grid}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--ways", default="sequential,processes,grid",
                    help="comma-separated, of: " + ", ".join(WAYS))
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args(argv)

    import torch

    from i2ilib.device import describe_hardware

    # warm-up: imports and the first step's allocations in this process
    train_one(0, 2, a.cores)
    ways = [w.strip() for w in a.ways.split(",")]
    times = {w: [] for w in ways}
    for order in (ways, ways[::-1]):
        for way in order:
            times[way].append(WAYS[way](a.runs, a.steps, a.cores))
    best = {w: min(t) for w, t in times.items()}
    common = {"benchmark": "grid", "model": "cyclegan", "config": "chapter07-book",
              "runs": a.runs, "steps": a.steps, "cores": a.cores,
              "load_avg_1min": round(os.getloadavg()[0], 2),
              "hardware": describe_hardware(torch.device("cpu")), "torch": torch.__version__,
              "python": platform.python_version(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    lines = []
    for way, t in best.items():
        lines.append({**common, "way": way, "wall_s": round(t, 2),
                      "runs_per_hour": round(3600 * a.runs / t, 1)})
    ratios = {f"{w}_over_{v}": round(best[v] / best[w], 2)
              for w, v in (("processes", "sequential"), ("grid", "sequential"),
                           ("grid", "processes")) if w in best and v in best}
    lines.append({**common, "way": "speedup", **ratios})
    for line in lines:
        print(json.dumps(line))
    if not a.no_save:
        out = ROOT / "benchmarks" / "results" / "grid.jsonl"
        with out.open("a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
