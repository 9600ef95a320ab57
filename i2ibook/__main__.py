"""``python -m i2ibook reproduce [--chapter NN] [--missing] [--jobs N] [--plan] [--scale book]``:
retrain the book's stored runs, one process per core, after printing the plan (what ``make
reproduce`` calls)."""

from __future__ import annotations

import argparse
import os
import sys

from i2ibook.catalogue import RUNS, describe_plan, plan, reproduce
from i2ibook.scale import SCALES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m i2ibook",
                                description="The i2i-book's own commands.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="retrain the stored runs of one chapter or all of them")
    r.add_argument("--chapter", choices=sorted(RUNS),
                   help="the chapter whose runs to retrain (default: every chapter)")
    r.add_argument("--scale", default="book", choices=SCALES,
                   help="book (default) stores into results/; smoke trains in a temporary folder")
    r.add_argument("--missing", action="store_true",
                   help="train only the runs that have no stored twin")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="runs trained side by side, one process each (default: one per core)")
    r.add_argument("--plan", action="store_true",
                   help="print what would be trained and its estimated time, and stop")
    return p


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    if a.plan:
        print(describe_plan(plan(a.chapter, a.scale, a.missing), max(1, a.jobs)))
        for p in plan(a.chapter, a.scale, a.missing):
            est = f"{p.estimate_s / 60:.0f} min" if p.estimate_s else "?"
            print(f"  {p.name}  ({est})")
        return 0
    names = reproduce(a.chapter, scale=a.scale, missing_only=a.missing, jobs=a.jobs,
                      show_plan=True)
    where = ("a temporary folder (smoke runs are never stored in results/)" if a.scale == "smoke"
             else "results/; commit them to publish")
    print(f"{'Trained' if a.missing else 'Retrained'} {len(names)} run(s): "
          f"{', '.join(names) or 'none'}. The new runs are in {where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
