"""Chapter 05: the UCSD report's ablations (Tables 1-2, Sec. 7) judged on the stored runs.

The chapter's notebook trains or loads the runs (:func:`i2ibook.catalogue.ablation_paired_run`,
:func:`i2ibook.catalogue.ablation_unpaired_run`) and measures them; :func:`claims` turns those
measurements into one :class:`~i2ibook.verdicts.Verdict` per claim of the report
(:mod:`i2ibook.papers.ucsd_report`) in the book's vocabulary (:func:`i2ibook.verdicts.decide`):

- every effect is paired within seed (the variants of one seed share their training scenes and
  test scenes) and relative, so that it compares with the report's FID despite the different
  feature network: e.g. ``(FD_other - FD_L1) / FD_other`` for "L1 is best";
- a claim that compares several variants has one part per comparison, and its word is the
  weakest part's;
- a comparison of runs that differ in more than the factor under test is *inconclusive*
  (:func:`what_differs`), and so is one whose reference model loses to the training-set mean
  photo on MSE to the truth (its sanity check, ``baselines``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from i2ibook.papers.ucsd_report import (
    CLAIM_L1_BEST,
    CLAIM_L1_CYCLE_BEST,
    CLAIM_NO_SKIP_COLLAPSES,
    CLAIM_PAIRED_BEATS_UNPAIRED,
    CLAIM_SMALL_PATCH_SHARPER,
    TABLE1_CITYSCAPES,
    TABLE2_DATASETS,
    TABLE2_FID,
)
from i2ibook.verdicts import (
    CONSISTENT,
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_REPRODUCED,
    NOT_TESTABLE,
    REPRODUCED,
    Effect,
    Verdict,
    fmt_mean_std,
    paired_effect,
    verdict_from,
)

#: ``values(variant, *keys)``: one number per seed (in seed order), from ``metrics["A->B"]``.
Values = Callable[..., list[float]]

#: The trivial baseline of labels -> photo: the mean training photo, for every input (the
#: input's blur is a label map, not a photo).
TRAIN_MEAN = "training-set mean photo"
#: The trainer settings :func:`what_differs` compares.
SETTINGS = ("netG", "ngf", "netD", "ndf", "norm", "gan_mode", "n_epochs", "n_epochs_decay")

#: How the verdicts of a claim's parts combine: the claim holds only as far as its weakest part.
_WEAKEST = (INCONCLUSIVE, CONTRADICTED, NOT_REPRODUCED, NOT_TESTABLE, CONSISTENT, REPRODUCED)

#: Why the patch-size claim cannot be tested at the book's 64 px.
PATCH_NOT_TESTABLE = (
    "at 64 px the default 70 px PatchGAN already sees the whole image, as does the large one "
    "(142 px), so the report's ladder of patches on 256 px images (16, 70, 286) collapses to a "
    "16 px patch against whole-image discriminators: the setup cannot express the mechanism")


def mean_photo_mse(config: Mapping[str, Any]) -> float:
    """The MSE to the truth (on [0, 1], as the runs store it) of :data:`TRAIN_MEAN`: the mean of
    the training photos of ``config``'s data, returned for every test input."""
    from i2ibook.runner import _paired, build_test_data
    from i2ilib.metrics.baselines import mean_baseline

    spec = config["data"]
    _, train_B = _paired(spec, spec["n_train"], int(spec.get("seed", 0)), "train")
    _, test_B = build_test_data(dict(config))
    return float(((mean_baseline(train_B, len(test_B)) - test_B) / 2).pow(2).mean())


#: The file in chapter 05's results folder that caches :func:`mean_photo_mse` of the stored
#: runs' data, keyed by the hash of the data specification it depends on.
BASELINES_FILE = "baselines.json"
#: Bump when what :func:`mean_photo_mse` computes changes.
BASELINES_VERSION = 1


def cached_mean_photo_mse(config: Mapping[str, Any], folder: str | Path) -> float:
    """:func:`mean_photo_mse` of ``config``, read from :data:`BASELINES_FILE` in ``folder`` when
    it holds the value for this data specification, else computed and added there (a few
    bytes per seed; written atomically)."""
    from i2ilib.results import config_hash

    key = config_hash({"version": BASELINES_VERSION, "data": dict(config["data"])})
    path = Path(folder) / BASELINES_FILE
    stored = json.loads(path.read_text()) if path.is_file() else {}
    if key not in stored:
        stored[key] = round(mean_photo_mse(config), 10)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(stored, f, sort_keys=True, indent=1)
        os.replace(tmp, path)
    return float(stored[key])


