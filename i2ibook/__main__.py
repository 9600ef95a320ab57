"""``python -m i2ibook reproduce [--chapter NN] [--missing] [--scale book]``: retrain the book's
stored runs (what ``make reproduce`` calls)."""

from __future__ import annotations

import argparse
import sys

from i2ibook.catalogue import RUNS, reproduce
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
    return p


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    names = reproduce(a.chapter, scale=a.scale, missing_only=a.missing)
    where = ("a temporary folder (smoke runs are never stored in results/)" if a.scale == "smoke"
             else "results/; commit them to publish")
    print(f"{'Trained' if a.missing else 'Retrained'} {len(names)} run(s): "
          f"{', '.join(names) or 'none'}. The new runs are in {where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
