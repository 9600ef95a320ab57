"""One module per paper the book reproduces: its published numbers, table by table, and its
claims, quoted from the paper and never computed. The chapters put ours beside them.

- :mod:`i2ibook.papers.ginger2019` -- Ginger et al. 2019, *Implicit Pairs for Boosting Unpaired
  Image-to-Image Translation* (Tables 1-7, Secs. 4.1-4.2, Sec. 5 on Figs. 9-10).
- :mod:`i2ibook.papers.benaim2018` -- Benaim and Wolf 2018, *One-Shot Unsupervised Cross Domain
  Translation*, as their slides present it (Fig. 3's caption, Table 2, the claims).
- :mod:`i2ibook.papers.press2019` -- Press, Galanti, Benaim and Wolf 2019, *Emerging
  Disentanglement in Auto-Encoder Based Unsupervised Image Content Transfer*, as the slides
  present it (the losses, Tables 1, 3 and 4, Figs. 2 and 6).
- :mod:`i2ibook.papers.ucsd_report` -- Kumar, Singh and Satyadharma, *Paired and Unpaired Image
  to Image Translation* (Tables 1-2, Sec. 7).
- :mod:`i2ibook.papers.wang2018_transfergan` -- Wang et al. 2018, *Transferring GANs* (thesis
  chapter 2: Tables 2.1-2.2, 2.4-2.7, the claims of Sections 2.3-2.4).
- :mod:`i2ibook.papers.wang2020_minegan` -- Wang et al. 2020, *MineGAN* (thesis chapter 3:
  Tables 3.1 and A.2, the claims of Section 3.4 and Appendix A.2.2).
- :mod:`i2ibook.papers.wang2018_mmnets` -- Wang et al. 2018, *Mix and match networks*, as chapter
  4 of Y. Wang's thesis (Tables 4.2-4.5, Section 4.6.1's schedule, the claims).
- :mod:`i2ibook.papers.wang2020_udit` -- Wang et al., *Controlling biases and diversity in
  diverse image-to-image translation*, chapter 5 of Y. Wang's thesis (Tables 5.1, 5.4, 5.5, the
  claims of Sections 5.6-5.7).
- :mod:`i2ibook.papers.wang2020_sdit` -- Wang et al. 2019, *SDIT*, as chapter 6 of Y. Wang's
  thesis (Tables 6.1-6.4, Section 6.4's setting, the claims).
"""
