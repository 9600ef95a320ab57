"""Pseudo-pair models M(b) ≈ a and the dataset configurations of the implicit-pairs paper.

Ginger et al. 2019, Sec. 3.3: "we assume we are provided with a model M(b) ≈ a that takes
samples b ∈ B and generates samples that approximate samples a ∈ A". Two models, both for
face tasks where the forward direction is easy to fake and the inverse is what we want to
learn:

- :func:`pseudo_eyeglasses` -- the paper's geometric heuristic, exactly as stated in Sec. 4.2;
- :func:`pseudo_smile` -- pastes one of a small closed set of smile templates at the mouth
  landmarks. The paper used the portrait-animation technique of Averbuch-Elor et al. 2017
  ([4]) and notes that "the generation model M(b) is based on a closed set of smile
  templates" (Sec. 4.2); ours is deliberately cruder in the same way: fixed template
  colours, no cheek or eye change.

:func:`build_config` / :func:`build_configs` assemble the paper's datasets (Sec. 4.2,
"Pseudo-pairs experimental setup", "Comparing implicit pseudo-pairs to baseline methods",
"Pseudo-pairs ratio analysis") from SynthFaces, with the true counterpart of every test image.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from i2ilib.data.pairing import UnalignedDataset, n_paired_for
from i2ilib.data.synthfaces import DEFAULT_ATTRIBUTE_PROBS, sample_image_attributes
from i2ilib.data.synthfaces_render import (
    Identity,
    render_face,
    resolve_attributes,
    sample_identity,
    sample_pose,
)

__all__ = [
    "AUGMENTATION_CONFIGS",
    "CONFIG_NAMES",
    "RATIO_CONFIGS",
    "SMILE_TEMPLATES",
    "TASKS",
    "PseudoGlassesParams",
    "PseudoPairedConfig",
    "PseudoSmileParams",
    "SmileTemplate",
    "build_config",
    "build_configs",
    "pseudo_eyeglasses",
    "pseudo_smile",
]

# --------------------------------------------------------------------------------------------
# M(b) for eyeglasses


@dataclass(frozen=True)
class PseudoGlassesParams:
    """The sampled parameters of one pseudo-eyeglasses rendering (pixels at the image's
    resolution): ellipse ``height`` h and ``width`` w, ``transparency`` (the blending
    coefficient of the dark frames), ``bridge_width``, and ``scale`` = image width / 128."""

    height: float
    width: float
    transparency: float
    bridge_width: float
    scale: float


def _soft(d: np.ndarray) -> np.ndarray:
    return np.clip(0.5 - d, 0.0, 1.0)


def pseudo_eyeglasses(
    image: np.ndarray,
    landmarks: np.ndarray,
    rng: np.random.Generator,
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> tuple[np.ndarray, PseudoGlassesParams]:
    """The eyeglasses heuristic M(b) of Ginger et al. 2019, Sec. 4.2:

        "Using the available facial landmarks, we generate ellipses around the eyes by
        sampling a random height h in the range of [10, 25] pixels, a random width in the
        range of [h/2, 2·h] and a transparency coefficient in the range [0.1, 1.0]. The two
        ellipses are connected by a line with the same transparency and with width in the
        range of [h/5, h/2]."

    The pixel ranges are the paper's at 128 x 128 and are scaled by ``W / 128``. Both ellipses
    are centred on the eye landmarks with axes aligned to the image; the line joins their
    inner edges through the eye centres. Ellipses and line are filled with ``colour`` and
    alpha-blended with the transparency coefficient as opacity (1.0 = opaque); overlaps are
    blended once. Edges are anti-aliased over one pixel.

    Args:
        image: uint8 (H, W, 3).
        landmarks: (5, 2) CelebA landmarks (x, y) in pixels; rows 0 and 1 are the eyes.
        rng: the source of the random parameters.
        colour: RGB in [0, 1] of the pseudo-frames.

    Returns:
        (uint8 (H, W, 3) image with pseudo-glasses, :class:`PseudoGlassesParams`).

    Raises:
        ValueError: wrong image or landmark shapes.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (H, W, 3), got {image.dtype} {image.shape}.")
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.shape != (5, 2):
        raise ValueError(f"landmarks must be (5, 2) CelebA points, got {lm.shape}.")
    H, W = image.shape[:2]
    scale = W / 128.0
    h = rng.uniform(10.0, 25.0) * scale
    w = rng.uniform(h / 2.0, 2.0 * h)
    t = rng.uniform(0.1, 1.0)
    bw = rng.uniform(h / 5.0, h / 2.0)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    cover = np.zeros((H, W))
    for ex, ey in lm[:2]:
        a, b = w / 2.0, h / 2.0
        dx, dy = (xx - ex) / a, (yy - ey) / b
        k = np.sqrt(dx * dx + dy * dy) + 1e-9
        grad = np.sqrt((dx / a) ** 2 + (dy / b) ** 2) / k + 1e-9
        cover = np.maximum(cover, _soft((k - 1.0) / grad))
    (lx, ly), (rx, ry) = sorted(map(tuple, lm[:2]))
    length = np.hypot(rx - lx, ry - ly) + 1e-9
    ux, uy = (rx - lx) / length, (ry - ly) / length
    # segment between the inner ends of the two ellipses (along the eye line)
    along = (xx - lx) * ux + (yy - ly) * uy
    across = -(xx - lx) * uy + (yy - ly) * ux
    half_w = w / 2.0
    seg = np.maximum(np.abs(across) - bw / 2.0, np.maximum(half_w * 0.9 - along, along - (length - half_w * 0.9)))
    cover = np.maximum(cover, _soft(seg))
    alpha = (t * cover)[..., None]
    out = image.astype(np.float64) * (1.0 - alpha) + 255.0 * np.asarray(colour) * alpha
    params = PseudoGlassesParams(
        height=float(h), width=float(w), transparency=float(t), bridge_width=float(bw), scale=scale
    )
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), params


