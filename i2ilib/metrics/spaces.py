"""Representation spaces flattened to two dimensions: embed images, fit a PCA once, project,
and describe each cloud by its fitted ellipse.

This is the measuring half of Sec. 5 of Ginger et al. 2019 (Figs. 9-10), usable on any images:

- :func:`identity_features` and :func:`expression_features` -- a face's identity (the book's
  SynthFaces identity embedder, :func:`i2ilib.metrics.identity.synthfaces_identity_embedder`;
  OpenFace in the paper) and its expression (the last convolutional stage of
  :func:`i2ilib.metrics.attributes.face_attribute_classifier`, 2048 numbers);
  :func:`embedder` picks one by name;
- :class:`PCA` (fitted once, deterministic signs) and :class:`Space` (an embedder with its PCA);
- :class:`Ellipse` and :func:`fit_ellipse`, :func:`centre_distance`,
  :func:`axis_difference_ratio`, :func:`bootstrap_centre_distance`,
  :func:`mahalanobis_separation`, :func:`fraction_outside`, and :func:`bootstrap_interval` for
  an interval on any of them.

The book's Fig. 9-10 analysis, its verdicts, plots and explorer widget live in the book layer
(``i2ibook.chapters.ch08_spaces``). Everything here is plain numpy / torch and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from i2ilib.metrics.attributes import face_attribute_classifier
from i2ilib.metrics.identity import synthfaces_identity_embedder

#: The two spaces of Sec. 5.
SPACE_NAMES: tuple[str, ...] = ("identity", "expression")


#: Size of an expression feature: the classifier's last stage, 128 channels x 4 x 4.
EXPRESSION_DIM = 2048


EmbedFn = Callable[[Tensor], Tensor]


def _check_images(images: Tensor, name: str = "images") -> Tensor:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a float tensor (N, 3, H, W) in [-1, 1], got "
                        f"{type(images).__name__}; convert uint8 (N, H, W, 3) arrays with "
                        "i2ilib.data.transforms.to_tensor_m11")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must be (N, 3, H, W), got shape {tuple(images.shape)}")
    if len(images) == 0:
        raise ValueError(f"{name} is empty: a space needs at least one image")
    if not images.is_floating_point():
        raise ValueError(f"{name} must be float in [-1, 1], got dtype {images.dtype}; "
                         "scale uint8 images with x / 127.5 - 1")
    return images


@torch.no_grad()
def identity_features(images: Tensor, net: nn.Module | None = None,
                      batch_size: int = 128) -> Tensor:
    """Points in the space of identities (Sec. 5, Fig. 9 left): the book's SynthFaces identity
    network (:func:`~i2ilib.metrics.identity.synthfaces_identity_embedder`, the paper's OpenFace
    stand-in).

    Args:
        images: ``(N, 3, H, W)`` float in [-1, 1] (resized to 64 x 64 by the network).
        net: the embedder; default the shipped ``synthid-v1``.
        batch_size: faces per forward pass.

    Returns:
        ``(N, 128)`` float32 CPU tensor of unit vectors.
    """
    images = _check_images(images)
    net = net if net is not None else synthfaces_identity_embedder()
    was = net.training
    net.eval()
    try:
        return torch.cat([net(b).float().cpu() for b in images.split(int(batch_size))])
    finally:
        net.train(was)


@torch.no_grad()
def expression_features(images: Tensor, net: nn.Module | None = None,
                        batch_size: int = 128) -> Tensor:
    """Points in the space of expressions (Sec. 5, Fig. 9 right): the flattened output of the
    last stage of the book's attribute classifier ``synthattr-v1``
    (:func:`~i2ilib.metrics.attributes.face_attribute_classifier`), i.e. the input of its
    linear head, before dropout. The paper uses a smiling-vs-neutral classifier's features.

    The images are resized to the classifier's 64 x 64 exactly as its ``forward`` does
    (bilinear, antialiased) and passed through its ``stages``; the network is not modified.

    Args:
        images: ``(N, 3, H, H)`` float in [-1, 1].
        net: the classifier (a ``FaceAttributeNet``); default the shipped one.
        batch_size: faces per forward pass.

    Returns:
        ``(N, 2048)`` float32 CPU tensor (128 channels x 4 x 4).
    """
    images = _check_images(images)
    net = net if net is not None else face_attribute_classifier()
    was = net.training
    net.eval()
    out = []
    try:
        for b in images.split(int(batch_size)):
            out.append(net.features(b).float().cpu())
    finally:
        net.train(was)
    return torch.cat(out)


def embedder(space: str) -> EmbedFn:
    """The embedding function of a space name in :data:`SPACE_NAMES`, with its network loaded
    once: ``(N, 3, H, W)`` in [-1, 1] -> ``(N, D)`` (D = 128 identity, 2048 expression).

    Raises:
        ValueError: on an unknown space.
    """
    if space == "identity":

        net = synthfaces_identity_embedder()
        return lambda x: identity_features(x, net)
    if space == "expression":

        net = face_attribute_classifier()
        return lambda x: expression_features(x, net)
    raise ValueError(f"Unknown space {space!r}; choose one of {', '.join(SPACE_NAMES)}.")


def as_points(x: Any, name: str, dim: int | None = None, min_rows: int = 1) -> np.ndarray:
    """float64 ``(N, D)`` from an array or tensor, with clear errors."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (N, D), got shape {a.shape}")
    if dim is not None and a.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns, got shape {a.shape}")
    if a.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {a.shape[0]}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf; drop those rows first (e.g. faces "
                         "dlib could not find)")
    return a


