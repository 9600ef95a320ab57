"""Comparing runs: mean ± std over seeds, tables with the paper's values beside ours, verdicts.

The book reports every experiment it repeats over seeds as mean ± std (sample standard
deviation, ``ddof = 1``), puts the published number next to it, and says in one word whether the
claim reproduced. This module holds those three pieces so that every chapter writes them the
same way:

- :func:`mean_std` and :func:`fmt_mean_std` -- the statistics and their printed form;
- :func:`markdown_table` -- a Markdown table (rendered by the book);
- :class:`Verdict` and :func:`compare_means` -- whether one setting beats another by more than
  the seed-to-seed spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: The words a verdict may use (issue-wide convention of the book's reproduction tables).
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not comparable")


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof = 1``; 0 for a single value).

    Raises:
        ValueError: on an empty sequence or non-finite values.
    """
    v = np.asarray(list(values), dtype=np.float64)
    if v.size == 0:
        raise ValueError("mean_std needs at least one value")
    if not np.isfinite(v).all():
        raise ValueError(f"mean_std got non-finite values: {v.tolist()}")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def fmt_mean_std(values: Sequence[float], digits: int = 3) -> str:
    """``"0.512 ± 0.013"`` (or just ``"0.512"`` for a single value)."""
    m, s = mean_std(values)
    return f"{m:.{digits}f}" if len(values) == 1 else f"{m:.{digits}f} ± {s:.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]],
                   align: str | None = None) -> str:
    """A Markdown table; ``align`` is one character per column (``l``, ``r`` or ``c``).

    Raises:
        ValueError: if a row's length differs from the header's.
    """
    n = len(header)
    for r in rows:
        if len(r) != n:
            raise ValueError(f"row {list(r)} has {len(r)} cells, the header has {n}")
    align = align or "l" + "r" * (n - 1)
    if len(align) != n or set(align) - set("lrc"):
        raise ValueError(f"align must be {n} characters from 'l', 'r', 'c', got {align!r}")
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(str(h) for h in header) + " |",
             "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """A paper's claim, what we measured, and whether it held.

    Attributes:
        claim: the claim in the paper's words (or close to them).
        verdict: one of :data:`VERDICTS`.
        evidence: one sentence with our numbers.
    """

    claim: str
    verdict: str
    evidence: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


def compare_means(a: Sequence[float], b: Sequence[float], higher_is_better: bool) -> str:
    """``"better"``, ``"worse"`` or ``"tie"``: is ``a`` better than ``b`` beyond the spread?

    ``a`` is better when its mean beats ``b``'s by more than the larger of the two sample
    standard deviations (a deliberately simple rule for three seeds: it asks that the
    difference be larger than the seed-to-seed noise, not for a significance test).
    """
    (ma, sa), (mb, sb) = mean_std(a), mean_std(b)
    margin = max(sa, sb)
    diff = (ma - mb) if higher_is_better else (mb - ma)
    if diff > margin:
        return "better"
    if diff < -margin:
        return "worse"
    return "tie"
