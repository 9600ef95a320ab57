"""SynthFaces: determinism, true-pair locality, landmarks, CelebA files (ours and torchvision's reader)."""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from i2ilib.data.celeba_format import (
    ATTR_FILE,
    BBOX_FILE,
    IDENTITY_FILE,
    LANDMARK_FILE,
    LANDMARK_NAMES,
    PARTITION_FILE,
    read_celeba,
    write_celeba,
)
from i2ilib.data.synthfaces import (
    CELEBA_ATTRIBUTES,
    RENDERED_ATTRIBUTES,
    Pose,
    images_to_tensor,
    make_synthfaces,
    render_face,
    render_true_pair,
    sample_identity,
    sample_pose,
)


@pytest.fixture(scope="module")
def small_set():
    return make_synthfaces(6, 3, size=48, seed=11)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_images_other_seed_other_images():
    a = make_synthfaces(3, 2, size=32, seed=5)
    b = make_synthfaces(3, 2, size=32, seed=5)
    c = make_synthfaces(3, 2, size=32, seed=6)
    assert hashlib.sha256(a.images.tobytes()).hexdigest() == hashlib.sha256(b.images.tobytes()).hexdigest()
    assert np.array_equal(a.attrs, b.attrs) and np.array_equal(a.landmarks, b.landmarks)
    assert not np.array_equal(a.images, c.images)


def test_larger_set_extends_smaller_one():
    small = make_synthfaces(2, 2, size=32, seed=3)
    big = make_synthfaces(4, 2, size=32, seed=3)
    assert np.array_equal(big.images[:4], small.images)


def test_shapes_and_label_columns(small_set):
    ds = small_set
    n = 18
    assert ds.images.shape == (n, 48, 48, 3) and ds.images.dtype == np.uint8
    assert ds.attrs.shape == (n, 40) and set(np.unique(ds.attrs)) <= {-1, 1}
    assert ds.landmarks.shape == (n, 5, 2) and ds.bboxes.shape == (n, 4)
    assert list(np.unique(ds.identity)) == list(range(1, 7))
    for name in ("Eyeglasses", "Wearing_Hat", "Smiling", "Male", "Bangs"):
        assert np.array_equal(ds.column(name) == 1, ds.values[name] >= 0.5), name
    # partition is by identity: every person's images share one split
    for pid in range(1, 7):
        assert len(set(ds.partition[ds.identity == pid].tolist())) == 1
    t = ds.tensors([0, 1])
    assert t.shape == (2, 3, 48, 48) and t.dtype == torch.float32
    assert float(t.min()) >= -1.0 and float(t.max()) <= 1.0


def test_images_to_tensor_values():
    img = np.array([[[0, 255, 127]]], np.uint8)
    t = images_to_tensor(img)
    assert t.shape == (3, 1, 1)
    assert torch.allclose(t.flatten(), torch.tensor([-1.0, 1.0, 127 / 127.5 - 1.0]))


@pytest.mark.parametrize("attribute", RENDERED_ATTRIBUTES)
def test_true_pairs_differ_only_inside_the_attribute_region(attribute):
    rng = np.random.default_rng(zlib.crc32(attribute.encode()))
    changed = 0
    for k in range(4):
        ident = sample_identity(rng)
        if attribute == "Bangs" and ident.hair_style in ("bald", "buzz"):
            continue
        pose = sample_pose(rng)
        others = {"Smiling": 0.8, "Eyeglasses": 1.0} if k % 2 else {}
        others.pop(attribute, None)
        pair = render_true_pair(ident, attribute, pose, others, size=48)
        outside = ~pair.region
        assert np.array_equal(pair.off.image[outside], pair.on.image[outside])
        diff = np.any(pair.off.image != pair.on.image, axis=2)
        changed += int(diff.any())
        # the region is where the attribute lives, not the whole picture
        if attribute not in ("Pale_Skin", "Blond_Hair", "Black_Hair"):
            assert pair.region.mean() < 0.35, (attribute, pair.region.mean())
    assert changed >= 2, f"{attribute} changed no pixels in most true pairs"


def test_eyeglasses_region_is_around_the_eyes():
    rng = np.random.default_rng(2)
    ident, pose = sample_identity(rng), sample_pose(rng)
    pair = render_true_pair(ident, "Eyeglasses", pose, size=64)
    rows = np.flatnonzero(pair.region.any(axis=1))
    eye_y = pair.off.landmarks[:2, 1].mean()
    assert rows.min() < eye_y < rows.max()
    mouth_y = pair.off.landmarks[3:, 1].mean()
    assert not pair.region[int(np.rint(mouth_y)) + 2 :].any()


def test_landmarks_are_plausible():
    ds = make_synthfaces(12, 2, size=64, seed=4)
    lm = ds.landmarks
    le, re_, nose, lmth, rmth = (lm[:, i] for i in range(5))
    assert np.all(le[:, 0] < re_[:, 0]) and np.all(lmth[:, 0] < rmth[:, 0])
    eyes_y = np.maximum(le[:, 1], re_[:, 1])
    assert np.all(eyes_y < nose[:, 1])
    assert np.all(nose[:, 1] < np.minimum(lmth[:, 1], rmth[:, 1]))
    assert np.all((lm >= 0) & (lm < 64))
    assert np.all(nose[:, 0] > le[:, 0]) and np.all(nose[:, 0] < re_[:, 0])
    # boxes contain the landmarks
    x, y, w, h = ds.bboxes.T
    assert np.all(lm[..., 0].min(1) > x) and np.all(lm[..., 0].max(1) < x + w)
    assert np.all(lm[..., 1].min(1) > y) and np.all(lm[..., 1].max(1) < y + h)


