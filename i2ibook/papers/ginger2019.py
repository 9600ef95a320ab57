"""Ginger, Danon, Averbuch-Elor and Cohen-Or 2019, *Implicit Pairs for Boosting Unpaired
Image-to-Image Translation*: its published numbers and claims, quoted from the paper
(``../shared/papers/implicit-pairs-ginger2019.md`` in the book's sources) and never computed.

Tables 1-3 and the claims of Sec. 4.1 are tested in chapter 06
(:mod:`i2ibook.chapters.ch06_implicit_pairs`), Tables 4-7 and Sec. 4.2 in chapter 07
(:mod:`i2ibook.chapters.ch07_pseudo_pairs`), Figs. 9 and 10 of Sec. 5 in chapter 08
(:mod:`i2ibook.chapters.ch08_spaces`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Ginger, Danon, Averbuch-Elor and Cohen-Or 2019, Implicit Pairs for Boosting Unpaired "
         "Image-to-Image Translation")


#: Table 1: "Reconstruction loss for different implicit pairing ratios, α. lower is better. A2B is
#: photo -> labels, B2A is labels -> photo." The MSE between the translations of the test set and
#: their true counterparts, by dataset, α and direction, on the [-1, 1] scale.
TABLE1_MSE: dict[str, dict[float, dict[str, float]]] = {
    "Cityscapes": {0.0: {"A2B": 0.26, "B2A": 0.22}, 0.25: {"A2B": 0.24, "B2A": 0.21},
                   0.5: {"A2B": 0.24, "B2A": 0.22}, 0.75: {"A2B": 0.27, "B2A": 0.22},
                   1.0: {"A2B": 0.25, "B2A": 0.22}},
    "CVC-14": {0.0: {"A2B": 0.23, "B2A": 0.24}, 0.25: {"A2B": 0.28, "B2A": 0.29},
               0.5: {"A2B": 0.22, "B2A": 0.23}, 0.75: {"A2B": 0.24, "B2A": 0.22},
               1.0: {"A2B": 0.23, "B2A": 0.25}},
    "Facades": {0.0: {"A2B": 0.36, "B2A": 0.84}, 0.25: {"A2B": 0.33, "B2A": 0.84},
                0.5: {"A2B": 0.37, "B2A": 0.80}, 0.75: {"A2B": 0.37, "B2A": 0.84},
                1.0: {"A2B": 0.33, "B2A": 0.87}},
}


#: Table 2: "FCN-scores for different implicit pairing ratios, α, on Cityscapes labels -> photo,
#: higher is better."
TABLE2_FCN_LABELS2PHOTO: dict[float, dict[str, float]] = {
    0.0: {"pixel_acc": 0.46, "class_acc": 0.09, "mean_iou": 0.07},
    0.25: {"pixel_acc": 0.69, "class_acc": 0.20, "mean_iou": 0.15},
    0.5: {"pixel_acc": 0.69, "class_acc": 0.18, "mean_iou": 0.14},
    0.75: {"pixel_acc": 0.55, "class_acc": 0.17, "mean_iou": 0.13},
    1.0: {"pixel_acc": 0.65, "class_acc": 0.20, "mean_iou": 0.15},
}


#: Table 3: "FCN-scores for different implicit pairing ratios, α, on Cityscapes photo -> labels,
#: higher is better."
TABLE3_FCN_PHOTO2LABELS: dict[float, dict[str, float]] = {
    0.0: {"pixel_acc": 0.571, "class_acc": 0.132, "mean_iou": 0.100},
    0.25: {"pixel_acc": 0.657, "class_acc": 0.138, "mean_iou": 0.108},
    0.5: {"pixel_acc": 0.663, "class_acc": 0.142, "mean_iou": 0.111},
    0.75: {"pixel_acc": 0.582, "class_acc": 0.141, "mean_iou": 0.108},
    1.0: {"pixel_acc": 0.658, "class_acc": 0.141, "mean_iou": 0.110},
}


#: Table 4: "InfoSim comparison with the baseline augmentation methods described in Subsection
#: 4.2. Lower is better." Per task: implicit pseudo-pairs (the paper's method) and the baselines
#: (i) no augmentation, (ii) pseudo-unpaired augmentation, (iii) natural augmentation.
TABLE4_INFOSIM_BASELINES: dict[str, dict[str, float]] = {
    "Smile": {"pseudo-pairs (ours in the paper)": 0.00160, "(i) no augmentation": 0.00365,
              "(ii) pseudo-unpaired": 0.00282, "(iii) natural": 0.00372},
    "Eyeglass": {"pseudo-pairs (ours in the paper)": 0.00181, "(i) no augmentation": 0.00482,
                 "(ii) pseudo-unpaired": 0.00313, "(iii) natural": 0.00418},
}


#: Table 5: "InfoSim values for pairing ratios experiments. Lower is better." Per task, by
#: pseudo-pairing ratio.
TABLE5_INFOSIM_RATIOS: dict[str, dict[float, float]] = {
    "Smile": {0.25: 0.00293, 0.5: 0.00160, 0.75: 0.00093, 1.0: 0.00025},
    "Eyeglass": {0.25: 0.00153, 0.5: 0.00181, 0.75: 0.00110, 1.0: 0.00025},
}


#: Table 6: "Task completion preference rate according to the user study": per task, the rate at
#: which the model trained with the row's pseudo-pairing ratio was preferred over the column's
#: (``None`` where the paper prints "-", a model against itself).
TABLE6_PREFERENCE: dict[str, dict[str, dict[str, float | None]]] = {
    "Smile": {"0%": {"0%": None, "50%": 0.257, "100%": 0.486},
              "50%": {"0%": 0.742, "50%": None, "100%": 0.663},
              "100%": {"0%": 0.513, "50%": 0.336, "100%": None}},
    "Eyeglass": {"0%": {"0%": None, "50%": 0.264, "100%": 0.915},
                 "50%": {"0%": 0.735, "50%": None, "100%": 1.0},
                 "100%": {"0%": 0.084, "50%": 0.0, "100%": None}},
}


#: Table 7: "InfoSim values for explicit and implicit experiments on the Eyeglass removal task.
#: Lower is better." Implicit: CycleGAN on the 0.5-pseudo-paired set; explicit: pix2pix on the
#: completely pseudo-paired set.
TABLE7_INFOSIM_SETTINGS: dict[str, float] = {"implicit": 0.00180, "explicit": 0.000342}


#: Sec. 4.1's published averages: α = 1 over α = 0, and the best mix over α = 1.
PUBLISHED_GAIN_PAIRED_OVER_UNPAIRED = 0.142


PUBLISHED_GAIN_MIX_OVER_PAIRED = 0.034


CLAIM_PAIRED = ("1-paired datasets generally yield better performance than 0-paired datasets, "
                "with an average improvement of 14.2% (Sec. 4.1)")


CLAIM_MIX = ("a mix of paired and unpaired samples is usually a better strategy, surpassing "
             "completely paired datasets on average by 3.4% (Sec. 4.1)")


CLAIM_FEW = ("having even a few paired samples improves the results dramatically compared to "
             "having no pairs at all (Sec. 4.1)")


#: The claims of Sec. 4.2 that Tables 4-7 support, by table.
PSEUDO_PAIR_CLAIMS: dict[int, str] = {
    4: "implicit pseudo-pairs preserve identity better (lower InfoSim) than no augmentation, "
       "pseudo-unpaired or natural augmentation (Sec. 4.2, Table 4)",
    5: "the more pseudo-pairs in the dataset, the better the identity is preserved "
       "(Sec. 4.2, Table 5)",
    6: "a 50% pseudo-paired dataset yields the best task completion in the user study "
       "(Sec. 4.2, Table 6)",
    7: "explicit training on pseudo-pairs (pix2pix) barely changes the input: a lower InfoSim "
       "than implicit training without completing the task (Sec. 4.2, Table 7)",
}


#: The numbers of Sec. 5 for Fig. 10 (a): distance between the centres of the generated and
#: the real-neutral ellipses, and the average difference ratio of their axes.
PAPER_FIG10: dict[str, dict[str, float]] = {
    "ours": {"centre_distance": 0.269, "axis_ratio": 0.06},
    "closest baseline": {"centre_distance": 1.172, "axis_ratio": 0.11},
}


#: Sec. 5 on Fig. 9 ("Pseudo-pairs as training samples"), in the paper's words, by space. The
#: paper gives no number for Fig. 9, only the figure.
FIG9_CLAIMS: dict[str, str] = {
    "identity": "the distribution of the pseudo-samples is very similar to those of the smiling "
                "and neutral face distributions in respect to the space of identities, "
                "demonstrating that in terms of attributes not related to the translation task "
                "the pseudo-samples are indistinguishable from the real samples",
    "expression": "the generation model M(b) creates images that do not conform to the general "
                  "CelebA distribution (as they are clearly mapped outside the space spanned by "
                  "the smiling samples)",
}


#: Sec. 5 on Fig. 10 (b) (pix2pix and CycleGAN trained on a 100 % pseudo-paired dataset), in the
#: paper's words. The paper gives no number for Fig. 10 (b), only the figure.
FIG10B_CLAIM = ("both implicit and explicit learning settings fail at completing the task (smile "
                "removal in this case) when trained over a completely pseudo-paired dataset. "
                "This is also evident in the figure, as the generated samples are not mapped to "
                "where real “neutral” images are mapped")


#: What Sec. 5 says of each model of Fig. 10 (b), in the paper's words.
FIG10B_MODELS: dict[str, str] = {
    "CycleGAN": "the implicit architecture seems to overfit to the identity signal which is "
                "implicitly provided in the pairs",
    "pix2pix": "the explicit architecture yields samples which are not spanned by the real "
               "images in the test set, and resembles the behavior of the pseudo-samples, as "
               "illustrated in Figure 9",
}
