from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.ndimage import binary_dilation

from i2ilib.data import digits as dg
from i2ilib.data import objects as ob

# --------------------------------------------------------------------------- #
# handwritten digits


def test_handwritten_matches_sklearn():
    from sklearn.datasets import load_digits

    d = load_digits()
    img, lab = dg.handwritten_digits(32)
    assert img.shape == (dg.N_HANDWRITTEN, 32, 32) and img.dtype == np.uint8
    np.testing.assert_array_equal(lab, d.target)
    # default pad 1/8: a 4-pixel black border at 32 px, digit in the 24x24 inside
    assert img[:, :4].max() == 0 and img[:, -4:].max() == 0 and img[:, :, :4].max() == 0
    assert img.max() == 255
    # block means of the upsampled digit follow the 8x8 original
    inner = img[:, 4:28, 4:28].astype(float).reshape(-1, 8, 3, 8, 3).mean(axis=(2, 4))
    orig = d.images * 255.0 / 16.0
    r = np.corrcoef(inner.ravel(), orig.ravel())[0, 1]
    assert r > 0.95


def test_handwritten_shuffle_and_subset():
    a, la = dg.handwritten_digits(16, n=100, seed=3, pad=0.0)
    b, lb = dg.handwritten_digits(16, n=100, seed=3, pad=0.0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    full, lf = dg.handwritten_digits(16, pad=0.0)
    perm = np.random.default_rng(3).permutation(dg.N_HANDWRITTEN)[:100]
    np.testing.assert_array_equal(a, full[perm])
    np.testing.assert_array_equal(la, lf[perm])
    with pytest.raises(ValueError, match="1797"):
        dg.handwritten_digits(16, n=1798)


# --------------------------------------------------------------------------- #
# printed digits


def test_fonts_ship_with_matplotlib():
    paths = dg.font_paths()
    assert len(paths) >= 10
    assert all(p.is_file() for p in paths)
    assert any("DejaVu" in p.name for p in paths)


def test_printed_digits_deterministic_prefix_and_labels():
    x, y = dg.printed_digits(12, 32, seed=5)
    assert x.shape == (12, 32, 32, 3) and x.dtype == np.uint8
    np.testing.assert_array_equal(y, np.arange(12) % 10)
    x2, _ = dg.printed_digits(12, 32, seed=5)
    np.testing.assert_array_equal(x, x2)
    x3, _ = dg.printed_digits(4, 32, seed=5)
    np.testing.assert_array_equal(x3, x[:4])  # digit i depends only on (seed, i)
    x4, _ = dg.printed_digits(4, 32, seed=6)
    assert not np.array_equal(x4, x[:4])
    x5, y5 = dg.printed_digits(3, 24, seed=0, labels=[7, 7, 2])
    assert x5.shape == (3, 24, 24, 3) and list(y5) == [7, 7, 2]
    with pytest.raises(ValueError, match="0..9"):
        dg.printed_digits(2, 24, labels=[1, 10])


def test_printed_digits_are_colourful_with_contrast():
    x, _ = dg.printed_digits(20, 32, seed=1)
    lum = x.astype(float) @ [0.299, 0.587, 0.114]
    assert (lum.reshape(20, -1).std(1) > 8).all()  # a visible digit on every image
    # coloured: on average the channels differ (not grey like the handwritten set)
    chroma = (x.max(-1).astype(int) - x.min(-1)).mean()
    assert chroma > 15
    # backgrounds vary from image to image
    corners = x[:, :3, :3].reshape(20, -1).mean(1)
    assert corners.std() > 20


def test_printed_digit_depends_on_label():
    rng = lambda: np.random.default_rng(11)
    one, eight = dg.printed_digit(rng(), 1, 32), dg.printed_digit(rng(), 8, 32)
    assert not np.array_equal(one, eight)
    np.testing.assert_array_equal(one, dg.printed_digit(rng(), 1, 32))


@pytest.mark.parametrize("style", ["handwritten", "printed"])
def test_digits_tensors(style):
    x, y = dg.digits_tensors(style, 10, 16, seed=0)
    assert x.shape == (10, 3, 16, 16) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1 and y.dtype == torch.int64 and y.shape == (10,)
    g, _ = dg.digits_tensors(style, 10, 16, seed=0, channels=1)
    assert g.shape == (10, 1, 16, 16)
    expect = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    torch.testing.assert_close(g, expect)
    with pytest.raises(ValueError, match="style"):
        dg.digits_tensors("cursive", 2)


# --------------------------------------------------------------------------- #
# coloured objects


@pytest.mark.parametrize("domain", ob.SDIT_DOMAINS + ("red",))
def test_colour_domain_hues(domain):
    d = ob.COLOUR_DOMAINS[domain]
    samples = [ob.render_object(i, domain, 32) for i in range(8)]
    hsv = ob.hue_saturation_value(
        np.stack([s.image for s in samples]), np.stack([s.mask for s in samples])
    )
    lo, hi = d.hue
    for (h, s, v), smp in zip(hsv, samples):
        dist = abs((h - (lo + hi) / 2 + 180) % 360 - 180)
        assert dist <= (hi - lo) / 2 + 4, (domain, h)
        assert abs((h - smp.hue + 180) % 360 - 180) < 4  # measured hue = the hue drawn
        assert s > 0.4
    # shades vary inside a domain (diverse translation has something to learn)
    assert np.ptp([s.hue for s in samples]) > 0.3 * (hi - lo)
    assert np.ptp([s.val for s in samples]) > 0.05
    labels = ob.classify_colour(np.stack([s.image for s in samples]))
    assert list(labels) == [domain] * 8


def test_black_domain_is_dark_and_classified():
    imgs = np.stack([ob.render_object(i, "black", 32).image for i in range(6)])
    hsv = ob.hue_saturation_value(imgs)
    assert (hsv[:, 2] < 0.3).all()
    assert list(ob.classify_colour(imgs, domains=("red", "black"))) == ["black"] * 6
    red = np.stack([ob.render_object(i, "red", 32).image for i in range(6)])
    assert list(ob.classify_colour(red, domains=("red", "black"))) == ["red"] * 6


def test_true_counterparts_differ_only_on_the_object():
    a = ob.render_object(42, "orange", 48)
    b = ob.render_object(42, "blue", 48)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.mask, b.mask)
    outside = ~binary_dilation(a.mask, iterations=1)
    np.testing.assert_array_equal(a.image[outside], b.image[outside])
    assert np.abs(a.image[a.mask].astype(int) - b.image[a.mask]).mean() > 40
    c = ob.render_object(43, "orange", 48)
    assert not np.array_equal(a.mask, c.mask) or not np.array_equal(a.image, c.image)


