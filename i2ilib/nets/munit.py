"""The MUNIT-style diverse translator of UDIT (Wang 2020 thesis, chapter 5; appendix A.4).

Each domain ``i`` has a content encoder ``E_i^c``, a style encoder ``E_i^s`` and a decoder
``G_i`` whose adaptive instance normalisation (AdaIN) parameters come from a style MLP
(Section 5.3.1)::

    c_i = E_i^c(x_i),   s_i = E_i^s(x_i),   x_i = G_i(c_i, s_i),
    x_{i->j} = G_j(c_i, s'),   s' ~ N(0, I)

Layout (thesis Tables A.13-A.18, sizes given there for 128x128 inputs; the widths, depths and
kernel are parameters here, so the same classes serve 32-64 px):

* :class:`ContentEncoder` (Table A.13): ``n_down`` times conv 7x7/1 + IN + max-pool 2x2 whose
  *pooling indices* are kept (64, 128, 256 channels), then ``n_res`` = 6 residual blocks with
  instance norm, 7x7 kernels ("RB(IN)4-9").
* :class:`StyleEncoder` (Table A.14): conv 7x7/1 (64), conv 4x4/2 (128), conv 4x4/2 (256), each
  with ReLU and no normalisation, global average pooling, conv 1x1 to ``style_dim`` = 8.
* :class:`StyleMLP` (Tables A.15-A.16): ``linear(8, 256)-relu-linear(256, 256)-relu`` shared,
  then one ``linear(256, 256)`` head per AdaIN parameter.
* :class:`Decoder` (Table A.17): ``n_res`` = 6 residual blocks with AdaIN ("RB(AdaIN)1-6",
  7x7), then ``n_down`` times max-unpool with the encoder's indices + conv 7x7/1 (128, 64, then
  the image), IN after every convolution but the last.
* :class:`MUNITDiscriminator` (Table A.18): conv 4x4/2 with leaky ReLU, 64-128-256-512
  channels, then conv 1x1 to one score per patch; no normalisation. Least-squares scores
  (eq. 5.4).

AdaIN on a feature ``e`` of shape ``(N, C, H, W)`` with per-sample, per-channel ``scale`` and
``shift`` ``(N, C)``::

    AdaIN(e) = scale * (e - mu(e)) / sqrt(var(e) + eps) + shift

with ``mu``, ``var`` over ``(H, W)`` of each sample and channel (the biased variance).

Readings and deviations, named:

* The tables list no activations in the content encoder and decoder; a ReLU follows every
  instance/adaptive normalisation except the second one of a residual block (MUNIT's blocks),
  and the image comes out through ``tanh`` (images in ``[-1, 1]``).
* Table A.14's sizes imply one more halving than its strides (``conv1`` is listed 7x7/1 but
  its ReLU halves the map); the strides are followed. The global average pooling makes the
  style code independent of the map size either way.
* Tables A.15-A.16 give one ``(scale, shift)`` pair of 256 values, so every AdaIN layer of the
  decoder's residual blocks shares it (MUNIT's code has a separate pair per AdaIN layer). The
  captions say that the head named ``mu`` scales and the one named ``sigma`` shifts; here they
  are called ``scale`` and ``shift``.
* The tables describe the pooling-indices variant (UDIT+PI, the one the thesis keeps after
  Section 5.6.4). The indices travel with the content code (:class:`Content`): ``G_j(c_i, s')``
  unpools with the indices of ``x_i``, and the content reconstruction (eq. 5.6) compares the
  codes only. ``pooling_indices=False`` gives the variant without side information: the
  same layers with nearest-neighbour upsampling in place of max-unpooling (the thesis does not
  print that layout).
* ``upsample_norm``: Table A.17 puts instance norm after the decoder's upsampling
  convolutions (``"in"``, the default). Instance norm there re-normalises every channel of
  every image after the AdaIN blocks and so removes the channel statistics the style has just
  set; MUNIT's code uses layer norm there for that reason (``"ln"``: one mean and variance per
  image over channels and positions, ``GroupNorm(1, C)``, with a per-channel affine).
* MUNIT's discriminator is multi-scale (three scales); Table A.18 has a single scale, which is
  followed. ``n_layers`` (4 in the table) is a parameter for small images; the leaky ReLU
  slope (not printed) is 0.2, as in MUNIT.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: The decoder's norms after its upsampling convolutions: Table A.17's instance norm, or MUNIT's
#: layer norm.
UPSAMPLE_NORMS = ("in", "ln")

__all__ = ["UPSAMPLE_NORMS", "Content", "ContentEncoder", "Decoder", "MUNITAutoEncoder", "MUNITDiscriminator",
           "ResBlock", "StyleEncoder", "StyleMLP", "adain", "check_munit_size"]


def check_munit_size(image_size: int, n_down: int) -> None:
    """Raise ``ValueError`` unless ``image_size`` halves ``n_down`` times without remainder."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}.")
    if image_size % (2 ** n_down):
        raise ValueError(f"image_size={image_size} must be divisible by 2**n_down = "
                         f"{2 ** n_down} (n_down={n_down} poolings).")


