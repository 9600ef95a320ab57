"""Wang, Gonzalez-Garcia, Berga, Herranz, Khan and van de Weijer, *MineGAN: effective knowledge
transfer from GANs to target domains with few images* (CVPR 2020), as chapter 3 of Yaxing
Wang's PhD thesis *Transferring and Learning Representations for Image Generation and
Translation* (UAB 2020) presents it (``../shared/papers/wang2020-thesis-transferring-learning-
representations.md`` in the book's sources): its claims and its published numbers, quoted with
their table and section and never computed.

FID is computed on Inception features of the thesis's images (1024 px faces, 256 px vehicles,
28 px digits); the book's FD is on its own feature network (``synthcnn-v1-d192``) and 32 px
embedded faces, so only the *direction* of each comparison can be set beside the thesis, never a
value. Tested in chapter 12 (:mod:`i2ibook.chapters.ch12_minegan`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Wang et al. 2020, MineGAN: effective knowledge transfer from GANs to target domains "
         "with few images (CVPR), chapter 3 of Wang 2020, Transferring and Learning "
         "Representations for Image Generation and Translation (PhD thesis, UAB)")

#: Sections 3.3-3.4 and Appendix A.2.1: the settings the book cuts down.
SETTINGS: dict[str, str] = {
    "miner": "four fully connected layers (two on MNIST), Section 3.4; Gaussian initialisation",
    "stages": "stage 1 trains the miner and the critic with G fixed (eqs. 3.3-3.4); stage 2 "
              "fine-tunes miner, generator and critic (Section 3.3.4)",
    "multiple GANs": "K supersamples per minibatch, one image per generator; only the image "
                     "with the highest critic value enters the losses (eqs. 3.5-3.6); p_i is "
                     "the share of arg-max wins over the last 1000 minibatches",
    "faces": "Progressive GAN trained on CelebA; targets FFHQ women (on-manifold) and FFHQ "
             "children (off-manifold), 1024x1024, Adam lr 0.0015, batch 4 (Appendix A.2.1)",
    "BSA comparison": "SNGAN from ImageNet to 25 images of FFHQ / Anime Face, 128x128",
}

#: Table 3.1 (top): FID for {Car, Bus} -> red vehicles with car:bus ratios 0.3:0.7, 0.5:0.5 and
#: 0.7:0.3 (200 target images), and {Living room, Bridge, Church, Kitchen} -> Tower / Bedroom.
TABLE3_1_FID: dict[str, dict[str, tuple[float, ...]]] = {
    "Scratch": {"Red vehicle": (190, 185, 196), "Tower": (176,), "Bedroom": (181,)},
    "TransferGAN (car)": {"Red vehicle": (76.9, 72.4, 75.6)},
    "TransferGAN (bus)": {"Red vehicle": (72.8, 71.3, 73.5)},
    "TransferGAN (livingroom)": {"Tower": (78.9,), "Bedroom": (65.4,)},
    "TransferGAN (church)": {"Tower": (73.8,), "Bedroom": (71.5,)},
    "MineGAN (w/o FT)": {"Red vehicle": (67.3, 65.9, 65.8), "Tower": (69.2,),
                         "Bedroom": (58.9,)},
    "MineGAN": {"Red vehicle": (61.2, 59.4, 61.5), "Tower": (62.4,), "Bedroom": (54.7,)},
}
#: Table 3.1 (bottom): the selector's estimated p_i.
TABLE3_1_P: dict[str, dict[str, tuple[float, ...]]] = {
    "Car": {"Red vehicle": (0.34, 0.48, 0.64)}, "Bus": {"Red vehicle": (0.66, 0.52, 0.36)},
    "Living room": {"Tower": (0.07,), "Bedroom": (0.45,)},
    "Kitchen": {"Tower": (0.06,), "Bedroom": (0.40,)},
    "Bridge": {"Tower": (0.42,), "Bedroom": (0.08,)},
    "Church": {"Tower": (0.45,), "Bedroom": (0.07,)},
}
#: The car shares of the three red-vehicle targets of Table 3.1.
TABLE3_1_CAR_SHARES = (0.3, 0.5, 0.7)

#: Table A.2 (row "Average"): mining on MNIST, FID / classifier error (%), |z| = 128.
TABLEA_2_AVERAGE: dict[tuple[str, str], tuple[float, float]] = {
    ("on-manifold", "unconditional"): (13.5, 5.7), ("on-manifold", "conditional"): (13.1, 2.2),
    ("off-manifold", "unconditional"): (21.5, 6.0), ("off-manifold", "conditional"): (16.2, 3.2)}

#: The claims the chapter tests, each quoted with its section.
CLAIMS: dict[str, str] = {
    "outperforms": (
        "Section 3.4.1: \"The proposed MineGAN framework outperforms all baselines. For the "
        "on-manifold experiment, MineGAN already outperforms the other baselines, and results "
        "are further improved with additional finetuning.\""),
    "overfitting": (
        "Section 3.4.1: \"Training the model from scratch results in overfitting. Also "
        "TransferGAN sometimes suffers from overfitting. MineGAN, in contrast, generates "
        "high-quality images without overfitting to the target domain.\""),
    "bsa": (
        "Section 3.4.1: \"Compared to BSA, MineGAN (w/o FT) obtains similar KMMD scores [...] "
        "MineGAN outperforms BSA both in KMMD score and Mean Variance.\""),
    "selector": (
        "Section 3.4.1: \"the probability distribution predicted by the selector, reported in "
        "Table 3.1 (bottom rows), matches the class distribution of the target data.\""),
    "multiple": (
        "Section 3.4.1 (Table 3.1): \"our method outperforms TransferGAN with a significantly "
        "lower FID score\""),
    "off_manifold": (
        "Appendix A.2.2 (Table A.2): \"the off-manifold task is more difficult than the "
        "on-manifold task, as indicated by the higher evaluation scores.\""),
}


def table3_1_relative(target: str = "Red vehicle", ratio: int = 1) -> dict[str, float]:
    """Table 3.1's effects as shares of the scratch FID: ``(TransferGAN - MineGAN) / Scratch``
    (best TransferGAN source) and ``(MineGAN w/o FT - MineGAN) / Scratch`` for one target
    (``ratio``: index into the red-vehicle car shares)."""
    i = ratio if target == "Red vehicle" else 0
    col = {k: v[target][i] for k, v in TABLE3_1_FID.items() if target in v}
    best_tg = min(v for k, v in col.items() if k.startswith("TransferGAN"))
    return {"TransferGAN_minus_MineGAN": (best_tg - col["MineGAN"]) / col["Scratch"],
            "noFT_minus_MineGAN": (col["MineGAN (w/o FT)"] - col["MineGAN"]) / col["Scratch"]}
