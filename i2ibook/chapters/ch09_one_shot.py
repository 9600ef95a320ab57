"""Chapter 09's measurements: OST (Benaim & Wolf 2018) on handwritten -> printed digits, the
slides' Fig. 3 (a) protocol, its trivial baselines and sanity check, and the verdicts.

**The protocol of Fig. 3 (a).** "x-axis is the number of samples in A (log-scale), y-axis is
the accuracy of a pretrained classifier on the resulting translated images." A one-shot model is
*trained* on one A sample (and many B samples) but *applied* to every test image of A; the
accuracy counts the translated test digits that a classifier of the target domain reads as the
label of their source. Here: A = the handwritten digits of :mod:`i2ilib.data.digits` (the
stand-in for MNIST), B = its printed, street-number-like digits (for SVHN), the classifier the
shipped ``digitcnn-v1`` (:mod:`i2ilib.metrics.digitnet`, trained on printed digits only), the
test set 500 held-out handwritten digits (:func:`i2ibook.runner.handwritten_split`). The slides
average 1000 runs with different samples; the book runs one per seed (the seed picks the sample).

**The sanity check** (:func:`sanity_check`). A translation model passes when the classifier
reads its translations of the test digits as their labels (a) on most of them (accuracy >= 0.5),
and (b) clearly more often than by chance (0.1) and than on the trivial "translations": the
input unchanged, the input blurred, the mean B image. "Clearly" is a margin of
:data:`MARGIN` (0.05, a little over two binomial standard errors on 500 digits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.catalogue import (
    OST_N_A,
    OST_SEEDS,
    cyclegan_digits_run,
    ost_phase1_run,
    ost_run,
)
from i2ibook.papers.benaim2018 import CLAIMS
from i2ibook.runner import digit_scores, digits_data, get_run
from i2ibook.verdicts import (
    Verdict,
    checks_table,  # noqa: F401  (the notebook shows the sanity checks with it)
    fmt_mean_std,
    markdown_table,
    paired_effect,
    passes,
    verdict_from,
)
from i2ilib.metrics.baselines import SanityCheck, blur_baseline, identity_baseline, mean_baseline
from i2ilib.results import Run

#: Chance accuracy of a ten-class classifier.
CHANCE = 0.1
#: How far a model must beat chance and every trivial baseline ("clearly above").
MARGIN = 0.05
#: The share of test digits a model must get right ("completes the task on most test images").
MIN_COMPLETION = 0.5

#: The chapter's models: a label and the catalogue function that makes a run of it, by seed.
MODELS: dict[str, Any] = {
    "OST": lambda n_A: partial(ost_run, n_A=n_A),
    "OST, no selective backprop": lambda n_A: partial(ost_run, n_A=n_A,
                                                      selective_backprop=False),
    "CycleGAN": lambda n_A: partial(cyclegan_digits_run, n_A=n_A),
}


def test_set(scale: str = "book") -> tuple[Tensor, Tensor]:
    """``(test_A, labels)``: the held-out handwritten digits every run is scored on."""
    data = digits_data(ost_run(scale)[1]["data"])
    return data.test_A, data.test_labels


def baseline_outputs(scale: str = "book") -> dict[str, Tensor]:
    """The trivial "translations" of the test digits: ``identity`` (the input unchanged),
    ``blur`` (a Gaussian blur, sigma 1.5 px) and ``mean B image`` (the mean of the printed
    training digits, for every input)."""
    test_A, _ = test_set(scale)
    B = digits_data(ost_run(scale)[1]["data"]).B
    return {"identity": identity_baseline(test_A), "blur": blur_baseline(test_A),
            "mean B image": mean_baseline(B, len(test_A))}


def baseline_scores(scale: str = "book") -> dict[str, dict[str, Any]]:
    """:func:`i2ibook.runner.digit_scores` of each trivial baseline."""
    _, labels = test_set(scale)
    return {k: digit_scores(v, labels) for k, v in baseline_outputs(scale).items()}


def sanity_check(accuracy: float, baselines: Mapping[str, float], chance: float = CHANCE,
                 margin: float = MARGIN, min_completion: float = MIN_COMPLETION
                 ) -> list[SanityCheck]:
    """The checks a digit translator must pass before the chapter compares it (module
    docstring): above chance and above every baseline by ``margin``, and the input's label
    recognised on at least ``min_completion`` of the test digits.

    Args:
        accuracy: the classifier's accuracy on the model's translations of the test digits.
        baselines: ``{baseline: accuracy on its outputs}``.
    """
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must lie in [0, 1], got {accuracy}")
    checks = [SanityCheck(f"above chance by {margin:g}", accuracy >= chance + margin,
                          f"accuracy {accuracy:.3f} vs chance {chance:.3f}")]
    checks += [SanityCheck(f"beats {name} by {margin:g}", accuracy >= value + margin,
                           f"accuracy {accuracy:.3f} vs {name} {value:.3f}")
               for name, value in baselines.items()]
    checks.append(SanityCheck("recognised as its source's label on most test digits",
                              accuracy >= min_completion,
                              f"{accuracy:.0%} of the test digits"))
    return checks


def accuracy(run: Run) -> float:
    """The Fig. 3 (a) measure of a stored Phase II or CycleGAN run."""
    return float(run.metrics["A->B"]["accuracy"])


def correct(run: Run, labels: Tensor) -> np.ndarray:
    """``(n_test,)`` booleans: the classifier read the run's translation of each test digit as
    its label."""
    return np.asarray(run.metrics["A->B"]["predictions"]) == labels.numpy()


def translate_with(run: Run, images: Tensor) -> Tensor:
    """A stored run's translations ``T_AB`` (OST) or ``G_AB`` (CycleGAN) of ``images``."""
    from i2ibook.runner import translate

    return translate(run, images)


