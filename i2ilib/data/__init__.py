"""Data for image-to-image translation: image folders, in-memory pairs, transforms, loaders.

- :mod:`i2ilib.data.folders` -- ``PairedImageFolder`` (pix2pix: A|B images or ``A/`` + ``B/``),
  ``UnpairedImageFolder`` (CycleGAN: ``trainA/`` + ``trainB/``), ``TensorPairDataset``
  (arrays in memory), ``make_loader``, ``check_channels``.
- :mod:`i2ilib.data.transforms` -- the reference preprocessing (``resize_and_crop``, ``crop``,
  ``scale_width``, ``none``, flip) with one random draw shared by both halves of a pair;
  ``to_tensor_m11`` / ``to_uint8`` / ``load_image``.
- :mod:`i2ilib.data.augment` -- ``Augmentation`` (random crop, flip, small rotation; seeded) and
  ``AugmentedUnpaired``, the augmented sets ``P(x)`` and ``P(Lambda)`` of one-shot translation.
- :mod:`i2ilib.data.errors` -- the exceptions raised for unusable data.
- :mod:`i2ilib.data.registry` -- the papers' real datasets: where they come from, checksums,
  layouts, and clear errors offline.
- :mod:`i2ilib.data.synthscenes` -- SynthScenes: street scenes with labels, depth and night.
- :mod:`i2ilib.data.synthfaces` -- SynthFaces: faces with identities, attributes, landmarks and
  true pairs (drawn by :mod:`i2ilib.data.synthfaces_render`), written in CelebA's layout by
  :mod:`i2ilib.data.celeba_format`.
- :mod:`i2ilib.data.contenttransfer` -- SynthFaces without (A) and with (B) an attribute for
  content transfer, with the truth of removal and of guided transfer.
- :mod:`i2ilib.data.digits` -- handwritten and printed digits; :mod:`i2ilib.data.objects` --
  coloured objects.
- :mod:`i2ilib.data.pairing` -- α-paired sets (a fraction of true pairs hidden in unpaired data).
- :mod:`i2ilib.data.pseudopairs` -- pseudo-pairs M(b) for eyeglass and smile removal.
- :mod:`i2ilib.data.zeropair` -- the zero-pair sets of mix and match networks from SynthScenes:
  disjoint ``D_RS`` (RGB, segmentation) and ``D_RD`` (RGB, depth), test scenes with all three.
- :mod:`i2ilib.data.sunrgbd` -- the same sets from SUN RGB-D's real frames (13 classes), read
  from a folder that ``prepare_sunrgbd`` writes from the release (manual download).
- :mod:`i2ilib.data.biasedfaces` -- biased SynthFaces for UDIT: A without glasses (half blond),
  B with glasses and mostly blond, test faces with their true translation, hair-colour sets.
- :mod:`i2ilib.data.multidomain` -- SynthFaces in hair-colour domains for multi-domain
  translation (SDIT), with every test face rendered in every domain (the truth).
- :mod:`i2ilib.data.audio_mixtures` -- synthetic music at 8 kHz: instrumental clips, a sung
  voice, their mixtures with the truth of both parts, and an unmatched instrumental set (audio
  separation, chapter 10); :mod:`i2ilib.data.spectrogram` -- clips as 64 x 64 log-magnitude
  spectrogram images and back (on a given phase).
- :mod:`i2ilib.data.toy2d` -- 2-D mixtures of Gaussians (the ring of 8 and the 5x5 grid) for
  watching a GAN train and collapse, deterministic by seed (the GAN primer, chapter 01); points
  uniform on line segments, and where points lie along a segment (minimality, chapter 09).

Names are imported lazily (``from i2ilib.data import PairedImageFolder`` loads only
:mod:`i2ilib.data.folders`), so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> submodule that defines it.
_LAZY = {
    "PairedImageFolder": "folders",
    "UnpairedImageFolder": "folders",
    "TensorPairDataset": "folders",
    "EpochSampler": "folders",
    "make_loader": "folders",
    "check_channels": "folders",
    "detect_layout": "folders",
    "list_images": "folders",
    "TransformParams": "transforms",
    "get_params": "transforms",
    "apply_transform": "transforms",
    "to_tensor_m11": "transforms",
    "to_uint8": "transforms",
    "load_image": "transforms",
    "AugmentParams": "augment",
    "Augmentation": "augment",
    "AugmentedUnpaired": "augment",
    "DataLayoutError": "errors",
    "EmptyDatasetError": "errors",
    "ImageReadError": "errors",
    "ChannelMismatchError": "errors",
}

__all__ = [
    "AugmentParams",
    "Augmentation",
    "AugmentedUnpaired",
    "ChannelMismatchError",
    "DataLayoutError",
    "EmptyDatasetError",
    "EpochSampler",
    "ImageReadError",
    "PairedImageFolder",
    "TensorPairDataset",
    "TransformParams",
    "UnpairedImageFolder",
    "apply_transform",
    "check_channels",
    "detect_layout",
    "get_params",
    "list_images",
    "load_image",
    "make_loader",
    "to_tensor_m11",
    "to_uint8",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
