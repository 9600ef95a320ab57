"""Digits in two styles: handwritten (scikit-learn) and printed house numbers (SVHN-like).

The one-shot and transfer chapters translate between digit domains, the
small-scale stand-ins for MNIST <-> SVHN (Benaim & Wolf, one-shot translation,
OST, NeurIPS 2018; the MNIST experiments of Wang 2020, thesis Section 3.4 and
Appendix A.2.2). Both styles ship with the installed packages, so nothing is
downloaded:

- :func:`handwritten_digits`: the 1797 handwritten 8x8 digits of
  ``sklearn.datasets.load_digits`` (UCI optical recognition of handwritten
  digits, 16 grey levels), upsampled with a smooth (bicubic) filter; bright ink
  on black like MNIST.
- :func:`printed_digits`: colourful printed digits in the spirit of SVHN's
  cropped-digit format: a random font among those matplotlib ships (DejaVu,
  STIX, Computer Modern), random size, slant and colours, a shaded and
  textured background, and neighbouring digits cut off at the sides, as in a
  crop of a house number.

Both are deterministic: the handwritten set is fixed (a seed only shuffles
it), and printed digit ``i`` depends only on ``(seed, i)``.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = [
    "FONT_NAMES",
    "N_HANDWRITTEN",
    "digits_tensors",
    "font_paths",
    "handwritten_digits",
    "printed_digit",
    "printed_digits",
]

#: Number of handwritten digits available (scikit-learn's ``load_digits``).
N_HANDWRITTEN = 1797

#: Font files (in matplotlib's ``fonts/ttf`` folder) used by :func:`printed_digits`.
FONT_NAMES: tuple[str, ...] = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "cmr10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
    "cmb10.ttf",
)


def _check_size(size: int) -> int:
    if int(size) != size or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    return int(size)


# --------------------------------------------------------------------------- #
# handwritten


@lru_cache(maxsize=1)
def _sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float32) / 16.0, d.target.astype(np.int64)


def handwritten_digits(
    size: int = 32, n: int | None = None, seed: int | None = None, pad: float = 0.125
) -> tuple[np.ndarray, np.ndarray]:
    """The scikit-learn handwritten digits, upsampled.

    Args:
        size: output side in pixels (>= 8).
        n: how many (at most :data:`N_HANDWRITTEN`); all when ``None``.
        seed: ``None`` keeps scikit-learn's order; an int shuffles with
            ``numpy.random.default_rng(seed)`` before taking ``n``.
        pad: fraction of ``size`` left black around the digit on each side
            (default 1/8, close to MNIST's 4-pixel border in 28).
    Returns:
        ``(images, labels)``: (n, size, size) uint8 (ink bright on black) and
        (n,) int64 in 0..9.
    """
    size = _check_size(size)
    if not 0.0 <= pad < 0.5:
        raise ValueError(f"pad must lie in [0, 0.5), got {pad}")
    images, labels = _sklearn_digits()
    if n is None:
        n = len(images)
    if int(n) != n or not 0 <= n <= len(images):
        raise ValueError(
            f"n must be an integer in [0, {len(images)}] (scikit-learn ships "
            f"{len(images)} handwritten digits), got {n!r}"
        )
    order = np.arange(len(images))
    if seed is not None:
        order = np.random.default_rng(seed).permutation(len(images))
    order = order[: int(n)]
    inner = max(1, round(size * (1 - 2 * pad)))
    off = (size - inner) // 2
    x = torch.from_numpy(images[order]).unsqueeze(1)
    x = F.interpolate(x, size=(inner, inner), mode="bicubic", align_corners=False)
    up = np.rint(np.clip(x[:, 0].numpy() * 255.0, 0, 255)).astype(np.uint8)
    out = np.zeros((len(order), size, size), np.uint8)
    out[:, off : off + inner, off : off + inner] = up
    return out, labels[order].copy()


# --------------------------------------------------------------------------- #
# printed (SVHN-like)


def font_paths() -> list[Path]:
    """The font files of :data:`FONT_NAMES` that exist in this matplotlib install."""
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    found = [d / name for name in FONT_NAMES if (d / name).is_file()]
    if not found:
        raise FileNotFoundError(
            f"no fonts of {FONT_NAMES[:3]}... in {d}; reinstall matplotlib (it ships them)"
        )
    return found


@lru_cache(maxsize=256)
def _font(path: str, px: int):

    return ImageFont.truetype(path, px)


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:

    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), np.float32)


def _luma(c: np.ndarray) -> float:
    return float(c @ np.array([0.299, 0.587, 0.114], np.float32))


def _background(rng: np.random.Generator, S: int, base: np.ndarray) -> np.ndarray:
    """A shaded, textured wall (S, S, 3) float in [0, 1] around colour ``base``."""
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S
    ang = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(ang) * (xx - 0.5) + np.sin(ang) * (yy - 0.5)) * rng.uniform(0.1, 0.5)
    g = int(rng.integers(3, 9))
    coarse = rng.random((g, g)).astype(np.float32)
    coarse = np.asarray(Image.fromarray(coarse, mode="F").resize((S, S), Image.BICUBIC))
    fine = rng.normal(0, 1, (S, S)).astype(np.float32) * rng.uniform(0.0, 0.06)
    img = base * (1 + grad + 0.25 * (coarse - 0.5))[..., None] + fine[..., None]
    kind = rng.integers(4)
    if kind == 1:  # horizontal planks / siding
        period = rng.uniform(0.12, 0.3)
        lines = (np.mod(yy + rng.uniform(0, 1), period) < 0.015).astype(np.float32)
        img = img * (1 - 0.35 * lines[..., None])
    elif kind == 2:  # bricks
        bh, bw = rng.uniform(0.1, 0.2), rng.uniform(0.2, 0.4)
        row = np.floor(yy / bh)
        xs = xx + 0.5 * bw * np.mod(row, 2)
        mortar = (np.mod(yy, bh) < 0.02) | (np.mod(xs, bw) < 0.02)
        img = img * (1 - 0.3 * mortar[..., None])
    return np.clip(img, 0, 1)


def printed_digit(
    rng: np.random.Generator, label: int, size: int = 32, fonts: list[Path] | None = None
) -> np.ndarray:
    """Render one SVHN-like printed digit ``label`` as (size, size, 3) uint8."""
    fonts = fonts or font_paths()
    S = 2 * size  # drawn at twice the size, then box-filtered (anti-aliasing)
    bg = _hsv_to_rgb(rng.random(), rng.uniform(0.0, 0.8), rng.uniform(0.25, 0.95))
    for _ in range(20):
        fg = _hsv_to_rgb(rng.random(), rng.uniform(0.0, 1.0), rng.uniform(0.05, 1.0))
        if abs(_luma(fg) - _luma(bg)) > 0.3:
            break
    else:
        fg = np.full(3, 0.05 if _luma(bg) > 0.5 else 0.95, np.float32)
    img = _background(rng, S, bg)
    font_path = str(fonts[int(rng.integers(len(fonts)))])
    px = int(S * rng.uniform(0.55, 0.85))
    font = _font(font_path, px)
    # the digit and its neighbours in the house number, on a wide mask layer
    W = 3 * S
    layer = Image.new("L", (W, S), 0)
    draw = ImageDraw.Draw(layer)
    cx = W / 2 + rng.uniform(-0.08, 0.08) * S
    cy = S / 2 + rng.uniform(-0.08, 0.08) * S
    draw.text((cx, cy), str(int(label)), font=font, fill=255, anchor="mm")
    x0, _, x1, _ = draw.textbbox((cx, cy), str(int(label)), font=font, anchor="mm")
    gap = rng.uniform(0.05, 0.2) * px
    if rng.random() < 0.75:
        left = str(int(rng.integers(10)))
        lw = draw.textlength(left, font=font)
        draw.text((x0 - gap - lw / 2, cy), left, font=font, fill=255, anchor="mm")
    if rng.random() < 0.75:
        right = str(int(rng.integers(10)))
        rw = draw.textlength(right, font=font)
        draw.text((x1 + gap + rw / 2, cy), right, font=font, fill=255, anchor="mm")
    shear = rng.uniform(-0.15, 0.15)
    layer = layer.transform(
        (W, S), Image.AFFINE, (1, shear, -shear * S / 2, 0, 1, 0), resample=Image.BILINEAR
    )
    layer = layer.rotate(rng.uniform(-10, 10), resample=Image.BILINEAR, center=(W / 2, S / 2))
    layer = layer.crop((S, 0, 2 * S, S))
    if rng.random() < 0.5:
        layer = layer.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    alpha = np.asarray(layer, np.float32)[..., None] / 255.0
    # slight shading on the paint itself
    fgmap = fg * rng.uniform(0.85, 1.15, (1, 1, 3)).astype(np.float32)
    img = img * (1 - alpha) + np.clip(fgmap, 0, 1) * alpha
    out = Image.fromarray(np.rint(img * 255).astype(np.uint8)).resize((size, size), Image.BOX)
    a = np.asarray(out, np.float32)
    a = a + rng.normal(0, rng.uniform(0, 6), a.shape)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def printed_digits(
    n: int, size: int = 32, seed: int = 0, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` SVHN-like printed digits.

    Args:
        n: number of images.
        size: output side in pixels (>= 8).
        seed: digit ``i`` uses ``numpy.random.default_rng((seed, i, 1))``, so
            a prefix of a larger set is the smaller set.
        labels: optional (n,) ints in 0..9 to render; by default digit ``i``
            has label ``i % 10`` (balanced classes).
    Returns:
        ``(images, labels)``: (n, size, size, 3) uint8 and (n,) int64.
    """
    size = _check_size(size)
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    n = int(n)
    if labels is None:
        labels = np.arange(n) % 10
    labels = np.asarray(labels, np.int64)
    if labels.shape != (n,) or (n and (labels.min() < 0 or labels.max() > 9)):
        raise ValueError(f"labels must be {n} ints in 0..9, got shape {labels.shape}")
    fonts = font_paths()
    out = np.zeros((n, size, size, 3), np.uint8)
    for i in range(n):
        rng = np.random.default_rng((int(seed), i, 1))
        out[i] = printed_digit(rng, int(labels[i]), size, fonts)
    return out, labels.copy()


def digits_tensors(style: str, n: int, size: int = 32, seed: int = 0, channels: int = 3):
    """Digits as training tensors.

    Args:
        style: ``"handwritten"`` or ``"printed"``.
        n: number of images (handwritten: at most :data:`N_HANDWRITTEN`).
        size: side in pixels.
        seed: see :func:`handwritten_digits` (shuffle) and :func:`printed_digits`.
        channels: 1 (grey) or 3 (RGB; handwritten grey is repeated).
    Returns:
        ``(x, y)``: float32 (n, channels, size, size) in [-1, 1] and int64 (n,) labels.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if style == "handwritten":
        img, lab = handwritten_digits(size, n, seed)
        img = np.repeat(img[..., None], 3, axis=-1)
    elif style == "printed":
        img, lab = printed_digits(n, size, seed)
    else:
        raise ValueError(f"unknown digit style {style!r}; choose 'handwritten' or 'printed'")
    x = torch.from_numpy(img).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    if channels == 1:
        w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        x = (x * w).sum(1, keepdim=True)
    return x.contiguous(), torch.from_numpy(lab)
