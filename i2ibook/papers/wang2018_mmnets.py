"""Wang, van de Weijer, Herranz and others, *Mix and match networks* (CVPR 2018; extended as
chapter 4 of Yaxing Wang's thesis *Transferring and Learning Representations for Image Generation
and Translation*, UAB 2020, ``../shared/papers/wang2020-thesis-transferring-learning-
representations.md`` in the book's sources): its claims and its published numbers, quoted from the
thesis and never computed. Section, table and equation numbers are the thesis's.

Tables 4.2 and 4.3 are the ablations on the 51K-triplet subset of SceneNet RGB-D (depth ->
segmentation, mIoU and global accuracy); Tables 4.4 and 4.5 compare the methods on SceneNet RGB-D
(170K triplets). Table 4.4 prints per-class IoU, mIoU and global accuracy (no mean class
accuracy); Table 4.5 prints the depth errors of eq. 4.15. Tables 4.6 and 4.7 are the same
comparisons on SUN RGB-D's real frames (Section 4.6.3: 2 x 5K training pairs, 335 test
triplets, 13 classes), the paper-scale data of the book. Tested in chapter 13
(:mod:`i2ibook.chapters.ch13_zero_pair`).
"""

from __future__ import annotations

#: The work, as the book cites it.
PAPER = ("Wang, van de Weijer and Herranz 2018, Mix and match networks: encoder-decoder "
         "alignment for zero-pair image translation (CVPR); thesis of Y. Wang 2020, chapter 4")

#: Table 4.2: side information and RGB pretraining, depth -> segmentation on SceneNet RGB-D
#: (51K): ``(side information, pretrained RGB encoder) -> {"mIoU", "global"}`` (percent).
TABLE4_2: dict[tuple[str, bool], dict[str, float]] = {
    ("none", False): {"mIoU": 29.8, "global": 61.6},
    ("skip", False): {"mIoU": 12.7, "global": 50.1},
    ("indices", False): {"mIoU": 43.2, "global": 73.5},
    ("indices", True): {"mIoU": 46.7, "global": 78.4},
}

#: Table 4.3: the components, switched on one after the other, depth -> segmentation on
#: SceneNet RGB-D (51K): ``(autoencoders, latent consistency, noise, pseudo-pairs) ->
#: {"mIoU", "global"}`` (percent).
TABLE4_3: dict[tuple[bool, bool, bool, bool], dict[str, float]] = {
    (False, False, False, False): {"mIoU": 6.48, "global": 15.7},
    (True, False, False, False): {"mIoU": 20.3, "global": 49.4},
    (True, True, False, False): {"mIoU": 45.8, "global": 76.9},
    (True, True, True, False): {"mIoU": 46.7, "global": 78.4},
    (True, True, True, True): {"mIoU": 49.2, "global": 80.5},
}

#: Table 4.4: depth -> segmentation on SceneNet RGB-D, ``method -> {"mIoU", "global"}``
#: (percent; the per-class IoUs are not quoted). "SC": skip connections, "PI": pooling indices.
TABLE4_4: dict[str, dict[str, float]] = {
    "CycleGAN (SC)": {"mIoU": 6.34, "global": 14.2},
    "2x pix2pix (SC)": {"mIoU": 25.4, "global": 57.6},
    "StarGAN unpaired (PI)": {"mIoU": 7.21, "global": 10.7},
    "StarGAN paired (PI)": {"mIoU": 8.62, "global": 14.1},
    "M&MNets D->R->S (PI)": {"mIoU": 5.96, "global": 32.3},
    "M&MNets D->R->S (SC)": {"mIoU": 24.7, "global": 59.7},
    "M&MNets D->S (PI)": {"mIoU": 55.4, "global": 80.4},
    "M&MNets+PP D->S (PI)": {"mIoU": 60.1, "global": 82.2},
    "M&MNets (R,D)->S (PI)": {"mIoU": 57.1, "global": 81.2},
    "M&MNets+PP (R,D)->S (PI)": {"mIoU": 62.2, "global": 83.5},
    "Oracle D->S (PI)": {"mIoU": 61.2, "global": 83.4},
    "Oracle (R,D)->S (PI)": {"mIoU": 65.7, "global": 84.0},
}

