"""α-paired sets, pseudo-pair models M(b) and the paper's dataset configurations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from i2ilib.data.pairing import UnalignedDataset, make_alpha_paired, n_paired_for
from i2ilib.data.pseudopairs import (
    CONFIG_NAMES,
    SMILE_TEMPLATES,
    build_config,
    build_configs,
    pseudo_eyeglasses,
    pseudo_smile,
)
from i2ilib.data.synthfaces import Pose, render_face, sample_identity


def _aligned(n: int):
    """A[i] and B[i] carry the same id, so pairs are checkable."""
    return np.arange(n) * 10, np.arange(n) * 10 + 1


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 0.75, 1.0, 0.33])
def test_alpha_fraction_is_exact(alpha):
    A, B = _aligned(200)
    n = 60
    s = make_alpha_paired(A, B, alpha, n, seed=1)
    k = n_paired_for(alpha, n)
    assert k == round(alpha * n)
    assert s.A.shape == (n,) and s.B.shape == (n,)
    assert s.n_paired == k == s.A_is_paired.sum() == s.B_is_paired.sum()
    # every listed pair is a true pair, and no other A sample has its counterpart in B
    for i, j in s.pairs:
        assert s.A[i] // 10 == s.B[j] // 10
    ids_a, ids_b = set((s.A // 10).tolist()), set((s.B // 10).tolist())
    assert len(ids_a) == n and len(ids_b) == n
    assert len(ids_a & ids_b) == k
    assert np.array_equal(s.A, A[s.A_source]) and np.array_equal(s.B, B[s.B_source])


def test_n_paired_rounds_halves_up():
    assert n_paired_for(0.25, 10) == 3 and n_paired_for(0.5, 7) == 4 and n_paired_for(1.0, 9) == 9


def test_pairs_are_hidden_by_independent_shuffles():
    A, B = _aligned(100)
    s = make_alpha_paired(A, B, 1.0, 100, seed=3)
    same_position = np.mean(s.A // 10 == s.B // 10)
    assert same_position < 0.1  # a loader that zips A and B sees (almost) no pairs
    assert sorted((s.A // 10).tolist()) == list(range(100))


def test_alpha_paired_is_deterministic_and_seeded():
    A, B = _aligned(50)
    a = make_alpha_paired(A, B, 0.5, 20, seed=7)
    b = make_alpha_paired(A, B, 0.5, 20, seed=7)
    c = make_alpha_paired(A, B, 0.5, 20, seed=8)
    assert np.array_equal(a.A, b.A) and np.array_equal(a.pairs, b.pairs)
    assert not np.array_equal(a.A, c.A)


def test_alpha_paired_accepts_lists_and_tensors():
    A = [f"a{i}" for i in range(10)]
    B = [f"b{i}" for i in range(10)]
    s = make_alpha_paired(A, B, 0.5, 6, seed=0)
    assert isinstance(s.A, list) and all(s.A[i][1:] == s.B[j][1:] for i, j in s.pairs)
    t = make_alpha_paired(torch.arange(10), torch.arange(10) + 100, 0.5, 6, seed=0)
    assert isinstance(t.A, torch.Tensor) and t.A.shape == (6,)


def test_alpha_paired_errors():
    A, B = _aligned(10)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            make_alpha_paired(A, B, bad, 5)
    with pytest.raises(ValueError, match="needs 8 aligned samples"):
        make_alpha_paired(A[:7], B[:7], 0.0, 4)
    with pytest.raises(ValueError, match="equal length"):
        make_alpha_paired(A, B[:5], 0.5, 3)
    with pytest.raises(ValueError, match="positive integer"):
        make_alpha_paired(A, B, 0.5, 0)


def test_unaligned_dataset_returns_training_dicts():
    A = np.zeros((4, 8, 8, 3), np.uint8)
    B = np.full((6, 8, 8, 3), 255, np.uint8)
    ds = UnalignedDataset(A, B, seed=1)
    assert len(ds) == 6
    item = ds[5]
    assert set(item) == {"A", "B", "A_path", "B_path"}
    assert item["A"].shape == (3, 8, 8) and float(item["A"].max()) == -1.0
    assert float(item["B"].min()) == 1.0
    assert ds[5]["B_path"] == item["B_path"]


def _neutral_face(size: int = 128, seed: int = 0):
    ident = sample_identity(np.random.default_rng(seed))
    return render_face(ident, {"Smiling": 0.0, "Eyeglasses": 0.0}, Pose(), size)


@pytest.mark.parametrize("size", [128, 64])
def test_pseudo_glasses_parameters_within_paper_ranges(size):
    face = _neutral_face(size)
    scale = size / 128
    seen_t = []
    for seed in range(200):
        _, p = pseudo_eyeglasses(face.image, face.landmarks, np.random.default_rng(seed))
        assert p.scale == scale
        assert 10 * scale <= p.height <= 25 * scale
        assert p.height / 2 <= p.width <= 2 * p.height
        assert 0.1 <= p.transparency <= 1.0
        assert p.height / 5 <= p.bridge_width <= p.height / 2
        seen_t.append(p.transparency)
    assert min(seen_t) < 0.2 and max(seen_t) > 0.9  # the whole range is used


def test_pseudo_glasses_blend_at_the_eye_and_leave_the_rest():
    face = _neutral_face(128)
    out, p = pseudo_eyeglasses(face.image, face.landmarks, np.random.default_rng(5))
    ex, ey = np.rint(face.landmarks[0]).astype(int)
    expected = face.image[ey, ex].astype(float) * (1 - p.transparency)
    assert np.all(np.abs(out[ey, ex].astype(float) - expected) <= 1.0)
    changed = np.any(out != face.image, axis=2)
    rows = np.flatnonzero(changed.any(axis=1))
    eye_y = face.landmarks[:2, 1]
    assert rows.min() >= eye_y.min() - p.height / 2 - 1.5
    assert rows.max() <= eye_y.max() + p.height / 2 + 1.5


def test_pseudo_smile_changes_only_the_mouth_area():
    face = _neutral_face(128)
    seen = set()
    for seed in range(12):
        out, p = pseudo_smile(face.image, face.landmarks, np.random.default_rng(seed))
        seen.add(p.template)
        changed = np.any(out != face.image, axis=2)
        assert changed.sum() > 20
        ys, xs = np.nonzero(changed)
        mouth = face.landmarks[3:]
        half = (mouth[1, 0] - mouth[0, 0]) / 2 * p.widen
        assert xs.min() >= mouth[:, 0].min() - (half * 0.3) - 2
        assert xs.max() <= mouth[:, 0].max() + (half * 0.3) + 2
        assert ys.min() >= mouth[:, 1].min() - half
        assert ys.max() <= mouth[:, 1].max() + half
    assert seen <= set(range(len(SMILE_TEMPLATES))) and len(seen) >= 3


def test_pseudo_models_reject_bad_input():
    face = _neutral_face(64)
    with pytest.raises(ValueError, match="uint8"):
        pseudo_eyeglasses(face.image.astype(float), face.landmarks, np.random.default_rng(0))
    with pytest.raises(ValueError, match="landmarks"):
        pseudo_smile(face.image, face.landmarks[:2], np.random.default_rng(0))


@pytest.fixture(scope="module")
def glasses_configs():
    return build_configs("eyeglass_removal", n_base=8, n_aug=8, n_test=3, size=32, seed=0)


def test_configuration_compositions(glasses_configs):
    c = glasses_configs
    assert set(c) == set(CONFIG_NAMES)
    expect = {
        "no_augmentation": (8, 0, 0, 8),
        "ours": (8, 8, 0, 8),
        "pseudo_unpaired": (8, 0, 8, 8),
        "natural": (16, 0, 0, 8),
        "ratio_0.25": (8, 4, 4, 8),
        "ratio_0.5": (8, 8, 0, 8),
        "ratio_0.75": (4, 12, 0, 12),
        "ratio_1.0": (0, 16, 0, 16),
    }
    for name, (real, paired, unpaired, nb) in expect.items():
        counts = c[name].counts()
        assert (counts["real"], counts["pseudo_paired"], counts["pseudo_unpaired"], counts["B"]) == (
            real, paired, unpaired, nb,
        ), name
    for name, alpha in (("ratio_0.25", 0.25), ("ratio_0.5", 0.5), ("ratio_0.75", 0.75), ("ratio_1.0", 1.0)):
        assert c[name].pairing_ratio == alpha


def test_pseudo_pairs_point_at_their_b(glasses_configs):
    for cfg in glasses_configs.values():
        for i in np.flatnonzero(cfg.A_kind == "pseudo_paired"):
            j = cfg.A_counterpart[i]
            assert np.array_equal(cfg.A_truth[i], cfg.B[j])
            assert not np.array_equal(cfg.A[i], cfg.B[j])
        unpaired = np.flatnonzero(cfg.A_kind == "pseudo_unpaired")
        for i in unpaired:  # their b is not in B
            assert not any(np.array_equal(cfg.A_truth[i], b) for b in cfg.B)
        assert np.all(cfg.A_counterpart[cfg.A_kind != "pseudo_paired"] == -1)


def test_configurations_share_the_pools(glasses_configs):
    c = glasses_configs
    assert np.array_equal(np.sort(c["ours"].B.reshape(8, -1), 0), np.sort(c["no_augmentation"].B.reshape(8, -1), 0))
    assert np.array_equal(c["ours"].test_A, c["natural"].test_A)
    assert c["ours"].test_A.shape == (3, 32, 32, 3)
    # the test truths are the same faces without glasses: they differ from test_A
    assert all(not np.array_equal(a, b) for a, b in zip(c["ours"].test_A, c["ours"].test_A_truth))


def test_smile_config_and_errors():
    cfg = build_config("smile_removal", "ours", n_base=3, n_aug=3, n_test=1, size=32, seed=1)
    assert cfg.attribute == "Smiling" and cfg.counts()["pseudo_paired"] == 3
    with pytest.raises(ValueError, match="Unknown task"):
        build_config("beard_removal", "ours")
    with pytest.raises(ValueError, match="Unknown configuration"):
        build_config("smile_removal", "ratio_2", n_base=2, n_aug=2, n_test=1, size=32)
    with pytest.raises(ValueError, match="n_aug <= n_base"):
        build_config("smile_removal", "ours", n_base=2, n_aug=3, n_test=1, size=32)


def test_config_training_view_hides_the_pairing(glasses_configs):
    cfg = glasses_configs["ours"]
    ds = cfg.dataset(seed=0)
    item = ds[0]
    assert set(item) == {"A", "B", "A_path", "B_path"}
    assert item["A"].shape == (3, 32, 32) and -1.0 <= float(item["A"].min()) <= float(item["A"].max()) <= 1.0
    assert torch.equal(item["A"], torch.from_numpy(cfg.A[0]).permute(2, 0, 1).float() / 127.5 - 1.0)


def test_glasses_scale_thickens_only_the_frames(glasses_configs):
    """The larger rendering of the attribute: the same people and poses, the real glasses
    drawn thicker (more dark pixels around the eyes), the truths and the B faces unchanged."""
    thick = build_configs("eyeglass_removal", ("ours",), n_base=8, n_aug=8, n_test=3, size=32,
                          seed=0, glasses_scale=2.5)["ours"]
    base = glasses_configs["ours"]
    assert np.array_equal(thick.test_A_truth, base.test_A_truth)
    assert np.array_equal(thick.B, base.B)
    changed = np.abs(thick.test_A.astype(int) - base.test_A.astype(int)).sum(-1) > 0
    assert changed.any(axis=(1, 2)).all()  # every test face with glasses is drawn anew
    rows = np.flatnonzero(changed.any(axis=(0, 2)))
    assert rows.max() - rows.min() < 32 // 2  # ... in a band around the eyes only
    assert changed.mean() > (base.test_A != base.test_A_truth).any(-1).mean() * 0.2
    with pytest.raises(ValueError, match="glasses_scale"):
        build_configs("eyeglass_removal", ("ours",), n_base=2, n_aug=2, n_test=1, size=32,
                      glasses_scale=0)


def test_glasses_scale_one_is_the_book_rendering():
    from i2ilib.data.pseudopairs import thicker_glasses

    ident = sample_identity(np.random.default_rng(3))
    assert thicker_glasses(ident, 1.0) is ident
    twice = thicker_glasses(ident, 2.0)
    assert twice.glasses.thickness == pytest.approx(2 * ident.glasses.thickness)
    assert twice.glasses.shape == ident.glasses.shape and twice.skin_rgb == ident.skin_rgb
