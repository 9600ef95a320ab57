"""Set distances on features, cross-checked against pytorch-fid, torchmetrics and brute force."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from i2ilib.metrics import distribution as dist


def _pytorch_fid():
    """pytorch-fid's reference Fréchet distance (a test-only dependency)."""
    return pytest.importorskip("pytorch_fid.fid_score")


def _torchmetrics(name: str):
    """torchmetrics' FID / KID modules (test-only dependency)."""
    return pytest.importorskip(f"torchmetrics.image.{name}")


class GivenFeatures(nn.Module):
    """A torchmetrics 'feature extractor' whose input already is the feature matrix."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.num_features = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _random_sets(n: int, m: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, d))
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    b = rng.normal(size=(m, d)) @ mix * 1.5 + 0.3
    return a, b


def _structured_sets(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Low-rank plus a wide spectrum, clustered and with duplicated rows: far from i.i.d. noise."""
    rng = np.random.default_rng(seed)
    d = 48
    basis = rng.normal(size=(6, d))
    scales = np.geomspace(10.0, 1e-3, d)
    centres = rng.normal(size=(5, 6)) * 3
    a = centres[rng.integers(0, 5, 400)] + rng.normal(size=(400, 6))
    a = a @ basis + rng.normal(size=(400, d)) * scales
    b = centres[rng.integers(0, 3, 300)] + 0.5 * rng.normal(size=(300, 6))
    b = b @ basis + rng.normal(size=(300, d)) * scales[::-1]
    b[:50] = a[:50]  # some generated samples copy training samples exactly
    return a, b


@functools.lru_cache(maxsize=1)
def _real_image_feature_sets() -> tuple[np.ndarray, np.ndarray]:
    """Random-conv features of 64 px crops of two real photographs shipped with scikit-image."""
    skdata = pytest.importorskip("skimage.data")
    from i2ilib.metrics.features import RandomConvExtractor, extract_features

    rng = np.random.default_rng(0)
    sets = []
    for img in (skdata.astronaut(), skdata.chelsea()):
        t = torch.from_numpy(img).permute(2, 0, 1).float() / 127.5 - 1.0
        ys = rng.integers(0, t.shape[1] - 64, 200)
        xs = rng.integers(0, t.shape[2] - 64, 200)
        crops = torch.stack([t[:, y:y + 64, x:x + 64] for y, x in zip(ys, xs)])
        feats = extract_features(RandomConvExtractor(seed=0, width=8), crops, device="cpu",
                                 progress=False)
        sets.append(feats.double().numpy())
    return sets[0], sets[1]


FEATURE_SETS = {
    "random-500x16": lambda: _random_sets(500, 400, 16, 0),
    "random-300x64": lambda: _random_sets(300, 300, 64, 1),
    "structured-clusters-lowrank": lambda: _structured_sets(2),
    "real-photo-crops": _real_image_feature_sets,
}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
def test_frechet_distance_matches_pytorch_fid_and_torchmetrics(name):
    a, b = FEATURE_SETS[name]()
    ours = dist.frechet_distance(a, b)
    ref_pf = _pytorch_fid().calculate_frechet_distance(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    )
    metric = _torchmetrics("fid").FrechetInceptionDistance(feature=GivenFeatures(a.shape[1]))
    metric.update(torch.from_numpy(a), real=True)
    metric.update(torch.from_numpy(b), real=False)
    ref_tm = float(metric.compute())
    assert ours > 0
    assert _rel(ours, float(ref_pf)) <= 1e-4
    assert _rel(ours, ref_tm) <= 1e-4