def adain(e: Tensor, scale: Tensor, shift: Tensor, eps: float = 1e-5) -> Tensor:
    """Adaptive instance normalisation: normalise each sample's channels over space, then
    scale and shift them.

    Args:
        e: features ``(N, C, H, W)``.
        scale, shift: ``(N, C)`` (or ``(C,)``, shared by the batch).
        eps: added to the variance.

    Returns:
        ``(N, C, H, W)`` whose channel ``k`` of sample ``n`` has spatial mean ``shift[n, k]``
        and standard deviation ``|scale[n, k]| * std / sqrt(var + eps)`` (``~ |scale|``).
    """
    if e.dim() != 4:
        raise ValueError(f"adain expects features (N, C, H, W), got {tuple(e.shape)}.")
    if scale.dim() == 1:
        scale, shift = scale.expand(e.shape[0], -1), shift.expand(e.shape[0], -1)
    if scale.shape != e.shape[:2] or shift.shape != e.shape[:2]:
        raise ValueError(f"scale {tuple(scale.shape)} and shift {tuple(shift.shape)} must be "
                         f"(N, C) = {tuple(e.shape[:2])}.")
    mu = e.mean(dim=(2, 3), keepdim=True)
    var = e.var(dim=(2, 3), keepdim=True, unbiased=False)
    return scale[:, :, None, None] * (e - mu) / torch.sqrt(var + eps) + shift[:, :, None, None]


@dataclasses.dataclass
class Content:
    """A content code and its side information.

    Attributes:
        code: ``c``, ``(N, C, H / 2**L, W / 2**L)`` with ``C = ngf * 2**(L-1)``.
        indices: the max-pooling indices of each level, shallowest first (empty without
            pooling indices); level ``l`` is ``(N, ngf * 2**l, H / 2**(l+1), W / 2**(l+1))``.
    """

    code: Tensor
    indices: tuple[Tensor, ...] = ()

    def detach(self) -> Content:
        return Content(self.code.detach(), tuple(i.detach() for i in self.indices))


