"""Benchmark: aggregate training throughput of many small CycleGAN runs on one device (a GPU, or
the CPU), trained in the ways ``make reproduce`` could train a chapter's grid of runs.

Each run is chapter 07's CycleGAN at book scale (``book``: ``resnet_6blocks``, ngf 8, ndf 16,
batch 4, 64 px; :func:`i2ibook.catalogue.pseudo_pairs_run`), or, for reference, the published
configuration (``paper``: ``resnet_9blocks``, ngf 64, ndf 64, batch 1, 256 px), trained with the
book's trainer (``trainer.fit`` or :func:`i2ilib.train.grid.fit_grid`: data order, image pools,
Adam, finiteness checks included) on random images (a step's cost does not depend on the
pixels). The ways (``--ways``, comma-separated):

* ``seq``: one run in one process (what one run costs today);
* ``procP``: P processes side by side on the device, one run each;
* ``gridK``: one process training K runs folded into one network (``fit_grid``: grouped
  convolutions, in its default memory format: channels_last on the CPU, contiguous on CUDA);
  ``gridKcl``: the same in channels_last;
* ``procPxgridK``: P processes, each folding K runs (P x K runs);
* ``compiled`` / ``compiled-ro``: one run whose four networks are ``torch.compile``d (default
  mode / ``mode="reduce-overhead"``, i.e. CUDA graphs); compiling is in ``first_steps_s``.

Every way runs in fresh processes (spawned, P at once): each takes two warm-up steps (cuDNN
autotuning, compiling), then, together with the others, three timed ones (its step time under
the load of the way), and then, started together, as many steps as fill ``--window`` seconds, in
one ``fit`` / ``fit_grid`` call as a run is trained; ``images_per_s`` is the images all its runs
consumed (``batch_size`` A and B images per run and step, as in ``train_step.py``) over the
window, ``speedup`` its ratio to ``seq``. ``flops_per_run_step`` is one training step's count
with ``torch.utils.flop_counter.FlopCounterMode`` (``flops.py``), and ``mfu_tf32`` the achieved
FLOP/s over the device's dense TF32 peak (``flops.PEAK_TFLOPS``; the float32 convolutions run in
TF32 on a GPU). The whole invocation keeps to ``--budget`` seconds: a way that would not fit is
skipped (its line says so), one that runs over is stopped.

Usage::

    python benchmarks/grid.py                          # CUDA when present, else the CPU
    python benchmarks/grid.py --quick --device cpu     # a smoke test: 3 ways, ~1 min on 2 cores
    python benchmarks/grid.py --ways seq,grid16,proc4 --window 5 --budget 120
    python benchmarks/grid.py --runs-per-hour --device cpu   # the CPU measurement of grid.jsonl

Each measurement is one JSON line on stdout, appended to ``--out`` (default
``benchmarks/results/grid_throughput.jsonl``) with the hardware (GPU name, torch and CUDA
versions, peak rates), load average and date unless ``--no-save``; a table closes the output.

``--runs-per-hour`` is the earlier CPU measurement (``results/grid.jsonl``): ``--runs`` runs of
``--steps`` steps trained one after another (``sequential``), one process per core
(``processes``) and one process per core folding its share (``grid``), timed end to end in one
order and then the reverse.
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


def runs_per_hour(a: argparse.Namespace) -> int:
    """The CPU measurement behind ``results/grid.jsonl`` (``--runs-per-hour``)."""

    import torch

    from i2ilib.device import describe_hardware

    # warm-up: imports and the first step's allocations in this process
    train_one(0, 2, a.cores)
    ways = [w.strip() for w in (a.ways or "sequential,processes,grid").split(",")]
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
        out = Path(a.out) if a.out else ROOT / "benchmarks" / "results" / "grid.jsonl"
        with out.open("a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
    return 0


# ------------------------------------------------------------------ throughput on one device

#: The configurations: chapter 07's book CycleGAN, and the published one for reference.
CONFIGS = ("book", "paper")
#: What runs by default, (configuration, way), most important first: the time budget drops the
#: tail. Each configuration's ``seq`` comes before its other ways (their speedup is over it).
CUDA_PLAN = [("book", "seq"), ("book", "grid16"), ("book", "grid32"), ("book", "proc4"),
             ("book", "grid4"), ("paper", "seq"), ("book", "proc4xgrid8"), ("book", "grid1"),
             ("book", "proc8"), ("book", "proc8xgrid4"), ("book", "proc2xgrid16"),
             ("paper", "grid4"), ("book", "grid16cl"), ("book", "compiled"),
             ("book", "compiled-ro")]
CPU_PLAN = [("book", "seq"), ("book", "grid2"), ("book", "proc2"), ("paper", "seq")]
QUICK_PLAN = {"cuda": [("book", "seq"), ("book", "grid4"), ("book", "proc2"), ("paper", "seq")],
              "cpu": [("book", "seq"), ("book", "grid2"), ("book", "proc2")]}


def make_plan(device_type: str, quick: bool, configs: str | None, ways: str | None) -> list:
    """The (configuration, way) pairs to measure, in order: the default plan for the device,
    restricted to ``configs``, or every ``ways`` of every configuration (``seq`` first)."""
    plan = QUICK_PLAN[device_type] if quick else (CUDA_PLAN if device_type == "cuda"
                                                   else CPU_PLAN)
    chosen = [c.strip() for c in configs.split(",") if c.strip()] if configs else None
    if ways:
        names = [w.strip() for w in ways.split(",") if w.strip()]
        names = (["seq"] if "seq" in names else []) + [w for w in names if w != "seq"]
        plan = [(c, w) for c in (chosen or ["book"]) for w in names]
    elif chosen:
        plan = [(c, w) for c, w in plan if c in chosen]
    for c, w in plan:
        config_options(c)
        parse_way(w)  # refuse an unknown configuration or way before anything runs
    return plan


def config_options(name: str) -> tuple[dict, int]:
    """The trainer options and image size of a configuration; epochs are made long enough that
    no measurement reaches the end of training (they change no step's cost)."""
    options = {**_trainer_options(), "n_epochs": 10**6, "n_epochs_decay": 0}
    if name == "book":
        return options, 64
    if name == "paper":
        return {**options, "netG": "resnet_9blocks", "ngf": 64, "ndf": 64, "batch_size": 1}, 256
    raise ValueError(f"Unknown configuration {name!r}: choose from {', '.join(CONFIGS)}.")


def parse_way(way: str) -> dict:
    """``"proc4xgrid8"`` -> processes 4, runs per process 8, folded; see the module docstring."""
    import re

    if way == "seq":
        return {"processes": 1, "runs": 1, "fold": False, "channels_last": False, "compile": None}
    if way in ("compiled", "compiled-ro"):
        return {"processes": 1, "runs": 1, "fold": False, "channels_last": False,
                "compile": "reduce-overhead" if way.endswith("-ro") else "default"}
    m = re.fullmatch(r"(?:proc(\d+))?(x)?(?:grid(\d+)(cl)?)?", way)
    if not way or m is None or (m.group(2) and not (m.group(1) and m.group(3))) or (
            m.group(1) and m.group(3) and not m.group(2)):
        raise ValueError(f"Unknown way {way!r}: seq, procP, gridK, gridKcl, procPxgridK, "
                         "compiled, compiled-ro.")
    P, K = int(m.group(1) or 1), int(m.group(3) or 1)
    if P < 1 or K < 1:
        raise ValueError(f"Way {way!r}: processes and runs must be >= 1.")
    return {"processes": P, "runs": K, "fold": m.group(3) is not None,
            "channels_last": True if m.group(4) else None, "compile": None}


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_worker(spec: dict, barrier=None) -> dict:
    """Build the runs of one process, warm up, wait for the others at ``barrier``, then train
    for ``spec["window"]`` seconds. Returns the images trained, the window's start and end
    (``time.time()``, comparable across processes) and facts of the warm-up."""
    import torch

    from i2ilib.data import TensorPairDataset
    from i2ilib.train import CycleGANConfig, CycleGANTrainer
    from i2ilib.train.grid import fit_grid

    torch.set_num_threads(spec["threads"])
    device = torch.device(spec["device"])
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    options, size, K = spec["options"], spec["size"], spec["runs"]
    g = torch.Generator().manual_seed(spec["seed"])
    n = options["batch_size"] * spec.get("steps_per_epoch", 100)
    A = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    B = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    seeds = [spec["seed"] + k for k in range(K)]
    trainers = [CycleGANTrainer(CycleGANConfig(**options, seed=s, device=spec["device"]))
                for s in seeds]
    datasets = [TensorPairDataset(A, B, paired=False, seed=s) for s in seeds]
    out: dict = {}
    if spec["compile"]:
        t = trainers[0]
        backend = spec.get("compile_backend", "inductor")  # another one in the CPU tests
        kw = {"mode": spec["compile"]} if backend == "inductor" else {"backend": backend}
        for name in ("G_AB", "G_BA", "D_A", "D_B"):  # train_step calls the attributes
            setattr(t, name, torch.compile(getattr(t, name), **kw))

    def advance(steps: int) -> None:
        goal = trainers[0].global_step + steps
        if spec["fold"]:
            fit_grid(trainers, datasets, max_steps=goal, resume=False,
                     channels_last=spec["channels_last"])
        else:
            trainers[0].fit(datasets[0], max_steps=goal, progress=False, resume=False)

    def wait() -> None:  # all processes of the way pass here together
        if barrier is not None:
            barrier.wait(timeout=max(1.0, spec["deadline"] - time.time()))

    t0 = time.perf_counter()
    advance(spec["warmup"][0])  # first steps: cuDNN autotuning, allocations, compiling
    _sync(device)
    out["first_steps_s"] = round(time.perf_counter() - t0, 2)
    wait()
    t0 = time.perf_counter()  # steps timed while the other processes take theirs
    advance(spec["warmup"][1])
    _sync(device)
    per_step = (time.perf_counter() - t0) / spec["warmup"][1]
    out["warm_ms_per_step"] = round(1000 * per_step, 2)
    if spec.get("count_flops"):
        from flops import count_flops

        batch = next(iter(trainers[0]._batches(datasets[0], 0, 0)))
        out["flops_per_run_step"] = count_flops(lambda: trainers[0].train_step(batch))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    # one call for the whole window, as a run is trained: fit_grid folds and unfolds once
    steps = max(1, round(spec["window"] / max(per_step, 1e-6)))
    wait()
    start = time.time()
    advance(steps)
    _sync(device)
    end = time.time()
    out.update({"t0": start, "t1": end, "steps": steps, "run_steps": steps * K,
                "images": steps * K * options["batch_size"]})
    if device.type == "cuda":
        out["max_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 3)
    return out


def _worker_main(spec: dict, barrier, queue) -> None:
    """A spawned process: :func:`measure_worker`, its result or its error onto ``queue``."""
    import traceback

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        queue.put(measure_worker(spec, barrier))
    except Exception as exc:  # noqa: BLE001 (any failure: report it, release the others)
        if barrier is not None:
            barrier.abort()
        queue.put({"error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc()[-2000:]})


def run_way(spec: dict, processes: int, timeout: float) -> list[dict]:
    """Spawn ``processes`` workers of ``spec``; their results (or errors), within ``timeout``."""
    import multiprocessing
    import queue as queue_module

    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    barrier = ctx.Barrier(processes) if processes > 1 else None
    procs = [ctx.Process(target=_worker_main, args=({**spec, "seed": spec["seed"] + 1000 * i},
                                                    barrier, q), daemon=False)
             for i in range(processes)]
    for p in procs:
        p.start()
    results, end = [], time.monotonic() + timeout
    try:
        while len(results) < processes:
            try:
                results.append(q.get(timeout=1.0))
                continue
            except queue_module.Empty:
                pass
            if time.monotonic() > end:
                results.append({"error": f"stopped: over its time limit ({timeout:.0f} s)"})
                break
            dead = [p.exitcode for p in procs if not p.is_alive() and p.exitcode != 0]
            if dead and q.empty():  # killed (out of memory, a crash) before it could report
                results.append({"error": f"a worker process died (exit code {dead[0]})"})
                break
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    return results


def _commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None
    return out or None


def throughput(a: argparse.Namespace) -> int:
    """Aggregate images/s of each (configuration, way) on one device; see the docstring."""
    import torch

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from flops import device_facts, mfu

    from i2ilib.device import describe_hardware

    started = time.monotonic()
    deadline = started + a.budget
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda was asked for but CUDA is not available.")
    plan = make_plan(device.type, a.quick, a.configs, a.ways)
    cores = os.cpu_count() or 1
    window = a.window if a.window is not None else (
        (1.0 if device.type == "cpu" else 2.0) if a.quick else
        (3.0 if device.type == "cpu" else 5.0))
    warmup = (1, 1) if a.quick and device.type == "cpu" else (2, 3)
    common = {"benchmark": "grid_throughput", "model": "cyclegan",
              "hardware": describe_hardware(device) if device.type == "cuda" else
              f"cpu: {platform.processor() or platform.machine()} ({cores} cores)",
              **device_facts(device),
              "threads_total": cores, "python": platform.python_version(), "commit": _commit(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    peaks = common.get("peak_tflops") or {}
    out = Path(a.out) if a.out else ROOT / "benchmarks" / "results" / "grid_throughput.jsonl"
    lines: list[dict] = []

    def emit(line: dict) -> None:
        lines.append(line)
        print(json.dumps(line), flush=True)
        if not a.no_save:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("a") as f:
                f.write(json.dumps(line) + "\n")

    base_ips: dict[str, float] = {}
    flops: dict[str, int] = {}
    for config, way in plan:
        options, size = config_options(config)
        w = parse_way(way)
        P = w["processes"]
        line = {**common, "config": config, "image_size": size,
                **{k: options[k] for k in ("netG", "ngf", "ndf", "batch_size")},
                "way": way, **w, "total_runs": P * w["runs"], "window_s": window,
                "threads_per_process": max(1, cores // P)}
        if w["channels_last"] is None:  # fit_grid's default for the device
            line["channels_last"] = device.type == "cpu" if w["fold"] else False
        left = deadline - time.monotonic()
        need = window + a.min_overhead * (4 if w["compile"] else 1)
        if left < need:
            emit({**line, "skipped": f"time budget: {max(0, left):.0f} s left, about "
                  f"{need:.0f} s needed"})
            continue
        timeout = min(left, a.way_timeout * (3 if w["compile"] else 1))
        spec = {**w, "options": options, "size": size, "device": device.type,
                "threads": line["threads_per_process"], "seed": 0, "window": window, "warmup": warmup,
                "deadline": time.time() + timeout, "count_flops": way == "seq" and P == 1}
        results = run_way(spec, P, timeout=timeout)
        errors = [r for r in results if "error" in r]
        if errors:
            emit({**line, **errors[0]})
            continue
        span = max(r["t1"] for r in results) - min(r["t0"] for r in results)
        run_steps = sum(r["run_steps"] for r in results)
        ips = sum(r["images"] for r in results) / span
        if way == "seq":
            base_ips[config] = ips
            if results[0].get("flops_per_run_step"):
                flops[config] = results[0]["flops_per_run_step"]
        f = flops.get(config)
        line.update({
            "images_per_s": round(ips, 2), "run_steps_per_s": round(run_steps / span, 2),
            "measured_s": round(span, 2), "run_steps": run_steps,
            "warm_ms_per_step": max(r["warm_ms_per_step"] for r in results),
            "first_steps_s": max(r["first_steps_s"] for r in results),
            "speedup": round(ips / base_ips[config], 2) if config in base_ips else None,
            "flops_per_run_step": f,
            "achieved_tflops": round(f * run_steps / span / 1e12, 4) if f else None,
            "mfu_tf32": _round(mfu(f, run_steps / span, peaks.get("tf32"))) if f else None,
            "mfu_fp32": _round(mfu(f, run_steps / span, peaks.get("fp32"))) if f else None,
            "load_avg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg")
            else None})
        if device.type == "cuda":
            line["max_memory_gib_per_process"] = max(r["max_memory_gib"] for r in results)
        emit(line)
    print_table(lines, time.monotonic() - started)
    return 0


def _round(x: float | None) -> float | None:
    return None if x is None else float(f"{x:.3g}")


def print_table(lines: list[dict], elapsed: float) -> None:
    """The measurements as a short table (what ``benchmarks/gpu.sh`` prints)."""
    print(f"\n{'config':7} {'way':13} {'runs':>4} {'images/s':>9} {'speedup':>7} "
          f"{'TFLOP/s':>8} {'MFU(tf32)':>9}")
    for x in lines:
        if "images_per_s" not in x:
            why = x.get("skipped") or x.get("error", "")
            print(f"{x['config']:7} {x['way']:13} {x['total_runs']:>4}  -- {why[:60]}")
            continue
        mfu_text = f"{100 * x['mfu_tf32']:.2f}%" if x.get("mfu_tf32") is not None else "-"
        tflops = f"{x['achieved_tflops']:.3f}" if x.get("achieved_tflops") else "-"
        speed = f"{x['speedup']:.2f}x" if x.get("speedup") else "-"
        print(f"{x['config']:7} {x['way']:13} {x['total_runs']:>4} {x['images_per_s']:>9.1f} "
              f"{speed:>7} {tflops:>8} {mfu_text:>9}")
    print(f"({elapsed:.0f} s in all)")


def main(argv: list[str] | None = None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=("cuda", "cpu"),
                    default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--configs", default=None, help="comma-separated, of: " + ", ".join(CONFIGS))
    ap.add_argument("--ways", default=None, help="comma-separated (see the docstring); default: "
                    "every way that fits the budget")
    ap.add_argument("--window", type=float, default=None,
                    help="seconds each way trains after its warm-up (default 5 on CUDA)")
    ap.add_argument("--budget", type=float, default=300.0,
                    help="seconds for the whole invocation; ways that do not fit are skipped")
    ap.add_argument("--min-overhead", type=float, default=12.0,
                    help="seconds a way needs besides its window (process start, warm-up); "
                    "a way is skipped when less than that is left of the budget")
    ap.add_argument("--way-timeout", type=float, default=90.0,
                    help="seconds after which one way is stopped (three times that with "
                    "torch.compile)")
    ap.add_argument("--quick", action="store_true", help="a smoke test: few ways, short windows")
    ap.add_argument("--out", default=None, help="JSON-lines file to append to")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--runs-per-hour", action="store_true",
                    help="the earlier CPU measurement instead (results/grid.jsonl)")
    ap.add_argument("--runs", type=int, default=4, help="--runs-per-hour: runs")
    ap.add_argument("--steps", type=int, default=30, help="--runs-per-hour: steps per run")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                    help="--runs-per-hour: processes")
    a = ap.parse_args(argv)
    if a.runs_per_hour:
        if a.device != "cpu":
            raise SystemExit("--runs-per-hour measures the CPU: add --device cpu.")
        return runs_per_hour(a)
    return throughput(a)


if __name__ == "__main__":
    sys.exit(main())
