"""Tests of i2ilib.data: image folders, in-memory pairs, transforms, loader, error messages.

Pairs are built with B = 255 - A (noise images), so a shared crop/flip keeps A + B == 0 in
[-1, 1] while any mismatch between the two halves breaks it at almost every pixel.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

from i2ilib.data import (
    ChannelMismatchError,
    DataLayoutError,
    EmptyDatasetError,
    ImageReadError,
    PairedImageFolder,
    TensorPairDataset,
    UnpairedImageFolder,
    apply_transform,
    check_channels,
    detect_layout,
    get_params,
    load_image,
    make_loader,
    to_tensor_m11,
    to_uint8,
)

# One uint8 step of a bicubic resize's rounding, in [-1, 1] units (255 - round(x) may differ
# from round(255 - x) by one).
STEP = 2.0 / 255.0 + 1e-6


def noise(h: int, w: int, c: int = 3, seed: int = 0) -> np.ndarray:
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)
    return arr[..., 0] if c == 1 else arr


def save(path: Path, arr: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def make_aligned(root: Path, n: int = 4, h: int = 40, w: int = 40, phase: str = "train") -> Path:
    for i in range(n):
        a = noise(h, w, seed=i)
        save(root / phase / f"{i:03d}.png", np.concatenate([a, 255 - a], axis=1))
    return root


def make_folders(base: Path, n: int = 4, h: int = 40, w: int = 40) -> Path:
    for i in range(n):
        a = noise(h, w, seed=10 + i)
        save(base / "A" / f"{i:03d}.png", a)
        save(base / "B" / f"{i:03d}.bmp", 255 - a)  # extensions may differ
    return base


def make_unaligned(root: Path, n_a: int = 3, n_b: int = 5, size: int = 40) -> Path:
    for i in range(n_a):
        save(root / "trainA" / f"a{i}.png", noise(size, size, seed=100 + i))
    for i in range(n_b):
        save(root / "trainB" / f"b{i}.png", noise(size, size, seed=200 + i))
    return root


def assert_mirrored(item: dict) -> None:
    """A and B of a B = 255 - A pair still sum to zero: they got the same crop and flip."""
    assert item["A"].shape == item["B"].shape
    assert (item["A"] + item["B"]).abs().max().item() <= STEP


def candidates(img: Image.Image, load: int, crop: int, preprocess: str) -> list[torch.Tensor]:
    """Every possible output of the random transform on ``img`` (all crops x both flips)."""
    params = get_params(img.size, load, crop, preprocess, True, np.random.default_rng(0))
    new = img.resize((load, load), Image.Resampling.BICUBIC) if "resize" in preprocess else img
    out = []
    for y in range(new.size[1] - crop + 1):
        for x in range(new.size[0] - crop + 1):
            for flip in (False, True):
                p = type(params)(preprocess, load, crop, (x, y), flip)
                out.append(to_tensor_m11(apply_transform(img, p)))
    return out


# --------------------------------------------------------------------------------------------
# Transforms
# --------------------------------------------------------------------------------------------


def test_to_tensor_m11_values_and_round_trip():
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    t = to_tensor_m11(ramp)
    assert t.shape == (1, 16, 16) and t.dtype == torch.float32
    assert t[0, 0, 0].item() == -1.0 and t[0, -1, -1].item() == 1.0
    assert t[0, 8, 0].item() == pytest.approx(128 / 127.5 - 1, abs=1e-6)
    # Same arithmetic as the reference's ToTensor + Normalize(0.5, 0.5): bit-identical.
    ref = TF.normalize(TF.to_tensor(Image.fromarray(ramp)), [0.5], [0.5])
    assert torch.equal(t, ref)
    assert np.array_equal(to_uint8(t, squeeze_gray=True), ramp)
    rgb = noise(5, 7)
    assert to_tensor_m11(rgb).shape == (3, 5, 7)
    assert np.array_equal(to_uint8(to_tensor_m11(rgb)), rgb)
    batch = np.stack([rgb, 255 - rgb])
    tb = to_tensor_m11(batch)
    assert tb.shape == (2, 3, 5, 7)
    assert np.array_equal(to_uint8(tb), batch)


def test_to_uint8_clips_and_rounds():
    t = torch.tensor([-3.0, -1.0, 0.0, 0.999, 5.0]).reshape(1, 1, 5)
    assert to_uint8(t).reshape(-1).tolist() == [0, 0, 128, 255, 255]
    assert to_uint8(t).shape == (1, 5, 1)
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        to_uint8(torch.zeros(4))
    with pytest.raises(TypeError, match="uint8"):
        to_tensor_m11(np.zeros((4, 4, 3), dtype=np.float32))


def reference_transform(img, params, load, crop, preprocess, size_after_resize):
    """The reference's get_transform written with torchvision's functional ops."""
    if preprocess in ("resize_and_crop", "resize"):
        img = TF.resize(img, [load, load], InterpolationMode.BICUBIC)
    elif size_after_resize != img.size:  # scale_width / none: hand-computed target size
        w, h = size_after_resize
        img = TF.resize(img, [h, w], InterpolationMode.BICUBIC)
    if "crop" in preprocess:
        x, y = params.crop_pos
        img = TF.crop(img, y, x, crop, crop)
    if params.flip:
        img = TF.hflip(img)
    return TF.normalize(TF.to_tensor(img), [0.5] * 3, [0.5] * 3)


@pytest.mark.parametrize(
    ("preprocess", "size_after_resize", "out_size"),
    [
        ("resize_and_crop", (40, 40), (32, 32)),
        ("resize", (40, 40), (40, 40)),
        ("crop", (50, 37), (32, 32)),
        # width -> 40, height max(40 * 37 / 50 = 29.6, 32) = 32
        ("scale_width", (40, 32), (40, 32)),
        ("scale_width_and_crop", (40, 32), (32, 32)),
        # each side to the nearest multiple of 4: 50 -> 48 (round(12.5) = 12), 37 -> 36
        ("none", (48, 36), (48, 36)),
    ],
)
def test_apply_transform_matches_reference_pipeline(preprocess, size_after_resize, out_size):
    img = Image.fromarray(noise(37, 50, seed=3))  # 50 x 37 (w x h)
    seen_flip = set()
    for s in range(6):
        params = get_params(img.size, 40, 32, preprocess, True, np.random.default_rng(s))
        seen_flip.add(params.flip)
        ours = to_tensor_m11(apply_transform(img, params))
        ref = reference_transform(img, params, 40, 32, preprocess, size_after_resize)
        assert ours.shape == (3, out_size[1], out_size[0])
        assert torch.equal(ours, ref)
    assert seen_flip == {False, True}


def test_get_params_ranges_and_flip_switch():
    draws = [
        get_params((60, 50), 286, 32, "crop", True, np.random.default_rng(s)) for s in range(400)
    ]
    xs = [p.crop_pos[0] for p in draws]
    ys = [p.crop_pos[1] for p in draws]
    assert min(xs) == 0 and max(xs) == 60 - 32
    assert min(ys) == 0 and max(ys) == 50 - 32
    assert 0.4 < np.mean([p.flip for p in draws]) < 0.6
    # flip=False never flips and leaves the crop draws unchanged.
    no_flip = [
        get_params((60, 50), 286, 32, "crop", False, np.random.default_rng(s)) for s in range(400)
    ]
    assert not any(p.flip for p in no_flip)
    assert [p.crop_pos for p in no_flip] == [p.crop_pos for p in draws]


def test_apply_transform_on_tensors_matches_pil():
    img = Image.fromarray(np.kron(noise(10, 12, seed=4), np.ones((4, 4, 1), np.uint8)))
    t = to_tensor_m11(img)
    for preprocess, tol in (("crop", 0.0), ("resize_and_crop", 0.02)):
        for s in range(4):
            p = get_params(img.size, 40, 24, preprocess, True, np.random.default_rng(s))
            from_pil = to_tensor_m11(apply_transform(img, p))
            from_tensor = apply_transform(t, p)
            assert from_tensor.shape == from_pil.shape == (3, 24, 24)
            assert (from_tensor - from_pil).abs().max().item() <= tol + 1e-6
            batched = apply_transform(t.unsqueeze(0).repeat(2, 1, 1, 1), p)
            assert torch.equal(batched[1], from_tensor)


def test_bad_options():
    with pytest.raises(ValueError, match="crop_size=300 is larger than load_size=286"):
        get_params((256, 256), 286, 300, "resize_and_crop", True)
    with pytest.raises(ValueError, match="Unknown preprocess='zoom'"):
        get_params((256, 256), 286, 256, "zoom", True)
    with pytest.raises(ValueError, match=r"crop_size=64 is larger than the image \(40x30 px\)"):
        get_params((40, 30), 286, 64, "crop", True)
    with pytest.raises(ValueError, match="Unknown method"):
        apply_transform(Image.new("RGB", (8, 8)), get_params((8, 8), 8, 8, "crop"), "lanczos")


# --------------------------------------------------------------------------------------------
# load_image
# --------------------------------------------------------------------------------------------


def test_load_image_channels_and_errors(tmp_path):
    rgb = noise(6, 5, seed=1)
    path = save(tmp_path / "x.png", rgb)
    assert np.array_equal(np.asarray(load_image(path, 3)), rgb)
    gray = np.asarray(load_image(path, 1))
    assert gray.shape == (6, 5)
    assert np.array_equal(gray, np.asarray(Image.fromarray(rgb).convert("L")))
    gpath = save(tmp_path / "g.png", noise(6, 5, c=1, seed=2))
    as_rgb = np.asarray(load_image(gpath, 3))
    assert as_rgb.shape == (6, 5, 3) and (as_rgb == as_rgb[..., :1]).all()

    with pytest.raises(FileNotFoundError, match="nothere.png"):
        load_image(tmp_path / "nothere.png")
    bad = tmp_path / "corrupt.png"
    bad.write_bytes(b"this is not an image")
    with pytest.raises(ImageReadError, match=re.escape(str(bad))):
        load_image(bad)
    full = (tmp_path / "x.png").read_bytes()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(full[: len(full) // 2])
    with pytest.raises(ImageReadError, match="truncated.png"):
        load_image(truncated)
    with pytest.raises(ValueError, match="channels must be 1"):
        load_image(path, 2)


# --------------------------------------------------------------------------------------------
# PairedImageFolder
# --------------------------------------------------------------------------------------------


def test_aligned_layout_shares_crop_and_flip(tmp_path):
    root = make_aligned(tmp_path, n=4)
    ds = PairedImageFolder(root, load_size=36, crop_size=32, seed=5)
    assert ds.layout == "aligned" and len(ds) == 4
    item = ds[0]
    assert item["A"].shape == (3, 32, 32) and item["A"].dtype == torch.float32
    assert item["A"].min() >= -1 and item["A"].max() <= 1
    assert item["A_path"] == item["B_path"] == str(root / "train" / "000.png")
    # The A output is one of the 5 x 5 crops x 2 flips of the resized left half; over
    # items and epochs several different ones are drawn, and B always follows A.
    left = Image.fromarray(noise(40, 40, seed=0))
    cands = candidates(left, 36, 32, "resize_and_crop")
    hits = set()
    for epoch in range(12):
        item = ds[0, epoch]
        assert_mirrored(item)
        matches = [k for k, c in enumerate(cands) if torch.equal(c, item["A"])]
        assert len(matches) == 1
        hits.add(matches[0])
        assert_mirrored(ds[3, epoch])
    assert len(hits) >= 6
    assert {h % 2 for h in hits} == {0, 1}  # both flipped and unflipped were drawn


def test_aligned_crop_only_is_exact(tmp_path):
    root = make_aligned(tmp_path, n=2, h=20, w=24)
    ds = PairedImageFolder(root, preprocess="crop", crop_size=16, seed=0)
    for epoch in range(5):
        item = ds[1, epoch]
        assert item["A"].shape == (3, 16, 16)
        assert torch.allclose(item["A"], -item["B"], atol=1e-6)


def test_folder_layout_matches_names_and_direction(tmp_path):
    make_folders(tmp_path / "train", n=3)
    ds = PairedImageFolder(tmp_path, load_size=44, crop_size=32, seed=1)
    assert ds.layout == "folders" and len(ds) == 3
    for i in range(3):
        item = ds[i]
        assert_mirrored(item)
        assert Path(item["A_path"]).parent.name == "A"
        assert Path(item["B_path"]) == tmp_path / "train" / "B" / f"{i:03d}.bmp"
    rev = PairedImageFolder(tmp_path, direction="BtoA", load_size=44, crop_size=32, seed=1)
    for i in range(3):
        fwd, back = ds[i], rev[i]
        assert torch.equal(back["A"], fwd["B"]) and torch.equal(back["B"], fwd["A"])
        assert back["A_path"] == fwd["B_path"]


def test_root_level_a_b_folders(tmp_path):
    make_folders(tmp_path, n=2)
    ds = PairedImageFolder(tmp_path, phase="train", preprocess="crop", crop_size=40, flip=False)
    assert len(ds) == 2
    item = ds[1]
    assert np.array_equal(to_uint8(item["A"]), noise(40, 40, seed=11))
    assert detect_layout(tmp_path) == "folders"


def test_aligned_direction_btoa_swaps_halves(tmp_path):
    root = tmp_path
    a, b = noise(16, 16, seed=1), noise(16, 16, seed=2)
    save(root / "train" / "p.png", np.concatenate([a, b], axis=1))
    kw = {"preprocess": "crop", "crop_size": 16, "flip": False}
    fwd = PairedImageFolder(root, **kw)[0]
    back = PairedImageFolder(root, direction="BtoA", **kw)[0]
    assert np.array_equal(to_uint8(fwd["A"]), a) and np.array_equal(to_uint8(fwd["B"]), b)
    assert np.array_equal(to_uint8(back["A"]), b) and np.array_equal(to_uint8(back["B"]), a)


def test_grayscale(tmp_path):
    root = make_aligned(tmp_path, n=2, h=16, w=16)
    ds = PairedImageFolder(root, preprocess="crop", crop_size=16, flip=False, input_nc=1)
    item = ds[0]
    assert item["A"].shape == (1, 16, 16) and item["B"].shape == (3, 16, 16)
    expected = np.asarray(Image.fromarray(noise(16, 16, seed=0)).convert("L"))
    assert np.array_equal(to_uint8(item["A"], squeeze_gray=True), expected)
    # BtoA with input_nc=1: the right half becomes the grayscale input.
    back = PairedImageFolder(
        root, direction="BtoA", preprocess="crop", crop_size=16, flip=False, input_nc=1
    )[0]
    expected_b = np.asarray(Image.fromarray(255 - noise(16, 16, seed=0)).convert("L"))
    assert np.array_equal(to_uint8(back["A"], squeeze_gray=True), expected_b)
    # Grayscale files read as RGB give three equal channels.
    save(tmp_path / "g" / "train" / "A" / "x.png", noise(16, 16, c=1, seed=3))
    save(tmp_path / "g" / "train" / "B" / "x.png", noise(16, 16, c=1, seed=4))
    g = PairedImageFolder(tmp_path / "g", preprocess="crop", crop_size=16)[0]
    assert g["A"].shape == (3, 16, 16) and torch.equal(g["A"][0], g["A"][2])


def test_determinism_by_seed(tmp_path):
    root = make_aligned(tmp_path, n=3, h=64, w=64)
    kw = {"load_size": 64, "crop_size": 32}
    ds1, ds2 = PairedImageFolder(root, seed=7, **kw), PairedImageFolder(root, seed=7, **kw)
    other = PairedImageFolder(root, seed=8, **kw)
    same = [torch.equal(ds1[i]["A"], ds2[i]["A"]) for i in range(3)]
    assert all(same)
    assert not all(torch.equal(ds1[i]["A"], other[i]["A"]) for i in range(3))
    # Each epoch draws new crops; a plain ds[i] follows set_epoch.
    assert not all(torch.equal(ds1[i, 0]["A"], ds1[i, 1]["A"]) for i in range(3))
    ds1.set_epoch(1)
    assert torch.equal(ds1[2]["A"], ds2[2, 1]["A"])
    unseeded1, unseeded2 = PairedImageFolder(root, **kw), PairedImageFolder(root, **kw)
    assert not all(torch.equal(unseeded1[i]["A"], unseeded2[i]["A"]) for i in range(3))


def test_max_dataset_size_and_hidden_files(tmp_path):
    root = make_aligned(tmp_path, n=4, h=8, w=8)
    (root / "train" / ".DS_Store").write_bytes(b"junk")
    (root / "train" / "._000.png").write_bytes(b"junk")
    (root / "train" / "notes.txt").write_text("not an image")
    ds = PairedImageFolder(root, preprocess="crop", crop_size=8)
    assert len(ds) == 4
    small = PairedImageFolder(root, preprocess="crop", crop_size=8, max_dataset_size=2)
    assert [Path(a).name for a, _ in small.pairs] == ["000.png", "001.png"]
    with pytest.raises(IndexError):
        small[2]
    assert len(list(small)) == 2


# --------------------------------------------------------------------------------------------
# UnpairedImageFolder
# --------------------------------------------------------------------------------------------


def test_unaligned_length_paths_and_serial(tmp_path):
    root = make_unaligned(tmp_path, n_a=3, n_b=5)
    ds = UnpairedImageFolder(root, load_size=40, crop_size=32, serial_batches=True, seed=0)
    assert len(ds) == 5
    names = [(Path(ds[i]["A_path"]).name, Path(ds[i]["B_path"]).name) for i in range(5)]
    assert names == [
        ("a0.png", "b0.png"),
        ("a1.png", "b1.png"),
        ("a2.png", "b2.png"),
        ("a0.png", "b3.png"),
        ("a1.png", "b4.png"),
    ]
    item = ds[0]
    assert item["A"].shape == item["B"].shape == (3, 32, 32)
    assert detect_layout(root) == "unaligned"


def test_unaligned_random_b_is_seeded(tmp_path):
    root = make_unaligned(tmp_path, n_a=2, n_b=5)
    kw = {"preprocess": "crop", "crop_size": 40}
    ds = UnpairedImageFolder(root, seed=3, **kw)
    picks = [Path(ds[i % 5, i // 5]["B_path"]).name for i in range(40)]
    assert picks == [
        Path(UnpairedImageFolder(root, seed=3, **kw)[i % 5, i // 5]["B_path"]).name
        for i in range(40)
    ]
    assert set(picks) == {f"b{i}.png" for i in range(5)}
    other = [
        Path(UnpairedImageFolder(root, seed=4, **kw)[i % 5, i // 5]["B_path"]).name
        for i in range(40)
    ]
    assert other != picks


def test_unaligned_crops_are_independent_and_direction(tmp_path):
    # trainB holds exactly 255 - trainA: serial pairs would stay mirrored only with shared
    # crops, which the unpaired data must not use.
    for i in range(3):
        a = noise(48, 48, seed=i)
        save(tmp_path / "trainA" / f"{i}.png", a)
        save(tmp_path / "trainB" / f"{i}.png", 255 - a)
    ds = UnpairedImageFolder(tmp_path, preprocess="crop", crop_size=32, serial_batches=True, seed=0)
    mirrored = [
        (ds[i, e]["A"] + ds[i, e]["B"]).abs().max().item() <= STEP
        for i in range(3)
        for e in range(4)
    ]
    assert not all(mirrored)
    rev = UnpairedImageFolder(
        tmp_path,
        direction="BtoA",
        preprocess="crop",
        crop_size=32,
        serial_batches=True,
        seed=0,
        input_nc=1,
    )
    assert Path(rev[0]["A_path"]).parent.name == "trainB"
    assert rev[0]["A"].shape == (1, 32, 32) and rev[0]["B"].shape == (3, 32, 32)


# --------------------------------------------------------------------------------------------
# TensorPairDataset
# --------------------------------------------------------------------------------------------


def test_tensor_pairs_paired_share_crop_and_flip():
    a = torch.rand(4, 3, 12, 12, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ds = TensorPairDataset(a, -a, paired=True, crop_size=8, seed=0)
    flips = set()
    for e in range(6):
        item = ds[2, e]
        assert item["A"].shape == (3, 8, 8)
        assert torch.equal(item["A"], -item["B"])
        flips.add(
            any(
                torch.equal(item["A"], a[2, :, y : y + 8, x : x + 8].flip(-1))
                for y in range(5)
                for x in range(5)
            )
        )
    assert flips == {False, True}
    assert ds[1]["A_path"] == "memory/A/1"
    whole = TensorPairDataset(a, -a, flip=False)[3]
    assert torch.equal(whole["A"], a[3])


def test_tensor_pairs_from_uint8_and_unpaired():
    arr_a = np.stack([noise(8, 8, seed=i) for i in range(3)])
    arr_b = np.stack([noise(8, 8, c=1, seed=10 + i) for i in range(7)])
    ds = TensorPairDataset.from_arrays(arr_a, arr_b, paired=False, flip=False, seed=1)
    assert len(ds) == 7 and ds.input_nc == 3 and ds.output_nc == 1
    item = ds[4]
    assert np.array_equal(to_uint8(item["A"]), arr_a[1])
    ib = int(item["B_path"].rsplit("/", 1)[1])
    assert np.array_equal(to_uint8(item["B"], squeeze_gray=True), arr_b[ib])
    picks = [ds[i, e]["B_path"] for e in range(6) for i in range(7)]
    again = TensorPairDataset.from_arrays(arr_a, arr_b, paired=False, flip=False, seed=1)
    assert picks == [again[i, e]["B_path"] for e in range(6) for i in range(7)]
    assert len(set(picks)) == 7
    serial = TensorPairDataset(arr_a, arr_b, paired=False, serial_batches=True)
    assert [serial[i]["B_path"] for i in range(7)] == [f"memory/B/{i}" for i in range(7)]


def test_tensor_pairs_unpaired_crops_are_independent():
    a = torch.rand(3, 3, 12, 12, generator=torch.Generator().manual_seed(1)) * 2 - 1
    ds = TensorPairDataset(a, -a, paired=False, serial_batches=True, crop_size=8, seed=0)
    mirrored = [torch.equal(ds[i, e]["A"], -ds[i, e]["B"]) for i in range(3) for e in range(4)]
    assert not all(mirrored)


def test_tensor_pairs_errors():
    a = torch.zeros(3, 3, 8, 8)
    with pytest.raises(ValueError, match="paired=True needs as many B images as A images"):
        TensorPairDataset(a, torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="must lie in \\[-1, 1\\]"):
        TensorPairDataset(a, torch.full((3, 3, 8, 8), 255.0))
    with pytest.raises(ValueError, match="crop_size=9 does not fit"):
        TensorPairDataset(a, a, crop_size=9)
    with pytest.raises(TypeError, match="uint8"):
        TensorPairDataset(np.zeros((3, 8, 8, 3), np.float32), a)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        TensorPairDataset(torch.zeros(3, 8, 8), a)


# --------------------------------------------------------------------------------------------
# Loader
# --------------------------------------------------------------------------------------------


def batches(loader, epochs: int) -> list[tuple[list[str], torch.Tensor]]:
    out = []
    for _ in range(epochs):
        for b in loader:
            out.append((list(b["A_path"]), b["A"].clone()))
    return out


def test_make_loader_is_deterministic_and_resumable(tmp_path):
    root = make_aligned(tmp_path, n=6, h=24, w=24)
    ds = PairedImageFolder(root, load_size=24, crop_size=16, seed=2)
    run1 = batches(make_loader(ds, batch_size=2, seed=11), epochs=3)
    run2 = batches(make_loader(ds, batch_size=2, seed=11), epochs=3)
    assert len(run1) == 9
    assert all(p1 == p2 and torch.equal(x1, x2) for (p1, x1), (p2, x2) in zip(run1, run2))
    orders = [[name for p, _ in run1[k : k + 3] for name in p] for k in (0, 3, 6)]
    assert all(sorted(o) == sorted(orders[0]) for o in orders)
    assert len({tuple(o) for o in orders}) > 1  # a new order each epoch
    other = batches(make_loader(ds, batch_size=2, seed=12), epochs=3)
    assert [p for p, _ in other] != [p for p, _ in run1]
    # Resume in epoch 1 after one batch: the same batches as the uninterrupted run.
    loader = make_loader(ds, batch_size=2, seed=11)
    loader.sampler.set_epoch(1, start=2)
    resumed = batches(loader, epochs=2)
    assert len(resumed) == 2 + 3
    assert all(p1 == p2 and torch.equal(x1, x2) for (p1, x1), (p2, x2) in zip(resumed, run1[4:]))
    # Worker processes give the same batches.
    workers = batches(make_loader(ds, batch_size=2, seed=11, num_workers=2), epochs=1)
    assert all(p1 == p2 and torch.equal(x1, x2) for (p1, x1), (p2, x2) in zip(workers, run1))


def test_make_loader_plain_dataset_and_errors():
    data = [{"A": torch.full((1, 2, 2), float(i)), "B": torch.zeros(1, 2, 2)} for i in range(5)]
    loader = make_loader(data, batch_size=5, shuffle=False)
    (batch,) = list(loader)
    assert batch["A"][:, 0, 0, 0].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="gives no batch"):
        make_loader(data, batch_size=8, drop_last=True)
    with pytest.raises(EmptyDatasetError, match="empty"):
        make_loader([], batch_size=1)


# --------------------------------------------------------------------------------------------
# Bad input: every error names what is wrong and how to fix it
# --------------------------------------------------------------------------------------------


def test_missing_root_and_layouts(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(
        DataLayoutError,
        match="Dataset root not found.*" + re.escape(str(missing / "train")) + ".*A\\|B",
    ):
        PairedImageFolder(missing)
    with pytest.raises(DataLayoutError, match="dataset root .*nope does not exist"):
        UnpairedImageFolder(missing)
    tmp_path.joinpath("other").mkdir()
    with pytest.raises(FileNotFoundError, match="expected .*train/ holding A\\|B"):
        PairedImageFolder(tmp_path)
    with pytest.raises(DataLayoutError, match=r"trainA and .*trainB"):
        UnpairedImageFolder(tmp_path)
    with pytest.raises(DataLayoutError, match="No 'train' data found"):
        detect_layout(tmp_path)


def test_unaligned_missing_b_and_wrong_layouts(tmp_path):
    save(tmp_path / "trainA" / "x.png", noise(8, 8))
    with pytest.raises(DataLayoutError, match=r"not found: .*trainB\. Expected"):
        UnpairedImageFolder(tmp_path)
    with pytest.raises(DataLayoutError, match="No paired data"):
        PairedImageFolder(tmp_path)
    save(tmp_path / "trainB" / "y.png", noise(8, 8))
    with pytest.raises(DataLayoutError, match="Use UnpairedImageFolder"):
        PairedImageFolder(tmp_path)
    make_aligned(tmp_path / "p2p", n=1, h=8, w=8)
    with pytest.raises(DataLayoutError, match="read it with PairedImageFolder"):
        UnpairedImageFolder(tmp_path / "p2p")


def test_empty_folders(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "readme.txt").write_text("x")
    with pytest.raises(EmptyDatasetError, match=r"train holds no image files \(it holds 1"):
        PairedImageFolder(tmp_path)
    (tmp_path / "u" / "trainA").mkdir(parents=True)
    (tmp_path / "u" / "trainB").mkdir()
    save(tmp_path / "u" / "trainB" / "x.png", noise(8, 8))
    with pytest.raises(ValueError, match="trainA holds no image files"):
        UnpairedImageFolder(tmp_path / "u")


def test_unreadable_file_is_named(tmp_path):
    root = make_aligned(tmp_path, n=2, h=8, w=8)
    bad = root / "train" / "001.png"
    bad.write_bytes(b"\x89PNG broken")
    ds = PairedImageFolder(root, preprocess="crop", crop_size=8)
    ds[0]
    with pytest.raises(ImageReadError, match=re.escape(str(bad))):
        ds[1]
    make_unaligned(tmp_path / "u", n_a=1, n_b=1, size=8)
    bad_u = tmp_path / "u" / "trainB" / "b0.png"
    bad_u.write_bytes(b"GIF89a")
    with pytest.raises(OSError, match="b0.png"):
        UnpairedImageFolder(tmp_path / "u", preprocess="crop", crop_size=8)[0]


def test_crop_larger_than_load_or_image(tmp_path):
    root = make_aligned(tmp_path, n=1, h=40, w=40)
    with pytest.raises(ValueError, match="crop_size=300 is larger than load_size=286"):
        PairedImageFolder(root, crop_size=300)
    with pytest.raises(ValueError, match="crop_size=64 is larger than load_size=48"):
        UnpairedImageFolder(root, load_size=48, crop_size=64, preprocess="scale_width_and_crop")
    ds = PairedImageFolder(root, preprocess="crop", crop_size=64)
    with pytest.raises(
        ValueError,
        match=r"000\.png: crop_size=64 is larger than the image "
        r"\(40x40 px\) with preprocess='crop'",
    ):
        ds[0]


def test_odd_width_pair(tmp_path):
    path = save(tmp_path / "train" / "odd.png", noise(16, 33))
    ds = PairedImageFolder(tmp_path, load_size=16, crop_size=16)
    with pytest.raises(ValueError, match=re.escape(str(path)) + " is 33 px wide, an odd width"):
        ds[0]


def test_folder_name_and_size_mismatch(tmp_path):
    save(tmp_path / "train" / "A" / "0.png", noise(8, 8))
    save(tmp_path / "train" / "A" / "1.png", noise(8, 8))
    save(tmp_path / "train" / "B" / "0.png", noise(8, 8))
    save(tmp_path / "train" / "B" / "2.png", noise(8, 8))
    with pytest.raises(ValueError, match=r"1 file\(s\) in .*A have no match in .*B \(e\.g\. 1\)"):
        PairedImageFolder(tmp_path)
    (tmp_path / "train" / "B" / "2.png").unlink()
    save(tmp_path / "train" / "B" / "1.png", noise(10, 8))
    ds = PairedImageFolder(tmp_path, preprocess="crop", crop_size=8)
    with pytest.raises(ValueError, match=r"differ in size: .*1\.png is 8x8 px but .*10 px"):
        ds[1]
    assert PairedImageFolder(tmp_path, load_size=8, crop_size=8)[1]["B"].shape == (3, 8, 8)
    save(tmp_path / "train" / "A" / "0.jpg", noise(8, 8))
    with pytest.raises(ValueError, match="share the name '0'"):
        PairedImageFolder(tmp_path)


def test_bad_constructor_options(tmp_path):
    root = make_aligned(tmp_path, n=1, h=8, w=8)
    with pytest.raises(ValueError, match="direction must be 'AtoB' or 'BtoA'"):
        PairedImageFolder(root, direction="AB")
    with pytest.raises(ValueError, match="input_nc must be 1"):
        PairedImageFolder(root, input_nc=2)
    with pytest.raises(ValueError, match="Unknown preprocess='scale'"):
        UnpairedImageFolder(root, preprocess="scale")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        PairedImageFolder(root, seed=-1)


def test_check_channels_messages(tmp_path):
    gray_batch = {"A": torch.zeros(2, 1, 8, 8), "B": torch.zeros(2, 3, 8, 8)}
    check_channels(gray_batch, input_nc=1, output_nc=3)
    with pytest.raises(
        ChannelMismatchError,
        match=re.escape(
            "data has 1 channel(s) in A but the generator expects input_nc=3: pass "
            "input_nc=1 or convert the images to RGB"
        ),
    ):
        check_channels(gray_batch, input_nc=3, output_nc=3)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "data has 3 channel(s) in B but the generator produces output_nc=1: pass "
            "output_nc=3 or convert the images to grayscale"
        ),
    ):
        check_channels(gray_batch, input_nc=1, output_nc=1)
    root = make_aligned(tmp_path, n=2, h=8, w=8)
    ds = PairedImageFolder(root, preprocess="crop", crop_size=8, input_nc=1)
    check_channels(ds, 1, 3)
    check_channels(make_loader(ds, batch_size=2), 1, 3)
    check_channels(ds[0], 1, 3)
    with pytest.raises(ChannelMismatchError, match="in A"):
        check_channels(ds, 3, 3)
    plain = [{"A": torch.zeros(4, 8, 8), "B": torch.zeros(3, 8, 8)}]
    with pytest.raises(ChannelMismatchError, match="4 channel"):
        check_channels(plain, 3, 3)


def test_package_import_is_lazy():
    code = (
        "import sys, i2ilib.data as d; "
        "print('i2ilib.data.folders' in sys.modules, 'torch' in sys.modules, "
        "'PairedImageFolder' in dir(d))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