def _conv(i: int, o: int, k: int, s: int = 1) -> nn.Conv2d:
    return nn.Conv2d(i, o, k, s, padding=k // 2 if s == 1 else (k - s) // 2)


class ResBlock(nn.Module):
    """``x + norm(conv(relu(norm(conv(x)))))`` with instance norm, or AdaIN when ``adaptive``
    (then :meth:`forward` takes the ``(scale, shift)`` pair, ``(N, C)`` each).

    Shapes: ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, kernel: int = 7, adaptive: bool = False):
        super().__init__()
        self.adaptive = adaptive
        self.conv1 = _conv(channels, channels, kernel)
        self.conv2 = _conv(channels, channels, kernel)
        if not adaptive:
            self.norm1 = nn.InstanceNorm2d(channels)
            self.norm2 = nn.InstanceNorm2d(channels)

    def forward(self, x: Tensor, params: tuple[Tensor, Tensor] | None = None) -> Tensor:
        if self.adaptive:
            if params is None:
                raise ValueError("An AdaIN residual block needs its (scale, shift) parameters.")
            h = F.relu(adain(self.conv1(x), *params))
            return x + adain(self.conv2(h), *params)
        h = F.relu(self.norm1(self.conv1(x)))
        return x + self.norm2(self.conv2(h))


class ContentEncoder(nn.Module):
    """``E^c`` (Table A.13): ``(N, input_nc, H, W) -> Content(code (N, ngf*2**(n_down-1),
    H/2**n_down, W/2**n_down), indices)``."""

    def __init__(self, input_nc: int = 3, ngf: int = 64, n_down: int = 3, n_res: int = 6,
                 kernel: int = 7, pooling_indices: bool = True):
        super().__init__()
        if n_down < 1:
            raise ValueError(f"n_down must be >= 1, got {n_down}.")
        self.pooling_indices = pooling_indices
        chans = [input_nc] + [ngf * 2 ** level for level in range(n_down)]
        self.levels = nn.ModuleList(
            nn.Sequential(_conv(chans[level], chans[level + 1], kernel),
                          nn.InstanceNorm2d(chans[level + 1]), nn.ReLU())
            for level in range(n_down))
        self.blocks = nn.ModuleList(ResBlock(chans[-1], kernel) for _ in range(n_res))
        self.out_channels = chans[-1]

    def forward(self, x: Tensor) -> Content:
        indices = []
        for level in self.levels:
            x, idx = F.max_pool2d(level(x), 2, 2, return_indices=True)
            if self.pooling_indices:
                indices.append(idx)
        for block in self.blocks:
            x = block(x)
        return Content(x, tuple(indices))


class StyleEncoder(nn.Module):
    """``E^s`` (Table A.14): ``(N, input_nc, H, W) -> (N, style_dim)``."""

    def __init__(self, input_nc: int = 3, ngf: int = 64, style_dim: int = 8):
        super().__init__()
        self.model = nn.Sequential(
            _conv(input_nc, ngf, 7), nn.ReLU(),
            _conv(ngf, 2 * ngf, 4, 2), nn.ReLU(),
            _conv(2 * ngf, 4 * ngf, 4, 2), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(4 * ngf, style_dim, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x).flatten(1)


class StyleMLP(nn.Module):
    """The affine parameters of AdaIN from a style code (Tables A.15-A.16): two shared layers,
    one head each. ``(N, style_dim) -> (scale (N, channels), shift (N, channels))``."""

    def __init__(self, style_dim: int = 8, hidden: int = 256, channels: int = 256):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(style_dim, hidden), nn.ReLU(),
                                    nn.Linear(hidden, hidden), nn.ReLU())
        self.scale = nn.Linear(hidden, channels)  # Table A.15 ("mu", the scale)
        self.shift = nn.Linear(hidden, channels)  # Table A.16 ("sigma", the shift)

    def forward(self, s: Tensor) -> tuple[Tensor, Tensor]:
        h = self.shared(s)
        return self.scale(h), self.shift(h)


class Decoder(nn.Module):
    """``G`` (Table A.17): ``Content`` + style ``(N, style_dim)`` -> ``(N, output_nc, H, W)`` in
    ``[-1, 1]``."""

    def __init__(self, output_nc: int = 3, ngf: int = 64, n_down: int = 3, n_res: int = 6,
                 kernel: int = 7, style_dim: int = 8, mlp_dim: int = 256,
                 pooling_indices: bool = True, upsample_norm: str = "in"):
        super().__init__()
        if upsample_norm not in UPSAMPLE_NORMS:
            raise ValueError(f"upsample_norm must be one of {', '.join(UPSAMPLE_NORMS)}, got "
                             f"{upsample_norm!r}.")
        self.pooling_indices = pooling_indices
        self.style_dim = style_dim
        chans = [ngf * 2 ** level for level in range(n_down)]
        self.mlp = StyleMLP(style_dim, mlp_dim, chans[-1])
        self.blocks = nn.ModuleList(ResBlock(chans[-1], kernel, adaptive=True)
                                    for _ in range(n_res))
        layers = []
        for level in reversed(range(n_down)):
            out = chans[level - 1] if level > 0 else output_nc
            if level > 0:
                norm = nn.InstanceNorm2d(out) if upsample_norm == "in" else nn.GroupNorm(1, out)
                layers.append(nn.Sequential(_conv(chans[level], out, kernel), norm, nn.ReLU()))
            else:
                layers.append(nn.Sequential(_conv(chans[level], out, kernel), nn.Tanh()))
        self.levels = nn.ModuleList(layers)

    def forward(self, content: Content, style: Tensor) -> Tensor:
        if style.dim() != 2 or style.shape[1] != self.style_dim:
            raise ValueError(f"style must be (N, {self.style_dim}), got {tuple(style.shape)}.")
        if style.shape[0] != content.code.shape[0]:
            raise ValueError(f"{style.shape[0]} style code(s) for {content.code.shape[0]} "
                             "content code(s).")
        if self.pooling_indices and len(content.indices) != len(self.levels):
            raise ValueError(f"The decoder unpools {len(self.levels)} level(s) but the content "
                             f"carries {len(content.indices)} set(s) of pooling indices.")
        params = self.mlp(style)
        x = content.code
        for block in self.blocks:
            x = block(x, params)
        for k, level in enumerate(self.levels):
            if self.pooling_indices:
                idx = content.indices[len(self.levels) - 1 - k]
                x = F.max_unpool2d(x, idx, 2, 2,
                                   output_size=(2 * idx.shape[2], 2 * idx.shape[3]))
            else:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = level(x)
        return x


class MUNITAutoEncoder(nn.Module):
    """One domain's ``E^c``, ``E^s`` and ``G``; ``forward(x)`` reconstructs ``x`` (eq. 5.5's
    ``G_i(c_i, s_i)``). Shapes: ``(N, nc, H, W) -> (N, nc, H, W)``."""

    def __init__(self, nc: int = 3, ngf: int = 64, n_down: int = 3, n_res: int = 6,
                 kernel: int = 7, style_dim: int = 8, mlp_dim: int = 256,
                 pooling_indices: bool = True, upsample_norm: str = "in"):
        super().__init__()
        self.style_dim = style_dim
        self.E_c = ContentEncoder(nc, ngf, n_down, n_res, kernel, pooling_indices)
        self.E_s = StyleEncoder(nc, ngf, style_dim)
        self.G = Decoder(nc, ngf, n_down, n_res, kernel, style_dim, mlp_dim, pooling_indices,
                         upsample_norm)

    def encode(self, x: Tensor) -> tuple[Content, Tensor]:
        """``(c, s) = (E^c(x), E^s(x))``."""
        return self.E_c(x), self.E_s(x)

    def decode(self, content: Content, style: Tensor) -> Tensor:
        return self.G(content, style)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(*self.encode(x))


class MUNITDiscriminator(nn.Module):
    """``D_j`` (Table A.18): ``(N, nc, H, W) -> (N, 1, H / 2**n_layers, W / 2**n_layers)``
    least-squares scores."""

    def __init__(self, nc: int = 3, ndf: int = 64, n_layers: int = 4):
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}.")
        layers: list[nn.Module] = []
        i = nc
        for level in range(n_layers):
            o = ndf * 2 ** level
            layers += [nn.Conv2d(i, o, 4, 2, 1), nn.LeakyReLU(0.2)]
            i = o
        layers.append(nn.Conv2d(i, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
