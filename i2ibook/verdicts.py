"""Comparing runs: mean ± std over seeds, tables with the paper's values beside ours, verdicts.

The book reports every experiment it repeats over seeds as mean ± std (sample standard
deviation, ``ddof = 1``), puts the published number next to it, and says in one word whether the
claim reproduced. This module holds those three pieces so that every chapter writes them the
same way:

- :func:`mean_std` and :func:`fmt_mean_std` -- the statistics and their printed form;
- :func:`markdown_table` -- a Markdown table (rendered by the book), and for a model's sanity
  checks (:class:`i2ilib.metrics.baselines.SanityCheck`) :func:`checks_table` and
  :func:`passes`;
- the verdict vocabulary (:data:`VOCABULARY`: six words, each defined once), a paired effect
  with its confidence interval and the smallest effect the design could detect
  (:class:`Effect`, :func:`paired_effect`), and :func:`decide`, which turns an effect, the
  paper's effect, the sanity checks and the comparison's matching into a word, and
  :class:`FigureOnly`, which says where the paper shows a claim only in a figure;
- :class:`Verdict` -- a claim, its word and the evidence;
- :func:`false_call_rate` -- how often this rule, and the earlier one (a difference beyond the
  larger seed standard deviation, which calls a false difference about one time in five under
  no effect with three seeds), call a difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from i2ilib.metrics.baselines import SanityCheck

REPRODUCED = "reproduced"
CONSISTENT = "consistent"
NOT_TESTABLE = "not testable here"
INCONCLUSIVE = "inconclusive"
NOT_REPRODUCED = "not reproduced"
CONTRADICTED = "contradicted"

#: The verdict words and what each means, defined once for every chapter and the reproduction
#: page (the order is the order in which :func:`decide` tests them, after *inconclusive*).
VOCABULARY: dict[str, str] = {
    REPRODUCED: "the effect is resolved (its 95 % interval excludes zero) in the claimed "
                "direction, over at least two seeds",
    CONSISTENT: "same direction as the paper and the paper's effect inside our interval, but "
                "not resolved from zero (or shown by a single seed)",
    NOT_TESTABLE: "the paper's own effect on the measures compared is not in the claimed "
                  "direction or is below the smallest effect our runs could detect, or the setup "
                  "cannot express the mechanism (the verdict says which)",
    INCONCLUSIVE: "a model in the comparison fails its trivial baseline or its sanity check, or "
                  "more than the factor under test differs between the compared runs",
    NOT_REPRODUCED: "our runs could have detected the paper's effect (it is above the smallest "
                    "detectable effect and outside our interval) and did not",
    CONTRADICTED: "an effect resolved in the direction opposite to the claim",
}
#: The words a :class:`Verdict` may use.
VERDICTS = tuple(VOCABULARY)
#: The confidence level of every interval and the power at which the detectable effect is given.
LEVEL = 0.95
POWER = 0.8


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


def passes(checks: Sequence[SanityCheck]) -> bool:
    """Every sanity check passed."""
    return all(c.passed for c in checks)


def checks_table(checks: Sequence[SanityCheck]) -> str:
    """The sanity checks as a Markdown table: the check, whether it passed, its numbers."""
    return markdown_table(["check", "passed", "numbers"],
                          [[c.name, "yes" if c.passed else "**no**", c.detail] for c in checks],
                          "lcl")


@dataclass(frozen=True)
class Effect:
    """A paired effect, oriented so that a positive value goes the way the claim says.

    Attributes:
        estimate: the mean over seeds of the within-seed differences.
        low, high: its two-sided :data:`LEVEL` confidence interval.
        detectable: the smallest effect this design detects with probability :data:`POWER`
            (at the spread of the within-seed differences observed).
        seeds: how many seeds (paired runs) the estimate uses.
        unit: how to print values: ``"%"`` (relative, printed in percent), ``"points"`` (a
            difference of two shares, printed in percentage points) or ``""``.
        method: how the interval was computed, in words.
    """

    estimate: float
    low: float
    high: float
    detectable: float
    seeds: int
    unit: str = ""
    method: str = ""

    @property
    def resolved(self) -> bool:
        """The interval excludes zero (and more than one seed backs it)."""
        return self.seeds > 1 and (self.low > 0 or self.high < 0)

    def fmt(self, x: float) -> str:
        """One value in this effect's unit."""
        if self.unit == "%":
            return f"{100 * x:+.1f} %"
        if self.unit == "points":
            return f"{100 * x:+.1f} points"
        return f"{x:+.3g}"

    def __str__(self) -> str:
        return (f"effect {self.fmt(self.estimate)} (95 % CI {self.fmt(self.low)} to "
                f"{self.fmt(self.high)}; smallest detectable {self.fmt(self.detectable)[1:]}, "
                f"{self.seeds} seed{'s' if self.seeds != 1 else ''})")


def _t(q: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(q, df))