#: The file in each chapter 05 run's folder that caches :func:`output_statistics`.
OUTPUT_STATISTICS_FILE = "output_statistics.json"
#: Bump when what :func:`output_statistics` computes changes.
OUTPUT_STATISTICS_VERSION = 1


def output_statistics(run: Any) -> dict[str, float]:
    """RMS contrast and sharpness (mean gradient magnitude, :mod:`i2ilib.metrics.image_stats`)
    of a stored run's translations of its test scenes: ``{"contrast": ..., "sharpness": ...}``.

    Computed once from the run's weights and cached in the run's folder
    (:data:`OUTPUT_STATISTICS_FILE`, :func:`i2ilib.results.cached_result`), so the chapter's
    statistics survive when only some runs keep their weights."""
    from i2ibook.runner import build_test_data, translate
    from i2ilib.metrics.image_stats import rms_contrast, sharpness
    from i2ilib.results import cached_result

    def compute() -> dict[str, float]:
        outputs = translate(run, build_test_data(run.config)[0])
        return {"contrast": float(rms_contrast(outputs)), "sharpness": float(sharpness(outputs))}

    return cached_result(run, OUTPUT_STATISTICS_FILE, OUTPUT_STATISTICS_VERSION, compute)


def stored_runs(results_dir: str | Path | None = None) -> dict[str, list[Any]]:
    """``{variant: [stored book-scale run per seed that has one]}`` for Tables 1 and 2 (the
    variants of :data:`i2ibook.catalogue.PAIRED_ABLATIONS` and ``UNPAIRED_ABLATIONS``)."""
    from i2ibook.catalogue import (
        ABLATION_SEEDS,
        PAIRED_ABLATIONS,
        UNPAIRED_ABLATIONS,
        ablation_paired_run,
        ablation_unpaired_run,
    )
    from i2ilib.results import find_run, results_dir_for

    root = results_dir_for("book", results_dir)
    out = {}
    for variants, make in ((PAIRED_ABLATIONS, ablation_paired_run),
                           (UNPAIRED_ABLATIONS, ablation_unpaired_run)):
        for v in variants:
            found = [find_run(*make("book", v, s), results_dir=root) for s in ABLATION_SEEDS]
            out[v] = [r for r in found if r is not None]
    return out


def run_values(runs: Mapping[str, Sequence[Any]]) -> Values:
    """``values(variant, *keys)`` of :func:`claims` from stored runs' ``metrics["A->B"]``."""
    def values(variant: str, *keys: str) -> list[float]:
        out = []
        for run in runs[variant]:
            v = run.metrics["A->B"]
            for k in keys:
                v = v[k]
            out.append(float(v))
        return out
    return values


def _paired_relative(diff: np.ndarray, denominator: np.ndarray) -> Effect | None:
    if not (np.isfinite(diff).all() and (denominator != 0).all()):
        return None
    return paired_effect(diff / denominator, unit="%")


def relative_reduction(better: Sequence[float], worse: Sequence[float]) -> Effect | None:
    """``(worse_s - better_s) / worse_s`` per seed (positive: ``better`` is lower), paired;
    None when a denominator is 0."""
    b, w = np.asarray(better, dtype=float), np.asarray(worse, dtype=float)
    return _paired_relative(w - b, w)


def relative_gain(higher: Sequence[float], lower: Sequence[float]) -> Effect | None:
    """``(higher_s - lower_s) / lower_s`` per seed (positive: ``higher`` is higher), paired;
    None when a denominator is 0."""
    h, lo = np.asarray(higher, dtype=float), np.asarray(lower, dtype=float)
    return _paired_relative(h - lo, lo)


def _judge(claim: str, effect: Effect | None, paper: float | None, evidence: str,
           **rules: Any) -> Verdict:
    if effect is None:
        return Verdict(claim, NOT_TESTABLE, f"{evidence}; a zero value leaves the relative "
                                            "effect undefined.")
    return verdict_from(claim, effect, paper, evidence, **rules)


#: The settings that *are* the factor under test of a variant (not a confound).
FACTOR_SETTINGS: dict[str, tuple[str, ...]] = {
    "PatchGAN 16": ("netD",), "PatchGAN large": ("netD",), "U-Net without skips": ("netG",)}


