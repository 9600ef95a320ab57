"""Feature extraction, named scores, LPIPS-style distance and diversity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from i2ilib.metrics import distribution, features, perceptual, set_scores
from i2ilib.metrics.score import Score, frechet_metric_name


def _images(n: int, seed: int, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


class DictSet(Dataset):
    def __init__(self, imgs: torch.Tensor) -> None:
        self.imgs = imgs

    def __len__(self) -> int:
        return len(self.imgs)

    def __getitem__(self, i: int) -> dict:
        return {"A": -self.imgs[i], "B": self.imgs[i], "A_path": f"{i}.png", "B_path": f"{i}.png"}


@pytest.fixture(scope="module")
def extractor():
    return features.RandomConvExtractor(seed=0, width=8)


def test_random_conv_extractor_is_seeded_and_named(extractor):
    x = _images(4, 0)
    again = features.RandomConvExtractor(seed=0, width=8)
    other = features.RandomConvExtractor(seed=1, width=8)
    assert extractor.name == "randconv-s0-d64" and extractor.dim == 64
    assert isinstance(extractor, features.FeatureExtractor)
    f = extractor(x)
    assert f.shape == (4, 64)
    assert torch.equal(f, again(x))
    assert not torch.allclose(f, other(x))
    maps = extractor.feature_maps(x)
    assert [m.shape[1:] for m in maps] == [(8, 16, 16), (16, 8, 8), (32, 4, 4), (64, 2, 2)]


def test_extract_features_same_from_tensor_dataset_and_loader(extractor):
    x = _images(10, 1)
    ref = features.extract_features(extractor, x, batch_size=4, device="cpu", progress=False)
    assert ref.shape == (10, 64) and ref.dtype == torch.float32
    torch.testing.assert_close(ref, extractor(x))
    ds = DictSet(x)
    from_ds = features.extract_features(extractor, ds, batch_size=3, device="cpu",
                                        progress=False, key="B")
    loader = DataLoader(ds, batch_size=4)
    from_loader = features.extract_features(extractor, loader, device="cpu", progress=False,
                                            key="B")
    torch.testing.assert_close(from_ds, ref)
    torch.testing.assert_close(from_loader, ref)


def test_extract_features_rejects_bad_images(extractor):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        features.extract_features(extractor, _images(2, 0) * 3, device="cpu", progress=False)
    with pytest.raises(ValueError, match="RGB"):
        features.extract_features(extractor, torch.zeros(2, 1, 8, 8), device="cpu",
                                  progress=False)
    with pytest.raises(ValueError, match="key="):
        features.extract_features(extractor, DictSet(_images(2, 0)), device="cpu",
                                  progress=False)


def test_inception_extractor_offline_error(monkeypatch, tmp_path):
    pytest.importorskip("pytorch_fid")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="offline") as err:
        features.inception_extractor()
    assert str(tmp_path) in str(err.value) and "RandomConvExtractor" in str(err.value)


def test_scores_carry_extractor_name_and_match_feature_functions(extractor):
    real, fake = _images(80, 2), _images(70, 3) * 0.5
    fd = set_scores.fd_score(extractor, real, fake, device="cpu", progress=False)
    fr = features.extract_features(extractor, real, device="cpu", progress=False)
    ff = features.extract_features(extractor, fake, device="cpu", progress=False)
    assert isinstance(fd, Score)
    assert fd.metric == "FD" and fd.extractor == "randconv-s0-d64"
    assert str(fd).startswith("FD[randconv-s0-d64] = ")
    assert fd.value == pytest.approx(distribution.frechet_distance(fr, ff), rel=1e-12)
    assert fd.as_dict()["n_real"] == 80
    k = set_scores.kid_score(extractor, real, fake, n_subsets=3, subset_size=50, device="cpu",
                         progress=False)
    assert (k.value, k.extras["std"]) == pytest.approx(distribution.kid(fr, ff, 3, 50))
    p, r = set_scores.precision_recall_scores(extractor, real, fake, device="cpu", progress=False)
    assert (p.metric, r.metric) == ("precision", "recall")
    assert (p.value, r.value) == distribution.precision_recall(fr, ff)
    with pytest.raises(ValueError, match="features"):
        set_scores.fd_score(extractor, fr, ff, progress=False)


def test_only_inception_features_are_called_fid():
    assert frechet_metric_name("inception-v3-pytorch-fid-pool3") == "FID"
    assert frechet_metric_name("randconv-s0-d256") == "FD"
    assert frechet_metric_name("synthscenes-cnn") == "FD"


def test_lpips_style_distance_hand_computed(extractor):
    dist_fn = perceptual.LPIPSStyleDistance(extractor)
    assert dist_fn.name == "LPIPS-style[randconv-s0-d64]"
    x, y = _images(3, 4), _images(3, 5)
    d = dist_fn(x, y)
    assert d.shape == (3,)
    expected = torch.zeros(3)
    for fx, fy in zip(extractor.feature_maps(x), extractor.feature_maps(y)):
        nx = fx / (fx.norm(dim=1, keepdim=True) + 1e-10)
        ny = fy / (fy.norm(dim=1, keepdim=True) + 1e-10)
        expected += ((nx - ny) ** 2).sum(1).mean(dim=(1, 2))
    torch.testing.assert_close(d, expected)
    torch.testing.assert_close(dist_fn(x, x), torch.zeros(3))
    torch.testing.assert_close(dist_fn(y, x), d)
    # each layer contributes at most 4 (unit vectors): bounded like LPIPS
    assert (d <= 4 * 4).all() and (d > 0).all()


def test_perceptual_distance_falls_back_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert not perceptual.lpips_available("alex")
    d = perceptual.perceptual_distance()
    assert isinstance(d, perceptual.LPIPSStyleDistance)
    assert d.name.startswith("LPIPS-style[")


def test_diversity_protocol(extractor):
    dist_fn = perceptual.LPIPSStyleDistance(extractor)
    inputs = _images(5, 6, size=16)
    calls = []

    def deterministic(x, gen):
        calls.append(len(x))
        return x

    def noisy(x, gen):
        return (x + 0.5 * torch.randn(x.shape, generator=gen)).clamp(-1, 1)

    zero = perceptual.diversity(deterministic, inputs, dist_fn, n_pairs=19, batch_size=5)
    assert zero.value == pytest.approx(0.0, abs=1e-6)
    assert sum(calls) == 2 * 19 * 5  # two outputs per pair, 19 pairs per input
    assert zero.extractor == dist_fn.name and zero.extras["n_inputs"] == 5
    div = perceptual.diversity(noisy, inputs, dist_fn, n_pairs=4, seed=1)
    assert div.value > 0.01
    assert perceptual.diversity(noisy, inputs, dist_fn, n_pairs=4, seed=1).value == div.value
    with pytest.raises(ValueError, match="n_pairs"):
        perceptual.diversity(noisy, inputs, dist_fn, n_pairs=0)


def test_score_is_float_like():
    s = Score(1.5, "KID", "randconv-s0-d64", {"std": 0.1})
    assert float(s) == 1.5 and s.label == "KID[randconv-s0-d64]"
    assert s.as_dict() == {"metric": "KID", "extractor": "randconv-s0-d64", "value": 1.5,
                           "std": 0.1}
    assert np.isclose(float(s) * 2, 3.0)