def test_textured_changes_material_not_colour():
    flat = ob.render_object(7, "green", 64, shape="bag")
    tex = ob.render_object(7, "green", 64, textured=True, shape="bag")
    np.testing.assert_array_equal(flat.mask, tex.mask)
    hf = ob.hue_saturation_value(flat.image, flat.mask)
    ht = ob.hue_saturation_value(tex.image, tex.mask)
    assert abs(hf[0] - ht[0]) < 4  # same hue
    lum = lambda s: s.image.astype(float) @ [0.299, 0.587, 0.114]
    from scipy.ndimage import laplace

    # texture adds high-frequency brightness detail inside the object
    detail_f = np.abs(laplace(lum(flat)))[flat.mask].mean()
    detail_t = np.abs(laplace(lum(tex)))[tex.mask].mean()
    assert detail_t > 1.5 * detail_f


def test_render_object_deterministic_and_errors():
    a = ob.render_object(5, "yellow", 32, textured=True)
    b = ob.render_object(5, "yellow", 32, textured=True)
    np.testing.assert_array_equal(a.image, b.image)
    s = ob.render_object(5, "yellow", 32, shade=(0.0, 1.0, 1.0))
    assert s.hue == pytest.approx(ob.COLOUR_DOMAINS["yellow"].hue[0])
    with pytest.raises(ValueError, match="colour domain"):
        ob.render_object(0, "purple")
    with pytest.raises(ValueError, match="shape"):
        ob.render_object(0, "red", shape="teapot")
    with pytest.raises(ValueError, match="shade"):
        ob.render_object(0, "red", shade=(0.5, 2.0, 0.1))


def test_colour_objects_paired_and_unpaired():
    d = ob.colour_objects(3, size=24, seed=2, paired=True)
    assert d["images"].shape == (12, 24, 24, 3)
    np.testing.assert_array_equal(d["domain"], np.repeat(np.arange(4), 3))
    np.testing.assert_array_equal(d["object_id"][:3], d["object_id"][3:6])
    np.testing.assert_array_equal(d["masks"][0], d["masks"][3])  # same object, other colour
    u = ob.colour_objects(3, size=24, seed=2, paired=False)
    assert len(set(u["object_id"].tolist())) == 12
    assert list(ob.classify_colour(u["images"], u["masks"])) == [
        ob.SDIT_DOMAINS[i] for i in u["domain"]
    ]


def test_biased_sets_follow_table_5_1():
    cfg = ob.BIAS_CONFIGS
    assert cfg["handbags_color"]["train"]["A"] == {("black", False): 755}
    assert cfg["handbags_color"]["train"]["B"] == {("red", True): 1000, ("red", False): 100}
    assert cfg["handbags_texture"]["train"]["A"] == {("red", False): 1256}
    assert cfg["handbags_texture"]["train"]["B"] == {("black", True): 1100, ("red", True): 100}
    d = ob.biased_objects(
        {("red", True): 5, ("red", False): 1, ("black", True): 2}, size=24, seed=1
    )
    assert d["images"].shape[0] == 8
    assert d["domains"] == ("red", "black")
    assert d["textured"].tolist() == [True] * 5 + [False] + [True] * 2
    assert (d["shape"] == ob.SHAPES.index("bag")).all()
    assert list(ob.classify_colour(d["images"], d["masks"], domains=("red", "black"))) == (
        ["red"] * 6 + ["black"] * 2
    )
