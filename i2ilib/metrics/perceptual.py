"""Perceptual distance between images, and the diversity score built on it.

- LPIPS (Zhang et al. 2018), the distance the thesis reports for diversity (Tables 6.1-6.2),
  when the ``lpips`` package *and* its ImageNet backbone weights are available (on Colab; the
  backbone cannot be downloaded offline).
- Offline, :class:`LPIPSStyleDistance`: the same construction on the book's own feature maps —
  per layer, features unit-normalised along channels, squared difference summed over channels,
  averaged over space, summed over layers, with uniform weights (LPIPS with all linear weights
  set to 1). Its name says so: ``"LPIPS-style[randconv-s0-d256]"``; it is not LPIPS.
- :func:`diversity`: mean distance between two random outputs for the same input, over
  ``n_pairs`` = 19 pairs per input (the protocol of BicycleGAN/MUNIT/DRIT used for the LPIPS
  columns of thesis Tables 6.1-6.2). Higher = more diverse.
- :func:`pairwise_diversity`: the same distance averaged over *every* pair of ``K`` given
  outputs per input (e.g. :meth:`i2ilib.train.udit.UDITTrainer.sample_styles`); deterministic,
  for outputs already drawn (Table 5.4's LPIPS distance on a fixed set of samples).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from .features import RandomConvExtractor
from .score import Score
from .synthnet import synth_feature_extractor

_BACKBONES = {"alex": "AlexNet_Weights", "vgg": "VGG16_Weights", "squeeze": "SqueezeNet1_1_Weights"}


@runtime_checkable
class PerceptualDistance(Protocol):
    """``(x, y)`` both ``(N, 3, H, W)`` in [-1, 1] -> ``(N,)`` distances; ``name`` says which."""

    name: str

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor: ...


def _unit_normalise(f: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    return f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + eps)


class LPIPSStyleDistance(nn.Module):
    """LPIPS construction with uniform weights on an extractor's ``feature_maps``.

    ``d(x, y) = sum_l mean_{h,w} sum_c (f^l_x - f^l_y)²`` with ``f^l`` unit-normalised along
    channels at each position (Zhang et al. 2018, eq. 1 with ``w_l = 1``).

    Args:
        extractor: a module with ``name`` and ``feature_maps(images) -> list[(N, C_l, H_l, W_l)]``
            (e.g. :class:`i2ilib.metrics.features.RandomConvExtractor`).
    """

    def __init__(self, extractor: nn.Module) -> None:
        super().__init__()
        if not hasattr(extractor, "feature_maps"):
            raise TypeError(
                f"{type(extractor).__name__} has no feature_maps(images) method; the LPIPS-style "
                "distance needs intermediate feature maps"
            )
        self.extractor = extractor
        self.name = f"LPIPS-style[{extractor.name}]"

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape != y.shape:
            raise ValueError(f"x {tuple(x.shape)} and y {tuple(y.shape)} differ in shape")
        total = torch.zeros(x.shape[0], device=x.device)
        for fx, fy in zip(self.extractor.feature_maps(x), self.extractor.feature_maps(y)):
            diff = (_unit_normalise(fx) - _unit_normalise(fy)).pow(2).sum(dim=1)
            total = total + diff.mean(dim=(1, 2))
        return total


class LPIPSDistance(nn.Module):
    """The ``lpips`` package's LPIPS (v0.1 linear weights) on its ImageNet backbone."""

    def __init__(self, net: str = "alex") -> None:
        super().__init__()
        import lpips

        self.model = lpips.LPIPS(net=net, version="0.1", verbose=False).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.name = f"LPIPS-{net}-v0.1"

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.model(x, y).flatten()


def lpips_backbone_path(net: str = "alex") -> str:
    """Path where torchvision caches the ImageNet backbone ``lpips`` loads for ``net``."""
    import torchvision.models as tvm

    if net not in _BACKBONES:
        raise ValueError(f"net must be one of {sorted(_BACKBONES)}, got {net!r}")
    url = getattr(tvm, _BACKBONES[net]).IMAGENET1K_V1.url
    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))


def lpips_available(net: str = "alex") -> bool:
    """True when the ``lpips`` package is installed and its backbone weights are cached."""
    try:
        import lpips  # noqa: F401
    except ImportError:
        return False
    return os.path.isfile(lpips_backbone_path(net))


