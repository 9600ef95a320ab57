"""Chapter 05: the UCSD report's ablations (Tables 1-2, Sec. 7) judged on the stored runs.

The chapter's notebook trains or loads the runs (:func:`i2ibook.catalogue.ablation_paired_run`,
:func:`i2ibook.catalogue.ablation_unpaired_run`) and measures them; :func:`claims` turns those
measurements into one :class:`~i2ibook.verdicts.Verdict` per claim of the report
(:mod:`i2ibook.papers.ucsd_report`), each with the rule written in its code:

- a difference counts only where :func:`~i2ibook.verdicts.compare_means` sees it beyond the
  seed spread ("better" / "worse"; otherwise "tie");
- "reproduced" needs every comparison the claim makes to go its way, "partly reproduced" some
  and none against it, "not reproduced" the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from i2ibook.papers.ucsd_report import (
    CLAIM_L1_BEST,
    CLAIM_L1_CYCLE_BEST,
    CLAIM_NO_SKIP_COLLAPSES,
    CLAIM_PAIRED_BEATS_UNPAIRED,
    CLAIM_SMALL_PATCH_SHARPER,
)
from i2ibook.verdicts import Verdict, compare_means, fmt_mean_std

#: ``values(variant, *keys)``: one number per seed, read from each run's ``metrics["A->B"]``.
Values = Callable[..., list[float]]


def _versus(result: str, other: str) -> str:
    return f"tied with {other}" if result == "tie" else f"{result} than {other}"


def _word(results: Sequence[str]) -> str:
    if all(r == "better" for r in results):
        return "reproduced"
    return "partly reproduced" if "worse" not in results else "not reproduced"


def claims(values: Values, paired: Sequence[str], unpaired: Sequence[str],
           stats: Mapping[str, Mapping[str, Sequence[float]]],
           longer_cyclegan: Mapping[str, Any]) -> list[Verdict]:
    """The report's five claims, judged.

    Args:
        values: ``values(variant, *keys)`` -> per-seed numbers (e.g. ``("fd",)``,
            ``("fcn", "pixel_acc")``).
        paired: Table 1's variants, starting with ``"L1"``.
        unpaired: Table 2's variants, starting with ``"L1 cycle"``.
        stats: ``{variant: {"contrast": [...], "sharpness": [...]}}`` per seed.
        longer_cyclegan: chapter 04's CycleGAN scored on the same test scenes (``fd`` and
            ``fcn.pixel_acc``), quoted in the evidence of the paired-vs-unpaired claim.
    """
    verdicts = []
    fd = {v: values(v, "fd") for v in paired}

    # 1. "L1 loss experiment seems to perform the best" (Table 1 caption)
    vs_l1 = {v: compare_means(fd["L1"], fd[v], higher_is_better=False) for v in paired
             if v != "L1"}
    n_better = sum(r == "better" for r in vs_l1.values())
    word = ("reproduced" if n_better == len(vs_l1) else
            "partly reproduced" if "worse" not in vs_l1.values() else "not reproduced")
    verdicts.append(Verdict(CLAIM_L1_BEST, word, "FD of L1 vs the others: " + ", ".join(
        _versus(r, v) for v, r in vs_l1.items()) + "."))

    # 2. The U-Net without skips collapses (Table 1: precision 0.03, recall 0.01)
    threshold = 0.5 * float(np.mean(values("L1", "recall")))
    noskip = values("U-Net without skips", "recall")
    k = sum(r < threshold for r in noskip)
    word = "reproduced" if k == len(noskip) else "partly reproduced" if k else "not reproduced"
    verdicts.append(Verdict(CLAIM_NO_SKIP_COLLAPSES, word,
        f"recall below half of the skip U-Net's ({threshold:.2f}) in {k} of {len(noskip)} seeds "
        f"({', '.join(f'{r:.3f}' for r in noskip)}); FCN pixel acc. "
        f"{fmt_mean_std(values('U-Net without skips', 'fcn', 'pixel_acc'))} vs "
        f"{fmt_mean_std(values('L1', 'fcn', 'pixel_acc'))} with skips."))

    # 3. "a smaller patch size enforces the generator to generate images with more contrast and
    #    sharp edges" (Sec. 7): PatchGAN 16 against the large one
    c = compare_means(stats["PatchGAN 16"]["contrast"], stats["PatchGAN large"]["contrast"], True)
    s = compare_means(stats["PatchGAN 16"]["sharpness"], stats["PatchGAN large"]["sharpness"],
                      True)
    word = {2: "reproduced", 1: "partly reproduced", 0: "not reproduced"}[
        (c == "better") + (s == "better")]
    verdicts.append(Verdict(CLAIM_SMALL_PATCH_SHARPER, word,
                            f"PatchGAN 16 vs large: contrast {c}, sharpness {s}."))

    # 4. "the paired task experiments result in better images than the unpaired task" (Sec. 7)
    measures = {"precision": ("precision", True), "recall": ("recall", True),
                "FD": ("fd", False), "L1 to truth": ("l1", False)}
    wins = {label: compare_means(values("L1", k), values("L1 cycle", k), hib)
            for label, (k, hib) in measures.items()}
    wins["FCN-score"] = compare_means(values("L1", "fcn", "pixel_acc"),
                                      values("L1 cycle", "fcn", "pixel_acc"), True)
    word = ("reproduced" if all(w == "better" for w in wins.values()) else
            "partly reproduced" if "better" in wins.values() else "not reproduced")
    verdicts.append(Verdict(CLAIM_PAIRED_BEATS_UNPAIRED, word,
        "pix2pix vs CycleGAN: " + ", ".join(f"{k} {w}" for k, w in wins.items())
        + f"; chapter 04's longer-trained CycleGAN: FD {longer_cyclegan['fd']:.2f}, "
          f"FCN pixel acc. {longer_cyclegan['fcn']['pixel_acc']:.3f}."))

    # 5. "The results with L1 cyclic loss seem to dominate the performance with lower FID"
    #    (Table 2)
    fd_u = {v: values(v, "fd") for v in unpaired}
    vs = {v: compare_means(fd_u["L1 cycle"], fd_u[v], higher_is_better=False)
          for v in unpaired[1:]}
    verdicts.append(Verdict(CLAIM_L1_CYCLE_BEST, _word(list(vs.values())),
        "FD of L1 cycle vs the others: " + ", ".join(_versus(r, v) for v, r in vs.items()) + "."))
    return verdicts
