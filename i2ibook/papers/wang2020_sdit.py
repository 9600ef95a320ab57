"""Wang, Gonzalez-Garcia, van de Weijer and Herranz, *SDIT: Scalable and Diverse Cross-domain
Image Translation* (ACM Multimedia 2019; chapter 6 of Yaxing Wang's thesis *Transferring and
Learning Representations for Image Generation and Translation*, UAB 2020,
``../shared/papers/wang2020-thesis-transferring-learning-representations.md`` in the book's
sources): its claims and its published numbers, quoted from the thesis and never computed.
Section, table and equation numbers are the thesis's.

Table 6.1 is the ablation on CelebA (ID distance, lower is better, and LPIPS, higher is more
diverse); Table 6.2 compares SDIT with StarGAN and IcGAN on ten CelebA attributes; Tables 6.3 and
6.4 compare reverse classification accuracy and LPIPS on the colour and artworks datasets, with
the number of encoders/generators each method needs. Tested in chapter 15
(:mod:`i2ibook.chapters.ch15_sdit`).
"""

from __future__ import annotations

#: The work, as the book cites it.
PAPER = ("Wang, Gonzalez-Garcia, van de Weijer and Herranz 2019, SDIT: scalable and diverse "
         "cross-domain image translation (ACM MM); thesis of Y. Wang 2020, chapter 6")

#: Table 6.1: the variants on CelebA, ``label -> {"attention", "cin", "lat", "id_distance",
#: "lpips"}`` (the switches as printed: Y/N; ID distance with VGGFace features).
TABLE6_1: dict[str, dict[str, float | bool]] = {
    "SDIT w/o CIN (Atten)": {"attention": True, "cin": False, "lat": False,
                             "id_distance": 0.061, "lpips": 0.408},
    "SDIT w/o Atten (L_LAT = 0)": {"attention": False, "cin": True, "lat": False,
                                   "id_distance": 0.063, "lpips": 0.409},
    "SDIT w/o Atten (L_LAT > 0)": {"attention": False, "cin": True, "lat": True,
                                   "id_distance": 0.070, "lpips": 0.432},
    "SDIT (L_LAT = 0)": {"attention": True, "cin": True, "lat": False,
                         "id_distance": 0.063, "lpips": 0.412},
    "SDIT": {"attention": True, "cin": True, "lat": True, "id_distance": 0.060, "lpips": 0.424},
}

#: Table 6.2's attributes, in the order of its columns.
TABLE6_2_ATTRIBUTES: tuple[str, ...] = (
    "Bangs", "Age", "Gender", "Smiling", "Wearing hat", "Pale skin", "Brown hair", "Blond hair",
    "Eyeglasses", "Mouth open", "Mean")

#: Table 6.2: ``method -> attribute -> (ID distance, LPIPS)`` on CelebA (``None``: not given;
#: "Real data" has LPIPS only).
TABLE6_2: dict[str, dict[str, tuple[float | None, float]]] = {
    "StarGAN": dict(zip(TABLE6_2_ATTRIBUTES, (
        (0.067, 0.427), (0.065, 0.428), (0.068, 0.428), (0.061, 0.427), (0.075, 0.427),
        (0.064, 0.421), (0.060, 0.418), (0.067, 0.426), (0.066, 0.435), (0.059, 0.429),
        (0.065, 0.427)), strict=True)),
    "IcGAN": dict(zip(TABLE6_2_ATTRIBUTES, (
        (0.118, 0.430), (0.097, 0.431), (0.094, 0.430), (0.121, 0.430), (0.102, 0.429),
        (0.10, 0.430), (0.127, 0.424), (0.113, 0.421), (0.097, 0.425), (0.116, 0.438),
        (0.108, 0.432)), strict=True)),
    "SDIT": dict(zip(TABLE6_2_ATTRIBUTES, (
        (0.068, 0.456), (0.065, 0.447), (0.069, 0.444), (0.061, 0.449), (0.076, 0.458),
        (0.065, 0.439), (0.058, 0.443), (0.067, 0.442), (0.066, 0.458), (0.058, 0.457),
        (0.065, 0.451)), strict=True)),
    "Real data": dict(zip(TABLE6_2_ATTRIBUTES, (
        (None, 0.486), (None, 0.483), (None, 0.484), (None, 0.480), (None, 0.489),
        (None, 0.479), (None, 0.492), (None, 0.490), (None, 0.492), (None, 0.489),
        (None, 0.486)), strict=True)),
}

#: Tables 6.3 (colour dataset, four colours) and 6.4 (artworks, photo and three painters):
#: ``method -> (mean reverse classification accuracy %, mean LPIPS, "Num E/G")``.
TABLE6_3: dict[str, tuple[float, float, str]] = {
    "CycleGAN": (93.5, 0.592, "6/6"), "IcGAN": (92.6, 0.585, "1/1"),
    "StarGAN": (95.3, 0.591, "1/1"), "MUNIT": (97.2, 0.608, "6/6"),
    "SDIT": (97.1, 0.612, "1/1"), "Real image": (98.4, 0.652, "-/-"),
}
TABLE6_4: dict[str, tuple[float, float, str]] = {
    "CycleGAN": (56.8, 0.665, "6/6"), "IcGAN": (55.6, 0.671, "1/1"),
    "StarGAN": (61.3, 0.678, "1/1"), "MUNIT": (66.3, 0.779, "6/6"),
    "SDIT": (65.1, 0.828, "1/1"), "Real image": (71.1, 0.869, "-/-"),
}

#: Section 6.4's training setting.
SETTING = {"image_size": "128x128 (CelebA, colour), 256x256 (artworks)", "batch_size_faces": 16,
           "batch_size_other": 4, "lr": 1e-4, "betas": (0.5, 0.999), "lambda_GAN": 10,
           "lambda_FAKE": 1, "lambda_REAL": 1, "lambda_LAT": 10, "lambda_REC": 800, "z_dim": 8,
           "encoder_blocks": 6, "M_units": (256, 4096), "discriminator_layers": 6,
           "lpips_samples_per_input": 10, "celeba_test_images": 2000}

#: The claims the chapter tests, in the thesis's words, with the section they are quoted from.
CLAIMS: dict[str, str] = {
    "scalable_and_diverse": (
        "Section 6.6: We have introduced SDIT to perform image-to-image translation with "
        "scalability and diversity using a simple and compact network"),
    "cin_gives_diversity": (
        "Section 6.5.2, Table 6.1: the SDIT models without CIN or L_LAT generate less diverse "
        "outputs according to LPIPS scores"),
    "lat_gives_diversity": (
        "Section 6.5.2: Combining both CIN and attention but without the latent code "
        "reconstruction (L_LAT = 0) leads to little diversity"),
    "attention_keeps_identity": (
        "Section 6.5.2: Using L_LAT without attention [...] has a higher LPIPS, but this could be "
        "because it is adding unwanted diversity [...] This may explain its higher ID distance"),
    "beta_is_key": (
        "Section 6.5.2, CIN learning (Fig. 6.6): only learning gamma fails to output diverse "
        "images, while only learning beta already generates diverse results [...] clearly "
        "indicating that beta is the key factor to diversity"),
    "pairwise_models": (
        "Section 6.5.3: for both CycleGAN and MUNIT training all pairwise translation would in "
        "case of N domains require N x (N - 1)/2 generators"),
}
