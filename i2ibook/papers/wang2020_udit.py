"""Wang, Gonzalez-Garcia, van de Weijer and Herranz, *Controlling biases and diversity in
diverse image-to-image translation*, as chapter 5 of Yaxing Wang's PhD thesis *Transferring and
Learning Representations for Image Generation and Translation* (UAB 2020)
(``../shared/papers/wang2020-thesis-transferring-learning-representations.md`` in the book's
sources): its datasets, claims and published numbers, quoted with their table and section and
never computed.

The robustness measures of Section 5.6.3 (misclassification rate, drop in confidence, ID
distance) are published only as bar charts (Figs. 5.5, 5.8, 5.9, 5.11): no number of theirs can
be quoted, only the direction (UDIT below MUNIT). Table 5.4's LPIPS uses AlexNet features on
real faces; the book's diversity is an LPIPS-style distance on its own feature network and
32 px embedded faces, so only the direction of each comparison can be set beside it. Tested in
chapter 14 (:mod:`i2ibook.chapters.ch14_udit`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Wang, Gonzalez-Garcia, van de Weijer and Herranz, Controlling biases and diversity in "
         "diverse image-to-image translation, chapter 5 of Wang 2020, Transferring and Learning "
         "Representations for Image Generation and Translation (PhD thesis, UAB)")

#: Table 5.1: the biased *training* sets (f = female, m = male, y = young, o = old, syn =
#: Synthia, txt = textured), domain A and domain B.
TABLE5_1: dict[str, tuple[str, str]] = {
    "Biased makeup": ("1400 f-makeup", "1330 m-nomakeup, 70 f-nomakeup"),
    "MORPH": ("10000 m-y, 1000 f-y", "10000 m-o, 1000 f-o"),
    "Cityscapes-Synthia": ("3000 citys-day", "3000 syn-night, 300 syn-day"),
    "Handbags-color": ("755 flat-black", "1000 txt-red, 100 flat-red"),
    "Handbags-texture": ("1256 flat-red", "1100 txt-black, 100 txt-red"),
}
#: Table 5.1's biased makeup: the share of the dominant value in the biased domain (1330 / 1400).
BIASED_MAKEUP_SHARE = 1330 / 1400

#: Table 5.4: LPIPS distance on Biased makeup (input gender, direction) -> model -> LPIPS.
TABLE5_4_LPIPS: dict[tuple[str, str], dict[str, float]] = {
    ("M", "Makeup"): {"MUNIT": 0.268, "MUNIT+PI": 0.267, "DRIT": 0.263, "UDIT": 0.192,
                      "UDIT+PI": 0.151},
    ("F", "Makeup"): {"MUNIT": 0.212, "MUNIT+PI": 0.199, "DRIT": 0.193, "UDIT": 0.154,
                      "UDIT+PI": 0.133},
    ("F", "Demakeup"): {"MUNIT": 0.297, "MUNIT+PI": 0.293, "DRIT": 0.253, "UDIT": 0.208,
                        "UDIT+PI": 0.203},
}

#: Table 5.5: classifier accuracy (%) of the reduced semantic extractor for each D.
TABLE5_5_D: tuple[int, ...] = (2, 8, 16, 32, 64, 128, 256)
TABLE5_5_ACCURACY: dict[str, tuple[float, ...]] = {
    "Scenes-daytime": (85, 87, 91, 92, 92, 95, 95),
    "Handbags-color": (96.3, 99.1, 99.0, 99.3, 98.3, 98.9, 98.4),
    "Handbags-texture": (64.2, 65.2, 66.4, 87.0, 91.3, 92.8, 95.4),
}
#: Section 5.6.6-5.6.7: the D selected for each constraint.
TABLE5_5_SELECTED: dict[str, int] = {"Scenes-daytime": 16, "Handbags-color": 8,
                                     "Handbags-texture": 32}

#: The settings the book cuts down (Sections 5.5-5.6, Tables A.13-A.18).
SETTINGS: dict[str, str] = {
    "networks": "MUNIT-style auto-encoders per domain: content encoder with three poolings "
                "(pooling indices kept), six 7x7 residual blocks, style 8, MLP 256, AdaIN "
                "decoder; one-scale discriminator of four stride-2 layers (Tables A.13-A.18)",
    "objective": "eq. 5.8: LSGAN (5.4) + lambda_x image (5.5) + lambda_c content (5.6) + "
                 "lambda_s style (5.7) reconstruction + lambda_U semantic constraint (5.3); "
                 "the weights are not published",
    "semantic extractor": "a classifier of the property u; its last convolutional features "
                          "(naive) or those reduced by a 1x1xD convolution (Section 5.5.1)",
    "diversity protocol": "LPIPS averaged over 19 random pairs of outputs for 100 inputs "
                          "(Section 5.6.3, after BicycleGAN)",
}

#: The claims the chapter tests, each quoted with its section.
CLAIMS: dict[str, str] = {
    "bias": (
        "Section 5.1: \"the input training set may be heavily biased towards males without "
        "makeup, and the output training set towards females with makeup. With such biases, the "
        "translator learns to generate female faces with makeup even when the input is a male "
        "face\""),
    "robustness": (
        "Section 5.6.4 (Fig. 5.5): \"the identity constraint clearly enhances the preservation "
        "of both wanted properties, as reflected by the substantial drop on all three "
        "robustness measures\"; Section 5.6.7: \"UDIT, instead, significantly increases the "
        "robustness to biases using a properly designed semantic constraint.\""),
    "diversity": (
        "Section 5.7: \"A properly designed semantic constraint allows for wanted diversity in "
        "the translations while preserving the desired semantic properties of the input "
        "image.\""),
    "diversity_drop": (
        "Section 5.6.4 (Table 5.4): \"UDIT models seem to be notably decreasing the LPIPS "
        "distance in comparison to MUNIT and DRIT. This makes sense since the identity "
        "constraint not only prevents unwanted bias, but it also constrains the diversity in "
        "those directions that compromise the preservation of identity.\""),
}


def table5_4_ratio(model: str = "UDIT+PI", baseline: str = "MUNIT+PI") -> dict[str, float]:
    """Table 5.4's LPIPS of ``model`` as a share of ``baseline``'s, per row (below 1: less
    diverse)."""
    return {f"{g} {d}": row[model] / row[baseline] for (g, d), row in TABLE5_4_LPIPS.items()}
