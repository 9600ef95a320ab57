"""Wang, Wu, Herranz, van de Weijer, Gonzalez-Garcia and Raducanu, *Transferring GANs:
generating images from limited data* (ECCV 2018), as chapter 2 of Yaxing Wang's PhD thesis
*Transferring and Learning Representations for Image Generation and Translation* (UAB 2020)
presents it (``../shared/papers/wang2020-thesis-transferring-learning-representations.md`` in the
book's sources): its claims and its published numbers, quoted with their table and section and
never computed.

FID is computed on Inception features of 64x64 images and IW by an independent WGAN-GP critic
(eq. 2.6); the thesis prints IW negated ("the higher the better"). The book's FD is on its own
feature network (``synthcnn-v1-d192``) and its images are 32 px embedded ones, so only the
*direction* of each comparison can be set beside the thesis, never a value. Tested in chapter 11
(:mod:`i2ibook.chapters.ch11_transfer_gans`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Wang et al. 2018, Transferring GANs: generating images from limited data (ECCV), "
         "chapter 2 of Wang 2020, Transferring and Learning Representations for Image "
         "Generation and Translation (PhD thesis, UAB)")

#: Section 2.3.3, "Implementation details", and Section 2.3.4: the settings the book cuts down.
SETTINGS: dict[str, str] = {
    "image size": "64x64",
    "architecture": "WGAN-GP ResNet: one fully connected layer, four residual blocks and one "
                    "convolution (generator); the same for the critic",
    "source training": "batch 128, 50K iterations (10K for CelebA), Adam, learning rate 1e-4",
    "fine-tuning": "batch 64, learning rate 1e-4 (1e-5 for 1K target samples)",
    "Table 2.1 schedule": "source 50K iterations, target (additional) 40K iterations",
    "Table 2.1 data": "ImageNet as source, 100K images of LSUN Bedrooms as target",
}

#: Table 2.1: FID / IW for the four initialisations (source ImageNet, target LSUN Bedrooms,
#: 100K images); keys ``(generator, critic)``, each ``"scratch"`` or ``"pretrained"``. IW as the
#: thesis prints it (negated: higher is better).
TABLE2_1_FID: dict[tuple[str, str], float] = {
    ("scratch", "scratch"): 32.87, ("scratch", "pretrained"): 30.57,
    ("pretrained", "scratch"): 56.16, ("pretrained", "pretrained"): 24.35}
TABLE2_1_IW: dict[tuple[str, str], float] = {
    ("scratch", "scratch"): -4.27, ("scratch", "pretrained"): -4.02,
    ("pretrained", "scratch"): -6.35, ("pretrained", "pretrained"): -3.88}

#: Table 2.2: FID / IW by the number of target images (LSUN Bedrooms, source ImageNet).
TABLE2_2: dict[str, dict[str, tuple[float, float]]] = {
    "From scratch": {"1K": (256.1, -33.3), "5K": (86.0, -18.5), "10K": (73.7, -15.3),
                     "50K": (45.5, -7.4), "100K": (32.9, -4.3), "500K": (24.9, -3.6),
                     "1M": (21.0, -2.9)},
    "Pre-trained": {"1K": (93.4, -22.5), "5K": (74.3, -16.3), "10K": (47.0, -7.0),
                    "50K": (29.6, -4.56), "100K": (24.4, -4.0), "500K": (21.6, -3.2),
                    "1M": (18.5, -2.8)},
}

#: Table 2.4: FID / IW of target generated data, by target (rows) and source (columns).
TABLE2_4: dict[str, dict[str, tuple[float, float]]] = {
    "Flowers": {"Scratch": (71.98, -13.62), "ImageNet": (54.04, -3.09),
                "Places": (66.25, -5.97), "Bedrooms": (56.12, -5.90), "CelebA": (67.96, -12.64)},
    "Kitchens": {"Scratch": (42.43, -7.79), "ImageNet": (34.35, -4.45),
                 "Places": (34.59, -2.92), "Bedrooms": (28.54, -3.06), "CelebA": (38.41, -4.98)},
    "LFW": {"Scratch": (19.36, -8.62), "ImageNet": (9.65, -5.17), "Places": (15.02, -6.61),
            "Bedrooms": (7.45, -3.61), "CelebA": (7.16, -3.45)},
    "Cityscapes": {"Scratch": (155.68, -9.32), "ImageNet": (122.46, -9.00),
                   "Places": (151.34, -8.94), "Bedrooms": (123.21, -8.44),
                   "CelebA": (130.64, -6.40)},
}

#: Table 2.5 (top): FID between the source GAN's samples and the target's real data.
TABLE2_5_SOURCE_GEN_TO_TARGET: dict[str, dict[str, float]] = {
    "Flowers": {"ImageNet": 237.04, "Places": 251.93, "Bedrooms": 278.80, "CelebA": 284.74},
    "Kitchens": {"ImageNet": 183.27, "Places": 180.63, "Bedrooms": 70.06, "CelebA": 254.12},
    "LFW": {"ImageNet": 333.54, "Places": 333.38, "Bedrooms": 329.92, "CelebA": 151.46},
    "Cityscapes": {"ImageNet": 233.45, "Places": 181.72, "Bedrooms": 227.53, "CelebA": 292.66},
}

#: Table 2.5 (bottom): FID between each source GAN's samples and its own real data.
TABLE2_5_SOURCE_GEN_TO_SOURCE: dict[str, float] = {
    "ImageNet": 63.46, "Places": 55.66, "Bedrooms": 17.30, "CelebA": 75.84}

#: Table A.1 (Appendix A.1.1): FID between the source's real data and the target's real data.
TABLE_A1_SOURCE_DATA_TO_TARGET: dict[str, dict[str, float]] = {
    "Flowers": {"ImageNet": 187.52, "Places": 292.36, "Bedrooms": 270.09, "CelebA": 317.21},
    "Kitchens": {"ImageNet": 139.81, "Places": 99.88, "Bedrooms": 66.54, "CelebA": 311.06},
    "LFW": {"ImageNet": 266.50, "Places": 326.76, "Bedrooms": 318.98, "CelebA": 44.12},
    "Cityscapes": {"ImageNet": 205.04, "Places": 143.55, "Bedrooms": 221.65, "CelebA": 349.28},
}

#: Table 2.6 (columns "Avg." and "All"): AC-GAN per-class mean FID and class-agnostic FID,
#: source Places, target the ten LSUN classes, by initialisation and iteration.
TABLE2_6_AVG_ALL: dict[tuple[str, int], tuple[float, float]] = {
    ("Scratch", 250): (319.0, 352.4), ("Scratch", 2500): (168.4, 137.3),
    ("Scratch", 25000): (67.2, 49.6), ("Pre-trained", 250): (142.9, 107.2),
    ("Pre-trained", 2500): (99.9, 74.8), ("Pre-trained", 25000): (55.0, 42.7)}

#: Table 2.7 (columns "Avg." accuracy in % and FID): AC-GAN by images per class.
TABLE2_7_AVG_FID: dict[tuple[str, str], tuple[float, float]] = {
    ("100/class", "scratch"): (40.4, 162.9), ("100/class", "pre-trained"): (45.4, 119.1),
    ("1K/class", "scratch"): (52.7, 117.3), ("1K/class", "pre-trained"): (65.9, 77.5),
    ("10K/class", "scratch"): (88.7, 49.6), ("10K/class", "pre-trained"): (90.8, 42.7)}

#: The claims the chapter tests, each quoted with its section.
CLAIMS: dict[str, str] = {
    "critic_matters_more": (
        "Section 2.3.4: \"Interestingly, we found that transferring the discriminator is more "
        "critical than transferring the generator. The former helps to improve the results in "
        "both FID and IW metrics, while the latter only helps if the discriminator was already "
        "transferred, otherwise harming the performance. Transferring both obtains the best "
        "result.\""),
    "faster": (
        "Section 2.3.4 (Fig. 2.1): \"Networks adapted from a pre-trained model can generate "
        "images of given scores in significantly fewer iterations. Training from scratch for a "
        "long time manages to reduce this gap significantly\""),
    "limited_data": (
        "Section 2.3.5: \"Intializing with the pre-trained GAN helps to improve the results in "
        "all cases, being more significant as the target data is more limited.\""),
    "lower_bound": (
        "Section 2.3.5: \"in order to have a lower bound we also measured the FID between the "
        "specific subset used as training data and the full dataset. [...] The difference with "
        "the lower bound is still large\""),
    "pretrained_sources": (
        "Section 2.3.6: \"We pre-trained GANs for the four source datasets and then trained five "
        "GANs for each of the four target datasets (from scratch and initialized with each of "
        "the source GANs). [...] Pre-trained GANs achieve significantly better results.\""),
    "related_source": (
        "Section 2.3.6: \"As expected, CelebA is the best source for LFW, since both contain "
        "faces (with different scales though)\""),
    "source_choice": (
        "Section 2.3.7: \"the FID between source generated and target real data is a rough "
        "indicator of suitability rather than accurate metric\""),
    "conditional": (
        "Section 2.4.2 (Fig. 2.5): \"the network initialized with pre-trained weights converges "
        "faster than the network trained from scratch, and the overall performance is better\""),
}


def table2_1_ranking() -> list[tuple[str, str]]:
    """The four initialisations of Table 2.1 from best to worst FID."""
    return sorted(TABLE2_1_FID, key=TABLE2_1_FID.get)


def closer_source_hits(table_final: dict[str, dict[str, tuple[float, float]]] = TABLE2_4,
                       table_distance: dict[str, dict[str, float]] | None = None
                       ) -> tuple[int, int]:
    """How often, over the thesis's targets and pairs of sources, the source that Table 2.5
    (or ``table_distance``, e.g. Table A.1) puts closer to the target also has the lower FID
    after fine-tuning (Table 2.4): ``(hits, pairs)``."""
    from itertools import combinations

    distance = TABLE2_5_SOURCE_GEN_TO_TARGET if table_distance is None else table_distance
    hits = pairs = 0
    for target, by_source in distance.items():
        for a, b in combinations(sorted(by_source), 2):
            closer, farther = (a, b) if by_source[a] < by_source[b] else (b, a)
            hits += table_final[target][closer][0] < table_final[target][farther][0]
            pairs += 1
    return hits, pairs

