"""StarGAN adapted to modalities (Wang 2020, thesis Section 4.6.2, "Baselines"; the baseline rows
"StarGAN(unpaired)" and "StarGAN(paired)" of Tables 4.4-4.5, both "PI"): one translator and one
discriminator shared by RGB ``R``, depth ``D`` and segmentation ``S``, "except for the first
layer of the encoder and the last layer of decoder which are modality-specific layers. This is
required since modalities vary in the number of channels."

Generator (:class:`StarGANModalityGenerator`), for a source modality ``s`` and a target ``t``:

1. ``first[s]``, modality-specific: the first 3x3 convolution of M&MNets' encoder (Table A.3's
   ``conv1``) with batch norm and ReLU, ``C_s -> ngf`` channels (3 for RGB, ``depth_nc`` for
   depth, ``n_classes`` for segmentation as one-hot maps or class probabilities).
2. **The target label.** StarGAN concatenates the target domain's one-hot label, replicated over
   every pixel, to the generator's input image; here the input of the *shared* encoder takes its
   place: the label maps (``len(MODALITIES)`` channels, 1 at the target's index) are concatenated
   to ``first[s]``'s output, so the shared encoder's first convolution takes ``ngf + 3``
   channels (a modality-specific first layer cannot take a label shared by all modalities).
3. The shared encoder: the rest of M&MNets' VGG-16 encoder (Table A.3, the first ``n_levels``
   levels; the first level's second convolution onwards), each level closed by a 2x2 max pooling
   that keeps its indices.
4. The shared decoder: M&MNets' SegNet decoder (Table A.4) up to, not including, its last
   convolution, every upsampling a max-unpooling with the shared encoder's pooling indices
   ("PI" in Tables 4.4-4.5).
5. ``last[t]``, modality-specific: the decoder's last 3x3 convolution, ``ngf -> C_t`` channels,
   ``tanh`` for RGB, nothing for depth (a regression in [-1, 1]) and segmentation (class
   scores).

Discriminator (:class:`StarGANModalityDiscriminator`): StarGAN's PatchGAN critic with an
auxiliary modality classifier. ``first[m]``, modality-specific: a 4x4 convolution with stride 2,
``C_m -> ndf``, LeakyReLU(0.01); shared: ``n_layers - 1`` more such convolutions doubling the
width; two heads on the shared features: ``D_src`` (a 3x3 convolution to one score per patch)
and ``D_cls`` (``len(MODALITIES)`` logits).

Deviations and readings, named:

* The shared layers are M&MNets' (the thesis's baselines share their backbone: both rows are
  "PI"), not StarGAN's residual generator with instance norm; batch norm as in M&MNets.
* RGB too is decoded through the pooling indices (M&MNets' ``g_R`` has none): a shared decoder
  has one upsampling for every modality.
* ``D_cls`` averages the shared features over positions, then a 1x1 convolution gives the
  logits (StarGAN: a convolution whose kernel covers the whole final map; the same but for the
  weights' sharing over positions, and it works for any image size).
* With a modality-specific first layer the critic can tell modalities apart by their channels
  alone, so ``D_cls`` has an easy task; the term is kept as StarGAN has it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .init import init_weights
from .mmnets import MODALITIES, Latent, MMNetArchitecture, _conv_bn_relu, _upsample

__all__ = ["StarGANModalityDiscriminator", "StarGANModalityGenerator", "define_stargan_modalities",
           "modality_label_maps"]


def _index(modality: str) -> int:
    if modality not in MODALITIES:
        raise ValueError(f"Unknown modality {modality!r}: use 'R' (RGB), 'D' (depth) or 'S' "
                         "(segmentation).")
    return MODALITIES.index(modality)


def modality_label_maps(target: str, n: int, height: int, width: int,
                        device: torch.device | None = None) -> Tensor:
    """StarGAN's target label as maps: ``(n, len(MODALITIES), height, width)``, 1 in the channel
    of ``target`` (order :data:`~i2ilib.nets.mmnets.MODALITIES`), 0 elsewhere."""
    maps = torch.zeros(n, len(MODALITIES), height, width, device=device)
    maps[:, _index(target)] = 1.0
    return maps


class StarGANModalityGenerator(nn.Module):
    """The shared translator of the module docstring.

    Attributes:
        first: ``{m: conv-bn-relu C_m -> ngf}``, the modality-specific first layers.
        encoder: the shared encoder levels (``nn.ModuleList``, shallowest first).
        decoder: the shared decoder levels (deepest first), the last convolution left out.
        last: ``{m: conv ngf -> C_m}``, the modality-specific last layers.

    Shapes: ``forward(x, source, target)``: ``(N, C_source, H, W) -> (N, C_target, H, W)`` with
    ``H``, ``W`` multiples of ``2**n_levels``.
    """

    def __init__(self, arch: MMNetArchitecture):
        super().__init__()
        self.arch = arch
        widths, convs = arch.widths, arch.convs
        self.first = nn.ModuleDict({m: nn.Sequential(*_conv_bn_relu(arch.channels(m), widths[0]))
                                    for m in MODALITIES})
        levels = []
        previous = widths[0] + len(MODALITIES)
        for level, (width, n_convs) in enumerate(zip(widths, convs, strict=True)):
            layers: list[nn.Module] = []
            for _ in range(n_convs - (1 if level == 0 else 0)):
                layers += _conv_bn_relu(previous, width)
                previous = width
            levels.append(nn.Sequential(*layers))
        self.encoder = nn.ModuleList(levels)
        dec = []
        for level in reversed(range(arch.n_levels)):
            width = widths[level]
            in_nc = width
            layers = []
            for k in range(convs[level]):
                last = k == convs[level] - 1
                if last and level == 0:
                    break  # the modality-specific last layer
                out = widths[level - 1] if last else width
                layers += _conv_bn_relu(in_nc, out)
                in_nc = out
            dec.append(nn.Sequential(*layers))
        self.decoder = nn.ModuleList(dec)
        self.last = nn.ModuleDict({m: nn.Conv2d(widths[0], arch.channels(m), 3, padding=1)
                                   for m in MODALITIES})

    def shared_modules(self) -> list[nn.Module]:
        """The layers every modality shares."""
        return [self.encoder, self.decoder]

    def encode(self, x: Tensor, source: str, target: str) -> Latent:
        """The shared encoder's code of ``x`` with the target label mixed in (step 2)."""
        _index(source)
        nc = self.arch.channels(source)
        if x.dim() != 4 or x.shape[1] != nc:
            raise ValueError(f"Modality {source} enters the generator as (N, {nc}, H, W), got "
                             f"{tuple(x.shape)}.")
        f = self.arch.factor
        if x.shape[2] % f or x.shape[3] % f:
            raise ValueError(f"Image sizes must be multiples of 2**n_levels = {f}, got "
                             f"{tuple(x.shape[2:])}.")
        h = self.first[source](x)
        h = torch.cat([h, modality_label_maps(target, h.shape[0], h.shape[2], h.shape[3],
                                              h.device).to(h.dtype)], 1)
        indices, features, sizes = [], [], []
        for level in self.encoder:
            h = level(h)
            features.append(h)
            sizes.append((h.shape[2], h.shape[3]))
            h, idx = F.max_pool2d(h, 2, 2, return_indices=True)
            indices.append(idx)
        return Latent(h, tuple(indices), tuple(features), tuple(sizes))

    def decode(self, latent: Latent, target: str) -> Tensor:
        """The shared decoder and ``last[target]`` (step 5)."""
        _index(target)
        y = latent.h
        for k, block in enumerate(self.decoder):
            level = self.arch.n_levels - 1 - k
            y = block(_upsample(y, latent, level, "indices"))
        y = self.last[target](y)
        return torch.tanh(y) if target == "R" else y

    def forward(self, x: Tensor, source: str, target: str) -> Tensor:
        return self.decode(self.encode(x, source, target), target)