def test_frechet_distance_from_stats_closed_form():
    # diagonal covariances: FD = |mu1 - mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    expected = 1 + 0 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 0.5) ** 2
    got = dist.frechet_distance_from_stats(mu1, np.diag(s1), mu2, np.diag(s2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_of_a_set_to_itself_is_zero_and_symmetric():
    a, b = _random_sets(300, 200, 8, 3)
    assert abs(dist.frechet_distance(a, a)) < 1e-8
    assert dist.frechet_distance(a, b) == pytest.approx(dist.frechet_distance(b, a), rel=1e-8)


def test_frechet_distance_singular_covariances_match_pytorch_fid():
    # N <= D: rank-deficient covariances, the case that needs the eps offset
    a, b = _random_sets(40, 30, 64, 4)
    with pytest.warns(UserWarning, match="singular"):
        ours = dist.frechet_distance(a, b)
    ref = _pytorch_fid().calculate_frechet_distance(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    )
    assert np.isfinite(ours)
    assert _rel(ours, float(ref)) <= 1e-4


def test_sqrtm_product_falls_back_to_eps_offset_on_non_finite_root(monkeypatch):
    calls = []
    real_sqrtm = dist.scipy.linalg.sqrtm

    def flaky_sqrtm(m):
        calls.append(m.copy())
        return np.full_like(m, np.nan) if len(calls) == 1 else real_sqrtm(m)

    monkeypatch.setattr(dist.scipy.linalg, "sqrtm", flaky_sqrtm)
    s = np.diag([1.0, 0.0])
    root = dist.sqrtm_product(s, s, eps=1e-6)
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], (s + 1e-6 * np.eye(2)) @ (s + 1e-6 * np.eye(2)))
    np.testing.assert_allclose(root, np.diag([1.0 + 1e-6, 1e-6]), atol=1e-9)


def test_trace_sqrtm_product_eigen_form():
    a, b = _random_sets(200, 150, 12, 8)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = np.trace(np.real(dist.scipy.linalg.sqrtm(s1 @ s2)))
    assert dist.trace_sqrtm_product(s1, s2) == pytest.approx(expected, rel=1e-9)
    # rank-deficient (N << D): agrees with torchmetrics' eigenvalue form
    a, b = np.exp(_random_sets(20, 20, 120, 9)[0]), np.exp(_random_sets(20, 20, 120, 10)[1])
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = _torchmetrics("fid")._compute_fid(*(torch.from_numpy(x) for x in (np.zeros(120), s1, np.zeros(120), s2)))
    ours = np.trace(s1) + np.trace(s2) - 2 * dist.trace_sqrtm_product(s1, s2)
    assert _rel(ours, float(ref)) <= 1e-4


def test_frechet_distance_falls_back_to_eigen_form_when_sqrtm_fails(monkeypatch):
    a, b = _random_sets(100, 100, 6, 11)
    expected = dist.frechet_distance(a, b)

    def broken(*args, **kwargs):
        raise ValueError("no real root")

    monkeypatch.setattr(dist, "sqrtm_product", broken)
    with pytest.warns(UserWarning, match="eigenvalue form"):
        assert dist.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
def test_kid_full_set_matches_torchmetrics(name):
    a, b = FEATURE_SETS[name]()
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    metric = _torchmetrics("kid").KernelInceptionDistance(feature=GivenFeatures(a.shape[1]), subsets=1,
                                            subset_size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        metric.update(torch.from_numpy(a), real=True)
        metric.update(torch.from_numpy(b), real=False)
        ref_mean, ref_std = (float(v) for v in metric.compute())
    mean, std = dist.kid(a, b, n_subsets=1, subset_size=n)
    assert _rel(mean, ref_mean) <= 1e-6
    assert std == 0.0 and ref_std == 0.0
    assert _rel(dist.mmd2_unbiased(a, b), ref_mean) <= 1e-6


def test_kid_subsets_are_seeded_and_average_the_unbiased_estimate():
    a, b = _random_sets(120, 100, 8, 5)
    mean, std = dist.kid(a, b, n_subsets=5, subset_size=50, seed=7)
    rng = np.random.default_rng(7)
    vals = []
    for _ in range(5):
        ia = rng.choice(120, 50, replace=False)
        ib = rng.choice(100, 50, replace=False)
        vals.append(dist.mmd2_unbiased(a[ia], b[ib]))
    assert mean == pytest.approx(np.mean(vals), rel=1e-12)
    assert std == pytest.approx(np.std(vals), rel=1e-12)
    assert dist.kid(a, b, 5, 50, seed=7) == (mean, std)
    assert dist.kid(a, b, 5, 50, seed=8) != (mean, std)


def test_mmd2_unbiased_brute_force_unequal_sizes():
    a, b = _random_sets(13, 9, 4, 6)

    def k(x, y):
        return (x @ y / 4 + 1.0) ** 3

    aa = sum(k(a[i], a[j]) for i in range(13) for j in range(13) if i != j) / (13 * 12)
    bb = sum(k(b[i], b[j]) for i in range(9) for j in range(9) if i != j) / (9 * 8)
    ab = sum(k(a[i], b[j]) for i in range(13) for j in range(9)) / (13 * 9)
    assert dist.mmd2_unbiased(a, b) == pytest.approx(aa + bb - 2 * ab, rel=1e-10)


def _brute_force_precision_recall(real, fake, k):
    def radii(x):
        out = []
        for i in range(len(x)):
            d = sorted(np.linalg.norm(x[i] - x[j]) for j in range(len(x)) if j != i)
            out.append(d[k - 1])
        return out

    def covered(queries, support, r):
        return np.mean([
            any(np.linalg.norm(q - s) <= ri for s, ri in zip(support, r)) for q in queries
        ])

    return covered(fake, real, radii(real)), covered(real, fake, radii(fake))


@pytest.mark.parametrize("k", [1, 3])
def test_precision_recall_matches_brute_force(k):
    rng = np.random.default_rng(k)
    real = rng.normal(size=(60, 5))
    fake = rng.normal(size=(50, 5)) * 1.3 + 0.4
    fake[:10] = real[:10]  # exact copies sit on real points
    expected = _brute_force_precision_recall(real, fake, k)
    assert dist.precision_recall(real, fake, k=k) == pytest.approx(expected, abs=1e-12)
    # batching must not change anything
    assert dist.precision_recall(real, fake, k=k, batch_size=7) == pytest.approx(expected, abs=1e-12)


def test_precision_recall_mode_dropping_vs_blurry():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 8)) * 10
    real = centres[rng.integers(0, 10, 500)] + rng.normal(size=(500, 8))
    dropped = centres[rng.integers(0, 3, 500)] + rng.normal(size=(500, 8))  # 3 of 10 modes
    blurry = centres.mean(0) + rng.normal(size=(500, 8)) * 6.0  # between the modes
    matched = centres[rng.integers(0, 10, 500)] + rng.normal(size=(500, 8))
    p_drop, r_drop = dist.precision_recall(real, dropped)
    p_blur, _ = dist.precision_recall(real, blurry)
    p_ok, r_ok = dist.precision_recall(real, matched)
    assert p_ok > 0.8 and r_ok > 0.8
    assert p_drop > 0.8 and r_drop < 0.35  # realistic but covers 3 of 10 modes
    assert p_blur < 0.1  # nothing lands on the real modes