# --------------------------------------------------------------------------------------------
# M(b) for smiles


@dataclass(frozen=True)
class SmileTemplate:
    """A smile in a canonical mouth frame: the neutral mouth corners are at u = ±1, v = 0
    (v downwards). ``lift`` raises the corners, ``opening`` parts the lips, ``teeth`` shows
    teeth, ``lip_rgb`` is the template's own (fixed) lip colour."""

    name: str
    lift: float
    opening: float
    teeth: bool
    lip_rgb: tuple[float, float, float]
    upper: float = 0.16
    lower: float = 0.24


#: The closed set of smile templates used by :func:`pseudo_smile`.
SMILE_TEMPLATES: tuple[SmileTemplate, ...] = (
    SmileTemplate("closed", lift=0.30, opening=0.0, teeth=False, lip_rgb=(0.78, 0.38, 0.40)),
    SmileTemplate("teeth", lift=0.40, opening=0.30, teeth=True, lip_rgb=(0.74, 0.34, 0.36)),
    SmileTemplate("grin", lift=0.55, opening=0.45, teeth=True, lip_rgb=(0.80, 0.42, 0.42)),
    SmileTemplate("open", lift=0.35, opening=0.55, teeth=False, lip_rgb=(0.70, 0.30, 0.34)),
)