def what_differs(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None,
                 factor: str) -> list[str]:
    """What differs between two run configurations besides ``factor`` (a variant's name, whose
    own settings :data:`FACTOR_SETTINGS` do not count): the method and the trainer settings of
    :data:`SETTINGS` (one phrase, or nothing)."""
    if not a or not b:
        return []
    out = []
    ignore = FACTOR_SETTINGS.get(factor, ())
    if a.get("method") != b.get("method"):
        out.append(f"method ({a.get('method')} vs {b.get('method')})")
    ta, tb = a.get("trainer", {}), b.get("trainer", {})
    out += [f"{k} ({ta[k]} vs {tb[k]})" for k in SETTINGS
            if k in ta and k in tb and ta[k] != tb[k] and k not in ignore]
    return [f"{factor} and " + ", ".join(out)] if out else []


def sanity_failures(label: str, mse: Sequence[float],
                    baselines: Mapping[str, float] | None) -> list[str]:
    """One phrase if the mean MSE to the truth of ``label``'s runs does not beat every
    baseline (``{name: MSE}``, e.g. :data:`TRAIN_MEAN`), else nothing."""
    if not baselines:
        return []
    m = float(np.mean(mse))
    lost = [f"the {k} ({v:.4f})" for k, v in baselines.items() if m >= v]
    return [(f"{label} fails its sanity check (MSE to the truth {m:.4f}, no better than "
             f"{' and '.join(lost)})")] if lost else []


def _combine(claim: str, parts: Mapping[str, Verdict]) -> Verdict:
    word = min((v.verdict for v in parts.values()), key=_WEAKEST.index)
    evidence = "; ".join(f"against {k}: **{v.verdict}**, {v.evidence.rstrip('.')}"
                         for k, v in parts.items())
    return Verdict(claim, word, evidence + ".")


def _paper_reduction(best: float, other: float) -> float:
    return (other - best) / other


