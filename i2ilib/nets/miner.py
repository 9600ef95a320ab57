"""MineGAN's miner ``M`` (Wang 2020 thesis, Section 3.3.2): a small multilayer perceptron in front
of a pretrained generator, ``u ~ p_z(u) -> z = M(u) -> G(M(u))`` (Fig. 3.1b), trained with the
critic by eqs. 3.3-3.4 while ``G`` stays fixed.

"For the miner, we use four fully connected layers for all experiments except those on MNIST,
where we use only two" (Section 3.4); on MNIST "The miner is composed of two fully connected
layers with the same dimensionality as the latent space |z|" (Appendix A.2.1). The Progressive
GAN miner has each layer "followed with a relu and pixel normalization except for last layer";
here every layer but the last is followed by a ReLU (``pixel_norm=True`` adds the pixel
normalisation of that variant).

Initialisation: "We randomly initialize the weights of the miner following a Gaussian
distribution" (Appendix A.2.1); the standard deviation is not given. Here the hidden layers are
He-normal (``sqrt(2 / fan_in)``, for the ReLU) and the last layer ``sqrt(1 / fan_in)``, biases
zero, so that ``M(u)`` starts with about the spread of the prior ``u ~ N(0, I)`` the generator
was trained on (a named choice).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["Miner", "PixelNorm"]


class PixelNorm(nn.Module):
    """``x / sqrt(mean(x^2) + eps)`` over the features (Progressive GAN's pixel normalisation).

    Shapes: ``(N, D) -> (N, D)``.
    """

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + self.eps)


class Miner(nn.Module):
    """The miner ``M``: ``n_layers`` fully connected layers of width ``z_dim``.

    Args:
        z_dim: the generator's input length ``|z|`` (also the length of ``u`` and the width).
        n_layers: number of linear layers (2 on MNIST, 4 otherwise; thesis Section 3.4).
        pixel_norm: follow each ReLU by pixel normalisation (the Progressive GAN miner).
        generator: RNG of the Gaussian initialisation (``None``: the global one).

    Shapes: ``u`` ``(N, z_dim) -> z`` ``(N, z_dim)``.
    """

    def __init__(self, z_dim: int, n_layers: int = 2, pixel_norm: bool = False,
                 generator: torch.Generator | None = None):
        super().__init__()
        if isinstance(n_layers, bool) or not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f"n_layers must be an integer >= 1, got {n_layers!r}.")
        if z_dim < 1:
            raise ValueError(f"z_dim must be >= 1, got {z_dim}.")
        self.z_dim = z_dim
        layers: list[nn.Module] = []
        for i in range(n_layers):
            linear = nn.Linear(z_dim, z_dim)
            last = i == n_layers - 1
            std = math.sqrt((1.0 if last else 2.0) / z_dim)
            with torch.no_grad():
                linear.weight.copy_(torch.empty(z_dim, z_dim).normal_(0.0, std,
                                                                      generator=generator))
                linear.bias.zero_()
            layers.append(linear)
            if not last:
                layers.append(nn.ReLU())
                if pixel_norm:
                    layers.append(PixelNorm())
        self.net = nn.Sequential(*layers)

    def forward(self, u: Tensor) -> Tensor:
        if u.dim() != 2 or u.shape[1] != self.z_dim:
            raise ValueError(f"The miner takes noise of shape (N, {self.z_dim}), got "
                             f"{tuple(u.shape)}.")
        return self.net(u)
