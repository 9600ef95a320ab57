"""SDIT, scalable and diverse image translation (Wang 2020 thesis, chapter 6): one encoder-
generator for ``C`` domains, conditioned on the target label, diverse through a latent code.

Networks (Section 6.3, layout of Section 6.4, "Training setting"):

* :class:`SDITEncoder` ``E(x, l)``: the image with the one-hot label of ``l`` appended as ``C``
  constant channels; conv 7x7/1 (64), two conv 4x4/2 (128, 256), then ``n_res`` = 6 residual
  blocks of two 3x3 convolutions. Output ``e``: ``(N, 4 ngf, H/4, W/4)``.
* :class:`MappingM` ``M(z)``: two fully connected layers, 256 units and then every ``(gamma,
  beta)`` of the CIN layers.
* :class:`SDITGenerator`: ``T^c``, ``n_res`` residual blocks with conditional instance
  normalisation, ``f = T^c(e, M(z))``; ``T^a``, ``n_res`` residual blocks with instance
  normalisation and a convolution with a sigmoid on top, ``a = T^a(e)``; their combination
  (eq. 6.9)::

      h = (1 - a) * e + a * f

  then two fractionally strided convolutions 4x4/2 (128, 64) and a 7x7 convolution to the
  image with ``tanh``.
* :class:`SDITDiscriminator`: ``n_layers`` = 6 convolutions 4x4/2 with leaky ReLU, then three
  parallel heads of one 3x3/1 convolution each: ``D_src`` (real/fake score per patch),
  ``D_cls`` (domain logits) and ``F_rec`` (the regressed latent code, with an extra fully
  connected layer, 32 -> 8 units at 128x128).

Conditional instance normalisation (eq. 6.10) on a feature ``e``::

    CIN(e; z) = gamma(z) * (e - mu(e)) / delta(e) + beta(z)

with ``gamma``, ``beta`` from ``M``. ``cin_params`` is the ablation of Fig. 6.6: ``"both"``,
``"gamma"`` (``beta = 0``) or ``"beta"`` (``gamma = 1``). ``cin=False`` is "SDIT w/o CIN"
(Table 6.1): ``T^c`` uses plain instance normalisation and ``z`` plays no part.
``attention=False`` is "SDIT w/o Atten": ``h = f``.

Readings and deviations, named:

* The text conditions the CIN parameters on ``z`` only (eq. 6.10); the label enters through
  ``E``. ``cin_per_domain=True`` gives each domain its own ``(gamma, beta)`` from ``M`` (``M``
  outputs ``C`` sets and the target's set is used), conditional instance normalisation in the
  sense of its origin (Dumoulin et al.), where each condition has its own parameters.
* ``M``'s last layer has as many units as the CIN layers have parameters, ``2 * 4 ngf * 2 *
  n_res`` (6144 for the thesis's 6 blocks of 256 channels); Section 6.4 gives 4096 units, which
  would be 8 CIN layers of 256 channels. It is the count the layout needs, not the printed one.
* The attention ``a`` is a single-channel spatial map in ``(0, 1)`` broadcast over the
  features' channels (Fig. 6.5 shows spatial maps). The text applies it to the bottleneck
  features (eq. 6.9), not to the images. The authors' public code is reported to differ: AdaIN
  with parameters from an MLP of ``z`` instead of CIN, and attention without the ``(1 - a)``
  factor on ``e``; eq. 6.9 and eq. 6.10 are followed here.
* Normalisation in ``E`` and in the up-sampling layers is instance normalisation with ReLU,
  and the output layer a 7x7 convolution with ``tanh`` (StarGAN's generator, which the text's
  layout matches); the thesis does not name them. The discriminator's leaky ReLU slope is 0.01
  (StarGAN's).
* ``D_cls`` and ``F_rec`` read the whole last feature map: ``D_cls`` averages its per-patch
  logits over space; ``F_rec`` flattens its ``z_dim`` channels and maps them with the fully
  connected layer to ``z_dim``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .munit import adain

__all__ = ["CIN_PARAMS", "MappingM", "SDITDiscriminator", "SDITEncoder", "SDITGenerator",
           "cin", "one_hot_maps"]

#: Which CIN parameters are learned (Fig. 6.6).
CIN_PARAMS = ("both", "gamma", "beta")


def cin(e: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    """Conditional instance normalisation, eq. 6.10: ``gamma * (e - mu(e)) / delta(e) + beta``.

    Args:
        e: ``(N, C, H, W)``.
        gamma, beta: ``(N, C)``.

    Returns:
        ``(N, C, H, W)``: channel ``k`` of sample ``n`` has spatial mean ``beta[n, k]`` and
        standard deviation ``~ |gamma[n, k]|``.
    """
    return adain(e, gamma, beta, eps)


def one_hot_maps(labels: Tensor, n_domains: int, size: tuple[int, int]) -> Tensor:
    """``(N,)`` int64 labels in ``[0, n_domains)`` -> ``(N, n_domains, H, W)`` constant one-hot
    maps."""
    if labels.dim() != 1:
        raise ValueError(f"labels must be (N,), got {tuple(labels.shape)}.")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= n_domains):
        raise ValueError(f"labels must lie in [0, {n_domains}), got values from "
                         f"{int(labels.min())} to {int(labels.max())}.")
    onehot = F.one_hot(labels.long(), n_domains).float()
    return onehot[:, :, None, None].expand(-1, -1, *size)


class _Block(nn.Module):
    """``x + norm(conv(relu(norm(conv(x)))))``, 3x3 convolutions; instance norm, or CIN with
    ``(gamma, beta)`` pairs given to :meth:`forward`. ``(N, C, H, W) -> (N, C, H, W)``."""

    def __init__(self, channels: int, conditional: bool):
        super().__init__()
        self.conditional = conditional
        self.conv1 = nn.Conv2d(channels, channels, 3, 1, 1)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1)
        if not conditional:
            self.norm1 = nn.InstanceNorm2d(channels, affine=True)
            self.norm2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: Tensor, params: tuple[Tensor, Tensor, Tensor, Tensor] | None = None,
                ) -> Tensor:
        if self.conditional:
            if params is None:
                raise ValueError("A CIN block needs its (gamma, beta) parameters.")
            g1, b1, g2, b2 = params
            h = F.relu(cin(self.conv1(x), g1, b1))
            return x + cin(self.conv2(h), g2, b2)
        h = F.relu(self.norm1(self.conv1(x)))
        return x + self.norm2(self.conv2(h))


class SDITEncoder(nn.Module):
    """``E(x, l)``: ``(N, nc, H, W)``, labels ``(N,)`` -> ``e`` ``(N, 4 ngf, H/4, W/4)``."""

    def __init__(self, nc: int = 3, n_domains: int = 2, ngf: int = 64, n_res: int = 6):
        super().__init__()
        self.n_domains = n_domains
        layers: list[nn.Module] = [nn.Conv2d(nc + n_domains, ngf, 7, 1, 3),
                                   nn.InstanceNorm2d(ngf, affine=True), nn.ReLU()]
        for k in range(2):
            layers += [nn.Conv2d(ngf * 2 ** k, ngf * 2 ** (k + 1), 4, 2, 1),
                       nn.InstanceNorm2d(ngf * 2 ** (k + 1), affine=True), nn.ReLU()]
        self.down = nn.Sequential(*layers)
        self.blocks = nn.ModuleList(_Block(4 * ngf, conditional=False) for _ in range(n_res))

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        x = torch.cat([x, one_hot_maps(labels, self.n_domains, x.shape[2:]).to(x)], dim=1)
        x = self.down(x)
        for block in self.blocks:
            x = block(x)
        return x


class MappingM(nn.Module):
    """``M(z)``: ``(N, z_dim)`` -> ``(N, n_sets, n_layers, 2, channels)``: ``(gamma, beta)`` of
    every CIN layer (``n_sets`` = 1, or one set per domain with ``cin_per_domain``)."""

    def __init__(self, z_dim: int = 8, hidden: int = 256, channels: int = 256,
                 n_layers: int = 12, n_sets: int = 1):
        super().__init__()
        self.shape = (n_sets, n_layers, 2, channels)
        self.model = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(),
                                   nn.Linear(hidden, n_sets * n_layers * 2 * channels))

    def forward(self, z: Tensor) -> Tensor:
        return self.model(z).view(z.shape[0], *self.shape)


class SDITGenerator(nn.Module):
    """``E``, ``M`` and ``G`` in one module: ``forward(x, l_tg, z) = G(E(x, l_tg), M(z))``.

    Shapes: ``x`` ``(N, nc, H, W)`` with ``H, W`` divisible by 4, labels ``(N,)`` int64,
    ``z`` ``(N, z_dim)`` -> ``(N, nc, H, W)`` in ``[-1, 1]``.
    """

    def __init__(self, nc: int = 3, n_domains: int = 2, ngf: int = 64, n_res: int = 6,
                 z_dim: int = 8, mlp_dim: int = 256, cin: bool = True, attention: bool = True,
                 cin_params: str = "both", cin_per_domain: bool = False):
        super().__init__()
        if cin_params not in CIN_PARAMS:
            raise ValueError(f"cin_params must be one of {', '.join(CIN_PARAMS)}, got "
                             f"{cin_params!r}.")
        self.z_dim, self.n_domains = z_dim, n_domains
        self.use_cin, self.attention = cin, attention
        self.cin_params, self.cin_per_domain = cin_params, cin_per_domain
        c = 4 * ngf
        self.E = SDITEncoder(nc, n_domains, ngf, n_res)
        self.M = (MappingM(z_dim, mlp_dim, c, 2 * n_res, n_domains if cin_per_domain else 1)
                  if cin else None)
        self.T_c = nn.ModuleList(_Block(c, conditional=cin) for _ in range(n_res))
        if attention:
            self.T_a = nn.ModuleList(_Block(c, conditional=False) for _ in range(n_res))
            self.att_out = nn.Conv2d(c, 1, 3, 1, 1)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(c, 2 * ngf, 4, 2, 1), nn.InstanceNorm2d(2 * ngf, affine=True),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1), nn.InstanceNorm2d(ngf, affine=True),
            nn.ReLU(),
            nn.Conv2d(ngf, nc, 7, 1, 3), nn.Tanh())

    def cin_parameters(self, z: Tensor, labels: Tensor) -> Tensor:
        """``(N, n_layers, 2, C)``: ``gamma`` and ``beta`` of each CIN layer, after the
        ``cin_params`` ablation (``gamma = 1`` or ``beta = 0``)."""
        if self.M is None:
            raise ValueError("This generator has no CIN (cin=False).")
        p = self.M(z)
        p = p[torch.arange(z.shape[0], device=z.device), labels if self.cin_per_domain else 0]
        gamma, beta = p[:, :, 0], p[:, :, 1]
        if self.cin_params == "beta":
            gamma = torch.ones_like(gamma)
        elif self.cin_params == "gamma":
            beta = torch.zeros_like(beta)
        return torch.stack([gamma, beta], dim=2)

    def attention_map(self, e: Tensor) -> Tensor:
        """``a = T^a(e)``: ``(N, 1, h, w)`` in ``(0, 1)``."""
        x = e
        for block in self.T_a:
            x = block(x)
        return torch.sigmoid(self.att_out(x))

    def bottleneck(self, e: Tensor, labels: Tensor, z: Tensor) -> tuple[Tensor, Tensor | None]:
        """``(h, a)`` of eq. 6.9 for encoder features ``e`` (``a`` is ``None`` without
        attention)."""
        f = e
        if self.use_cin:
            params = self.cin_parameters(z, labels)
            for k, block in enumerate(self.T_c):
                g1, b1 = params[:, 2 * k].unbind(1)
                g2, b2 = params[:, 2 * k + 1].unbind(1)
                f = block(f, (g1, b1, g2, b2))
        else:
            for block in self.T_c:
                f = block(f)
        if not self.attention:
            return f, None
        a = self.attention_map(e)
        return (1 - a) * e + a * f, a

    def forward(self, x: Tensor, labels: Tensor, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape != (x.shape[0], self.z_dim):
            raise ValueError(f"z must be ({x.shape[0]}, {self.z_dim}), got {tuple(z.shape)}.")
        if labels.shape != (x.shape[0],):
            raise ValueError(f"labels must be ({x.shape[0]},), got {tuple(labels.shape)}.")
        if x.shape[2] % 4 or x.shape[3] % 4:
            raise ValueError(f"Image sides must be divisible by 4, got {tuple(x.shape[2:])}.")
        h, _ = self.bottleneck(self.E(x, labels), labels, z)
        return self.up(h)


class SDITDiscriminator(nn.Module):
    """``x -> (D_src (N, 1, H/2**L, W/2**L) logits, D_cls (N, n_domains) logits, F_rec
    (N, z_dim))`` for images of ``image_size`` (divisible by ``2**n_layers``)."""

    def __init__(self, nc: int = 3, n_domains: int = 2, image_size: int = 128, ndf: int = 64,
                 n_layers: int = 6, z_dim: int = 8):
        super().__init__()
        if image_size % (2 ** n_layers):
            raise ValueError(f"image_size={image_size} must be divisible by 2**n_layers = "
                             f"{2 ** n_layers}.")
        layers: list[nn.Module] = []
        i = nc
        for k in range(n_layers):
            o = ndf * 2 ** k
            layers += [nn.Conv2d(i, o, 4, 2, 1), nn.LeakyReLU(0.01)]
            i = o
        self.main = nn.Sequential(*layers)
        side = image_size // 2 ** n_layers
        self.src = nn.Conv2d(i, 1, 3, 1, 1)
        self.cls = nn.Conv2d(i, n_domains, 3, 1, 1)
        self.rec = nn.Conv2d(i, z_dim, 3, 1, 1)
        self.rec_fc = nn.Linear(z_dim * side * side, z_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        h = self.main(x)
        return (self.src(h), self.cls(h).mean(dim=(2, 3)),
                self.rec_fc(self.rec(h).flatten(1)))
