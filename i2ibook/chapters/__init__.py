"""One module per chapter's analysis: it reads the chapter's stored runs (never trains them
unless asked), computes the chapter's tables beside the paper's numbers, and judges the claims.

- :mod:`i2ibook.chapters.ch05_ablations` -- the UCSD report's Tables 1-2 and Sec. 7's claims.
- :mod:`i2ibook.chapters.ch06_implicit_pairs` -- α-paired sweeps, Tables 1-3, Sec. 4.1's claims.
- :mod:`i2ibook.chapters.ch07_pseudo_pairs` -- pseudo-pair scores, Tables 4-7, Sec. 4.2's claims.
- :mod:`i2ibook.chapters.ch08_spaces` -- Figs. 9-10: reference faces, ellipses compared, plots.
- :mod:`i2ibook.chapters.ch09_one_shot` -- OST on digits: Fig. 3 (a)'s protocol, baselines, the
  sanity check, the grid's curve and the slides' claims.
- :mod:`i2ibook.chapters.ch09_minimality` -- the minimality section: mappings between two
  segments, which of them a circular GAN finds, the explorer over training steps.
- :mod:`i2ibook.chapters.ch10_disentanglement` -- content transfer on SynthFaces: removal and
  guided transfer judged with the truth, the sanity check, Tables 1, 3 and 4, Fig. 2's grid.
- :mod:`i2ibook.chapters.ch11_transfer_gans` -- TransferGAN on faces: the pilot, Table 2.1's four
  initialisations, Fig. 2.1's FD curves and the thesis's claims.
- :mod:`i2ibook.chapters.ch12_minegan` -- MineGAN on faces: the miner's pilot, MineGAN against
  TransferGAN, BSA-style and scratch at equal steps, FD curves and overfitting.
- :mod:`i2ibook.chapters.ch13_zero_pair` -- M&MNets on zero-pair depth <-> segmentation: the
  layout baselines, the sanity check, Tables 4.4-4.5 beside the thesis, the side-information
  analysis and the thesis's claims.
- :mod:`i2ibook.chapters.ch14_udit` -- MUNIT and UDIT on biased faces: the hair-colour networks
  (the semantic extractor and the judge), the sanity check, the unwanted-change rate, the
  diversity and the thesis's claims.
- :mod:`i2ibook.chapters.ch15_sdit` -- SDIT on hair-colour domains of SynthFaces: the truth of
  every translation, the baselines, the sanity check, Table 6.1's variants beside the thesis,
  the CIN ablation and the count of networks for N domains.
"""
