"""Press, Galanti, Benaim and Wolf, *Emerging Disentanglement in Auto-Encoder Based Unsupervised
Image Content Transfer* (ICLR 2019), as the slides *New Capabilities in Unsupervised Image to
Image Translation* present it (``../shared/papers/benaim-wolf-new-capabilities-slides.md`` in
the book's sources): its claims and its published numbers, quoted and never computed.

Quoted: the slides "Our Contribution: Full Content Disentanglement" and "Losses" (the model
and ``L_A``, ``L_B``, ``L_D``), the caption of Fig. 2 (glasses transfer) and Fig. 6 (removal
against Fader networks), Table 4 (classifier after removal), Table 3 (user study) and Table 1
(sharing patterns). The slides' Table 4 and Table 3 cover glasses, smile and facial hair; the
book tests glasses (and names smile as the next task). Tested in chapter 10
(:mod:`i2ibook.chapters.ch10_disentanglement`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Press, Galanti, Benaim and Wolf 2019, Emerging Disentanglement in Auto-Encoder Based "
         "Unsupervised Image Content Transfer (ICLR), presented in Benaim and Wolf's slides New "
         "Capabilities in Unsupervised Image to Image Translation")

#: The slide "Our Contribution: Full Content Disentanglement", verbatim.
MODEL = ("2 Encoders: Encoder e1 encodes common content from both domains; Encoder e2 encodes "
         "separate content from second domain. One Decoder: Decoder g takes the concatenation "
         "of e1 and e2's output and produces an image")

#: The slide "Losses", in the slides' notation.
LOSSES = {
    "L_B": r"\mathcal{L}_B = \frac{1}{m_2} \sum_{b \in S_B} \|g(e_1(b), e_2(b)) - b\|_1",
    "L_A": r"\mathcal{L}_A = \frac{1}{m_1} \sum_{a \in S_A} \|g(e_1(a), 0_{E_2}) - a\|_1",
    "L_D": (r"\mathcal{L}_D = \frac{1}{m_1} \sum_{a \in S_A} l(d(e_1(a)), 0) + \frac{1}{m_2} "
            r"\sum_{b \in S_B} l(d(e_1(b)), 1)"),
}

#: Figure captions, verbatim.
FIG2_CAPTION = ("Figure 2: Glasses transfer. Our method vs literature baselines. Each image "
                "combines the domain A image in the top row, with the content of the guide "
                "image on the left column.")
FIG6_CAPTION = ("Figure 6: A comparison to the Fader networks of Lample et al. (2017) for the "
                "task of removing a feature. (a) Glasses. (b) Facial hair. (c) Mouth opening.")

#: Table 4's caption and numbers: "the mean probability of domain B for images that were
#: transformed to domain A" (lower is better), by method and attribute.
TABLE4_CAPTION = ("Table 4: Classifier results for the image obtained after removing the "
                  "desired feature. Results are the mean probability of domain B for images "
                  "that were transformed to domain A.")
TABLE4: dict[str, dict[str, float]] = {
    "Fader networks (Lample et al., 2017)": {"Glasses": 0.066, "Smile": 0.064,
                                             "Facial Hair": 0.182},
    "Our": {"Glasses": 0.011, "Smile": 0.052, "Facial Hair": 0.119},
}

#: Table 3: the share of forced choices in which users picked the real image as more natural
#: (closer to 50 % is better for the method).
TABLE3_CAPTION = ("Table 3: User study results. In each cell is the ratio of images, were users "
                  "selected a real image as more natural than a generated one. Closer to 50% is "
                  "better for the method.")
TABLE3: dict[str, dict[str, float]] = {
    "b over g(e1(a), e2(b'))": {"Glasses": 0.582, "Smile": 0.634, "Facial Hair": 0.517},
    "b over g(e1(b), e2(b'))": {"Glasses": 0.742, "Smile": 0.658, "Facial Hair": 0.567},
}

#: Table 1: sharing patterns and numbers of networks ("+" where the slides mark one).
TABLE1_COLUMNS = ("MUNIT (Huang, 2018)", "EG-UNIT (Ma, 2018)", "DRIT (Lee, 2018)",
                  "PairedCycleGAN (Chang'18)", "Our")
TABLE1: dict[str, tuple[str, ...]] = {
    "Shared layers": ("", "+", "+", "", ""),
    "Shared latent space": ("+", "", "+", "", "+"),
    "Shared encoder": ("", "", "", "", "+"),
    "Shared decoder": ("", "", "", "", "+"),
    "Encoders": ("4", "4", "4", "", "2"),
    "Generators": ("2", "2", "2", "2k", "1"),
    "Discriminators": ("2", "2", "2", "k", "1 (for domain confusion, not on the output)"),
    "Other": ("", "2", "", "", ""),
}

#: The claims the chapter tests, each with the slide it is quoted from.
CLAIMS: dict[str, str] = {
    "removal": ("Table 4: after removal the classifier's mean probability of domain B is "
                "0.011 for glasses with our method against 0.066 for Fader networks"),
    "guided_transfer": ("Fig. 2: each image combines the domain A image with the content of the "
                        "guide image (the guide's glasses appear on the A face)"),
    "fewer_networks": ("Table 1: two encoders, one generator and one discriminator used for "
                       "domain confusion only, against four encoders, two generators and two "
                       "discriminators for MUNIT, EG-UNIT and DRIT"),
}