def claims(values: Values, paired: Sequence[str], unpaired: Sequence[str],
           stats: Mapping[str, Mapping[str, Sequence[float]]] | None,
           longer_cyclegan: Mapping[str, Any] | None,
           configs: Mapping[str, Mapping[str, Any]] | None = None,
           baselines: Mapping[str, float] | None = None) -> list[Verdict]:
    """The report's five claims, judged (:func:`i2ibook.verdicts.decide`).

    Args:
        values: ``values(variant, *keys)`` -> per-seed numbers in seed order (e.g.
            ``("fd",)``, ``("fcn", "pixel_acc")``).
        paired: Table 1's variants, starting with ``"L1"``.
        unpaired: Table 2's variants, starting with ``"L1 cycle"``.
        stats: ``{variant: {"contrast": [...], "sharpness": [...]}}`` per seed (None: not
            measured; the patch-size claim is not testable here either way).
        longer_cyclegan: chapter 04's CycleGAN (one seed, the full schedule) scored on the same
            test scenes (``fd`` and ``fcn.pixel_acc``), quoted in the paired-vs-unpaired claim
            (None: not quoted).
        configs: ``{variant: the configuration of its runs}``, for :func:`what_differs`.
        baselines: ``{name: MSE to the truth}`` of the trivial baselines (:data:`TRAIN_MEAN`):
            a reference model that does not beat them makes its comparisons *inconclusive*.

    Rules:

    1. "L1 is best" (Table 1): per other variant, the FD reduction of L1, against the report's
       FID reduction on Cityscapes;
    2. "without skips the U-Net collapses": the recall drop from the U-Net with skips, against
       the report's (0.32 -> 0.01); the collapsing model is not sanity-checked (collapse is the
       claim), the reference is;
    3. "a smaller patch gives more contrast and sharper edges": *not testable here*
       (:data:`PATCH_NOT_TESTABLE`); the measured effects are given;
    4. "paired beats unpaired": the FD reduction of pix2pix (L1) over CycleGAN (L1 cycle); the
       two differ in more than the pairs (generator, normalisation, GAN loss, schedule), so
       *inconclusive* until a matched pair of runs exists;
    5. "L1 cycle gives the lowest FID" (Table 2): per other cycle loss, the FD reduction of the
       L1 cycle, against the report's FID reduction averaged over its three datasets.
    """
    configs = configs or {}
    verdicts = []
    fd = {v: values(v, "fd") for v in (*paired, *unpaired)}
    mse = {v: values(v, "mse") for v in (*paired, *unpaired)}
    ref_check = sanity_failures("L1", mse["L1"], baselines)

    # 1. "L1 loss experiment seems to perform the best" (Table 1 caption)
    parts = {}
    for v in paired[1:]:
        parts[v] = _judge(
            CLAIM_L1_BEST, relative_reduction(fd["L1"], fd[v]),
            _paper_reduction(TABLE1_CITYSCAPES["L1"][2], TABLE1_CITYSCAPES[v][2]),
            f"FD {fmt_mean_std(fd['L1'], 2)} vs {fmt_mean_std(fd[v], 2)}",
            failed_checks=[*ref_check, *sanity_failures(v, mse[v], baselines)],
            differs=what_differs(configs.get("L1"), configs.get(v), v))
    verdicts.append(_combine(CLAIM_L1_BEST, parts))

    # 2. The U-Net without skips collapses (Table 1: precision 0.03, recall 0.01)
    noskip = "U-Net without skips"
    r_l1, r_ns = values("L1", "recall"), values(noskip, "recall")
    paper = TABLE1_CITYSCAPES
    verdicts.append(_judge(
        CLAIM_NO_SKIP_COLLAPSES,
        relative_reduction(r_ns, r_l1),
        _paper_reduction(paper[noskip][1], paper["L1"][1]),
        f"recall {', '.join(f'{r:.3f}' for r in r_ns)} by seed against "
        f"{fmt_mean_std(r_l1)} with skips; FCN pixel acc. "
        f"{fmt_mean_std(values(noskip, 'fcn', 'pixel_acc'))} vs "
        f"{fmt_mean_std(values('L1', 'fcn', 'pixel_acc'))}; effect: the relative recall drop",
        failed_checks=ref_check,
        differs=what_differs(configs.get("L1"), configs.get(noskip), noskip)))

    # 3. "a smaller patch size enforces the generator to generate images with more contrast and
    #    sharp edges" (Sec. 7): PatchGAN 16 against the large one
    if stats:
        small, large = stats["PatchGAN 16"], stats["PatchGAN large"]
        c = relative_gain(small["contrast"], large["contrast"])
        s = relative_gain(small["sharpness"], large["sharpness"])
        verdicts.append(_judge(
            CLAIM_SMALL_PATCH_SHARPER, s, None,
            (f"PatchGAN 16 vs large: contrast {c.fmt(c.estimate)} (95 % CI {c.fmt(c.low)} to "
             f"{c.fmt(c.high)}), sharpness (below)" if c else "PatchGAN 16 vs large"),
            not_testable=PATCH_NOT_TESTABLE))
    else:
        verdicts.append(Verdict(CLAIM_SMALL_PATCH_SHARPER, NOT_TESTABLE,
                                PATCH_NOT_TESTABLE[0].upper() + PATCH_NOT_TESTABLE[1:] + "."))

    # 4. "the paired task experiments result in better images than the unpaired task" (Sec. 7)
    cyc = unpaired[0]
    verdicts.append(_judge(
        CLAIM_PAIRED_BEATS_UNPAIRED, relative_reduction(fd["L1"], fd[cyc]), None,
        f"pix2pix (L1) vs CycleGAN (L1 cycle), FD {fmt_mean_std(fd['L1'], 2)} vs "
        f"{fmt_mean_std(fd[cyc], 2)}, FCN pixel acc. "
        f"{fmt_mean_std(values('L1', 'fcn', 'pixel_acc'))} vs "
        f"{fmt_mean_std(values(cyc, 'fcn', 'pixel_acc'))}"
        + (f"; chapter 04's CycleGAN on the full schedule (one seed): FD "
           f"{longer_cyclegan['fd']:.2f}, FCN pixel acc. "
           f"{longer_cyclegan['fcn']['pixel_acc']:.3f}" if longer_cyclegan else ""),
        failed_checks=[*ref_check, *sanity_failures(cyc, mse[cyc], baselines)],
        differs=what_differs(configs.get("L1"), configs.get(cyc), "the pairs")))

    # 5. "The results with L1 cyclic loss seem to dominate the performance with lower FID"
    #    (Table 2)
    parts = {}
    for v in unpaired[1:]:
        paper_effect = float(np.mean([_paper_reduction(a, b) for a, b in
                                      zip(TABLE2_FID[cyc], TABLE2_FID[v])]))
        parts[v] = _judge(
            CLAIM_L1_CYCLE_BEST, relative_reduction(fd[cyc], fd[v]), paper_effect,
            f"FD {fmt_mean_std(fd[cyc], 2)} vs {fmt_mean_std(fd[v], 2)} (paper: the mean over "
            f"{', '.join(TABLE2_DATASETS)})",
            failed_checks=[*sanity_failures(cyc, mse[cyc], baselines),
                           *sanity_failures(v, mse[v], baselines)],
            differs=what_differs(configs.get(cyc), configs.get(v), v))
    verdicts.append(_combine(CLAIM_L1_CYCLE_BEST, parts))
    return verdicts
