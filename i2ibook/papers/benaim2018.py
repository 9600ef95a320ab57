"""Benaim and Wolf, *One-Shot Unsupervised Cross Domain Translation* (NeurIPS 2018), as the
slides *New Capabilities in Unsupervised Image to Image Translation* present it
(``../shared/papers/benaim-wolf-new-capabilities-slides.md`` in the book's sources): its claims
and its published numbers, quoted and never computed.

The slides' text extraction keeps the caption of Fig. 3 but not its curves, so the accuracies
of Fig. 3 (a) cannot be quoted: the book compares the *shape* of its curves with what the
caption and the slides state, never a number. Table 2 (perceptual content and style distances)
is quoted in full. Tested in chapter 09 (:mod:`i2ibook.chapters.ch09_one_shot`).
"""

from __future__ import annotations

#: The paper, as the book cites it.
PAPER = ("Benaim and Wolf 2018, One-Shot Unsupervised Cross Domain Translation (NeurIPS), "
         "presented in their slides New Capabilities in Unsupervised Image to Image Translation")

#: The slides' caption of Fig. 3, verbatim.
FIG3_CAPTION = (
    "(a) Translating MNIST images to SVHN images. x-axis is the number of samples in A "
    "(log-scale), y-axis is the accuracy of a pretrained classifier on the resulting translated "
    "images. The accuracy is averaged over 1000 independent runs for different samples. Blue: "
    "Our OST method. Yellow: UNIT [7]. Red: CycleGAN [2]. (b) The same graph in the reverse "
    "direction.")

#: What Fig. 3 (a) measures, in the caption's terms.
FIG3_PROTOCOL = {
    "direction": "MNIST -> SVHN",
    "x": "the number of samples in A (log scale)",
    "y": "accuracy of a pretrained classifier on the translated images",
    "repetitions": 1000,
    "methods": ("OST", "UNIT", "CycleGAN"),
}

#: The claims of the slides the chapter tests, each with the slide it is quoted from.
CLAIMS: dict[str, str] = {
    "one_sample": ("Less Supervision: Only a single image in domain A. Many unmatched samples "
                   "in domain B + One sample x in domain A -> Analogue of x in B"),
    "shared_layers_from_B": ("as we only have a single sample in A, these layers, represented "
                             "by the shared encoder (E_S) and shared decoder (G_S) can be "
                             "trained with domain B samples only"),
    "selective_backprop": ("When training our network with x and its augmentations, "
                           "backpropagation is applied selectively on the separate encoders "
                           "and decoders only."),
    "overfitting": ("Updating the shared encoder (Es) and decoder (Gs) with selective "
                    "backpropagation turned off leads to overfitting on x, since for every "
                    "shared representation, the unshared layers in domain A can still "
                    "reconstruct this one sample."),
    "patchgan_prior": ("Use of a Patch GAN as well as convolutional layers induces further "
                       "prior on the network that allows for succesful translation given one "
                       "input from domain A"),
}

#: Table 2 (i): perceptual distance between inputs and their translations (content; lower
#: keeps more of the input's content), by task and by (method, samples in A).
TABLE2_CONTENT: dict[str, dict[tuple[str, str], float]] = {
    "Summer2Winter": {("OST", "1"): 0.64, ("UNIT", "1"): 3.20, ("CycleGAN", "1"): 3.53,
                      ("UNIT", "All"): 1.41, ("CycleGAN", "All"): 0.41},
    "Winter2Summer": {("OST", "1"): 0.73, ("UNIT", "1"): 3.10, ("CycleGAN", "1"): 3.48,
                      ("UNIT", "All"): 1.38, ("CycleGAN", "All"): 0.40},
    "Monet2Photo": {("OST", "1"): 3.75, ("UNIT", "1"): 6.82, ("CycleGAN", "1"): 5.80,
                    ("UNIT", "All"): 1.46, ("CycleGAN", "All"): 1.41},
    "Photo2Monet": {("OST", "1"): 1.47, ("UNIT", "1"): 2.92, ("CycleGAN", "1"): 2.98,
                    ("UNIT", "All"): 2.01, ("CycleGAN", "All"): 1.46},
}

#: Table 2 (ii): style distance (Gram matrices) between translations and the target domain.
TABLE2_STYLE: dict[str, dict[tuple[str, str], float]] = {
    "Summer2Winter": {("OST", "1"): 1.64, ("UNIT", "1"): 6.51, ("CycleGAN", "1"): 1.62,
                      ("UNIT", "All"): 1.69, ("CycleGAN", "All"): 1.69},
    "Winter2Summer": {("OST", "1"): 1.58, ("UNIT", "1"): 6.80, ("CycleGAN", "1"): 1.31,
                      ("UNIT", "All"): 1.69, ("CycleGAN", "All"): 1.66},
    "Monet2Photo": {("OST", "1"): 1.20, ("UNIT", "1"): 6.83, ("CycleGAN", "1"): 0.90,
                    ("UNIT", "All"): 1.21, ("CycleGAN", "All"): 1.18},
    "Photo2Monet": {("OST", "1"): 1.95, ("UNIT", "1"): 7.53, ("CycleGAN", "1"): 1.91,
                    ("UNIT", "All"): 2.12, ("CycleGAN", "All"): 1.88},
}
