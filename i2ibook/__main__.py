"""The book's own commands.

``python -m i2ibook reproduce [--chapter NN | --run NAME ...] [--missing] [--keep-weights]
[--jobs N] [--plan] [--scale book]``: retrain the book's stored runs, one process per core,
after printing the plan (what ``make reproduce`` calls).

``python -m i2ibook slim [--dry-run]``: remove the weights, loss histories and sample grids of
the stored runs the book does not show (their digests are kept).
"""

from __future__ import annotations

import argparse
import os
import sys

from i2ibook.catalogue import RUNS, describe_plan, plan, reproduce, slim, training_device
from i2ibook.scale import SCALES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m i2ibook",
                                description="The i2i-book's own commands.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="retrain the stored runs of one chapter or all of them")
    which = r.add_mutually_exclusive_group()
    which.add_argument("--chapter", choices=sorted(RUNS),
                       help="the chapter whose runs to retrain (default: every chapter)")
    which.add_argument("--run", action="append", default=[], metavar="NAME",
                       help="retrain only this run, e.g. 05_ablations/paired-l1-seed1 "
                       "(repeatable)")
    r.add_argument("--scale", default="book", choices=SCALES,
                   help="book (default) stores into results/; smoke trains in a temporary folder")
    r.add_argument("--missing", action="store_true",
                   help="train only the runs that have no stored twin")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="runs trained side by side, one process each (default: one per core)")
    r.add_argument("--keep-weights", action="store_true",
                   help="store every run's weights, history and samples (by default only the "
                   "runs whose images the book shows keep them)")
    r.add_argument("--plan", action="store_true",
                   help="print what would be trained and its estimated time, and stop")
    s = sub.add_parser("slim", help="remove the weights, histories and samples of the stored "
                       "runs the book does not show (their digests stay)")
    s.add_argument("--dry-run", action="store_true", help="list what would be removed")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.command == "slim":
        removed = slim(dry_run=a.dry_run)
        for name, files in removed.items():
            print(f"  {name}: {', '.join(files)}")
        print(f"{'Would remove' if a.dry_run else 'Removed'} files of {len(removed)} run(s) the "
              "book does not show; their digests stay in each run's digests.json.")
        return 0
    try:
        planned = plan(a.chapter, a.scale, a.missing, a.run, a.keep_weights)
    except ValueError as e:
        parser.error(str(e))
    if a.plan:
        print(describe_plan(planned, max(1, a.jobs)))
        if planned:
            print(training_device(planned, max(1, min(a.jobs, len(planned)))))
        for p in planned:
            est = f"{p.estimate_s / 60:.0f} min" if p.estimate_s else "?"
            keeps = "without weights" if p.drop_files else "with weights"
            print(f"  {p.name}  ({est}, {keeps})")
        return 0
    names = reproduce(a.chapter, scale=a.scale, missing_only=a.missing, jobs=a.jobs,
                      show_plan=True, runs=a.run, keep_all=a.keep_weights)
    where = ("a temporary folder (smoke runs are never stored in results/)" if a.scale == "smoke"
             else "results/; commit them to publish")
    print(f"{'Trained' if a.missing else 'Retrained'} {len(names)} run(s): "
          f"{', '.join(names) or 'none'}. The new runs are in {where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