@dataclass(frozen=True)
class PCA:
    """A principal component analysis fitted once (Sec. 5: "we use PCA to visualize").

    Attributes:
        mean: ``(D,)`` the mean of the fitted data.
        components: ``(k, D)`` orthonormal rows, by decreasing variance; each row's entry of
            largest magnitude is positive (a deterministic sign, as scikit-learn chooses it).
        explained_variance: ``(k,)`` variance along each component (``ddof=1``).
        explained_variance_ratio: ``(k,)`` share of the total variance.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    @classmethod
    def fit(cls, data: Any, n_components: int = 2) -> PCA:
        """Fit on ``data`` ``(N, D)`` (array or tensor), ``N >= 2``, ``1 <= n_components <=
        min(N, D)``; by a singular value decomposition in float64.

        Raises:
            ValueError: on a bad shape, NaN, or an impossible ``n_components``.
        """
        x = as_points(data, "data", min_rows=2)
        n, d = x.shape
        if int(n_components) != n_components or not 1 <= n_components <= min(n, d):
            raise ValueError(f"n_components must be an integer in [1, min(N, D)] = "
                             f"[1, {min(n, d)}], got {n_components!r}")
        k = int(n_components)
        mean = x.mean(0)
        _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
        var = s**2 / (n - 1)
        comps = vt[:k].copy()
        signs = np.sign(comps[np.arange(k), np.abs(comps).argmax(1)])
        comps *= signs[:, None]
        total = var.sum()
        ratio = var[:k] / total if total > 0 else np.zeros(k)
        return cls(mean, comps, var[:k].copy(), ratio)

    @property
    def n_components(self) -> int:
        return int(self.components.shape[0])

    def transform(self, data: Any) -> np.ndarray:
        """``(N, D)`` -> ``(N, k)`` coordinates along the components."""
        x = as_points(data, "data", dim=self.mean.shape[0])
        return (x - self.mean) @ self.components.T


@dataclass(frozen=True)
class Space:
    """A representation space flattened to 2-D: ``project(images)`` -> ``(N, 2)``.

    Attributes:
        name: ``"identity"`` or ``"expression"`` (or any label).
        embed: ``(N, 3, H, W)`` in [-1, 1] -> ``(N, D)`` features.
        pca: the 2-component :class:`PCA` fitted on the reference faces' features.
        reference: a description of what the PCA was fitted on.
    """

    name: str
    embed: EmbedFn
    pca: PCA
    reference: str = ""

    def features(self, images: Tensor) -> np.ndarray:
        """``(N, 3, H, W)`` -> float64 ``(N, D)``."""
        return as_points(self.embed(images), f"{self.name} features")

    def project(self, images: Tensor) -> np.ndarray:
        """``(N, 3, H, W)`` in [-1, 1] -> ``(N, 2)`` PCA coordinates."""
        return self.pca.transform(self.features(images))

    def project_features(self, features: Any) -> np.ndarray:
        """Already embedded ``(N, D)`` -> ``(N, 2)``."""
        return self.pca.transform(features)

    def axis_labels(self) -> tuple[str, str]:
        r = self.pca.explained_variance_ratio
        return tuple(f"PC{i + 1} ({100 * r[i]:.0f} % of the variance)" for i in range(2))


def fit_space(name: str, reference: Tensor | np.ndarray, embed: EmbedFn | None = None,
              description: str = "") -> Space:
    """Fit a 2-D :class:`Space` once.

    Args:
        name: the space (:data:`SPACE_NAMES` picks the book's embedder when ``embed`` is None).
        reference: ``(N, 3, H, W)`` images in [-1, 1] (embedded here), or already embedded
            features ``(N, D)`` (a numpy array); ``N >= 2``.
        embed: the embedding function; default :func:`embedder` ``(name)``.
        description: what the reference is (kept on the space).
    """
    embed = embed if embed is not None else embedder(name)
    if isinstance(reference, torch.Tensor) and reference.ndim == 4:
        feats = embed(reference)
    else:
        feats = reference
    return Space(name, embed, PCA.fit(feats, 2), description)


@dataclass(frozen=True)
class Ellipse:
    """An ellipse fitted to a 2-D cloud (Fig. 10).

    Attributes:
        centre: ``(2,)`` the mean of the points.
        major, minor: full axis lengths, ``2 * n_std * sqrt(eigenvalue)`` of the covariance.
        angle: direction of the major axis, radians in ``(-pi/2, pi/2]`` from the x axis.
        n_std: how many standard deviations each semi-axis spans.
        n: number of points.
    """

    centre: np.ndarray
    major: float
    minor: float
    angle: float
    n_std: float
    n: int

    @property
    def covariance(self) -> np.ndarray:
        """The ``(2, 2)`` covariance the ellipse was fitted from."""
        lam = (np.array([self.major, self.minor]) / (2 * self.n_std)) ** 2
        c, s = np.cos(self.angle), np.sin(self.angle)
        r = np.array([[c, -s], [s, c]])
        return r @ np.diag(lam) @ r.T

    def patch(self, **kwargs: Any):
        """A ``matplotlib.patches.Ellipse`` (no fill unless asked)."""
        from matplotlib.patches import Ellipse as MplEllipse

        kwargs.setdefault("fill", False)
        return MplEllipse(tuple(self.centre), self.major, self.minor,
                          angle=float(np.degrees(self.angle)), **kwargs)


def fit_ellipse(points: Any, n_std: float = 2.0) -> Ellipse:
    """Fit an ellipse to ``points`` ``(N, 2)``, ``N >= 3``: centre = mean, axes and angle from
    the eigen-decomposition of the sample covariance (``ddof=1``), each semi-axis ``n_std``
    standard deviations long (Fig. 10's "fitted ellipses").

    Raises:
        ValueError: on a bad shape, NaN, fewer than three points or ``n_std <= 0``.
    """
    p = as_points(points, "points", dim=2, min_rows=3)
    if not n_std > 0:
        raise ValueError(f"n_std must be positive, got {n_std!r}")
    cov = np.cov(p.T, ddof=1)
    lam, vec = np.linalg.eigh(cov)  # ascending
    lam = np.clip(lam, 0.0, None)
    v = vec[:, 1]
    angle = float(np.arctan2(v[1], v[0]))
    if angle <= -np.pi / 2:
        angle += np.pi
    elif angle > np.pi / 2:
        angle -= np.pi
    return Ellipse(centre=p.mean(0), major=float(2 * n_std * np.sqrt(lam[1])),
                   minor=float(2 * n_std * np.sqrt(lam[0])), angle=angle, n_std=float(n_std),
                   n=len(p))


def centre_distance(generated: Ellipse, real: Ellipse) -> float:
    """Euclidean distance between the two ellipses' centres (Sec. 5: ours 0.269, closest
    baseline 1.172 in the paper's PCA units)."""
    return float(np.linalg.norm(np.asarray(generated.centre) - np.asarray(real.centre)))


def axis_difference_ratio(generated: Ellipse, real: Ellipse) -> float:
    """"The average difference ratio between the major and minor axes" (Sec. 5: ours 6 %,
    closest baseline 11 %), read as the mean over the two axes of
    ``|generated - real| / real``: 0 for an ellipse of the real one's size, 0.1 for axes 10 %
    off on average. It ignores position and angle.

    Raises:
        ValueError: if the real ellipse has a zero axis.
    """
    if real.major <= 0 or real.minor <= 0:
        raise ValueError("the real ellipse has a zero axis (all points on a line?); the ratio "
                         "is undefined")
    return float((abs(generated.major - real.major) / real.major
                  + abs(generated.minor - real.minor) / real.minor) / 2)


def bootstrap_centre_distance(generated: Any, real: Any, n_boot: int = 1000, level: float = 0.9,
                              seed: int = 0) -> tuple[float, float]:
    """A bootstrap interval of :func:`centre_distance` between the clouds ``generated`` and
    ``real`` ``(N, 2)``, whose rows are the same N test faces (translation i, true counterpart
    i): faces are resampled with replacement, the same rows from both clouds.

    Returns:
        ``(low, high)``: the central ``level`` interval of the resampled distances.

    Raises:
        ValueError: on different numbers of rows, fewer than 3, or ``level`` outside (0, 1).
    """
    g = as_points(generated, "generated", dim=2, min_rows=3)
    r = as_points(real, "real", dim=2, min_rows=3)
    if len(g) != len(r):
        raise ValueError(f"generated and real must hold the same faces, got {len(g)} and "
                         f"{len(r)} rows")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    idx = np.random.default_rng(seed).integers(0, len(g), size=(int(n_boot), len(g)))
    d = np.linalg.norm(g[idx].mean(1) - r[idx].mean(1), axis=1)
    lo, hi = np.quantile(d, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap_interval(statistic: Callable[..., float], clouds: Sequence[Any],
                       paired: bool = False, n_boot: int = 1000, level: float = 0.9,
                       seed: int = 0) -> tuple[float, float]:
    """A bootstrap interval of any statistic of one or more 2-D clouds, e.g.
    ``lambda a, b: mahalanobis_separation(a, b)`` or the share of ``a`` outside the ellipse
    fitted to ``b``.

    Args:
        statistic: ``f(*clouds) -> float``, called once per resample.
        clouds: the ``(N_i, 2)`` clouds, at least 3 rows each.
        paired: True when the clouds' rows are the same N items (translation i, true
            counterpart i): the same rows are drawn from every cloud, as in
            :func:`bootstrap_centre_distance`. False when the clouds are different samples
            (Fig. 9's smiling, neutral and pseudo-smiling training faces): each is resampled
            on its own.
        n_boot, level, seed: resamples, central coverage, random seed.

    Returns:
        ``(low, high)``: the central ``level`` interval of the resampled statistic.

    Raises:
        ValueError: on no clouds, a cloud with fewer than 3 rows, paired clouds of different
            lengths, ``level`` outside (0, 1), ``n_boot < 2`` or a statistic that is not
            finite on a resample.
    """
    if not clouds:
        raise ValueError("bootstrap_interval needs at least one cloud")
    pts = [as_points(c, f"cloud {i}", dim=2, min_rows=3) for i, c in enumerate(clouds)]
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if int(n_boot) < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if paired and len({len(p) for p in pts}) != 1:
        raise ValueError(f"paired clouds must hold the same items, got "
                         f"{[len(p) for p in pts]} rows")
    rng = np.random.default_rng(seed)
    values = np.empty(int(n_boot))
    for b in range(int(n_boot)):
        if paired:
            idx = rng.integers(0, len(pts[0]), size=len(pts[0]))
            sample = [p[idx] for p in pts]
        else:
            sample = [p[rng.integers(0, len(p), size=len(p))] for p in pts]
        values[b] = float(statistic(*sample))
    if not np.isfinite(values).all():
        raise ValueError("the statistic is not finite on some resamples")
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def mahalanobis_separation(points: Any, reference: Any) -> float:
    """How far the centre of ``points`` ``(N, 2)`` lies from the centre of ``reference``
    ``(M, 2)``, in standard deviations of ``reference`` along that direction (the Mahalanobis
    distance of the centre under the reference's covariance). Fig. 9's claims in numbers: near
    0 means "indistinguishable", above about 1 means outside the bulk of the reference cloud.

    Raises:
        ValueError: on bad shapes or fewer than three reference points.
    """
    p = as_points(points, "points", dim=2)
    r = as_points(reference, "reference", dim=2, min_rows=3)
    d = p.mean(0) - r.mean(0)
    cov = np.cov(r.T, ddof=1)
    return float(np.sqrt(d @ np.linalg.pinv(cov) @ d))


def fraction_outside(points: Any, ellipse: Ellipse) -> float:
    """Share of ``points`` ``(N, 2)`` outside ``ellipse`` (its ``n_std`` boundary). For the
    points an ellipse was fitted on, a Gaussian cloud leaves ``exp(-n_std**2 / 2)`` outside
    (13.5 % at two standard deviations)."""
    p = as_points(points, "points", dim=2)
    cov = ellipse.covariance
    d = p - ellipse.centre
    m2 = np.einsum("ni,ij,nj->n", d, np.linalg.pinv(cov), d)
    return float(np.mean(m2 > ellipse.n_std**2))