#: Table 4.5: segmentation -> depth on SceneNet RGB-D, ``method -> {"delta1", "delta2",
#: "delta3", "rmse", "rmse_log"}`` (delta thresholds 1.25, 1.25^2, 1.25^3; RMSE linear and log).
TABLE4_5: dict[str, dict[str, float]] = {
    "CycleGAN": {"delta1": 0.05, "delta2": 0.12, "delta3": 0.20, "rmse": 4.63, "rmse_log": 1.98},
    "2x pix2pix": {"delta1": 0.14, "delta2": 0.31, "delta3": 0.46, "rmse": 3.14,
                   "rmse_log": 1.28},
    "StarGAN unpaired": {"delta1": 0.05, "delta2": 0.14, "delta3": 0.23, "rmse": 4.60,
                         "rmse_log": 1.96},
    "StarGAN paired": {"delta1": 0.07, "delta2": 0.15, "delta3": 0.26, "rmse": 4.58,
                       "rmse_log": 1.94},
    "M&MNets S->R->D": {"delta1": 0.15, "delta2": 0.30, "delta3": 0.44, "rmse": 3.24,
                        "rmse_log": 1.24},
    "M&MNets S->D": {"delta1": 0.33, "delta2": 0.42, "delta3": 0.59, "rmse": 2.80,
                     "rmse_log": 0.67},
    "M&MNets+PP S->D": {"delta1": 0.42, "delta2": 0.61, "delta3": 0.79, "rmse": 2.24,
                        "rmse_log": 0.60},
    "M&MNets (R,S)->D": {"delta1": 0.36, "delta2": 0.48, "delta3": 0.65, "rmse": 2.48,
                         "rmse_log": 0.64},
    "M&MNets+PP (R,S)->D": {"delta1": 0.47, "delta2": 0.69, "delta3": 0.81, "rmse": 1.98,
                            "rmse_log": 0.49},
    "Oracle S->D": {"delta1": 0.49, "delta2": 0.72, "delta3": 0.85, "rmse": 1.94,
                    "rmse_log": 0.43},
    "Oracle (R,S)->D": {"delta1": 0.51, "delta2": 0.76, "delta3": 0.90, "rmse": 1.79,
                        "rmse_log": 0.29},
}

#: Table 4.6: depth -> segmentation on SUN RGB-D, the rows of :data:`TABLE4_4` (percent).
TABLE4_6: dict[str, dict[str, float]] = {
    "CycleGAN (SC)": {"mIoU": 11.1, "global": 26.3},
    "2x pix2pix (SC)": {"mIoU": 20.5, "global": 38.6},
    "StarGAN unpaired (PI)": {"mIoU": 9.69, "global": 20.6},
    "StarGAN paired (PI)": {"mIoU": 10.8, "global": 23.8},
    "M&MNets D->R->S (PI)": {"mIoU": 8.12, "global": 22.8},
    "M&MNets D->R->S (SC)": {"mIoU": 21.9, "global": 40.6},
    "M&MNets D->S (PI)": {"mIoU": 28.1, "global": 51.8},
    "M&MNets+PP D->S (PI)": {"mIoU": 30.2, "global": 54.2},
    "M&MNets (R,D)->S (PI)": {"mIoU": 39.4, "global": 58.8},
    "M&MNets+PP (R,D)->S (PI)": {"mIoU": 41.1, "global": 59.8},
    "Oracle D->S (PI)": {"mIoU": 35.1, "global": 62.3},
    "Oracle (R,D)->S (PI)": {"mIoU": 43.3, "global": 62.5},
}

#: Table 4.6's per-class IoU (percent) of the zero-pair and oracle rows, in the order of
#: :data:`i2ilib.data.sunrgbd.NYU13_CLASSES` (bed, books, ceiling, chair, floor, furniture,
#: objects, picture, sofa, table, tv, wall, window).
TABLE4_6_CLASS_IOU: dict[str, tuple[float, ...]] = {
    "M&MNets D->S (PI)": (28.4, 2.90, 22.6, 41.9, 71.6, 14.1, 25.1, 17.8, 11.8, 49.7, 0.08,
                          64.2, 15.5),
    "M&MNets+PP D->S (PI)": (29.8, 4.52, 28.5, 44.1, 73.3, 17.2, 27.5, 20.1, 9.81, 53.4, 0.14,
                             67.5, 17.9),
    "Oracle D->S (PI)": (32.6, 8.01, 36.5, 56.8, 84.7, 20.4, 31.4, 19.7, 8.75, 61.7, 1.60, 72.1,
                         21.2),
}

