"""Contrast and sharpness on images whose values are known by hand."""

import pytest
import torch
import torchvision.transforms.functional as TF

from i2ilib.metrics.image_stats import mean_colour_error, rms_contrast, sharpness


def test_flat_image_has_no_contrast_or_edges():
    x = torch.full((2, 3, 16, 16), 0.3)
    assert rms_contrast(x) == pytest.approx(0.0, abs=1e-12)
    assert sharpness(x) == pytest.approx(0.0, abs=1e-12)


def test_half_black_half_white_has_contrast_one_half():
    x = -torch.ones(1, 3, 8, 8)
    x[..., 4:] = 1.0
    assert rms_contrast(x) == pytest.approx(0.5)


def test_ramp_gradient_equals_its_slope():
    w = 11
    ramp = torch.linspace(-1, 1, w).expand(1, 3, w, w).contiguous()  # luminance 0 .. 1 along x
    assert sharpness(ramp) == pytest.approx(1 / (w - 1))


def test_blur_lowers_sharpness():
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert sharpness(TF.gaussian_blur(x, 7, 2.0)) < 0.5 * sharpness(x)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        sharpness(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        rms_contrast(torch.full((1, 3, 8, 8), 200.0))
    with pytest.raises(ValueError, match="float"):
        rms_contrast(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))


def test_mean_colour_error_by_hand():
    red = torch.full((2, 3, 4, 4), -1.0)
    red[:, 0] = 1.0  # pure red: channel means (1, 0, 0) on [0, 1]
    grey = torch.zeros(3, 3, 8, 8)  # (0.5, 0.5, 0.5)
    assert mean_colour_error(red, grey) == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    assert mean_colour_error(grey, grey) == 0.0
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        mean_colour_error(grey + 200.0, grey)
