"""Write a copy of _config.yml that hides every exercise solution (for instructors' builds).

Usage: python tools/student_config.py OUT.yml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def main(out: str) -> None:
    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "_config.yml").read_text())
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    config["title"] = config.get("title", "") + " (student edition)"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(yaml.safe_dump(config, sort_keys=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "_build/student_config.yml")