def _template_rgba(t: SmileTemplate, u: np.ndarray, v: np.ndarray, px: float) -> tuple:
    """Colour (..., 3) and alpha (...) of template ``t`` at canonical coordinates (u, v)."""
    uc = np.clip(u, -1.0, 1.0)
    curve = np.clip(1.0 - uc * uc, 0.0, 1.0)
    line = -t.lift * uc * uc + 0.05 * curve
    gap_top = line - t.opening * 0.4 * curve**0.8
    gap_bot = line + t.opening * 0.6 * curve**0.8
    top = gap_top - t.upper * curve**0.6
    bot = gap_bot + t.lower * curve**0.7
    ends = np.clip(0.5 - (np.abs(u) - 1.0) / px, 0, 1)
    lips = np.clip(0.5 - (top - v) / px, 0, 1) * np.clip(0.5 - (v - bot) / px, 0, 1) * ends
    col = np.broadcast_to(np.asarray(t.lip_rgb), u.shape + (3,)).copy()
    if t.opening > 0:
        gap = np.clip(0.5 - (gap_top - v) / px, 0, 1) * np.clip(0.5 - (v - gap_bot) / px, 0, 1)
        gap = gap * np.clip(0.5 - (np.abs(u) - 0.92) / px, 0, 1)
        col = col * (1 - gap[..., None]) + np.array((0.15, 0.04, 0.05)) * gap[..., None]
        if t.teeth:
            tb = gap_top + (gap_bot - gap_top) * 0.6
            teeth = np.clip(0.5 - (gap_top - v) / px, 0, 1) * np.clip(0.5 - (v - tb) / px, 0, 1)
            teeth = teeth * np.clip(0.5 - (np.abs(u) - 0.75) / px, 0, 1)
            col = col * (1 - teeth[..., None]) + np.array((0.95, 0.94, 0.90)) * teeth[..., None]
    # a feathered skin-coloured-agnostic halo: the template also covers the old lips a little
    return col, lips


@dataclass(frozen=True)
class PseudoSmileParams:
    """The sampled parameters of one pseudo-smile: template index and name, the width factor
    relative to the neutral mouth, and the mouth angle (radians)."""

    template: int
    name: str
    widen: float
    angle: float


