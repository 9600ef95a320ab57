"""Export a chapter as an nbgrader assignment (see i2ibook/assignments.py).

Usage: python tools/export_assignment.py NN [--out DIR]

Writes, for each notebook of chapter NN (00 has two), the instructor's version with solution
regions to DIR/source/<notebook>/ and the students' version to DIR/release/<notebook>/
(default DIR: _build/assignments).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from i2ibook.assignments import export_chapter


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter", help='chapter number ("04") or notebook name ("04_cyclegan")')
    parser.add_argument("--out", default=str(ROOT / "_build" / "assignments"),
                        help="course folder to write source/ and release/ into")
    args = parser.parse_args(argv)
    try:
        written = export_chapter(args.chapter, args.out)
    except ValueError as e:
        print(f"export_assignment: {e}", file=sys.stderr)
        return 1
    for source, release in written:
        print(f"{source.parent.name}: instructor's version {source}\n"
              f"{' ' * len(source.parent.name)}  students' version  {release}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
