"""Coloured objects in colour domains, flat or textured, with their true counterparts.

Two chapters of Wang 2020 (PhD thesis) translate objects between colours:

- SDIT (Chapter 6, Section 6.4 "Color dataset", Figure 6.1, Table 6.3):
  four colour domains *orange, yellow, green, blue* of objects of many shapes;
  one generator must give diverse shades inside the target domain.
- UDIT (Chapter 5, Section 5.6.1 "Biased handbags", Tables 5.1-5.3): handbags
  with two attributes, colour (*red / black*) and texture (*flat / textured*,
  where texture changes only the material, never adds another colour), sampled
  with a strong bias to show how translation inherits dataset bias.

Here every object is drawn procedurally on a light product-photo background:
a shape (bag, shoe, mug, ball, vase) with random pose, a shaded 3-D look, and
optionally a material texture (leather grain, quilting, weave) that modulates
only the brightness, never the hue. The geometry, background and texture of
object ``seed`` do not depend on its colour, so the same seed rendered in two
domains is the *true counterpart*: ground truth the papers never had.
:func:`classify_colour` reads the domain back from the hue (an exact oracle
for the reverse-classification accuracy of Table 6.3).
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import distance_transform_edt, gaussian_filter, zoom

__all__ = [
    "BIAS_CONFIGS",
    "COLOUR_DOMAINS",
    "SDIT_DOMAINS",
    "SHAPES",
    "ColourDomain",
    "ObjectSample",
    "biased_objects",
    "classify_colour",
    "colour_objects",
    "hue_saturation_value",
    "render_object",
]


@dataclass(frozen=True)
class ColourDomain:
    """A colour domain: ranges of hue (degrees, may wrap below 0), saturation and value."""

    hue: tuple[float, float]
    sat: tuple[float, float]
    val: tuple[float, float]

    @property
    def chromatic(self) -> bool:
        return self.sat[0] >= 0.4


#: The colour domains. Shades vary inside each range ("diverse" translation).
COLOUR_DOMAINS: dict[str, ColourDomain] = {
    "red": ColourDomain((-8.0, 8.0), (0.7, 0.95), (0.5, 0.9)),
    "orange": ColourDomain((20.0, 34.0), (0.75, 1.0), (0.75, 1.0)),
    "yellow": ColourDomain((48.0, 60.0), (0.7, 1.0), (0.8, 1.0)),
    "green": ColourDomain((100.0, 140.0), (0.55, 0.95), (0.45, 0.85)),
    "blue": ColourDomain((205.0, 235.0), (0.6, 0.95), (0.5, 0.9)),
    "black": ColourDomain((0.0, 360.0), (0.0, 0.25), (0.06, 0.18)),
}

#: The four domains of the SDIT colour experiments (thesis Section 6.4).
SDIT_DOMAINS: tuple[str, ...] = ("orange", "yellow", "green", "blue")

SHAPES: tuple[str, ...] = ("bag", "shoe", "mug", "ball", "vase")

_TEXTURES = ("grain", "quilted", "weave")
_TAG = 0x0B1EC7  # last SeedSequence entry (numpy ignores trailing zeros)

#: UDIT biased-handbag datasets (thesis Tables 5.1 and 5.2): split -> domain ->
#: {(colour, textured): count}. All objects are bags.
BIAS_CONFIGS: dict[str, dict[str, dict[str, dict[tuple[str, bool], int]]]] = {
    "handbags_color": {
        "train": {"A": {("black", False): 755}, "B": {("red", True): 1000, ("red", False): 100}},
        "test": {"A": {("black", False): 100}},
    },
    "handbags_texture": {
        "train": {
            "A": {("red", False): 1256},
            "B": {("black", True): 1100, ("red", True): 100},
        },
        "test": {"A": {("red", False): 100}},
    },
}


@dataclass(frozen=True)
class ObjectSample:
    """One rendered object.

    Attributes:
        image: (H, W, 3) uint8.
        mask: (H, W) bool, the object's pixels.
        domain: colour-domain name.
        shape: one of :data:`SHAPES`.
        textured: whether the material texture is on.
        hue: hue drawn for the object, degrees in [0, 360).
        sat, val: saturation and value drawn for the object, in [0, 1].
    """

    image: np.ndarray
    mask: np.ndarray
    domain: str
    shape: str
    textured: bool
    hue: float
    sat: float
    val: float


# --------------------------------------------------------------------------- #
# silhouettes in object coordinates (x right, y up, object within [-1, 1])


def _superellipse(x, y, cx, cy, rx, ry, p=2.0):
    return (np.abs((x - cx) / rx) ** p + np.abs((y - cy) / ry) ** p) <= 1.0


def _ring(x, y, cx, cy, rx, ry, t):
    r = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
    return np.abs(r - 1.0) < t


def _silhouette(shape: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask, darkening) of a shape; darkening in [0, 1] marks seams and openings."""
    dark = np.zeros_like(x)
    if shape == "bag":
        hw = 0.62 + 0.16 * np.clip((0.2 - y) / 1.1, 0, 1)
        body = (np.abs(x / hw) ** 6 + np.abs((y + 0.35) / 0.57) ** 6) <= 1.0
        handle = _ring(x, y, 0, 0.2, 0.38, 0.6, 0.12) & (y > 0.2)
        mask = body | handle
        dark = np.where(body & (np.abs(y - 0.02) < 0.02), 0.5, 0.0)
        dark = np.where(body & (np.abs(x) < 0.07) & (np.abs(y + 0.06) < 0.06), 0.6, dark)
    elif shape == "shoe":
        sole = (y > -0.78) & (y < -0.64) & (x > -0.92) & (x < 0.92)
        toe = _superellipse(x, y, 0.3, -0.55, 0.62, 0.3)
        shaft = _superellipse(x, y, -0.48, -0.2, 0.44, 0.55, 4)
        mask = sole | toe | shaft
        dark = np.where(sole & ~(toe & (y > -0.66)), 0.55, 0.0)
        dark = np.where(_superellipse(x, y, -0.45, 0.28, 0.3, 0.07), 0.8, dark)
        lace = (np.abs(np.mod(x - 0.02, 0.14) - 0.07) < 0.02) & (x > -0.1) & (x < 0.35)
        dark = np.where(lace & (np.abs(y + 0.32 + 0.4 * (x - 0.1)) < 0.06) & mask, 0.6, dark)
    elif shape == "mug":
        body = _superellipse(x, y, -0.15, -0.1, 0.55, 0.72, 8)
        handle = _ring(x, y, 0.42, -0.05, 0.3, 0.34, 0.22) & (x > 0.3)
        mask = body | handle
        dark = np.where(_superellipse(x, y, -0.15, 0.57, 0.5, 0.07), 0.7, 0.0)
    elif shape == "ball":
        mask = x**2 + y**2 < 0.78**2
        seam = (np.abs(np.sqrt((x + 0.9) ** 2 + y**2) - 0.75) < 0.025) | (
            np.abs(np.sqrt((x - 0.9) ** 2 + y**2) - 0.75) < 0.025
        )
        dark = np.where(seam & mask, 0.6, 0.0)
    elif shape == "vase":
        r = 0.16 + 0.46 * np.exp(-(((y + 0.25) / 0.45) ** 2))
        r = np.where(y > 0.72, 0.27, r)
        mask = (np.abs(x) < r) & (y > -0.88) & (y < 0.85)
        dark = np.where(_superellipse(x, y, 0, 0.85, 0.24, 0.05), 0.7, 0.0)
    else:
        raise ValueError(f"unknown shape {shape!r}; choose one of {SHAPES}")
    return mask, dark * mask