def perceptual_distance(extractor: nn.Module | None = None, net: str = "alex") -> nn.Module:
    """LPIPS if available, else the LPIPS-style distance on ``extractor``'s features.

    Args:
        extractor: offline fallback feature network (default: the shipped ``synthcnn``
            network, or ``RandomConvExtractor(seed=0)`` if its weights are missing).
        net: LPIPS backbone (``"alex"``, ``"vgg"``, ``"squeeze"``).

    The returned module's ``name`` tells which one you got; report it with the numbers.
    """
    if lpips_available(net):
        return LPIPSDistance(net)
    if extractor is None:

        try:
            extractor = synth_feature_extractor()
        except FileNotFoundError:
            extractor = RandomConvExtractor(seed=0)
    return LPIPSStyleDistance(extractor)


@torch.no_grad()
def diversity(
    outputs_fn: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    inputs: torch.Tensor,
    distance: PerceptualDistance,
    n_pairs: int = 19,
    seed: int = 0,
    batch_size: int = 32,
) -> Score:
    """Mean perceptual distance between pairs of random outputs for the same input.

    For every input, ``n_pairs`` times: draw two outputs ``outputs_fn(x, gen)`` (each call samples
    new random codes from ``gen``) and measure their distance; average over all pairs and inputs
    (19 pairs x N inputs in the reference protocol).

    Args:
        outputs_fn: ``(B, C, H, W)`` inputs, ``torch.Generator`` -> ``(B, 3, H, W)`` outputs in
            [-1, 1], one random output per input.
        inputs: ``(N, C, H, W)`` input images.
        distance: e.g. from :func:`perceptual_distance`.

    Returns:
        ``Score(value, "diversity", distance.name, {"std", "n_pairs", "n_inputs"})``; ``std`` is
        the std over all pair distances.

    Raises:
        ValueError: on ``n_pairs < 1``, no inputs, or outputs of mismatched batch size.
    """
    if n_pairs < 1:
        raise ValueError(f"n_pairs must be >= 1, got {n_pairs}")
    if inputs.ndim != 4 or len(inputs) == 0:
        raise ValueError(f"inputs must be a non-empty batch (N, C, H, W), got {tuple(inputs.shape)}")
    gen = torch.Generator().manual_seed(seed)
    dists = []
    for s in range(0, len(inputs), batch_size):
        x = inputs[s:s + batch_size]
        for _ in range(n_pairs):
            o1, o2 = outputs_fn(x, gen), outputs_fn(x, gen)
            if o1.shape[0] != x.shape[0] or o1.shape != o2.shape:
                raise ValueError(
                    f"outputs_fn returned {tuple(o1.shape)} and {tuple(o2.shape)} for a batch of "
                    f"{x.shape[0]}; it must return one output per input"
                )
            dists.append(distance(o1, o2).flatten().double().cpu())
    d = torch.cat(dists)
    return Score(float(d.mean()), "diversity", distance.name,
                 {"std": float(d.std(unbiased=False)), "n_pairs": n_pairs, "n_inputs": len(inputs)})


@torch.no_grad()
def pairwise_diversity(outputs: torch.Tensor, distance: PerceptualDistance,
                       batch_size: int = 64) -> Score:
    """Mean perceptual distance over all pairs of outputs for the same input.

    ``d_n = 2 / (K (K - 1)) sum_{k < l} distance(outputs[n, k], outputs[n, l])``, averaged over
    the ``N`` inputs. Identical outputs give 0 (for a distance with ``d(x, x) = 0``); outputs
    spread further apart give more.

    Args:
        outputs: ``(N, K, C, H, W)``: ``K >= 2`` outputs for each of ``N`` inputs, in [-1, 1].
        distance: e.g. from :func:`perceptual_distance`.
        batch_size: pairs per call of ``distance``.

    Returns:
        ``Score(value, "diversity", distance.name, {"std", "n_outputs", "n_inputs"})``; ``std``
        is the std over the inputs' ``d_n``.

    Raises:
        ValueError: ``outputs`` is not 5-dimensional, or has no inputs or fewer than 2 outputs
            per input.
    """
    if outputs.dim() != 5 or outputs.shape[0] < 1 or outputs.shape[1] < 2:
        raise ValueError(f"outputs must be (N, K, C, H, W) with N >= 1 inputs and K >= 2 outputs "
                         f"each, got {tuple(outputs.shape)}")
    n, k = outputs.shape[:2]
    first, second = torch.triu_indices(k, k, offset=1)
    x = outputs[:, first].flatten(0, 1)
    y = outputs[:, second].flatten(0, 1)
    d = torch.cat([distance(x[s:s + batch_size], y[s:s + batch_size]).flatten().double().cpu()
                   for s in range(0, len(x), batch_size)])
    per_input = d.view(n, len(first)).mean(dim=1)
    return Score(float(per_input.mean()), "diversity", distance.name,
                 {"std": float(per_input.std(unbiased=False)), "n_outputs": k, "n_inputs": n})