#: Table 4.7: segmentation -> depth on SUN RGB-D, the rows of :data:`TABLE4_5`.
TABLE4_7: dict[str, dict[str, float]] = {
    "CycleGAN": {"delta1": 0.06, "delta2": 0.13, "delta3": 0.24, "rmse": 4.80, "rmse_log": 1.57},
    "2x pix2pix": {"delta1": 0.13, "delta2": 0.34, "delta3": 0.59, "rmse": 3.80,
                   "rmse_log": 1.30},
    "StarGAN unpaired": {"delta1": 0.06, "delta2": 0.12, "delta3": 0.22, "rmse": 5.04,
                         "rmse_log": 1.59},
    "StarGAN paired": {"delta1": 0.07, "delta2": 0.15, "delta3": 0.27, "rmse": 4.60,
                       "rmse_log": 1.55},
    "M&MNets S->R->D": {"delta1": 0.12, "delta2": 0.35, "delta3": 0.62, "rmse": 3.90,
                        "rmse_log": 1.36},
    "M&MNets S->D": {"delta1": 0.45, "delta2": 0.66, "delta3": 0.78, "rmse": 1.75,
                     "rmse_log": 0.53},
    "M&MNets+PP S->D": {"delta1": 0.49, "delta2": 0.77, "delta3": 0.90, "rmse": 1.42,
                        "rmse_log": 0.37},
    "M&MNets (R,S)->D": {"delta1": 0.53, "delta2": 0.80, "delta3": 0.92, "rmse": 1.63,
                         "rmse_log": 0.35},
    "M&MNets+PP (R,S)->D": {"delta1": 0.56, "delta2": 0.83, "delta3": 0.93, "rmse": 1.33,
                            "rmse_log": 0.34},
    "Oracle S->D": {"delta1": 0.61, "delta2": 0.88, "delta3": 0.97, "rmse": 1.20,
                    "rmse_log": 0.30},
    "Oracle (R,S)->D": {"delta1": 0.64, "delta2": 0.92, "delta3": 0.98, "rmse": 0.98,
                        "rmse_log": 0.27},
}

#: The comparison tables of each dataset: ``dataset -> ((segmentation table, its number),
#: (depth table, its number))``. SynthScenes, the book's data, stands in for the synthetic
#: SceneNet RGB-D of Tables 4.4-4.5; SUN RGB-D is compared with Tables 4.6-4.7.
TABLES: dict[str, tuple[tuple[dict[str, dict[str, float]], str],
                        tuple[dict[str, dict[str, float]], str]]] = {
    "synthscenes": ((TABLE4_4, "4.4"), (TABLE4_5, "4.5")),
    "sunrgbd": ((TABLE4_6, "4.6"), (TABLE4_7, "4.7")),
}

#: The training schedule of Section 4.6.1 ("Network training").
SCHEDULE = {"batch_size": 6, "lr": 2e-4, "stage1_iterations": 200_000,
            "stage2_iterations": 200_000, "stage3_iterations": 100_000, "lr_stage3": 2e-5,
            "noise_std": 0.5, "image_size": "320x240 (SceneNet RGB-D)",
            "train_triplets": 150_000, "ablation_triplets": 51_000}

#: The claims the chapter tests, in the thesis's words, with the section they are quoted from.
CLAIMS: dict[str, str] = {
    "indices_beat_skip": (
        "Section 4.6.2, Side information: skip connections obtain worse results than no side "
        "information at all [...] In contrast, pooling indices provide a significant boost over "
        "no side information (Table 4.2)"),
    "skip_conditioned_on_seen": (
        "Section 4.6.2: side information makes the decoder(s) conditioned on the seen "
        "encoder(s). This is problematic for unseen translations because the features passed "
        "through skip connections are different from those seen by the decoder during "
        "training"),
    "skip_worse_than_none": (
        "Section 4.6.2, Side information: skip connections obtain worse results than no side "
        "information at all (Table 4.2)"),
    "components_help": (
        "Section 4.6.2, Latent space consistency, noise and autoencoders: latent space "
        "consistency and the usage of autoencoders lead to significant performance gains; for "
        "both, the performance (in mIoU) is more than doubled. Adding noise to the output of "
        "the encoder results in a small performance gain (Table 4.3)"),
    "pseudo_pairs_help": (
        "Section 4.6.2, Pseudo-pairs: a significant gain of almost 3% in mIoU and a more "
        "moderate gain in global accuracy (Table 4.3); Table 4.5: the variant with "
        "pseudo-pairs obtains the best results"),
    "oracle_upper_bound": (
        "Section 4.6.2: Oracle is the upper bound obtained by training a translation fully "
        "supervised with paired data (Tables 4.4-4.5)"),
    "zero_pair_works": (
        "Section 4.6.2: The direct combination (D -> S) with M&MNet outperforms all baselines "
        "significantly (Table 4.4); M&MNetS outperform both baseline methods on all five "
        "evaluation metrics (Table 4.5)"),
}


def paper_effect_mIoU(better: str, worse: str, table: dict = TABLE4_4) -> float:
    """``better - worse`` in mIoU of a table of depth -> segmentation rows, as a share (the
    verdicts' unit "points")."""
    return (table[better]["mIoU"] - table[worse]["mIoU"]) / 100
