"""Networks on points of the plane, ``K`` independent copies evaluated at once.

A toy GAN in two dimensions spends its time in Python, not in arithmetic: one step of a network
with a few hundred weights costs about as much as one step of a hundred copies of it. The
modules here hold ``K`` copies of one small network, each with its own weights, and map a batch
``(K, N, 2)`` (copy ``k`` reads row ``k``) to ``(K, N, out)``. A loss that is the **sum** over
copies of each copy's loss gives every copy exactly the gradient it would get alone, and Adam
updates each weight from its own gradient only, so ``K`` seeds train side by side as ``K``
separate runs would (:mod:`i2ilib.train.circular_points`).

- :class:`CopiesLinear` -- ``K`` affine maps ``x W_k^T + b_k``, each initialised as
  :class:`torch.nn.Linear` is (uniform in ``+-1/sqrt(in_features)``) from its own seed.
- :func:`minimal_translator` -- ``h(x) = sigma_a(W x + b)`` with ``W`` 2 x 2: the network of
  "two hidden neurons and Leaky ReLU activations" of Benaim & Wolf's minimality slide (Galanti,
  Wolf & Benaim, ICLR 2018, Fig. 1). Each output coordinate is a monotone function of the
  position along any segment, so it can carry a segment onto another only without folding.
- :func:`points_mlp` -- the same copies with hidden layers: enough capacity to fold a segment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["CopiesLinear", "minimal_translator", "points_mlp"]


class CopiesLinear(nn.Module):
    """``K`` independent affine maps: ``(K, N, in_features) -> (K, N, out_features)``.

    Args:
        seeds: one seed per copy; copy ``k``'s weights and bias are drawn from
            ``torch.Generator().manual_seed(seeds[k] * 1000 + layer)``, uniform in
            ``+-1/sqrt(in_features)`` as :class:`torch.nn.Linear` initialises itself, so a copy's
            start does not depend on the other copies.
        layer: the layer's index in its network, to give each layer of a copy its own draw.
    """

    def __init__(self, in_features: int, out_features: int, seeds: Sequence[int], layer: int = 0):
        super().__init__()
        if not seeds:
            raise ValueError("CopiesLinear needs at least one seed (one copy)")
        bound = 1.0 / math.sqrt(in_features)
        weights, biases = [], []
        for seed in seeds:
            g = torch.Generator().manual_seed(int(seed) * 1000 + layer)
            weights.append((torch.rand(out_features, in_features, generator=g) * 2 - 1) * bound)
            biases.append((torch.rand(out_features, generator=g) * 2 - 1) * bound)
        self.weight = nn.Parameter(torch.stack(weights))  # (K, out, in)
        self.bias = nn.Parameter(torch.stack(biases))  # (K, out)

    @property
    def n_copies(self) -> int:
        return self.weight.shape[0]

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (K, N, in) -> (K, N, out); copy ``k`` maps ``x[k]``."""
        if x.dim() != 3 or x.shape[0] != self.n_copies or x.shape[2] != self.weight.shape[2]:
            raise ValueError(f"expected input (K={self.n_copies}, N, {self.weight.shape[2]}), "
                             f"got {tuple(x.shape)}")
        return torch.baddbmm(self.bias.unsqueeze(1), x, self.weight.transpose(1, 2))


def minimal_translator(seeds: Sequence[int], negative_slope: float = 0.2) -> nn.Sequential:
    """``h(x) = LeakyReLU_a(W x + b)``, ``W`` 2 x 2, one copy per seed: ``(K, N, 2) -> (K, N, 2)``."""
    return nn.Sequential(CopiesLinear(2, 2, seeds), nn.LeakyReLU(negative_slope))


def points_mlp(seeds: Sequence[int], n_out: int = 2, hidden: int = 32, n_hidden: int = 2,
               negative_slope: float = 0.2) -> nn.Sequential:
    """``n_hidden`` Leaky-ReLU layers of ``hidden`` units, then a linear layer to ``n_out``:
    ``(K, N, 2) -> (K, N, n_out)``. The toy translators' large alternative (``n_out=2``) and
    the toy discriminator (``n_out=1``)."""
    if n_hidden < 1 or hidden < 1:
        raise ValueError(f"points_mlp needs n_hidden >= 1 and hidden >= 1, got {n_hidden}, {hidden}")
    layers: list[nn.Module] = []
    width = 2
    for i in range(n_hidden):
        layers += [CopiesLinear(width, hidden, seeds, layer=i), nn.LeakyReLU(negative_slope)]
        width = hidden
    layers.append(CopiesLinear(width, n_out, seeds, layer=n_hidden))
    return nn.Sequential(*layers)
