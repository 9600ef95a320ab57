"""Segmentation scores against scikit-learn; depth metrics on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from i2ilib.metrics import depth
from i2ilib.metrics import segmentation as seg


def _label_maps(seed: int, k: int = 6, ignore: int = 255):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, k - 1, size=(3, 16, 20))  # class k-1 never in the ground truth
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, k, target.shape))
    target[:, :2] = ignore  # unlabelled band
    return pred, target


def _sklearn_scores(pred, target, k, ignore):
    keep = target != ignore
    cm = sk_confusion_matrix(target[keep], pred[keep], labels=np.arange(k)).astype(float)
    tp = np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        class_acc = tp / cm.sum(1)
        iou = tp / (cm.sum(1) + cm.sum(0) - tp)
    return cm, tp.sum() / cm.sum(), np.nanmean(class_acc), iou, np.nanmean(iou)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_segmentation_scores_match_sklearn(seed):
    pred, target = _label_maps(seed)
    cm_ref, pix, cls, iou, miou = _sklearn_scores(pred, target, 6, 255)
    out = seg.segmentation_scores(pred, target, num_classes=6, ignore_index=255)
    np.testing.assert_array_equal(out["confusion"], cm_ref)
    assert out["pixel_acc"] == pytest.approx(pix, abs=1e-12)
    assert out["global_acc"] == out["pixel_acc"]
    assert out["class_acc"] == pytest.approx(cls, abs=1e-12)
    np.testing.assert_allclose(out["class_iou"], iou, equal_nan=True)
    assert out["mean_iou"] == pytest.approx(miou, abs=1e-12)
    # class 5 is predicted but never true: accuracy NaN (skipped), IoU 0 (counted)
    assert np.isnan(seg.class_accuracies(out["confusion"])[5])
    assert out["class_iou"][5] == 0.0


def test_segmentation_hand_computed():
    target = np.array([[0, 0, 1, 1], [2, 2, 2, 255]])
    pred = np.array([[0, 1, 1, 1], [2, 2, 0, 1]])
    out = seg.segmentation_scores(pred, target, num_classes=3)
    # 7 labelled pixels, 5 correct
    assert out["pixel_acc"] == pytest.approx(5 / 7)
    assert out["class_acc"] == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    # IoU: c0 1/(2+2-1)=1/3, c1 2/(2+3-2)=2/3, c2 2/(3+2-2)=2/3
    np.testing.assert_allclose(out["class_iou"], [1 / 3, 2 / 3, 2 / 3])


def test_confusion_matrix_accepts_torch_and_rejects_bad_ids():
    t = torch.tensor([[0, 1], [1, 2]])
    cm = seg.confusion_matrix(t, t, num_classes=3)
    np.testing.assert_array_equal(cm, np.diag([1, 2, 1]))
    with pytest.raises(ValueError, match="outside"):
        seg.confusion_matrix(np.array([0, 7]), np.array([0, 1]), num_classes=3)
    with pytest.raises(ValueError, match="shape"):
        seg.confusion_matrix(np.zeros((2, 2), int), np.zeros((2, 3), int), num_classes=3)
    with pytest.raises(ValueError, match="empty"):
        seg.pixel_accuracy(np.zeros((3, 3)))


PALETTE = np.array([[128, 64, 128], [244, 35, 232], [70, 70, 70], [107, 142, 35], [70, 130, 180]])


def test_rgb_to_labels_nearest_colour_and_layouts():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, size=(2, 8, 8))
    rgb = PALETTE[labels].astype(np.int64)
    noisy = np.clip(rgb + rng.integers(-20, 21, size=rgb.shape), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(seg.rgb_to_labels(noisy, PALETTE), labels)
    # the book's float layout (N, 3, H, W) in [-1, 1] gives the same labels
    as_float = torch.from_numpy(noisy).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    np.testing.assert_array_equal(seg.rgb_to_labels(as_float, PALETTE), labels)
    np.testing.assert_array_equal(seg.rgb_to_labels(as_float[0], PALETTE), labels[0])
    # brute-force nearest colour for arbitrary pixels
    px = rng.integers(0, 256, size=(50, 1, 3)).astype(np.uint8)
    ref = [np.argmin(((PALETTE - p.astype(float)) ** 2).sum(1)) for p in px[:, 0]]
    np.testing.assert_array_equal(seg.rgb_to_labels(px, PALETTE)[:, 0], ref)


def test_fcn_score_photo2labels_ground_truth_is_upper_bound():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 5, size=(2, 8, 8))
    out = seg.fcn_score_photo2labels(PALETTE[labels].astype(np.uint8), labels, PALETTE)
    assert out["pixel_acc"] == 1.0 and out["class_acc"] == 1.0 and out["mean_iou"] == 1.0
    wrong = PALETTE[(labels + 1) % 5].astype(np.uint8)
    assert seg.fcn_score_photo2labels(wrong, labels, PALETTE)["pixel_acc"] == 0.0


def test_rgb_to_labels_rejects_bad_input():
    with pytest.raises(ValueError, match="palette"):
        seg.rgb_to_labels(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        seg.rgb_to_labels(torch.full((3, 4, 4), 2.0), PALETTE)
    with pytest.raises(ValueError, match="3, H, W"):
        seg.rgb_to_labels(torch.zeros((1, 4, 4)), PALETTE)


# ------------------------------------------------------------------------------------ depth


def test_depth_scores_hand_computed():
    gt = np.array([1.0, 2.0, 4.0, 8.0])
    pred = np.array([1.2, 3.0, 4.0, 4.0])
    # ratios max(p/g, g/p): 1.2, 1.5, 1.0, 2.0
    out = depth.depth_scores(pred, gt)
    assert out["delta1"] == pytest.approx(2 / 4)  # 1.2 and 1.0 < 1.25
    assert out["delta2"] == pytest.approx(3 / 4)  # + 1.5 < 1.5625
    assert out["delta3"] == pytest.approx(3 / 4)  # 2.0 >= 1.953125
    assert out["rmse"] == pytest.approx(np.sqrt((0.04 + 1 + 0 + 16) / 4))
    logs = np.log([1.2, 1.5, 1.0, 0.5])
    assert out["rmse_log"] == pytest.approx(np.sqrt(np.mean(logs**2)))
    assert out["n_valid"] == 4


def test_depth_invalid_pixels_are_masked():
    gt = np.array([[1.0, 0.0, np.nan], [2.0, np.inf, 4.0]])
    pred = np.array([[1.0, 5.0, 5.0], [1.0, 5.0, 4.0]])
    out = depth.depth_scores(pred, gt)
    assert out["n_valid"] == 3
    assert out["delta1"] == pytest.approx(2 / 3)
    assert out["rmse"] == pytest.approx(np.sqrt(1 / 3))
    mask = np.array([[True, True, True], [False, True, True]])
    masked = depth.depth_scores(pred, gt, mask=mask)
    assert masked["n_valid"] == 2 and masked["rmse"] == 0.0 and masked["delta1"] == 1.0


def test_depth_per_image_mean_differs_from_pooled():
    gt = np.ones((2, 2, 2))
    pred = np.ones((2, 2, 2))
    pred[0, 0, 0] = 3.0
    gt[1] = np.array([[1.0, 0.0], [0.0, 0.0]])  # one valid pixel in image 1
    pooled = depth.depth_scores(pred, gt)
    per_image = depth.depth_scores_per_image(pred, gt)
    assert pooled["rmse"] == pytest.approx(np.sqrt(4 / 5))
    assert per_image["rmse"] == pytest.approx((np.sqrt(4 / 4) + 0.0) / 2)
    assert per_image["n_valid"] == 5


def test_depth_errors_and_min_depth():
    gt = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="min_depth"):
        depth.depth_scores(np.array([0.0, 2.0]), gt)
    clipped = depth.depth_scores(np.array([0.0, 2.0]), gt, min_depth=0.5)
    assert clipped["delta1"] == 0.5
    with pytest.raises(ValueError, match="no valid pixel"):
        depth.depth_scores(np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="shape"):
        depth.depth_scores(np.ones(3), np.ones(2))
