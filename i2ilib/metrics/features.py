"""Feature extractors for the set metrics, and batched, device-aware feature extraction.

A feature extractor maps a batch of images ``(B, 3, H, W)`` in [-1, 1] to features ``(B, D)``
and has a ``name`` that is stored with every number computed from its features (see
:class:`i2ilib.metrics.score.Score`). Two are provided:

- :func:`inception_extractor` — Inception-V3 pool3 features (2048-D) with the pytorch-fid
  weights, the network behind the FID values papers report (thesis eq. 2.5, UCSD report
  Section 6.2). Needs the ``pytorch-fid`` package and its weight file, which cannot be
  downloaded offline: on Colab the first call fetches it.
- :func:`i2ilib.metrics.synthnet.synth_feature_extractor` — the book's own small CNN, trained by
  i2ilib on SynthFaces and SynthScenes and shipped with the package (``synthcnn-v1-d192``).
- :class:`RandomConvExtractor` — a small convolutional network with *random*, seeded weights.

The last two work offline anywhere; their Fréchet distances are reported as ``FD[<name>]``, never
as FID, and are not comparable to published FIDs (only between runs that use the same extractor
name). :func:`best_available_extractor` picks Inception when it can, else the book's CNN.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

import torch
from torch import nn
from tqdm.auto import tqdm

from ..device import select_device
from .score import INCEPTION_NAME
from .synthnet import synth_feature_extractor

#: pytorch-fid's weight file (converted from the TensorFlow FID Inception graph).
FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"


@runtime_checkable
class FeatureExtractor(Protocol):
    """What :func:`extract_features` needs.

    Attributes:
        name: identifies the features (architecture + weights); stored with every score.
        dim: feature dimension D.

    ``__call__(images)`` maps ``(B, 3, H, W)`` in [-1, 1] to ``(B, D)``. Extractors that are
    ``nn.Module`` are moved to the extraction device and put in eval mode.
    """

    name: str
    dim: int

    def __call__(self, images: torch.Tensor) -> torch.Tensor: ...


# --------------------------------------------------------------------------------------------
# Extractors
# --------------------------------------------------------------------------------------------


class RandomConvExtractor(nn.Module):
    """Four strided convolutions with random seeded weights, global-average pooled.

    ``(B, 3, H, W)`` in [-1, 1] -> ``(B, dim)``, with ``dim = width * 8`` (256 by default).
    Random convolutional features do separate image distributions (colour, texture, layout
    statistics), which is all the book needs offline, but they are *not* Inception features: the
    name ``randconv-s{seed}-d{dim}`` goes with every score computed on them.

    :meth:`feature_maps` returns the four intermediate maps, used by the LPIPS-style distance of
    :mod:`i2ilib.metrics.perceptual`.
    """

    def __init__(self, seed: int = 0, width: int = 32) -> None:
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 8]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.blocks = nn.ModuleList(
                nn.Sequential(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2))
                for c_in, c_out in itertools.pairwise(chans)
            )
        for p in self.parameters():
            p.requires_grad_(False)
        self.dim = chans[-1]
        self.name = f"randconv-s{seed}-d{self.dim}"

    def feature_maps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The four block outputs ``[(B, C_l, H/2^l, W/2^l)]`` for l = 1..4."""
        maps, x = [], images
        for block in self.blocks:
            x = block(x)
            maps.append(x)
        return maps

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.feature_maps(images)[-1].mean(dim=(2, 3))


class InceptionExtractor(nn.Module):
    """pytorch-fid's Inception-V3 (FID weights), pool3 features, ``(B, 3, H, W)`` -> ``(B, 2048)``.

    Images in [-1, 1] go straight in (the network's own input scaling) after bilinear resizing
    to 299 x 299, as pytorch-fid does. Build it with :func:`inception_extractor`.
    """

    def __init__(self, net: nn.Module, name: str) -> None:
        super().__init__()
        self.net = net
        self.dim = 2048
        self.name = name

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)[0].flatten(1)


