"""Mix and match networks (M&MNets; Wang 2020, thesis chapter 4): one encoder and one decoder per
modality, all meeting in one shared latent space, so that any encoder can feed any decoder.

Section numbers, equations and tables below are the thesis's (``wang2020-thesis-transferring-
learning-representations``): Section 4.4.2 (architecture), Section 4.4.4 (side information),
Appendix A.3.1, Tables A.3-A.6 (layers).

Modalities (Section 4.4.2): RGB ``R`` (``x``), depth ``D`` (``z``) and semantic segmentation
``S`` (``y``), with encoders ``f_R, f_D, f_S`` and decoders ``g_R, g_D, g_S``; the translation
from modality ``i`` to ``j`` is ``T_ij = g_j o f_i`` (``T_RS(x) = g_S(f_R(x))``, the unseen
``T_DS(z) = g_S(f_D(z))``, the auto-encoders ``T_RR, T_DD, T_SS``).

Encoder (Table A.3, SegNet's encoder, the 13 convolutions of VGG-16): five levels of 3x3
convolutions (2, 2, 3, 3, 3 of them) with ``64, 128, 256, 512, 512`` channels, each convolution
followed by batch norm and ReLU, each level closed by a 2x2 max pooling with stride 2 that also
returns its *pooling indices*. The latent code ``h`` is the last pooling's output,
``(N, 512, H/32, W/32)``.

Decoders of depth and segmentation (Table A.4, SegNet's decoder): the mirror image, level by
level from the deepest: upsampling, then as many 3x3 convolutions as the encoder level had, the
last of them changing to the next level's width; the very last convolution gives the modality's
channels (1 for depth, K class scores for segmentation) and has neither norm nor activation.

RGB decoder (Table A.5): no unpooling (Section 4.4.2, footnote 5: pooling indices gave "undesired
grid-like artifacts in the RGB output"); five layers that each double the size,
``512, 256, 128, 64`` channels then 3, batch norm and ReLU between them.

Side information (Section 4.4.4), :data:`SIDE_INFORMATION`:

* ``"indices"`` (the thesis's choice, Tables 4.2-4.4 "PI"): each upsampling of a depth or
  segmentation decoder is a max-unpooling that puts every value back at the position its
  encoder's max-pooling took it from (the pooling indices of *whichever* encoder produced the
  latent code, seen or unseen pair).
* ``"skip"`` (Table 4.2, "Skip connections"; U-Net style): the encoder's features before each
  pooling are concatenated with the decoder's upsampled features at the same size.
* ``"none"`` (Table 4.2, "-"): nothing but ``h`` reaches the decoder.

Deviations and readings, named:

* The RGB encoder is trained from scratch and has batch norm like the others (the thesis
  initialises it from ImageNet's VGG-16, without batch norm; Table 4.2's "Pretrained N" rows are
  this variant). No pretrained weights are available offline at book scale.
* Widths and depth are parameters (:class:`MMNetArchitecture`): ``ngf`` is the first level's
  width (64 in Table A.3), level ``l`` has ``min(ngf * 2**l, 8 * ngf)`` channels, and
  ``n_levels`` (5 in Table A.3) keeps the first ``n_levels`` levels of VGG-16 (the decoder mirrors
  them); the RGB decoder then has ``n_levels`` doubling layers.
* Without pooling indices (``"skip"``, ``"none"``) the thesis does not say how its decoders
  upsample; here a nearest-neighbour 2x upsampling replaces the unpooling, the only change.
* Table A.5 lists stride 1 for layers that double the size; they are 3x3 transposed
  convolutions with stride 2 here (output padding 1).
* Output activations are not given: ``tanh`` for RGB (images in [-1, 1], as the other trainers
  of this library), none for depth (a regression whose scale the data sets) and for
  segmentation (class scores for the cross-entropy, eq. 4.7).
* Table A.4 shows batch norm and ReLU after every convolution but the last two; the text of
  Appendix A.3.1 puts them after every convolution. Here only the output convolution has none.
* Segmentation enters ``f_S`` as one-hot class maps (Table A.3's ``conv1 (Segm.)`` takes 14
  channels for 14 classes); :func:`one_hot_labels` makes them.
* ``rgb_side_information=True`` gives ``g_R`` the same SegNet decoder (and side information) as
  depth and segmentation: the variant the thesis tried and rejected in Section 4.6.2 ("results
  drop from 46.7% to 42.4% in mIoU").
* The RGB discriminator ``C`` (Table A.6): four 5x5 convolutions with stride 2 and ``64, 128,
  256, 512`` channels with batch norm and LeakyReLU (the table says "deconv"; they halve the
  size; the slope is not given: 0.2, as in DCGAN and pix2pix). The table ends at 512 channels; a 1x1 convolution then gives one score per patch,
  which the least-squares loss averages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .init import init_weights

__all__ = [
    "MODALITIES",
    "SIDE_INFORMATION",
    "UNLABELLED",
    "VGG16_CONVS",
    "Latent",
    "MMNetArchitecture",
    "MMNetDiscriminator",
    "MMNetTranslator",
    "ModalityDecoder",
    "ModalityEncoder",
    "RGBDecoder",
    "check_class_ids",
    "define_mmnet_parts",
    "one_hot_labels",
]

#: The thesis's modalities: RGB, depth, semantic segmentation (Section 4.4.2).
MODALITIES: tuple[str, ...] = ("R", "D", "S")

#: The class id of an unlabelled pixel in a segmentation map (a real dataset's holes, e.g. SUN
#: RGB-D's): its one-hot input is all zeros, the cross-entropy skips it
#: (:func:`i2ilib.losses.segmentation_loss`) and so do the scores
#: (:func:`i2ilib.metrics.segmentation.segmentation_scores`' ``ignore_index``).
UNLABELLED: int = 255

#: What an encoder passes to a decoder besides the latent code (Section 4.4.4).
SIDE_INFORMATION: tuple[str, ...] = ("indices", "skip", "none")

#: Convolutions per level of VGG-16's (and SegNet's) encoder (Table A.3).
VGG16_CONVS: tuple[int, ...] = (2, 2, 3, 3, 3)


@dataclasses.dataclass(frozen=True)
class MMNetArchitecture:
    """The sizes of every encoder and decoder.

    Attributes:
        ngf: width of the first level (Table A.3: 64).
        n_levels: how many of VGG-16's five levels (each ends in a 2x2 max pooling); images must
            be divisible by ``2**n_levels``. Table A.3: 5.
        side_information: one of :data:`SIDE_INFORMATION`.
        rgb_side_information: ``g_R`` is a SegNet decoder with the same side information (the
            variant Section 4.6.2 rejects); default: Table A.5's decoder without any.
        n_classes: segmentation classes (channels of ``f_S``'s input and ``g_S``'s output).
        depth_nc: depth channels (1).
        rgb_nc: RGB channels (3).
    """

    ngf: int = 64
    n_levels: int = 5
    side_information: str = "indices"
    rgb_side_information: bool = False
    n_classes: int = 14
    depth_nc: int = 1
    rgb_nc: int = 3

    def __post_init__(self) -> None:
        for name in ("ngf", "n_classes", "depth_nc", "rgb_nc"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if (isinstance(self.n_levels, bool) or not isinstance(self.n_levels, int)
                or not 1 <= self.n_levels <= len(VGG16_CONVS)):
            raise ValueError(f"n_levels must be an integer from 1 to {len(VGG16_CONVS)} (VGG-16 "
                             f"has five pooling levels), got {self.n_levels!r}.")
        if self.side_information not in SIDE_INFORMATION:
            raise ValueError(f"side_information={self.side_information!r} is not one of "
                             f"{', '.join(SIDE_INFORMATION)}.")

    @property
    def widths(self) -> tuple[int, ...]:
        """Channels of each level: ``min(ngf * 2**l, 8 * ngf)`` (64, 128, 256, 512, 512)."""
        return tuple(min(self.ngf * 2**level, 8 * self.ngf) for level in range(self.n_levels))

    @property
    def convs(self) -> tuple[int, ...]:
        """Convolutions per level: the first ``n_levels`` of :data:`VGG16_CONVS`."""
        return VGG16_CONVS[:self.n_levels]

    @property
    def latent_channels(self) -> int:
        return self.widths[-1]

    @property
    def factor(self) -> int:
        """Input sizes must be multiples of this (each level halves them)."""
        return 2**self.n_levels

    def channels(self, modality: str) -> int:
        """Channels of a modality's images: 3 (R), ``depth_nc`` (D), ``n_classes`` (S)."""
        return {"R": self.rgb_nc, "D": self.depth_nc, "S": self.n_classes}[_modality(modality)]

    def latent_shape(self, height: int, width: int) -> tuple[int, int, int]:
        """``(C, H', W')`` of the latent code ``h`` of an ``(H, W)`` image."""
        return (self.latent_channels, height // self.factor, width // self.factor)


def _modality(name: str) -> str:
    if name not in MODALITIES:
        raise ValueError(f"Unknown modality {name!r}: use 'R' (RGB), 'D' (depth) or 'S' "
                         "(segmentation).")
    return name


@dataclasses.dataclass
class Latent:
    """What an encoder hands to a decoder.

    Attributes:
        h: the latent code, ``(N, C_L, H / 2**L, W / 2**L)`` (the shared space).
        indices: the pooling indices of each level, shallowest first; level ``l`` is
            ``(N, C_l, H / 2**(l+1), W / 2**(l+1))`` int64 (flat positions in the ``(H / 2**l,
            W / 2**l)`` map, as :func:`torch.nn.functional.max_pool2d` returns them).
        features: the features before each pooling, shallowest first; level ``l`` is
            ``(N, C_l, H / 2**l, W / 2**l)`` (what a skip connection carries).
        sizes: the spatial size before each pooling, shallowest first.
    """

    h: Tensor
    indices: tuple[Tensor, ...]
    features: tuple[Tensor, ...]
    sizes: tuple[tuple[int, int], ...]

    def with_code(self, h: Tensor) -> Latent:
        """The same side information with another code (e.g. ``h`` plus noise)."""
        if h.shape != self.h.shape:
            raise ValueError(f"The new code has shape {tuple(h.shape)}, the old one "
                             f"{tuple(self.h.shape)}.")
        return dataclasses.replace(self, h=h)

    def with_indices(self, indices: Sequence[Tensor]) -> Latent:
        """The same code with other pooling indices (e.g. another encoder's)."""
        indices = tuple(indices)
        if [i.shape for i in indices] != [i.shape for i in self.indices]:
            raise ValueError("The pooling indices must have the shapes of this latent's: "
                             f"{[tuple(i.shape) for i in self.indices]}.")
        return dataclasses.replace(self, indices=indices)


def _conv_bn_relu(in_nc: int, out_nc: int) -> list[nn.Module]:
    return [nn.Conv2d(in_nc, out_nc, 3, padding=1), nn.BatchNorm2d(out_nc), nn.ReLU(True)]


class ModalityEncoder(nn.Module):
    """``f_R``, ``f_D`` or ``f_S`` (Table A.3): VGG-16 levels, each closed by a 2x2 max pooling
    that keeps its indices.

    Shapes: ``(N, in_nc, H, W) -> Latent`` with ``h`` of shape ``(N, C_L, H / 2**L, W / 2**L)``;
    ``H`` and ``W`` multiples of ``2**L`` (``L = n_levels``).
    """

    def __init__(self, in_nc: int, arch: MMNetArchitecture):
        super().__init__()
        self.in_nc = in_nc
        self.arch = arch
        levels = []
        previous = in_nc
        for width, n_convs in zip(arch.widths, arch.convs, strict=True):
            layers: list[nn.Module] = []
            for _ in range(n_convs):
                layers += _conv_bn_relu(previous, width)
                previous = width
            levels.append(nn.Sequential(*layers))
        self.levels = nn.ModuleList(levels)

    def forward(self, x: Tensor) -> Latent:
        if x.dim() != 4 or x.shape[1] != self.in_nc:
            raise ValueError(f"The encoder takes (N, {self.in_nc}, H, W) images, got "
                             f"{tuple(x.shape)}.")
        f = self.arch.factor
        if x.shape[2] % f or x.shape[3] % f:
            raise ValueError(f"Image sizes must be multiples of 2**n_levels = {f}, got "
                             f"{tuple(x.shape[2:])}: crop or resize the images, or lower "
                             "n_levels.")
        indices, features, sizes = [], [], []
        for level in self.levels:
            x = level(x)
            features.append(x)
            sizes.append((x.shape[2], x.shape[3]))
            x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
            indices.append(idx)
        return Latent(x, tuple(indices), tuple(features), tuple(sizes))


def _upsample(x: Tensor, latent: Latent, level: int, side_information: str) -> Tensor:
    """Double the size of ``x``: max-unpooling with the pooling indices of ``level``
    (``"indices"``), else nearest-neighbour; with ``"skip"`` the encoder's features of that
    level are concatenated."""
    size = latent.sizes[level]
    if side_information == "indices":
        idx = latent.indices[level]
        if idx.shape != x.shape:
            raise ValueError(f"Pooling indices of level {level} have shape {tuple(idx.shape)} "
                             f"but the decoder's features {tuple(x.shape)}: the encoder and "
                             "decoder must have the same architecture.")
        return F.max_unpool2d(x, idx, 2, 2, output_size=size)
    x = F.interpolate(x, size=size, mode="nearest")
    if side_information == "skip":
        x = torch.cat([x, latent.features[level]], 1)
    return x


class ModalityDecoder(nn.Module):
    """``g_D``, ``g_S`` (or ``g_R`` with ``rgb_side_information``): SegNet's decoder (Table A.4).

    Shapes: ``Latent -> (N, out_nc, H, W)``; with ``"skip"`` the first convolution of each level
    takes twice its width (the concatenated encoder features).
    """

    def __init__(self, out_nc: int, arch: MMNetArchitecture, side_information: str | None = None,
                 activation: str = "none"):
        super().__init__()
        self.out_nc = out_nc
        self.arch = arch
        self.side_information = side_information or arch.side_information
        if self.side_information not in SIDE_INFORMATION:
            raise ValueError(f"side_information={self.side_information!r} is not one of "
                             f"{', '.join(SIDE_INFORMATION)}.")
        if activation not in ("none", "tanh"):
            raise ValueError(f"activation must be 'none' or 'tanh', got {activation!r}.")
        self.activation = activation
        widths, convs = arch.widths, arch.convs
        levels = []
        for level in reversed(range(arch.n_levels)):
            width = widths[level]
            in_nc = 2 * width if self.side_information == "skip" else width
            layers: list[nn.Module] = []
            for k in range(convs[level]):
                last = k == convs[level] - 1
                if last and level == 0:
                    layers.append(nn.Conv2d(in_nc, out_nc, 3, padding=1))
                else:
                    out = widths[level - 1] if last else width
                    layers += _conv_bn_relu(in_nc, out)
                    in_nc = out
            levels.append(nn.Sequential(*layers))
        self.levels = nn.ModuleList(levels)  # deepest level first

    def forward(self, latent: Latent) -> Tensor:
        x = latent.h
        expected = self.arch.latent_channels
        if x.dim() != 4 or x.shape[1] != expected or len(latent.sizes) != self.arch.n_levels:
            raise ValueError(f"The decoder takes a latent code (N, {expected}, H', W') from an "
                             f"encoder with {self.arch.n_levels} levels, got "
                             f"{tuple(x.shape)} from {len(latent.sizes)} levels.")
        for k, block in enumerate(self.levels):
            level = self.arch.n_levels - 1 - k
            x = block(_upsample(x, latent, level, self.side_information))
        return torch.tanh(x) if self.activation == "tanh" else x


class RGBDecoder(nn.Module):
    """``g_R`` (Table A.5): ``n_levels`` 3x3 transposed convolutions with stride 2, the widths
    of the encoder's levels in reverse (``512, 256, 128, 64`` after the first), then 3 channels
    and ``tanh``. No side information.

    Shapes: ``Latent -> (N, rgb_nc, H, W)``.
    """

    def __init__(self, arch: MMNetArchitecture):
        super().__init__()
        self.arch = arch
        widths = arch.widths
        # Table A.5: 512 -> 512 -> 256 -> 128 -> 64 -> 3 for widths (64, 128, 256, 512, 512).
        outs = [widths[level - 1] for level in reversed(range(1, arch.n_levels))]
        layers: list[nn.Module] = []
        previous = widths[-1]
        for out in outs:
            layers += [nn.ConvTranspose2d(previous, out, 3, 2, padding=1, output_padding=1),
                       nn.BatchNorm2d(out), nn.ReLU(True)]
            previous = out
        layers += [nn.ConvTranspose2d(previous, arch.rgb_nc, 3, 2, padding=1, output_padding=1),
                   nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, latent: Latent) -> Tensor:
        x = latent.h
        if x.dim() != 4 or x.shape[1] != self.arch.latent_channels:
            raise ValueError(f"g_R takes a latent code (N, {self.arch.latent_channels}, H', W'), "
                             f"got {tuple(x.shape)}.")
        return self.model(x)


class MMNetDiscriminator(nn.Module):
    """The RGB discriminator ``C`` (Table A.6): 5x5 convolutions with stride 2, batch norm and
    LeakyReLU(0.2), then a 1x1 convolution to one score per patch (see the module docstring).

    Shapes: ``(N, 3, H, W) -> (N, 1, H / 2**n_layers, W / 2**n_layers)``.
    """

    def __init__(self, in_nc: int = 3, ndf: int = 64, n_layers: int = 4):
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}.")
        layers: list[nn.Module] = []
        previous = in_nc
        for k in range(n_layers):
            out = ndf * min(2**k, 8)
            layers += [nn.Conv2d(previous, out, 5, 2, padding=2), nn.BatchNorm2d(out),
                       nn.LeakyReLU(0.2, True)]
            previous = out
        layers.append(nn.Conv2d(previous, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)


class MMNetTranslator(nn.Module):
    """One translation ``T_ij = g_j o f_i`` as a module (Section 4.4.2): the encoder of the
    source modality and the decoder of the target one, seen together in training or not.

    Shapes: ``(N, C_i, H, W) -> (N, C_j, H, W)``.
    """

    def __init__(self, encoder: ModalityEncoder, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


def check_class_ids(labels: Tensor, n_classes: int, what: str = "Segmentation maps") -> None:
    """Check that ``labels`` are ``(N, H, W)`` integer class ids in ``[0, n_classes)`` or
    :data:`UNLABELLED`.

    Raises:
        ValueError: naming ``what``, the ids found and ``n_classes``.
    """
    if labels.dim() != 3 or labels.is_floating_point():
        raise ValueError(f"{what} must be (N, H, W) integer class ids, got "
                         f"{tuple(labels.shape)} {labels.dtype}.")
    ids = labels[labels != UNLABELLED]
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n_classes):
        raise ValueError(f"{what} hold class ids in [{int(ids.min())}, {int(ids.max())}] but "
                         f"n_classes={n_classes} (ids lie in [0, {n_classes}) or are "
                         f"{UNLABELLED}, unlabelled).")


def one_hot_labels(labels: Tensor, n_classes: int) -> Tensor:
    """Class-index maps as one-hot float maps, ``f_S``'s input; an :data:`UNLABELLED` pixel
    becomes all zeros (no class).

    Shapes: ``(N, H, W)`` int64 -> ``(N, n_classes, H, W)`` float32.

    Raises:
        ValueError: see :func:`check_class_ids`.
    """
    check_class_ids(labels, n_classes)
    labelled = labels != UNLABELLED
    hot = F.one_hot(torch.where(labelled, labels, 0).long(), n_classes)
    return (hot * labelled.unsqueeze(-1)).permute(0, 3, 1, 2).float()


def define_mmnet_parts(arch: MMNetArchitecture, modalities: Sequence[str] = MODALITIES,
                       init_type: str = "normal", init_gain: float = 0.02,
                       generator: torch.Generator | None = None) -> dict[str, nn.Module]:
    """The encoders ``f_X`` and decoders ``g_X`` of ``modalities``, initialised.

    Section 4.4.2 initialises "following a standard Gaussian distribution"; its scale is not
    given, so the library's reference ``N(0, init_gain)`` (0.02) is the default.

    Returns:
        ``{"f_R", "g_R", "f_D", "g_D", "f_S", "g_S"}`` (those of ``modalities``).
    """
    parts: dict[str, nn.Module] = {}
    for m in modalities:
        _modality(m)
        parts[f"f_{m}"] = ModalityEncoder(arch.channels(m), arch)
        if m == "R" and not arch.rgb_side_information:
            parts["g_R"] = RGBDecoder(arch)
        else:
            parts[f"g_{m}"] = ModalityDecoder(arch.channels(m), arch,
                                              activation="tanh" if m == "R" else "none")
    for net in parts.values():
        init_weights(net, init_type, init_gain, generator=generator)
    return parts


def modality_input(source: str, x: Tensor, n_classes: int, channels: int) -> Tensor:
    """A modality's input as an encoder or generator takes it: segmentation class ids
    ``(N, H, W)`` become one-hot maps (:func:`one_hot_labels`); any other input must already be
    ``(N, channels, H, W)``.

    Raises:
        ValueError: the tensor has the wrong shape for modality ``source``.
    """
    if source == "S" and x.dim() == 3:
        return one_hot_labels(x, n_classes)
    if x.dim() != 4 or x.shape[1] != channels:
        form = " or (N, H, W) class ids" if source == "S" else ""
        raise ValueError(f"Modality {source} takes (N, {channels}, H, W){form}, got "
                         f"{tuple(x.shape)}.")
    return x.float()