def phase1_on_A(scale: str = "book", seed: int = 0) -> dict[str, Any]:
    """What Phase I alone does to the handwritten test digits: the B auto-encoder
    ``T_BB = G_B(E_B(.))`` applied to them, scored like a translation (what Phase II adds is
    measured against this)."""
    from i2ibook.runner import phase1_start
    from i2ilib.nets.ost import OSTTranslator, define_ost_parts
    from i2ilib.train.ost import OSTConfig

    name, config = ost_phase1_run(scale, seed)
    state = phase1_start({"name": name, "config": config})  # the weights Phase II starts from
    arch = OSTConfig.from_dict(config["trainer"]).architecture()
    parts = define_ost_parts(3, 3, arch, "B", generator=torch.Generator().manual_seed(0))
    for part, weights in state["nets"].items():
        parts[part].load_state_dict(weights)
    T_BB = OSTTranslator(parts["E_B_U"], parts["E_S"], parts["G_S"], parts["G_B_U"], arch)
    test_A, labels = test_set(scale)
    with torch.no_grad():
        out = torch.cat([T_BB.eval()(test_A[i:i + 100]) for i in range(0, len(test_A), 100)])
    return {"outputs": out, **digit_scores(out, labels)}


def curve(scale: str = "book", seeds: Sequence[int] = OST_SEEDS,
          models: Sequence[str] = ("OST", "CycleGAN"),
          n_As: Sequence[int | str] = OST_N_A, results_dir: str | Path | None = None
          ) -> dict[str, dict[int | str, list[float]]]:
    """The Fig. 3 (a) analogue from the stored runs: ``{model: {n_A: [accuracy per stored
    seed]}}`` (an empty list where no seed is stored)."""
    out: dict[str, dict[int | str, list[float]]] = {}
    for m in models:
        out[m] = {}
        for n_A in n_As:
            runs = [get_run(partial(MODELS[m](n_A), seed=s), scale, results_dir=results_dir)
                    for s in seeds]
            out[m][n_A] = [accuracy(r) for r in runs if r is not None]
    return out


def curve_table(points: Mapping[str, Mapping[int | str, Sequence[float]]],
                baselines: Mapping[str, float]) -> str:
    """The curve as a Markdown table: accuracy mean ± std over seeds (seeds in brackets)."""
    n_As = list(next(iter(points.values())))
    rows = [[m, *[f"{fmt_mean_std(v)} ({len(v)})" if v else "not stored" for v in by.values()]]
            for m, by in points.items()]
    rows += [[f"baseline: {k}", *[f"{v:.3f}"] * len(n_As)] for k, v in baselines.items()]
    return markdown_table(["model", *[f"n_A = {n}" for n in n_As]], rows, "l" + "r" * len(n_As))


def paired_difference(a: Sequence[Run | None], b: Sequence[Run | None]) -> list[float]:
    """Per seed where both runs are stored: accuracy of ``a`` minus that of ``b``."""
    return [accuracy(x) - accuracy(y) for x, y in zip(a, b) if x is not None and y is not None]


def verdict(claim_key: str, claim: str, better: Sequence[Run | None],
            worse: Sequence[Run | None], baselines: Mapping[str, float]) -> Verdict:
    """A claim that model ``better`` has a higher accuracy than ``worse`` (the runs of each
    seed paired), judged with the vocabulary of :mod:`i2ibook.verdicts`; *inconclusive* when a
    compared run fails its sanity check. The slides give no number, so the paper's effect is
    None."""
    diffs = paired_difference(better, worse)
    effect = paired_effect(diffs) if diffs else None
    failed = [f"{side} seed {i} fails its sanity check"
              for side, runs in (("the first model's", better), ("the second model's", worse))
              for i, r in enumerate(runs)
              if r is not None and not passes(sanity_check(accuracy(r), baselines))]
    return verdict_from(claim, effect, None, evidence=CLAIMS.get(claim_key, ""),
                        failed_checks=failed)


