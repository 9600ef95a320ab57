"""Image preprocessing shared by every dataset: resize, crop, flip, and the [-1, 1] range.

The options follow the reference pix2pix/CycleGAN implementation (``--preprocess``,
``--load_size``, ``--crop_size``, ``--no_flip``) and its published defaults:

========================  ==============================================================
``preprocess``            what happens to an image of ``w x h`` pixels
========================  ==============================================================
``"resize_and_crop"``     resize to ``load_size x load_size`` (bicubic), then a random
                          ``crop_size x crop_size`` crop. The default: 286 -> 256 is the
                          "random jitter" of pix2pix (UCSD report, sec. 3.1).
``"resize"``              resize to ``load_size x load_size``, no crop.
``"crop"``                random ``crop_size`` crop of the image as it is (no resize).
``"scale_width"``         resize to width ``load_size`` keeping the aspect ratio (height at
                          least ``crop_size``), no crop.
``"scale_width_and_crop"``  ``scale_width``, then a random ``crop_size`` crop.
``"none"``                no resize and no crop; only round both sides to a multiple of 4
                          (bicubic) so the generators' down/up-sampling fits.
========================  ==============================================================

``flip=True`` mirrors left-right with probability 1/2 (the reference's default; ``--no_flip``
turns it off). The random crop position and the flip are drawn once per *pair* by
:func:`get_params` and applied to both halves by :func:`apply_transform`, so A and B stay
pixel-aligned -- pix2pix's conditional discriminator (implicit-pairs paper, sec. 3.1, eq. 1)
sees an input and its target at the same place.

Tensors are float32 in ``[-1, 1]`` with shape ``(C, H, W)``: :func:`to_tensor_m11` turns
``uint8`` pixels into that range with the reference's ``ToTensor`` + ``Normalize(0.5, 0.5)``
arithmetic, and :func:`to_uint8` turns them back for display and saving.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from i2ilib.data.errors import ImageReadError

__all__ = [
    "IMG_EXTENSIONS",
    "PREPROCESS_OPTIONS",
    "TransformParams",
    "apply_transform",
    "get_params",
    "is_image_file",
    "load_image",
    "to_tensor_m11",
    "to_uint8",
    "transformed_size",
    "validate_options",
]

#: File extensions read as images: the reference's list plus ``.webp``, any letter case.
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff", ".webp")

PREPROCESS_OPTIONS = (
    "resize_and_crop",
    "resize",
    "crop",
    "scale_width",
    "scale_width_and_crop",
    "none",
)

#: ``make_power_2`` base of the reference's ``preprocess="none"``.
_SIZE_BASE = 4

_PIL_RESAMPLE = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
}

_PIL_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def is_image_file(path: str | os.PathLike) -> bool:
    """True if ``path`` has an image extension (see :data:`IMG_EXTENSIONS`) and is not hidden."""
    name = Path(path).name
    return not name.startswith(".") and name.lower().endswith(IMG_EXTENSIONS)


def validate_options(load_size: int, crop_size: int, preprocess: str) -> None:
    """Check the preprocessing options on their own (before any image is seen).

    Raises:
        ValueError: unknown ``preprocess``, non-positive sizes, or ``crop_size > load_size``
            when the image is first resized to ``load_size`` and then cropped.
    """
    if preprocess not in PREPROCESS_OPTIONS:
        raise ValueError(
            f"Unknown preprocess={preprocess!r}: choose one of {', '.join(PREPROCESS_OPTIONS)}."
        )
    for name, value in (("load_size", load_size), ("crop_size", crop_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if preprocess in ("resize_and_crop", "scale_width_and_crop") and crop_size > load_size:
        raise ValueError(
            f"crop_size={crop_size} is larger than load_size={load_size}: with "
            f"preprocess={preprocess!r} images are resized to load_size before a crop_size "
            f"crop. Pass crop_size <= load_size (the reference uses load_size=286, "
            f"crop_size=256)."
        )


@dataclass(frozen=True)
class TransformParams:
    """One random draw of the preprocessing, shared by both halves of a pair.

    Attributes:
        preprocess: one of :data:`PREPROCESS_OPTIONS`.
        load_size: side (or width, for ``scale_width*``) the image is resized to.
        crop_size: side of the square crop (``*crop`` options only).
        crop_pos: ``(x, y)`` top-left corner of the crop in the *resized* image.
        flip: mirror left-right after cropping.
    """

    preprocess: str
    load_size: int
    crop_size: int
    crop_pos: tuple[int, int]
    flip: bool


def _scale_width(w: int, h: int, load_size: int, crop_size: int) -> tuple[int, int]:
    # Reference __scale_width: width = load_size, height keeps the ratio but is at least
    # crop_size (so a later crop always fits); an image already that wide is left alone.
    if w == load_size and h >= crop_size:
        return w, h
    return load_size, int(max(load_size * h / w, crop_size))


def _make_multiple(w: int, h: int, base: int = _SIZE_BASE) -> tuple[int, int]:
    # Reference __make_power_2 (despite its name: the nearest multiple of `base`).
    return max(base, int(round(w / base) * base)), max(base, int(round(h / base) * base))


def transformed_size(
    size: tuple[int, int], load_size: int, crop_size: int, preprocess: str
) -> tuple[int, int]:
    """``(width, height)`` of an image of ``size = (width, height)`` after resizing (before crop)."""
    w, h = size
    if preprocess in ("resize_and_crop", "resize"):
        return load_size, load_size
    if preprocess in ("scale_width", "scale_width_and_crop"):
        return _scale_width(w, h, load_size, crop_size)
    if preprocess == "none":
        return _make_multiple(w, h)
    return w, h  # "crop"


def get_params(
    size: tuple[int, int],
    load_size: int = 286,
    crop_size: int = 256,
    preprocess: str = "resize_and_crop",
    flip: bool = True,
    rng: np.random.Generator | None = None,
) -> TransformParams:
    """Draw the random crop position and flip for one image (or one A/B pair).

    Mirrors the reference's ``get_params``: the crop's top-left corner is uniform over every
    position where a ``crop_size`` square fits in the resized image, and the flip is a fair
    coin. Both draws always happen, so turning ``flip`` off does not change the crops.

    Args:
        size: ``(width, height)`` of the image as loaded (PIL order).
        load_size, crop_size, preprocess: see the module docstring.
        flip: allow the random left-right flip.
        rng: source of randomness; ``None`` draws fresh OS entropy (not reproducible).

    Raises:
        ValueError: bad options, or ``preprocess="crop"`` on an image smaller than ``crop_size``.
    """
    validate_options(load_size, crop_size, preprocess)
    rng = np.random.default_rng() if rng is None else rng
    new_w, new_h = transformed_size(size, load_size, crop_size, preprocess)
    if preprocess == "crop" and (crop_size > new_w or crop_size > new_h):
        raise ValueError(
            f"crop_size={crop_size} is larger than the image ({new_w}x{new_h} px) with "
            f"preprocess='crop', which crops without resizing: pass crop_size <= "
            f"{min(new_w, new_h)}, or preprocess='resize_and_crop' to resize first."
        )
    x = int(rng.integers(0, max(0, new_w - crop_size) + 1))
    y = int(rng.integers(0, max(0, new_h - crop_size) + 1))
    do_flip = bool(rng.random() > 0.5)
    return TransformParams(
        preprocess=preprocess,
        load_size=int(load_size),
        crop_size=int(crop_size),
        crop_pos=(x, y),
        flip=bool(flip) and do_flip,
    )


def _resize_tensor(t: torch.Tensor, w: int, h: int, method: str) -> torch.Tensor:
    batched = t.unsqueeze(0) if t.dim() == 3 else t
    if method == "nearest":
        out = F.interpolate(batched, size=(h, w), mode="nearest-exact")
    else:
        out = F.interpolate(batched, size=(h, w), mode=method, align_corners=False, antialias=True)
        out = out.clamp(-1.0, 1.0)
    return out[0] if t.dim() == 3 else out


def apply_transform(
    img: Image.Image | torch.Tensor, params: TransformParams, method: str = "bicubic"
) -> Image.Image | torch.Tensor:
    """Resize, crop and flip ``img`` as ``params`` says; call it on both halves of a pair.

    Args:
        img: a PIL image, or a float tensor ``(C, H, W)`` / ``(N, C, H, W)`` in ``[-1, 1]``
            (tensors are resized with antialiased interpolation, then clamped to ``[-1, 1]``).
        params: from :func:`get_params`, drawn on the size of the first half.
        method: ``"bicubic"`` (the reference's choice), ``"bilinear"`` or ``"nearest"`` (for
            label maps that must keep their exact colours).

    Returns:
        The same type as ``img``; size ``crop_size`` square for the ``*crop`` options.

    Raises:
        ValueError: unknown ``method``, or the image is smaller than the crop.
    """
    if method not in _PIL_RESAMPLE:
        raise ValueError(f"Unknown method={method!r}: choose one of {', '.join(_PIL_RESAMPLE)}.")
    is_tensor = isinstance(img, torch.Tensor)
    if is_tensor:
        if img.dim() not in (3, 4):
            raise ValueError(
                f"apply_transform expects a (C, H, W) or (N, C, H, W) tensor, got shape "
                f"{tuple(img.shape)}."
            )
        w, h = int(img.shape[-1]), int(img.shape[-2])
    else:
        w, h = img.size
    p = params
    new_w, new_h = transformed_size((w, h), p.load_size, p.crop_size, p.preprocess)
    if (new_w, new_h) != (w, h):
        if is_tensor:
            img = _resize_tensor(img, new_w, new_h, method)
        else:
            img = img.resize((new_w, new_h), _PIL_RESAMPLE[method])
    if "crop" in p.preprocess:
        x, y = p.crop_pos
        c = p.crop_size
        if x + c > new_w or y + c > new_h:
            raise ValueError(
                f"cannot crop {c}x{c} px at (x={x}, y={y}) from an image of {new_w}x{new_h} px "
                f"(after preprocess={p.preprocess!r}): the two halves of a pair must have "
                f"the same size, and crop_size must fit in the image."
            )
        img = img[..., y : y + c, x : x + c] if is_tensor else img.crop((x, y, x + c, y + c))
    if p.flip:
        img = img.flip(-1) if is_tensor else img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img


def to_tensor_m11(img: Image.Image | np.ndarray) -> torch.Tensor:
    """``uint8`` pixels -> float32 tensor in ``[-1, 1]``.

    Uses the reference's arithmetic (``ToTensor`` then ``Normalize(0.5, 0.5)``):
    ``(x / 255 - 0.5) / 0.5``, so values are bit-identical to it.

    Args:
        img: a PIL image (mode ``L``, ``RGB``, ``RGBA`` or anything convertible to ``RGB``),
            or a ``uint8`` array ``(H, W)``, ``(H, W, C)`` or a batch ``(N, H, W, C)``.

    Returns:
        ``(C, H, W)`` for one image, ``(N, C, H, W)`` for a batch.

    Raises:
        TypeError: a non-uint8 array (scale floats yourself: they are ambiguous).
        ValueError: an array with an unsupported number of dimensions.
    """
    if isinstance(img, Image.Image):
        if img.mode not in ("L", "RGB", "RGBA"):
            img = img.convert("RGB")
        arr = np.asarray(img)
    else:
        arr = np.asarray(img)
        if arr.dtype != np.uint8:
            raise TypeError(
                f"to_tensor_m11 expects uint8 pixels (0..255), got dtype {arr.dtype}: convert "
                f"with (x * 255).round().astype(np.uint8) for floats in [0, 1]."
            )
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim == 3:
        t = torch.from_numpy(arr.transpose(2, 0, 1).copy())
    elif arr.ndim == 4:
        t = torch.from_numpy(arr.transpose(0, 3, 1, 2).copy())
    else:
        raise ValueError(
            f"to_tensor_m11 expects an image (H, W), (H, W, C) or a batch (N, H, W, C); got "
            f"shape {arr.shape}."
        )
    return t.to(torch.float32).div_(255.0).sub_(0.5).div_(0.5)


def to_uint8(t: torch.Tensor | np.ndarray, squeeze_gray: bool = False) -> np.ndarray:
    """Float image(s) in ``[-1, 1]`` -> ``uint8`` numpy in ``H, W, C`` order.

    Args:
        t: ``(C, H, W)`` or ``(N, C, H, W)``; values outside ``[-1, 1]`` are clipped.
        squeeze_gray: return ``(H, W)`` (or ``(N, H, W)``) for one-channel images, the
            shape ``matplotlib.pyplot.imshow`` wants for grayscale.

    Returns:
        ``(H, W, C)`` or ``(N, H, W, C)`` ``uint8`` array (rounded to nearest).
    """
    if isinstance(t, torch.Tensor):
        arr = t.detach().to("cpu", torch.float32).numpy()
    else:
        arr = np.asarray(t, dtype=np.float32)
    if arr.ndim not in (3, 4):
        raise ValueError(f"to_uint8 expects (C, H, W) or (N, C, H, W), got shape {arr.shape}.")
    out = np.clip(np.rint((arr + 1.0) * 127.5), 0, 255).astype(np.uint8)
    out = np.moveaxis(out, -3, -1)
    if squeeze_gray and out.shape[-1] == 1:
        out = out[..., 0]
    return np.ascontiguousarray(out)


def load_image(path: str | os.PathLike, channels: int = 3) -> Image.Image:
    """Open an image file and convert it to ``channels`` (1 = grayscale ``L``, 3 = RGB, 4 = RGBA).

    Like the reference, every image first goes through RGB (palette, 16-bit and CMYK files
    included), and grayscale is then the ITU-R 601 luma of that RGB.

    Raises:
        FileNotFoundError: no such file.
        ImageReadError: the file is not a readable image (corrupt, truncated, wrong format).
        ValueError: ``channels`` not 1, 3 or 4.
    """
    if channels not in _PIL_MODES:
        raise ValueError(f"channels must be 1 (grayscale), 3 (RGB) or 4 (RGBA), got {channels!r}.")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Image file not found: {path}")
    try:
        with Image.open(path) as img:
            img.load()
            if channels == 4:
                out = img.convert("RGBA")
            else:
                out = img.convert("RGB")
                if channels == 1:
                    out = out.convert("L")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ImageReadError(
            f"Cannot read image file {path}: {e}. The file is corrupt, truncated or not an "
            f"image; re-save it or remove it from the dataset folder."
        ) from e
    return out