def detectable_multiple(n_seeds: int, level: float = LEVEL, power: float = POWER) -> float:
    """The smallest detectable effect of a paired t design in standard errors: the ``λ`` at
    which the noncentral t with ``n_seeds - 1`` degrees of freedom exceeds the two-sided
    critical value with probability ``power`` (about 3.1 standard deviations of the
    within-seed differences, i.e. 5.4 standard errors, for three seeds)."""
    from scipy.optimize import brentq
    from scipy.stats import nct

    if n_seeds < 2:
        raise ValueError(f"a paired t design needs at least 2 seeds, got {n_seeds}")
    df, crit = n_seeds - 1, _t(0.5 + level / 2, n_seeds - 1)
    return float(brentq(lambda lam: nct.sf(crit, df, lam) - power, 0.0, 100.0))


def paired_effect(differences: Sequence[float] | np.ndarray, unit: str = "",
                  level: float = LEVEL, power: float = POWER, n_boot: int = 4000,
                  seed: int = 0) -> Effect:
    """The mean of paired differences with its confidence interval and detectable effect.

    Args:
        differences: ``(S,)`` one within-seed difference per seed (the two settings' runs of a
            seed share their data and initialisation), or ``(S, N)`` the differences on the same
            ``N`` test images within each seed. Oriented: positive means the claim holds.
        unit: ``"%"`` for relative differences, ``"points"`` for differences of shares, else
            ``""``.
        level: the interval's confidence level; ``power``: the power of the detectable effect.
        n_boot, seed: the image bootstrap used when there is a single seed.

    With ``S >= 2`` the unit of replication is the seed: the interval is Student's t on the
    ``S`` seed means of the differences (with three seeds a sign-flip permutation has only 8
    patterns and a bootstrap only 10 distinct resamples, so neither can reach 95 %), and the
    smallest detectable effect is :func:`detectable_multiple` standard errors. With one seed the
    interval is a paired bootstrap over the test images: it covers which images were drawn but
    not the training noise, which is why :func:`decide` never calls one seed resolved.

    Raises:
        ValueError: on an empty or non-finite input, or more than two dimensions.
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim not in (1, 2) or d.size == 0 or not np.isfinite(d).all():
        raise ValueError(f"paired_effect needs finite (S,) or (S, N) differences; got shape "
                         f"{d.shape}")
    per_seed = d.mean(axis=1) if d.ndim == 2 else d
    s = len(per_seed)
    est = float(per_seed.mean())
    if s >= 2:
        se = float(per_seed.std(ddof=1)) / np.sqrt(s)
        half = _t(0.5 + level / 2, s - 1) * se
        detect = detectable_multiple(s, level, power) * se
        return Effect(est, est - half, est + half, detect, s, unit,
                      f"paired t over {s} seeds")
    if d.ndim == 1 or d.shape[1] < 2:
        return Effect(est, -np.inf, np.inf, np.inf, 1, unit, "one value: no interval")
    x = d[0]
    rng = np.random.default_rng(seed)
    boots = x[rng.integers(0, len(x), size=(n_boot, len(x)))].mean(axis=1)
    low, high = np.quantile(boots, [0.5 - level / 2, 0.5 + level / 2])
    from scipy.stats import norm

    detect = (norm.ppf(0.5 + level / 2) + norm.ppf(power)) * x.std(ddof=1) / np.sqrt(len(x))
    return Effect(est, float(low), float(high), float(detect), 1, unit,
                  f"image bootstrap over {len(x)} test images of one seed")


@dataclass(frozen=True)
class FigureOnly:
    """Where the paper shows a claim only in a figure and gives no number for it: what is not
    quantified and the figure that shows it. ``str()`` gives the reason :func:`decide` writes:
    "the paper reports no number for {what}, only {figure}".

    Attributes:
        what: the quantity, e.g. ``"the centre distances in the space of identities"``.
        figure: the figure, with its number as the paper prints it, e.g. ``"Fig. 10 (a)"``.
    """

    what: str
    figure: str

    def __post_init__(self) -> None:
        if not self.what.strip() or not self.figure.strip():
            raise ValueError(f"FigureOnly needs the quantity and the figure, got {self!r}")

    def __str__(self) -> str:
        return f"the paper reports no number for {self.what}, only {self.figure}"


def decide(effect: Effect | None, paper_effect: float | None = None, *,
           failed_checks: Sequence[str] = (), differs: Sequence[str] = (),
           not_testable: str | None = None, figure_only: FigureOnly | None = None,
           missing: str = "the runs are not stored") -> tuple[str, str]:
    """The verdict word (:data:`VOCABULARY`) and the reason, in this order:

    1. *inconclusive* when a compared model failed a sanity check (``failed_checks``: one
       phrase each) or more than the factor under test differs (``differs``: what else does),
       whether or not the effect could be measured;
    2. *not testable here* when ``effect`` is None (``missing`` says why: by default the runs
       are not stored);
    3. *not testable here* when ``not_testable`` names why the setup cannot express the
       mechanism, or when ``paper_effect`` (oriented like ``effect``) is not positive: the
       paper's own numbers on these measures do not show the claim;
    4. *reproduced* / *contradicted* when the interval excludes zero, over two or more seeds;
    5. *consistent* when the estimate is positive and the interval holds the paper's effect
       (or the paper gives no number);
    6. *not testable here* when the paper gives no number (``paper_effect`` None): whether our
       runs could have detected its effect cannot be said;
    7. *not testable here* when the paper's effect is below the smallest detectable effect;
    8. *not reproduced* otherwise.

    ``figure_only`` says that the paper shows the claim only in a figure (``paper_effect``
    must then be None); its sentence, "the paper reports no number for ..., only Fig. N",
    ends every reason.

    Raises:
        ValueError: if both ``paper_effect`` and ``figure_only`` are given.
    """
    if figure_only is not None and paper_effect is not None:
        raise ValueError(f"figure_only says the paper gives no number, but paper_effect is "
                         f"{paper_effect}; pass one of them")
    only = "" if figure_only is None else f"; {figure_only}"
    if failed_checks or differs:
        confound = (["more than the factor under test differs between the compared runs: "
                     + ", ".join(differs)] if differs else [])
        unmeasured = [] if effect is not None else [missing]
        return INCONCLUSIVE, "; ".join([*failed_checks, *confound, *unmeasured]) + only
    if effect is None:
        return NOT_TESTABLE, missing + only
    if not_testable:
        return NOT_TESTABLE, not_testable + only
    if paper_effect is not None and paper_effect <= 0:
        return NOT_TESTABLE, (f"the paper's own effect on these measures is "
                              f"{effect.fmt(paper_effect)}, not in the claimed direction")
    paper = "" if paper_effect is None else f" (paper {effect.fmt(paper_effect)})"
    if effect.resolved:
        if effect.low > 0:
            return REPRODUCED, f"resolved in the claimed direction{paper}{only}"
        return CONTRADICTED, f"resolved in the opposite direction{paper}{only}"
    if effect.estimate > 0 and (paper_effect is None or effect.low <= paper_effect
                                <= effect.high):
        return CONSISTENT, ("same direction, not resolved from zero" if effect.seeds > 1 else
                            "same direction, shown by one seed only") + paper + only
    if paper_effect is None:
        return NOT_TESTABLE, ((str(figure_only) if figure_only is not None else
                               "the paper reports no number for these measures")
                              + ", so whether these runs could have detected its effect "
                                "cannot be said")
    if paper_effect < effect.detectable:
        return NOT_TESTABLE, (f"the paper's effect {effect.fmt(paper_effect)} is below the "
                              f"smallest effect these runs detect, "
                              f"{effect.fmt(effect.detectable)[1:]}")
    return NOT_REPRODUCED, f"the paper's effect would have been seen and was not{paper}"


def verdict_from(claim: str, effect: Effect | None, paper_effect: float | None = None,
                 evidence: str = "", **rules: object) -> Verdict:
    """A :class:`Verdict` whose word is :func:`decide`'s and whose evidence ends with the
    reason, the effect and its interval (``rules``: the keywords of :func:`decide`)."""
    word, reason = decide(effect, paper_effect, **rules)  # type: ignore[arg-type]
    parts = [p for p in (evidence, str(effect) if effect is not None else "", reason) if p]
    return Verdict(claim, word, "; ".join(parts) + ".", effect)


def false_call_rate(n_seeds: int = 3, effect_sd: float = 0.0, n_sim: int = 20000,
                    seed: int = 0, noise: str = "normal") -> dict[str, float]:
    """Simulate :func:`paired_effect` + :func:`decide` (and the earlier rule) on ``n_sim``
    experiments of ``n_seeds`` paired seeds whose within-seed differences have standard
    deviation 1 and mean ``effect_sd``.

    Returns:
        ``{"reproduced", "contradicted", "called"}`` -- the share of experiments the new rule
        calls reproduced, contradicted, either -- and ``"old_called"``: the share the old rule
        (difference of the means beyond the larger seed SD) calls a difference either
        way on two unpaired rows of ``n_seeds`` values with SD 1 whose means differ by
        ``effect_sd``.
    """
    rng = np.random.default_rng(seed)
    if noise == "normal":
        d = rng.normal(effect_sd, 1.0, size=(n_sim, n_seeds))
    elif noise == "laplace":
        d = effect_sd + rng.laplace(0.0, 1 / np.sqrt(2), size=(n_sim, n_seeds))
    else:
        raise ValueError(f"noise must be 'normal' or 'laplace', got {noise!r}")
    m, se = d.mean(axis=1), d.std(axis=1, ddof=1) / np.sqrt(n_seeds)
    half = _t(0.5 + LEVEL / 2, n_seeds - 1) * se
    rep, con = float(np.mean(m - half > 0)), float(np.mean(m + half < 0))
    a = rng.normal(0.0, 1.0, size=(n_sim, n_seeds))
    b = rng.normal(effect_sd, 1.0, size=(n_sim, n_seeds))
    margin = np.maximum(a.std(axis=1, ddof=1), b.std(axis=1, ddof=1))
    old = float(np.mean(np.abs(b.mean(axis=1) - a.mean(axis=1)) > margin))
    return {"reproduced": rep, "contradicted": con, "called": rep + con, "old_called": old}


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
    effect: Effect | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

