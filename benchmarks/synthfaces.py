"""Benchmark: SynthFaces rendering speed on one core (goal: >= 200 faces/s at 64 px).

Run: ``.venv/bin/python benchmarks/synthfaces.py [--n 400] [--size 64]``.
Reports wall-clock and CPU-time throughput of :func:`render_face` (identities and poses
sampled beforehand) and of :func:`make_synthfaces` (sampling + rendering + labels), and
the speed of the two pseudo-pair models. numpy is limited to one thread, so the
process uses one core; CPU time is the figure to compare on a shared machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import time

import numpy as np

from i2ilib.data.pseudopairs import pseudo_eyeglasses, pseudo_smile
from i2ilib.data.synthfaces import (
    make_synthfaces,
    render_face,
    sample_identity,
    sample_pose,
)

GOAL_FACES_PER_S = 200.0


def _timed(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=400, help="faces per measurement")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    jobs = [(sample_identity(rng), sample_pose(rng)) for _ in range(args.n)]
    attrs = [
        {"Eyeglasses": i % 3 == 0, "Smiling": (i % 4) / 3, "Bangs": i % 5 == 0, "Wearing_Hat": i % 11 == 0}
        for i in range(args.n)
    ]

    def render_all():
        for (ident, pose), a in zip(jobs, attrs):
            render_face(ident, a, pose, args.size)

    render_face(*jobs[0][:1], None, jobs[0][1], args.size)  # warm-up
    best_wall, best_cpu = min(_timed(render_all) for _ in range(args.repeats))
    wall_ds, cpu_ds = _timed(lambda: make_synthfaces(args.n // 4, 4, args.size, seed=1))
    face = render_face(jobs[0][0], None, jobs[0][1], args.size)
    k = 200
    wall_g, _ = _timed(lambda: [pseudo_eyeglasses(face.image, face.landmarks, rng) for _ in range(k)])
    wall_s, _ = _timed(lambda: [pseudo_smile(face.image, face.landmarks, rng) for _ in range(k)])
    out = {
        "size": args.size,
        "n": args.n,
        "render_faces_per_s_wall": round(args.n / best_wall, 1),
        "render_faces_per_s_cpu": round(args.n / best_cpu, 1),
        "make_synthfaces_faces_per_s_wall": round(args.n / wall_ds, 1),
        "make_synthfaces_faces_per_s_cpu": round(args.n / cpu_ds, 1),
        "pseudo_eyeglasses_per_s": round(k / wall_g, 1),
        "pseudo_smile_per_s": round(k / wall_s, 1),
        "goal_faces_per_s": GOAL_FACES_PER_S,
    }
    out["goal_met"] = out["render_faces_per_s_cpu"] >= GOAL_FACES_PER_S
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