def pseudo_smile(
    image: np.ndarray,
    landmarks: np.ndarray,
    rng: np.random.Generator,
    templates: tuple[SmileTemplate, ...] = SMILE_TEMPLATES,
) -> tuple[np.ndarray, PseudoSmileParams]:
    """A crude smile model M(b): paste a smile from a closed set of templates at the mouth.

    A template (:data:`SMILE_TEMPLATES`) is chosen at random, scaled so that its corners sit
    ``widen`` ∈ [1.05, 1.25] times the neutral mouth width apart, rotated to the line through
    the two mouth-corner landmarks, and alpha-blended over the image. Like the paper's model
    (Sec. 4.2: "based on a closed set of smile templates") it is imperfect on purpose: the
    template's lip colour ignores the person's lips, the old mouth shows around the new one
    when the template is narrow, and cheeks, eyes and smile lines do not change.

    Args:
        image: uint8 (H, W, 3) neutral face.
        landmarks: (5, 2) CelebA landmarks; rows 3 and 4 are the mouth corners.
        rng: random source.
        templates: the closed set to draw from.

    Returns:
        (uint8 (H, W, 3) image, :class:`PseudoSmileParams`).
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (H, W, 3), got {image.dtype} {image.shape}.")
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.shape != (5, 2):
        raise ValueError(f"landmarks must be (5, 2) CelebA points, got {lm.shape}.")
    H, W = image.shape[:2]
    k = int(rng.integers(len(templates)))
    tpl = templates[k]
    widen = float(rng.uniform(1.05, 1.25))
    (lx, ly), (rx, ry) = lm[3], lm[4]
    cx, cy = (lx + rx) / 2.0, (ly + ry) / 2.0
    half = max(np.hypot(rx - lx, ry - ly) / 2.0, 1.0) * widen
    ang = float(np.arctan2(ry - ly, rx - lx))
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    c, s = np.cos(ang), np.sin(ang)
    u = (c * (xx - cx) + s * (yy - cy)) / half
    v = (-s * (xx - cx) + c * (yy - cy)) / half
    col, alpha = _template_rgba(tpl, u, v, 1.0 / half)
    a = alpha[..., None]
    out = image.astype(np.float64) * (1 - a) + 255.0 * col * a
    params = PseudoSmileParams(template=k, name=tpl.name, widen=widen, angle=ang)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), params


# --------------------------------------------------------------------------------------------
# dataset configurations (Sec. 4.2)

#: task -> (attribute that defines domain A, the pseudo-pair model M)
TASKS = {
    "eyeglass_removal": ("Eyeglasses", pseudo_eyeglasses),
    "smile_removal": ("Smiling", pseudo_smile),
}
#: The four augmentation settings of Table 4 (``ours`` = implicit pseudo-pairs) and the
#: pairing ratios of Table 5.
AUGMENTATION_CONFIGS = ("ours", "no_augmentation", "pseudo_unpaired", "natural")
RATIO_CONFIGS = ("ratio_0.25", "ratio_0.5", "ratio_0.75", "ratio_1.0")
CONFIG_NAMES = AUGMENTATION_CONFIGS + RATIO_CONFIGS


@dataclass
class PseudoPairedConfig:
    """One training configuration for an A -> B removal task (A has the attribute).

    Attributes:
        name, task, attribute: which configuration, task and CelebA attribute.
        A: uint8 (N_A, H, W, 3), shuffled; B: uint8 (N_B, H, W, 3), shuffled independently.
        A_kind: (N_A,) str: ``"real"``, ``"pseudo_paired"`` (M(b) for a b in B) or
            ``"pseudo_unpaired"`` (M(b') for a b' not in B).
        A_counterpart: int64 (N_A,): for pseudo-paired samples the index in ``B`` of the b
            they were made from, else -1 (metadata; the training loop must not see it).
        A_truth: uint8 (N_A, H, W, 3): the true B-domain counterpart of every A sample (the
            same face rendered without the attribute; for pseudo samples, their b).
        test_A, test_A_truth: held-out real A faces and their true counterparts.
        pseudo_params: parameters of M for each pseudo sample, in A order (None for real).
    """

    name: str
    task: str
    attribute: str
    A: np.ndarray
    B: np.ndarray
    A_kind: np.ndarray
    A_counterpart: np.ndarray
    A_truth: np.ndarray
    test_A: np.ndarray
    test_A_truth: np.ndarray
    pseudo_params: list = field(default_factory=list)

    @property
    def pairing_ratio(self) -> float:
        """Fraction of A that is pseudo-paired (the α of Sec. 4.2)."""
        return float(np.mean(self.A_kind == "pseudo_paired")) if len(self.A_kind) else 0.0

    def dataset(self, seed: int = 0) -> UnalignedDataset:
        """The training view: unaligned ``{"A", "B", "A_path", "B_path"}`` samples, no pairing."""
        return UnalignedDataset(self.A, self.B, seed=seed)

    def counts(self) -> dict[str, int]:
        out = {k: int(np.sum(self.A_kind == k)) for k in ("real", "pseudo_paired", "pseudo_unpaired")}
        out["B"] = int(self.B.shape[0])
        return out


def thicker_glasses(identity: Identity, scale: float) -> Identity:
    """``identity`` with the frames of its glasses ``scale`` times as thick (1: unchanged).

    At 64 px the SynthFaces frames are about one pixel wide (0.013-0.034 face units); a scale
    of 2 draws them two pixels wide, the larger rendering of the attribute that chapter 07's
    pilots try. The identity's random draws are untouched, so a face and its true counterpart
    stay the same person at any scale.
    """
    if scale <= 0:
        raise ValueError(f"glasses_scale must be positive, got {scale}.")
    if scale == 1.0:
        return identity
    style = replace(identity.glasses, thickness=identity.glasses.thickness * scale)
    return replace(identity, glasses=style)


class _Pool:
    """Lazily rendered stream of faces with the task attribute fixed on or off."""

    def __init__(self, key: tuple[int, ...], attribute: str, on: bool, size: int,
                 glasses_scale: float = 1.0):
        self.key, self.attribute, self.on, self.size = tuple(key), attribute, on, size
        self.glasses_scale = float(glasses_scale)
        self.cache: dict[int, tuple] = {}

    def _value(self, rng: np.random.Generator) -> float:
        if not self.on:
            return 0.0
        return float(rng.uniform(0.7, 1.0)) if self.attribute == "Smiling" else 1.0

    def get(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(image with the pool's setting, landmarks, the true counterpart image)."""
        if i not in self.cache:
            rng = np.random.default_rng([*self.key, i])
            ident = thicker_glasses(sample_identity(rng), self.glasses_scale)
            pose = sample_pose(rng)
            probs = {k: p for k, p in DEFAULT_ATTRIBUTE_PROBS.items() if k != self.attribute}
            if self.attribute == "Smiling":
                probs.pop("Mouth_Slightly_Open", None)
            vals = resolve_attributes(ident, sample_image_attributes(ident, rng, probs))
            vals[self.attribute] = self._value(rng)
            face = render_face(ident, vals, pose, self.size)
            self.cache[i] = (face, ident, pose, vals)
        face, ident, pose, vals = self.cache[i]
        return face.image, face.landmarks, (ident, pose, vals)

    def truth(self, i: int) -> np.ndarray:
        _, _, (ident, pose, vals) = self.get(i)
        flipped = dict(vals)
        flipped[self.attribute] = 0.0 if self.on else 1.0
        return render_face(ident, flipped, pose, self.size).image


def _config_plan(name: str, n_base: int, n_aug: int) -> dict[str, int]:
    """How many samples of each kind a configuration takes (Sec. 4.2).

    Keys: ``real_A`` (from the A pool), ``paired`` (M(b) for b = B pool 0..paired-1),
    ``unpaired`` (M(b') for b' from the extra-B pool), ``B`` (from the B pool).
    """
    n, m = n_base, n_aug
    if name == "no_augmentation":  # (i)
        return {"real_A": n, "paired": 0, "unpaired": 0, "B": n}
    if name == "ours":  # M(b) for each b in B: a 50% pseudo-paired A when n_aug = n_base
        return {"real_A": n, "paired": m, "unpaired": 0, "B": n}
    if name == "pseudo_unpaired":  # (ii) pseudo samples whose real b are not in the set
        return {"real_A": n, "paired": 0, "unpaired": m, "B": n}
    if name == "natural":  # (iii) more real A images
        return {"real_A": n + m, "paired": 0, "unpaired": 0, "B": n}
    if name.startswith("ratio_"):
        try:
            alpha = float(name.split("_", 1)[1])
        except ValueError:
            alpha = -1.0
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"Unknown configuration {name!r}: a ratio must be ratio_α with α in [0, 1].")
        total = n + m
        k = n_paired_for(alpha, total)
        if k <= m:  # e.g. alpha = 0.25: half of the augmentation paired, half unpaired
            return {"real_A": n, "paired": k, "unpaired": m - k, "B": max(n, k)}
        # alpha > 0.5: remove real A samples and add more pseudo-pairs (0.75: 500 + 1500)
        return {"real_A": total - k, "paired": k, "unpaired": 0, "B": max(n, k)}
    raise ValueError(f"Unknown configuration {name!r}; choose from {', '.join(CONFIG_NAMES)}.")