class StarGANModalityDiscriminator(nn.Module):
    """StarGAN's critic with a modality-specific first layer and the auxiliary modality
    classifier (module docstring).

    Shapes: ``forward(x, modality)``: ``(N, C_m, H, W) -> ((N, 1, H / 2**n_layers, W /
    2**n_layers), (N, len(MODALITIES)))``.
    """

    def __init__(self, arch: MMNetArchitecture, ndf: int = 64, n_layers: int = 6):
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}.")
        self.arch = arch
        self.first = nn.ModuleDict({m: nn.Sequential(nn.Conv2d(arch.channels(m), ndf, 4, 2, 1),
                                                     nn.LeakyReLU(0.01))
                                    for m in MODALITIES})
        layers: list[nn.Module] = []
        previous = ndf
        for k in range(1, n_layers):
            out = ndf * 2**k
            layers += [nn.Conv2d(previous, out, 4, 2, 1), nn.LeakyReLU(0.01)]
            previous = out
        self.shared = nn.Sequential(*layers)
        self.src = nn.Conv2d(previous, 1, 3, padding=1, bias=False)
        self.cls = nn.Conv2d(previous, len(MODALITIES), 1, bias=False)

    def forward(self, x: Tensor, modality: str) -> tuple[Tensor, Tensor]:
        _index(modality)
        nc = self.arch.channels(modality)
        if x.dim() != 4 or x.shape[1] != nc:
            raise ValueError(f"The critic takes modality {modality} as (N, {nc}, H, W), got "
                             f"{tuple(x.shape)}.")
        h = self.shared(self.first[modality](x))
        return self.src(h), self.cls(h.mean((2, 3), keepdim=True)).flatten(1)


def define_stargan_modalities(arch: MMNetArchitecture, ndf: int, n_layers_D: int,
                              init_type: str = "normal", init_gain: float = 0.02,
                              generator: torch.Generator | None = None,
                              ) -> tuple[StarGANModalityGenerator, StarGANModalityDiscriminator]:
    """The generator and critic, initialised (``N(0, init_gain)`` by default)."""
    G = StarGANModalityGenerator(arch)
    D = StarGANModalityDiscriminator(arch, ndf, n_layers_D)
    for net in (G, D):
        init_weights(net, init_type, init_gain, generator=generator)
    return G, D

