"""The three scales of the book: ``smoke`` (CI), ``book`` (default) and ``paper``.

Every notebook has a ``parameters`` cell that reads ``I2I_SCALE`` from the environment;
the same code path runs at every scale, only sizes change.
"""

from __future__ import annotations

import os

SCALES = ("smoke", "book", "paper")
DEFAULT_SCALE = "book"


def get_scale(value: str | None = None) -> str:
    """Return the active scale: ``value`` if given, else ``$I2I_SCALE``, else ``"book"``.

    Raises:
        ValueError: if the scale is not one of ``smoke``, ``book``, ``paper``.
    """
    scale = (value if value is not None else os.environ.get("I2I_SCALE", DEFAULT_SCALE)).strip()
    scale = scale.lower() or DEFAULT_SCALE
    if scale not in SCALES:
        raise ValueError(
            f"Unknown scale {scale!r}: I2I_SCALE must be one of {', '.join(SCALES)} "
            "(smoke = a few steps for CI, book = the default, paper = published settings)."
        )
    return scale


def pick(scale: str, *, smoke, book, paper):
    """Choose a value by scale: ``pick(scale, smoke=2, book=200, paper=200_000)``."""
    return {"smoke": smoke, "book": book, "paper": paper}[get_scale(scale)]
