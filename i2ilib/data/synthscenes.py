"""SynthScenes: procedural street scenes with exact ground truth.

A stand-in for the paired street-scene sets the papers train on: Cityscapes
labels <-> photo and CVC-14 day <-> night in the implicit-pairs paper
(Ginger et al. 2019, Section 4.2, Tables 1-3), Facades-like building fronts,
and the RGB / depth / segmentation triplets of SceneNet RGB-D used by mix and
match networks (Wang 2020, thesis Section 4.6.1). Every scene is rendered from
one random layout into

- ``photo``: the daytime image (RGB, uint8, (H, W, 3)),
- ``labels``: the semantic class of every pixel (int64 ids into :data:`CLASSES`),
- ``label_rgb``: the label map coloured with :data:`PALETTE` (Cityscapes colours),
- ``depth``: the z-depth of every pixel in metres (float32, sky = :data:`SKY_DEPTH`),
- ``night``: the same scene at night (dark sky, lit windows, street lamps,
  headlights and tail lights, sensor noise).

Geometry. A pinhole camera at height ``h`` looks down a straight street along
+Z (X to the right, Y up). The road and the sidewalks are the ground plane
Y = 0, whose image row ``y`` below the horizon ``y_h`` lies at depth
``Z = f h / (y - y_h)``; the building fronts are the vertical planes X = X_L and
X = X_R, cut into buildings of random length, height, colour and window grid;
a distant skyline closes the street at ``Z_far``. Cars, people, trees, street
lamps and traffic signs stand on the ground as upright planar objects at their
own depth, drawn with a z-buffer. Because day and night share the layout, they
share labels and depth exactly, so both directions are true pairs.

A second view, :func:`render_facade`, looks straight at a building front
(rectified, as in the CMP Facade Database of pix2pix's facades set): storeys
of windows, doors, shop windows, balconies and shutters, with the same
classes, depth and night rendering.

Rendering is vectorised numpy with ``ss x ss`` supersampling: the photo is the
mean of the sub-samples (anti-aliasing); the label of a pixel is the most
frequent sub-sample label and its depth is that sub-sample's depth, so labels
and depth always agree. All randomness comes from
``numpy.random.default_rng(seed)``: the same seed gives byte-identical arrays.

The photo -> labels score of the implicit-pairs paper (its supplementary
"FCN-score" section) maps every generated pixel to the class whose colour is
nearest; :func:`rgb_to_labels` does exactly that with our palette.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy.ndimage import gaussian_filter

__all__ = [
    "CITYSCAPES_NAMES",
    "CLASSES",
    "DEPTH_PNG_SCALE",
    "PALETTE",
    "SKY_DEPTH",
    "SPLITS",
    "TASKS",
    "Scene",
    "labels_to_rgb",
    "paired_tensors",
    "read_depth_png",
    "render_facade",
    "render_scene",
    "render_scenes",
    "rgb_to_labels",
    "scene_key",
    "write_pix2pix",
    "write_triplets",
]

#: Semantic classes, in label-id order.
CLASSES: tuple[str, ...] = (
    "road",
    "sidewalk",
    "building",
    "window",
    "door",
    "pole",
    "traffic_sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "car",
)

#: Name of each class in the Cityscapes label table (``None``: not a Cityscapes
#: class; Cityscapes counts windows and doors as ``building``).
CITYSCAPES_NAMES: tuple[str | None, ...] = (
    "road",
    "sidewalk",
    "building",
    None,
    None,
    "pole",
    "traffic sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "car",
)

#: Colour of each class, (len(CLASSES), 3) uint8. The Cityscapes classes use the
#: colours published with the Cityscapes dataset; window and door, which
#: Cityscapes does not have, use colours far from every other entry so that
#: nearest-colour decoding (:func:`rgb_to_labels`) stays unambiguous.
PALETTE: np.ndarray = np.array(
    [
        (128, 64, 128),  # road
        (244, 35, 232),  # sidewalk
        (70, 70, 70),  # building
        (0, 220, 220),  # window (not in Cityscapes)
        (255, 128, 0),  # door (not in Cityscapes)
        (153, 153, 153),  # pole
        (220, 220, 0),  # traffic sign
        (107, 142, 35),  # vegetation
        (152, 251, 152),  # terrain
        (70, 130, 180),  # sky
        (220, 20, 60),  # person
        (0, 0, 142),  # car
    ],
    dtype=np.uint8,
)
PALETTE.setflags(write=False)

_ID = {name: i for i, name in enumerate(CLASSES)}

#: Depth given to sky pixels, metres. Larger than any surface in a scene.
SKY_DEPTH: float = 300.0

#: 16-bit depth PNGs store ``round(depth_m * DEPTH_PNG_SCALE)``: 5 mm steps, the
#: sky (300 m) at 60000, the largest representable depth 327.675 m.
DEPTH_PNG_SCALE: float = 200.0

#: Paired tasks for :func:`paired_tensors` and :func:`write_pix2pix`: name -> (A, B).
TASKS: dict[str, tuple[str, str]] = {
    "labels2photo": ("label_rgb", "photo"),
    "photo2labels": ("photo", "label_rgb"),
    "day2night": ("photo", "night"),
    "night2day": ("night", "photo"),
}


@dataclass(frozen=True)
class Scene:
    """One rendered street scene; all arrays share (H, W).

    Attributes:
        photo: (H, W, 3) uint8, daytime rendering.
        labels: (H, W) int64 class ids into :data:`CLASSES`.
        label_rgb: (H, W, 3) uint8, ``PALETTE[labels]``.
        depth: (H, W) float32 z-depth in metres (sky = :data:`SKY_DEPTH`).
        night: (H, W, 3) uint8, the same scene at night.
    """

    photo: np.ndarray
    labels: np.ndarray
    label_rgb: np.ndarray
    depth: np.ndarray
    night: np.ndarray


# --------------------------------------------------------------------------- #
# palette helpers


def labels_to_rgb(labels: np.ndarray) -> np.ndarray:
    """Colour a label map: (..., ) int ids -> (..., 3) uint8 ``PALETTE`` colours."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASSES)):
        raise ValueError(
            f"label ids must lie in [0, {len(CLASSES) - 1}], got range "
            f"[{labels.min()}, {labels.max()}]"
        )
    return PALETTE[labels]


def rgb_to_labels(rgb: np.ndarray) -> np.ndarray:
    """Decode a colour image to class ids by the nearest palette colour.

    This is how the implicit-pairs paper scores photo -> labels (supplementary,
    "FCN-score"): every pixel gets the label whose colour is closest.

    Args:
        rgb: (..., 3) uint8 in [0, 255], or float in [0, 1].
    Returns:
        (...,) int64 class ids.
    """
    rgb = np.asarray(rgb)
    if rgb.shape[-1:] != (3,):
        raise ValueError(f"expected (..., 3) colours, got shape {rgb.shape}")
    x = rgb.astype(np.float32)
    if rgb.dtype.kind == "f":
        x = x * 255.0
    pal = PALETTE.astype(np.float32)
    d = (x[..., None, :] - pal) ** 2
    return d.sum(-1).argmin(-1).astype(np.int64)


# --------------------------------------------------------------------------- #
# procedural noise


