"""A generator that predicts a change to its input: ``y = clamp(x + G(x), -1, 1)``.

For translations that change a small part of the image (removing eyeglasses or a smile) the
output is the input almost everywhere. A generator that predicts the whole image must first
learn to copy its input through its bottleneck, which small networks trained briefly never do
well (their outputs are blurrier than the input); one that predicts a change to the input starts
from the identity and only has to learn the change. The last convolution of ``G`` is set to zero
at construction, so the untrained network returns its input exactly.

This is an architecture change, not the papers' generator: ``define_G`` builds it for a
``netG`` name ending in ``_residual`` (``resnet_6blocks_residual``, ``unet_64_residual``).
"""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["RESIDUAL_SUFFIX", "ResidualGenerator"]

#: The ``netG`` suffix that wraps a generator in :class:`ResidualGenerator`.
RESIDUAL_SUFFIX = "_residual"


class ResidualGenerator(nn.Module):
    """``x -> clamp(x + net(x), -1, 1)``, with ``net``'s last convolution zeroed.

    Args:
        net: an image-to-image generator with as many output channels as input channels,
            whose output lies in [-1, 1] (a ``tanh`` output, as the book's generators).

    Shapes:
        ``(N, C, H, W) -> (N, C, H, W)``, values in [-1, 1].

    Raises:
        ValueError: ``net`` has no convolution to zero.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        if not convs:
            raise ValueError("ResidualGenerator needs a network that ends in a convolution.")
        last = convs[-1]
        nn.init.zeros_(last.weight)
        if last.bias is not None:
            nn.init.zeros_(last.bias)
        self.net = net

    def forward(self, x: Tensor) -> Tensor:
        return (x + self.net(x)).clamp(-1, 1)
