"""Identity and expression spaces (implicit pairs, Sec. 5, Figs. 9-10): PCA, ellipses, the
paper's two numbers, the figures, the explorer and the real-CelebA path."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from i2ibook.chapters import ch08_spaces as ch08
from i2ilib.metrics import spaces

# ------------------------------------------------------------------------------------------
# PCA


def test_pca_matches_sklearn_up_to_sign():
    sklearn_decomposition = pytest.importorskip("sklearn.decomposition")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 12)) @ rng.normal(size=(12, 12)) + rng.normal(size=12)
    ours = spaces.PCA.fit(x, 3)
    ref = sklearn_decomposition.PCA(3, svd_solver="full").fit(x)
    signs = np.sign(np.sum(ours.components * ref.components_, axis=1))
    assert np.all(np.abs(signs) == 1)
    np.testing.assert_allclose(ours.components * signs[:, None], ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_,
                               rtol=1e-10)
    np.testing.assert_allclose(ours.transform(x) * signs, ref.transform(x), atol=1e-8)


def test_pca_is_deterministic_and_finds_the_long_axis():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 3)) * np.array([10.0, 1.0, 0.1])
    a, b = spaces.PCA.fit(x, 2), spaces.PCA.fit(torch.from_numpy(x.copy()), 2)
    np.testing.assert_array_equal(a.components, b.components)
    assert abs(a.components[0, 0]) > 0.999 and a.components[0, 0] > 0  # sign: largest entry > 0
    assert a.explained_variance_ratio[0] > 0.98
    assert a.transform(x).shape == (500, 2)


@pytest.mark.parametrize("bad, k, match", [
    (np.zeros(5), 1, "2-D"),
    (np.zeros((1, 4)), 1, "at least 2"),
    (np.zeros((10, 3)), 4, "n_components"),
    (np.full((4, 2), np.nan), 1, "NaN"),
])
def test_pca_rejects_bad_input(bad, k, match):
    with pytest.raises(ValueError, match=match):
        spaces.PCA.fit(bad, k)


def test_pca_transform_checks_the_dimension():
    pca = spaces.PCA.fit(np.random.default_rng(0).normal(size=(20, 4)), 2)
    with pytest.raises(ValueError, match="4 columns"):
        pca.transform(np.zeros((3, 5)))


# ------------------------------------------------------------------------------------------
# ellipses


def test_ellipse_recovers_a_known_gaussian():
    rng = np.random.default_rng(0)
    angle = np.radians(30)
    r = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    cov = r @ np.diag([4.0**2, 1.0**2]) @ r.T
    pts = rng.multivariate_normal([3.0, -2.0], cov, size=20000)
    e = spaces.fit_ellipse(pts, n_std=2.0)
    np.testing.assert_allclose(e.centre, [3.0, -2.0], atol=0.1)
    assert e.major == pytest.approx(2 * 2 * 4.0, rel=0.03)
    assert e.minor == pytest.approx(2 * 2 * 1.0, rel=0.03)
    assert e.angle == pytest.approx(angle, abs=0.02)
    np.testing.assert_allclose(e.covariance, cov, rtol=0.05, atol=0.05)
    # a Gaussian leaves exp(-2) = 13.5 % outside its 2-sigma ellipse
    assert spaces.fraction_outside(pts, e) == pytest.approx(np.exp(-2.0), abs=0.01)


def test_ellipse_by_hand():
    # four points at (+-2, 0) and (0, +-1): covariance diag(8/3, 2/3) (ddof = 1)
    pts = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]]) + [1.0, 1.0]
    e = spaces.fit_ellipse(pts, n_std=1.0)
    np.testing.assert_allclose(e.centre, [1.0, 1.0])
    assert e.major == pytest.approx(2 * np.sqrt(8 / 3))
    assert e.minor == pytest.approx(2 * np.sqrt(2 / 3))
    assert e.angle == pytest.approx(0.0, abs=1e-12)
    vertical = spaces.fit_ellipse(pts[:, ::-1], n_std=1.0)
    assert abs(vertical.angle) == pytest.approx(np.pi / 2)
    assert e.patch().get_angle() == pytest.approx(0.0)


@pytest.mark.parametrize("bad, n_std, match", [
    (np.zeros((10, 3)), 2.0, "2 columns"),
    (np.zeros((2, 2)), 2.0, "at least 3"),
    (np.ones((5, 2)), 0.0, "n_std"),
    (np.array([[0, 0], [1, np.inf], [2, 2]], float), 2.0, "NaN or inf"),
])
def test_ellipse_rejects_bad_input(bad, n_std, match):
    with pytest.raises(ValueError, match=match):
        spaces.fit_ellipse(bad, n_std)


def _ellipse(cx: float, cy: float, major: float, minor: float) -> spaces.Ellipse:
    return spaces.Ellipse(np.array([cx, cy]), major, minor, 0.0, 2.0, 10)


def test_centre_distance_and_axis_ratio_by_hand():
    real = _ellipse(0, 0, 4.0, 2.0)
    gen = _ellipse(3, 4, 5.0, 1.5)
    assert spaces.centre_distance(gen, real) == pytest.approx(5.0)
    # (|5 - 4| / 4 + |1.5 - 2| / 2) / 2 = (0.25 + 0.25) / 2
    assert spaces.axis_difference_ratio(gen, real) == pytest.approx(0.25)
    assert spaces.axis_difference_ratio(real, real) == 0.0
    with pytest.raises(ValueError, match="zero axis"):
        spaces.axis_difference_ratio(gen, _ellipse(0, 0, 4.0, 0.0))


def test_compare_ellipses():
    real = _ellipse(0, 0, 4.0, 2.0)
    c = ch08.compare_ellipses({"ours": _ellipse(3, 4, 4.0, 2.0), "b1": real}, real)
    assert c["ours"].centre_distance == pytest.approx(5.0) and c["b1"].axis_ratio == 0.0
    with pytest.raises(ValueError, match="empty"):
        ch08.compare_ellipses({}, real)


def test_fig10_verdict_in_the_vocabulary():
    # ours at a fifth of the closest baseline's distance in every seed: resolved
    good = {"ours": [0.2, 0.22, 0.18], "b1": [1.0, 1.1, 0.9], "b2": [2.0, 2.1, 1.9]}
    v = ch08.fig10_verdict(good, space="expression", paper_effect=0.77)
    assert v.verdict == "reproduced" and v.closest_baseline == "b1" and v.rank == 1
    assert v.rank_of == 3 and v.effect.estimate == pytest.approx(0.8) and v.effect.seeds == 3
    assert v.as_verdict().verdict == "reproduced" and v.claim.startswith("expression space")
    assert "95 % CI" in v.evidence and "ranks 1 of 3" in v.evidence
    # ours farther than the closest baseline in every seed: contradicted
    bad = {"ours": [1.5, 1.6, 1.4], "b1": [1.0, 1.1, 0.9]}
    v = ch08.fig10_verdict(bad, space="expression", paper_effect=0.77)
    assert v.verdict == "contradicted" and v.rank == 2
    # nearer on average but not in every seed: the interval holds zero
    mixed = {"ours": [0.5, 1.2, 0.6], "b1": [1.0, 1.0, 1.0]}
    assert ch08.fig10_verdict(mixed, paper_effect=0.4).verdict == "consistent"
    # a failed sanity check makes it inconclusive, whatever the effect, and says why
    v = ch08.fig10_verdict(good, paper_effect=0.77,
                           failed_checks=["ours fails its sanity check (MSE 0.02)"])
    assert v.verdict == "inconclusive" and "MSE 0.02" in v.evidence
    # one seed is never resolved
    one = {"ours": [0.2], "b1": [1.0]}
    assert ch08.fig10_verdict(one, paper_effect=0.77).verdict == "consistent"
    # a zero distance of the closest baseline leaves the relative effect undefined
    assert ch08.fig10_verdict({"ours": [0.2, 0.3], "b1": [0.0, 1.0]}).verdict == \
        "not testable here"
    with pytest.raises(ValueError, match="'ours' is not among"):
        ch08.fig10_verdict({"b1": [1.0]})
    with pytest.raises(ValueError, match="baseline"):
        ch08.fig10_verdict({"ours": [1.0]})
    with pytest.raises(ValueError, match="same seeds"):
        ch08.fig10_verdict({"ours": [1.0, 2.0], "b1": [1.0]})
    with pytest.raises(ValueError, match="finite"):
        ch08.fig10_verdict({"ours": [-1.0], "b1": [1.0]})


def test_paper_fig10_effect():
    assert ch08.paper_fig10_effect("expression") == pytest.approx((1.172 - 0.269) / 1.172)
    assert ch08.paper_fig10_effect("identity") is None


def test_bootstrap_interval_covers_the_distance_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    widths = []
    for n in (50, 2000):
        real = rng.normal(size=(n, 2))
        gen = real + [0.3, 0.4] + 0.5 * rng.normal(size=(n, 2))
        lo, hi = spaces.bootstrap_centre_distance(gen, real, n_boot=500)
        d = spaces.centre_distance(spaces.fit_ellipse(gen), spaces.fit_ellipse(real))
        assert lo <= d <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 3
    assert lo < 0.5 < hi
    with pytest.raises(ValueError, match="same faces"):
        spaces.bootstrap_centre_distance(gen[:10], real)
    with pytest.raises(ValueError, match="level"):
        spaces.bootstrap_centre_distance(gen, real, level=1.0)


def test_bootstrap_interval_of_any_statistic_paired_or_not():
    rng = np.random.default_rng(1)
    gen, real = rng.normal(size=(50, 2)) + [1.0, 0.0], rng.normal(size=(50, 2))

    def distance(a, b):
        return float(np.linalg.norm(a.mean(0) - b.mean(0)))

    # paired: the same rows from both clouds, exactly bootstrap_centre_distance's draws
    assert spaces.bootstrap_interval(distance, [gen, real], paired=True, n_boot=300) == \
        spaces.bootstrap_centre_distance(gen, real, n_boot=300)
    # unpaired clouds of different sizes: a Mahalanobis separation of 2 is covered, 0 is not
    ref = rng.normal(size=(400, 2)) * [3.0, 1.0]
    shifted = rng.normal(size=(300, 2)) * [3.0, 1.0] + [0.0, 2.0]
    lo, hi = spaces.bootstrap_interval(spaces.mahalanobis_separation, [shifted, ref], n_boot=300)
    assert lo < 2.0 < hi and lo > 1.5
    lo, hi = spaces.bootstrap_interval(spaces.mahalanobis_separation, [ref[:200], ref[200:]],
                                       n_boot=300)
    assert lo < 0.3 and hi < 0.5
    with pytest.raises(ValueError, match="same items"):
        spaces.bootstrap_interval(distance, [gen[:10], real], paired=True)
    with pytest.raises(ValueError, match="at least 3 rows"):
        spaces.bootstrap_interval(distance, [gen[:2], real])
    with pytest.raises(ValueError, match="at least one cloud"):
        spaces.bootstrap_interval(distance, [])
    with pytest.raises(ValueError, match="not finite"):
        spaces.bootstrap_interval(lambda a: float("nan"), [gen], n_boot=5)


def test_mahalanobis_separation():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(5000, 2)) * [4.0, 1.0]
    assert spaces.mahalanobis_separation(ref[:2500], ref) < 0.1
    assert spaces.mahalanobis_separation(ref + [0.0, 2.0], ref) == pytest.approx(2.0, rel=0.05)
    assert spaces.mahalanobis_separation(ref + [8.0, 0.0], ref) == pytest.approx(2.0, rel=0.05)


# ------------------------------------------------------------------------------------------
# embeddings and spaces


def test_embeddings_shapes_and_errors():
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    idf, exf = spaces.identity_features(x), spaces.expression_features(x)
    assert idf.shape == (3, 128) and exf.shape == (3, spaces.EXPRESSION_DIM)
    torch.testing.assert_close(idf.norm(dim=1), torch.ones(3))
    # features of 32 px faces equal those of the same faces resized as forward() does
    x64 = torch.nn.functional.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False,
                                          antialias=True)
    torch.testing.assert_close(spaces.expression_features(x64), exf, atol=1e-5, rtol=1e-5)
    with pytest.raises(TypeError, match="tensor"):
        spaces.identity_features(np.zeros((1, 3, 32, 32)))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        spaces.expression_features(torch.zeros(2, 32, 32, 3))
    with pytest.raises(ValueError, match="Unknown space"):
        spaces.embedder("pose")


def test_expression_features_are_the_classifier_head_input():
    from i2ilib.metrics.attributes import face_attribute_classifier

    net = face_attribute_classifier()
    x = torch.rand(4, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        logits = net(x)
        via_features = net.head(spaces.expression_features(x, net))
    torch.testing.assert_close(via_features, logits, atol=1e-5, rtol=1e-5)


def test_fitted_space_separates_smiles_in_expression_not_identity():
    from i2ilib.data.synthfaces import make_synthfaces

    ref = ch08.reference_faces(n=160, size=64)
    assert ref.shape == (160, 3, 64, 64)
    with pytest.raises(ValueError, match="multiple of 4"):
        ch08.reference_faces(n=10)
    ds = make_synthfaces(40, 2, size=64, seed=7, attribute_probs={"Eyeglasses": 0.0})
    smile = ds.column("Smiling") == 1
    sep = {}
    for name in spaces.SPACE_NAMES:
        space = spaces.fit_space(name, ref)
        p = space.project(ds.tensors())
        assert p.shape == (80, 2)
        sep[name] = spaces.mahalanobis_separation(p[smile], p[~smile])
    assert sep["expression"] > 1.5 and sep["identity"] < 0.7, sep


# ------------------------------------------------------------------------------------------
# figures and explorer


def _fake(n: int = 12):
    rng = np.random.default_rng(0)
    pts = {k: {s: rng.normal(size=(n, 2)) + j for s in spaces.SPACE_NAMES}
           for j, k in enumerate(("ours", "natural"))}
    real = {s: rng.normal(size=(n, 2)) - 2 for s in spaces.SPACE_NAMES}
    imgs = rng.integers(0, 256, size=(n, 16, 16, 3), dtype=np.uint8)
    outputs = {"ours": torch.rand(n, 3, 16, 16) * 2 - 1, "natural": imgs[::-1].copy()}
    return pts, real, imgs, outputs


def test_plots_draw_one_ellipse_per_cloud():
    pts, real, _, _ = _fake(50)
    fig = ch08.plot_test_distributions({k: v["expression"] for k, v in pts.items()},
                                     real["expression"], {"ours": "cyan", "natural": "red"})
    assert len(fig.axes[0].patches) == 3
    with pytest.raises(ValueError, match="no colour"):
        ch08.plot_test_distributions({"x": real["identity"]}, real["identity"], {})
    fig9 = ch08.plot_training_samples({s: {"smiling": real[s], "neutral": real[s] + 3,
                                         "augmented": real[s] - 3} for s in spaces.SPACE_NAMES})
    assert len(fig9.axes) == 2 and len(fig9.axes[0].collections) == 3
    with pytest.raises(ValueError, match="unknown group"):
        ch08.plot_training_samples({"identity": {"happy": real["identity"]}})
    plt.close("all")


def test_explorer_builds_headless_and_follows_the_controls():
    pts, real, imgs, outputs = _fake()
    ex = ch08.SpaceExplorer(pts, real, imgs, outputs, imgs)
    box = ex.widget()
    c = box.controls
    first = c["image"].value
    assert first[:4] == b"\x89PNG"
    c["index"].value = 5
    assert ex.index == 5
    np.testing.assert_array_equal(ex.selected_point(), pts["ours"]["identity"][5])
    assert c["image"].value != first
    c["setting"].value = "natural"
    c["space"].value = "expression"
    np.testing.assert_array_equal(ex.selected_point(), pts["natural"]["expression"][5])
    fig = ex.figure(index=2)
    assert len(fig.axes) == 4 and ex.index == 2
    with pytest.raises(ValueError, match="index"):
        ex.select(index=12)
    with pytest.raises(ValueError, match="unknown setting"):
        ex.select(setting="pix2pix")
    with pytest.raises(ValueError, match="lacks the spaces"):
        ch08.SpaceExplorer({"ours": {"identity": pts["ours"]["identity"]}}, real, imgs,
                         {"ours": imgs}, imgs)
    with pytest.raises(ValueError, match="same test faces"):
        ch08.SpaceExplorer(pts, real, imgs, outputs, imgs[:5])
    plt.close("all")


# ------------------------------------------------------------------------------------------
# real CelebA path, on a folder in CelebA's layout


def test_celeba_samples_on_a_fake_celeba(tmp_path):
    from i2ilib.data.celeba_format import write_celeba
    from i2ilib.data.synthfaces import make_synthfaces

    ds = make_synthfaces(40, 2, size=64, seed=3, attribute_probs={"Mouth_Slightly_Open": 0.0})
    root = write_celeba(tmp_path / "celeba", ds, image_format="png")
    n = min(int((ds.column("Smiling") == 1).sum()), int((ds.column("Smiling") == -1).sum()) // 2)
    assert n >= 8
    groups = ch08.celeba_smile_samples(root, n=8, size=64, seed=0)
    assert set(groups) == {"smiling", "neutral", "augmented"}
    assert all(g.shape == (8, 64, 64, 3) and g.dtype == np.uint8 for g in groups.values())
    # the pictures are the right ones: the classifier calls the smiling group smiling
    from i2ilib.data.transforms import to_tensor_m11
    from i2ilib.metrics.attributes import attribute_probabilities, face_attribute_classifier

    net = face_attribute_classifier()
    p = {k: float(attribute_probabilities(net, to_tensor_m11(v))["Smiling"].mean())
         for k, v in groups.items()}
    assert p["smiling"] > 0.7 and p["neutral"] < 0.3, p
    assert p["augmented"] > p["neutral"], p  # pseudo-smiles were pasted on neutral faces
    # any embed function (dlib's on Colab) makes a space from them; a fake one here
    fake_embed = lambda x: x.flatten(1)[:, :20]
    space = spaces.fit_space("identity", to_tensor_m11(groups["neutral"]), embed=fake_embed)
    assert space.project(to_tensor_m11(groups["smiling"])).shape == (8, 2)
    small = ch08.celeba_smile_samples(root, n=3, size=32, seed=0)
    assert small["augmented"].shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match="lower n"):
        ch08.celeba_smile_samples(root, n=1000)
    with pytest.raises(FileNotFoundError):
        ch08.celeba_smile_samples(tmp_path / "nothing")


# ------------------------------------------------------------------------------------------
# end to end at smoke scale


def test_fig10_stats_end_to_end_on_smoke_runs():
    from i2ibook import catalogue
    from i2ibook.runner import build_test_data, train_translation, translate
    from i2ilib.results import load_or_train

    t0 = time.time()
    space = spaces.fit_space("expression", ch08.reference_faces(n=64, size=32))
    outputs, truths = {}, {}
    for seed in (0, 1):
        outputs[seed] = {}
        for setting in ("ours", "no_augmentation"):
            name, cfg = catalogue.pseudo_pairs_run("smoke", "smile_removal", setting, seed)
            run = load_or_train(name, cfg, train_translation, verbose=False)
            test_A, truths[seed] = build_test_data(cfg)
            outputs[seed][setting] = translate(run, test_A, "A->B")
    f = ch08.fig10a({"expression": space}, outputs, truths)["expression"]
    assert f.seeds == [0, 1] and f.verdict.effect.seeds == 2
    assert f.verdict.verdict in ("reproduced", "consistent", "not testable here",
                                 "not reproduced", "contradicted")
    assert all(np.isfinite(c.centre_distance) and c.axis_ratio >= 0
               for by in f.per_seed.values() for c in by.values())
    assert time.time() - t0 < 60


def test_fig10a_judges_a_perfect_translation_as_reproduced():
    import torch

    g = torch.Generator().manual_seed(0)
    truth = torch.rand(40, 3, 8, 8, generator=g) * 2 - 1

    def embed(x):  # per-channel means and the mean of the top rows: (N, 4) features
        return torch.cat([x.mean(dim=(2, 3)), x[:, :, :2].mean(dim=(1, 2, 3))[:, None]], 1)

    fitted = {"toy": spaces.fit_space("toy", torch.rand(60, 3, 8, 8, generator=g) * 2 - 1, embed)}
    outputs = {"ours": truth.clone(), "shifted": (truth + 0.5).clamp(-1, 1),
               "noisy": (truth + 0.3 * torch.randn(truth.shape, generator=g)).clamp(-1, 1)}
    shifted = {s: (truth + 0.5 + 0.1 * s).clamp(-1, 1) for s in (0, 1, 2)}
    outs = {s: {"ours": truth.clone(), "shifted": shifted[s],
                "noisy": (truth + 0.3 * torch.randn(truth.shape, generator=g)).clamp(-1, 1)}
            for s in (0, 1, 2)}
    assert set(outputs) <= set(outs[0])
    f = ch08.fig10a(fitted, outs, {s: truth for s in outs})["toy"]
    assert f.comparisons["ours"].centre_distance == pytest.approx(0.0, abs=1e-9)
    assert f.comparisons["ours"].axis_ratio == pytest.approx(0.0, abs=1e-9)
    assert f.verdict.verdict == "reproduced" and f.verdict.rank == 1
    assert f.verdict.effect.estimate == pytest.approx(1.0)
    assert f.generated["shifted"].shape == f.real.shape == (40, 2)
    assert f.intervals[0]["shifted"][0] > f.intervals[0]["ours"][1]
    numbers = f.numbers()
    assert numbers["seeds"] == [0, 1, 2] and len(numbers["distances"]["noisy"]) == 3
    assert ch08.fig10_from_numbers(numbers, "toy").verdict == "reproduced"
    # a failed sanity check passed in: inconclusive
    g2 = ch08.fig10a(fitted, outs, {s: truth for s in outs}, failed_checks=["x fails"])["toy"]
    assert g2.verdict.verdict == "inconclusive"
    with pytest.raises(ValueError, match="same seeds"):
        ch08.fig10a(fitted, outs, {0: truth})


def test_fig10a_from_runs_caches_the_projections(monkeypatch):
    from i2ibook import catalogue
    from i2ibook.runner import train_translation
    from i2ilib.results import load_or_train

    small = {"expression": spaces.fit_space("expression", ch08.reference_faces(n=64, size=32))}
    monkeypatch.setattr(ch08, "book_spaces", lambda: small)
    runs = {s: [load_or_train(*catalogue.pseudo_pairs_run("smoke", "smile_removal", s, seed),
                              train_translation, verbose=False) for seed in (0, 1)]
            for s in ("ours", "no_augmentation")}
    first = ch08.fig10a_from_runs(runs)["expression"]
    assert all((Path(r.path) / ch08.PROJECTIONS_FILE).is_file() for rs in runs.values()
               for r in rs)

    def no_translation(*args, **kwargs):
        raise AssertionError("the cached projections were not used")

    monkeypatch.setattr("i2ibook.runner.translate", no_translation)
    again = ch08.fig10a_from_runs(runs)["expression"]
    assert again.numbers() == first.numbers() and first.seeds == [0, 1]
    with pytest.raises(ValueError, match="same seeds"):
        ch08.fig10a_from_runs({"ours": runs["ours"], "no_augmentation": runs["ours"][:1]})


# ------------------------------------------------------------------------------------------
# Fig. 9 and Fig. 10 (b) in numbers, on constructed clouds


def _clouds(rng, shift, n=300):
    """Fig. 9's groups: real smiling faces around 0, real neutral ones around ``shift``
    (x), pseudo-smiles around ``shift`` (y)."""
    return {"smiling": rng.normal(size=(n, 2)),
            "neutral": rng.normal(size=(n, 2)) + [shift["neutral"], 0.0],
            "augmented": rng.normal(size=(n, 2)) + [0.0, shift["augmented"]]}


def test_fig9_verdicts_on_constructed_training_sets():
    from i2ibook.papers.ginger2019 import FIG9_CLAIMS

    rng = np.random.default_rng(0)
    # expression: neutral faces far off, three quarters of the pseudo-smiles outside the
    # smiling ellipse (a unit Gaussian 2.5 off the centre of a radius-2 circle)
    expr = {s: {"expression": _clouds(rng, {"neutral": 8.0, "augmented": 2.5})} for s in (0, 1, 2)}
    f = ch08.fig9(expr, spaces=("expression",), n_boot=200)["expression"]
    st = f.stats[0]
    assert st.neutral_out > 0.99 and 0.65 < st.augmented_out < 0.85 and st.smiling_out < 0.2
    assert st.augmented_sep == pytest.approx(2.5, abs=0.3)
    lo, hi = st.intervals["augmented_sep"]
    assert lo < st.augmented_sep < hi and hi - lo < 0.6
    assert st.effect == pytest.approx(st.augmented_out - st.smiling_out)
    v = f.verdict
    assert v.verdict == "reproduced" and v.effect.unit == "points"
    assert v.claim == f"expression space: {FIG9_CLAIMS['expression']} (Sec. 5, Fig. 9)"
    assert v.evidence.endswith("the paper reports no number for where the pseudo-samples lie "
                               "in the space of expressions, only Fig. 9.")
    # a space of expressions that does not see the smile: the positive control fails
    blind = {s: {"expression": _clouds(rng, {"neutral": 0.0, "augmented": 2.5})} for s in (0, 1)}
    v = ch08.fig9(blind, spaces=("expression",), n_boot=50)["expression"].verdict
    assert v.verdict == "inconclusive" and "does not separate the real neutral faces" in v.evidence
    # identity: pseudo-smiles far outside the real faces' cloud: contradicted
    off = {s: {"identity": _clouds(rng, {"neutral": 0.0, "augmented": 3.0})} for s in (0, 1, 2)}
    assert ch08.fig9(off, spaces=("identity",), n_boot=50)["identity"].verdict.verdict == \
        "contradicted"
    # identity: pseudo-smiles that are the neutral faces themselves: no effect at all, and with
    # no paper number that is not testable (not "not reproduced"), and the reason says why
    same = {}
    for s in (0, 1, 2):
        c = _clouds(rng, {"neutral": 0.0, "augmented": 0.0})
        same[s] = {"identity": {**c, "augmented": c["neutral"].copy()}}
    v = ch08.fig9(same, spaces=("identity",), n_boot=50)["identity"].verdict
    assert v.effect.estimate == 0.0 and v.verdict == "not testable here"
    assert "the paper reports no number for where the pseudo-samples lie in the space of " \
           "identities, only Fig. 9, so whether these runs could have detected" in v.evidence
    # not measured
    v = ch08.fig9_verdict("identity", None, "the projections are not cached")
    assert v.verdict == "not testable here" and v.evidence == (
        "the projections are not cached; the paper reports no number for where the "
        "pseudo-samples lie in the space of identities, only Fig. 9.")
    with pytest.raises(ValueError, match="spaces identity, expression"):
        ch08.fig9_stats("toy", expr[0]["expression"])
    with pytest.raises(ValueError, match="lacks the groups"):
        ch08.fig9_stats("expression", {"smiling": expr[0]["expression"]["smiling"]})
    with pytest.raises(ValueError, match="no projections in the space"):
        ch08.fig9(expr, spaces=("identity",))


def test_fig10b_verdicts_on_constructed_translations():
    rng = np.random.default_rng(1)
    truth = {s: rng.normal(size=(200, 2)) for s in (0, 1, 2)}
    generated = {s: {"pix2pix": truth[s].copy(),  # exactly the true neutral faces
                     "CycleGAN": truth[s] + [4.0, 0.0] + 0.3 * rng.normal(size=(200, 2))}
                 for s in truth}
    f = ch08.fig10b(generated, truth, "expression", n_boot=200)
    assert f.per_seed[0]["pix2pix"].centre_distance == pytest.approx(0.0, abs=1e-12)
    assert f.outside[0]["CycleGAN"] > 0.95 and f.outside[0]["pix2pix"] == f.real_outside[0]
    assert f.excess("pix2pix") == [0.0, 0.0, 0.0]
    lo, hi = f.intervals[1]["CycleGAN"]
    assert lo < f.per_seed[1]["CycleGAN"].centre_distance < hi
    assert f.excess_intervals[2]["CycleGAN"][0] > 0.7
    # CycleGAN leaves the real neutral cloud in every seed: the paper's claim, resolved
    v = f.verdicts["CycleGAN"]
    assert v.verdict == "reproduced" and v.claim.startswith("CycleGAN (implicit): both")
    assert "Fig. 10 (b)" in v.claim and "only Fig. 10 (b)" in v.evidence
    assert "of its translations lie outside the true neutral faces' ellipse" in v.evidence
    # pix2pix lands on them: no effect, and no paper number to set against it
    assert f.verdicts["pix2pix"].verdict == "not testable here"
    # a failed sanity check makes it inconclusive; the space of identities gets no verdict
    g = ch08.fig10b(generated, truth, "expression", {"CycleGAN": ["CycleGAN fails its check"]},
                    n_boot=20)
    assert g.verdicts["CycleGAN"].verdict == "inconclusive"
    assert "CycleGAN fails its check" in g.verdicts["CycleGAN"].evidence
    assert ch08.fig10b(generated, truth, "identity", n_boot=20).verdicts == {}
    # not measured, with or without a failed check
    v = ch08.fig10b_verdict("pix2pix", None, ["pix2pix fails its check"], "not cached")
    assert v.verdict == "inconclusive" and v.evidence.startswith("pix2pix fails its check; "
                                                                 "not cached; the paper")
    assert ch08.fig10b_verdict("pix2pix", None, (), "not cached").verdict == "not testable here"
    with pytest.raises(ValueError, match="same seeds"):
        ch08.fig10b(generated, {0: truth[0]}, "expression")
    with pytest.raises(ValueError, match="lacks the models"):
        ch08.fig10b({0: {"pix2pix": truth[0]}}, {0: truth[0]}, "expression")
    with pytest.raises(ValueError, match="Fig. 10 \\(b\\) shows"):
        ch08.fig10b_verdict("U-Net", [0.1])


def _fake_run(folder: Path, config: dict):
    """A stored run with stand-in weights: enough for the cache keys, nothing to translate."""
    import json

    from i2ilib.results import read_run, record_digests

    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "meta.json").write_text("{}")
    (folder / "metrics.json").write_text("{}")
    (folder / "generators.pt").write_bytes(b"stand-in weights " + folder.name.encode())
    record_digests(folder)
    return read_run(folder)


def test_cached_projections_are_read_without_weights_and_never_computed(tmp_path, monkeypatch):
    from i2ibook import catalogue

    def forbidden(*args, **kwargs):
        raise AssertionError("compute=False must not translate, embed or build data")

    monkeypatch.setattr("i2ibook.runner.translate", forbidden)
    monkeypatch.setattr(ch08, "book_spaces", forbidden)
    monkeypatch.setattr(ch08, "training_groups", forbidden)
    rng = np.random.default_rng(2)
    runs = {}
    for model, explicit in ch08.FIG10B_MODELS.items():
        runs[model] = [_fake_run(tmp_path / f"{model}-{s}", catalogue.pseudo_pairs_run(
            "book", "smile_removal", "ratio_1.0", s, explicit)[1]) for s in (0, 1)]
    assert ch08.fig10b_from_runs(runs, compute=False) is None
    assert ch08.run_projections(runs["pix2pix"][0], compute=False) is None
    assert ch08.training_projections(runs["pix2pix"][0], compute=False) is None
    truth = {s: rng.normal(size=(30, 2)) for s in (0, 1)}
    for model, rs in runs.items():
        for s, r in enumerate(rs):
            pts = {sp: {"translations": truth[s] + (3.0 if model == "CycleGAN" else 0.0),
                        "truth": truth[s]} for sp in ("identity", "expression")}
            ch08._write_points(Path(r.path) / ch08.PROJECTIONS_FILE, ch08._projections_key(r),
                               pts)
    fig = ch08.fig10b_from_runs(runs, compute=False)
    assert set(fig) == {"identity", "expression"} and fig["expression"].seeds == [0, 1]
    assert fig["expression"].verdicts["CycleGAN"].effect.seeds == 2
    # retrained weights (another digest) invalidate the cache
    r = runs["pix2pix"][0]
    (Path(r.path) / "generators.pt").write_bytes(b"retrained")
    from i2ilib.results import record_digests

    record_digests(r.path)
    assert ch08.run_projections(r, compute=False) is None
    # Fig. 9's cache depends on the data, not on the weights
    groups = {sp: {g: rng.normal(size=(10, 2)) for g in ch08.FIG9_GROUPS}
              for sp in ("identity", "expression")}
    ch08._write_points(Path(r.path) / ch08.TRAINING_PROJECTIONS_FILE,
                       ch08._training_key(r.config["data"]), groups)
    got = ch08.training_projections(r, compute=False)
    assert got is not None and np.allclose(got["identity"]["smiling"],
                                           groups["identity"]["smiling"], atol=1e-6)
    with pytest.raises(ValueError, match="same seeds"):
        ch08.fig10b_from_runs({"pix2pix": runs["pix2pix"], "CycleGAN": runs["CycleGAN"][:1]})


def test_training_groups_are_fig9s_three_groups():
    from i2ibook import catalogue

    _, cfg = catalogue.pseudo_pairs_run("smoke", "smile_removal", "ours", 0)
    g = ch08.training_groups(cfg["data"])
    assert list(g) == list(ch08.FIG9_GROUPS) == ["smiling", "neutral", "augmented"]
    assert all(x.dtype == np.uint8 and x.ndim == 4 and len(x) > 0 for x in g.values())
    _, none = catalogue.pseudo_pairs_run("smoke", "smile_removal", "no_augmentation", 0)
    with pytest.raises(ValueError, match="no augmented samples"):
        ch08.training_groups(none["data"])
    with pytest.raises(ValueError, match="pseudopairs"):
        ch08.training_groups({"source": "scenes"})
