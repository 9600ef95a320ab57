"""The shipped FCN-score segmenter (scenesegnet-v1): it loads, segments held-out real photos well,
scores degraded photos lower, and rejects badly formed input with helpful messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from i2ilib.metrics import train_segnet
from i2ilib.metrics.segmentation import segmentation_scores
from i2ilib.metrics.segnet import (
    SceneSegNet,
    fcn_score_labels2photo,
    scene_segmenter,
    scene_segmenter_record,
    segment,
)


def _to_tensor(u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).float() / 127.5 - 1


@pytest.fixture(scope="module")
def net():
    return scene_segmenter()


@pytest.fixture(scope="module")
def held_out():
    """32 test-split street scenes (the recorded validation used other test-split seeds too)."""
    from i2ilib.data import synthscenes

    d = synthscenes.render_scenes(32, size=64, seed=11, split="test")
    return {"photo": _to_tensor(d["photo"]), "label_rgb": _to_tensor(d["label_rgb"]),
            "labels": torch.from_numpy(d["labels"])}


@pytest.fixture(scope="module")
def real_scores(net, held_out):
    return fcn_score_labels2photo(held_out["photo"], held_out["labels"], segmenter=net)


def test_shipped_weights_load_with_record(net):
    assert isinstance(net, SceneSegNet)
    assert net.name == "scenesegnet-v1" and net.n_classes == 12
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    record = scene_segmenter_record()
    assert record["name"] == net.name
    assert record["data"]["train_split"] == "train" and record["data"]["val_split"] == "test"
    assert record["validation"]["street_pixel_acc"] >= 0.9
    assert record["validation"]["street_mean_iou"] >= 0.6
    assert len(record["validation"]["street_class_iou"]) == 12
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        out = net(x)
        assert out.shape == (2, 12, 64, 64)
        torch.testing.assert_close(out, scene_segmenter()(x))


def test_missing_weights_name_the_training_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="i2ilib.metrics.train_segnet"):
        scene_segmenter(str(tmp_path / "none.pt"))


def test_real_held_out_photos_are_segmented_well(real_scores):
    record = scene_segmenter_record()["validation"]
    # measured when the weights were made: 0.949 / 0.853 / 0.667 (record: 0.948 / 0.861 / 0.670)
    assert real_scores["pixel_acc"] >= 0.9
    assert real_scores["pixel_acc"] >= record["street_pixel_acc"] - 0.03
    assert real_scores["class_acc"] >= 0.75
    assert real_scores["mean_iou"] >= 0.6
    assert real_scores["mean_iou"] >= record["street_mean_iou"] - 0.07
    assert real_scores["confusion"].sum() == 32 * 64 * 64
    # the large classes are found
    iou = real_scores["class_iou"]
    for c in (0, 2, 9):  # road, building, sky
        assert iou[c] > 0.7


def test_degraded_photos_score_clearly_lower(net, held_out, real_scores):
    labels = held_out["labels"]
    photo = held_out["photo"]
    # the label colour image itself is not a photo
    as_labels = fcn_score_labels2photo(held_out["label_rgb"], labels, segmenter=net)
    # pixels shuffled within each image: colours kept, layout destroyed
    g = torch.Generator().manual_seed(0)
    flat = photo.flatten(2)
    shuffled = flat[:, :, torch.randperm(flat.shape[-1], generator=g)].reshape(photo.shape)
    shuf = fcn_score_labels2photo(shuffled, labels, segmenter=net)
    # heavy blur: the photo seen at 8 x 8
    small = torch.nn.functional.interpolate(photo, size=(8, 8), mode="area")
    blurred = torch.nn.functional.interpolate(small, size=(64, 64), mode="bilinear",
                                              align_corners=False).clamp(-1, 1)
    blur = fcn_score_labels2photo(blurred, labels, segmenter=net)
    for bad in (as_labels, shuf, blur):
        assert bad["pixel_acc"] < real_scores["pixel_acc"] - 0.1
        assert bad["mean_iou"] < real_scores["mean_iou"] - 0.3
    assert shuf["pixel_acc"] < 0.5 and as_labels["pixel_acc"] < 0.6


def test_score_equals_segmentation_scores_of_segment(net, held_out, real_scores):
    pred = segment(net, held_out["photo"], batch_size=7)
    assert pred.dtype == torch.long and pred.shape == (32, 64, 64)
    by_hand = segmentation_scores(pred, held_out["labels"], num_classes=12, ignore_index=None)
    for key in ("pixel_acc", "class_acc", "mean_iou", "global_acc"):
        assert real_scores[key] == pytest.approx(by_hand[key])
    np.testing.assert_array_equal(real_scores["confusion"], by_hand["confusion"])
    # the default segmenter is the shipped one
    default = fcn_score_labels2photo(held_out["photo"][:4], held_out["labels"][:4])
    expected = segmentation_scores(pred[:4], held_out["labels"][:4], 12, ignore_index=None)
    np.testing.assert_array_equal(default["confusion"], expected["confusion"])


def test_other_sizes_predict_at_input_size(net):
    from i2ilib.data import synthscenes

    d = synthscenes.render_scenes(4, size=128, seed=11, split="test")
    photos, labels = _to_tensor(d["photo"]), torch.from_numpy(d["labels"])
    pred = segment(net, photos)
    assert pred.shape == (4, 128, 128)
    scores = fcn_score_labels2photo(photos, labels, segmenter=net)
    assert scores["pixel_acc"] > 0.9
    with pytest.raises(ValueError, match="true_labels must have shape"):
        fcn_score_labels2photo(photos, labels[:, :64, :64], segmenter=net)


def test_bad_input_is_rejected_with_helpful_messages(net):
    x = torch.zeros(2, 3, 16, 16)
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        segment(net, torch.zeros(2, 1, 16, 16))
    with pytest.raises(ValueError, match="permute"):
        segment(net, torch.zeros(2, 16, 16, 3))
    with pytest.raises(ValueError, match=r"\[-1, 1\].*x / 127.5 - 1"):
        segment(net, x + 255.0)
    with pytest.raises(ValueError, match="float"):
        segment(net, x.to(torch.uint8))
    with pytest.raises(ValueError, match="4-D.*images\\[None\\]"):
        segment(net, x[0])
    with pytest.raises(ValueError, match="\\[-1, 1\\]"):
        fcn_score_labels2photo(x * 0 + 2, torch.zeros(2, 16, 16, dtype=torch.long), segmenter=net)


def test_training_script_runs_and_its_weights_load(tmp_path):
    record = train_segnet.main(["--out-dir", str(tmp_path), "--scenes", "6", "--facades", "2",
                                "--val-scenes", "3", "--epochs", "1", "--batch-size", "4",
                                "--finest-stride", "4"])
    assert record["train_images"] == 8 and record["val_images"] == 3
    assert 0.0 <= record["validation"]["pixel_acc"] <= 1.0
    small = scene_segmenter(str(tmp_path / "scenesegnet_v1.pt"))
    assert small.finest_stride == 4 and small.name == "scenesegnet-v1"
    assert segment(small, torch.zeros(1, 3, 32, 32)).shape == (1, 32, 32)
