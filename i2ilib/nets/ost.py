"""The networks of OST, One-Shot Unsupervised Cross-Domain Translation (Benaim & Wolf, NeurIPS
2018): per-domain encoders and decoders whose layers far from the image are shared.

Notation of the slides ("Selective Backpropagation")::

    E_B = E^S o E_B^U         G_B = G_B^U o G^S         (the auto-encoder of domain B, Phase I)
    E_A = E^S o E_A^U         G_A = G_A^U o G^S         (added for the one sample x, Phase II)

    T_AA = G_A^U(G^S(E^S(E_A^U(x))))     T_AB = G_B^U(G^S(E^S(E_A^U(x))))
    T_BB = G_B^U(G^S(E^S(E_B^U(x))))     T_BA = G_A^U(G^S(E^S(E_B^U(x))))

* ``E_X^U`` (unshared encoder of domain X, close to the image): ``c7s1-ngf`` then
  ``n_unshared`` downsampling layers ``d(2 ngf) ... d(ngf 2^n_unshared)``.
* ``E^S`` (shared encoder, "upper layers"): the remaining downsampling layers up to
  ``d(ngf 2^n_downsampling)``, then ``n_blocks_shared`` residual blocks. Its output is the mean
  ``mu`` of the Gaussian latent code (VAE-style: the slides' ``L_VAE_B = KL(E_B o P(Lambda) ||
  N(0, I))``; the variance is fixed to 1, as in UNIT, which the slides cite for the shared
  latent space).
* ``G^S`` (shared decoder, "lower layers"): ``n_blocks_shared`` residual blocks, then the
  upsampling layers back to width ``ngf 2^n_unshared``.
* ``G_X^U`` (unshared decoder of domain X): the last ``n_unshared`` upsampling layers, then
  ``c7s1-output_nc`` and ``tanh``.

Layers are those of CycleGAN's ResNet generator (:mod:`i2ilib.nets.resnet`, notation there), cut
into four parts: without unshared residual blocks, the path ``E_X^U, E^S, G^S, G_X^U`` is
``resnet_<2 n_blocks_shared>blocks`` layer for layer, whatever ``n_unshared``. The slides give no layer sizes; the
defaults (``ngf = 64``, ``n_downsampling = 2``, ``n_unshared = 1``, six residual blocks in
``E^S`` and six in ``G^S``, none unshared, instance norm, reflection padding) are those of the
authors' public implementation for the drawing and style-transfer tasks
(github.com/sagiebenaim/OneShotTranslation, ``drawing_and_style_transfer/options``). Deviations,
named:

* Unshared residual blocks (``n_blocks_unshared > 0``, off by default) work at the width of the
  unshared layers, ``ngf 2^n_unshared``; the authors' code would give them the bottleneck width.
* The authors' MNIST/SVHN experiments (the slides' Fig. 3) use a smaller DCGAN-style network
  (4x4 convolutions, batch norm, leaky ReLU) that shares every layer but the first and the last;
  here the same ResNet parts serve every task, made small by ``ngf`` and ``n_blocks_shared``
  (``n_unshared = 0`` leaves only ``c7s1`` and the output layer unshared, as there).

The discriminator ``D_B`` is the PatchGAN of :mod:`i2ilib.nets.patchgan` (the slides: "use of a
Patch GAN ... induces further prior on the network").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .init import init_weights
from .norm import check_norm, get_norm_layer, uses_conv_bias
from .resnet import ResnetBlock, _padding

__all__ = [
    "OSTArchitecture",
    "OSTTranslator",
    "SharedDecoder",
    "SharedEncoder",
    "UnsharedDecoder",
    "UnsharedEncoder",
    "define_ost_parts",
]


@dataclass(frozen=True)
class OSTArchitecture:
    """Sizes of the four parts (see the module docstring).

    Attributes:
        ngf: filters of the first layer (64 published).
        n_downsampling: stride-2 layers in an encoder (and transposed ones in a decoder), 2.
        n_unshared: how many of them belong to the unshared parts ``E_X^U`` / ``G_X^U``
            (0 .. ``n_downsampling``; 1 in the authors' options).
        n_blocks_shared: residual blocks in ``E^S`` and, as many again, in ``G^S`` (6 each).
        n_blocks_unshared: residual blocks in each unshared part (0).
        norm: ``"instance"`` (published), ``"batch"`` or ``"none"``.
        padding_type: padding inside residual blocks, ``"reflect"`` (published).
    """

    ngf: int = 64
    n_downsampling: int = 2
    n_unshared: int = 1
    n_blocks_shared: int = 6
    n_blocks_unshared: int = 0
    norm: str = "instance"
    padding_type: str = "reflect"

    def __post_init__(self) -> None:
        for name, low in (("ngf", 1), ("n_downsampling", 0), ("n_unshared", 0),
                          ("n_blocks_shared", 0), ("n_blocks_unshared", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"OSTArchitecture: {name} must be an integer >= {low}, got "
                                 f"{value!r}.")
        if self.n_unshared > self.n_downsampling:
            raise ValueError(
                f"OSTArchitecture: n_unshared={self.n_unshared} exceeds n_downsampling="
                f"{self.n_downsampling}: the unshared parts hold at most every downsampling "
                "layer (then E^S and G^S hold only residual blocks).")
        check_norm(self.norm)
        _padding(self.padding_type, 1)  # validates the name

    @property
    def latent_channels(self) -> int:
        """Channels of the latent code ``mu = E^S(E_X^U(x))``: ``ngf 2^n_downsampling``."""
        return self.ngf * 2**self.n_downsampling

    @property
    def unshared_channels(self) -> int:
        """Channels between the unshared and the shared parts: ``ngf 2^n_unshared``."""
        return self.ngf * 2**self.n_unshared

    @property
    def size_multiple(self) -> int:
        """Image sides must be multiples of ``2^n_downsampling``."""
        return 2**self.n_downsampling

    def check_image_size(self, h: int, w: int) -> None:
        """Raise a ``ValueError`` for an image side the parts cannot take back to its size."""
        factor = self.size_multiple
        smallest = max(4, 2 * factor)  # reflection pads: 3 at the ends, 1 at the bottleneck
        if h % factor or w % factor or min(h, w) < smallest:
            raise ValueError(
                f"OST networks with n_downsampling={self.n_downsampling} need H and W to be "
                f"multiples of {factor} and at least {smallest} (got {h}x{w}): resize or crop "
                "the images (e.g. to 32 or 256 px).")


def _down(c_in: int, c_out: int, norm: str, bias: bool) -> list[nn.Module]:
    """``dk``: 3x3 convolution, stride 2, norm, ReLU."""
    return [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1, bias=bias),
            get_norm_layer(norm)(c_out), nn.ReLU(True)]


def _up(c_in: int, c_out: int, norm: str, bias: bool) -> list[nn.Module]:
    """``uk``: 3x3 transposed convolution, stride 1/2, norm, ReLU."""
    return [nn.ConvTranspose2d(c_in, c_out, kernel_size=3, stride=2, padding=1,
                               output_padding=1, bias=bias),
            get_norm_layer(norm)(c_out), nn.ReLU(True)]


def _blocks(dim: int, n: int, arch: OSTArchitecture, bias: bool) -> list[nn.Module]:
    return [ResnetBlock(dim, arch.padding_type, arch.norm, False, conv_bias=bias)
            for _ in range(n)]


class _Part(nn.Module):
    """A part of the OST networks: ``self.model`` (an ``nn.Sequential``) with a shape check."""

    in_channels: int
    out_channels: int
    scale: float  # output side / input side

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expects (N, {self.in_channels}, H, W) "
                             f"input, got {tuple(x.shape)}.")
        return self.model(x)


class UnsharedEncoder(_Part):
    """``E_X^U``: ``c7s1-ngf``, ``n_unshared`` downsampling layers, ``n_blocks_unshared`` blocks.

    Shapes: ``(N, input_nc, H, W) -> (N, ngf 2^n_unshared, H / 2^n_unshared, W / 2^n_unshared)``.
    """

    def __init__(self, input_nc: int, arch: OSTArchitecture) -> None:
        bias = uses_conv_bias(arch.norm)
        layers: list[nn.Module] = [nn.ReflectionPad2d(3),
                                   nn.Conv2d(input_nc, arch.ngf, kernel_size=7, bias=bias),
                                   get_norm_layer(arch.norm)(arch.ngf), nn.ReLU(True)]
        for i in range(arch.n_unshared):
            layers += _down(arch.ngf * 2**i, arch.ngf * 2 ** (i + 1), arch.norm, bias)
        layers += _blocks(arch.unshared_channels, arch.n_blocks_unshared, arch, bias)
        super().__init__(layers)
        self.in_channels, self.out_channels = input_nc, arch.unshared_channels


class SharedEncoder(_Part):
    """``E^S``: downsampling layers ``n_unshared .. n_downsampling - 1``, ``n_blocks_shared``
    residual blocks; returns the latent mean ``mu``.

    Shapes: ``(N, ngf 2^n_unshared, h, w) -> (N, ngf 2^n_downsampling, h / 2^k, w / 2^k)`` with
    ``k = n_downsampling - n_unshared``.
    """

    def __init__(self, arch: OSTArchitecture) -> None:
        bias = uses_conv_bias(arch.norm)
        layers: list[nn.Module] = []
        for i in range(arch.n_unshared, arch.n_downsampling):
            layers += _down(arch.ngf * 2**i, arch.ngf * 2 ** (i + 1), arch.norm, bias)
        layers += _blocks(arch.latent_channels, arch.n_blocks_shared, arch, bias)
        super().__init__(layers)
        self.in_channels, self.out_channels = arch.unshared_channels, arch.latent_channels


class SharedDecoder(_Part):
    """``G^S``: ``n_blocks_shared`` residual blocks, then the upsampling layers from width
    ``ngf 2^n_downsampling`` to ``ngf 2^n_unshared``.

    Shapes: ``(N, ngf 2^n_downsampling, h, w) -> (N, ngf 2^n_unshared, h 2^k, w 2^k)`` with
    ``k = n_downsampling - n_unshared``.
    """

    def __init__(self, arch: OSTArchitecture) -> None:
        bias = uses_conv_bias(arch.norm)
        layers = _blocks(arch.latent_channels, arch.n_blocks_shared, arch, bias)
        for i in range(arch.n_downsampling, arch.n_unshared, -1):
            layers += _up(arch.ngf * 2**i, arch.ngf * 2 ** (i - 1), arch.norm, bias)
        super().__init__(layers)
        self.in_channels, self.out_channels = arch.latent_channels, arch.unshared_channels


class UnsharedDecoder(_Part):
    """``G_X^U``: ``n_blocks_unshared`` blocks, the last ``n_unshared`` upsampling layers,
    ``c7s1-output_nc`` and ``tanh``.

    Shapes: ``(N, ngf 2^n_unshared, h, w) -> (N, output_nc, h 2^n_unshared, w 2^n_unshared)``,
    values in ``(-1, 1)``.
    """

    def __init__(self, output_nc: int, arch: OSTArchitecture) -> None:
        bias = uses_conv_bias(arch.norm)
        layers = _blocks(arch.unshared_channels, arch.n_blocks_unshared, arch, bias)
        for i in range(arch.n_unshared, 0, -1):
            layers += _up(arch.ngf * 2**i, arch.ngf * 2 ** (i - 1), arch.norm, bias)
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(arch.ngf, output_nc, kernel_size=7),
                   nn.Tanh()]
        super().__init__(layers)
        self.in_channels, self.out_channels = arch.unshared_channels, output_nc


class OSTTranslator(nn.Module):
    """One of the mappings ``T_XY = G_Y^U o G^S o E^S o E_X^U`` (the slides' T_AA, T_AB, T_BA,
    T_BB), built from parts that other translators may hold too (no copy: the same modules).

    Its ``state_dict`` holds the four parts under ``E_U.``, ``E_S.``, ``G_S.`` and ``G_U.``, so
    a stored translator loads into one that :func:`define_ost_parts` builds afresh.

    Shapes: ``(N, C_X, H, W) -> (N, C_Y, H, W)``, values in ``(-1, 1)``; ``H`` and ``W``
    multiples of ``2^n_downsampling`` (see :meth:`OSTArchitecture.check_image_size`).
    """

    def __init__(self, E_U: UnsharedEncoder, E_S: SharedEncoder, G_S: SharedDecoder,
                 G_U: UnsharedDecoder, arch: OSTArchitecture) -> None:
        super().__init__()
        self.E_U, self.E_S, self.G_S, self.G_U = E_U, E_S, G_S, G_U
        self.arch = arch

    def encode(self, x: Tensor) -> Tensor:
        """The latent mean ``mu = E^S(E_X^U(x))``: ``(N, C_X, H, W) -> (N, ngf 2^n_downsampling,
        H / 2^n_downsampling, W / 2^n_downsampling)``."""
        if x.dim() != 4:
            raise ValueError(f"OSTTranslator expects (N, C, H, W) images, got {tuple(x.shape)}.")
        self.arch.check_image_size(*x.shape[-2:])
        return self.E_S(self.E_U(x))

    def decode(self, z: Tensor) -> Tensor:
        """``G_Y^U(G^S(z))``: a latent code back to an image of domain Y."""
        return self.G_U(self.G_S(z))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


def define_ost_parts(
    input_nc: int,
    output_nc: int,
    arch: OSTArchitecture,
    domains: str = "AB",
    init_type: str = "normal",
    init_gain: float = 0.02,
    generator: torch.Generator | None = None,
) -> dict[str, nn.Module]:
    """The parts, initialised as the reference does (``N(0, 0.02)``).

    Args:
        input_nc: channels of domain A images (``E_A^U``'s input, ``G_A^U``'s output).
        output_nc: channels of domain B images.
        arch: the sizes.
        domains: ``"B"`` (Phase I: ``E_B_U, E_S, G_S, G_B_U``) or ``"AB"`` (Phase II: with
            ``E_A_U`` and ``G_A_U``).
        init_type / init_gain / generator: see :func:`~i2ilib.nets.init.init_weights`; parts
            are initialised in the order of the returned dict.

    Returns:
        ``{"E_A_U", "E_B_U", "E_S", "G_S", "G_A_U", "G_B_U"}`` (those of ``domains``), the
        slides' ``E_A^U, E_B^U, E^S, G^S, G_A^U, G_B^U``.
    """
    if domains not in ("B", "AB"):
        raise ValueError(f"domains must be 'B' (Phase I) or 'AB' (Phase II), got {domains!r}.")
    for name, value in (("input_nc", input_nc), ("output_nc", output_nc)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    parts: dict[str, nn.Module] = {}
    if "A" in domains:
        parts["E_A_U"] = UnsharedEncoder(input_nc, arch)
    parts["E_B_U"] = UnsharedEncoder(output_nc, arch)
    parts["E_S"] = SharedEncoder(arch)
    parts["G_S"] = SharedDecoder(arch)
    if "A" in domains:
        parts["G_A_U"] = UnsharedDecoder(input_nc, arch)
    parts["G_B_U"] = UnsharedDecoder(output_nc, arch)
    for net in parts.values():
        init_weights(net, init_type=init_type, init_gain=init_gain, generator=generator)
    return parts