def _bilinear_noise(tab: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smooth value noise in [0, 1]: smoothstep-bilinear lookup of a periodic table."""
    n = tab.shape[0]
    a0 = np.floor(a)
    b0 = np.floor(b)
    fa = a - a0
    fb = b - b0
    fa = fa * fa * (3.0 - 2.0 * fa)
    fb = fb * fb * (3.0 - 2.0 * fb)
    i0 = a0.astype(np.int64) % n
    j0 = b0.astype(np.int64) % n
    i1 = (i0 + 1) % n
    j1 = (j0 + 1) % n
    top = tab[i0, j0] * (1 - fb) + tab[i0, j1] * fb
    bot = tab[i1, j0] * (1 - fb) + tab[i1, j1] * fb
    return top * (1 - fa) + bot * fa


_TEX = 512  # texels per texture side
_TEXELS_PER_CELL = 8  # one noise cell (unit of the lookup coordinates) = 8 texels


@lru_cache(maxsize=1)
def _noise_textures() -> tuple[np.ndarray, np.ndarray]:
    """Two fixed periodic textures (value noise, 3-octave fBm), (512, 512) float32 in [0, 1].

    Built once from a fixed seed; scenes differ by where they sample them
    (:class:`_Noise` offsets), so rendering needs one gather per lookup.
    """
    rng = np.random.default_rng(20190101)
    tab = rng.random((_TEX // _TEXELS_PER_CELL,) * 2).astype(np.float32)
    g = (np.arange(_TEX, dtype=np.float32) + 0.5) / _TEXELS_PER_CELL
    a, b = np.meshgrid(g, g, indexing="ij")
    vn = _bilinear_noise(tab, a, b).astype(np.float32)
    fbm = np.zeros_like(vn)
    amp, tot = 1.0, 0.0
    for k in range(3):
        s = 2.0**k
        fbm += amp * _bilinear_noise(tab, a * s + 17.0 * k, b * s + 31.0 * k)
        tot += amp
        amp *= 0.5
    fbm /= tot
    fbm = (fbm - fbm.min()) / (fbm.max() - fbm.min())
    vn.setflags(write=False)
    fbm.setflags(write=False)
    return vn, fbm


@dataclass(frozen=True)
class _Noise:
    """A scene's view of the shared noise textures (its own random offsets)."""

    ox: float
    oy: float

    def _look(self, tex: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        i = ((np.asarray(a) + self.ox) * _TEXELS_PER_CELL).astype(np.int64) & (_TEX - 1)
        j = ((np.asarray(b) + self.oy) * _TEXELS_PER_CELL).astype(np.int64) & (_TEX - 1)
        return tex[i, j]

    def value(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Smooth value noise in [0, 1], one feature per unit of (a, b)."""
        return self._look(_noise_textures()[0], a, b)

    def fbm(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Three-octave fractal noise in [0, 1]."""
        return self._look(_noise_textures()[1], a, b)

    def smooth_fbm(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:meth:`fbm` with bilinear texel interpolation, for large smooth features (clouds)."""
        tex = _noise_textures()[1]
        a = (np.asarray(a) + self.ox) * _TEXELS_PER_CELL
        b = (np.asarray(b) + self.oy) * _TEXELS_PER_CELL
        return _bilinear_noise(tex, a, b)


# --------------------------------------------------------------------------- #
# layout


@dataclass
class _Building:
    z0: float
    z1: float
    height: float  # 0 for a gap (grass plot)
    colour: np.ndarray
    win_dx: float  # window period along the street (m)
    win_w: float  # window width as a fraction of the period
    floor_h: float  # storey height (m)
    win_h: float  # window height as a fraction of a storey
    door_z: float  # where the door starts along the street (m)
    lit: np.ndarray  # (cols, rows) night intensity of each window, 0 = dark


@dataclass
class _Object:
    kind: str
    x: float
    z: float
    params: dict = field(default_factory=dict)


@dataclass
class _Layout:
    f: float
    cx: float
    yh: float
    cam_h: float
    lane: float
    road_l: float
    road_r: float
    park_l: float  # parking strip widths (0: none)
    park_r: float
    xl: float  # left building-front plane
    xr: float  # right building-front plane
    z_far: float
    left: list[_Building]
    right: list[_Building]
    skyline: np.ndarray  # heights of far blocks
    skyline_w: float
    skyline_col: np.ndarray
    sun_side: int  # +1: sun from the right (lights the left fronts)
    sun: float
    shadow_k: float
    overcast: bool
    sky_top: np.ndarray
    sky_bot: np.ndarray
    asphalt: np.ndarray
    pavement: np.ndarray
    grass: np.ndarray
    fog: float
    objects: list[_Object]
    lamps: list[tuple[float, float, float]]  # (x, z, height) of lit lamp heads
    noise: _Noise  # this scene's offsets into the noise textures
    grade: np.ndarray  # per-channel white balance of the day photo
    lights: np.ndarray = field(default_factory=lambda: np.zeros((0, 9), np.float32))


_FACADES = np.array(
    [
        (0.80, 0.74, 0.62),
        (0.64, 0.36, 0.28),
        (0.62, 0.62, 0.62),
        (0.88, 0.84, 0.74),
        (0.55, 0.50, 0.45),
        (0.78, 0.62, 0.45),
        (0.68, 0.72, 0.78),
        (0.75, 0.55, 0.50),
    ],
    dtype=np.float32,
)
_CAR_COLOURS = np.array(
    [
        (0.88, 0.88, 0.88),
        (0.10, 0.10, 0.11),
        (0.62, 0.64, 0.66),
        (0.70, 0.08, 0.08),
        (0.10, 0.22, 0.55),
        (0.12, 0.32, 0.18),
        (0.85, 0.70, 0.10),
        (0.40, 0.42, 0.45),
    ],
    dtype=np.float32,
)


def _buildings(rng: np.random.Generator, z_far: float) -> list[_Building]:
    out: list[_Building] = []
    z = 0.0
    while z < z_far:
        length = float(rng.uniform(7.0, 22.0))
        gap = rng.random() < 0.12
        height = 0.0 if gap else float(rng.uniform(7.0, 26.0))
        colour = _FACADES[rng.integers(len(_FACADES))] * rng.uniform(0.85, 1.1, 3)
        floor_h = float(rng.uniform(2.8, 3.6))
        win_dx = float(rng.uniform(2.0, 3.4))
        cols = int(np.ceil(length / win_dx)) + 1
        rows = int(np.ceil(max(height, 1.0) / floor_h)) + 1
        lit = (rng.random((cols, rows)) < rng.uniform(0.25, 0.6)) * rng.uniform(
            0.5, 1.0, (cols, rows)
        )
        out.append(
            _Building(
                z0=z,
                z1=z + length,
                height=height,
                colour=np.clip(colour, 0, 1).astype(np.float32),
                win_dx=win_dx,
                win_w=float(rng.uniform(0.35, 0.6)),
                floor_h=floor_h,
                win_h=float(rng.uniform(0.4, 0.6)),
                door_z=float(rng.uniform(0.2, 0.7)) * length,
                lit=lit.astype(np.float32),
            )
        )
        z += length
    return out


def _layout(rng: np.random.Generator, S: int) -> _Layout:
    f = S * float(rng.uniform(0.75, 0.95))
    cx = S * (0.5 + float(rng.uniform(-0.04, 0.04)))
    yh = S * float(rng.uniform(0.40, 0.50))
    cam_h = float(rng.uniform(1.3, 1.7))
    lane = float(rng.uniform(2.9, 3.6))
    off = float(rng.uniform(-0.4, 0.4))  # camera offset inside its lane
    park_l = 2.2 if rng.random() < 0.6 else 0.0
    park_r = 2.2 if rng.random() < 0.6 else 0.0
    road_l = -1.5 * lane - park_l - off
    road_r = 0.5 * lane + park_r - off
    xl = road_l - float(rng.uniform(2.0, 4.5))
    xr = road_r + float(rng.uniform(2.0, 4.5))
    z_far = float(rng.uniform(90.0, 170.0))
    overcast = bool(rng.random() < 0.3)
    sun = float(rng.uniform(0.45, 0.65)) if overcast else float(rng.uniform(0.8, 1.0))
    sky_top = np.array((0.30, 0.50, 0.85), np.float32) * rng.uniform(0.85, 1.1, 3)
    sky_bot = np.array((0.75, 0.85, 0.95), np.float32) * rng.uniform(0.9, 1.05, 3)
    if overcast:
        grey = float(rng.uniform(0.62, 0.8))
        sky_top = np.full(3, grey, np.float32) * (0.92, 0.95, 1.0)
        sky_bot = np.full(3, grey + 0.1, np.float32)
    objects: list[_Object] = []
    lamps: list[tuple[float, float, float]] = []

    # cars: own lane (seen from behind), oncoming lane (seen from the front), parked
    centre_own = -off
    centre_onc = -lane - off
    for x_lane, facing, zr in (
        (centre_own, "rear", (9.0, 70.0)),
        (centre_onc, "front", (6.0, 80.0)),
    ):
        for _ in range(int(rng.integers(0, 3))):
            objects.append(_car(rng, x_lane + rng.uniform(-0.3, 0.3), rng.uniform(*zr), facing))
    for has, x_park in ((park_l, road_l + 1.1), (park_r, road_r - 1.1)):
        if not has:
            continue
        z = float(rng.uniform(4.0, 12.0))
        while z < 70.0:
            if rng.random() < 0.7:
                objects.append(_car(rng, x_park, z, "rear" if x_park > 0 else "front"))
            z += float(rng.uniform(5.0, 8.0))
    # people on the sidewalks
    for _ in range(int(rng.integers(0, 7))):
        left = rng.random() < 0.5
        x = rng.uniform(xl + 0.4, road_l - 0.4) if left else rng.uniform(road_r + 0.4, xr - 0.4)
        objects.append(_person(rng, float(x), float(rng.uniform(4.0, 45.0))))
    # street trees and lamps along the curbs
    for side in (-1, 1):
        curb = road_l if side < 0 else road_r
        if rng.random() < 0.6:
            z = float(rng.uniform(5.0, 15.0))
            step = float(rng.uniform(8.0, 14.0))
            while z < z_far * 0.7:
                objects.append(_tree(rng, curb + side * 0.9, z))
                z += step * float(rng.uniform(0.8, 1.2))
        if rng.random() < 0.75:
            z = float(rng.uniform(4.0, 16.0))
            step = float(rng.uniform(18.0, 30.0))
            while z < z_far * 0.8:
                height = float(rng.uniform(6.0, 8.0))
                arm = float(rng.uniform(1.0, 1.8))
                x = curb + side * 0.35
                objects.append(_Object("lamp", x, z, {"height": height, "arm": -side * arm}))
                lamps.append((x - side * arm, z, height))
                z += step
    for _ in range(int(rng.integers(0, 3))):
        side = -1 if rng.random() < 0.5 else 1
        curb = road_l if side < 0 else road_r
        objects.append(
            _Object(
                "sign",
                curb + side * 0.5,
                float(rng.uniform(6.0, 40.0)),
                {"shape": int(rng.integers(3)), "height": float(rng.uniform(2.3, 2.9))},
            )
        )
    left = _buildings(rng, z_far)
    right = _buildings(rng, z_far)
    for side, blds, x_front in ((-1, left, xl), (1, right, xr)):
        for b in blds:
            if b.height == 0.0 and rng.random() < 0.8:
                objects.append(_tree(rng, x_front + side * 2.0, 0.5 * (b.z0 + b.z1), big=True))
    objects = [o for o in objects if o.z > 3.0]
    objects.sort(key=lambda o: -o.z)
    n_sky = 64
    lay = _Layout(
        f=f,
        cx=cx,
        yh=yh,
        cam_h=cam_h,
        lane=lane,
        road_l=road_l,
        road_r=road_r,
        park_l=park_l,
        park_r=park_r,
        xl=xl,
        xr=xr,
        z_far=z_far,
        left=left,
        right=right,
        skyline=rng.uniform(4.0, 40.0, n_sky).astype(np.float32),
        skyline_w=float(rng.uniform(6.0, 14.0)),
        skyline_col=(np.array((0.55, 0.56, 0.6), np.float32) * rng.uniform(0.85, 1.1, 3)),
        sun_side=1 if rng.random() < 0.5 else -1,
        sun=sun,
        shadow_k=0.0 if overcast else float(rng.uniform(0.3, 1.1)),
        overcast=overcast,
        sky_top=np.clip(sky_top, 0, 1),
        sky_bot=np.clip(sky_bot, 0, 1),
        asphalt=np.array((0.36, 0.36, 0.38), np.float32) * rng.uniform(0.8, 1.15),
        pavement=np.array((0.66, 0.63, 0.60), np.float32) * rng.uniform(0.85, 1.1, 3),
        grass=np.array((0.33, 0.48, 0.20), np.float32) * rng.uniform(0.85, 1.1, 3),
        fog=float(rng.uniform(120.0, 400.0)),
        objects=objects,
        lamps=lamps,
        noise=_Noise(float(rng.uniform(0, 64)), float(rng.uniform(0, 64))),
        grade=rng.uniform(0.94, 1.06, 3).astype(np.float32),
    )
    lay.lights = _light_sources(lay)
    return lay


def _car(rng: np.random.Generator, x: float, z: float, facing: str) -> _Object:
    return _Object(
        "car",
        float(x),
        float(z),
        {
            "w": float(rng.uniform(1.7, 1.95)),
            "h": float(rng.uniform(1.35, 1.65)),
            "colour": _CAR_COLOURS[rng.integers(len(_CAR_COLOURS))] * rng.uniform(0.9, 1.1),
            "facing": facing,
            "cabin": float(rng.uniform(0.55, 0.66)),
        },
    )


def _person(rng: np.random.Generator, x: float, z: float) -> _Object:
    skin = np.array((0.95, 0.76, 0.62), np.float32) * rng.uniform(0.45, 1.0)
    return _Object(
        "person",
        x,
        z,
        {
            "h": float(rng.uniform(1.55, 1.9)),
            "skin": skin,
            "shirt": rng.uniform(0.1, 0.9, 3).astype(np.float32),
            "trousers": rng.uniform(0.05, 0.4, 3).astype(np.float32),
            "stride": float(rng.uniform(-0.06, 0.06)),
        },
    )


def _tree(rng: np.random.Generator, x: float, z: float, big: bool = False) -> _Object:
    r = float(rng.uniform(2.2, 3.5) if big else rng.uniform(1.4, 2.4))
    return _Object(
        "tree",
        float(x),
        float(z),
        {
            "r": r,
            "trunk": float(rng.uniform(1.8, 3.0)),
            "green": np.array((0.22, 0.40, 0.14), np.float32) * rng.uniform(0.75, 1.2, 3),
            "phase": float(rng.uniform(0, 64)),
        },
    )


# --------------------------------------------------------------------------- #
# static part: buildings, ground, skyline, sky


def _building_lookup(blds: list[_Building], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([b.z0 for b in blds], np.float32)
    idx = np.clip(np.searchsorted(starts, z, side="right") - 1, 0, len(blds) - 1)
    heights = np.array([b.height for b in blds], np.float32)
    return idx, heights[idx]


def _light_sources(lay: _Layout) -> np.ndarray:
    """Night light sources as rows (x, y, z, 1/sx^2, 1/sy^2, 1/sz^2, r, g, b).

    Street lamps (warm pools), the headlights of oncoming cars (a pool on the
    road in front of each car) and the camera car's own headlights.
    """
    rows = []
    for lx, lz, lh in lay.lamps:
        rows.append((lx, lh, lz, 1 / 30.0, 0.5 / 30.0, 1 / 30.0, 1.3, 1.0, 0.65))
    for o in lay.objects:
        if o.kind == "car" and o.params["facing"] == "front":
            rows.append((o.x, 0.0, o.z - 6.0, 0.5, 2.0, 1 / 12.0, 0.85, 0.85, 0.9))
    rows.append((0.0, 0.0, 12.0, 1 / 6.0, 2.0, 1 / 60.0, 0.55, 0.55, 0.6))
    return np.array(rows, np.float32)


def _lamp_light(lay: _Layout, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Night illumination (..., 3) of world points (x, y, z) by :func:`_light_sources`."""
    x, y, z = (np.asarray(t, np.float32)[..., None] for t in (x, y, z))
    L = lay.lights
    e = (x - L[:, 0]) ** 2 * L[:, 3] + (y - L[:, 1]) ** 2 * L[:, 4] + (z - L[:, 2]) ** 2 * L[:, 5]
    return np.exp(-e) @ L[:, 6:9]


def _light_at(
    lay: _Layout, ss: int, m: np.ndarray, X: np.ndarray, Y: np.ndarray, Z: np.ndarray
) -> np.ndarray:
    """Night light (n, 3) at the sub-samples ``m`` of a surface with world coordinates (X, Y, Z).

    Lighting varies slowly, so it is evaluated once per output pixel (at its
    central sub-sample, on the plane of the surface) and shared by the pixel's
    sub-samples: ``ss * ss`` times fewer evaluations.
    """
    if ss == 1:
        return _lamp_light(lay, X[m], Y[m], Z[m])
    S = m.shape[0]
    n = S // ss
    o = ss // 2
    need = m.reshape(n, ss, n, ss).any(axis=(1, 3))
    pts = [
        np.nan_to_num(a[o::ss, o::ss][need], nan=1e6, posinf=1e6, neginf=-1e6) for a in (X, Y, Z)
    ]
    coarse = np.zeros((n, n, 3), np.float32)
    coarse[need] = _lamp_light(lay, *pts)
    return np.repeat(np.repeat(coarse, ss, axis=0), ss, axis=1)[m]


class _Canvas:
    """Sub-sample buffers shared by the day and night renderings."""

    def __init__(self, S: int):
        self.lab = np.full((S, S), _ID["sky"], np.int8)
        self.dep = np.full((S, S), SKY_DEPTH, np.float32)
        self.day = np.zeros((S, S, 3), np.float32)
        self.night = np.zeros((S, S, 3), np.float32)
        self.emit = np.zeros((S, S, 3), np.float32)


def _building_table(lay: _Layout) -> dict[str, np.ndarray]:
    """Parameters of all buildings (left side first) as arrays, for per-pixel gathers."""
    blds = lay.left + lay.right
    nl = len(lay.left)
    lit = np.zeros(
        (len(blds), max(b.lit.shape[0] for b in blds), max(b.lit.shape[1] for b in blds)),
        np.float32,
    )
    for i, b in enumerate(blds):
        lit[i, : b.lit.shape[0], : b.lit.shape[1]] = b.lit

    def arr(f):
        return np.array([f(b) for b in blds], np.float32)

    return {
        "k": np.array([i if i < nl else i - nl for i in range(len(blds))], np.float32),
        "side": np.array([0.0 if i < nl else 1.0 for i in range(len(blds))], np.float32),
        "x_abs": np.array(
            [abs(lay.xl) if i < nl else abs(lay.xr) for i in range(len(blds))], np.float32
        ),
        "z0": arr(lambda b: b.z0),
        "length": arr(lambda b: b.z1 - b.z0),
        "height": arr(lambda b: b.height),
        "win_dx": arr(lambda b: b.win_dx),
        "win_w": arr(lambda b: b.win_w),
        "floor_h": arr(lambda b: b.floor_h),
        "win_h": arr(lambda b: b.win_h),
        "door_z": arr(lambda b: b.door_z),
        "colour": np.stack([b.colour for b in blds]).astype(np.float32),
        "lit": lit,
    }


def _sky(
    lay: _Layout, S: int, ss: int, xs: np.ndarray, ys: np.ndarray, m: np.ndarray, cv: _Canvas
) -> None:
    """Day sky (gradient, clouds or overcast) and night sky (dark, city glow, stars) at pixels ``m``."""
    tab = lay.noise
    t = np.clip(ys / max(lay.yh, 1.0), 0, 1)[..., None]
    day_sky = lay.sky_top * (1 - t) + lay.sky_bot * t
    if lay.overcast:
        cl = tab.smooth_fbm(xs / S * 3.0, ys / S * 6.0)[..., None]
        day_sky = day_sky * (0.9 + 0.2 * cl)
    else:
        cl = tab.smooth_fbm(xs / S * 4.0, ys / S * 8.0)
        cl = np.clip((cl - 0.52) * 3.5, 0, 1)[..., None] * 0.85
        day_sky = day_sky * (1 - cl) + np.float32(0.96) * cl
    night_top = np.array((0.01, 0.015, 0.05), np.float32)
    night_bot = np.array((0.12, 0.08, 0.09), np.float32)
    night_sky = night_top * (1 - t) + night_bot * t
    stars = (tab.value(xs * 1.3 / ss, ys * 1.3 / ss) > 0.97) & (t[..., 0] < 0.75)
    night_sky = night_sky + stars[..., None] * np.float32(0.35)
    cv.day[m] = day_sky
    cv.night[m] = night_sky
    cv.lab[m] = _ID["sky"]
    cv.dep[m] = SKY_DEPTH


def _static(lay: _Layout, S: int, ss: int, cv: _Canvas) -> None:
    """Sky, far skyline, ground (road, sidewalk, grass) and building fronts."""
    ys, xs = np.mgrid[0:S, 0:S].astype(np.float32) + np.float32(0.5)
    u = xs - lay.cx
    v = ys - lay.yh
    f, h = lay.f, lay.cam_h
    tab = lay.noise
    with np.errstate(divide="ignore", invalid="ignore"):
        zg = np.where(v > 0, f * h / v, np.inf)
        zf = np.where(u < 0, f * lay.xl / u, np.where(u > 0, f * lay.xr / u, np.inf))
    zf = np.where(zf > 0, zf, np.inf)
    with np.errstate(invalid="ignore"):
        yf = h - v * zf / f
    side_left = u < 0

    il, hl = _building_lookup(lay.left, np.where(side_left & np.isfinite(zf), zf, 0))
    ir, hr = _building_lookup(lay.right, np.where(~side_left & np.isfinite(zf), zf, 0))
    bidx = np.where(side_left, il, ir)
    bh = np.where(side_left, hl, hr)
    with np.errstate(invalid="ignore"):
        bld = (zf < lay.z_far) & (yf >= 0) & (yf <= bh)
    ground = ~bld & (zg < lay.z_far)
    yfar = h - v * lay.z_far / f
    xfar = u * lay.z_far / f
    sk_i = np.floor(xfar / lay.skyline_w).astype(np.int64) % len(lay.skyline)
    far = ~bld & ~ground & (yfar <= lay.skyline[sk_i])
    sky = ~(bld | ground | far)

    _sky(lay, S, ss, xs[sky], ys[sky], sky, cv)

    # ---- far skyline (distant blocks closing the street)
    m = far
    c = lay.skyline_col * (0.9 + 0.2 * tab.value(sk_i[m] * 3.1, yfar[m] * 0.3))[:, None]
    cv.day[m] = c * lay.sun
    cv.night[m] = c * 0.04
    lit = tab.value(xfar[m] * 0.8, yfar[m] * 0.6) > 0.78
    cv.emit[m] += lit[:, None] * np.array((0.35, 0.28, 0.15), np.float32)
    cv.lab[m] = _ID["building"]
    cv.dep[m] = lay.z_far

    # ---- ground: road with markings, paved sidewalks with curbs, grass plots
    m = ground
    z = zg[m]
    x = u[m] * z / f
    lab = np.full(z.shape, _ID["terrain"], np.int64)
    on_road = (x >= lay.road_l) & (x <= lay.road_r)
    on_walk = ~on_road & (x >= lay.xl) & (x <= lay.xr)
    lab[on_road] = _ID["road"]
    lab[on_walk] = _ID["sidewalk"]
    n1 = tab.fbm(x * 0.9, z * 0.9)
    n2 = tab.value(x * 7.0, z * 7.0)
    col = np.empty(z.shape + (3,), np.float32)
    road = lay.asphalt * (0.8 + 0.3 * n1 + 0.1 * n2)[:, None]
    lane_line = lay.road_l + lay.park_l + lay.lane
    dashes = (np.abs(x - lane_line) < 0.08) & (np.mod(z, 9.0) < 4.0)
    edge_l = (lay.park_l > 0) & (np.abs(x - (lay.road_l + lay.park_l)) < 0.07)
    edge_r = (lay.park_r > 0) & (np.abs(x - (lay.road_r - lay.park_r)) < 0.07)
    mark = dashes | edge_l | edge_r
    road[mark] = np.float32(0.86) * (0.92 + 0.08 * n2[mark])[:, None]
    col[on_road] = road[on_road]
    tile = 0.6
    joint = (np.abs(np.mod(x, tile) - tile / 2) > tile / 2 - 0.035) | (
        np.abs(np.mod(z, tile) - tile / 2) > tile / 2 - 0.035
    )
    walk = lay.pavement * (0.88 + 0.15 * n1 + 0.06 * n2)[:, None]
    walk = walk * np.where(joint, 0.86, 1.0).astype(np.float32)[:, None]
    curb = ((x < lay.road_l) & (x > lay.road_l - 0.2)) | ((x > lay.road_r) & (x < lay.road_r + 0.2))
    walk[curb] = walk[curb] * np.float32(1.12)
    col[on_walk] = walk[on_walk]
    grass = ~on_road & ~on_walk
    col[grass] = lay.grass * (0.7 + 0.5 * tab.fbm(x[grass] * 2.5, z[grass] * 2.5))[:, None]
    # shadows of the buildings on the sun's side of the street
    blds = lay.right if lay.sun_side > 0 else lay.left
    _, hs = _building_lookup(blds, z)
    dist = (lay.xr - x) if lay.sun_side > 0 else (x - lay.xl)
    shade = np.where(dist < hs * lay.shadow_k, 0.55, 1.0).astype(np.float32)
    cv.day[m] = col * (lay.sun * shade)[:, None]
    with np.errstate(invalid="ignore"):
        light = _light_at(lay, ss, m, u * zg / f, np.zeros_like(zg), zg)
    cv.night[m] = col * (0.05 + light)
    cv.lab[m] = lab
    cv.dep[m] = z

    # ---- building fronts: wall texture, window grid, a door per building
    m = bld
    z = zf[m]
    y = yf[m]
    left = side_left[m]
    bi = bidx[m]
    # per-pixel building parameters, gathered from one table of both sides
    P = _building_table(lay)
    g = np.where(left, bi, bi + len(lay.left))
    k, sd = P["k"][g], P["side"][g]
    z0, hb, wdx = P["z0"][g], P["height"][g], P["win_dx"][g]
    fh, ww, wh = P["floor_h"][g], P["win_w"][g], P["win_h"][g]
    colour = P["colour"][g]
    zl = z - z0
    n = tab.fbm(zl * 1.5 + 7.0 * k, y * 1.5 + 13.0 * sd)
    col = colour * (0.86 + 0.22 * n)[:, None]
    band = (y > hb - 0.6) | (y < 0.5)
    col[band] *= np.float32(0.8)
    lab = np.full(z.shape, _ID["building"], np.int64)
    emit = np.zeros(z.shape + (3,), np.float32)
    warm = np.array((1.0, 0.78, 0.42), np.float32)
    # window period along the street as seen on screen, in output pixels
    period_px = lay.f * P["x_abs"][g] * wdx / (np.maximum(z, 1e-3) ** 2 * ss)
    fu = np.mod(zl, wdx) / wdx
    fv = np.mod(y - fh, fh) / fh
    lit = P["lit"]
    ci = np.clip(np.floor(zl / wdx).astype(np.int64), 0, lit.shape[1] - 1)
    ri = np.clip(np.floor((y - fh) / fh).astype(np.int64), 0, lit.shape[2] - 1)
    litv = lit[g, ci, ri]
    inner = (zl > 0.6) & (zl < P["length"][g] - 0.6) & (y > fh) & (y < hb - 1.0)
    is_win = inner & (np.abs(fu - 0.5) < ww / 2) & (fv > 0.25) & (fv < 0.25 + wh)
    near = period_px > 4.0
    frame = is_win & ((np.abs(fu - 0.5) > ww / 2 - 0.07) | (fv < 0.3))
    glass = is_win & ~frame
    refl = (0.12 + 0.28 * (fv[glass] - 0.25) / wh[glass] + 0.12 * n[glass])[:, None]
    col[glass] = refl * np.array((0.8, 0.92, 1.08), np.float32)
    col[frame] = (np.float32(0.9) * colour[frame].max(1))[:, None]
    emit[glass] = litv[glass, None] * warm
    lab[is_win & near] = _ID["window"]
    # windows too small to resolve: their mean colour blends into the wall
    cov = (ww * wh)[:, None]
    farw = inner & ~near
    col[farw] = col[farw] * (1 - cov[farw]) + cov[farw] * np.float32(0.3)
    emit[farw] = (0.8 * cov[farw, 0] * litv[farw])[:, None] * warm
    door = (zl > P["door_z"][g]) & (zl < P["door_z"][g] + 1.3) & (y < 2.3)
    col[door] = colour[door] * np.float32(0.35) + np.float32(0.06)
    emit[door] = 0.0
    lab[door] = _ID["door"]
    faces_sun = (left & (lay.sun_side > 0)) | (~left & (lay.sun_side < 0))
    light = np.where(faces_sun, 1.0, 0.68).astype(np.float32) * lay.sun
    cv.day[m] = col * light[:, None]
    x_front = np.where(side_left, np.float32(lay.xl), np.float32(lay.xr))
    cv.night[m] = col * (0.04 + 0.6 * _light_at(lay, ss, m, x_front, yf, zf))
    cv.emit[m] += emit
    cv.lab[m] = lab
    cv.dep[m] = z


# --------------------------------------------------------------------------- #
# upright objects: each returns (mask, label ids, albedo, night emission)

_Shape = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _unit(a: np.ndarray) -> np.ndarray:
    """Clamp to [0, 1] (cheaper than ``np.clip`` on the small arrays of one object)."""
    return np.minimum(np.maximum(a, 0.0), 1.0)


def _car_shape(lay: _Layout, o: _Object, lx: np.ndarray, ly: np.ndarray) -> _Shape:
    p = o.params
    w, hh = p["w"], p["h"]
    ax = np.abs(lx)
    cab = p["cabin"] * hh
    r = 0.14
    body = (ax < w / 2) & (ly > 0.16 * hh) & (ly < cab)
    corner = (ax > w / 2 - r) & (ly > cab - r)
    body &= ~corner | ((ax - (w / 2 - r)) ** 2 + (ly - (cab - r)) ** 2 < r * r)
    t = (ly - cab) / (hh - cab)
    hw = w / 2 * (0.9 - 0.18 * t) - 0.18 * _unit((t - 0.6) / 0.4) ** 2
    cabin = (ly >= cab - 0.01) & (ly <= hh) & (ax < hw)
    wheels = (ly >= 0) & (ly < 0.3 * hh) & (ax > w / 2 - 0.36) & (ax < w / 2 - 0.04)
    mask = body | cabin | wheels
    col = np.empty(lx.shape + (3,), np.float32)
    shade = (0.75 + 0.35 * _unit(ly / hh))[..., None]
    col[...] = p["colour"] * shade
    col[(ly > cab - 0.08) & (ly < cab) & body] *= np.float32(1.25)
    col[wheels & ~body] = 0.05
    col[body & (ly < 0.29 * hh)] = 0.12
    glass = cabin & (ly > cab + 0.05) & (ly < hh - 0.06) & (ax < hw - 0.09)
    g = (0.12 + 0.18 * _unit(t))[..., None] * np.array((0.9, 1.0, 1.1), np.float32)
    col[glass] = g[glass]
    lamp = body & (ly > 0.44 * hh) & (ly < 0.55 * hh) & (ax > w / 2 - 0.34) & (ax < w / 2 - 0.06)
    plate = (ax < 0.24) & (ly > 0.31 * hh) & (ly < 0.40 * hh)
    col[plate] = (0.9, 0.9, 0.85)
    emit = np.zeros_like(col)
    if p["facing"] == "rear":
        col[lamp] = (0.7, 0.06, 0.05)
        emit[lamp] = (1.2, 0.08, 0.04)
    else:
        grille = body & (ax < 0.45) & (ly > 0.42 * hh) & (ly < 0.53 * hh)
        col[grille] = 0.1
        col[lamp] = (0.85, 0.85, 0.82)
        emit[lamp] = (2.0, 1.9, 1.6)
    return mask, np.full(lx.shape, _ID["car"], np.int64), col, emit


def _person_shape(lay: _Layout, o: _Object, lx: np.ndarray, ly: np.ndarray) -> _Shape:
    p = o.params
    a, b = lx / p["h"], ly / p["h"]
    head = a**2 + (b - 0.925) ** 2 < 0.062**2
    torso = (np.abs(a) < 0.125 - 0.03 * _unit((b - 0.8) / 0.05)) & (b > 0.5) & (b < 0.85)
    arms = (np.abs(a) > 0.125) & (np.abs(a) < 0.175) & (b > 0.5) & (b < 0.82)
    hands = (np.abs(a) > 0.125) & (np.abs(a) < 0.17) & (b > 0.45) & (b <= 0.5)
    st = p["stride"] * (0.5 - b)
    legs = (
        (b >= 0)
        & (b <= 0.51)
        & ((np.abs(a - (-0.06 - st)) < 0.048) | (np.abs(a - (0.06 + st)) < 0.048))
    )
    mask = head | torso | arms | hands | legs
    col = np.empty(lx.shape + (3,), np.float32)
    col[...] = p["trousers"]
    col[torso | arms] = p["shirt"]
    col[arms] *= np.float32(0.8)
    col[head | hands] = p["skin"]
    col[head & (b > 0.95)] = p["trousers"] * np.float32(0.5)
    col[legs & (b < 0.035)] = 0.06
    return mask, np.full(lx.shape, _ID["person"], np.int64), col, np.zeros_like(col)


def _tree_shape(lay: _Layout, o: _Object, lx: np.ndarray, ly: np.ndarray) -> _Shape:
    p = o.params
    r, trunk, ph = p["r"], p["trunk"], p["phase"]
    cy = trunk + 0.85 * r
    dn = np.sqrt(lx**2 + ((ly - cy) / 1.1) ** 2) / r
    wob = lay.noise.fbm(lx * 1.6 + ph, ly * 1.6 + ph)
    crown = dn < 0.78 + 0.35 * wob
    stem = (np.abs(lx) < 0.09 + 0.05 * _unit(1 - ly / trunk)) & (ly >= 0) & (ly < cy)
    mask = crown | stem
    col = np.empty(lx.shape + (3,), np.float32)
    leaf = lay.noise.fbm(lx * 3.0 + ph, ly * 3.0)
    lit = 0.55 + 0.55 * leaf + 0.2 * lay.sun_side * lx / r + 0.15 * (ly - cy) / r
    col[...] = p["green"] * lit[..., None]
    col[stem & ~crown] = (0.28, 0.2, 0.13)
    return mask, np.full(lx.shape, _ID["vegetation"], np.int64), col, np.zeros_like(col)


def _lamp_shape(lay: _Layout, o: _Object, lx: np.ndarray, ly: np.ndarray) -> _Shape:
    p = o.params
    hgt, arm = p["height"], p["arm"]
    post = (np.abs(lx) < 0.08 + 0.03 * (ly < 1.0)) & (ly >= 0) & (ly <= hgt)
    lo, hi = min(0.0, arm), max(0.0, arm)
    bar = (lx >= lo) & (lx <= hi) & (ly > hgt - 0.1) & (ly <= hgt)
    head = (np.abs(lx - arm) < 0.3) & (ly > hgt - 0.22) & (ly <= hgt)
    mask = post | bar | head
    col = np.full(lx.shape + (3,), 0.32, np.float32)
    col[head] = 0.55
    emit = np.zeros_like(col)
    emit[head & (ly < hgt - 0.1)] = (2.2, 1.7, 1.1)
    return mask, np.full(lx.shape, _ID["pole"], np.int64), col, emit


def _sign_shape(lay: _Layout, o: _Object, lx: np.ndarray, ly: np.ndarray) -> _Shape:
    p = o.params
    hgt, shape = p["height"], p["shape"]
    post = (np.abs(lx) < 0.05) & (ly >= 0) & (ly <= hgt)
    dy = ly - hgt
    if shape == 0:  # round: red ring, white centre
        rr = np.sqrt(lx**2 + dy**2)
        plate, inner = rr < 0.36, rr < 0.25
        c_out, c_in = (0.8, 0.08, 0.08), (0.95, 0.95, 0.95)
    elif shape == 1:  # triangle: red border, white inside
        plate = (dy > -0.3) & (np.abs(lx) < (0.33 - dy) * 0.6)
        inner = (dy > -0.22) & (np.abs(lx) < (0.22 - dy) * 0.55)
        c_out, c_in = (0.8, 0.08, 0.08), (0.95, 0.95, 0.95)
    else:  # square: blue with white arrow
        plate = (np.abs(lx) < 0.3) & (np.abs(dy) < 0.3)
        inner = (np.abs(lx) < 0.06) & (np.abs(dy) < 0.2)
        c_out, c_in = (0.1, 0.25, 0.7), (0.95, 0.95, 0.95)
    mask = post | plate
    lab = np.where(plate, _ID["traffic_sign"], _ID["pole"]).astype(np.int64)
    col = np.full(lx.shape + (3,), 0.4, np.float32)
    col[plate] = c_out
    col[plate & inner] = c_in
    return mask, lab, col, np.zeros_like(col)


_SHAPES = {
    "car": _car_shape,
    "person": _person_shape,
    "tree": _tree_shape,
    "lamp": _lamp_shape,
    "sign": _sign_shape,
}


def _extent(o: _Object) -> tuple[float, float, float]:
    """(x_min, x_max, y_max) of an object around its base point, metres."""
    p = o.params
    if o.kind == "car":
        return -p["w"] / 2, p["w"] / 2, p["h"]
    if o.kind == "person":
        return -0.2 * p["h"], 0.2 * p["h"], p["h"]
    if o.kind == "tree":
        r = p["r"]
        return -1.3 * r, 1.3 * r, p["trunk"] + 2.4 * r
    if o.kind == "lamp":
        return min(0.0, p["arm"]) - 0.35, max(0.0, p["arm"]) + 0.35, p["height"] + 0.05
    return -0.4, 0.4, p["height"] + 0.4


def _draw(lay: _Layout, S: int, cv: _Canvas, o: _Object, night_light: np.ndarray) -> None:
    """Draw one upright object with a z-test; ``night_light`` (3,) lights it at night."""
    f, h = lay.f, lay.cam_h
    x_min, x_max, y_max = _extent(o)
    c0 = max(math.floor(lay.cx + f * (o.x + x_min) / o.z), 0)
    c1 = min(math.ceil(lay.cx + f * (o.x + x_max) / o.z) + 1, S)
    r0 = max(math.floor(lay.yh + f * (h - y_max) / o.z), 0)
    r1 = min(math.ceil(lay.yh + f * h / o.z) + 1, S)
    if c0 >= c1 or r0 >= r1:
        return
    ys = np.arange(r0, r1, dtype=np.float32)[:, None] + np.float32(0.5)
    xs = np.arange(c0, c1, dtype=np.float32)[None, :] + np.float32(0.5)
    shape = (r1 - r0, c1 - c0)
    lx = np.broadcast_to((xs - lay.cx) * np.float32(o.z / f) - np.float32(o.x), shape)
    ly = np.broadcast_to(h - (ys - lay.yh) * np.float32(o.z / f), shape)
    win = (slice(r0, r1), slice(c0, c1))
    if o.kind == "car":  # contact shadow on the ground around the car's base
        g = cv.lab[win]
        on_ground = (g == _ID["road"]) | (g == _ID["sidewalk"])
        d = np.maximum(-ly / max(o.z * 0.02, 0.05), 0.0)
        sh = np.exp(-(d**2)) * (np.abs(lx) < o.params["w"] / 2 + 0.1) * on_ground
        cv.day[win] *= (1 - 0.55 * sh)[..., None]
    mask, lab, col, emit = _SHAPES[o.kind](lay, o, lx, ly)
    iy, ix = np.nonzero(mask & (o.z < cv.dep[win]))
    if not len(iy):
        return
    c = col[iy, ix]
    iy, ix = iy + r0, ix + c0
    day_light = lay.sun * (0.9 + 0.1 * lay.sun_side * math.copysign(1.0, o.x))
    cv.day[iy, ix] = c * np.float32(day_light)
    cv.night[iy, ix] = c * night_light
    cv.emit[iy, ix] = emit[iy - r0, ix - c0]
    cv.lab[iy, ix] = lab[iy - r0, ix - c0]
    cv.dep[iy, ix] = o.z


# --------------------------------------------------------------------------- #
# facade view: a building front seen straight on (the Facades task)


@dataclass
class _Block:
    x0: float
    x1: float
    span: float  # width over which the n_cols window columns repeat (m)
    height: float
    colour: np.ndarray
    floor_h: float
    ground_h: float
    n_cols: int
    win_w: float  # window width, fraction of a column
    win_h: float  # window height, fraction of a storey
    sill: float  # window sill height above the storey's floor (m)
    arched: bool
    shutter: np.ndarray | None  # shutter colour, or None
    balcony: np.ndarray  # (rows,) bool: storeys with a balcony
    shop: bool
    door_col: int
    lit: np.ndarray  # (cols, rows) night intensity


def _block(rng: np.random.Generator, x0: float, x1: float, span: float, main: bool) -> _Block:
    floor_h = float(rng.uniform(2.9, 3.8))
    floors = int(rng.integers(3, 7)) if main else int(rng.integers(2, 8))
    ground_h = floor_h * float(rng.uniform(1.0, 1.35))
    n_cols = max(2, round(span / rng.uniform(2.2, 3.4)))
    rows = floors + 1
    shutter = None
    if rng.random() < 0.3:
        shutter = np.array(
            [(0.25, 0.42, 0.28), (0.45, 0.3, 0.2), (0.35, 0.42, 0.5), (0.8, 0.8, 0.76)][
                int(rng.integers(4))
            ],
            np.float32,
        )
    return _Block(
        x0=x0,
        x1=x1,
        span=span,
        height=ground_h + floors * floor_h + float(rng.uniform(0.4, 1.2)),
        colour=np.clip(
            _FACADES[rng.integers(len(_FACADES))] * rng.uniform(0.85, 1.1, 3), 0, 1
        ).astype(np.float32),
        floor_h=floor_h,
        ground_h=ground_h,
        n_cols=n_cols,
        win_w=float(rng.uniform(0.38, 0.6)),
        win_h=float(rng.uniform(0.45, 0.62)),
        sill=float(rng.uniform(0.7, 1.0)),
        arched=bool(rng.random() < 0.3),
        shutter=shutter,
        balcony=rng.random(rows) < (0.35 if rng.random() < 0.5 else 0.0),
        shop=bool(rng.random() < 0.5),
        door_col=int(rng.integers(n_cols)),
        lit=(
            (rng.random((n_cols, rows)) < rng.uniform(0.25, 0.6))
            * rng.uniform(0.5, 1.0, (n_cols, rows))
        ).astype(np.float32),
    )


def _facade_layout(rng: np.random.Generator, S: int) -> tuple[_Layout, list[_Block], float, float]:
    """A street layout re-used for lighting and palettes, plus the facade blocks, wall distance and walk."""
    lay = _layout(rng, S)
    lay.f = S * float(rng.uniform(0.8, 1.1))
    lay.yh = S * float(rng.uniform(0.6, 0.85))  # rectified view: verticals stay vertical
    width = float(rng.uniform(10.0, 20.0))
    dist = lay.f * width / (S * float(rng.uniform(0.7, 1.0)))
    x0 = -width / 2 + float(rng.uniform(-0.15, 0.15)) * width
    blocks = [
        _block(rng, -1e4, x0, float(rng.uniform(8.0, 16.0)), main=False),
        _block(rng, x0, x0 + width, width, main=True),
        _block(rng, x0 + width, 1e4, float(rng.uniform(8.0, 16.0)), main=False),
    ]
    walk = float(rng.uniform(2.5, 4.5))
    objects: list[_Object] = []
    half = dist * S / (2 * lay.f) + 2.0  # half the visible width at the wall, plus a margin
    for _ in range(int(rng.integers(0, 3))):
        objects.append(_tree(rng, float(rng.uniform(-half, half)), dist - walk * 0.5))
    for _ in range(int(rng.integers(0, 4))):
        objects.append(
            _person(rng, float(rng.uniform(-half, half)), dist - float(rng.uniform(0.5, walk)))
        )
    lay.lamps = []
    if rng.random() < 0.6:
        x = float(rng.uniform(-half * 0.8, half * 0.8))
        height = float(rng.uniform(5.0, 7.0))
        objects.append(_Object("lamp", x, dist - walk + 0.4, {"height": height, "arm": 1.2}))
        lay.lamps.append((x + 1.2, dist - walk + 0.4, height))
    lay.objects = sorted((o for o in objects if o.z > 3.0), key=lambda o: -o.z)
    lay.lights = _light_sources(lay)
    lay.lights = lay.lights[:-1] if len(lay.lights) else lay.lights  # no headlights of our own
    return lay, blocks, dist, walk


def _facade_static(
    lay: _Layout, blocks: list[_Block], dist: float, walk: float, S: int, ss: int, cv: _Canvas
) -> None:
    ys, xs = np.mgrid[0:S, 0:S].astype(np.float32) + np.float32(0.5)
    u, v = xs - lay.cx, ys - lay.yh
    f, h = lay.f, lay.cam_h
    tab = lay.noise
    X = u * dist / f
    Y = h - v * dist / f
    starts = np.array([b.x0 for b in blocks], np.float32)
    bi = np.clip(np.searchsorted(starts, X, side="right") - 1, 0, len(blocks) - 1)
    heights = np.array([b.height for b in blocks], np.float32)
    wall = (Y >= 0) & (Y <= heights[bi])
    with np.errstate(divide="ignore"):
        zg = np.where(v > 0, f * h / v, np.inf)
    ground = ~wall & (zg < dist)
    sky = ~wall & ~ground
    _sky(lay, S, ss, xs[sky], ys[sky], sky, cv)

    # ground: sidewalk along the wall, road in front
    m = ground
    z = zg[m]
    x = u[m] * z / f
    on_walk = z > dist - walk
    n1 = tab.fbm(x * 0.9, z * 0.9)
    joint = (np.abs(np.mod(x, 0.6) - 0.3) > 0.265) | (np.abs(np.mod(z, 0.6) - 0.3) > 0.265)
    col = np.where(
        on_walk[:, None],
        lay.pavement * ((0.88 + 0.15 * n1) * np.where(joint, 0.86, 1.0))[:, None],
        lay.asphalt * (0.8 + 0.3 * n1)[:, None],
    ).astype(np.float32)
    cv.day[m] = col * lay.sun
    with np.errstate(invalid="ignore"):
        light = _light_at(lay, ss, m, u * zg / f, np.zeros_like(zg), zg)
    cv.night[m] = col * (0.05 + light)
    cv.lab[m] = np.where(on_walk, _ID["sidewalk"], _ID["road"])
    cv.dep[m] = z

    # the wall, block by block
    m = wall
    Xw, Yw, b_i = X[m], Y[m], bi[m]
    col = np.empty(Xw.shape + (3,), np.float32)
    lab = np.full(Xw.shape, _ID["building"], np.int64)
    emit = np.zeros(Xw.shape + (3,), np.float32)
    dep = np.full(Xw.shape, dist, np.float32)
    warm = np.array((1.0, 0.78, 0.42), np.float32)
    for k, b in enumerate(blocks):
        q = b_i == k
        if not q.any():
            continue
        xq, yq = Xw[q], Yw[q]
        ref = b.x0 if k != 0 else b.x1
        colw = b.span / b.n_cols
        fc = (xq - ref) / colw
        j = np.floor(fc).astype(np.int64)
        fx = (fc - j - 0.5) * colw  # metres from the column centre
        r = np.floor((yq - b.ground_h) / b.floor_h).astype(np.int64)
        fy = yq - b.ground_h - r * b.floor_h  # metres above the storey's floor
        n = tab.fbm(xq * 1.5 + 5.0 * k, yq * 1.5)
        c = b.colour * (0.86 + 0.22 * n)[:, None]
        lq = np.full(xq.shape, _ID["building"], np.int64)
        eq = np.zeros(xq.shape + (3,), np.float32)
        dq = np.full(xq.shape, dist, np.float32)
        upper = (yq > b.ground_h) & (yq < b.height - 0.9)
        ww, wh = b.win_w * colw, b.win_h * b.floor_h
        top = b.sill + wh
        win = upper & (np.abs(fx) < ww / 2) & (fy > b.sill) & (fy < top)
        if b.arched:
            rad = ww / 2
            cap = fy > top - rad
            win &= ~cap | (fx**2 + (fy - (top - rad)) ** 2 < rad**2)
        band = upper & (fy < 0.18)  # string course between storeys
        c[band] *= np.float32(0.82)
        sill = upper & (np.abs(fx) < ww / 2 + 0.12) & (fy > b.sill - 0.14) & (fy <= b.sill)
        c[sill] = np.float32(0.92) * b.colour.max()
        if b.shutter is not None:
            sh = upper & (np.abs(fx) >= ww / 2) & (np.abs(fx) < ww) & (fy > b.sill) & (fy < top)
            slats = np.mod(fy * 8.0, 1.0) < 0.25
            c[sh] = b.shutter * np.where(slats[sh], 0.8, 1.0)[:, None]
        rows = np.clip(r, 0, len(b.balcony) - 1)
        bal = upper & b.balcony[rows] & (np.abs(fx) < ww / 2 + 0.25) & (fy < 1.05) & (fy > 0.05)
        bars = (np.mod(fx * 8.0, 1.0) < 0.3) | (fy > 0.95) | (fy < 0.15)
        # ground storey: a door, and shop windows or plain windows
        gnd = yq <= b.ground_h
        door = gnd & (j == b.door_col) & (np.abs(fx) < 0.65) & (yq < 2.4)
        if b.shop:
            shop = gnd & ~door & (np.abs(fx) < 0.42 * colw) & (yq > 0.35) & (yq < b.ground_h - 0.45)
        else:
            shop = gnd & ~door & (np.abs(fx) < ww / 2) & (yq > 1.0) & (yq < 1.0 + wh)
        glassy = win | shop
        frame = glassy & ~(
            (np.abs(fx) < np.where(shop, 0.42 * colw, ww / 2) - 0.08) & (fy > b.sill + 0.08)
            | shop & (yq > 0.45)
        )
        refl = (0.12 + 0.25 * np.clip((fy - b.sill) / wh, 0, 1) + 0.12 * n)[:, None]
        glass_col = refl * np.array((0.8, 0.92, 1.08), np.float32)
        c = np.where(glassy[:, None], glass_col, c)
        c[frame] = 0.88
        ci = np.mod(j, b.n_cols)
        litv = b.lit[ci, np.clip(r + 1, 0, b.lit.shape[1] - 1)]
        eq[glassy & ~frame] = 0.55 * litv[glassy & ~frame, None] * warm
        lq[glassy] = _ID["window"]
        dq[glassy] = dist + 0.15
        c[door] = b.colour * np.float32(0.3) + np.float32(0.05)
        lq[door] = _ID["door"]
        dq[door] = dist + 0.3
        eq[door] = 0.0
        rail = bal & bars
        c[rail] = 0.12
        lq[rail] = _ID["building"]
        dq[rail] = dist - 0.8
        top_band = yq > b.height - 0.6
        c[top_band] *= np.float32(0.75)
        col[q], lab[q], emit[q], dep[q] = c, lq, eq, dq
    cv.day[m] = col * lay.sun * (0.95 + 0.1 * (Yw / 30.0))[:, None]
    cv.night[m] = col * (0.07 + 0.35 * _light_at(lay, ss, m, X, Y, np.full_like(X, dist)))
    cv.emit[m] += emit
    cv.lab[m] = lab
    cv.dep[m] = dep


def render_facade(seed: int | Sequence[int], size: int = 128, ss: int = 2) -> Scene:
    """Render a building front seen straight on: the Facades task's view.

    A rectified frontal view (no pitch, shifted principal point, so verticals
    stay vertical, as in the CMP Facade Database used by pix2pix and by the
    implicit-pairs paper, Table 1): a main building between two neighbours,
    storeys of windows (plain or arched, sills, shutters, balconies), a ground
    storey with a door and shop windows, sidewalk and road below, sky above,
    and sometimes trees, people and a street lamp in front. Same outputs and
    classes as :func:`render_scene`.
    """
    size, ss = _check_size_ss(size, ss)
    rng = _seed_rng(seed)
    S = size * ss
    lay, blocks, dist, walk = _facade_layout(rng, S)
    cv = _Canvas(S)
    _facade_static(lay, blocks, dist, walk, S, ss, cv)
    _draw_objects(lay, S, cv)
    return _finish(lay, cv, rng, size, ss)


# --------------------------------------------------------------------------- #
# finishing: fog, glow, downsampling, noise


def _subsamples(a: np.ndarray, ss: int) -> list[np.ndarray]:
    """The ``ss * ss`` strided views (size, size, ...) of a supersampled array, row-major."""
    return [a[i::ss, j::ss] for i in range(ss) for j in range(ss)]


def _pool(a: np.ndarray, ss: int) -> np.ndarray:
    """Box-filter a supersampled (S, S, ...) array down to (S / ss, S / ss, ...)."""
    subs = _subsamples(a, ss)
    out = subs[0].astype(np.float32, copy=True)
    for v in subs[1:]:
        out += v
    out *= np.float32(1.0 / len(subs))
    return out


def _mode_index(lab: np.ndarray, ss: int) -> np.ndarray:
    """Index (size, size) of the most frequent sub-sample label of every pixel (ties: first)."""
    subs = _subsamples(lab, ss)
    best = np.zeros(subs[0].shape, np.int64)
    best_count = np.zeros(subs[0].shape, np.int64)
    for k, v in enumerate(subs):
        count = sum((v == w).astype(np.int64) for w in subs)
        better = count > best_count
        best[better] = k
        best_count[better] = count[better]
    return best


def _pick(a: np.ndarray, k: np.ndarray, ss: int) -> np.ndarray:
    """Sub-sample ``k[y, x]`` of every pixel of a supersampled (S, S) array."""
    return np.choose(k, _subsamples(a, ss))


def _to_u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def _finish(lay: _Layout, cv: _Canvas, rng: np.random.Generator, size: int, ss: int) -> Scene:
    """Aerial perspective, night glow, downsampling, sensor noise; labels and depth by sub-sample vote."""
    # aerial perspective
    a = (1.0 - np.exp(-cv.dep / lay.fog)) * (cv.lab != _ID["sky"])
    a = a[..., None].astype(np.float32)
    cv.day += a * (lay.sky_bot * np.float32(0.95) - cv.day)
    cv.night += (0.7 * a) * (np.array((0.05, 0.045, 0.055), np.float32) - cv.night)
    # night: emitters plus their glow
    day = _pool(cv.day, ss) * lay.grade
    emit = _pool(cv.emit, ss)
    glow = gaussian_filter(emit, sigma=(1.2, 1.2, 0), mode="constant")
    halo = gaussian_filter(emit, sigma=(4.0, 4.0, 0), mode="constant", truncate=3.0)
    night = _pool(cv.night, ss) + emit + 0.9 * glow + 0.9 * halo

    k = _mode_index(cv.lab, ss)
    labels = _pick(cv.lab, k, ss).astype(np.int64)
    depth = _pick(cv.dep, k, ss).astype(np.float32)
    day = day + rng.normal(0.0, 0.008, day.shape).astype(np.float32)
    night = night * np.array((0.9, 0.95, 1.1), np.float32)
    # exposure: a night shot never ends up brighter than about half the day shot
    over = float(night.mean()) / max(float(day.mean()), 1e-6) / 0.5
    if over > 1.0:
        night = night / np.float32(over)
    night = night + rng.normal(0.0, 0.025, night.shape).astype(np.float32)
    return Scene(
        photo=_to_u8(day),
        labels=labels,
        label_rgb=PALETTE[labels],
        depth=depth,
        night=_to_u8(night),
    )


def _check_size_ss(size: int, ss: int) -> tuple[int, int]:
    if int(size) != size or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    if int(ss) != ss or ss < 1:
        raise ValueError(f"ss must be a positive integer, got {ss!r}")
    return int(size), int(ss)


def _draw_objects(lay: _Layout, S: int, cv: _Canvas) -> None:
    """Draw all upright objects, far to near, each lit at night by the lights near its base."""
    if not lay.objects:
        return
    ox = np.array([o.x for o in lay.objects], np.float32)
    oz = np.array([o.z for o in lay.objects], np.float32)
    lights = 0.06 + 0.8 * _lamp_light(lay, ox, np.ones_like(ox), oz)
    for o, night_light in zip(lay.objects, lights):
        _draw(lay, S, cv, o, night_light)


def _seed_rng(seed: int | Sequence[int]) -> np.random.Generator:
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise ValueError(f"seed must be non-negative, got {seed}")
        return np.random.default_rng(int(seed))
    return np.random.default_rng([int(s) for s in seed])


#: Split names -> the split field of :func:`scene_key`.
SPLITS: dict[str, int] = {"train": 1, "test": 2}

_KEY_TAG = 0x5CE7E5  # non-zero last entry: SeedSequence ignores trailing zeros


def scene_key(seed: int, i: int, split: str = "train") -> tuple[int, int, int, int]:
    """The seed of scene ``i`` of a split: ``(seed, SPLITS[split], i, tag)``.

    Every collection in this module (:func:`render_scenes`,
    :func:`paired_tensors`, :func:`write_pix2pix`, :func:`write_triplets`)
    draws scene ``i`` of a split from this key, so the train and test splits
    never share a scene and in-memory tensors equal the files on disk. The
    key has a fixed length and a non-zero last entry because
    ``numpy.random.SeedSequence`` treats ``(s, 0)`` like ``s``.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLITS)}")
    if int(seed) < 0 or int(i) < 0:
        raise ValueError(f"seed and index must be non-negative, got seed={seed}, i={i}")
    return (int(seed), SPLITS[split], int(i), _KEY_TAG)


def render_scene(seed: int | Sequence[int], size: int = 128, ss: int = 2) -> Scene:
    """Render one street scene (day, night, labels, depth) from a seed.

    Args:
        seed: non-negative int, or a sequence of ints used as one
            ``numpy.random.SeedSequence`` entropy (collections use
            :func:`scene_key`).
        size: output height and width in pixels (square), >= 8.
        ss: supersampling factor per axis (anti-aliasing); 1 disables it.
    Returns:
        A :class:`Scene`; arrays are (size, size[, 3]).
    """
    size, ss = _check_size_ss(size, ss)
    rng = _seed_rng(seed)
    S = size * ss
    lay = _layout(rng, S)
    cv = _Canvas(S)
    _static(lay, S, ss, cv)
    _draw_objects(lay, S, cv)

    return _finish(lay, cv, rng, size, ss)


def _renderer(view: str):
    if view == "street":
        return render_scene
    if view == "facade":
        return render_facade
    raise ValueError(f"unknown view {view!r}; choose 'street' or 'facade'")


def render_scenes(
    n: int,
    size: int = 128,
    seed: int = 0,
    split: str = "train",
    ss: int = 2,
    view: str = "street",
) -> dict[str, np.ndarray]:
    """Render ``n`` scenes; scene ``i`` is ``render_scene(scene_key(seed, i, split), size, ss)``.

    Args:
        view: ``"street"`` (:func:`render_scene`) or ``"facade"`` (:func:`render_facade`).
    Returns:
        dict of stacked arrays: ``photo`` (n, H, W, 3) uint8, ``labels`` (n, H, W)
        int64, ``label_rgb`` (n, H, W, 3) uint8, ``depth`` (n, H, W) float32,
        ``night`` (n, H, W, 3) uint8.
    """
    render = _renderer(view)
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    scenes = [render(scene_key(seed, i, split), size, ss) for i in range(int(n))]
    names = ("photo", "labels", "label_rgb", "depth", "night")
    if not scenes:
        empty = render(scene_key(seed, 0, split), size, ss)
        return {k: np.zeros((0,) + getattr(empty, k).shape, getattr(empty, k).dtype) for k in names}
    return {k: np.stack([getattr(s, k) for s in scenes]) for k in names}


# --------------------------------------------------------------------------- #
# paired data for the trainers and on disk


def _task(task: str) -> tuple[str, str]:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    return TASKS[task]


def paired_tensors(
    n: int,
    size: int = 128,
    task: str = "labels2photo",
    seed: int = 0,
    split: str = "train",
    view: str = "street",
):
    """Aligned pairs as tensors for pix2pix / CycleGAN trainers.

    Args:
        n: number of scenes.
        size: image size in pixels.
        task: one of :data:`TASKS` (``labels2photo``, ``photo2labels``,
            ``day2night``, ``night2day``).
        seed, split: scene ``i`` is ``render_scene(scene_key(seed, i, split), size)``,
            the same scene as file ``i`` of that split from :func:`write_pix2pix`.
        view: ``"street"`` or ``"facade"`` (see :func:`render_scenes`).
    Returns:
        ``(A, B)``: float32 tensors (n, 3, size, size) in [-1, 1]; ``A[i]`` and
        ``B[i]`` are the two sides of the same scene.
    """
    a_key, b_key = _task(task)
    data = render_scenes(n, size, seed, split, view=view)

    def to_t(x: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).float()
        return t / 127.5 - 1.0

    return to_t(data[a_key]), to_t(data[b_key])


def write_pix2pix(
    root: str | Path,
    n_train: int,
    n_test: int,
    size: int = 128,
    task: str = "labels2photo",
    seed: int = 0,
    view: str = "street",
) -> Path:
    """Write pix2pix-style aligned pairs: ``root/{train,test}/NNNNN.png`` = A | B.

    Each PNG is (size, 2 * size) RGB with A on the left and B on the right,
    the layout of the pix2pix reference datasets (facades, cityscapes,
    night2day). ``view="facade"`` writes frontal building fronts
    (:func:`render_facade`), the Facades stand-in. File ``i`` of a split is
    scene ``scene_key(seed, i, split)``,
    so the splits never share a scene and the files equal
    :func:`paired_tensors` of the same split.

    Returns:
        ``root`` as a Path.
    """
    a_key, b_key = _task(task)
    render = _renderer(view)
    root = Path(root)
    for split, n in (("train", n_train), ("test", n_test)):
        d = root / split
        d.mkdir(parents=True, exist_ok=True)
        for i in range(int(n)):
            s = render(scene_key(seed, i, split), size)
            ab = np.concatenate([getattr(s, a_key), getattr(s, b_key)], axis=1)
            Image.fromarray(ab).save(d / f"{i:05d}.png")
    return root


def write_triplets(
    root: str | Path,
    n_train: int,
    n_test: int,
    size: int = 128,
    seed: int = 0,
    view: str = "street",
) -> Path:
    """Write RGB / depth / segmentation triplets (SceneNet RGB-D style, thesis Section 4.6.1).

    Layout, for split in ``train`` and ``test`` (scene ``i`` of a split is
    ``render_scene(scene_key(seed, i, split))``, or :func:`render_facade` with
    ``view="facade"``, as in :func:`write_pix2pix`)::

        root/split/rgb/NNNNN.png        day photo, RGB 8-bit
        root/split/night/NNNNN.png      night photo, RGB 8-bit
        root/split/depth/NNNNN.png      16-bit grey: round(depth_m * DEPTH_PNG_SCALE)
        root/split/labels/NNNNN.png     8-bit grey: class ids into CLASSES
        root/split/label_rgb/NNNNN.png  class colours (PALETTE)
        root/meta.json                  classes, palette, depth scale, sky depth

    Read depth back with :func:`read_depth_png`.
    """
    render = _renderer(view)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    meta = {
        "view": view,
        "classes": list(CLASSES),
        "palette": PALETTE.tolist(),
        "depth_png_scale": DEPTH_PNG_SCALE,
        "depth_unit": "metre",
        "sky_depth": SKY_DEPTH,
        "size": size,
        "seed": seed,
    }
    (root / "meta.json").write_text(json.dumps(meta, indent=1))
    for split, n in (("train", n_train), ("test", n_test)):
        dirs = {k: root / split / k for k in ("rgb", "night", "depth", "labels", "label_rgb")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for i in range(int(n)):
            s = render(scene_key(seed, i, split), size)
            name = f"{i:05d}.png"
            Image.fromarray(s.photo).save(dirs["rgb"] / name)
            Image.fromarray(s.night).save(dirs["night"] / name)
            Image.fromarray(s.label_rgb).save(dirs["label_rgb"] / name)
            Image.fromarray(s.labels.astype(np.uint8), mode="L").save(dirs["labels"] / name)
            d16 = np.clip(np.rint(s.depth * DEPTH_PNG_SCALE), 0, 65535).astype(np.uint16)
            Image.fromarray(d16).save(dirs["depth"] / name)
    return root


def read_depth_png(path: str | Path) -> np.ndarray:
    """Read a depth PNG written by :func:`write_triplets`: (H, W) float32 metres."""
    a = np.asarray(Image.open(path))
    if a.dtype not in (np.uint16, np.int32, np.uint8) or a.ndim != 2:
        raise ValueError(
            f"{path}: expected a single-channel 16-bit depth PNG, got {a.dtype} {a.shape}"
        )
    return a.astype(np.float32) / DEPTH_PNG_SCALE
