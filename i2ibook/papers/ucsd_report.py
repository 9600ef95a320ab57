"""Kumar, Singh and Satyadharma, *Paired and Unpaired Image to Image Translation* (UCSD course
report): its published numbers and claims, quoted from the report
(``../shared/papers/ucsd-paired-unpaired-report.md`` in the book's sources) and never computed.

Chapter 05 (:mod:`i2ibook.chapters.ch05_ablations`) tests them at book scale.
"""

from __future__ import annotations

#: The report, as the book cites it.
PAPER = "Kumar, Singh and Satyadharma, Paired and Unpaired Image to Image Translation (UCSD)"

#: Table 1, Cityscapes columns: precision, recall and FID (Inception features, 256 px, one run
#: each) of pix2pix with each change. "PatchGAN large" is the report's 286x286 PatchGAN.
TABLE1_CITYSCAPES: dict[str, tuple[float, float, float]] = {
    "L1": (0.52, 0.32, 100.52), "L2": (0.59, 0.30, 115.31), "0.5 L1 + 0.5 L2": (0.61, 0.19, 108.70),
    "PatchGAN 16": (0.19, 0.23, 147.51), "PatchGAN large": (0.48, 0.19, 154.22),
    "U-Net without skips": (0.03, 0.01, 340.10),
}
TABLE1_COLUMNS = ("precision", "recall", "FID")

#: Table 2: FID of CycleGAN with each cycle-consistency loss, on Maps, Facades and Horse2Zebra.
TABLE2_FID: dict[str, tuple[float, float, float]] = {
    "L1 cycle": (235.67, 166.12, 204.09), "L2 cycle": (245.76, 205.95, 245.89),
    "0.5 L1 + 0.5 L2 cycle": (298.45, 187.34, 211.78),
}
TABLE2_DATASETS = ("Maps", "Facades", "Horse2Zebra")

#: The claims chapter 05 judges, in the report's words where it has them.
CLAIM_L1_BEST = "L1 performs best (Table 1)"
CLAIM_NO_SKIP_COLLAPSES = "Without skips the U-Net collapses (Table 1)"
CLAIM_SMALL_PATCH_SHARPER = "Smaller patch: more contrast, sharper edges (Sec. 7)"
CLAIM_PAIRED_BEATS_UNPAIRED = "Paired beats unpaired (Sec. 7)"
CLAIM_L1_CYCLE_BEST = "L1 cycle loss gives the lowest FID (Table 2)"