def build_configs(
    task: str,
    names: tuple[str, ...] = CONFIG_NAMES,
    n_base: int = 1000,
    n_aug: int = 1000,
    n_test: int = 200,
    size: int = 64,
    seed: int = 0,
    glasses_scale: float = 1.0,
) -> dict[str, PseudoPairedConfig]:
    """Build the paper's dataset configurations for ``task`` from one shared pool of faces.

    Sec. 4.2: "we sample 1000 unpaired samples from CelebA from each domain, which we augment
    with another 1000 samples according to the augmentation method" (``n_base``, ``n_aug``):

    - ``ours``: "for each sample in domain B, a paired pseudo-sample using M(b)" added to A
      (A = n_base real + n_aug pseudo-paired, a 50% pairing ratio; needs n_aug <= n_base);
    - ``no_augmentation`` (i); ``pseudo_unpaired`` (ii): "pseudo-samples whose paired real
      samples are not in the dataset"; ``natural`` (iii): "more real images";
    - ``ratio_α`` for α in 0.25, 0.5, 0.75, 1.0 (Table 5): α of the n_base + n_aug A samples
      are pseudo-pairs. "To create a α = 0.25 pseudo-paired dataset, half of the
      augmentation samples are paired and the other half are unpaired. [...] the 0.75-pseudo-
      paired dataset has 500 unpaired real samples augmented with 1500 pseudo-pairs."
      The paper does not give |B| above α = 0.5; here B holds the real b of every pseudo-pair
      plus real B faces up to n_base: |B| = max(n_base, α (n_base + n_aug)).

    Every configuration draws from the same pools (same seed), so they differ only in the
    composition the paper varies. Domain A has the attribute (eyeglasses / smiling); the
    task is A -> B.

    ``glasses_scale`` draws the real glasses' frames that many times as thick
    (:func:`thicker_glasses`; 1, the default, is the book's rendering).

    Raises:
        ValueError: unknown task or configuration, non-positive sizes, or ``ours`` with
            n_aug > n_base.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose from {', '.join(TASKS)}.")
    if min(n_base, n_test) < 1 or n_aug < 0:
        raise ValueError(f"Need n_base >= 1, n_aug >= 0, n_test >= 1; got {n_base}, {n_aug}, {n_test}.")
    if glasses_scale <= 0:
        raise ValueError(f"glasses_scale must be positive, got {glasses_scale}.")
    attribute, model = TASKS[task]
    plans = {nm: _config_plan(nm, n_base, n_aug) for nm in names}
    if "ours" in plans and n_aug > n_base:
        raise ValueError(f"'ours' pairs every augmentation with a b in B: needs n_aug <= n_base, got {n_aug} > {n_base}.")
    t = list(TASKS).index(task)
    pool_a = _Pool((seed, t, 0), attribute, True, size, glasses_scale)
    pool_b = _Pool((seed, t, 1), attribute, False, size, glasses_scale)
    pool_b_extra = _Pool((seed, t, 2), attribute, False, size, glasses_scale)
    pool_test = _Pool((seed, t, 3), attribute, True, size, glasses_scale)
    test_A = np.stack([pool_test.get(i)[0] for i in range(n_test)])
    test_truth = np.stack([pool_test.truth(i) for i in range(n_test)])
    out = {}
    for nm, plan in plans.items():
        rng = np.random.default_rng([seed, t, 4, zlib.crc32(nm.encode())])
        a_imgs, a_kind, a_cp, a_truth, params = [], [], [], [], []
        for i in range(plan["real_A"]):
            a_imgs.append(pool_a.get(i)[0])
            a_truth.append(pool_a.truth(i))
            a_kind.append("real")
            a_cp.append(-1)
            params.append(None)
        for j in range(plan["paired"]):
            img, lm, _ = pool_b.get(j)
            fake, p = model(img, lm, np.random.default_rng([seed, t, 5, j]))
            a_imgs.append(fake)
            a_truth.append(img)
            a_kind.append("pseudo_paired")
            a_cp.append(j)
            params.append(p)
        for j in range(plan["unpaired"]):
            img, lm, _ = pool_b_extra.get(j)
            fake, p = model(img, lm, np.random.default_rng([seed, t, 6, j]))
            a_imgs.append(fake)
            a_truth.append(img)
            a_kind.append("pseudo_unpaired")
            a_cp.append(-1)
            params.append(p)
        b_imgs = [pool_b.get(j)[0] for j in range(plan["B"])]
        pa = rng.permutation(len(a_imgs))
        pb = rng.permutation(len(b_imgs))
        pos_b = np.empty(len(b_imgs), np.int64)
        pos_b[pb] = np.arange(len(b_imgs))
        cp = np.asarray(a_cp, np.int64)[pa]
        cp = np.where(cp >= 0, pos_b[np.maximum(cp, 0)], -1)
        out[nm] = PseudoPairedConfig(
            name=nm,
            task=task,
            attribute=attribute,
            A=np.stack(a_imgs)[pa],
            B=np.stack(b_imgs)[pb],
            A_kind=np.asarray(a_kind)[pa],
            A_counterpart=cp,
            A_truth=np.stack(a_truth)[pa],
            test_A=test_A,
            test_A_truth=test_truth,
            pseudo_params=[params[int(i)] for i in pa],
        )
    return out


def build_config(task: str, name: str, **kwargs) -> PseudoPairedConfig:
    """One configuration; see :func:`build_configs` for the arguments."""
    return build_configs(task, (name,), **kwargs)[name]