def _texture(kind: str, rng: np.random.Generator, S: int, x: np.ndarray, y: np.ndarray):
    """Brightness modulation (S, S) of a material; mean ~1, never changes hue."""
    if kind == "grain":
        k = int(S // 3)
        g = rng.random((k, k)).astype(np.float32)
        g = zoom(g, S / k, order=1)[:S, :S]
        return 0.8 + 0.4 * g
    if kind == "quilted":
        f = rng.uniform(3.0, 5.0)
        a = np.abs(np.mod((x + y) * f, 1.0) - 0.5)
        b = np.abs(np.mod((x - y) * f, 1.0) - 0.5)
        puff = 0.75 + 0.5 * np.minimum(a, b) * 2
        seam = (a < 0.04) | (b < 0.04)
        return np.where(seam, 0.55, puff)
    f = rng.uniform(9.0, 14.0)  # weave
    cell = (np.floor(x * f) + np.floor(y * f)) % 2
    return np.where(cell > 0, 1.12, 0.82)


def _hsv_rgb(h: float, s: float) -> np.ndarray:
    """RGB at value 1 for hue h (degrees) and saturation s; value scales it linearly."""
    return np.array(colorsys.hsv_to_rgb((h % 360.0) / 360.0, s, 1.0), np.float32)


def _shade(domain: str, rng: np.random.Generator, shade: Sequence[float] | None):
    d = COLOUR_DOMAINS[domain]
    t = rng.random(3) if shade is None else np.asarray(shade, np.float64)
    if t.shape != (3,) or (t < 0).any() or (t > 1).any():
        raise ValueError(f"shade must be three fractions in [0, 1], got {shade!r}")
    h = (d.hue[0] + t[0] * (d.hue[1] - d.hue[0])) % 360.0
    s = d.sat[0] + t[1] * (d.sat[1] - d.sat[0])
    v = d.val[0] + t[2] * (d.val[1] - d.val[0])
    return float(h), float(s), float(v)


def render_object(
    seed: int,
    domain: str,
    size: int = 64,
    textured: bool = False,
    shape: str | None = None,
    shade: Sequence[float] | None = None,
    ss: int = 2,
) -> ObjectSample:
    """Render object ``seed`` in colour ``domain``.

    The shape (unless given), pose, lighting, background and texture pattern
    depend only on ``seed``; the shade inside the domain depends on ``seed``
    and ``domain`` (or on ``shade``). Rendering the same seed in two domains,
    or flat and textured, therefore gives true counterparts that differ only
    in colour or in material.

    Args:
        seed: non-negative int.
        domain: a key of :data:`COLOUR_DOMAINS`.
        size: output side in pixels (>= 8).
        textured: apply the material texture.
        shape: force one of :data:`SHAPES`.
        shade: three fractions (hue, saturation, value) placing the colour in
            the domain's ranges; drawn at random when ``None``.
        ss: supersampling factor per axis.
    """
    if domain not in COLOUR_DOMAINS:
        raise ValueError(
            f"unknown colour domain {domain!r}; choose one of {sorted(COLOUR_DOMAINS)}"
        )
    if int(size) != size or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    size, seed = int(size), int(seed)
    g = np.random.default_rng((seed, 0, _TAG))
    shape_g = SHAPES[int(g.integers(len(SHAPES)))]
    shape = shape or shape_g
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; choose one of {SHAPES}")
    scale = g.uniform(0.62, 0.82)
    theta = np.deg2rad(g.uniform(-12, 12))
    tx, ty = g.uniform(-0.08, 0.08, 2)
    aspect = g.uniform(0.9, 1.1)
    flip = -1.0 if g.random() < 0.5 else 1.0
    light = np.array([g.uniform(-0.7, -0.2), g.uniform(0.3, 0.8), 0.7])
    light /= np.linalg.norm(light)
    bg_v = g.uniform(0.82, 0.97)
    bg_tint = g.uniform(-0.02, 0.02, 3)
    tex_kind = _TEXTURES[int(g.integers(len(_TEXTURES)))]
    tex_rng = np.random.default_rng((seed, 1, _TAG))
    dom_i = sorted(COLOUR_DOMAINS).index(domain)
    h, s, v = _shade(domain, np.random.default_rng((seed, 2, dom_i, _TAG)), shade)

    S = size * ss
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) + 0.5
    X = 2 * xx / S - 1
    Y = 1 - 2 * yy / S
    c, sn = np.cos(theta), np.sin(theta)
    x = (c * (X - tx) + sn * (Y - ty)) / scale * flip
    y = (-sn * (X - tx) + c * (Y - ty)) / (scale * aspect)
    mask, dark = _silhouette(shape, x, y)

    # background: light, with a soft shadow under the object
    bg = np.full((S, S, 3), bg_v, np.float32) + bg_tint.astype(np.float32)
    bg = bg * (1.0 - 0.08 * (Y[..., None] + 1) / 2)
    rows = np.nonzero(mask.any(1))[0]
    if rows.size:
        cols = np.nonzero(mask.any(0))[0]
        by, bx = rows.max(), 0.5 * (cols.min() + cols.max())
        rx, ry = 0.6 * (cols.max() - cols.min() + 1), 0.06 * S
        sh = np.exp(-(((xx - bx) / rx) ** 2) - ((yy - by) / ry) ** 2)
        bg = bg * (1 - 0.35 * sh)[..., None]

    # a rounded 3-D look from the distance to the silhouette's edge
    d = distance_transform_edt(mask) / (0.12 * S)
    hgt = np.sqrt(np.clip(1 - (1 - np.clip(d, 0, 1)) ** 2, 0, 1))
    hgt = gaussian_filter(hgt, 0.03 * S) * mask
    gy, gx = np.gradient(hgt * 0.12 * S / ss)
    nrm = np.stack([-gx, gy, np.ones_like(gx)], -1)
    nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
    lam = np.clip(nrm @ light, 0, 1)
    spec = np.clip(nrm @ (light + np.array([0, 0, 1.0])) / np.sqrt(2 + 2 * light[2]), 0, 1) ** 30
    value = v * (0.35 + 0.75 * lam) * (1 - dark)
    if textured:
        value = value * _texture(tex_kind, tex_rng, S, x, y)
    obj = _hsv_rgb(h, s) * np.clip(value, 0, 1)[..., None] + (0.25 * spec * (1 - dark))[..., None]
    img = np.where(mask[..., None], obj, bg)
    img = img.reshape(size, ss, size, ss, 3).mean(axis=(1, 3))
    cover = mask.reshape(size, ss, size, ss).mean(axis=(1, 3))
    image = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    return ObjectSample(image, cover >= 0.5, domain, shape, bool(textured), h, s, v)


