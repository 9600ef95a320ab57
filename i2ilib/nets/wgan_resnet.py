"""The WGAN-GP ResNet generator and critic of TransferGAN (Wang 2020 thesis, Section 2.3.3), with
the AC-GAN options of Section 2.4.

Thesis Section 2.3.3: "we will use the WGAN-GP [56] architecture which uses ResNet in both
generator and discriminator [...] The generator consists of one fully connected layer, four
Residual Blocks and one convolution layer, and the Discriminator has same setting." and
"Batch normalization and layer normalization are used in the generator and discriminator
respectively." The blocks are those of Gulrajani et al. (2017), 64x64 ResNet, with ``dim = 64``:

* generator ``G(z)``: ``Linear(z_dim -> 4*4*8dim)``, reshape to ``(8dim, 4, 4)``, four up-blocks
  ``8dim -> 8dim -> 4dim -> 2dim -> dim`` (each doubles the size: 4 -> 8 -> 16 -> 32 -> 64), then
  BN, ReLU, ``Conv3x3(dim -> C)``, ``tanh``. An up-block is
  ``BN-ReLU-Up-Conv3x3-BN-ReLU-Conv3x3`` plus the shortcut ``Up-Conv1x1``.
* critic ``D(x)``: ``Conv3x3(C -> dim)``, four down-blocks ``dim -> 2dim -> 4dim -> 8dim -> 8dim``
  (64 -> 32 -> 16 -> 8 -> 4), then ``Linear(4*4*8dim -> 1)``. A down-block is
  ``LN-ReLU-Conv3x3-LN-ReLU-Conv3x3-AvgPool`` plus the shortcut ``AvgPool-Conv1x1``; layer norm
  normalises each sample over ``(C, H, W)`` with a per-channel scale and shift.

Conditional GANs (Section 2.4.1, AC-GAN): the critic gets an auxiliary classifier
``Linear(4*4*8dim -> n_classes)`` beside its score (the logits of ``P(C = y | x)``). The
generator is conditioned on the class either by appending the one-hot label to ``z``
("Cond Concat") or through class-specific batch-normalisation scales and shifts ("Cond BNorm",
[39]). :func:`transfer_state` initialises a conditional network from an unconditional one as
the thesis does: the ``Linear`` weights connected to the label are left random, the batch-norm
parameters are copied to every class, and the auxiliary classifier starts afresh.

Deviations, named:

* ``image_size`` may be 16, 32 or 64 (any ``4 * 2**k`` with ``k <= 4``): a smaller size drops
  the first up-blocks (and the last down-blocks), keeping the widths of the others
  (32 px: ``8dim -> 4dim -> 2dim -> dim``, three blocks). 64 px is the thesis's network.
* Thesis Section 2.4.1 uses "Resnet-18 [58] for both G and D" for the AC-GAN; here the
  conditional networks are the unconditional ones with the two options above, so that the
  unconditional weights transfer layer for layer (which is what the section does).
* Up-sampling is nearest-neighbour followed by the convolution (WGAN-GP's ``UpsampleConv``
  repeats pixels before its convolution, which is the same operation).
* Initialisation is the caller's (:func:`i2ilib.nets.init_weights`; the trainer uses He normal),
  where the WGAN-GP code draws He-uniform weights for most layers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "CONDITIONINGS",
    "ClassBatchNorm2d",
    "CriticBlock",
    "GeneratorBlock",
    "WGANResnetCritic",
    "WGANResnetGenerator",
    "check_image_size",
    "transfer_state",
]

#: How a conditional generator receives the class (thesis Section 2.4.1).
CONDITIONINGS = ("concat", "bnorm")

#: Widths of the 64 px network in units of ``dim``: the linear layer's output and each block's.
_G_WIDTHS = (8, 8, 4, 2, 1)
_D_WIDTHS = (1, 2, 4, 8, 8)


def check_image_size(image_size: int) -> int:
    """The number of residual blocks for ``image_size`` (16 -> 2, 32 -> 3, 64 -> 4).

    Raises:
        ValueError: ``image_size`` is not 16, 32 or 64.
    """
    if isinstance(image_size, bool) or image_size not in (16, 32, 64):
        raise ValueError(f"image_size must be 16, 32 or 64 (the thesis's network is 64 px), got "
                         f"{image_size!r}.")
    return int(math.log2(image_size // 4))


class ClassBatchNorm2d(nn.Module):
    """Batch norm with a learned scale and shift per channel, or per class and channel.

    ``n_classes = 0``: ``BatchNorm2d`` (its ``weight`` and ``bias`` have shape ``(C,)``).
    ``n_classes > 0``: "Cond BNorm" ([39], thesis Section 2.4.1): the statistics are shared and the
    scale and shift of sample ``n`` are row ``y[n]`` of ``weight`` and ``bias``, shape ``(K, C)``.

    Shapes: ``x`` ``(N, C, H, W)``, ``y`` ``(N,)`` class indices (conditional only) ->
    ``(N, C, H, W)``.
    """

    def __init__(self, num_features: int, n_classes: int = 0):
        super().__init__()
        self.n_classes = n_classes
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        shape = (n_classes, num_features) if n_classes else (num_features,)
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.bn(x)
        if not self.n_classes:
            return h * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        if y is None:
            raise ValueError("This batch norm is class-conditional: pass the labels y, shape (N,).")
        return h * self.weight[y][:, :, None, None] + self.bias[y][:, :, None, None]


class GeneratorBlock(nn.Module):
    """The up-sampling residual block: ``x2`` in size, ``in_ch -> out_ch`` channels.

    Shapes: ``(N, in_ch, H, W)`` (and ``y`` ``(N,)`` if conditional) -> ``(N, out_ch, 2H, 2W)``.
    """

    def __init__(self, in_ch: int, out_ch: int, n_classes: int = 0):
        super().__init__()
        self.norm1 = ClassBatchNorm2d(in_ch, n_classes)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm2 = ClassBatchNorm2d(out_ch, n_classes)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        up = F.interpolate(x, scale_factor=2, mode="nearest")
        h = F.interpolate(F.relu(self.norm1(x, y)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), y)))
        return self.shortcut(up) + h


class CriticBlock(nn.Module):
    """The down-sampling residual block with layer norm: ``/2`` in size, ``in_ch -> out_ch``.

    Shapes: ``(N, in_ch, H, W) -> (N, out_ch, H/2, W/2)``.
    """

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(1, in_ch)  # layer norm over (C, H, W), per-channel affine
        self.conv1 = nn.Conv2d(in_ch, in_ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(1, in_ch)
        self.conv2 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv1(F.relu(self.norm1(x)))
        h = F.avg_pool2d(self.conv2(F.relu(self.norm2(h))), 2)
        return self.shortcut(F.avg_pool2d(x, 2)) + h


class WGANResnetGenerator(nn.Module):
    """``G(z)`` or ``G(z, y)``: one linear layer, residual up-blocks, one convolution.

    Args:
        z_dim: length of the noise vector (128 as in WGAN-GP).
        image_size: 16, 32 or 64 (the thesis: 64).
        ngf: ``dim``, the width unit (64 as in WGAN-GP).
        output_nc: image channels.
        n_classes: 0 (unconditional) or the number of classes (AC-GAN generator).
        conditioning: ``"concat"`` (one-hot label appended to ``z``) or ``"bnorm"``
            (class-specific batch-norm parameters); ignored when ``n_classes == 0``.

    Shapes: ``z`` ``(N, z_dim)``, ``y`` ``(N,)`` int64 (conditional only) -> ``(N, output_nc,
    image_size, image_size)`` in ``[-1, 1]``.
    """

    def __init__(self, z_dim: int = 128, image_size: int = 64, ngf: int = 64, output_nc: int = 3,
                 n_classes: int = 0, conditioning: str = "bnorm"):
        super().__init__()
        n_blocks = check_image_size(image_size)
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"Unknown conditioning {conditioning!r}: use 'concat' (Cond Concat) "
                             "or 'bnorm' (Cond BNorm).")
        if n_classes < 0 or z_dim < 1 or ngf < 1:
            raise ValueError(f"z_dim and ngf must be >= 1 and n_classes >= 0, got z_dim={z_dim}, "
                             f"ngf={ngf}, n_classes={n_classes}.")
        self.z_dim, self.image_size, self.n_classes = z_dim, image_size, n_classes
        self.conditioning = conditioning
        widths = [w * ngf for w in _G_WIDTHS[len(_G_WIDTHS) - 1 - n_blocks:]]
        n_concat = n_classes if (n_classes and conditioning == "concat") else 0
        bn_classes = n_classes if (n_classes and conditioning == "bnorm") else 0
        self.fc = nn.Linear(z_dim + n_concat, 4 * 4 * widths[0])
        self.blocks = nn.ModuleList(GeneratorBlock(a, b, bn_classes)
                                    for a, b in itertools.pairwise(widths))
        self.norm = ClassBatchNorm2d(widths[-1], bn_classes)
        self.conv = nn.Conv2d(widths[-1], output_nc, 3, padding=1)
        self._bn_classes = bn_classes

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"The generator takes noise of shape (N, {self.z_dim}), got "
                             f"{tuple(z.shape)}.")
        if self.n_classes and y is None:
            raise ValueError(f"This generator is conditional ({self.n_classes} classes): pass the "
                             "labels y, shape (N,).")
        if not self.n_classes:
            y = None
        if y is not None and self.conditioning == "concat":
            z = torch.cat([z, F.one_hot(y, self.n_classes).to(z.dtype)], 1)
        h = self.fc(z).view(z.shape[0], -1, 4, 4)
        by = y if self._bn_classes else None
        for block in self.blocks:
            h = block(h, by)
        return torch.tanh(self.conv(F.relu(self.norm(h, by))))

    def bn_parameters(self) -> list[nn.Parameter]:
        """The batch-norm scales and shifts (what BSA-style adaptation trains)."""
        return [p for m in self.modules() if isinstance(m, ClassBatchNorm2d)
                for p in (m.weight, m.bias)]


class WGANResnetCritic(nn.Module):
    """``D(x)``: one convolution, residual down-blocks, one linear layer; with ``n_classes > 0``
    also the AC-GAN auxiliary classifier.

    Args:
        image_size: 16, 32 or 64 (the thesis: 64).
        ndf: ``dim``, the width unit (64 as in WGAN-GP).
        input_nc: image channels.
        n_classes: 0, or the number of classes of the auxiliary classifier.

    Shapes: ``forward``: ``(N, input_nc, S, S) -> (N,)`` critic scores;
    :meth:`score_and_logits`: ``-> ((N,), (N, n_classes))``.
    """

    def __init__(self, image_size: int = 64, ndf: int = 64, input_nc: int = 3, n_classes: int = 0):
        super().__init__()
        n_blocks = check_image_size(image_size)
        if n_classes < 0 or ndf < 1:
            raise ValueError(f"ndf must be >= 1 and n_classes >= 0, got ndf={ndf}, "
                             f"n_classes={n_classes}.")
        self.image_size, self.n_classes, self.input_nc = image_size, n_classes, input_nc
        widths = [w * ndf for w in _D_WIDTHS[:n_blocks + 1]]
        self.conv = nn.Conv2d(input_nc, widths[0], 3, padding=1)
        self.blocks = nn.Sequential(*(CriticBlock(a, b) for a, b in itertools.pairwise(widths)))
        self.fc = nn.Linear(4 * 4 * widths[-1], 1)
        self.classifier = nn.Linear(4 * 4 * widths[-1], n_classes) if n_classes else None

    def features(self, x: Tensor) -> Tensor:
        """``(N, input_nc, S, S) -> (N, 4*4*widths[-1])``, what the linear layers read."""
        if x.dim() != 4 or x.shape[1:] != (self.input_nc, self.image_size, self.image_size):
            raise ValueError(f"The critic takes images of shape (N, {self.input_nc}, "
                             f"{self.image_size}, {self.image_size}), got {tuple(x.shape)}.")
        return self.blocks(self.conv(x)).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.features(x)).squeeze(1)

    def score_and_logits(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """The critic score ``(N,)`` and the auxiliary classifier's logits ``(N, n_classes)``
        (``None`` without classes)."""
        h = self.features(x)
        logits = self.classifier(h) if self.classifier is not None else None
        return self.fc(h).squeeze(1), logits


def transfer_state(net: nn.Module, source: Mapping[str, Tensor]) -> dict[str, list[str]]:
    """Initialise ``net`` from a pretrained ``source`` state dict (TransferGAN, thesis Sections
    2.3.4 and 2.4.1), in place.

    Every tensor of ``source`` must find its place in ``net``:

    * same name and shape: copied;
    * the generator's ``fc.weight`` with ``z_dim`` columns into a "Cond Concat" layer with
      ``z_dim + n_classes``: the ``z`` columns are copied, those connected to the label keep
      their random initialisation ("We randomly initialize the weights which are connected to
      the conditioning prior");
    * a batch-norm scale or shift of shape ``(C,)`` into a "Cond BNorm" one of shape ``(K, C)``:
      copied to every class ("We initialize these parameters by copying the values from the
      unconditional GAN to all classes").

    Tensors of ``net`` that ``source`` lacks may only be the new auxiliary classifier
    (``classifier.*``), which keeps its random initialisation.

    Returns:
        ``{"copied": [...], "adapted": [...], "fresh": [...]}``: the names of ``net``'s tensors
        in each case.

    Raises:
        ValueError: a tensor of ``source`` has no place in ``net`` or another shape, or ``net``
            has a tensor (other than the classifier) that ``source`` lacks; ``net`` is then
            unchanged.
    """
    target = net.state_dict()
    new: dict[str, Tensor] = {}
    report: dict[str, list[str]] = {"copied": [], "adapted": [], "fresh": []}
    problems = []
    for key, value in source.items():
        if key not in target:
            problems.append(f"{key} (not in the network)")
            continue
        want = target[key]
        if value.shape == want.shape:
            new[key] = value
            report["copied"].append(key)
        elif (key == "fc.weight" and value.dim() == 2 and want.dim() == 2
              and value.shape[0] == want.shape[0] and value.shape[1] < want.shape[1]):
            merged = want.clone()
            merged[:, :value.shape[1]] = value
            new[key] = merged
            report["adapted"].append(key)
        elif value.dim() == 1 and want.dim() == 2 and want.shape[1] == value.shape[0]:
            new[key] = value.unsqueeze(0).expand_as(want).clone()
            report["adapted"].append(key)
        else:
            problems.append(f"{key} (source {tuple(value.shape)}, network {tuple(want.shape)})")
    missing = [k for k in target if k not in source]
    report["fresh"] = [k for k in missing if k.startswith("classifier.")]
    problems += [f"{k} (missing in the source)" for k in missing if not k.startswith("classifier.")]
    if problems:
        raise ValueError("The pretrained weights do not fit this network: " + "; ".join(problems)
                         + ". Use the source's image_size, z_dim, ngf/ndf and channels.")
    net.load_state_dict({**target, **new})
    return report