def inception_weights_path() -> str:
    """Where pytorch-fid keeps its weights: ``<torch.hub.get_dir()>/checkpoints/<file>``."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", FID_WEIGHTS_FILE)


def inception_extractor() -> InceptionExtractor:
    """The standard FID feature extractor, when it can be had.

    Raises:
        ImportError: if the ``pytorch-fid`` package is missing (``pip install i2ilib[metrics]``).
        FileNotFoundError: if the weight file is not in the torch hub cache. It cannot be
            downloaded offline; run on Colab (the first call downloads it), copy the file to the
            path in the message, or use an offline extractor (:class:`RandomConvExtractor`),
            whose scores are reported as FD, not FID.
    """
    try:
        from pytorch_fid.inception import InceptionV3
    except ImportError as exc:
        raise ImportError(
            "The Inception feature extractor needs the pytorch-fid package: "
            "pip install 'i2ilib[metrics]' (or pip install pytorch-fid)."
        ) from exc
    path = inception_weights_path()
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"pytorch-fid Inception weights not found at {path}. They cannot be downloaded "
            "offline. Run on Colab (or any machine online) where the first call downloads them, "
            "or copy the file there by hand (set TORCH_HOME to change the folder). Offline, use "
            "RandomConvExtractor(): its scores are reported as FD[randconv-...], not FID."
        )
    net = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]], resize_input=True,
                      normalize_input=False, use_fid_inception=True)
    return InceptionExtractor(net.eval(), name=f"{INCEPTION_NAME}-pool3")


def best_available_extractor(verbose: bool = True) -> nn.Module:
    """Inception (pytorch-fid weights) if available, else the shipped ``synthcnn``, else randconv.

    Prints which one was chosen (``verbose``); its ``name`` goes with every score.
    """
    try:
        ext = inception_extractor()
    except (ImportError, FileNotFoundError):

        try:
            ext = synth_feature_extractor()
        except FileNotFoundError:
            ext = RandomConvExtractor(seed=0)
    if verbose:
        kind = "FID" if ext.name.startswith(INCEPTION_NAME) else "FD (not FID)"
        print(f"Feature extractor: {ext.name} -> Fréchet distances are reported as {kind}.")
    return ext


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


def _pick(item, key: str | None) -> torch.Tensor:
    """The image tensor of a dataset item / batch: a tensor, a dict (by ``key``) or a tuple."""
    if isinstance(item, Mapping):
        if key is None:
            raise ValueError(
                f"the data yields dicts with keys {sorted(item)}; pass key=... (e.g. key='B') "
                "to say which images to use"
            )
        if key not in item:
            raise KeyError(f"key {key!r} not in the data's dicts (keys: {sorted(item)})")
        item = item[key]
    elif isinstance(item, (tuple, list)):
        item = item[0]
    if not isinstance(item, torch.Tensor):
        raise TypeError(f"expected image tensors, got {type(item).__name__}")
    return item


def _check_batch(x: torch.Tensor) -> torch.Tensor:
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(
            f"images must be (N, 3, H, W) RGB, got shape {tuple(x.shape)}; repeat grey images "
            "with x.repeat(1, 3, 1, 1)"
        )
    if not x.is_floating_point():
        raise ValueError(f"images must be float tensors in [-1, 1], got dtype {x.dtype}")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"images must be in [-1, 1] (the book's convention), got range [{lo:.3g}, {hi:.3g}]; "
            "map [0, 1] images with x * 2 - 1"
        )
    return x


def _batches(data, batch_size: int, key: str | None) -> tuple[Iterable[torch.Tensor], int | None]:
    """Yield image batches from a tensor, a map-style dataset or an iterable of batches."""
    if isinstance(data, torch.Tensor):
        data = _check_batch(data)
        return (data[s:s + batch_size] for s in range(0, len(data), batch_size)), len(data)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (list, tuple)):
        n = len(data)

        def gen():
            for s in range(0, n, batch_size):
                yield torch.stack([_pick(data[i], key) for i in range(s, min(s + batch_size, n))])

        return gen(), n
    if isinstance(data, Iterable):
        total = len(data.dataset) if hasattr(data, "dataset") else None
        return (_pick(b, key) for b in data), total
    raise TypeError(
        f"cannot read images from {type(data).__name__}: pass a tensor (N, 3, H, W), a dataset "
        "or a DataLoader"
    )


@torch.inference_mode()
def extract_features(
    extractor: FeatureExtractor,
    images_or_loader,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    progress: bool = True,
    key: str | None = None,
) -> torch.Tensor:
    """Features of all images, float32 ``(N, D)`` on the CPU.

    Args:
        extractor: a :class:`FeatureExtractor` (its ``name`` belongs with any score you compute).
        images_or_loader: a tensor ``(N, 3, H, W)`` in [-1, 1], a map-style dataset whose items
            are tensors or dicts, or an iterable of batches (e.g. a ``DataLoader``).
        batch_size: images per forward pass (tensors and datasets; a loader keeps its own).
        device: ``None``/``"auto"`` picks CUDA, then MPS, then CPU.
        progress: show a tqdm progress bar.
        key: which entry to use when items/batches are dicts (e.g. ``"B"``).

    Raises:
        ValueError: on images outside [-1, 1], not RGB, or no images at all.
    """
    dev = select_device(None if device is None else str(device))
    if isinstance(extractor, nn.Module):
        extractor = extractor.to(dev).eval()
    batches, total = _batches(images_or_loader, batch_size, key)
    feats = []
    with tqdm(total=total, desc=f"features [{extractor.name}]", unit="img",
              disable=not progress, leave=False) as bar:
        for x in batches:
            x = _check_batch(x).to(dev, non_blocking=True)
            f = extractor(x)
            if f.ndim != 2 or f.shape[0] != x.shape[0]:
                raise ValueError(
                    f"extractor {extractor.name!r} returned shape {tuple(f.shape)} for a batch of "
                    f"{x.shape[0]}; it must return (B, D)"
                )
            feats.append(f.float().cpu())
            bar.update(x.shape[0])
    if not feats:
        raise ValueError("no images were given")
    return torch.cat(feats)
