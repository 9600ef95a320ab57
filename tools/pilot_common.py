"""What the pilot scripts share: trainer options given as ``key=JSON`` on the command line, and
one JSON line per finished pilot appended to its log in ``benchmarks/results``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["lr=5e-4", "norm=\\"none\\""]`` -> ``{"lr": 0.0005, "norm": "none"}``.

    Raises:
        SystemExit: a pair without ``=`` or a value that is not JSON, naming it.
    """
    out = {}
    for kv in pairs:
        key, sep, value = kv.partition("=")
        try:
            if not sep:
                raise ValueError("no '='")
            out[key] = json.loads(value)
        except ValueError as err:
            raise SystemExit(f"option {kv!r} must be key=JSON, e.g. lr=5e-4 or "
                             f"norm='\"none\"' ({err}).") from None
    return out


def append_line(path: str | Path, line: dict[str, Any]) -> None:
    """Append ``line`` as one JSON line to ``path`` (its folder is made if missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(line) + "\n")
