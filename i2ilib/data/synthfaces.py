"""SynthFaces: a procedural stand-in for CelebA with the ground truth CelebA cannot give.

CelebA (Liu et al. 2015) labels 40 binary attributes per photo, but never shows the same
person, pose and light with and without an attribute. SynthFaces does: every image is rendered
from an identity, a pose and attribute values (:mod:`i2ilib.data.synthfaces_render`), so the
**true counterpart** of any image -- what the implicit-pairs paper (Ginger et al. 2019,
Sec. 3.2) calls a pair -- can be rendered on demand, and it differs from the image only where
the attribute lives.

Main entry points:

- :func:`sample_identity`, :func:`sample_pose`, :func:`render_face` (re-exported from the
  renderer);
- :func:`render_true_pair` -- one identity and pose, without and with an attribute, plus the
  attribute's region;
- :func:`make_synthfaces` -- a CelebA-like set (:class:`SynthFacesSet`): images, the 40
  attribute columns in CelebA's order (+1 / -1), identities, landmarks, boxes, partition;
- :func:`i2ilib.data.celeba_format.write_celeba` / ``read_celeba`` -- CelebA's on-disk layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from i2ilib.data.synthfaces_render import (
    BEARD_STYLES,
    GLASSES_SHAPES,
    HAIR_STYLES,
    RENDERED_ATTRIBUTES,
    Face,
    GlassesStyle,
    Identity,
    Pose,
    default_attributes,
    render_face,
    resolve_attributes,
    sample_identity,
    sample_pose,
)

__all__ = [
    "BEARD_STYLES",
    "CELEBA_ATTRIBUTES",
    "DEFAULT_ATTRIBUTE_PROBS",
    "GLASSES_SHAPES",
    "HAIR_STYLES",
    "IDENTITY_LEVEL_ATTRIBUTES",
    "RENDERED_ATTRIBUTES",
    "Face",
    "GlassesStyle",
    "Identity",
    "Pose",
    "SynthFacesSet",
    "TruePair",
    "celeba_labels",
    "default_attributes",
    "images_to_tensor",
    "make_synthfaces",
    "render_face",
    "render_true_pair",
    "sample_identity",
    "sample_pose",
]

#: CelebA's 40 attribute columns, in the order of ``list_attr_celeba.txt``.
CELEBA_ATTRIBUTES: tuple[str, ...] = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair",
    "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair",
    "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache",
    "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline",
    "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings",
    "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young",
)  # fmt: skip

#: Attributes that belong to a person: drawn once per identity by :func:`make_synthfaces`.
IDENTITY_LEVEL_ATTRIBUTES: tuple[str, ...] = ("Male", "Pale_Skin", "Blond_Hair", "Black_Hair")

#: Per-image probabilities used by :func:`make_synthfaces` (``Heavy_Makeup`` is for women;
#: men get a twentieth of it).
DEFAULT_ATTRIBUTE_PROBS: dict[str, float] = {
    "Eyeglasses": 0.3,
    "Smiling": 0.5,
    "Bangs": 0.2,
    "Wearing_Hat": 0.08,
    "Mouth_Slightly_Open": 0.25,
    "Heavy_Makeup": 0.45,
}


def celeba_labels(identity: Identity, values: dict[str, float]) -> np.ndarray:
    """CelebA's 40 labels (+1 / -1, int8, CelebA's column order) for a rendering.

    The 10 rendered attributes come from ``values`` (graded ones are on at >= 0.5); others
    are derived from the identity where the renderer draws something that matches them
    (beard style -> ``Goatee``/``Mustache``/``No_Beard``/``Sideburns``/``5_o_Clock_Shadow``,
    hair style -> ``Bald``/``Wavy_Hair``/``Straight_Hair``, make-up -> ``Wearing_Lipstick``/
    ``Rosy_Cheeks``, a smile -> ``High_Cheekbones``, open mouth when smiling with teeth);
    attributes SynthFaces does not model (``Attractive``, ``Blurry``, jewellery ...) are -1
    and ``Young`` is +1.
    """
    v = resolve_attributes(identity, values)
    on = {k: v[k] >= 0.5 for k in v}
    male = on["Male"]
    hair = (
        "blond" if on["Blond_Hair"] else "black" if on["Black_Hair"] else
        ("brown" if identity.hair_colour in ("blond", "black") else identity.hair_colour)
    )  # fmt: skip
    brow = identity.brow_thick * (1.35 if male and not identity.male else 1.0)
    brow = brow * (0.8 if identity.male and not male else 1.0)
    derived = {
        "5_o_Clock_Shadow": male and identity.beard == "stubble",
        "Arched_Eyebrows": identity.brow_arch > 0.02,
        "Bald": identity.hair_style == "bald" and not on["Wearing_Hat"],
        "Big_Lips": identity.lip_upper + identity.lip_lower > 0.052,
        "Big_Nose": identity.nose_w > 0.05,
        "Brown_Hair": hair in ("brown", "dark_brown", "auburn") and identity.hair_style != "bald",
        "Bushy_Eyebrows": brow > 0.021,
        "Goatee": male and identity.beard == "goatee",
        "Gray_Hair": hair == "gray" and identity.hair_style != "bald",
        "High_Cheekbones": on["Smiling"],
        "Mouth_Slightly_Open": on["Mouth_Slightly_Open"] or on["Smiling"],
        "Mustache": male and identity.beard in ("full", "goatee"),
        "Narrow_Eyes": identity.eye_h < 0.029,
        "No_Beard": not (male and identity.beard in ("full", "goatee")),
        "Oval_Face": identity.face_h / identity.face_w > 1.35,
        "Pointy_Nose": identity.nose_w < 0.041,
        "Receding_Hairline": identity.hairline > -0.32 and identity.hair_style not in ("bald",),
        "Rosy_Cheeks": on["Heavy_Makeup"],
        "Sideburns": male and identity.beard == "full",
        "Straight_Hair": identity.hair_style in ("long", "bob", "short"),
        "Wavy_Hair": identity.hair_style == "curly",
        "Wearing_Lipstick": on["Heavy_Makeup"],
        "Young": True,
    }
    out = np.full(len(CELEBA_ATTRIBUTES), -1, np.int8)
    for j, name in enumerate(CELEBA_ATTRIBUTES):
        if name in derived:
            flag = derived[name]
        elif name in on:
            flag = on[name]
        else:
            flag = False
        out[j] = 1 if flag else -1
    return out


@dataclass
class TruePair:
    """One identity and pose rendered without (``off``) and with (``on``) an attribute.

    ``region`` (H, W) bool is where the attribute's layers touch either image: outside it the
    two images are identical, pixel for pixel.
    """

    off: Face
    on: Face
    region: np.ndarray
    attribute: str


def render_true_pair(
    identity: Identity,
    attribute: str,
    pose: Pose | None = None,
    attributes: dict[str, bool | float] | None = None,
    size: int = 64,
    on_value: float = 1.0,
    off_value: float = 0.0,
) -> TruePair:
    """Render the true pair of ``attribute`` for one identity and pose.

    Args:
        identity: the person.
        attribute: one of :data:`RENDERED_ATTRIBUTES`.
        pose: the photo's pose (canonical if ``None``).
        attributes: values of the other attributes, shared by both images.
        size: image side in pixels.
        on_value, off_value: the attribute's value in the two images (graded attributes
            such as ``Smiling`` accept anything in [0, 1]).

    Raises:
        ValueError: if ``attribute`` is not rendered by SynthFaces.
    """
    if attribute not in RENDERED_ATTRIBUTES:
        raise ValueError(
            f"Unknown attribute {attribute!r}: true pairs exist for {', '.join(RENDERED_ATTRIBUTES)}."
        )
    base = dict(attributes or {})
    off = render_face(identity, {**base, attribute: off_value}, pose, size, return_masks=True)
    on = render_face(identity, {**base, attribute: on_value}, pose, size, return_masks=True)
    region = off.masks[attribute] | on.masks[attribute]
    return TruePair(off=off, on=on, region=region, attribute=attribute)


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) or (H, W, 3) -> float32 in [-1, 1], (N, 3, H, W) or (3, H, W)."""
    t = torch.from_numpy(np.ascontiguousarray(images)).float().div_(127.5).sub_(1.0)
    return t.permute(0, 3, 1, 2).contiguous() if t.ndim == 4 else t.permute(2, 0, 1).contiguous()