# --------------------------------------------------------------------------- #
# collections


def _stack(samples: list[ObjectSample], domains: Sequence[str], ids: list[int]) -> dict:
    return {
        "images": np.stack([o.image for o in samples]),
        "masks": np.stack([o.mask for o in samples]),
        "domain": np.array([list(domains).index(o.domain) for o in samples], np.int64),
        "shape": np.array([SHAPES.index(o.shape) for o in samples], np.int64),
        "textured": np.array([o.textured for o in samples], bool),
        "hue": np.array([o.hue for o in samples], np.float32),
        "object_id": np.array(ids, np.int64),
        "domains": tuple(domains),
    }


def colour_objects(
    n_per_domain: int,
    domains: Sequence[str] = SDIT_DOMAINS,
    size: int = 64,
    seed: int = 0,
    textured: bool = False,
    paired: bool = False,
    shape: str | None = None,
) -> dict:
    """Objects in several colour domains (the SDIT colour set, thesis Section 6.4).

    Args:
        n_per_domain: objects per domain (balanced, domain-major order).
        domains: colour-domain names.
        size: side in pixels.
        seed: base seed; object ids are ``seed * 1_000_003 + k``.
        textured: material texture on all objects.
        paired: ``True``: object ``i`` is the same object in every domain (true
            counterparts); ``False``: every image is a different object (unpaired).
        shape: force one shape (e.g. ``"bag"``); mixed shapes by default.
    Returns:
        dict with ``images`` (N, H, W, 3) uint8, ``masks`` (N, H, W) bool,
        ``domain`` (N,) index into ``domains``, ``shape`` (N,) index into
        :data:`SHAPES`, ``textured`` (N,), ``hue`` (N,) degrees, ``object_id``
        (N,) and ``domains`` (the names).
    """
    if not domains:
        raise ValueError("domains must name at least one colour domain")
    for d in domains:
        if d not in COLOUR_DOMAINS:
            raise ValueError(f"unknown colour domain {d!r}; choose from {sorted(COLOUR_DOMAINS)}")
    base = int(seed) * 1_000_003
    samples, ids = [], []
    for j, d in enumerate(domains):
        for i in range(int(n_per_domain)):
            oid = base + (i if paired else j * int(n_per_domain) + i)
            samples.append(render_object(oid, d, size, textured, shape))
            ids.append(oid)
    if not samples:
        raise ValueError(f"n_per_domain must be positive, got {n_per_domain}")
    return _stack(samples, domains, ids)


