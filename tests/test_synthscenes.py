from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from PIL import Image

from i2ilib.data import synthscenes as ss


def _digest(scene: ss.Scene) -> str:
    h = hashlib.sha256()
    for name in ("photo", "labels", "label_rgb", "depth", "night"):
        a = getattr(scene, name)
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def scenes() -> list[ss.Scene]:
    return [ss.render_scene(i, 64) for i in range(6)]


def _lum(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def test_same_seed_byte_identical_and_seeds_differ():
    a, b = ss.render_scene(3, 48), ss.render_scene(3, 48)
    assert _digest(a) == _digest(b)
    assert _digest(ss.render_scene(4, 48)) != _digest(a)
    assert _digest(ss.render_scene(ss.scene_key(3, 0), 48)) != _digest(a)
    keys = {ss.scene_key(s, i, sp) for s in (0, 1) for i in (0, 1) for sp in ("train", "test")}
    assert len(keys) == 8


def test_shapes_dtypes_and_any_size():
    s = ss.render_scene(0, 40)
    assert s.photo.shape == (40, 40, 3) and s.photo.dtype == np.uint8
    assert s.night.shape == (40, 40, 3) and s.night.dtype == np.uint8
    assert s.labels.shape == (40, 40) and s.labels.dtype == np.int64
    assert s.label_rgb.shape == (40, 40, 3) and s.label_rgb.dtype == np.uint8
    assert s.depth.shape == (40, 40) and s.depth.dtype == np.float32
    assert ss.render_scene(0, 128, ss=1).photo.shape == (128, 128, 3)


@pytest.mark.parametrize("bad", [0, 7, 12.5, -3])
def test_bad_size_rejected(bad):
    with pytest.raises(ValueError, match="size"):
        ss.render_scene(0, bad)


def test_negative_seed_rejected():
    with pytest.raises(ValueError, match="seed"):
        ss.render_scene(-1, 32)


def test_render_scenes_stacks_seed_pairs():
    d = ss.render_scenes(3, 32, seed=5, split="test")
    assert d["photo"].shape == (3, 32, 32, 3)
    assert d["labels"].shape == (3, 32, 32)
    assert d["depth"].shape == (3, 32, 32)
    one = ss.render_scene(ss.scene_key(5, 2, "test"), 32)
    np.testing.assert_array_equal(d["photo"][2], one.photo)
    np.testing.assert_array_equal(d["night"][2], one.night)
    np.testing.assert_array_equal(d["labels"][2], one.labels)
    assert ss.render_scenes(0, 32)["photo"].shape == (0, 32, 32, 3)


def test_palette_uses_cityscapes_colours_and_is_decodable():
    cityscapes = {
        "road": (128, 64, 128),
        "sidewalk": (244, 35, 232),
        "building": (70, 70, 70),
        "pole": (153, 153, 153),
        "traffic_sign": (220, 220, 0),
        "vegetation": (107, 142, 35),
        "terrain": (152, 251, 152),
        "sky": (70, 130, 180),
        "person": (220, 20, 60),
        "car": (0, 0, 142),
    }
    for name, colour in cityscapes.items():
        assert tuple(ss.PALETTE[ss.CLASSES.index(name)]) == colour
    assert len(ss.CLASSES) == len(ss.PALETTE) == len(ss.CITYSCAPES_NAMES) >= 8
    assert len({tuple(c) for c in ss.PALETTE}) == len(ss.PALETTE)
    p = ss.PALETTE.astype(float)
    d = np.sqrt(((p[:, None] - p[None]) ** 2).sum(-1)) + np.eye(len(p)) * 1e9
    assert d.min() > 50  # nearest-colour decoding tolerates moderate colour error


def test_palette_round_trip(scenes):
    for s in scenes:
        np.testing.assert_array_equal(ss.rgb_to_labels(ss.labels_to_rgb(s.labels)), s.labels)
        np.testing.assert_array_equal(s.label_rgb, ss.PALETTE[s.labels])
    rng = np.random.default_rng(0)
    lab = rng.integers(0, len(ss.CLASSES), (17, 9))
    noisy = ss.labels_to_rgb(lab).astype(int) + rng.integers(-12, 13, (17, 9, 3))
    np.testing.assert_array_equal(ss.rgb_to_labels(np.clip(noisy, 0, 255).astype(np.uint8)), lab)
    as_float = ss.labels_to_rgb(lab).astype(np.float32) / 255.0
    np.testing.assert_array_equal(ss.rgb_to_labels(as_float), lab)


def test_rgb_to_labels_nearest_by_hand():
    # (120, 60, 120) is nearest to road (128, 64, 128); (10, 10, 130) to car (0, 0, 142)
    got = ss.rgb_to_labels(np.array([[120, 60, 120], [10, 10, 130]], np.uint8))
    assert list(got) == [ss.CLASSES.index("road"), ss.CLASSES.index("car")]


def test_label_errors():
    with pytest.raises(ValueError, match="label ids"):
        ss.labels_to_rgb(np.array([len(ss.CLASSES)]))
    with pytest.raises(ValueError, match="colours"):
        ss.rgb_to_labels(np.zeros((4, 4)))


def test_scenes_contain_street_classes(scenes):
    seen = set()
    for s in scenes:
        present = set(np.unique(s.labels).tolist())
        for name in ("road", "sky", "building"):
            assert ss.CLASSES.index(name) in present
        seen |= present
    assert len(seen) >= 9
    # sky above the road: the top row is never road, the bottom row mostly is
    for s in scenes:
        road = ss.CLASSES.index("road")
        assert (s.labels[0] != road).all()
        assert (s.labels[-1] == road).mean() > 0.4


def test_depth_positive_ordered_and_geometric(scenes):
    sky = ss.CLASSES.index("sky")
    road = ss.CLASSES.index("road")
    for s in scenes:
        d = s.depth
        assert np.isfinite(d).all() and (d > 0).all()
        np.testing.assert_array_equal(d[s.labels == sky], ss.SKY_DEPTH)
        assert d[s.labels != sky].max() < ss.SKY_DEPTH  # the sky is farthest
        # the road is a ground plane: depth = f h / (y - y_h), so along a column
        # the road gets nearer downwards and depth * (y - y_h) is constant
        col = s.labels.shape[1] // 2
        rows = np.nonzero(s.labels[:, col] == road)[0]
        rows = rows[rows > rows.max() - 15]
        dr = d[rows, col].astype(np.float64)
        assert np.all(np.diff(dr) < 0)
        # solve y_h from two rows, check the rest fit the same plane
        y = rows + 0.5
        y_h = (dr[0] * y[0] - dr[-1] * y[-1]) / (dr[0] - dr[-1])
        k = dr[0] * (y[0] - y_h)
        np.testing.assert_allclose(dr * (y - y_h), k, rtol=0.08)
        # cars stand nearer than the skyline behind them
        car = s.labels == ss.CLASSES.index("car")
        if car.any():
            assert d[car].max() < d[s.labels == ss.CLASSES.index("building")].max()


def test_night_is_darker_same_layout(scenes):
    sky = ss.CLASSES.index("sky")
    for s in scenes:
        assert _lum(s.night).mean() < 0.6 * _lum(s.photo).mean()
        m = s.labels == sky
        assert _lum(s.night[m]).mean() < 0.3 * _lum(s.photo[m]).mean()
    # lights at night: the brightest night pixels are far brighter than the mean
    bright = [np.percentile(_lum(s.night), 99.5) for s in scenes]
    assert np.median(bright) > 4 * np.mean([_lum(s.night).mean() for s in scenes])


def test_photo_is_textured_not_flat(scenes):
    # labels -> photo must be non-trivial: photo varies inside one class region
    road = ss.CLASSES.index("road")
    for s in scenes:
        std = _lum(s.photo[s.labels == road]).std()
        assert std > 2.0


@pytest.mark.parametrize("task", ["labels2photo", "photo2labels", "day2night", "night2day"])
def test_paired_tensors(task):
    A, B = ss.paired_tensors(2, 32, task, seed=1)
    assert A.shape == B.shape == (2, 3, 32, 32)
    assert A.dtype == B.dtype == torch.float32
    assert A.min() >= -1 and A.max() <= 1 and B.min() >= -1 and B.max() <= 1
    s = ss.render_scene(ss.scene_key(1, 1), 32)
    a_key, b_key = ss.TASKS[task]
    expect_a = torch.from_numpy(getattr(s, a_key)).permute(2, 0, 1).float() / 127.5 - 1
    expect_b = torch.from_numpy(getattr(s, b_key)).permute(2, 0, 1).float() / 127.5 - 1
    torch.testing.assert_close(A[1], expect_a)
    torch.testing.assert_close(B[1], expect_b)


def test_labels_recovered_from_tensor():
    A, _ = ss.paired_tensors(1, 32, "labels2photo", seed=2)
    rgb = ((A[0].permute(1, 2, 0) + 1) * 127.5).round().byte().numpy()
    np.testing.assert_array_equal(
        ss.rgb_to_labels(rgb), ss.render_scene(ss.scene_key(2, 0), 32).labels
    )


def test_unknown_task_and_split():
    with pytest.raises(ValueError, match="labels2photo"):
        ss.paired_tensors(1, 32, "photo2depthh")
    with pytest.raises(ValueError, match="split"):
        ss.render_scenes(1, 32, split="val")


def test_write_pix2pix_layout(tmp_path):
    root = ss.write_pix2pix(tmp_path / "scenes", n_train=3, n_test=2, size=32, seed=4)
    train = sorted((root / "train").glob("*.png"))
    test = sorted((root / "test").glob("*.png"))
    assert [p.name for p in train] == ["00000.png", "00001.png", "00002.png"]
    assert len(test) == 2
    im = Image.open(train[1])
    assert im.mode == "RGB" and im.size == (64, 32)  # (width, height): A | B
    ab = np.asarray(im)
    s = ss.render_scene(ss.scene_key(4, 1, "train"), 32)
    np.testing.assert_array_equal(ab[:, :32], s.label_rgb)
    np.testing.assert_array_equal(ab[:, 32:], s.photo)
    t0 = np.asarray(Image.open(test[0]))
    assert not np.array_equal(t0, np.asarray(Image.open(train[0])))
    _, B = ss.paired_tensors(1, 32, "labels2photo", seed=4, split="test")
    np.testing.assert_array_equal(
        ((B[0].permute(1, 2, 0) + 1) * 127.5).round().byte().numpy(), t0[:, 32:]
    )

    dn = ss.write_pix2pix(tmp_path / "dn", 1, 0, size=32, task="day2night", seed=4)
    ab = np.asarray(Image.open(dn / "train" / "00000.png"))
    s = ss.render_scene(ss.scene_key(4, 0), 32)
    np.testing.assert_array_equal(ab[:, :32], s.photo)
    np.testing.assert_array_equal(ab[:, 32:], s.night)


def test_write_triplets_round_trip(tmp_path):
    root = ss.write_triplets(tmp_path / "tri", n_train=2, n_test=1, size=32, seed=9)
    meta = json.loads((root / "meta.json").read_text())
    assert meta["classes"] == list(ss.CLASSES)
    assert meta["depth_png_scale"] == ss.DEPTH_PNG_SCALE
    for sub in ("rgb", "night", "depth", "labels", "label_rgb"):
        assert len(list((root / "train" / sub).glob("*.png"))) == 2
        assert len(list((root / "test" / sub).glob("*.png"))) == 1
    s = ss.render_scene(ss.scene_key(9, 1, "train"), 32)
    depth_png = Image.open(root / "train" / "depth" / "00001.png")
    assert np.asarray(depth_png).dtype == np.uint16
    d = ss.read_depth_png(root / "train" / "depth" / "00001.png")
    np.testing.assert_allclose(d, s.depth, atol=0.5 / ss.DEPTH_PNG_SCALE + 1e-6)
    lab = np.asarray(Image.open(root / "train" / "labels" / "00001.png"))
    np.testing.assert_array_equal(lab, s.labels)
    np.testing.assert_array_equal(
        np.asarray(Image.open(root / "train" / "rgb" / "00001.png")), s.photo
    )


# --------------------------------------------------------------------------- #
# facade view


@pytest.fixture(scope="module")
def facades() -> list[ss.Scene]:
    return [ss.render_facade(i, 64) for i in range(4)]


def test_facade_deterministic_and_differs_from_street():
    a, b = ss.render_facade(3, 48), ss.render_facade(3, 48)
    assert _digest(a) == _digest(b)
    assert _digest(ss.render_facade(4, 48)) != _digest(a)
    assert _digest(ss.render_scene(3, 48)) != _digest(a)


def test_facade_classes_depth_and_night(facades):
    bld, win, door = (ss.CLASSES.index(c) for c in ("building", "window", "door"))
    sky = ss.CLASSES.index("sky")
    for s in facades:
        frac = np.bincount(s.labels.ravel(), minlength=len(ss.CLASSES)) / s.labels.size
        assert frac[bld] + frac[win] + frac[door] > 0.5  # the wall fills the frame
        assert frac[win] > 0.08
        np.testing.assert_array_equal(ss.rgb_to_labels(s.label_rgb), s.labels)
        # the wall is a plane facing the camera: one depth; windows and doors sit deeper
        d_wall = np.median(s.depth[s.labels == bld])
        assert np.abs(s.depth[s.labels == bld] - d_wall).max() < 1.0
        assert np.median(s.depth[s.labels == win]) > d_wall
        assert (s.depth[s.labels == sky] == ss.SKY_DEPTH).all()
        # the ground is nearer than the wall, and nearer lower down
        road = s.labels == ss.CLASSES.index("road")
        assert s.depth[road].max() < d_wall
        assert _lum(s.night).mean() < 0.6 * _lum(s.photo).mean()
    # doors appear on the ground storey of most facades
    assert sum((s.labels == door).any() for s in facades) >= 3


def test_facade_collections(tmp_path):
    _, B = ss.paired_tensors(2, 32, "labels2photo", seed=0, view="facade")
    s = ss.render_facade(ss.scene_key(0, 1), 32)
    torch.testing.assert_close(B[1], torch.from_numpy(s.photo).permute(2, 0, 1).float() / 127.5 - 1)
    root = ss.write_pix2pix(tmp_path / "fac", 1, 1, size=32, view="facade", seed=0)
    ab = np.asarray(Image.open(root / "train" / "00000.png"))
    np.testing.assert_array_equal(ab[:, :32], ss.render_facade(ss.scene_key(0, 0), 32).label_rgb)
    with pytest.raises(ValueError, match="view"):
        ss.render_scenes(1, 32, view="aerial")
