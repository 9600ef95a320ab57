"""Write book/reproduction.md from the stored runs in results/.

    python tools/make_reproduction.py            # rewrite the page
    python tools/make_reproduction.py --check    # exit 1 if the page is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from i2ibook.reproduction import PAGE, render_reproduction


def main(argv: list[str]) -> int:
    page = ROOT / PAGE
    text = render_reproduction(ROOT / "results")
    if "--check" in argv:
        if not page.is_file() or page.read_text(encoding="utf-8") != text:
            print(f"{PAGE} is out of date with results/; run: python tools/make_reproduction.py")
            return 1
        print(f"{PAGE} is up to date.")
        return 0
    page.write_text(text, encoding="utf-8")
    print(f"Wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
