"""The networks of content transfer (Press, Galanti, Benaim & Wolf, ICLR 2019, "Emerging
disentanglement in auto-encoder based unsupervised image content transfer").

Two image domains: A (faces without an attribute) and B (faces with it). B holds everything A
holds plus some *separate* content (the glasses). The model has

* :class:`ConvEncoder` as ``e1``, the **common** encoder: the content both domains share, a
  spatial code ``(N, content_nc, H / 2^n_down, W / 2^n_down)``;
* :class:`ConvEncoder` as ``e2``, the **separate** encoder: the content only B has, a small
  vector ``(N, sep, 1, 1)`` (it downsamples to 1 x 1, as the reference code's ``E2`` does at
  64 px; its widths stop at ``4 ngf``, a low-capacity encoder);
* :class:`ContentDecoder` ``g``, one decoder for both domains: it reads ``[e1(x), e2(x)]``,
  the separate code tiled over the common code's positions;
* :class:`LatentDiscriminator` ``d``, a classifier of which domain ``e1``'s code came from
  (used for domain confusion only, never on images).

:class:`ContentTransferNet` bundles ``e1``, ``e2`` and ``g`` and names the operations the paper
uses: reconstruction of A with ``e2 = 0``, of B with its own ``e2``, **removal**
``g(e1(b), 0)`` and **guided transfer** ``g(e1(a), e2(b'))``. With ``separate="fader"`` the
separate code is replaced by the attribute's one-hot label (two channels), which gives the
Fader-networks-style baseline (Lample et al. 2017): the decoder is told *whether* the
attribute is there, not *what* it looks like.

Layers follow the reference implementation's pattern (4 x 4 convolutions of stride 2, instance
norm, LeakyReLU 0.2 in the encoders, transposed convolutions with ReLU in the decoder, a tanh
output). Deviations, for the book's scale: widths are ``ngf * 2^i`` (capped at ``8 ngf``)
instead of 32 ... 512, the common code keeps an ``H / 2^n_down`` grid (the reference one goes
to ``H / 64`` plus a 2-channel side path at ``H / 8``), and the last layer of each encoder is
a plain convolution (an instance norm of a 1 x 1 map would be identically zero).

Two options, off by default (the networks above, unchanged):

* ``side_nc > 0``: a **side path** from ``e1``'s early layers into the decoder. One version of
  the reference ``models.py`` has it: ``E1`` returns, beside its code, a 2-channel map taken by
  a 1 x 1 convolution (LeakyReLU 0.2) from its third layer (``H / 8``), the decoder
  concatenates that map to its activations of the same size, and the latent discriminator
  reads the code *and* the map. Here the map is taken after ``e1``'s layer ``side_level``
  (``H / 2^side_level``; the reference's is three octaves above its ``H / 64`` code, the book's
  common code is already at ``H / 4``, so its side path sits one octave above it), and it is
  packed into ``e1``'s code by a space-to-depth rearrangement, so that ``common(x)`` stays one
  tensor that the latent discriminator reads whole, as the reference's ``Disc`` does;
* ``separate_every_layer``: the separate code is tiled and concatenated to the input of every
  decoder layer, not only the first (the decoder cannot drop it on the way up; not in the
  reference code).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .init import init_weights
from .norm import get_norm_layer, uses_conv_bias

__all__ = ["SEPARATE_KINDS", "ContentDecoder", "ContentTransferNet", "ConvEncoder",
           "LatentDiscriminator", "n_down_to_vector"]

#: What the decoder receives beside ``e1``'s code: ``"e2"`` (the paper) or ``"fader"`` (the
#: attribute's one-hot label, the Fader-networks-style baseline).
SEPARATE_KINDS = ("e2", "fader")


def _width(ngf: int, i: int, max_mult: int = 8) -> int:
    return ngf * min(2 ** i, max_mult)


def n_down_to_vector(size: int) -> int:
    """The number of stride-2 layers that take a ``size`` x ``size`` image to 1 x 1."""
    n = round(math.log2(size))
    if size < 2 or 2 ** n != size:
        raise ValueError(f"image size must be a power of two >= 2, got {size}")
    return n


class ConvEncoder(nn.Module):
    """``n_down`` layers ``Conv4x4(stride 2) - norm - LeakyReLU(0.2)``, widths ``ngf, 2 ngf, ...``
    (capped at ``max_mult * ngf``); the last one is a plain ``Conv4x4(stride 2)`` to ``out_nc`` channels.

    ``(N, input_nc, H, W) -> (N, out_nc, H / 2^n_down, W / 2^n_down)``.
    """

    def __init__(self, input_nc: int = 3, out_nc: int = 64, ngf: int = 32, n_down: int = 3,
                 norm: str = "instance", max_mult: int = 8):
        super().__init__()
        if n_down < 1:
            raise ValueError(f"n_down must be >= 1, got {n_down}")
        norm_layer, bias = get_norm_layer(norm), uses_conv_bias(norm)
        layers: list[nn.Module] = []
        c_in = input_nc
        for i in range(n_down - 1):
            c_out = _width(ngf, i, max_mult)
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=bias), norm_layer(c_out),
                       nn.LeakyReLU(0.2, inplace=True)]
            c_in = c_out
        layers.append(nn.Conv2d(c_in, out_nc, 4, 2, 1))
        self.model = nn.Sequential(*layers)
        self.n_down, self.out_nc = n_down, out_nc

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)

    def forward_with_features(self, x: Tensor, level: int) -> tuple[Tensor, Tensor]:
        """``(forward(x), the activation after layer `level`)`` (``1 <= level < n_down``,
        after its LeakyReLU, ``H / 2^level`` wide)."""
        if not 1 <= level < self.n_down:
            raise ValueError(f"level must be in 1..{self.n_down - 1}, got {level}")
        feat = None
        for i, layer in enumerate(self.model):
            x = layer(x)
            if i == 3 * level - 1:
                feat = x
        return x, feat


class ContentDecoder(nn.Module):
    """``g``: ``n_up`` layers ``ConvTranspose4x4(stride 2) - norm - ReLU`` from ``in_nc``
    channels, widths mirroring the encoder's, the last one to ``output_nc`` channels and tanh.

    ``(N, in_nc, h, w) -> (N, output_nc, h 2^n_up, w 2^n_up)``.

    Extra inputs (none by default): ``side_nc`` channels concatenated to the input of layer
    ``side_at`` (0 = the first; that input is ``h 2^side_at`` wide), and ``every_nc`` channels
    of a ``(N, every_nc, 1, 1)`` code tiled and concatenated to the input of every layer after
    the first.
    """

    def __init__(self, in_nc: int, output_nc: int = 3, ngf: int = 32, n_up: int = 3,
                 norm: str = "instance", side_nc: int = 0, side_at: int = 0,
                 every_nc: int = 0):
        super().__init__()
        if side_nc and not 0 <= side_at < n_up:
            raise ValueError(f"side_at must be in 0..{n_up - 1}, got {side_at}")
        norm_layer, bias = get_norm_layer(norm), uses_conv_bias(norm)
        layers: list[nn.Module] = []
        c_in = in_nc
        self.side_nc, self.side_at, self.every_nc = side_nc, side_at, every_nc
        for j, i in enumerate(reversed(range(n_up - 1))):
            c_out = _width(ngf, i)
            c_in += self._extra(j)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias), norm_layer(c_out),
                       nn.ReLU(inplace=True)]
            c_in = c_out
        c_in += self._extra(n_up - 1)
        layers += [nn.ConvTranspose2d(c_in, output_nc, 4, 2, 1), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def _extra(self, j: int) -> int:
        """The channels layer ``j`` reads beside its predecessor's output."""
        return (self.side_nc if j == self.side_at else 0) + (self.every_nc if j > 0 else 0)

    def forward(self, z: Tensor, side: Tensor | None = None, every: Tensor | None = None) -> Tensor:
        if not (self.side_nc or self.every_nc):
            return self.model(z)
        j = 0
        for layer in self.model:
            if isinstance(layer, nn.ConvTranspose2d):
                extra = []
                if self.side_nc and j == self.side_at:
                    extra.append(side)
                if self.every_nc and j > 0:
                    extra.append(every.expand(-1, -1, z.shape[2], z.shape[3]))
                if extra:
                    z = torch.cat([z, *extra], dim=1)
                j += 1
            z = layer(z)
        return z


