"""The book's attribute classifier for SynthFaces: does a face wear glasses, does it smile?

The implicit-pairs paper (Ginger et al. 2019, Sec. 4.2) measures how well eyeglass and smile
removal keep the person (InfoSim, Tables 4, 5 and 7), but it could judge whether a translation
*completed its task* -- are the glasses gone, is the smile gone? -- only by asking people (the
user study of Table 6). On SynthFaces the book can measure it: this module's small CNN,
``synthattr-v1``, is trained (:mod:`i2ilib.metrics.train_attributes`) on rendered faces whose
attributes are known, and :func:`task_completion` is the fraction of translated faces it no
longer sees the attribute on.

Attribute names are CelebA's (``Eyeglasses``, ``Smiling``), the names SynthFaces and the
pseudo-pair tasks (:data:`i2ilib.data.pseudopairs.TASKS`) use; the functions here also accept
them in lower case (``"eyeglasses"``, ``"smiling"``).

The classifier has seen only real SynthFaces renderings, never the pseudo-glasses or pasted
smiles of :mod:`i2ilib.data.pseudopairs`; its record (:func:`face_attribute_record`) says how
it rates those, which tells whether a translation can fool it by producing pseudo-pair-like
artefacts.

The weights ship with the package (``i2ilib/assets/synthattr_v1.pt``, float16) next to a JSON
record of how they were trained and validated; ``python -m i2ilib.metrics.train_attributes``
reproduces them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
from torch import nn

from .assets import load_frozen, read_record
from .identity import check_face_batch
from .synthnet import down_stage

ASSET_WEIGHTS = "synthattr_v1.pt"
ASSET_RECORD = "synthattr_v1.json"
_TRAIN_MODULE = "i2ilib.metrics.train_attributes"
INPUT_SIZE = 64
#: Smallest face side accepted (smaller crops are upsampled too far to be judged).
MIN_SIZE = 32
#: The attributes the classifier reads, in the order of its logits (CelebA's names).
ATTRIBUTES: tuple[str, ...] = ("Eyeglasses", "Smiling")
#: A face "has" an attribute when its probability is at least this.
THRESHOLD = 0.5


def attribute_name(attribute: str) -> str:
    """The canonical (CelebA) name of ``attribute``, matched case-insensitively.

    Raises:
        ValueError: if the classifier does not read ``attribute``.
    """
    for name in ATTRIBUTES:
        if isinstance(attribute, str) and attribute.lower() == name.lower():
            return name
    raise ValueError(
        f"Unknown attribute {attribute!r}: the SynthFaces attribute classifier reads "
        f"{', '.join(repr(a) for a in ATTRIBUTES)} (case-insensitive)"
    )


def check_attribute_batch(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Check a classifier input: float ``(B, 3, H, H)`` in [-1, 1] with ``H >= 32``.

    Raises:
        TypeError: if ``images`` is not a tensor.
        ValueError: wrong dimensions, channels, dtype, range, or a non-square / too small image
            (the message says how to fix it).
    """
    x = check_face_batch(images, name)
    h, w = x.shape[-2:]
    if h != w:
        raise ValueError(
            f"{name} must be square face crops (H == W, aligned like CelebA's), got {h} x {w}; "
            "crop or resize them to 64 x 64"
        )
    if h < MIN_SIZE:
        raise ValueError(
            f"{name} are {h} x {w} pixels, too small to judge glasses or a smile; the classifier "
            f"needs at least {MIN_SIZE} x {MIN_SIZE} (it works at {INPUT_SIZE} x {INPUT_SIZE})"
        )
    return x


class FaceAttributeNet(nn.Module):
    """Four stride-2 stages (16-32-64-128 channels) at 64 px, then a linear map of the whole
    ``4 x 4`` feature map to one logit per attribute in :data:`ATTRIBUTES`.

    No global pooling: faces are aligned, so *where* a feature is (frames across the eyes,
    lifted mouth corners) is part of the evidence.

    ``forward(images)``: ``(B, 3, H, H)`` in [-1, 1] (square, ``H >= 32``; resized to 64 x 64
    with antialiasing) -> ``(B, 2)`` logits, columns ``("Eyeglasses", "Smiling")``.

    Args:
        width: channels of the first stage (doubled at each later stage).

    Raises:
        TypeError, ValueError: on inputs that are not such batches
            (:func:`check_attribute_batch`).
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        chans = [3, width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.ModuleList(down_stage(a, b) for a, b in itertools.pairwise(chans))
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(chans[-1] * 16, len(ATTRIBUTES))
        self.width = width
        self.attributes = ATTRIBUTES
        self.name = "synthattr-v1"

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, 3, H, H)`` in [-1, 1] -> ``(B, 8 * width * 16)``: the flattened ``4 x 4`` map of
        the last stage, what the head reads (the expression space of chapter 08)."""
        x = check_attribute_batch(images)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = nn.functional.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                                          align_corners=False, antialias=True)
        for stage in self.stages:
            x = stage(x)
        return x.flatten(1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(images)))