def test_any_resolution_scales_landmarks():
    ident = sample_identity(np.random.default_rng(0))
    pose = Pose()
    f32 = render_face(ident, None, pose, 32)
    f96 = render_face(ident, None, pose, 96)
    assert f32.image.shape == (32, 32, 3) and f96.image.shape == (96, 96, 3)
    np.testing.assert_allclose((f96.landmarks + 0.5) / 96, (f32.landmarks + 0.5) / 32, atol=1e-5)


def test_smiling_is_graded():
    ident = sample_identity(np.random.default_rng(9))
    widths = []
    for s in (0.0, 0.5, 1.0):
        lm = render_face(ident, {"Smiling": s}, Pose(), 64).landmarks
        widths.append(lm[4, 0] - lm[3, 0])
    assert widths[0] < widths[1] < widths[2]


def test_bad_inputs_raise():
    ident = sample_identity(np.random.default_rng(0))
    with pytest.raises(ValueError, match="Unknown attribute"):
        render_face(ident, {"Wearing_Monocle": 1})
    with pytest.raises(ValueError, match="size"):
        render_face(ident, None, None, 8)
    with pytest.raises(ValueError, match="probability"):
        make_synthfaces(1, 1, attribute_probs={"Eyeglasses": 1.5})
    with pytest.raises(ValueError, match="true pairs"):
        render_true_pair(ident, "Attractive")


def test_write_celeba_is_byte_identical_for_the_same_seed(tmp_path):
    for name in ("a", "b"):
        write_celeba(tmp_path / name, make_synthfaces(3, 2, size=32, seed=8))
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) == 6 + 5
    for rel in files_a:
        assert _digest(tmp_path / "a" / rel) == _digest(tmp_path / "b" / rel), rel


def test_annotation_files_follow_celeba_format(tmp_path, small_set):
    root = write_celeba(tmp_path / "celeba", small_set, image_format="png")
    lines = (root / ATTR_FILE).read_text().split("\n")
    assert lines[0] == str(len(small_set))
    assert lines[1].split() == list(CELEBA_ATTRIBUTES) and lines[1].endswith(" ")
    row = re.compile(r"^\d{6}\.png( -1|  1){40}$")
    assert all(row.match(ln) for ln in lines[2:-1]) and lines[-1] == ""
    assert lines[2].startswith("000001.png")
    lm_lines = (root / LANDMARK_FILE).read_text().splitlines()
    assert lm_lines[1].split() == list(LANDMARK_NAMES)
    assert len(lm_lines[2].split()) == 11
    assert (root / BBOX_FILE).read_text().splitlines()[1] == "image_id x_1 y_1 width height"
    assert (root / IDENTITY_FILE).read_text().splitlines()[0] == f"000001.png {small_set.identity[0]}"
    assert re.match(r"^000001\.png [012]$", (root / PARTITION_FILE).read_text().splitlines()[0])
    assert (root / "img_align_celeba" / "000018.png").exists()


def test_read_celeba_round_trip(tmp_path, small_set):
    root = write_celeba(tmp_path / "celeba", small_set, image_format="png")
    ann = read_celeba(root)
    assert ann.attr_names == list(CELEBA_ATTRIBUTES)
    assert np.array_equal(ann.attrs, small_set.attrs)
    assert np.array_equal(ann.identity, small_set.identity)
    assert np.array_equal(ann.partition, small_set.partition)
    assert np.array_equal(ann.landmarks, np.rint(small_set.landmarks).astype(np.int64))
    assert np.array_equal(ann.load_image(3), small_set.images[3])  # png is lossless
    assert len(ann.split_indices("all")) == len(small_set)


def test_read_celeba_finds_real_celeba_subfolders(tmp_path, small_set):
    flat = write_celeba(tmp_path / "flat", small_set)
    nested = tmp_path / "nested"
    (nested / "Anno").mkdir(parents=True)
    (nested / "Eval").mkdir()
    for f in (ATTR_FILE, LANDMARK_FILE, BBOX_FILE, IDENTITY_FILE):
        (nested / "Anno" / f).write_bytes((flat / f).read_bytes())
    (nested / "Eval" / PARTITION_FILE).write_bytes((flat / PARTITION_FILE).read_bytes())
    ann = read_celeba(nested)
    assert np.array_equal(ann.attrs, small_set.attrs) and ann.partition is not None


def test_read_celeba_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_celeba(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=ATTR_FILE):
        read_celeba(tmp_path / "empty")


def test_torchvision_celeba_reads_our_folder(tmp_path, small_set):
    torchvision = pytest.importorskip("torchvision")

    class UncheckedCelebA(torchvision.datasets.CelebA):
        def _check_integrity(self) -> bool:  # our annotation files are not the real ones
            return True

    write_celeba(tmp_path / "celeba", small_set)
    ds = UncheckedCelebA(
        str(tmp_path), split="all", target_type=["attr", "identity", "landmarks", "bbox"]
    )
    assert len(ds) == len(small_set)
    img, (attr, ident, lms, _bbox) = ds[4]
    assert img.size == (48, 48)
    assert torch.equal(attr, torch.from_numpy((small_set.attrs[4] + 1) // 2).long())
    assert int(ident) == int(small_set.identity[4])
    assert torch.equal(lms, torch.from_numpy(np.rint(small_set.landmarks[4]).astype(np.int64).ravel()))
    train = UncheckedCelebA(str(tmp_path), split="train")
    assert len(train) == int(np.sum(small_set.partition == 0))