def biased_objects(
    counts: Mapping[tuple[str, bool], int], size: int = 64, seed: int = 0, shape: str | None = "bag"
) -> dict:
    """A set with given counts per (colour, textured) mode, e.g. thesis Table 5.1.

    ``counts`` maps ``(colour domain, textured)`` to a number of objects,
    e.g. ``{("red", True): 1000, ("red", False): 100}``. Every object is a
    different object (ids ``seed * 1_000_003 + k``). Returns the dict of
    :func:`colour_objects` with ``domains`` = the colours in order of first use.
    See :data:`BIAS_CONFIGS` for the paper's configurations.
    """
    domains: list[str] = []
    samples, ids = [], []
    k = int(seed) * 1_000_003
    for (colour, textured), n in counts.items():
        if colour not in COLOUR_DOMAINS:
            raise ValueError(
                f"unknown colour domain {colour!r}; choose from {sorted(COLOUR_DOMAINS)}"
            )
        if colour not in domains:
            domains.append(colour)
        for _ in range(int(n)):
            samples.append(render_object(k, colour, size, bool(textured), shape))
            ids.append(k)
            k += 1
    if not samples:
        raise ValueError("counts must ask for at least one object")
    return _stack(samples, domains, ids)


# --------------------------------------------------------------------------- #
# reading colours back


