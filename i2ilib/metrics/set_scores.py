"""Set metrics on images: extract features, compute, and label the result with the extractor.

These wrap :mod:`i2ilib.metrics.distribution` so that every number leaves the library as a
:class:`~i2ilib.metrics.score.Score` naming its feature extractor. The Fréchet distance is called
``FID`` only on the pytorch-fid Inception features, ``FD`` otherwise.

Example::

    ext = RandomConvExtractor(seed=0)
    fd = fd_score(ext, real_images, fake_images)      # Score: FD[randconv-s0-d256] = ...
"""

from __future__ import annotations

import torch

from . import distribution
from .features import FeatureExtractor, extract_features
from .score import Score, frechet_metric_name


def _features(extractor, data, batch_size, device, progress, key) -> torch.Tensor:
    if isinstance(data, torch.Tensor) and data.ndim == 2:
        raise ValueError(
            "got a 2-D tensor: these functions take images; for precomputed features use "
            "i2ilib.metrics.distribution directly"
        )
    return extract_features(extractor, data, batch_size, device, progress, key)


def fd_score(
    extractor: FeatureExtractor,
    real,
    fake,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    progress: bool = True,
    key: str | None = None,
) -> Score:
    """Fréchet distance between the features of two image sets (thesis eq. 2.5).

    Returns:
        ``Score(value, metric="FID" or "FD", extractor=extractor.name, extras={"n_real", "n_fake"})``.
    """
    fr = _features(extractor, real, batch_size, device, progress, key)
    ff = _features(extractor, fake, batch_size, device, progress, key)
    value = distribution.frechet_distance(fr, ff)
    return Score(value, frechet_metric_name(extractor.name), extractor.name,
                 {"n_real": len(fr), "n_fake": len(ff)})


def kid_score(
    extractor: FeatureExtractor,
    real,
    fake,
    n_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    progress: bool = True,
    key: str | None = None,
) -> Score:
    """KID (mean over subsets, ``extras["std"]``) on the extractor's features."""
    fr = _features(extractor, real, batch_size, device, progress, key)
    ff = _features(extractor, fake, batch_size, device, progress, key)
    mean, std = distribution.kid(fr, ff, n_subsets, subset_size, seed)
    return Score(mean, "KID", extractor.name, {"std": std, "n_subsets": n_subsets,
                                               "subset_size": subset_size})


def precision_recall_scores(
    extractor: FeatureExtractor,
    real,
    fake,
    k: int = 3,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    progress: bool = True,
    key: str | None = None,
) -> tuple[Score, Score]:
    """Improved precision and recall (k-NN balls) on the extractor's features."""
    fr = _features(extractor, real, batch_size, device, progress, key)
    ff = _features(extractor, fake, batch_size, device, progress, key)
    p, r = distribution.precision_recall(fr, ff, k)
    extras = {"k": k, "n_real": len(fr), "n_fake": len(ff)}
    return Score(p, "precision", extractor.name, extras), Score(r, "recall", extractor.name, extras)
