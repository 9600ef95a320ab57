"""Semantic extractors ``h`` for UDIT's semantic constraint (Wang 2020 thesis, Section 5.5.1).

``h`` maps images to the features ``u = h(x)`` that a translation must keep (eq. 5.3). The
thesis builds it from a classifier of the property ``u``:

* the *naive* extractor: an intermediate feature of the classifier, typically "the
  convolutional features that are input into the first fully connected layer" --
  :class:`MethodExtractor` turns any method of a network (e.g.
  ``FaceAttributeNet.features``) into such a module;
* the *reduced* extractor: the same features followed by an additional ``1 x 1 x D``
  convolution that reduces them to ``D`` channels, trained with the classifier; "the output of
  this additional layer is used as semantic feature", and ``D`` is the smallest value that
  keeps a satisfactory accuracy (Table 5.5: ``D = 16`` for daytime, ``8`` for colour, ``32``
  for texture) -- :class:`ReducedExtractor`.

Reading, named: the classifier head on top of the reduced layer is not described; here it is a
linear map of the flattened ``D``-channel map to the class logits (a "fully connected layer"
reading the spatially localised features).
"""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["MethodExtractor", "ReducedExtractor"]


class MethodExtractor(nn.Module):
    """``h(x) = getattr(net, method)(x)``, with ``net`` a registered submodule (so that
    ``.eval()``, ``.to()`` and freezing reach it).

    Args:
        net: the network, e.g. a trained attribute classifier.
        method: the name of the method giving the features (``"features"``, ``"forward"``).

    Shapes: whatever the method takes and returns.
    """

    def __init__(self, net: nn.Module, method: str = "forward"):
        super().__init__()
        if not callable(getattr(net, method, None)):
            raise AttributeError(f"{type(net).__name__} has no method {method!r}.")  # noqa: TRY004
        self.net = net
        self.method = method

    def forward(self, x: Tensor) -> Tensor:
        return getattr(self.net, self.method)(x)


class ReducedExtractor(nn.Module):
    """The reduced semantic extractor of Section 5.5.1: ``features`` then a ``1 x 1 x D``
    convolution.

    ``forward(x)``: ``(N, C_in, H, W)`` -> ``u`` ``(N, D, h, w)``, the semantic feature.
    :meth:`logits`: ``(N, n_classes)``, the classifier that trains the reduction (and
    ``features``, unless frozen) on labelled images of the property ``u``.

    Args:
        features: images -> feature maps ``(N, channels, h, w)``.
        channels: ``C`` of those maps.
        D: the reduced dimension.
        n_classes: classes of the property (e.g. 2 for day/night).
        map_size: ``(h, w)`` of the feature maps (for the classifier head).
    """

    def __init__(self, features: nn.Module, channels: int, D: int, n_classes: int,
                 map_size: tuple[int, int]):
        super().__init__()
        for name, value in (("channels", channels), ("D", D), ("n_classes", n_classes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.features = features
        self.reduce = nn.Conv2d(channels, D, 1)
        self.head = nn.Linear(D * map_size[0] * map_size[1], n_classes)
        self.channels, self.D, self.map_size = channels, D, tuple(map_size)

    def forward(self, x: Tensor) -> Tensor:
        f = self.features(x)
        if f.dim() != 4 or f.shape[1] != self.channels:
            raise ValueError(f"The features must be maps (N, {self.channels}, h, w), got "
                             f"{tuple(f.shape)}: give ReducedExtractor the convolutional part "
                             "of the classifier.")
        return self.reduce(f)

    def logits(self, x: Tensor) -> Tensor:
        u = self.forward(x)
        if tuple(u.shape[2:]) != self.map_size:
            raise ValueError(f"The feature maps are {tuple(u.shape[2:])}, the head expects "
                             f"{self.map_size} (map_size).")
        return self.head(u.flatten(1))