class LatentDiscriminator(nn.Module):
    """``d``: which domain a common code came from, as a logit (B = 1, A = 0).

    A two-layer perceptron on the flattened code, as the reference ``Disc`` (hidden width
    ``hidden``, LeakyReLU 0.2); it returns logits, for ``binary_cross_entropy_with_logits``.
    ``(N, content_nc, h, w) -> (N,)``.
    """

    def __init__(self, content_nc: int, spatial: int, hidden: int = 256):
        super().__init__()
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(content_nc * spatial * spatial, hidden),
                                   nn.LeakyReLU(0.2, inplace=True), nn.Linear(hidden, 1))

    def forward(self, z: Tensor) -> Tensor:
        return self.model(z).view(-1)


class ContentTransferNet(nn.Module):
    """``e1``, ``e2`` (or the Fader label) and ``g`` of content transfer.

    Args:
        size: image side in pixels (``e2`` downsamples it to 1 x 1).
        input_nc: image channels.
        ngf: width of the first layer of every encoder and of the decoder's last.
        n_down: stride-2 layers of ``e1`` (the common code is ``size / 2^n_down`` wide).
        content_nc: channels of the common code.
        sep: dimensions of the separate code ``e2`` (the reference's ``--sep``, 25).
        norm: ``"instance"`` (reference), ``"batch"`` or ``"none"``.
        separate: ``"e2"`` (the paper) or ``"fader"`` (one-hot label instead of ``e2``).
        side_nc: channels of the side path from ``e1``'s layer ``side_level`` into the decoder
            (0: none; module docstring). ``common(x)`` then holds ``content_nc +
            side_nc 4^(n_down - side_level)`` channels (:attr:`code_nc`).
        side_level: the ``e1`` layer the side path leaves from (``1 <= side_level < n_down``).
        separate_every_layer: the separate code enters every decoder layer, not only the first.
    """

    def __init__(self, size: int = 64, input_nc: int = 3, ngf: int = 32, n_down: int = 3,
                 content_nc: int = 64, sep: int = 25, norm: str = "instance",
                 separate: str = "e2", side_nc: int = 0, side_level: int = 1,
                 separate_every_layer: bool = False):
        super().__init__()
        if separate not in SEPARATE_KINDS:
            raise ValueError(f"separate must be one of {SEPARATE_KINDS}, got {separate!r}")
        if size % (2 ** n_down):
            raise ValueError(f"size {size} is not divisible by 2^n_down = {2 ** n_down}")
        self.size, self.separate, self.sep = size, separate, sep if separate == "e2" else 2
        self.spatial = size // 2 ** n_down
        self.e1 = ConvEncoder(input_nc, content_nc, ngf, n_down, norm)
        self.e2 = (ConvEncoder(input_nc, sep, ngf, n_down_to_vector(size), norm, max_mult=4)
                   if separate == "e2" else None)
        self.content_nc, self.side_nc = content_nc, side_nc
        self.side_level, self.separate_every_layer = side_level, separate_every_layer
        self.side_factor = 2 ** (n_down - side_level)
        self.code_nc = content_nc + side_nc * self.side_factor ** 2
        if side_nc:
            if not 1 <= side_level < n_down:
                raise ValueError(f"side_level must be in 1..{n_down - 1}, got {side_level}")
            self.side = nn.Sequential(nn.Conv2d(_width(ngf, side_level - 1), side_nc, 1),
                                      nn.LeakyReLU(0.2, inplace=True))
        self.g = ContentDecoder(content_nc + self.sep, input_nc, ngf, n_down, norm,
                                side_nc=side_nc, side_at=n_down - side_level,
                                every_nc=self.sep if separate_every_layer else 0)

    # ------------------------------------------------------------------ codes
    def common(self, x: Tensor) -> Tensor:
        """``e1(x)``: ``(N, code_nc, h, w)`` (the code, then the side path's map packed
        space-to-depth when ``side_nc > 0``)."""
        if not self.side_nc:
            return self.e1(x)
        z, feat = self.e1.forward_with_features(x, self.side_level)
        side = self.side(feat)
        return torch.cat([z, nn.functional.pixel_unshuffle(side, self.side_factor)], dim=1)

    def separate_code(self, x: Tensor) -> Tensor:
        """``e2(x)``: ``(N, sep, 1, 1)`` (Fader: the one-hot label "attribute on")."""
        if self.e2 is None:
            return self.label(x.shape[0], True, x)
        return self.e2(x)

    def zero_code(self, n: int, like: Tensor) -> Tensor:
        """The separate code of A: ``0_{E_2}`` (Fader: the one-hot label "attribute off")."""
        if self.e2 is None:
            return self.label(n, False, like)
        return like.new_zeros(n, self.sep, 1, 1)

    def label(self, n: int, on: bool, like: Tensor) -> Tensor:
        """The Fader label ``(n, 2, 1, 1)``: ``[1, 0]`` off (A), ``[0, 1]`` on (B)."""
        y = like.new_zeros(n, 2, 1, 1)
        y[:, int(on)] = 1.0
        return y

    def decode(self, common: Tensor, separate: Tensor) -> Tensor:
        """``g([common, separate])``: the separate code is tiled over the common code's grid."""
        if separate.dim() == 2:
            separate = separate[:, :, None, None]
        if separate.shape[0] != common.shape[0] or separate.shape[1] != self.sep:
            raise ValueError(f"separate code of shape {tuple(separate.shape)} does not fit "
                             f"{common.shape[0]} common codes and sep={self.sep}")
        z, side = common, None
        if self.side_nc:
            z, packed = common[:, :self.content_nc], common[:, self.content_nc:]
            side = nn.functional.pixel_shuffle(packed, self.side_factor)
        tiled = separate.expand(-1, -1, z.shape[2], z.shape[3])
        return self.g(torch.cat([z, tiled], dim=1), side,
                      separate if self.separate_every_layer else None)

    # ------------------------------------------------------------------ operations
    def reconstruct_A(self, a: Tensor) -> Tensor:
        """``g(e1(a), 0)``: how ``L_A`` reconstructs an A image."""
        return self.decode(self.common(a), self.zero_code(a.shape[0], a))

    def reconstruct_B(self, b: Tensor) -> Tensor:
        """``g(e1(b), e2(b))``: how ``L_B`` reconstructs a B image."""
        return self.decode(self.common(b), self.separate_code(b))

    def remove(self, b: Tensor) -> Tensor:
        """``g(e1(b), 0)``: ``b`` with its separate content removed (B -> A)."""
        return self.reconstruct_A(b)

    def transfer(self, a: Tensor, guide: Tensor) -> Tensor:
        """``g(e1(a), e2(guide))``: ``a`` given the separate content of ``guide`` (A -> B).
        ``guide`` is one image per ``a`` (or a single one for all). Fader: the guide is ignored
        (the label says "on")."""
        if guide.shape[0] == 1 and a.shape[0] > 1:
            guide = guide.expand(a.shape[0], -1, -1, -1)
        return self.decode(self.common(a), self.separate_code(guide))

    def forward(self, x: Tensor) -> Tensor:
        """Removal, ``g(e1(x), 0)`` (what ``translate`` runs)."""
        return self.remove(x)


def build_content_transfer(size: int = 64, input_nc: int = 3, ngf: int = 32, n_down: int = 3,
                           content_nc: int = 64, sep: int = 25, norm: str = "instance",
                           separate: str = "e2", hidden_D: int = 256, init_type: str = "normal",
                           init_gain: float = 0.02, side_nc: int = 0, side_level: int = 1,
                           separate_every_layer: bool = False) -> tuple[ContentTransferNet,
                                                                        LatentDiscriminator]:
    """The model and its latent discriminator (reading ``e1``'s whole code, side path
    included), initialised as the other trainers do."""
    net = ContentTransferNet(size, input_nc, ngf, n_down, content_nc, sep, norm, separate,
                             side_nc, side_level, separate_every_layer)
    d = LatentDiscriminator(net.code_nc, net.spatial, hidden_D)
    return init_weights(net, init_type, init_gain), init_weights(d, init_type, init_gain)
