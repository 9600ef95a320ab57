"""Benchmark: SynthScenes rendering speed on one core (goal: >= 100 scenes/s at 64 px).

Run: ``.venv/bin/python benchmarks/synthscenes.py [--n 100] [--sizes 64,128] [--ss 2] [--repeats 3]``.

For each size, renders ``n`` scenes (day, night, labels, depth) with
:func:`i2ilib.data.synthscenes.render_scene` and prints one JSON line with the
best wall-clock and CPU-time throughput over ``repeats`` runs (the best run is
the least disturbed by other processes). numpy is limited to one thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import platform
import time

from i2ilib.data.synthscenes import render_scene, scene_key


def bench(n: int, size: int, ss: int, repeats: int) -> dict:
    render_scene(scene_key(0, 0), size, ss)  # warm caches (noise textures)
    wall, cpu = [], []
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(n):
            render_scene(scene_key(r, i), size, ss)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "bench": "synthscenes.render_scene",
        "size": size,
        "ss": ss,
        "n": n,
        "best_wall_s": round(min(wall), 3),
        "scenes_per_s_wall": round(n / min(wall), 1),
        "scenes_per_s_cpu": round(n / min(cpu), 1),
        "ms_per_scene_cpu": round(1000 * min(cpu) / n, 2),
        "machine": platform.processor() or platform.machine(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--sizes", default="64,128")
    ap.add_argument("--ss", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(bench(args.n, size, args.ss, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