def face_attribute_record() -> dict:
    """The JSON record stored with the shipped weights (data, seed, schedule, held-out
    accuracies, and how the classifier rates pseudo-pair images)."""
    return read_record(ASSET_RECORD, _TRAIN_MODULE)


def face_attribute_classifier(weights_path: str | Path | None = None) -> FaceAttributeNet:
    """The trained SynthFaces attribute classifier ``synthattr-v1``: eval mode, CPU, gradients
    off. ``(B, 3, 64, 64)`` in [-1, 1] -> ``(B, 2)`` logits (``Eyeglasses``, ``Smiling``).

    Args:
        weights_path: a state dict saved by :mod:`i2ilib.metrics.train_attributes`; default:
            the copy shipped in ``i2ilib/assets``.

    Raises:
        FileNotFoundError: if the weights are missing (reinstall i2ilib, or run
            ``python -m i2ilib.metrics.train_attributes``, a few minutes on one CPU core).
    """
    return load_frozen(FaceAttributeNet, ASSET_WEIGHTS, weights_path, _TRAIN_MODULE)


@torch.no_grad()
def attribute_probabilities(net: FaceAttributeNet, images: torch.Tensor,
                            batch_size: int = 64) -> dict[str, torch.Tensor]:
    """Probability that each face shows each attribute.

    Args:
        net: the classifier (:func:`face_attribute_classifier`); it is run in eval mode and
            left in the mode it was in.
        images: ``(N, 3, H, H)`` float in [-1, 1] (``H >= 32``, resized to 64); on any device,
            moved to ``net``'s.
        batch_size: faces per forward pass.

    Returns:
        ``{"Eyeglasses": (N,), "Smiling": (N,)}`` float32 CPU tensors in [0, 1].

    Raises:
        TypeError, ValueError: on a bad batch (:func:`check_attribute_batch`) or
            ``batch_size < 1``.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    x = check_attribute_batch(images)
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    try:
        probs = torch.cat([torch.sigmoid(net(x[s:s + batch_size].to(device)).float()).cpu()
                           for s in range(0, len(x), batch_size)])
    finally:
        net.train(was_training)
    names = getattr(net, "attributes", ATTRIBUTES)
    return {a: probs[:, j].contiguous() for j, a in enumerate(names)}


def task_completion(net: FaceAttributeNet, outputs: torch.Tensor, attribute: str,
                    batch_size: int = 64) -> float:
    """Fraction of translated faces on which the classifier no longer sees ``attribute``
    (probability below :data:`THRESHOLD`): the task-completion rate of a removal task.

    Ginger et al. 2019, Sec. 4.2 could judge whether eyeglass or smile removal succeeded only
    with a user study (Table 6: how often participants preferred one model's results over
    another's); on SynthFaces this measures it directly. Use it with InfoSim: a translation that
    returns its input unchanged has a perfect InfoSim and a task completion near 0.

    Args:
        net: the classifier (:func:`face_attribute_classifier`).
        outputs: ``(N, 3, H, H)`` translated faces in [-1, 1].
        attribute: ``"Eyeglasses"`` or ``"Smiling"`` (case-insensitive) -- the attribute the
            translation was asked to remove.
        batch_size: faces per forward pass.

    Returns:
        A float in [0, 1] (1.0: the attribute is gone from every face).

    Raises:
        ValueError: unknown attribute, or a bad batch (:func:`check_attribute_batch`).
        TypeError: if ``outputs`` is not a tensor.
    """
    name = attribute_name(attribute)
    probs = attribute_probabilities(net, outputs, batch_size)[name]
    return float((probs < THRESHOLD).float().mean())
