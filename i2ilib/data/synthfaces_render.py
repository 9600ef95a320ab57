"""The SynthFaces renderer: procedural, layered, anti-aliased faces that stand in for CelebA.

A face is an :class:`Identity` (who the person is: face shape, skin tone, hair style and colour,
eyes, eyebrows, nose, mouth, and the glasses / hat they own) rendered under a :class:`Pose`
(where and how the picture was taken: small rotation, yaw, shift and scale, lighting, background,
clothes, sensor noise) with a set of **transient attributes** (``Eyeglasses``, ``Smiling``,
``Bangs``, ``Blond_Hair``, ``Black_Hair``, ``Male``, ``Pale_Skin``, ``Wearing_Hat``,
``Mouth_Slightly_Open``, ``Heavy_Makeup``; CelebA's names, Liu et al. 2015).

The image is painted back to front as a stack of layers. Every layer has an analytic soft edge
(coverage = a one-pixel linear ramp of an approximate signed distance, so edges are anti-aliased
and a layer's support ends exactly half a pixel outside its shape) and a colour that may be
shaded by the pose's light. Each layer is tagged with the attributes its shape or colour depends
on. Hence the **true pair** of a face -- the same identity and pose rendered with and without an
attribute -- differs only inside the union of the supports of the layers tagged with that
attribute, and :func:`render_face` can return that region (``return_masks=True``). This is the
ground truth that the implicit-pairs paper (Ginger et al. 2019, Sec. 3.2-3.3) could only
approximate on CelebA.

Coordinates: the face frame has x to the right and y downwards, with the image spanning
[-1, 1] x [-1, 1] at the canonical pose; the pose maps the face frame to the image by a
similarity (rotation ``roll``, ``scale``, shift ``dx, dy``). Images are uint8 arrays
(H, W, 3); landmarks are (5, 2) float arrays of (x, y) pixel coordinates (pixel centres at
integers), in CelebA's order: left eye, right eye, nose, left mouth corner, right mouth corner,
where "left" means the image's left as in ``list_landmarks_align_celeba.txt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

#: The transient attributes the renderer draws (CelebA column names).
RENDERED_ATTRIBUTES: tuple[str, ...] = (
    "Eyeglasses",
    "Smiling",
    "Bangs",
    "Blond_Hair",
    "Black_Hair",
    "Male",
    "Pale_Skin",
    "Wearing_Hat",
    "Mouth_Slightly_Open",
    "Heavy_Makeup",
)

HAIR_STYLES: tuple[str, ...] = ("short", "long", "bob", "curly", "buzz", "bald")
GLASSES_SHAPES: tuple[str, ...] = ("round", "rectangular", "oval")
HAT_STYLES: tuple[str, ...] = ("beanie", "brimmed")
BEARD_STYLES: tuple[str, ...] = ("stubble", "full", "goatee")

_HAIR_COLOURS = {
    "black": (0.07, 0.06, 0.06),
    "dark_brown": (0.22, 0.14, 0.09),
    "brown": (0.38, 0.24, 0.14),
    "auburn": (0.50, 0.22, 0.11),
    "blond": (0.86, 0.72, 0.45),
    "gray": (0.62, 0.61, 0.60),
}
_BLOND = np.array(_HAIR_COLOURS["blond"])
_BLACK = np.array(_HAIR_COLOURS["black"])
_SKIN_TONES = np.array(
    [
        (0.96, 0.80, 0.69),
        (0.92, 0.74, 0.61),
        (0.84, 0.64, 0.50),
        (0.74, 0.53, 0.39),
        (0.60, 0.42, 0.30),
        (0.45, 0.31, 0.22),
        (0.34, 0.23, 0.17),
    ]
)
_PALE_SKIN = np.array((0.98, 0.88, 0.82))
_ZOOM = 1.2  # face frame -> image scale at the canonical pose (CelebA-like framing)


@dataclass(frozen=True)
class GlassesStyle:
    """The eyeglasses an identity owns: lens ``shape`` (round / rectangular / oval), frame
    ``thickness`` in face units (thin metal ~0.008, thick acetate ~0.022), frame colour, and a
    lens ``tint`` opacity (0.06 = clear glass, >= 0.45 = tinted / sunglasses) and colour."""

    shape: str
    thickness: float
    frame_rgb: tuple[float, float, float]
    tint: float
    tint_rgb: tuple[float, float, float]
    size: float

    @property
    def tinted(self) -> bool:
        return self.tint >= 0.4


@dataclass(frozen=True)
class Identity:
    """Everything about a person that does not change between their photos.

    Lengths are in face units (the image half-width at the canonical pose). ``male``,
    ``pale`` and ``hair_colour`` are the person's defaults for the attributes ``Male``,
    ``Pale_Skin``, ``Blond_Hair``/``Black_Hair``; a rendering may override them.
    """

    face_w: float
    face_h: float
    jaw_taper: float
    skin_rgb: tuple[float, float, float]
    hair_colour: str
    hair_style: str
    hairline: float
    hair_part: float
    eye_sep: float
    eye_w: float
    eye_h: float
    eye_y: float
    eye_tilt: float
    iris_rgb: tuple[float, float, float]
    brow_thick: float
    brow_arch: float
    brow_len: float
    nose_len: float
    nose_w: float
    mouth_w: float
    lip_upper: float
    lip_lower: float
    lip_rgb: tuple[float, float, float]
    ear_size: float
    male: bool
    pale: bool
    beard: str
    glasses: GlassesStyle
    hat_style: str
    hat_rgb: tuple[float, float, float]
    lipstick_rgb: tuple[float, float, float]
    eyeshadow_rgb: tuple[float, float, float]
    texture_seed: int

    @property
    def hair_rgb(self) -> tuple[float, float, float]:
        return _HAIR_COLOURS[self.hair_colour]


@dataclass(frozen=True)
class Pose:
    """Everything about one photo that is not the person: geometry (``roll`` in radians,
    ``yaw`` in [-1, 1] as a fraction of a quarter turn, ``dx``, ``dy``, ``scale``), light
    (direction ``light_x``, ``light_y``, ``ambient``, colour ``temperature``), background
    (two colours, gradient angle, pattern), clothes colour and the sensor ``noise`` level and
    seed. Two renderings with the same pose differ only through the identity and attributes."""

    roll: float = 0.0
    yaw: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    light_x: float = -0.35
    light_y: float = -0.35
    ambient: float = 0.55
    temperature: float = 0.0
    bg_rgb0: tuple[float, float, float] = (0.55, 0.62, 0.70)
    bg_rgb1: tuple[float, float, float] = (0.80, 0.82, 0.85)
    bg_angle: float = 0.5
    bg_pattern: str = "plain"
    bg_freq: float = 3.0
    bg_phase: float = 0.0
    clothes_rgb: tuple[float, float, float] = (0.20, 0.25, 0.40)
    noise: float = 0.012
    noise_seed: int = 0


@dataclass
class Face:
    """One rendered face.

    Attributes:
        image: uint8 array (H, W, 3).
        landmarks: float32 array (5, 2) of (x, y) pixel coordinates: left eye, right eye, nose
            tip, left mouth corner, right mouth corner (CelebA's order and image-left
            convention).
        bbox: float32 array (4,) = (x_1, y_1, width, height) of the head in pixels.
        masks: only with ``return_masks=True``: attribute name -> bool array (H, W), the pixels
            where any layer depending on that attribute has non-zero coverage.
    """

    image: np.ndarray
    landmarks: np.ndarray
    bbox: np.ndarray
    masks: dict[str, np.ndarray] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# sampling


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _rgb(rng: np.random.Generator, base, jitter: float) -> tuple[float, float, float]:
    c = _clip(np.asarray(base, dtype=float) + rng.normal(0.0, jitter, 3), 0.0, 1.0)
    return (float(c[0]), float(c[1]), float(c[2]))


def _hsv_rgb(h: float, s: float, v: float) -> tuple[float, float, float]:
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return (float(r), float(g), float(b))


def sample_glasses(rng: np.random.Generator) -> GlassesStyle:
    """Sample a pair of glasses: round, rectangular or oval lenses, thin metal or thick frames,
    clear or tinted lenses."""
    shape = GLASSES_SHAPES[int(rng.integers(len(GLASSES_SHAPES)))]
    thick = bool(rng.random() < 0.5)
    if thick:
        frame = [(0.05, 0.05, 0.05), (0.28, 0.16, 0.08), (0.12, 0.12, 0.30), (0.45, 0.08, 0.10)][
            int(rng.integers(4))
        ]
        thickness = _u(rng, 0.024, 0.034)
    else:
        frame = [(0.75, 0.62, 0.30), (0.70, 0.70, 0.72), (0.10, 0.10, 0.10)][int(rng.integers(3))]
        thickness = _u(rng, 0.013, 0.018)
    if rng.random() < 0.3:
        tint = _u(rng, 0.5, 0.85)
        tint_rgb = [(0.05, 0.05, 0.06), (0.20, 0.12, 0.05), (0.05, 0.12, 0.10)][int(rng.integers(3))]
    else:
        tint, tint_rgb = _u(rng, 0.05, 0.12), (0.85, 0.92, 1.0)
    return GlassesStyle(
        shape, thickness, _rgb(rng, frame, 0.03), tint, tint_rgb, _u(rng, 0.95, 1.1)
    )


def sample_identity(rng: np.random.Generator) -> Identity:
    """Sample a person. Deterministic given the generator state."""
    male = bool(rng.random() < 0.45)
    tone = _SKIN_TONES[int(rng.integers(len(_SKIN_TONES)))]
    skin = _rgb(rng, tone * rng.uniform(0.94, 1.06), 0.008)  # brightness varies more than hue
    pale = bool(rng.random() < 0.08) and float(np.mean(tone)) > 0.6
    dark_skin = float(np.mean(tone)) < 0.5
    colour_p = np.array([0.22, 0.25, 0.22, 0.08, 0.17, 0.06])
    if dark_skin:
        colour_p = np.array([0.55, 0.3, 0.1, 0.02, 0.01, 0.02])
    hair_colour = list(_HAIR_COLOURS)[int(rng.choice(6, p=colour_p / colour_p.sum()))]
    style_p = np.array([0.30, 0.05, 0.08, 0.12, 0.30, 0.15]) if male else np.array(
        [0.12, 0.45, 0.28, 0.15, 0.0, 0.0]
    )
    hair_style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=style_p / style_p.sum()))]
    iris = [(0.30, 0.18, 0.08), (0.16, 0.10, 0.05), (0.25, 0.42, 0.55), (0.30, 0.45, 0.30)]
    hat_rgb = _hsv_rgb(_u(rng, 0, 1), _u(rng, 0.3, 0.8), _u(rng, 0.25, 0.8))
    lipstick = [(0.72, 0.10, 0.16), (0.80, 0.35, 0.42), (0.45, 0.08, 0.18), (0.85, 0.30, 0.25)]
    shadow = [(0.45, 0.30, 0.50), (0.35, 0.25, 0.20), (0.25, 0.35, 0.55), (0.55, 0.40, 0.30)]
    lip_base = np.asarray(skin) * np.array([0.85, 0.62, 0.62]) + np.array([0.08, 0.0, 0.0])
    return Identity(
        face_w=_u(rng, 0.38, 0.46) * (1.03 if male else 1.0),
        face_h=_u(rng, 0.52, 0.60),
        jaw_taper=_u(rng, 0.10, 0.35) * (0.7 if male else 1.0),
        skin_rgb=skin,
        hair_colour=hair_colour,
        hair_style=hair_style,
        hairline=_u(rng, -0.40, -0.30),
        hair_part=_u(rng, -0.15, 0.15),
        eye_sep=_u(rng, 0.155, 0.205),
        eye_w=_u(rng, 0.062, 0.080),
        eye_h=_u(rng, 0.026, 0.040),
        eye_y=_u(rng, -0.03, 0.02),
        eye_tilt=_u(rng, -0.25, 0.25),
        iris_rgb=_rgb(rng, iris[int(rng.integers(len(iris)))], 0.03),
        brow_thick=_u(rng, 0.010, 0.020) * (1.3 if male else 1.0),
        brow_arch=_u(rng, 0.005, 0.03),
        brow_len=_u(rng, 0.085, 0.11),
        nose_len=_u(rng, 0.14, 0.20),
        nose_w=_u(rng, 0.035, 0.055),
        mouth_w=_u(rng, 0.10, 0.135),
        lip_upper=_u(rng, 0.014, 0.026),
        lip_lower=_u(rng, 0.020, 0.034),
        lip_rgb=_rgb(rng, _clip(lip_base, 0, 1), 0.02),
        ear_size=_u(rng, 0.9, 1.15),
        male=male,
        pale=pale,
        beard=BEARD_STYLES[int(rng.integers(len(BEARD_STYLES)))],
        glasses=sample_glasses(rng),
        hat_style=HAT_STYLES[int(rng.integers(len(HAT_STYLES)))],
        hat_rgb=hat_rgb,
        lipstick_rgb=lipstick[int(rng.integers(len(lipstick)))],
        eyeshadow_rgb=shadow[int(rng.integers(len(shadow)))],
        texture_seed=int(rng.integers(2**31 - 1)),
    )


def sample_pose(rng: np.random.Generator, jitter: float = 1.0) -> Pose:
    """Sample one photo's pose, light, background, clothes and noise. ``jitter`` scales the
    geometric and lighting variation (0 = canonical pose and light)."""
    j = float(jitter)
    h0 = _u(rng, 0, 1)
    c0 = _hsv_rgb(h0, _u(rng, 0.05, 0.6), _u(rng, 0.25, 0.95))
    c1 = _hsv_rgb((h0 + _u(rng, -0.25, 0.25)) % 1.0, _u(rng, 0.0, 0.5), _u(rng, 0.3, 1.0))
    patterns = ("plain", "stripes", "blobs", "bokeh")
    return Pose(
        roll=j * _u(rng, -0.12, 0.12),
        yaw=j * _u(rng, -0.35, 0.35),
        dx=j * _u(rng, -0.04, 0.04),
        dy=j * _u(rng, -0.04, 0.04),
        scale=1.0 + j * _u(rng, -0.06, 0.06),
        light_x=j * _u(rng, -0.7, 0.7),
        light_y=-0.2 + j * _u(rng, -0.5, 0.3),
        ambient=_u(rng, 0.45, 0.7) if j > 0 else 0.55,
        temperature=j * _u(rng, -0.05, 0.05),
        bg_rgb0=c0,
        bg_rgb1=c1,
        bg_angle=_u(rng, 0, np.pi),
        bg_pattern=patterns[int(rng.integers(len(patterns)))],
        bg_freq=_u(rng, 2.0, 6.0),
        bg_phase=_u(rng, 0, 2 * np.pi),
        clothes_rgb=_hsv_rgb(_u(rng, 0, 1), _u(rng, 0.1, 0.7), _u(rng, 0.15, 0.85)),
        noise=_u(rng, 0.004, 0.02),
        noise_seed=int(rng.integers(2**31 - 1)),
    )


def default_attributes(identity: Identity) -> dict[str, float]:
    """The identity's own attribute values (no transient attribute switched on)."""
    return {
        "Eyeglasses": 0.0,
        "Smiling": 0.0,
        "Bangs": 0.0,
        "Blond_Hair": float(identity.hair_colour == "blond"),
        "Black_Hair": float(identity.hair_colour == "black"),
        "Male": float(identity.male),
        "Pale_Skin": float(identity.pale),
        "Wearing_Hat": 0.0,
        "Mouth_Slightly_Open": 0.0,
        "Heavy_Makeup": 0.0,
    }