def verdict_against_baseline(claim_key: str, claim: str, runs: Sequence[Run | None],
                             baselines: Mapping[str, float], baseline: str = "identity"
                             ) -> Verdict:
    """A claim that a model's translations are read correctly more often than the trivial
    ``baseline`` (the same test digits for every seed): the per-seed accuracy minus the
    baseline's, judged as :func:`verdict` judges a paired difference."""
    stored = [r for r in runs if r is not None]
    diffs = [accuracy(r) - baselines[baseline] for r in stored]
    failed = [f"seed {i} fails its sanity check" for i, r in enumerate(runs)
              if r is not None and not passes(sanity_check(accuracy(r), baselines))]
    return verdict_from(claim, paired_effect(diffs) if diffs else None, None,
                        evidence=CLAIMS.get(claim_key, ""), failed_checks=failed)


def runs_of(model: str, n_A: int | str, scale: str = "book", seeds: Sequence[int] = OST_SEEDS,
            results_dir: str | Path | None = None) -> list[Run | None]:
    """The stored runs of ``model`` (a key of :data:`MODELS`) with ``n_A`` samples of A, one per
    seed (None where a seed is not stored)."""
    return [get_run(partial(MODELS[model](n_A), seed=s), scale, results_dir=results_dir)
            for s in seeds]


#: The claims the grid is put to: ``(key into CLAIMS, the claim in the book's words, model,
#: the model it must beat or None for the input left unchanged)``, all with one A sample.
COMPARISONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("one_sample", "OST with one A sample beats the input left unchanged", "OST", None),
    ("one_sample", "with one A sample, OST beats CycleGAN (Fig. 3 (a))", "OST", "CycleGAN"),
    ("overfitting", "without selective backpropagation, OST does worse on the test digits",
     "OST", "OST, no selective backprop"),
)


def claims(baselines: Mapping[str, float], scale: str = "book",
           results_dir: str | Path | None = None, min_seeds: int = 3) -> list[Verdict]:
    """A verdict for each of :data:`COMPARISONS` whose two sides have at least ``min_seeds``
    seeds stored (paired within seed; against the identity baseline for the first); claims
    with fewer stored seeds are left out. ``baselines``: :func:`baseline_scores`' accuracies."""
    out = []
    for key, claim, model, other in COMPARISONS:
        better = runs_of(model, 1, scale, results_dir=results_dir)
        if other is None:
            if sum(r is not None for r in better) >= min_seeds:
                out.append(verdict_against_baseline(key, claim, better, baselines))
            continue
        worse = runs_of(other, 1, scale, results_dir=results_dir)
        if sum(a is not None and b is not None for a, b in zip(better, worse)) >= min_seeds:
            out.append(verdict(key, claim, better, worse, baselines))
    return out


def inverted_reference(scale: str = "book") -> dict[str, Any]:
    """A hand-made "translation" that is not one of the sanity check's baselines: the
    handwritten test digits with their grey levels inverted (dark ink on a light ground, as
    many printed digits are). It shows how much of the classifier's reading a change of
    contrast alone buys."""
    test_A, labels = test_set(scale)
    return digit_scores(-test_A, labels)


def seed_table(baselines: Mapping[str, float], scale: str = "book", n_A: int | str = 1,
               models: Sequence[str] = ("OST", "OST, no selective backprop", "CycleGAN"),
               seeds: Sequence[int] = OST_SEEDS, results_dir: str | Path | None = None) -> str:
    """Every stored run at ``n_A`` by model and seed: its accuracy and whether it passes the
    sanity check (a Markdown table; "not stored" where a run is missing)."""
    rows = []
    for m in models:
        cells = []
        for s in seeds:
            run = get_run(partial(MODELS[m](n_A), seed=s), scale, results_dir=results_dir)
            if run is None:
                cells.append("not stored")
            else:
                ok = passes(sanity_check(accuracy(run), baselines))
                cells.append(f"{accuracy(run):.3f} ({'passes' if ok else 'fails'})")
        rows.append([m, *cells])
    return markdown_table(["model", *[f"seed {s}" for s in seeds]], rows, "l" + "r" * len(seeds))


def plot_curve(points: Mapping[str, Mapping[int | str, Sequence[float]]],
               baselines: Mapping[str, float], n_all: int, ax=None):
    """The Fig. 3 (a) analogue: accuracy against the number of A samples (log scale), every
    stored seed as a dot and the mean as a line, the trivial baselines as horizontal lines."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    for i, (model, by) in enumerate(points.items()):
        xs = [n_all if n == "all" else int(n) for n in by]
        stored = [(x, v) for x, v in zip(xs, by.values()) if v]
        if not stored:
            continue
        for x, v in stored:
            ax.scatter([x] * len(v), v, color=f"C{i}", s=14, alpha=0.6)
        ax.plot([x for x, _ in stored], [float(np.mean(v)) for _, v in stored], color=f"C{i}",
                marker="o", label=f"{model} (mean over seeds)")
    for j, (name, value) in enumerate(baselines.items()):
        ax.axhline(value, color="0.5", ls=("--", ":", "-.")[j % 3], lw=1, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("number of A samples (log scale)")
    ax.set_ylabel("classifier accuracy on T_AB(test A)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    return ax
