"""Pilot runs for chapter 13: does one zero-pair model pass the chapter's sanity check at a given
trainer setting?

The configuration is the chapter's own (a run of ``catalogue.RUNS["13"]`` at book scale, e.g.
``13_zero_pair_translation/stargan-paired-seed0``); a pilot changes only trainer options
(``--option key=JSON``). It trains in ``--root/runs/<config hash>`` and stores in
``--root/results`` (both away from the book's), resuming from its checkpoint when started again,
and is judged by :func:`i2ibook.chapters.ch13_zero_pair.sanity_check` against the per-pixel
baselines of its own seed's scenes.

Usage::

    python tools/pilot_zero_pair.py --run 13_zero_pair_translation/stargan-paired-seed0 \\
        --label SG3 --option n_critic=1

It prints one line and appends it, as JSON, to ``--log``.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.pilot_common import append_line, parse_options


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True, help="a chapter-13 run of the catalogue")
    ap.add_argument("--label", required=True, help="the pilot's name in benchmarks/pilots.md")
    ap.add_argument("--option", action="append", default=[], help="trainer key=JSON")
    ap.add_argument("--root", default="/tmp/pilot_zero_pair")
    ap.add_argument("--log", default=str(ROOT / "benchmarks/results/pilots_ch13.jsonl"))
    args = ap.parse_args(argv)
    options = parse_options(args.option)

    from i2ibook import catalogue
    from i2ibook.chapters import ch13_zero_pair as chapter
    from i2ibook.runner import get_run
    from i2ibook.specs import parse_experiment

    makers = {make("book")[0]: make for make in catalogue.RUNS["13"]}
    if args.run not in makers:
        raise SystemExit(f"No chapter-13 run named {args.run}; e.g. {min(makers)}.")
    name, config = makers[args.run]("book")
    config = copy.deepcopy(config)
    config["trainer"].update(options)
    parse_experiment(config)  # strict: an option the trainer does not have stops here
    seed = int(config["trainer"]["seed"])
    os.environ["I2I_RESULTS"] = str(Path(args.root) / "results")  # away from the book's runs
    os.environ["I2I_RUNS"] = str(Path(args.root) / "runs")
    t0 = time.perf_counter()
    run = get_run(lambda scale: (f"{name}-pilot-{args.label}", config), "book", train=True)
    checks = chapter.sanity_check(run.metrics, chapter.stored_baselines("book", seed))
    m = run.metrics
    line = {"label": args.label, "run": args.run, "options": options,
            "wall_s": round(float(run.meta.get("wall_time_s", time.perf_counter() - t0)), 1),
            "D->S": [round(m["D->S"][k], 3) for k in ("global_acc", "mean_iou")],
            "S->D": [round(m["S->D"][k], 3) for k in ("delta1", "rmse_log")],
            "R->S": [round(m["R->S"][k], 3) for k in ("global_acc", "mean_iou")],
            "passes": all(c.passed for c in checks),
            "failed": [c.name for c in checks if not c.passed]}
    append_line(args.log, line)
    print(line)
    return line


if __name__ == "__main__":
    main()