@dataclass
class SynthFacesSet:
    """A CelebA-like set of SynthFaces.

    Attributes:
        images: uint8 (N, H, W, 3).
        attrs: int8 (N, 40), +1 / -1, columns :data:`CELEBA_ATTRIBUTES`.
        identity: int64 (N,), person numbers starting at 1 (as in ``identity_CelebA.txt``).
        landmarks: float32 (N, 5, 2) (x, y) pixels: left eye, right eye, nose, mouth corners.
        bboxes: float32 (N, 4) (x_1, y_1, width, height) of the head, in pixels.
        partition: int8 (N,), 0 train / 1 valid / 2 test, split by identity.
        values: attribute name -> float32 (N,) rendered values (``Smiling`` is graded).
        identities: the :class:`Identity` of each person (index ``identity - 1``).
        poses: the :class:`Pose` of each image, so any image can be re-rendered.
    """

    images: np.ndarray
    attrs: np.ndarray
    identity: np.ndarray
    landmarks: np.ndarray
    bboxes: np.ndarray
    partition: np.ndarray
    values: dict[str, np.ndarray]
    identities: list[Identity]
    poses: list[Pose]
    attr_names: tuple[str, ...] = field(default=CELEBA_ATTRIBUTES)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    def column(self, name: str) -> np.ndarray:
        """The +1 / -1 column of attribute ``name`` (N,)."""
        if name not in self.attr_names:
            raise ValueError(f"Unknown CelebA attribute {name!r}; columns are {self.attr_names}.")
        return self.attrs[:, self.attr_names.index(name)]

    def where(self, name: str, value: bool = True) -> np.ndarray:
        """Indices of the images whose attribute ``name`` is ``value``."""
        return np.flatnonzero(self.column(name) == (1 if value else -1))

    def attribute_values(self, i: int) -> dict[str, float]:
        """The rendered attribute values of image ``i``."""
        return {k: float(v[i]) for k, v in self.values.items()}

    def render(self, i: int, size: int | None = None, **changes: float) -> Face:
        """Re-render image ``i`` (same person and pose), with some attributes changed.

        ``ds.render(i, Eyeglasses=0)`` is the true counterpart of a face with glasses.
        """
        vals = self.attribute_values(i)
        vals.update(changes)
        ident = self.identities[int(self.identity[i]) - 1]
        return render_face(ident, vals, self.poses[i], size or self.size)

    def true_counterpart(self, i: int, attribute: str) -> np.ndarray:
        """Image ``i`` with ``attribute`` switched to its opposite (uint8 (H, W, 3))."""
        v = self.values[attribute][i]
        return self.render(i, **{attribute: 0.0 if v >= 0.5 else 1.0}).image

    def tensors(self, indices=None) -> torch.Tensor:
        """Images as float32 in [-1, 1], (N, 3, H, W)."""
        imgs = self.images if indices is None else self.images[np.asarray(indices)]
        return images_to_tensor(imgs)

    def subset(self, indices) -> SynthFacesSet:
        """A new set with the images at ``indices`` (identities list is shared)."""
        idx = np.asarray(indices, dtype=np.int64)
        return SynthFacesSet(
            images=self.images[idx],
            attrs=self.attrs[idx],
            identity=self.identity[idx],
            landmarks=self.landmarks[idx],
            bboxes=self.bboxes[idx],
            partition=self.partition[idx],
            values={k: v[idx] for k, v in self.values.items()},
            identities=self.identities,
            poses=[self.poses[int(i)] for i in idx],
            attr_names=self.attr_names,
        )


