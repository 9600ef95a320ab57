"""Simple statistics of images: contrast and sharpness.

The UCSD report judges its PatchGAN sizes by eye: "a smaller patch size enforces the generator
to generate images with more contrast and sharp edges" (Sec. 7). These two numbers turn that
sentence into something we can measure and compare with the real images:

- **RMS contrast**: the standard deviation of each image's luminance (Rec. 601 weights), on the
  [0, 1] scale, averaged over images;
- **mean-colour error**: how far the average colour of a set of images is from that of a
  reference set (mean absolute difference of the per-channel means, [0, 1] scale), the colour
  drift CycleGAN's identity loss is meant to prevent (Zhu et al. 2017, Sec. 5.2);
- **sharpness**: the mean magnitude of the luminance gradient (central differences, in
  intensity per pixel on the [0, 1] scale), averaged over pixels and images. Blur lowers it.

Both are reported next to the same statistic of the real target images: closer to real is
better, and "more" is not automatically better (noise is sharp).
"""

from __future__ import annotations

import torch

_LUMA = torch.tensor([0.299, 0.587, 0.114])


def _luminance(images: torch.Tensor) -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[1] != 3:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor (N, 3, H, W), got {shape}")
    if not images.is_floating_point():
        raise ValueError(f"images must be float in [-1, 1], got dtype {images.dtype}")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1.001 or hi > 1.001:
        raise ValueError(f"images must be in [-1, 1], got range [{lo:.3g}, {hi:.3g}]; "
                         "map [0, 1] images with x * 2 - 1")
    x = (images.double() + 1) / 2
    return torch.einsum("nchw,c->nhw", x, _LUMA.double().to(x.device))


def rms_contrast(images: torch.Tensor) -> float:
    """Mean over images of the std of luminance, ``(N, 3, H, W)`` in [-1, 1] -> float in [0, 0.5]."""
    y = _luminance(images)
    return float(y.flatten(1).std(dim=1, unbiased=False).mean())


def sharpness(images: torch.Tensor) -> float:
    """Mean luminance-gradient magnitude (central differences), ``(N, 3, H, W)`` in [-1, 1]."""
    y = _luminance(images)
    if min(y.shape[-2:]) < 3:
        raise ValueError(f"images must be at least 3 x 3 pixels, got {tuple(y.shape[-2:])}")
    gx = (y[:, 1:-1, 2:] - y[:, 1:-1, :-2]) / 2
    gy = (y[:, 2:, 1:-1] - y[:, :-2, 1:-1]) / 2
    return float(torch.sqrt(gx**2 + gy**2).mean())


def mean_colour_error(images: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean over R, G, B of ``|mean(images) - mean(reference)|`` on the [0, 1] scale.

    Args:
        images, reference: ``(N, 3, H, W)`` and ``(M, 3, H', W')`` in [-1, 1].
    """
    _luminance(images), _luminance(reference)  # same checks as the other statistics
    diff = images.double().mean(dim=(0, 2, 3)) - reference.double().mean(dim=(0, 2, 3))
    return float(diff.abs().mean() / 2)