def hue_saturation_value(images: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
    """Robust colour of each object: (N, 3) = (hue degrees, saturation, value).

    Hue is the circular mean over the object's well-lit, saturated pixels;
    saturation and value are medians over the object's pixels.

    Args:
        images: (N, H, W, 3) or (H, W, 3) uint8.
        masks: matching (N, H, W) bool; by default, pixels that differ from the
            light background (value < 0.75 or saturation > 0.25).
    """
    from matplotlib.colors import rgb_to_hsv

    imgs = np.asarray(images)
    single = imgs.ndim == 3
    if single:
        imgs = imgs[None]
        masks = None if masks is None else np.asarray(masks)[None]
    if imgs.ndim != 4 or imgs.shape[-1] != 3:
        raise ValueError(f"images must be (N, H, W, 3), got {np.shape(images)}")
    hsv = rgb_to_hsv(imgs.astype(np.float32) / 255.0)
    out = np.zeros((len(imgs), 3), np.float32)
    for i in range(len(imgs)):
        hh, ss_, vv = hsv[i, ..., 0], hsv[i, ..., 1], hsv[i, ..., 2]
        m = (vv < 0.75) | (ss_ > 0.25) if masks is None else np.asarray(masks[i], bool)
        if not m.any():
            m = np.ones_like(vv, bool)
        sel = m & (ss_ > 0.3) & (vv > 0.15)
        w = sel if sel.sum() >= 3 else m
        ang = hh[w] * 2 * np.pi
        mean = np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())
        out[i] = (np.rad2deg(mean) % 360.0, np.median(ss_[m]), np.median(vv[m]))
    return out[0] if single else out


def classify_colour(
    images: np.ndarray,
    masks: np.ndarray | None = None,
    domains: Sequence[str] = tuple(COLOUR_DOMAINS),
) -> np.ndarray:
    """Name the colour domain of each object from its hue (a ground-truth oracle).

    Objects with low value are ``black`` (when ``black`` is among ``domains``);
    others take the domain whose hue range is nearest on the colour circle.

    Returns:
        (N,) array of domain names (a single name for one (H, W, 3) image).
    """
    hsv = hue_saturation_value(images, masks)
    single = hsv.ndim == 1
    hsv = np.atleast_2d(hsv)
    chroma = [d for d in domains if COLOUR_DOMAINS[d].chromatic]
    out = []
    for h, s, v in hsv:
        if "black" in domains and (v < 0.3 or not chroma):
            out.append("black")
            continue
        best, dist = None, np.inf
        for d in chroma:
            lo, hi = COLOUR_DOMAINS[d].hue
            centre, half = (lo + hi) / 2, (hi - lo) / 2
            gap = abs((h - centre + 180.0) % 360.0 - 180.0) - half
            if gap < dist:
                best, dist = d, gap
        out.append(best)
    arr = np.array(out, dtype=object)
    return arr[0] if single else arr