def _check_probs(probs: dict[str, float]) -> None:
    for k, p in probs.items():
        if k not in RENDERED_ATTRIBUTES:
            raise ValueError(
                f"attribute_probs has unknown attribute {k!r}; use {', '.join(RENDERED_ATTRIBUTES)}."
            )
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"attribute_probs[{k!r}] = {p} is not a probability in [0, 1].")


def sample_image_attributes(
    identity: Identity, rng: np.random.Generator, probs: dict[str, float]
) -> dict[str, float]:
    """Draw one image's transient attributes (graded ``Smiling`` in [0, 1])."""
    v: dict[str, float] = {}
    for name, p in probs.items():
        if name in IDENTITY_LEVEL_ATTRIBUTES:
            continue
        if name == "Heavy_Makeup" and identity.male:
            p = p / 20.0
        on = bool(rng.random() < p)
        if name == "Smiling":
            v[name] = float(rng.uniform(0.6, 1.0) if on else rng.uniform(0.0, 0.2))
        elif name == "Bangs" and identity.hair_style in ("bald", "buzz"):
            v[name] = 0.0
        else:
            v[name] = float(on)
    return v


def make_synthfaces(
    n_identities: int,
    images_per_identity: int,
    size: int = 64,
    seed: int = 0,
    attribute_probs: dict[str, float] | None = None,
    pose_jitter: float = 1.0,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> SynthFacesSet:
    """Render a CelebA-like set of ``n_identities * images_per_identity`` faces.

    Identity-level attributes (``Male``, ``Pale_Skin``, hair colour) are the person's own
    unless ``attribute_probs`` names them, in which case they are drawn once per person;
    the others are drawn per image with :data:`DEFAULT_ATTRIBUTE_PROBS` overridden by
    ``attribute_probs``. The partition is by identity (about ``split`` of the people in
    train / valid / test). Identity ``k`` depends only on ``(seed, k)``, so a larger set
    extends a smaller one.

    Raises:
        ValueError: on non-positive counts or probabilities outside [0, 1].
    """
    if n_identities < 1 or images_per_identity < 1:
        raise ValueError(
            f"Need n_identities >= 1 and images_per_identity >= 1, got {n_identities}, "
            f"{images_per_identity}."
        )
    if len(split) != 3 or min(split) < 0 or sum(split) <= 0:
        raise ValueError(f"split must be three non-negative fractions, got {split}.")
    probs = dict(DEFAULT_ATTRIBUTE_PROBS)
    probs.update(attribute_probs or {})
    _check_probs(probs)
    n = n_identities * images_per_identity
    images = np.empty((n, size, size, 3), np.uint8)
    attrs = np.empty((n, len(CELEBA_ATTRIBUTES)), np.int8)
    landmarks = np.empty((n, 5, 2), np.float32)
    bboxes = np.empty((n, 4), np.float32)
    identity = np.repeat(np.arange(1, n_identities + 1, dtype=np.int64), images_per_identity)
    values = {k: np.empty(n, np.float32) for k in RENDERED_ATTRIBUTES}
    identities: list[Identity] = []
    poses: list[Pose] = []
    children = np.random.SeedSequence(seed).spawn(n_identities)
    cuts = np.cumsum(np.asarray(split, float) / sum(split))
    part_of_person = np.empty(n_identities, np.int8)
    k = 0
    for p_idx, child in enumerate(children):
        rng = np.random.default_rng(child)
        ident = sample_identity(rng)
        own = {}
        for name in IDENTITY_LEVEL_ATTRIBUTES:
            if name in (attribute_probs or {}):
                own[name] = float(rng.random() < probs[name])
        identities.append(ident)
        u = rng.random()
        part_of_person[p_idx] = int(np.searchsorted(cuts, u, side="right").clip(0, 2))
        for _ in range(images_per_identity):
            pose = sample_pose(rng, pose_jitter)
            vals = resolve_attributes(ident, {**own, **sample_image_attributes(ident, rng, probs)})
            face = render_face(ident, vals, pose, size)
            images[k] = face.image
            landmarks[k] = face.landmarks
            bboxes[k] = face.bbox
            attrs[k] = celeba_labels(ident, vals)
            for name in RENDERED_ATTRIBUTES:
                values[name][k] = vals[name]
            poses.append(pose)
            k += 1
    partition = np.repeat(part_of_person, images_per_identity)
    return SynthFacesSet(
        images=images,
        attrs=attrs,
        identity=identity,
        landmarks=landmarks,
        bboxes=bboxes,
        partition=partition,
        values=values,
        identities=identities,
        poses=poses,
    )
