"""Chapter 13's measurements: mix and match networks (Wang 2020, thesis chapter 4) on zero-pair
depth <-> segmentation translation in SynthScenes, the trivial baselines and sanity check, the
Tables 4.4-4.5 analogues beside the thesis's numbers, the side-information analysis and the
verdicts. At paper scale the data are SUN RGB-D's real frames and the thesis's numbers those of
its Tables 4.6-4.7 (:func:`dataset_of` tells from the runs which tables apply).

**The protocol of Tables 4.4-4.5.** M&MNets train on two disjoint sets, ``D_RS`` (RGB,
segmentation) and ``D_RD`` (RGB, depth), and are tested on the pair never seen together: depth ->
segmentation (global accuracy, mean class accuracy, mIoU) and segmentation -> depth (eq. 4.15:
``delta < 1.25, 1.25^2, 1.25^3``, RMSE in metres, RMSE of the natural log), on test scenes that
have all three modalities. The oracle is the same architecture trained on true (depth,
segmentation) pairs of the same training scenes.

**The trivial baselines** (:func:`baseline_scores`). Depth -> segmentation: the *class prior*
(the most frequent class of ``D_RS``'s labels at every pixel) and the *per-pixel majority*
(at each pixel the class most frequent there in ``D_RS``: the street layout without looking at
the input). Segmentation -> depth: the *mean depth* (the mean of ``D_RD``'s encoded depth, at
every pixel), the *per-pixel mean depth* (the mean at each pixel of ``D_RD``) and the
*per-class mean depth* (each class's mean depth, measured on true pairs of the training
scenes: information M&MNets never has, so a strong reference rather than a trivial one).

**The sanity check** (:func:`sanity_check`). A model passes when its depth -> segmentation
beats both segmentation baselines in global accuracy and in mIoU, and its segmentation -> depth
beats the mean depth and the per-pixel mean depth in RMSE (log) and in ``delta < 1.25``.

**Which runs a verdict checks.** A claim that one working model beats another (pseudo-pairs
against none, the oracle against zero-pair training) needs both to pass the sanity check. A claim
of Tables 4.2-4.3 says that a component is *needed*: without it (or with skip connections in
place of pooling indices) the unseen translation breaks. There only the model the claim puts
ahead must pass (:func:`ablation_claims` and the side-information rows of :func:`claims`,
``check_b=False``): the ablated model failing is the effect under test, and the full model
passing shows the setup works.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from i2ibook.catalogue import (
    ZERO_PAIR_ABLATIONS,
    ZERO_PAIR_MODELS,
    ZERO_PAIR_SEEDS,
    zero_pair_run,
)
from i2ibook.papers import wang2018_mmnets as paper
from i2ibook.runner import cached_beside, get_run, zero_pair_data
from i2ibook.verdicts import (
    Verdict,
    checks_table,  # noqa: F401  (the notebook shows the sanity checks with it)
    fmt_mean_std,
    markdown_table,
    paired_effect,
    passes,
    verdict_from,
)
from i2ilib.metrics.baselines import SanityCheck
from i2ilib.results import Run

#: The measures of the two unseen translations, with the direction in which they improve.
SEG_MEASURES = {"global_acc": "global accuracy", "class_acc": "mean class accuracy",
                "mean_iou": "mIoU"}
DEPTH_MEASURES = {"delta1": "δ < 1.25", "delta2": "δ < 1.25²", "delta3": "δ < 1.25³",
                  "rmse": "RMSE (m)", "rmse_log": "RMSE (log)"}
LOWER_IS_BETTER = ("rmse", "rmse_log")
#: The baselines a model must beat (the sanity check); the per-class mean depth is reported
#: beside them as a reference that uses true pairs.
SEG_BASELINES = ("class prior", "per-pixel majority")
DEPTH_BASELINES = ("mean depth", "per-pixel mean depth")


def model_runs(model: str, scale: str = "book", seeds: Sequence[int] = ZERO_PAIR_SEEDS,
               train: bool = False, results_dir=None) -> list[Run | None]:
    """The runs of one of :data:`~i2ibook.catalogue.ZERO_PAIR_MODELS` or
    :data:`~i2ibook.catalogue.ZERO_PAIR_ABLATIONS`, one per seed."""
    switches = {**ZERO_PAIR_MODELS, **ZERO_PAIR_ABLATIONS}[model]
    return [get_run(partial(zero_pair_run, **switches, seed=s), scale, train,
                    results_dir=results_dir) for s in seeds]


@functools.cache
def baseline_scores(scale: str = "book", seed: int = 0) -> dict[str, dict[str, float]]:
    """The trivial baselines of the module docstring on the test scenes of ``seed``:
    ``{"D->S": {baseline: scores}, "S->D": {baseline: scores}}``."""
    from i2ilib.data.zeropair import decode_depth
    from i2ilib.metrics.depth import depth_scores
    from i2ilib.metrics.segmentation import segmentation_scores
    from i2ilib.nets.mmnets import UNLABELLED, one_hot_labels

    spec = zero_pair_run(scale, seed=seed)[1]["data"]
    _, scenes = zero_pair_data(spec, oracle=True)
    test, k, enc, span = scenes.test, scenes.n_classes, scenes.depth_encoding, scenes.depth_range
    labels = scenes.rs["S"]
    prior = int(torch.bincount(labels[labels != UNLABELLED], minlength=k).argmax())
    majority = one_hot_labels(labels, k).sum(0).argmax(0)

    def seg(pred: torch.Tensor) -> dict[str, float]:
        s = segmentation_scores(pred, test["S"], k)
        return {m: float(s[m]) for m in SEG_MEASURES}

    def depth(encoded: torch.Tensor) -> dict[str, float]:
        d = depth_scores(decode_depth(encoded, enc, span), test["depth_m"])
        return {m: float(d[m]) for m in DEPTH_MEASURES}

    z = scenes.rd["D"][:, 0]
    z_all, s_all = scenes.oracle["D"][:, 0], scenes.oracle["S"]
    per_class = torch.stack([z_all[s_all == c].mean() if (s_all == c).any() else z_all.mean()
                             for c in range(k)])
    by_class = torch.full((UNLABELLED + 1,), float(z_all.mean()))  # unlabelled: the mean
    by_class[:k] = per_class
    n = len(test["S"])
    return {
        "D->S": {"class prior": seg(torch.full_like(test["S"], prior)),
                 "per-pixel majority": seg(majority.expand(n, -1, -1))},
        "S->D": {"mean depth": depth(torch.full_like(test["depth_m"], float(z.mean()))),
                 "per-pixel mean depth": depth(z.mean(0).expand(n, -1, -1)),
                 "per-class mean depth (true pairs)": depth(by_class[test["S"]])},
    }


#: Version of :func:`baseline_scores` whose values are cached beside the stored runs.
BASELINES_VERSION = 1


def stored_baselines(scale: str = "book", seed: int = 0, results_dir=None
                     ) -> dict[str, dict[str, Any]]:
    """:func:`baseline_scores` of ``seed``, cached beside the seed's stored pooling-index run
    (``baselines.json``; rendering a seed's scenes takes seconds), computed when that run is
    not stored (:func:`i2ibook.runner.cached_beside`)."""
    return cached_beside(partial(zero_pair_run, seed=seed), scale, "baselines.json",
                         BASELINES_VERSION, lambda: baseline_scores(scale, seed), results_dir)


@functools.cache
def seed_baselines(scale: str = "book", seeds: tuple[int, ...] = ZERO_PAIR_SEEDS,
                   results_dir=None) -> tuple[dict[str, dict[str, Any]], ...]:
    """The baselines of every seed (each seed has its own scenes), in seed order
    (:func:`stored_baselines`)."""
    return tuple(stored_baselines(scale, s, results_dir) for s in seeds)


def better(measure: str, a: float, b: float) -> bool:
    """``a`` is better than ``b`` on ``measure``."""
    return a < b if measure in LOWER_IS_BETTER else a > b


def sanity_check(metrics: Mapping[str, Any], baselines: Mapping[str, Mapping[str, Any]]
                 ) -> list[SanityCheck]:
    """The checks of the module docstring for one run's ``metrics``."""
    checks = []
    for name in SEG_BASELINES:
        for m in ("global_acc", "mean_iou"):
            ours, theirs = metrics["D->S"][m], baselines["D->S"][name][m]
            checks.append(SanityCheck(f"depth -> segmentation beats {name} in {SEG_MEASURES[m]}",
                                      better(m, ours, theirs), f"{ours:.3f} vs {theirs:.3f}"))
    for name in DEPTH_BASELINES:
        for m in ("rmse_log", "delta1"):
            ours, theirs = metrics["S->D"][m], baselines["S->D"][name][m]
            checks.append(SanityCheck(
                f"segmentation -> depth beats {name} in {DEPTH_MEASURES[m]}",
                better(m, ours, theirs), f"{ours:.3f} vs {theirs:.3f}"))
    return checks


def values(runs: Sequence[Run | None], direction: str, measure: str) -> list[float]:
    """``measure`` of ``direction`` (``"D->S"``, ``"S->D"``, ...) of every stored run."""
    return [float(r.metrics[direction][measure]) for r in runs if r is not None]


def comparison_table(runs: Mapping[str, Sequence[Run | None]],
                     baselines: Mapping[str, Mapping[str, Any]], direction: str) -> str:
    """The Table 4.4 (``"D->S"``) or Table 4.5 (``"S->D"``) analogue: mean ± std over the stored
    seeds of every model, the trivial baselines below (their test scenes: seed 0's)."""
    measures = SEG_MEASURES if direction == "D->S" else DEPTH_MEASURES
    rows = []
    for model, rs in runs.items():
        n = sum(r is not None for r in rs)
        rows.append([f"{model} ({n} seed{'' if n == 1 else 's'})",
                     *[fmt_mean_std(values(rs, direction, m)) if n else "not stored"
                       for m in measures]])
    for name, scores in baselines[direction].items():
        rows.append([f"baseline: {name}", *[f"{scores[m]:.3f}" for m in measures]])
    return markdown_table(["model", *measures.values()], rows, "l" + "r" * len(measures))


def cascade_table(runs: Sequence[Run | None]) -> str:
    """One model's every route to the unseen modality: direct (``D -> S``), through RGB
    (``D -> R -> S``, Table 4.4's "M&M Nets D -> R -> S") and multi-modal (``(R, D) -> S``), and
    the seen ``R -> S``; the same for depth."""
    rows = []
    for direction, label, m in (("D->S", "depth -> segmentation", "mean_iou"),
                                ("D->R->S", "depth -> RGB -> segmentation", "mean_iou"),
                                ("RD->S", "(RGB, depth) -> segmentation", "mean_iou"),
                                ("R->S", "RGB -> segmentation (seen)", "mean_iou"),
                                ("S->D", "segmentation -> depth", "rmse_log"),
                                ("S->R->D", "segmentation -> RGB -> depth", "rmse_log"),
                                ("RS->D", "(RGB, segmentation) -> depth", "rmse_log"),
                                ("R->D", "RGB -> depth (seen)", "rmse_log")):
        rows.append([label, "mIoU" if m == "mean_iou" else "RMSE (log)",
                     fmt_mean_std(values(runs, direction, m))])
    return markdown_table(["translation", "measure", "mean ± std over seeds"], rows, "llr")


def paired_differences(a: Sequence[Run | None], b: Sequence[Run | None], direction: str,
                       measure: str) -> list[float]:
    """Per seed where both are stored: ``a``'s ``measure`` minus ``b``'s, oriented so that a
    positive value means ``a`` is better."""
    sign = -1.0 if measure in LOWER_IS_BETTER else 1.0
    return [sign * (float(x.metrics[direction][measure]) - float(y.metrics[direction][measure]))
            for x, y in zip(a, b) if x is not None and y is not None]


def passing(runs: Sequence[Run | None], baselines: Sequence[Mapping[str, Any]]
            ) -> list[bool | None]:
    """Per seed: the run passes the sanity check against its own seed's baselines (None where
    it is not stored)."""
    return [None if r is None else passes(sanity_check(r.metrics, b))
            for r, b in zip(runs, baselines, strict=True)]


def _failed(runs: Mapping[str, Sequence[Run | None]],
            baselines: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"{model} seed {i} fails its sanity check" for model, rs in runs.items()
            for i, ok in enumerate(passing(rs, baselines)) if ok is False]


def verdict(claim_key: str, claim: str, a: tuple[str, Sequence[Run | None]],
            b: tuple[str, Sequence[Run | None]], baselines: Sequence[Mapping[str, Any]],
            direction: str = "D->S", measure: str = "mean_iou",
            paper_effect: float | None = None, check: bool = True,
            check_b: bool = True) -> Verdict:
    """The claim that model ``a`` beats model ``b`` on ``measure`` of ``direction`` (the runs
    of each seed paired), judged with the vocabulary of :mod:`i2ibook.verdicts`; *inconclusive*
    when a compared run fails its sanity check (``check``; ``baselines``: those of each seed,
    :func:`seed_baselines`; ``check_b=False`` checks ``a`` only, for the claims that ``b``
    breaks the translation, module docstring). ``paper_effect``: the thesis's
    ``a - b`` on the same measure, oriented like ours (shares for accuracies and mIoU)."""
    diffs = paired_differences(a[1], b[1], direction, measure)
    unit = "points" if measure not in LOWER_IS_BETTER else ""
    effect = paired_effect(diffs, unit=unit) if diffs else None
    failed = _failed(dict([a, b] if check_b else [a]), baselines) if check else []
    return verdict_from(claim, effect, paper_effect, evidence=paper.CLAIMS.get(claim_key, ""),
                        failed_checks=failed)


def side_table(runs: Mapping[str, Run | None], what: str = "indices") -> str:
    """The side-information statistics (:func:`i2ibook.runner.side_information_statistics`) of
    one run per model: per level, the agreement of the pooling indices (``"indices"``) or the
    cosine similarity of the skip features (``"features"``) for each pair of modalities of the
    same scenes and for different scenes."""
    rows = []
    for model, run in runs.items():
        if run is None:
            continue
        stats = run.metrics["side"][what]
        for pair, label in (("RD", "RGB vs depth"), ("RS", "RGB vs segmentation"),
                            ("DS", "depth vs segmentation"),
                            ("shuffled", "RGB vs depth of another scene")):
            rows.append([model, label, *[f"{v:.3f}" for v in stats[pair]]])
    levels = len(rows[0]) - 2 if rows else 0
    return markdown_table(["model", "encoders", *[f"level {i + 1}" for i in range(levels)]],
                          rows, "ll" + "r" * levels)


def dataset_of(runs: Mapping[str, Sequence[Run | None]] | Sequence[Run | None]) -> str:
    """The dataset the stored runs trained on (``"synthscenes"`` or ``"sunrgbd"``, the paper
    scale's), which picks the thesis's tables to compare with (:data:`paper.TABLES`)."""
    groups = runs.values() if isinstance(runs, Mapping) else [runs]
    found = {((getattr(r, "config", None) or {}).get("data") or {}).get("dataset", "synthscenes")
             for rs in groups for r in rs if r is not None}
    if len(found) > 1:
        raise ValueError(f"The runs mix datasets {sorted(found)}: compare runs of one scale.")
    return found.pop() if found else "synthscenes"


def mean_of(runs: Sequence[Run | None], direction: str, measure: str) -> float:
    """The mean over stored seeds (NaN when none is stored)."""
    v = values(runs, direction, measure)
    return float(np.mean(v)) if v else float("nan")


def translator(run: Run, name: str) -> torch.nn.Module:
    """A stored run's translator ``name`` (``"T_DS"``, ``"T_SD"``, ``"T_RS"`` ...) built from
    its stored parts, in eval mode, float32 (only the parts of
    :data:`i2ibook.runner.ZERO_PAIR_KEEP` are stored)."""
    from i2ilib.train.mmnets import mmnet_module_from_config, mmnet_translator_state

    parts = {k: {n: v.float() if v.is_floating_point() else v for n, v in s.items()}
             for k, s in run.generator_state().items()}
    module = mmnet_module_from_config(run.config["trainer"], name)
    module.load_state_dict(mmnet_translator_state(parts, name))
    return module.eval()


def test_scenes(scale: str = "book", seed: int = 0):
    """The zero-pair scenes of ``seed`` (:class:`i2ilib.data.zeropair.ZeroPairScenes`)."""
    return zero_pair_data(zero_pair_run(scale, seed=seed)[1]["data"])[1]


def colour_labels(ids: torch.Tensor, n_classes: int = 12) -> torch.Tensor:
    """``(N, H, W)`` class ids -> ``(N, 3, H, W)`` in [-1, 1]: SynthScenes' palette for its 12
    classes, SUN RGB-D's for 13; unlabelled pixels black (:func:`i2ilib.viz.colour_labels`)."""
    from i2ilib.viz import colour_labels as colour

    return colour(ids, n_classes)


def grey(depth: torch.Tensor) -> torch.Tensor:
    """``(N, 1, H, W)`` encoded depth -> ``(N, 3, H, W)`` grey images."""
    return depth[:, :1].expand(-1, 3, -1, -1)


def paper_step_flops(size: int = 256, batch_size: int = 6) -> float:
    """Floating-point operations of one stage-2 M&MNets training step with the published
    networks (``ngf`` 64, five levels, Table A.3-A.6) on ``size`` px images, counted with
    :class:`torch.utils.flop_counter.FlopCounterMode` on one 64 px pair of each set and scaled
    by the number of pixels and the batch size (convolutions cost in proportion to both)."""
    from torch.utils.flop_counter import FlopCounterMode

    from i2ilib.train.mmnets import MMNetConfig, MMNetTrainer

    k = zero_pair_run("paper")[1]["trainer"]["n_classes"]  # SUN RGB-D's 13
    config = MMNetConfig(ngf=64, n_levels=5, n_classes=k, batch_size=1, stage1_steps=0,
                         stage2_steps=1, device="cpu")
    trainer = MMNetTrainer(config)
    g = torch.Generator().manual_seed(0)
    batch = {"R_RS": torch.rand(1, 3, 64, 64, generator=g) * 2 - 1,
             "S": torch.randint(0, k, (1, 64, 64), generator=g),
             "R_RD": torch.rand(1, 3, 64, 64, generator=g) * 2 - 1,
             "D": torch.rand(1, 1, 64, 64, generator=g) * 2 - 1}
    with FlopCounterMode(display=False) as counter:
        trainer.train_step(batch)
    return float(counter.get_total_flops()) * (size / 64) ** 2 * batch_size


#: Our models -> the thesis's row of Table 4.4 and of Table 4.5 (skip connections: Table 4.2's
#: zero-pair depth -> segmentation on the 51K subset; the thesis gives no depth row for them).
PAPER_ROW: dict[str, tuple[tuple[str, str] | None, str | None]] = {
    "M&MNets, pooling indices": (("TABLE4_4", "M&MNets D->S (PI)"), "M&MNets S->D"),
    "M&MNets, skip connections": (("TABLE4_2", "skip"), None),
    "M&MNets, pooling indices + pseudo-pairs": (("TABLE4_4", "M&MNets+PP D->S (PI)"),
                                                "M&MNets+PP S->D"),
    "oracle (true depth-segmentation pairs)": (("TABLE4_4", "Oracle D->S (PI)"), "Oracle S->D"),
}


def _paper_seg(model: str, dataset: str = "synthscenes") -> dict[str, float] | None:
    """The thesis's depth -> segmentation row of ``model`` on ``dataset``'s table (SceneNet's
    Table 4.2 for skip connections; SUN RGB-D has no such row)."""
    row = PAPER_ROW[model][0]
    if row is None:
        return None
    table, key = row
    if table == "TABLE4_2":
        if dataset != "synthscenes":
            return None
        v = paper.TABLE4_2[(key, False)]
    else:
        v = paper.TABLES[dataset][0][0][key]
    return {"global_acc": v["global"] / 100, "mean_iou": v["mIoU"] / 100}


def reproduction_table(runs: Mapping[str, Sequence[Run | None]], direction: str) -> str:
    """Ours (mean ± std over the stored seeds) beside the thesis's number for every measure:
    Table 4.4 (and 4.2 for skip connections) for ``"D->S"``, Table 4.5 for ``"S->D"``; on SUN
    RGB-D (paper scale) Tables 4.6 and 4.7."""
    measures = SEG_MEASURES if direction == "D->S" else DEPTH_MEASURES
    dataset = dataset_of(runs)
    rows = []
    for model, rs in runs.items():
        n = sum(r is not None for r in rs)
        if direction == "D->S":
            theirs = _paper_seg(model, dataset) or {}
        else:
            key = PAPER_ROW[model][1]
            theirs = paper.TABLES[dataset][1][0][key] if key else {}
        cells = []
        for m in measures:
            ours = fmt_mean_std(values(rs, direction, m)) if n else "not run"
            cells.append(f"{ours} ({theirs[m]:.3g})" if m in theirs else f"{ours} (—)")
        rows.append([model, f"{n}", *cells])
    return markdown_table(["model", "seeds", *[f"{v}: ours (thesis)" for v in measures.values()]],
                          rows, "lr" + "r" * len(measures))


PI, SC = "M&MNets, pooling indices", "M&MNets, skip connections"
PP, ORACLE = "M&MNets, pooling indices + pseudo-pairs", "oracle (true depth-segmentation pairs)"


def claims(runs: Mapping[str, Sequence[Run | None]]) -> list[dict[str, Any]]:
    """The thesis's claims the grid tests, as keyword arguments of :func:`verdict` (less the
    baselines): side information (Table 4.2), pseudo-pairs and the oracle (Tables 4.4-4.5), each
    on depth -> segmentation (mIoU) and segmentation -> depth (RMSE (log)). The paper's effects
    are oriented as ours (mIoU as shares; RMSE (log) as the reduction); on SUN RGB-D (paper
    scale) from Tables 4.6-4.7, with Table 4.2's SceneNet effect for the side information (the
    thesis has no SUN RGB-D ablation)."""
    (t44, n44), (t45, n45) = paper.TABLES[dataset_of(runs)]
    t42 = paper.TABLE4_2
    rows = [
        ("indices_beat_skip", ("on the unseen depth → segmentation, pooling indices beat skip "
                               "connections (Table 4.2, mIoU)"), PI, SC, "D->S", "mean_iou",
         (t42[("indices", False)]["mIoU"] - t42[("skip", False)]["mIoU"]) / 100),
        ("indices_beat_skip", ("on the unseen segmentation → depth, pooling indices beat skip "
                               "connections (RMSE (log); the thesis gives no depth number for "
                               "skip connections)"),
         PI, SC, "S->D", "rmse_log", None),
        ("pseudo_pairs_help", f"pseudo-pairs improve depth → segmentation (Table {n44}, mIoU)",
         PP, PI, "D->S", "mean_iou",
         paper.paper_effect_mIoU("M&MNets+PP D->S (PI)", "M&MNets D->S (PI)", t44)),
        ("pseudo_pairs_help",
         f"pseudo-pairs improve segmentation → depth (Table {n45}, RMSE (log))",
         PP, PI, "S->D", "rmse_log",
         t45["M&MNets S->D"]["rmse_log"] - t45["M&MNets+PP S->D"]["rmse_log"]),
        ("oracle_upper_bound", ("the oracle on true pairs beats zero-pair M&MNets on depth → "
                                f"segmentation (Table {n44}, mIoU)"), ORACLE, PI, "D->S",
         "mean_iou", paper.paper_effect_mIoU("Oracle D->S (PI)", "M&MNets D->S (PI)", t44)),
        ("oracle_upper_bound", ("the oracle on true pairs beats zero-pair M&MNets on "
                                f"segmentation → depth (Table {n45}, RMSE (log))"), ORACLE, PI,
         "S->D", "rmse_log", t45["M&MNets S->D"]["rmse_log"] - t45["Oracle S->D"]["rmse_log"]),
    ]
    # side information is a Table 4.2 claim: skip connections breaking the unseen pair is the
    # effect under test, so only the pooling-index model must pass (module docstring)
    return [dict(claim_key=k, claim=c, a=(a, runs[a]), b=(b, runs[b]), direction=d,
                 measure=m, paper_effect=e, check_b=k != "indices_beat_skip")
            for k, c, a, b, d, m, e in rows]


NONE = "M&MNets, no side information"
NO_COMPONENTS, AE, AE_LAT = list(ZERO_PAIR_ABLATIONS)[1:]

#: Table 4.2's rows (side information, no pretrained RGB encoder) -> our models.
TABLE4_2_ROWS: dict[str, tuple[str, bool]] = {NONE: ("none", False), SC: ("skip", False),
                                              PI: ("indices", False)}
#: Table 4.3's rows (auto-encoders, latent consistency, noise, pseudo-pairs switched on one
#: after the other) -> our models.
TABLE4_3_ROWS: dict[str, tuple[bool, bool, bool, bool]] = {
    NO_COMPONENTS: (False, False, False, False), AE: (True, False, False, False),
    AE_LAT: (True, True, False, False), PI: (True, True, True, False),
    PP: (True, True, True, True)}


def ablation_runs(scale: str = "book", results_dir=None) -> dict[str, list[Run | None]]:
    """The runs of every model of Tables 4.2-4.3 (:data:`TABLE4_2_ROWS`,
    :data:`TABLE4_3_ROWS`), one per seed, without training."""
    models = dict.fromkeys([*TABLE4_2_ROWS, *TABLE4_3_ROWS])
    return {m: model_runs(m, scale, results_dir=results_dir) for m in models}


def ablation_table(runs: Mapping[str, Sequence[Run | None]],
                   baselines: Sequence[Mapping[str, Any]], table: str = "4.2") -> str:
    """The Table 4.2 or 4.3 analogue: per model, mean ± std over the stored seeds of the unseen
    depth -> segmentation (global accuracy, mIoU; the thesis's value in brackets), of the
    segmentation -> depth (RMSE (log), ``delta < 1.25``; the thesis gives none), and how many
    seeds pass the sanity check (``baselines``: each seed's, :func:`seed_baselines`)."""
    rows_of = TABLE4_2_ROWS if table == "4.2" else TABLE4_3_ROWS
    published = paper.TABLE4_2 if table == "4.2" else paper.TABLE4_3
    rows = []
    for model, key in rows_of.items():
        rs = runs[model]
        n = sum(r is not None for r in rs)
        theirs = published[key]
        cells = [f"{fmt_mean_std(values(rs, 'D->S', m)) if n else 'not run'} ({theirs[k] / 100:.3f})"
                 for m, k in (("global_acc", "global"), ("mean_iou", "mIoU"))]
        cells += [fmt_mean_std(values(rs, "S->D", m)) if n else "not run"
                  for m in ("rmse_log", "delta1")]
        ok = [p for p in passing(rs, baselines) if p is not None]
        rows.append([model, f"{n}", *cells, f"{sum(ok)} of {len(ok)}"])
    return markdown_table(["model", "seeds", "D → S global: ours (thesis)",
                           "D → S mIoU: ours (thesis)", "S → D RMSE (log)", "S → D δ < 1.25",
                           "seeds passing"], rows, "lrrrrrr")


def ablation_claims(runs: Mapping[str, Sequence[Run | None]]) -> list[dict[str, Any]]:
    """The claims of Tables 4.2-4.3 as keyword arguments of :func:`verdict` (less the
    baselines), each on the unseen depth -> segmentation mIoU, the measure the tables print,
    with the thesis's difference of the same rows (a share) and ``check_b=False`` (module
    docstring)."""
    t42, t43 = paper.TABLE4_2, paper.TABLE4_3

    def d42(a: str, b: str) -> float:
        return (t42[TABLE4_2_ROWS[a]]["mIoU"] - t42[TABLE4_2_ROWS[b]]["mIoU"]) / 100

    def d43(a: str, b: str) -> float:
        return (t43[TABLE4_3_ROWS[a]]["mIoU"] - t43[TABLE4_3_ROWS[b]]["mIoU"]) / 100

    rows = [
        ("indices_beat_skip", "pooling indices beat no side information (Table 4.2, mIoU)",
         PI, NONE, d42(PI, NONE)),
        ("skip_worse_than_none", ("skip connections do worse than no side information at all "
                                  "(Table 4.2, mIoU)"), NONE, SC, d42(NONE, SC)),
        ("components_help", "the auto-encoders help (Table 4.3, mIoU)", AE, NO_COMPONENTS,
         d43(AE, NO_COMPONENTS)),
        ("components_help", ("the latent consistency loss helps, on top of the auto-encoders "
                             "(Table 4.3, mIoU)"), AE_LAT, AE, d43(AE_LAT, AE)),
        ("components_help", ("the latent noise helps, on top of both (Table 4.3, mIoU)"), PI,
         AE_LAT, d43(PI, AE_LAT)),
    ]
    return [dict(claim_key=k, claim=c, a=(a, runs[a]), b=(b, runs[b]), direction="D->S",
                 measure="mean_iou", paper_effect=e, check_b=False) for k, c, a, b, e in rows]


def baseline_claims(runs: Mapping[str, Sequence[Run | None]],
                    baselines: Mapping[str, Sequence[Run | None]]) -> list[dict[str, Any]]:
    """Section 4.6.2's "the direct combination (D -> S) with M&MNet outperforms all baselines
    significantly (Table 4.4)" and "M&MNets outperform both baseline methods on all five
    evaluation metrics (Table 4.5)", against each baseline of :func:`baseline_runs`, as keyword
    arguments of :func:`verdict` (less the seeds' baselines): M&MNets with pooling indices
    against the baseline on depth -> segmentation mIoU and segmentation -> depth RMSE (log), the
    thesis's differences of the same rows beside them. Both models must pass the sanity check:
    a baseline is a working translator, not an ablation. ``baselines`` may hold the StarGANs of
    :func:`stargan_runs` too (any label of :data:`PAPER_ROW`)."""
    (t44, n44), (t45, n45) = paper.TABLES[dataset_of({PI: runs[PI], **baselines})]
    out = []
    for label, rs in baselines.items():
        (_, seg_key), depth_key = PAPER_ROW[label]
        seg = paper.paper_effect_mIoU("M&MNets D->S (PI)", seg_key, t44)
        depth = t45[depth_key]["rmse_log"] - t45["M&MNets S->D"]["rmse_log"]
        short = label.split(" (")[0]
        out += [dict(claim_key="zero_pair_works",
                     claim=f"M&MNets beat {short} on depth → segmentation (Table {n44}, mIoU)",
                     a=(PI, runs[PI]), b=(label, rs), direction="D->S", measure="mean_iou",
                     paper_effect=seg),
                dict(claim_key="zero_pair_works",
                     claim=(f"M&MNets beat {short} on segmentation → depth (Table {n45}, "
                            "RMSE (log))"),
                     a=(PI, runs[PI]), b=(label, rs), direction="S->D", measure="rmse_log",
                     paper_effect=depth)]
    return out


def _top_left_indices(like: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Pooling indices that point at the top-left pixel of every 2x2 window (no information
    about where the maximum was), shaped like ``like``."""
    h, w = like.shape[-2:]
    rows = torch.arange(h).mul(2).view(h, 1) * size[1]
    cols = torch.arange(w).mul(2).view(1, w)
    return (rows + cols).expand_as(like).clone()


def side_swap_scores(run: Run, scenes) -> dict[str, float]:
    """What the side information does to a stored run's unseen depth -> segmentation: the mIoU
    of ``g_S`` decoding ``f_D``'s code of the test scenes with the side information of

    * ``"f_D, same scene"``: ``f_D``'s own (the unseen translation as tested);
    * ``"f_R, same scene"``: the RGB encoder's, the encoder ``g_S`` was trained with;
    * ``"f_R, another scene"``: the RGB encoder's of the next test scene;
    * ``"none"`` (pooling indices only): every index at the top-left of its window.

    Pooling indices or skip features, whichever the run's decoders use; needs the run's stored
    parts (the book keeps them for seed 0)."""
    from i2ilib.metrics.segmentation import segmentation_scores
    from i2ilib.nets.mmnets import Latent

    side = run.config["trainer"]["side_information"]
    parts = {}
    for name in ("f_R", "f_D", "g_S"):
        from i2ilib.train.mmnets import mmnet_module_from_config

        module = mmnet_module_from_config(run.config["trainer"], name)
        state = run.generator_state()[name]
        module.load_state_dict({k: v.float() if v.is_floating_point() else v
                                for k, v in state.items()})
        parts[name] = module.eval()
    test = scenes.test
    roll = torch.roll(torch.arange(len(test["R"])), 1)
    with torch.no_grad():
        h_D, h_R = parts["f_D"](test["D"]), parts["f_R"](test["R"])

        def swap(lat: Latent, other: Latent | None, perm=None) -> Latent:
            if other is None:
                idx = tuple(_top_left_indices(i, s) for i, s in zip(lat.indices, lat.sizes))
                return lat.with_indices(idx)
            if side == "skip":
                feats = tuple(f if perm is None else f[perm] for f in other.features)
                return Latent(lat.h, lat.indices, feats, lat.sizes)
            return lat.with_indices(tuple(i if perm is None else i[perm] for i in other.indices))

        latents = {"f_D, same scene": h_D, "f_R, same scene": swap(h_D, h_R),
                   "f_R, another scene": swap(h_D, h_R, roll)}
        if side == "indices":
            latents["none"] = swap(h_D, None)
        out = {}
        for label, lat in latents.items():
            pred = parts["g_S"](lat).argmax(1)
            out[label] = float(segmentation_scores(pred, test["S"], scenes.n_classes)["mean_iou"])
    return out


def stored_side_swap(run: Run, scale: str = "book") -> dict[str, float]:
    """:func:`side_swap_scores` of a stored run on its seed's test scenes, cached beside the run
    (``side_swap.json``), so that it outlives the weights."""
    from i2ilib.results import cached_result

    seed = run.config["data"]["seed"]
    return cached_result(run, "side_swap.json", 1,
                         lambda: side_swap_scores(run, test_scenes(scale, seed)))


# --------------------------------------------------------------------------------------------
# The baselines of Tables 4.4-4.5 (Section 4.6.2, "Baselines"): 2x pix2pix and CycleGAN

#: The baselines -> the thesis's row of Table 4.4 (depth -> segmentation) and of Table 4.5
#: (segmentation -> depth); both with skip connections ("SC"), as ours.
BASELINE_PAPER_ROW: dict[str, tuple[tuple[str, str] | None, str | None]] = {
    "2x pix2pix (skip connections)": (("TABLE4_4", "2x pix2pix (SC)"), "2x pix2pix"),
    "CycleGAN (skip connections)": (("TABLE4_4", "CycleGAN (SC)"), "CycleGAN"),
}
PAPER_ROW.update(BASELINE_PAPER_ROW)  # reproduction_table() then takes the baselines too


def baseline_runs(scale: str = "book", seeds: Sequence[int] = ZERO_PAIR_SEEDS,
                  train: bool = False, results_dir=None) -> dict[str, list[Run | None]]:
    """The runs of every baseline of :data:`~i2ibook.catalogue.ZERO_PAIR_BASELINES` (label ->
    one run per seed, ``None`` where not stored); their metrics hold ``"D->S"`` and ``"S->D"``
    as M&MNets' do, so :func:`sanity_check`, :func:`comparison_table` and
    :func:`reproduction_table` take them."""
    from i2ibook.catalogue import ZERO_PAIR_BASELINES, zero_pair_baseline_run

    return {label: [get_run(partial(zero_pair_baseline_run, method=method, seed=s), scale, train,
                            results_dir=results_dir) for s in seeds]
            for label, method in ZERO_PAIR_BASELINES.items()}


# --------------------------------------------------------------------------------------------
# The StarGAN baselines of Tables 4.4-4.5 (thesis Section 4.6.2, "Baselines")

#: :data:`~i2ibook.catalogue.ZERO_PAIR_STARGANS`' labels -> their rows of Table 4.4 (depth ->
#: segmentation) and Table 4.5 (segmentation -> depth) in :mod:`i2ibook.papers.wang2018_mmnets`.
STARGAN_PAPER_ROW: dict[str, tuple[str, str]] = {
    "StarGAN unpaired (pooling indices)": ("StarGAN unpaired (PI)", "StarGAN unpaired"),
    "StarGAN paired (pooling indices)": ("StarGAN paired (PI)", "StarGAN paired"),
}


PAPER_ROW.update({label: (("TABLE4_4", seg), depth)
                  for label, (seg, depth) in STARGAN_PAPER_ROW.items()})


def stargan_paper_rows(dataset: str = "synthscenes",
                       ) -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """``{label: (Table 4.4's row, Table 4.5's row)}`` of each StarGAN baseline, as the
    thesis reports them (mIoU and global accuracy in percent; eq. 4.15's depth measures);
    Tables 4.6-4.7's for ``dataset = "sunrgbd"``."""
    (seg_t, _), (depth_t, _) = paper.TABLES[dataset]
    return {label: (seg_t[seg], depth_t[depth])
            for label, (seg, depth) in STARGAN_PAPER_ROW.items()}


def stargan_runs(label: str, scale: str = "book", seeds: Sequence[int] = ZERO_PAIR_SEEDS,
                 train: bool = False, results_dir=None) -> list[Run | None]:
    """The runs of one of :data:`~i2ibook.catalogue.ZERO_PAIR_STARGANS`, one per seed (their
    metrics have the keys of M&MNets' but for the multi-modal and side-information ones)."""
    from i2ibook.catalogue import ZERO_PAIR_STARGANS, zero_pair_stargan_run

    switches = ZERO_PAIR_STARGANS[label]
    return [get_run(partial(zero_pair_stargan_run, **switches, seed=s), scale, train,
                    results_dir=results_dir) for s in seeds]


def stargan_table(runs: Mapping[str, Sequence[Run | None]], direction: str) -> str:
    """The StarGAN baselines (mean ± std over the stored seeds) beside the thesis's numbers:
    Table 4.4 for ``"D->S"`` (global accuracy and mIoU; the thesis gives no mean class
    accuracy), Table 4.5 for ``"S->D"`` (:func:`reproduction_table`, whose rows they join)."""
    return reproduction_table(runs, direction)