@pytest.fixture
def one_thread():
    """The critic is a tiny MLP: one thread is faster and steadier on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_iw_critic_separated_vs_identical(one_thread):
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(600, 4))
    same = rng.normal(size=(600, 4))
    far = rng.normal(size=(600, 4))
    far[:, 0] += 3.0  # W1 distance = 3
    kw = {"n_steps": 250, "hidden": 64, "batch_size": 128, "lr": 1e-3}
    iw_far = dist.independent_wasserstein_critic(ref, far, **kw)
    iw_same = dist.independent_wasserstein_critic(ref, same, **kw)
    assert 2.0 < iw_far.value < 4.0
    assert abs(iw_same.value) < 0.4
    assert iw_far.table_value == -iw_far.value
    again = dist.independent_wasserstein_critic(ref, far, **kw)
    assert again.value == iw_far.value  # deterministic by seed


def test_iw_critic_leaves_global_rng_untouched():
    state = torch.random.get_rng_state()
    a, b = _random_sets(40, 40, 3, 0)
    dist.independent_wasserstein_critic(a, b, n_steps=3, hidden=8)
    assert torch.equal(state, torch.random.get_rng_state())


# ---------------------------------------------------------------- error cases


@pytest.mark.parametrize("fn", [dist.frechet_distance, dist.mmd2_unbiased,
                                dist.precision_recall])
def test_mismatched_dims_raise(fn):
    with pytest.raises(ValueError, match="feature dimension"):
        fn(np.zeros((10, 3)), np.zeros((10, 4)))


def test_nan_features_raise():
    a = np.random.default_rng(0).normal(size=(20, 3))
    a[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dist.frechet_distance(a, a[::-1].copy() + 1)
    with pytest.raises(ValueError, match="NaN"):
        dist.kid(np.nan_to_num(a), a, 1, 10)


def test_too_few_samples_raise_with_message():
    with pytest.raises(ValueError, match="at least 2"):
        dist.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="at least 4"):
        dist.precision_recall(np.ones((3, 2)), np.ones((10, 2)), k=3)
    with pytest.raises(ValueError, match="subset_size"):
        dist.kid(np.ones((10, 2)), np.ones((8, 2)), 1, 9)


def test_wrong_rank_raises():
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        dist.frechet_distance(np.zeros((4, 3, 2)), np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="shape"):
        dist.frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
