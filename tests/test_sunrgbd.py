"""SUN RGB-D for chapter 13's paper scale, on tiny fake trees: the release's depth encoding, the
37-to-13 class map, the preparation, the zero-pair split, unlabelled pixels in the losses and
scores, the registry's offline error, and the thesis's Tables 4.6-4.7 beside ours."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from i2ibook import catalogue
from i2ibook.chapters import ch13_zero_pair as chapter
from i2ibook.papers import wang2018_mmnets as paper
from i2ibook.runner import zero_pair_data, zero_pair_scores
from i2ibook.specs import SpecError, parse_experiment
from i2ilib.data import registry
from i2ilib.data.errors import DataLayoutError
from i2ilib.data.sunrgbd import (
    DEPTH_RANGE,
    NYU13_CLASSES,
    SUN37_CLASSES,
    SUN37_TO_13,
    prepare_sunrgbd,
    read_release_depth,
    read_triplets,
    sunrgbd_zero_pair,
)
from i2ilib.data.zeropair import encode_depth
from i2ilib.losses import segmentation_loss
from i2ilib.nets.mmnets import UNLABELLED, one_hot_labels
from i2ilib.train.mmnets import MMNetConfig, MMNetTrainer

SUN = {name: i for i, name in enumerate(SUN37_CLASSES, start=1)}  # release ids
NYU = {name: i for i, name in enumerate(NYU13_CLASSES)}  # prepared ids


def _release_depth(mm: np.ndarray) -> np.ndarray:
    """Millimetres as the release stores them: rotated left by three bits within 16 bits."""
    mm = mm.astype(np.uint32)
    return (((mm << 3) | (mm >> 13)) & 0xFFFF).astype(np.uint16)


# --------------------------------------------------------------------------------------------
# unlabelled pixels


def test_an_unlabelled_pixel_is_no_class_in_the_one_hot_input():
    y = torch.tensor([[[0, UNLABELLED], [2, 1]]])
    hot = one_hot_labels(y, 3)
    assert hot[0, :, 0, 1].tolist() == [0.0, 0.0, 0.0]
    assert hot[0, :, 1, 0].tolist() == [0.0, 0.0, 1.0] and hot.sum() == 3
    with pytest.raises(ValueError, match="unlabelled"):
        one_hot_labels(torch.tensor([[[3]]]), 3)


def test_the_cross_entropy_skips_unlabelled_pixels():
    logits = torch.tensor([[[[2.0, 0.0]], [[0.0, 5.0]]]], requires_grad=True)  # (1, 2, 1, 2)
    y = torch.tensor([[[0, UNLABELLED]]])
    by_hand = -torch.log_softmax(torch.tensor([2.0, 0.0]), 0)[0]  # the first pixel only
    loss = segmentation_loss(logits, y)
    assert float(loss.detach()) == pytest.approx(float(by_hand))
    loss.backward()
    assert logits.grad[0, :, 0, 1].abs().sum() == 0  # nothing flows from the unlabelled pixel
    none = segmentation_loss(logits, torch.full((1, 1, 2), UNLABELLED))
    assert float(none.detach()) == 0.0 and torch.isfinite(none)
    with torch.no_grad():
        assert float(segmentation_loss(logits, torch.tensor([[[0, 1]]]))) == pytest.approx(
            float(F.cross_entropy(logits, torch.tensor([[[0, 1]]]))))


# --------------------------------------------------------------------------------------------
# the release's conventions


def test_release_depth_is_millimetres_rotated_by_three_bits(tmp_path):
    mm = np.array([[0, 1234, 65535 >> 3], [7999, 9000, 500]], dtype=np.uint16)
    Image.fromarray(_release_depth(mm)).save(tmp_path / "d.png")
    metres = read_release_depth(tmp_path / "d.png")
    expected = np.minimum(mm / 1000.0, 8.0)  # the toolbox caps at 8 m
    np.testing.assert_allclose(metres, expected, rtol=1e-6)
    assert metres[0, 0] == 0  # no reading stays 0


def test_the_37_classes_map_onto_nyus_13():
    assert SUN37_CLASSES[:3] == ("wall", "floor", "cabinet") and len(SUN37_CLASSES) == 37
    assert {SUN37_TO_13[c] for c in ("door", "desk", "curtain", "pillow", "night_stand",
                                     "blinds", "floor_mat", "bookshelf")} == {
        "wall", "table", "window", "objects", "furniture", "floor"}
    assert SUN37_TO_13["door"] == "wall" and SUN37_TO_13["desk"] == "table"
    assert set(SUN37_TO_13.values()) == set(NYU13_CLASSES)  # every class is reached
    assert sum(v == "objects" for v in SUN37_TO_13.values()) == 14


# --------------------------------------------------------------------------------------------
# a fake release and its preparation


def _fake_release(root, n_train=4, n_test=3, h=12, w=16):
    """A release tree, its 37-class labels (test frames first) and the two frame lists."""
    rng = np.random.default_rng(0)
    lists = {"train": [], "test": []}
    label_no = 0
    for split in ("test", "train"):
        for k in range(n_train if split == "train" else n_test):
            frame = root / "release" / "SUNRGBD" / "kv1" / f"{split}{k:03d}"
            (frame / "image").mkdir(parents=True)
            (frame / "depth_bfx").mkdir()
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(
                frame / "image" / f"{k:07d}.jpg")
            mm = np.full((h, w), 1000 + 100 * label_no, dtype=np.uint16)
            mm[h // 2 - 2: h // 2 + 2, w // 2 - 2: w // 2 + 2] = 0  # a hole
            Image.fromarray(_release_depth(mm)).save(frame / "depth_bfx" / f"{k:07d}.png")
            lists[split].append(f"SUNRGBD/kv1/{split}{k:03d}/image/{k:07d}.jpg")
            label_no += 1
            ids = np.full((h, w), SUN["wall"], dtype=np.uint8)
            ids[:, : w // 2] = SUN["door"]  # -> wall
            ids[h // 2:, :] = SUN["desk"]  # -> table
            ids[0, :] = 0  # unlabelled
            (root / "labels37").mkdir(exist_ok=True)
            Image.fromarray(ids).save(root / "labels37" / f"img-{label_no:06d}.png")
    for split, paths in lists.items():
        (root / f"{split}.txt").write_text("\n".join(paths) + "\n")
    return root


def _prepared(tmp_path, **kw):
    src = _fake_release(tmp_path, **kw)
    out = tmp_path / "data" / "sunrgbd13"
    written = prepare_sunrgbd(src / "release", src / "labels37", src / "train.txt",
                              src / "test.txt", out)
    return out, written


def test_prepare_writes_the_layout_the_registry_checks(tmp_path):
    out, written = _prepared(tmp_path)
    assert written == {"train": 4, "test": 3}
    assert registry.validate_layout(registry.dataset_info("sunrgbd"), out) == out
    labels = np.asarray(Image.open(out / "train" / "labels" / "000001.png"))
    assert labels[0].tolist() == [UNLABELLED] * 16  # release id 0
    assert labels[1, 0] == NYU["wall"] and labels[-1, -1] == NYU["table"]
    depth = np.asarray(Image.open(out / "test" / "depth" / "000002.png"))
    assert depth.dtype == np.uint16 and depth[6, 8] == 0 and depth[1, 1] == 1100  # plain mm
    copied = out / "test" / "rgb" / "000001.jpg"  # the release's JPEG, byte for byte
    assert copied.read_bytes() == (tmp_path / "release/SUNRGBD/kv1/test000/image/0000000.jpg").read_bytes()


def test_prepare_names_what_is_missing_or_out_of_order(tmp_path):
    src = _fake_release(tmp_path)
    (src / "labels37" / "img-000005.png").unlink()
    with pytest.raises(DataLayoutError, match="img-000005.png"):
        prepare_sunrgbd(src / "release", src / "labels37", src / "train.txt", src / "test.txt",
                        tmp_path / "out")
    Image.fromarray(np.zeros((5, 5), dtype=np.uint8)).save(src / "labels37" / "img-000005.png")
    with pytest.raises(DataLayoutError, match="not in the lists' order"):
        prepare_sunrgbd(src / "release", src / "labels37", src / "train.txt", src / "test.txt",
                        tmp_path / "out")
    with pytest.raises(DataLayoutError, match="frame list"):
        prepare_sunrgbd(src / "release", src / "labels37", src / "nope.txt", src / "test.txt",
                        tmp_path / "out")


def test_the_registry_says_how_to_prepare_it_when_it_is_absent(tmp_path):
    info = registry.dataset_info("sunrgbd")
    assert info.manual and not info.urls
    with pytest.raises(DataLayoutError, match="prepare_sunrgbd"):
        registry.get_dataset("sunrgbd", tmp_path)
    for rel in info.required:
        (tmp_path / "sunrgbd13" / rel).mkdir(parents=True)
    with pytest.raises(DataLayoutError, match="holds no image files"):
        registry.get_dataset("sunrgbd", tmp_path)


# --------------------------------------------------------------------------------------------
# reading: sizes, the split, unlabelled pixels and depth holes


def test_frames_are_squared_without_inventing_classes_or_depth(tmp_path):
    out, _ = _prepared(tmp_path)
    t = read_triplets(out, "train", 8)
    assert t["R"].shape == (4, 3, 8, 8) and t["S"].shape == (4, 8, 8)
    assert t["S"].dtype == torch.int64 and float(t["R"].min()) >= -1 and float(t["R"].max()) <= 1
    assert set(t["S"].unique().tolist()) <= {NYU["wall"], NYU["table"], UNLABELLED}
    assert {round(v, 4) for v in t["depth_m"][0].unique().tolist()} <= {0.0, 1.3}  # nearest only
    with pytest.raises(ValueError, match="split"):
        read_triplets(out, "val", 8)


def test_the_zero_pair_split_is_disjoint_seeded_and_tests_the_first_test_frames(tmp_path):
    out, _ = _prepared(tmp_path)
    a = sunrgbd_zero_pair(out, n_train=2, n_test=1, size=8, seed=0, with_oracle=True)
    assert a.n_classes == 13 and a.depth_range == DEPTH_RANGE
    # the test frame is the first of the official test list (depth 1.0 m), never trained on
    assert float(a.test["depth_m"].max()) == pytest.approx(1.0)
    train_depths = {round(float(d.min()), 4) for d in a.oracle["D"]}  # min: holes are far
    assert len(a.oracle["D"]) == 4 and len(train_depths) == 4  # four different frames
    test_depth = float(encode_depth(torch.tensor(1.0), "log", DEPTH_RANGE))
    assert all(abs(v - test_depth) > 1e-3 for v in train_depths)
    b = sunrgbd_zero_pair(out, n_train=2, n_test=1, size=8, seed=0)
    assert torch.equal(a.rs["R"], b.rs["R"]) and b.oracle is None
    c = sunrgbd_zero_pair(out, n_train=2, n_test=1, size=8, seed=3)
    assert not torch.equal(torch.cat([a.rs["R"], a.rd["R"]]), torch.cat([c.rs["R"], c.rd["R"]]))
    assert torch.equal(a.test["R"], c.test["R"])  # the test frames do not depend on the seed
    # a hole in the depth is the far end of the range in the tensors and left out of the scores
    hole = a.test["depth_m"] == 0
    assert hole.any() and torch.all(a.test["D"][:, 0][hole] == 1.0)
    with pytest.raises(ValueError, match="asked for"):
        sunrgbd_zero_pair(out, n_train=4, n_test=1, size=8)
    with pytest.raises(DataLayoutError, match="prepare_sunrgbd"):
        sunrgbd_zero_pair(tmp_path / "empty", n_train=1, n_test=1, size=8)


# --------------------------------------------------------------------------------------------
# the book: paper scale reads it, trains on it and compares with Tables 4.6-4.7


def test_paper_scale_is_sun_rgbd_with_13_classes_for_every_model():
    _, config = catalogue.zero_pair_run("paper")
    assert config["data"]["dataset"] == "sunrgbd" and config["trainer"]["n_classes"] == 13
    assert (config["data"]["n_train"], config["data"]["n_test"]) == (5000, 335)
    assert "dataset" not in catalogue.zero_pair_run("book")[1]["data"]  # stored runs unchanged
    for make in (catalogue.zero_pair_baseline_run, catalogue.zero_pair_stargan_run):
        c = make("paper")[1]
        assert c["data"]["dataset"] == "sunrgbd" and c["trainer"]["n_classes"] == 13
    bad = dict(config, data=dict(config["data"], dataset="scenenet"))
    with pytest.raises(SpecError, match="dataset"):
        parse_experiment(bad)


def test_the_runner_trains_and_scores_on_a_prepared_folder(tmp_path, monkeypatch):
    _prepared(tmp_path)
    monkeypatch.setenv("I2I_DATA", str(tmp_path / "data"))
    spec = {"source": "zeropair", "dataset": "sunrgbd", "size": 16, "n_train": 2, "n_test": 2,
            "seed": 0, "depth_encoding": "log"}
    train, scenes = zero_pair_data(spec)
    oracle_train, _ = zero_pair_data(spec, oracle=True)
    assert len(oracle_train) == 4 and (oracle_train.rs["S"] == UNLABELLED).any()
    trainer = MMNetTrainer(MMNetConfig(ngf=4, n_levels=4, ndf=4, n_layers_D=2, n_classes=13,
                                       batch_size=2, stage1_steps=2, stage2_steps=2,
                                       stage3_steps=1, pseudo_pairs=True, device="cpu"))
    trainer.fit(train, progress=False)
    assert all(np.isfinite(v) for row in trainer.history for v in row.values()
               if isinstance(v, float))
    scores = zero_pair_scores(trainer, scenes)
    assert 0 <= scores["D->S"]["mean_iou"] <= 1 and scores["S->D"]["rmse"] > 0
    # depth decodes within SUN RGB-D's range, not SynthScenes' (up to 300 m)
    assert scores["S->D"]["rmse"] < DEPTH_RANGE[1]
    monkeypatch.setenv("I2I_DATA", str(tmp_path / "elsewhere"))
    with pytest.raises(DataLayoutError, match="prepare_sunrgbd"):
        zero_pair_data(spec)


def test_tables_4_6_and_4_7_hold_the_rows_of_4_4_and_4_5():
    assert set(paper.TABLE4_6) == set(paper.TABLE4_4) and set(paper.TABLE4_7) == set(
        paper.TABLE4_5)
    # a typo in a class would show here: the printed mIoU is the mean of the printed per-class
    # IoUs to within 0.1 (the thesis's +PP row: 30.29 printed as 30.2)
    for row, ious in paper.TABLE4_6_CLASS_IOU.items():
        assert len(ious) == 13
        assert np.mean(ious) == pytest.approx(paper.TABLE4_6[row]["mIoU"], abs=0.1), row
    assert paper.TABLES["sunrgbd"][0][1] == "4.6" and paper.TABLES["synthscenes"][1][1] == "4.5"


def test_sun_rgbd_runs_are_compared_with_tables_4_6_and_4_7():
    def run(dataset=None):
        data = {} if dataset is None else {"dataset": dataset}
        return SimpleNamespace(config={"data": data}, metrics={
            "D->S": {"global_acc": 0.5, "class_acc": 0.4, "mean_iou": 0.3},
            "S->D": {"delta1": 0.5, "delta2": 0.7, "delta3": 0.8, "rmse": 1.5,
                     "rmse_log": 0.5}})

    sun = {m: [run("sunrgbd")] * 3 for m in catalogue.ZERO_PAIR_MODELS}
    assert chapter.dataset_of(sun) == "sunrgbd"
    assert chapter.dataset_of({m: [run()] for m in sun}) == "synthscenes"
    with pytest.raises(ValueError, match="mix datasets"):
        chapter.dataset_of({"a": [run("sunrgbd"), run()]})
    table = chapter.reproduction_table(sun, "D->S")
    assert "(0.281)" in table and "(0.554)" not in table  # Table 4.6's 28.1, not 4.4's 55.4
    assert "(0.53)" in chapter.reproduction_table(sun, "S->D")  # Table 4.7's RMSE (log)
    claims = {c["claim"]: c["paper_effect"] for c in chapter.claims(sun)}
    pp = [e for c, e in claims.items() if "pseudo-pairs improve depth" in c]
    assert pp == [pytest.approx(0.021)] and any("Table 4.6" in c for c in claims)
    label = "2x pix2pix (skip connections)"
    base = chapter.baseline_claims(sun, {label: [run("sunrgbd")] * 3})
    assert base[0]["paper_effect"] == pytest.approx((28.1 - 20.5) / 100)
    assert base[1]["paper_effect"] == pytest.approx(1.30 - 0.53)
    assert chapter.stargan_paper_rows("sunrgbd")["StarGAN paired (pooling indices)"][0][
        "mIoU"] == 10.8


def test_label_pictures_colour_13_classes_and_leave_unlabelled_black():
    ids = torch.tensor([[[0, 12, UNLABELLED]]])
    rgb = chapter.colour_labels(ids, 13)
    assert rgb.shape == (1, 3, 1, 3) and rgb[0, :, 0, 2].tolist() == [-1.0, -1.0, -1.0]
    assert not torch.equal(rgb[0, :, 0, 0], rgb[0, :, 0, 1])
