"""Write the projections the reproduction page reads for Figs. 9-10 (chapter 08) into the
stored chapter 07 runs' folders in results/: the training sets of Fig. 9 (no weights needed)
and the test translations of Fig. 10 (a) and (b) (from the runs' generator weights).
Projections already cached for the same run, networks and reference sample are kept.

    python tools/cache_spaces.py     # then: python tools/make_reproduction.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from i2ibook.chapters.ch08_spaces import cache_projections


def main() -> int:
    counts = cache_projections("book", results_dir=ROOT / "results")
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