def resolve_attributes(identity: Identity, attributes: dict[str, bool | float] | None) -> dict:
    """Merge ``attributes`` over :func:`default_attributes`; checks the names."""
    out = default_attributes(identity)
    for k, v in (attributes or {}).items():
        if k not in out:
            raise ValueError(
                f"Unknown attribute {k!r}: SynthFaces renders {', '.join(RENDERED_ATTRIBUTES)}."
            )
        out[k] = float(v)
    return out


# --------------------------------------------------------------------------------------------
# painting machinery


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [-1, 1] (read-only, cached per size)."""
    lin = (np.arange(size, dtype=np.float32) + 0.5) * np.float32(2.0 / size) - np.float32(1.0)
    xi, yi = np.meshgrid(lin, lin)
    xi.flags.writeable = False
    yi.flags.writeable = False
    return xi, yi


class _Canvas:
    """A float RGB canvas with face-frame coordinates, painted layer by layer."""

    def __init__(self, size: int, pose: Pose, want_masks: bool):
        self.size = size
        self.pose = pose
        s = size
        xi, yi = _grid(s)
        # image -> face frame: inverse similarity
        c, sn = np.cos(pose.roll), np.sin(pose.roll)
        zoom = pose.scale * _ZOOM
        u = (xi - pose.dx) / zoom
        v = (yi - pose.dy) / zoom
        self.X = (c * u + sn * v).astype(np.float32)
        self.Y = (-sn * u + c * v).astype(np.float32)
        self.xi, self.yi = xi, yi
        self.pw = np.float32(2.0 / s / zoom)  # one pixel in face units
        self.rgb = np.zeros((s, s, 3), np.float32)
        self.want_masks = want_masks
        self.masks: dict[str, np.ndarray] = {}
        k = zoom * s / 2.0
        off_x = (pose.dx + 1.0) * s / 2.0 - 0.5
        off_y = (pose.dy + 1.0) * s / 2.0 - 0.5
        self._affine = (c * k, -sn * k, off_x, sn * k, c * k, off_y)

    # face frame -> pixel coordinates (pixel centres at integers)
    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = self.pose
        c, sn = np.cos(p.roll), np.sin(p.roll)
        xi = (c * x - sn * y) * p.scale * _ZOOM + p.dx
        yi = (sn * x + c * y) * p.scale * _ZOOM + p.dy
        return (xi + 1.0) * self.size / 2.0 - 0.5, (yi + 1.0) * self.size / 2.0 - 0.5

    def window(self, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice]:
        """Pixel window covering the face-frame box [x0, x1] x [y0, y1] (plus a margin)."""
        m = self._affine
        xs = [m[0] * x + m[1] * y + m[2] for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        ys = [m[3] * x + m[4] * y + m[5] for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        s = self.size
        c0 = max(math.floor(min(xs)) - 2, 0)
        c1 = min(math.ceil(max(xs)) + 3, s)
        r0 = max(math.floor(min(ys)) - 2, 0)
        r1 = min(math.ceil(max(ys)) + 3, s)
        return slice(r0, max(r0, r1)), slice(c0, max(c0, c1))

    def paint(self, win, alpha: np.ndarray, colour, tags: tuple[str, ...] = ()) -> None:
        """Alpha-composite ``colour`` ((3,) or (h, w, 3)) with coverage ``alpha`` (h, w)."""
        if alpha.size == 0:
            return
        col = np.asarray(colour, dtype=np.float32)
        a = alpha[..., None]
        region = self.rgb[win]
        region += a * (col - region)
        if self.want_masks and tags:
            nz = alpha > 0
            for t in tags:
                m = self.masks.get(t)
                if m is None:
                    m = self.masks[t] = np.zeros((self.size, self.size), bool)
                m[win] |= nz


def _clip(x, lo: float, hi: float):
    """np.clip without its Python-level overhead (this module calls it thousands of times)."""
    return np.minimum(np.maximum(x, lo), hi)


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(x, 0.0), 1.0)


def _cov(d: np.ndarray, pw) -> np.ndarray:
    """Coverage of the inside (d < 0) of a signed distance ``d`` with a one-pixel ramp."""
    return _clip01(0.5 - d / pw)


def _ellipse_d(X, Y, cx, cy, a, b) -> np.ndarray:
    """Approximate signed distance to the ellipse centred (cx, cy) with radii (a, b)."""
    dx = (X - cx) / a
    dy = (Y - cy) / b
    k = np.sqrt(dx * dx + dy * dy) + 1e-6
    g = np.sqrt((dx / a) ** 2 + (dy / b) ** 2) / k + 1e-6
    return (k - 1.0) / g


def _band(Y, top, bottom, pw) -> np.ndarray:
    """Coverage of top(x) < y < bottom(x) for curves given as arrays."""
    return _cov(top - Y, pw) * _cov(Y - bottom, pw)


def _segment_d(X, Y, x0, y0, x1, y1) -> np.ndarray:
    """Distance to the segment (x0, y0)-(x1, y1)."""
    vx, vy = x1 - x0, y1 - y0
    t = _clip(((X - x0) * vx + (Y - y0) * vy) / (vx * vx + vy * vy + 1e-12), 0.0, 1.0)
    return np.hypot(X - x0 - t * vx, Y - y0 - t * vy)


def _shade(nx, ny, pose: Pose, ambient_boost: float = 0.0) -> np.ndarray:
    """Lambert shading of a bump with surface-normal x/y components (nx, ny)."""
    nz = np.sqrt(_clip(1.0 - nx * nx - ny * ny, 0.0, 1.0))
    lx, ly, lz = pose.light_x, pose.light_y, 0.85
    n = np.sqrt(lx * lx + ly * ly + lz * lz)
    lam = _clip((nx * lx + ny * ly + nz * lz) / n, 0.0, 1.0)
    amb = min(pose.ambient + ambient_boost, 1.0)
    return (amb + (1.2 - amb) * lam).astype(np.float32)


@lru_cache(maxsize=1)
def _noise_table() -> np.ndarray:
    """A fixed 128 x 128 table of uniform values in [-1, 1] (the same on every machine)."""
    t = np.random.default_rng(20190621).uniform(-1.0, 1.0, (128, 128)).astype(np.float32)
    t.flags.writeable = False
    return t


def _value_noise(X, Y, seed: int, freq: float) -> np.ndarray:
    """Smooth, non-repeating-looking noise in [-1, 1]: the table, bilinearly interpolated at
    (X, Y) * ``freq`` plus an offset chosen by ``seed``."""
    tab = _noise_table()
    h = (seed * 2654435761) % 2**32 / 2**32
    u = X * freq + 128.0 * h
    v = Y * freq + 128.0 * ((h * 61.0) % 1.0)
    u0, v0 = np.floor(u), np.floor(v)
    fu, fv = u - u0, v - v0
    i0 = u0.astype(np.int64) & 127
    j0 = v0.astype(np.int64) & 127
    i1, j1 = (i0 + 1) & 127, (j0 + 1) & 127
    top = tab[j0, i0] * (1 - fu) + tab[j0, i1] * fu
    bot = tab[j1, i0] * (1 - fu) + tab[j1, i1] * fu
    return top * (1 - fv) + bot * fv


# --------------------------------------------------------------------------------------------
# the face model


@dataclass(frozen=True)
class _Geo:
    """Derived geometry of one identity under one pose/attribute set (face units)."""

    cx: float
    cy: float
    a: float
    b: float
    eye_l: tuple[float, float]
    eye_r: tuple[float, float]
    nose: tuple[float, float]
    mouth_c: tuple[float, float]
    mouth_w: float
    lift: float
    feature_shift: float


def _geometry(idt: Identity, pose: Pose, attrs: dict) -> _Geo:
    yaw = pose.yaw
    fs = 0.22 * yaw  # inner features slide towards the turned side
    ey = idt.eye_y
    smile = attrs["Smiling"]
    mw = idt.mouth_w * (1.0 + 0.28 * smile)
    my = ey + idt.nose_len + 0.15 + 0.01 * (idt.face_h - 0.56)
    return _Geo(
        cx=0.0,
        cy=0.06,
        a=idt.face_w,
        b=idt.face_h,
        eye_l=(-idt.eye_sep + fs * 0.95, ey),
        eye_r=(idt.eye_sep + fs * 0.95, ey),
        nose=(fs * 1.35, ey + idt.nose_len),
        mouth_c=(fs * 1.05, my),
        mouth_w=mw,
        lift=0.065 * smile,
        feature_shift=fs,
    )


def _face_d(X, Y, g: _Geo, taper: float) -> np.ndarray:
    t = _clip((Y - g.cy) / g.b, 0.0, 1.0)
    a = g.a * (1.0 - taper * t * t) * (1.0 - 0.06 * _clip((g.cy - Y) / g.b, 0, 1) ** 2)
    return _ellipse_d(X, Y, g.cx, g.cy, a, g.b)


def _skin(idt: Identity, attrs: dict) -> np.ndarray:
    base = np.asarray(idt.skin_rgb, np.float32)
    if attrs["Pale_Skin"] >= 0.5 and not idt.pale:
        return (0.35 * base + 0.65 * _PALE_SKIN).astype(np.float32)
    if attrs["Pale_Skin"] < 0.5 and idt.pale:
        return np.asarray(_SKIN_TONES[1], np.float32)
    return base


def _hair_colour(idt: Identity, attrs: dict) -> np.ndarray:
    if attrs["Blond_Hair"] >= 0.5:
        base = _BLOND if idt.hair_colour != "blond" else np.asarray(idt.hair_rgb)
    elif attrs["Black_Hair"] >= 0.5:
        base = _BLACK
    elif idt.hair_colour in ("blond", "black"):
        base = np.asarray(_HAIR_COLOURS["brown"])
    else:
        base = np.asarray(idt.hair_rgb)
    return base.astype(np.float32)


_SKIN_TAGS = ("Pale_Skin",)
_HAIR_TAGS = ("Blond_Hair", "Black_Hair")


@lru_cache(maxsize=8)
def _vignette(size: int) -> np.ndarray:
    xi, yi = _grid(size)
    v = (1.0 - 0.12 * (xi * xi + yi * yi))[..., None].astype(np.float32)
    v.flags.writeable = False
    return v


def _paint_background(cv: _Canvas, pose: Pose) -> None:
    xi, yi = cv.xi, cv.yi
    t = 0.5 + 0.5 * (np.cos(pose.bg_angle) * xi + np.sin(pose.bg_angle) * yi) / 1.42
    c0 = np.asarray(pose.bg_rgb0, np.float32)
    c1 = np.asarray(pose.bg_rgb1, np.float32)
    bg = cv.rgb
    np.multiply(t[..., None], c1 - c0, out=bg)
    bg += c0
    if pose.bg_pattern == "stripes":
        s = np.sin(pose.bg_freq * 3.0 * xi + pose.bg_phase)
        bg *= (1.0 + 0.07 * s)[..., None]
    elif pose.bg_pattern == "blobs":
        s = np.sin(pose.bg_freq * xi + pose.bg_phase) * np.cos(pose.bg_freq * 0.8 * yi - pose.bg_phase)
        bg += (0.10 * s)[..., None] * (c1 - c0 + 0.15)
    elif pose.bg_pattern == "bokeh":
        # soft discs of light; drawn in image coordinates inside their own windows
        k = pose.noise_seed
        n = cv.size
        for j in range(6):
            h = [((k + 101 * j + 7 * m) * 2654435761 % 2**32) / 2**32 for m in range(4)]
            cx, cy, rad, gain = 2 * h[0] - 1, 1.6 * h[1] - 1, 0.08 + 0.17 * h[2], 0.1 + 0.15 * h[3]
            c0_, c1_ = max(int((cx - rad + 1) * n / 2), 0), min(int((cx + rad + 1) * n / 2) + 2, n)
            r0_, r1_ = max(int((cy - rad + 1) * n / 2), 0), min(int((cy + rad + 1) * n / 2) + 2, n)
            if c0_ >= c1_ or r0_ >= r1_:
                continue
            win = (slice(r0_, r1_), slice(c0_, c1_))
            d = np.hypot(xi[win] - cx, yi[win] - cy)
            w = np.sqrt(_clip(1.0 - d / rad, 0, 1)) * gain
            bg[win] += w[..., None] * (1.0 - bg[win])
    bg *= _vignette(cv.size)


def _paint_hair_back(cv: _Canvas, idt: Identity, g: _Geo, hair: np.ndarray) -> None:
    if idt.hair_style not in ("long", "bob", "curly"):
        return
    bottom = {"long": 0.95, "bob": 0.42, "curly": 0.55}[idt.hair_style]
    hw = g.a + (0.16 if idt.hair_style == "curly" else 0.10)
    win = cv.window(-hw - 0.05, hw + 0.05, g.cy - g.b - 0.2, bottom + 0.05)
    X, Y = cv.X[win], cv.Y[win]
    d_top = _ellipse_d(X, Y, g.cx, g.cy - 0.02, hw, g.b + 0.12)
    if idt.hair_style == "curly":
        ang = np.arctan2(Y - g.cy, X)
        d_top = d_top - 0.025 * np.sin(14 * ang)
    d_side = np.maximum(np.abs(X) - hw, Y - bottom + 0.08 * (X / hw) ** 2)
    d_side = np.maximum(d_side, g.cy - Y)
    d = np.minimum(d_top, d_side)
    sh = _shade(X / (hw + 0.1), (Y - g.cy) / 1.2, cv.pose, -0.15)
    tex = 1.0 + 0.05 * np.sin(90 * X + 8 * np.sin(6 * Y))
    col = hair[None, None, :] * (0.8 * sh * tex)[..., None]
    cv.paint(win, _cov(d, cv.pw), col, _HAIR_TAGS)


def _paint_body(cv: _Canvas, idt: Identity, g: _Geo, skin: np.ndarray, pose: Pose) -> None:
    # clothes
    win = cv.window(-1.6, 1.6, 0.55, 1.6)
    X, Y = cv.X[win], cv.Y[win]
    d = _ellipse_d(X, Y, 0.0, 1.42, 1.05, 0.72)
    sh = _shade(X / 1.3, (Y - 1.3) / 1.3, pose)
    col = np.asarray(pose.clothes_rgb, np.float32)[None, None, :] * sh[..., None]
    cv.paint(win, _cov(d, cv.pw), col)
    # neck (under the jaw, in shadow)
    nw = g.a * 0.52
    win = cv.window(-nw - 0.05, nw + 0.05, g.cy, 1.1)
    X, Y = cv.X[win], cv.Y[win]
    d = np.maximum(np.abs(X) - nw - 0.05 * _clip(Y - 0.75, 0, 1), g.cy - Y)
    d = np.maximum(d, Y - 0.85 - 0.12 * (X / nw) ** 2)
    shade = (0.78 + 0.12 * _clip((Y - g.cy - g.b) * 4, 0, 1)) * (1 - 0.15 * (X / nw) ** 2)
    cv.paint(win, _cov(d, cv.pw), skin[None, None, :] * shade[..., None], _SKIN_TAGS)
    # ears
    for side in (-1.0, 1.0):
        ex = side * (g.a * 0.97) + g.feature_shift * 0.35
        ey = idt.eye_y + 0.07
        ra, rb = 0.055 * idt.ear_size, 0.105 * idt.ear_size
        win = cv.window(ex - ra - 0.02, ex + ra + 0.02, ey - rb - 0.02, ey + rb + 0.02)
        X, Y = cv.X[win], cv.Y[win]
        d = _ellipse_d(X, Y, ex, ey, ra, rb)
        inner = _clip(1 - np.abs(_ellipse_d(X, Y, ex + side * 0.01, ey, ra * 0.55, rb * 0.6)) / 0.02, 0, 1)
        shade = 0.9 - 0.18 * inner
        cv.paint(win, _cov(d, cv.pw), skin[None, None, :] * shade[..., None], _SKIN_TAGS)


def _paint_face(cv: _Canvas, idt: Identity, g: _Geo, skin: np.ndarray, pose: Pose) -> None:
    win = cv.window(-g.a - 0.03, g.a + 0.03, g.cy - g.b - 0.03, g.cy + g.b + 0.03)
    X, Y = cv.X[win], cv.Y[win]
    d = _face_d(X, Y, g, idt.jaw_taper)
    nx = (X - g.cx - g.feature_shift * 0.6) / (g.a * 1.05)
    ny = (Y - g.cy) / (g.b * 1.1)
    sh = _shade(nx, ny, pose)
    # soft shadow under the nose and in the eye sockets
    for ex, ey in (g.eye_l, g.eye_r):
        sh = sh * (1.0 - 0.10 * np.exp(-(((X - ex) / 0.11) ** 2) - ((Y - ey + 0.01) / 0.06) ** 2))
    cv.paint(win, _cov(d, cv.pw), skin[None, None, :] * sh[..., None], _SKIN_TAGS)


def _paint_makeup_cheeks(cv: _Canvas, idt: Identity, g: _Geo, attrs: dict) -> None:
    if attrs["Heavy_Makeup"] < 0.5:
        return
    blush = np.array((0.85, 0.35, 0.40), np.float32)
    for ex, ey in (g.eye_l, g.eye_r):
        cx, cy = ex * 1.15, ey + 0.15
        win = cv.window(cx - 0.1, cx + 0.1, cy - 0.08, cy + 0.08)
        X, Y = cv.X[win], cv.Y[win]
        r2 = ((X - cx) / 0.085) ** 2 + ((Y - cy) / 0.06) ** 2
        a = 0.28 * _clip(1.0 - r2, 0, 1) ** 1.5
        cv.paint(win, a, blush, ("Heavy_Makeup",))


def _paint_beard(cv: _Canvas, idt: Identity, g: _Geo, hair: np.ndarray, attrs: dict) -> None:
    if attrs["Male"] < 0.5:
        return
    mx, my = g.mouth_c
    top = g.nose[1] - 0.12
    win = cv.window(-g.a, g.a, top - 0.02, g.cy + g.b + 0.02)
    X, Y = cv.X[win], cv.Y[win]
    inside = _cov(_face_d(X, Y, g, idt.jaw_taper) + 0.004, cv.pw)
    tex = _value_noise(X, Y, idt.texture_seed, min(120.0, 0.7 / float(cv.pw)))  # below Nyquist
    rel = np.abs(X - g.feature_shift) / g.a
    if idt.beard == "goatee":
        chin = _ellipse_d(X, Y, mx, my + 0.085, idt.mouth_w * 0.8, 0.075)
        tache = _ellipse_d(X, Y, mx, my - 0.032, idt.mouth_w * 1.25, 0.02)
        d = np.minimum(chin, tache)
        base, fade = 0.8, 1.0
    else:
        # jaw-line beard: high at the sideburns, dipping under the cheeks, over the upper lip
        top_y = my - 0.02 - 0.08 * np.exp(-(((X - mx) / 0.09) ** 2)) - 0.35 * rel**3
        d = top_y - Y
        base = 0.8 if idt.beard == "full" else 0.32
        fade = _clip01((Y - top_y) / 0.04)
    a = _cov(d, cv.pw) * inside * fade * _clip01(base + 0.18 * tex)
    # keep the lips clear
    lips = _ellipse_d(X, Y, mx, my + 0.005, idt.mouth_w * 1.1, 0.035 + idt.lip_lower * 0.4)
    a = a * (1.0 - _cov(lips, cv.pw))
    col = hair * 0.55 + 0.02
    cv.paint(win, a.astype(np.float32), col, ("Male",) + _HAIR_TAGS)


def _paint_eyes(cv: _Canvas, idt: Identity, g: _Geo, skin, attrs: dict, hair) -> None:
    pw = cv.pw
    smile = attrs["Smiling"]
    makeup = attrs["Heavy_Makeup"] >= 0.5
    for side, (ex, ey) in zip((-1.0, 1.0), (g.eye_l, g.eye_r)):
        w, h = idt.eye_w, idt.eye_h
        win = cv.window(ex - w - 0.05, ex + w + 0.05, ey - h - 0.08, ey + h + 0.04)
        X, Y = cv.X[win], cv.Y[win]
        u = _clip((X - ex) / w, -1.0, 1.0)
        tilt = side * idt.eye_tilt * 0.03 * ((X - ex) / w)
        curve = _clip(1.0 - u * u, 0.0, 1.0)
        top = ey - tilt - h * curve**0.75
        bottom = ey - tilt + h * 0.7 * curve**0.9
        ends = _cov(np.abs(X - ex) - w, pw)
        if makeup:
            shadow_top = top - 0.035 * curve**0.6
            a = _band(Y, shadow_top, top, pw) * _cov(np.abs(X - ex) - w * 1.05, pw) * 0.55
            cv.paint(win, a, np.asarray(idt.eyeshadow_rgb, np.float32), ("Heavy_Makeup",))
        sclera = _band(Y, top, bottom, pw) * ends
        cv.paint(win, sclera, np.array((0.93, 0.91, 0.88), np.float32))
        ir = min(h * 0.95, w * 0.55)
        ix = ex + g.feature_shift * 0.12
        # iris, pupil and a glint as one layer (colour varies inside it)
        r_iris = np.hypot(X - ix, Y - ey)
        iris = _cov(r_iris - ir, pw) * sclera
        pupil = _cov(r_iris - ir * 0.45, pw)[..., None]
        glint = 0.8 * _cov(np.hypot(X - ix + ir * 0.35, Y - ey + ir * 0.35) - ir * 0.22, pw)[..., None]
        col = np.asarray(idt.iris_rgb, np.float32) * (1.0 - pupil) + 0.03 * pupil
        col = col + glint * (1.0 - col)
        cv.paint(win, iris, col)
        # upper lid crease (skin-derived) and lash line
        lid_t = 0.010 + (0.006 if makeup else 0.0)
        lash = _band(Y, top - lid_t, top + 0.003, pw) * _cov(np.abs(X - ex) - w * 1.04, pw)
        tags = ("Heavy_Makeup",)
        cv.paint(win, lash, np.array((0.06, 0.04, 0.04), np.float32), tags)
        crease = _band(Y, top - 0.030 - 0.006, top - 0.030, pw) * _cov(np.abs(X - ex) - w * 0.9, pw)
        cv.paint(win, crease * 0.35, skin * 0.6, _SKIN_TAGS)
        # a smile pushes the lower lid up a little
        lower = _band(Y, bottom - 0.002, bottom + 0.006, pw) * _cov(np.abs(X - ex) - w * 0.85, pw)
        cv.paint(win, lower * (0.25 + 0.35 * smile), skin * 0.55, ("Smiling",) + _SKIN_TAGS)


def _paint_brows(cv: _Canvas, idt: Identity, g: _Geo, hair, attrs: dict) -> None:
    thick = idt.brow_thick * (1.35 if attrs["Male"] >= 0.5 and not idt.male else 1.0)
    thick = thick * (0.8 if attrs["Male"] < 0.5 and idt.male else 1.0)
    col = hair * 0.7
    for side, (ex, ey) in zip((-1.0, 1.0), (g.eye_l, g.eye_r)):
        L = idt.brow_len
        by = ey - idt.eye_h - 0.055
        x0, x1 = ex - side * L * 0.55, ex + side * L * 0.75
        win = cv.window(min(x0, x1) - 0.03, max(x0, x1) + 0.03, by - 0.08, by + 0.04)
        X, Y = cv.X[win], cv.Y[win]
        s = _clip((X - x0) / (x1 - x0), 0.0, 1.0)
        cy = by - idt.brow_arch * 4 * s * (1.2 - s) + 0.012 * (1 - s)
        half = thick * (1.0 - 0.55 * s**2) * 0.5 + 0.002
        d = np.maximum(np.abs(Y - cy) - half, np.maximum(np.abs(X - (x0 + x1) / 2) - L * 0.65, 0))
        cv.paint(win, _cov(d, cv.pw) * 0.92, col, ("Male",) + _HAIR_TAGS)


def _paint_nose(cv: _Canvas, idt: Identity, g: _Geo, skin, pose: Pose) -> None:
    nx, ny = g.nose
    top_y = g.eye_l[1] + 0.02
    win = cv.window(nx - 0.12, nx + 0.12, top_y - 0.02, ny + 0.06)
    X, Y = cv.X[win], cv.Y[win]
    side = 1.0 if pose.light_x < 0 else -1.0  # the bridge side away from the light is dark
    t = _clip((Y - top_y) / (ny - top_y), 0, 1)
    bridge_x = g.feature_shift * (0.4 + 0.95 * t) + side * (0.022 + 0.01 * t)
    d = np.abs(X - bridge_x) - (0.006 + 0.01 * t)
    d = np.maximum(d, np.maximum(top_y - Y, Y - ny))
    cv.paint(win, _cov(d, cv.pw) * 0.22 * t, skin * 0.55, _SKIN_TAGS)
    # nose base shadow and nostrils
    base = _ellipse_d(X, Y, nx, ny + 0.012, idt.nose_w * 1.1, 0.018)
    cv.paint(win, _cov(base, cv.pw) * 0.22, skin * 0.55, _SKIN_TAGS)
    for s in (-1.0, 1.0):
        d = _ellipse_d(X, Y, nx + s * idt.nose_w * 0.55, ny + 0.012, 0.017, 0.008)
        cv.paint(win, _cov(d, cv.pw) * 0.75, skin * 0.35, _SKIN_TAGS)
    tip = np.exp(-(((X - nx + side * 0.01) / 0.025) ** 2) - ((Y - ny + 0.015) / 0.02) ** 2)
    cv.paint(win, (0.25 * tip).astype(np.float32), np.minimum(skin * 1.25, 1.0), _SKIN_TAGS)


def _mouth_tags() -> tuple[str, ...]:
    return ("Smiling", "Mouth_Slightly_Open", "Heavy_Makeup") + _SKIN_TAGS


def _paint_mouth(cv: _Canvas, idt: Identity, g: _Geo, skin, attrs: dict) -> None:
    pw = cv.pw
    mx, my = g.mouth_c
    mw = g.mouth_w
    smile = attrs["Smiling"]
    opening = 0.034 * max(attrs["Mouth_Slightly_Open"], 0.0) + 0.03 * max(smile - 0.45, 0)
    tags = _mouth_tags()
    win = cv.window(mx - mw - 0.06, mx + mw + 0.06, my - 0.09, my + 0.09)
    X, Y = cv.X[win], cv.Y[win]
    u = _clip((X - mx) / mw, -1.0, 1.0)
    curve = _clip(1.0 - u * u, 0.0, 1.0)
    line = my - g.lift * u * u + 0.004 * smile * curve  # corners up when smiling
    ends = _cov(np.abs(X - mx) - mw, pw)
    up = idt.lip_upper * (1.0 - 0.35 * smile)
    lo = idt.lip_lower * (1.0 - 0.2 * smile)
    gap_top = line - opening * 0.45 * curve**0.8
    gap_bot = line + opening * 0.55 * curve**0.8
    # Cupid's bow: a small dip at the centre of the upper lip
    bow = 0.006 * np.exp(-((X - mx) / 0.02) ** 2)
    upper_top = gap_top - up * curve**0.6 + bow
    lower_bot = gap_bot + lo * curve**0.7
    lips_col = np.asarray(idt.lip_rgb, np.float32)
    if attrs["Pale_Skin"] >= 0.5 and not idt.pale:
        lips_col = (0.5 * lips_col + 0.5 * np.array((0.88, 0.62, 0.62))).astype(np.float32)
    if attrs["Heavy_Makeup"] >= 0.5:
        lips_col = np.asarray(idt.lipstick_rgb, np.float32)
    # soft shadow under the lower lip
    sh = _band(Y, lower_bot, lower_bot + 0.018 * curve, pw) * ends * 0.25
    cv.paint(win, sh, skin * 0.6, tags)
    lips = _band(Y, upper_top, lower_bot, pw) * ends
    shade_l = 0.85 + 0.25 * _clip((Y - line) / (lo + 1e-3), 0, 1) * (Y > line)
    cv.paint(win, lips, lips_col[None, None, :] * shade_l[..., None], tags)
    if opening > 1e-4:
        gap = _band(Y, gap_top, gap_bot, pw) * _cov(np.abs(X - mx) - mw * 0.92, pw)
        cv.paint(win, gap, np.array((0.16, 0.05, 0.06), np.float32), tags)
        if smile > 0.45:
            teeth_bot = gap_top + (gap_bot - gap_top) * 0.6
            teeth = _band(Y, gap_top, teeth_bot, pw) * _cov(np.abs(X - mx) - mw * 0.72, pw)
            cv.paint(win, teeth * 0.95, np.array((0.92, 0.90, 0.84), np.float32), tags)
    # mouth line
    ml = _band(Y, line - 0.003, line + 0.003, pw) * _cov(np.abs(X - mx) - mw * 0.98, pw)
    cv.paint(win, ml * (0.65 if opening <= 1e-4 else 0.3), lips_col * 0.35, tags)
    # dimples at the corners when smiling
    if smile > 0.05:
        for s in (-1.0, 1.0):
            cx, cy = mx + s * (mw + 0.012), my - g.lift - 0.004
            d = np.hypot(X - cx, (Y - cy) * 0.6) - 0.006
            cv.paint(win, _cov(d, pw) * 0.35 * smile, skin * 0.55, tags)


def _paint_smile_folds(cv: _Canvas, idt: Identity, g: _Geo, skin, attrs: dict) -> None:
    smile = attrs["Smiling"]
    if smile <= 0.05:
        return
    mx, my = g.mouth_c
    nx, ny = g.nose
    for s in (-1.0, 1.0):
        x0, y0 = nx + s * (idt.nose_w + 0.03), ny + 0.0
        x1, y1 = mx + s * (g.mouth_w + 0.045), my + 0.02
        win = cv.window(min(x0, x1) - 0.04, max(x0, x1) + 0.04, y0 - 0.02, y1 + 0.03)
        X, Y = cv.X[win], cv.Y[win]
        t = _clip((Y - y0) / (y1 - y0), 0, 1)
        cxs = x0 + (x1 - x0) * np.sin(t * np.pi / 2) ** 0.8 + s * 0.02 * np.sin(t * np.pi)
        d = np.maximum(np.abs(X - cxs) - 0.006, np.maximum(y0 - Y, Y - y1))
        a = _cov(d, cv.pw) * (0.3 * smile) * _clip(np.sin(t * np.pi), 0, 1) ** 0.5
        cv.paint(win, a.astype(np.float32), skin * 0.6, ("Smiling",) + _SKIN_TAGS)


def _paint_hair_front(cv: _Canvas, idt: Identity, g: _Geo, hair, attrs: dict) -> None:
    style = idt.hair_style
    head_a, head_b = g.a + 0.045, g.b + 0.08
    hcy = g.cy - 0.025
    tex_seed = idt.texture_seed
    if style != "bald":
        win = cv.window(-head_a - 0.08, head_a + 0.08, hcy - head_b - 0.08, g.eye_l[1] + 0.05)
        X, Y = cv.X[win], cv.Y[win]
        d_head = _ellipse_d(X, Y, g.cx, hcy, head_a, head_b)
        if style == "curly":
            ang = np.arctan2(Y - hcy, X)
            d_head = d_head - 0.02 * np.abs(np.sin(9 * ang))
        part = idt.hair_part
        hl = idt.hairline + 1.5 * (X - part) ** 2 * (0.6 if style in ("long", "bob") else 1.0)
        hl = hl + 0.03 * np.exp(-((X - part) / 0.03) ** 2) * (style != "buzz")
        d = np.maximum(d_head, Y - hl)
        # the cap stops just above ear level
        d = np.maximum(d, Y - (g.eye_l[1] - 0.1 + 0.14 * np.abs(X) / head_a))
        sh = _shade(X / (head_a * 1.1), (Y - hcy) / (head_b * 1.1), cv.pose, -0.05)
        strands = np.sin(110 * (X - part) / (0.3 + np.abs(Y - hcy)) + 2.5 * np.sin(9 * Y + (tex_seed % 7)))
        col = hair[None, None, :] * (sh * (0.95 + 0.05 * strands))[..., None]
        alpha = _cov(d, cv.pw) * (0.6 if style == "buzz" else 1.0)
        cv.paint(win, alpha, col, _HAIR_TAGS)
    if attrs["Bangs"] >= 0.5 and style not in ("bald", "buzz"):
        fringe = g.eye_l[1] - idt.eye_h - 0.06
        win = cv.window(-head_a - 0.02, head_a + 0.02, hcy - head_b - 0.02, fringe + 0.05)
        X, Y = cv.X[win], cv.Y[win]
        d_head = _ellipse_d(X, Y, g.cx, hcy, head_a, head_b)
        edge = fringe + 0.018 * np.abs(np.sin(38 * X + 1.3)) - 0.05 * (X / head_a) ** 2
        d = np.maximum(d_head, Y - edge)
        sh = _shade(X / (head_a * 1.1), (Y - hcy) / (head_b * 1.1), cv.pose, -0.05)
        strands = np.sin(160 * X + 25 * Y)
        col = hair[None, None, :] * (sh * (0.9 + 0.1 * strands))[..., None]
        cv.paint(win, _cov(d, cv.pw), col, ("Bangs",) + _HAIR_TAGS)


def _paint_hat(cv: _Canvas, idt: Identity, g: _Geo, attrs: dict) -> None:
    if attrs["Wearing_Hat"] < 0.5:
        return
    col = np.asarray(idt.hat_rgb, np.float32)
    head_a, head_b = g.a + 0.07, g.b + 0.12
    hcy = g.cy - 0.02
    band_y = idt.hairline + 0.03
    tags = ("Wearing_Hat",)
    if idt.hat_style == "beanie":
        win = cv.window(-head_a - 0.05, head_a + 0.05, hcy - head_b - 0.05, band_y + 0.05)
        X, Y = cv.X[win], cv.Y[win]
        d = np.maximum(_ellipse_d(X, Y, g.cx, hcy, head_a, head_b), Y - band_y)
        sh = _shade(X / head_a, (Y - hcy) / head_b, cv.pose)
        knit = 1.0 + 0.07 * np.sin(260 * X) * (Y < band_y - 0.08)
        cv.paint(win, _cov(d, cv.pw), col[None, None, :] * (sh * knit)[..., None], tags)
        d_band = np.maximum(np.maximum(d, band_y - 0.08 - Y), -np.inf)
        cv.paint(win, _cov(d_band, cv.pw) * 0.25, col * 0.5, tags)
    else:
        brim_y = band_y - 0.02
        win = cv.window(-head_a - 0.3, head_a + 0.3, hcy - head_b - 0.1, brim_y + 0.08)
        X, Y = cv.X[win], cv.Y[win]
        crown = np.maximum(
            np.abs(X) - head_a * 0.85 + 0.4 * _clip(brim_y - 0.25 - Y, 0, 1),
            np.maximum(brim_y - 0.4 - Y, Y - brim_y),
        )
        sh = _shade(X / head_a, (Y - brim_y + 0.2) / 0.4, cv.pose)
        cv.paint(win, _cov(crown, cv.pw), col[None, None, :] * sh[..., None], tags)
        ribbon = np.maximum(crown, brim_y - 0.07 - Y)
        cv.paint(win, _cov(ribbon, cv.pw) * 0.8, col * 0.35, tags)
        brim = _ellipse_d(X, Y, 0.0, brim_y, head_a + 0.2, 0.045)
        cv.paint(win, _cov(brim, cv.pw), col * 0.85, tags)


def _lens_d(X, Y, cx, cy, shape: str, w: float, h: float) -> np.ndarray:
    if shape == "round":
        r = 0.5 * (w + h)
        return np.hypot(X - cx, Y - cy) - r
    if shape == "oval":
        return _ellipse_d(X, Y, cx, cy, w, h)
    # rounded rectangle
    rad = 0.35 * h
    qx = np.abs(X - cx) - (w - rad)
    qy = np.abs(Y - cy) - (h - rad)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0) - rad


def _paint_glasses(cv: _Canvas, idt: Identity, g: _Geo, attrs: dict) -> None:
    if attrs["Eyeglasses"] < 0.5:
        return
    gs = idt.glasses
    tags = ("Eyeglasses",)
    w = (idt.eye_w + 0.03) * gs.size
    h = {"round": w, "oval": w * 0.72, "rectangular": w * 0.62}[gs.shape]
    if gs.shape == "round":
        w = h = w * 0.92
    frame = np.asarray(gs.frame_rgb, np.float32)
    t = gs.thickness
    cy_off = 0.004
    lx, ly = g.eye_l
    rx, ry = g.eye_r
    x0, x1 = lx - w - 0.2, rx + w + 0.2
    win = cv.window(min(x0, -g.a - 0.05), max(x1, g.a + 0.05), min(ly, ry) - h - 0.05, max(ly, ry) + h + 0.05)
    X, Y = cv.X[win], cv.Y[win]
    pw = cv.pw
    d_l = _lens_d(X, Y, lx, ly + cy_off, gs.shape, w, h)
    d_r = _lens_d(X, Y, rx, ry + cy_off, gs.shape, w, h)
    d_lens = np.minimum(d_l, d_r)
    lens = _cov(d_lens, pw)
    # lens: tint plus a diagonal reflection
    cv.paint(win, lens * gs.tint, np.asarray(gs.tint_rgb, np.float32), tags)
    refl = _clip(1.0 - np.abs((X - lx) + (Y - ly) * 0.8 + 0.3 * w) / (0.25 * w), 0, 1)
    refl = np.maximum(refl, _clip(1.0 - np.abs((X - rx) + (Y - ry) * 0.8 + 0.3 * w) / (0.25 * w), 0, 1))
    cv.paint(win, (lens * refl * (0.18 + 0.15 * gs.tinted)).astype(np.float32), np.ones(3, np.float32), tags)
    # temples: from the outer rim to the ears (partly hidden behind the head at the far side)
    for side, (ex, ey) in zip((-1.0, 1.0), (g.eye_l, g.eye_r)):
        xa = ex + side * w
        xb = side * (g.a * 1.02) + g.feature_shift * 0.35
        d = _segment_d(X, Y, xa, ey - h * 0.35, xb, ey + 0.01) - t * 0.45
        cv.paint(win, _cov(d, pw), frame * 0.85, tags)
    # bridge
    bx0, bx1 = lx + w * 0.95, rx - w * 0.95
    bc = 0.5 * (bx0 + bx1)
    by = 0.5 * (ly + ry) - h * 0.25
    sb = _clip((X - bx0) / max(bx1 - bx0, 1e-3), 0, 1)
    bridge_y = by - 0.02 * np.sin(sb * np.pi)
    d = np.maximum(np.abs(Y - bridge_y) - t * 0.5, np.abs(X - bc) - 0.5 * (bx1 - bx0) - 0.01)
    cv.paint(win, _cov(d, pw), frame, tags)
    # rims
    rim = _cov(np.abs(d_lens + t * 0.5) - t * 0.5, pw)
    shade = 1.0 + 0.25 * _clip(-(Y - ly) / h, -1, 1)[..., None]
    cv.paint(win, rim, _clip(frame[None, None, :] * shade, 0, 1), tags)


def _finish(cv: _Canvas, pose: Pose) -> np.ndarray:
    rgb = cv.rgb
    if pose.temperature:
        rgb *= np.array((1 + pose.temperature, 1.0, 1 - pose.temperature), np.float32)
    if pose.noise > 0:
        r = np.random.default_rng(pose.noise_seed)
        rgb += r.standard_normal(rgb.shape, dtype=np.float32) * np.float32(pose.noise)
    return _clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)


def render_face(
    identity: Identity,
    attributes: dict[str, bool | float] | None = None,
    pose: Pose | None = None,
    size: int = 64,
    return_masks: bool = False,
) -> Face:
    """Render ``identity`` with ``attributes`` under ``pose`` at ``size`` x ``size`` pixels.

    Args:
        identity: from :func:`sample_identity`.
        attributes: attribute name -> bool or float; ``Smiling`` and ``Mouth_Slightly_Open``
            are graded in [0, 1] (a label is ``value >= 0.5``); attributes not given take the
            identity's defaults (:func:`default_attributes`).
        pose: from :func:`sample_pose`; ``None`` is the canonical pose.
        size: output side in pixels (any size >= 16).
        return_masks: also return, per attribute, the pixels its layers touch.

    Returns:
        :class:`Face` with ``image`` uint8 (size, size, 3), ``landmarks`` (5, 2), ``bbox`` (4,).

    Raises:
        ValueError: unknown attribute name or ``size < 16``.
    """
    if int(size) != size or size < 16:
        raise ValueError(f"size must be an integer >= 16, got {size!r}.")
    size = int(size)
    pose = pose if pose is not None else Pose()
    attrs = resolve_attributes(identity, attributes)
    g = _geometry(identity, pose, attrs)
    cv = _Canvas(size, pose, return_masks)
    skin = _skin(identity, attrs)
    hair = _hair_colour(identity, attrs)
    _paint_background(cv, pose)
    _paint_hair_back(cv, identity, g, hair)
    _paint_body(cv, identity, g, skin, pose)
    _paint_face(cv, identity, g, skin, pose)
    _paint_makeup_cheeks(cv, identity, g, attrs)
    _paint_beard(cv, identity, g, hair, attrs)
    _paint_nose(cv, identity, g, skin, pose)
    _paint_smile_folds(cv, identity, g, skin, attrs)
    _paint_mouth(cv, identity, g, skin, attrs)
    _paint_eyes(cv, identity, g, skin, attrs, hair)
    _paint_brows(cv, identity, g, hair, attrs)
    _paint_hair_front(cv, identity, g, hair, attrs)
    _paint_hat(cv, identity, g, attrs)
    _paint_glasses(cv, identity, g, attrs)
    image = _finish(cv, pose)

    mx, my = g.mouth_c
    corner_y = my - g.lift
    pts = np.array(
        [g.eye_l, g.eye_r, g.nose, (mx - g.mouth_w, corner_y), (mx + g.mouth_w, corner_y)],
        np.float64,
    )
    px, py = cv.to_pixels(pts[:, 0], pts[:, 1])
    landmarks = np.stack([px, py], 1).astype(np.float32)
    head = np.array(
        [[-g.a - 0.06, g.cy - g.b - 0.1], [g.a + 0.06, g.cy - g.b - 0.1],
         [-g.a - 0.06, g.cy + g.b], [g.a + 0.06, g.cy + g.b]]
    )
    hx, hy = cv.to_pixels(head[:, 0], head[:, 1])
    x0, y0 = max(hx.min(), 0.0), max(hy.min(), 0.0)
    x1, y1 = min(hx.max(), size - 1.0), min(hy.max(), size - 1.0)
    bbox = np.array([x0, y0, x1 - x0, y1 - y0], np.float32)
    masks = {}
    if return_masks:
        empty = np.zeros((size, size), bool)
        masks = {a: cv.masks.get(a, empty).copy() for a in RENDERED_ATTRIBUTES}
    return Face(image=image, landmarks=landmarks, bbox=bbox, masks=masks)


def with_pose(pose: Pose, **changes) -> Pose:
    """A copy of ``pose`` with some fields changed."""
    return replace(pose, **changes)
