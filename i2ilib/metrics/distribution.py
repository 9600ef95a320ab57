"""Distances between two *sets* of feature vectors: FD/FID, KID, improved precision/recall, IW.

All functions take features, shape ``(N, D)`` (numpy arrays or torch tensors), never images: the
feature extractor is chosen elsewhere (:mod:`i2ilib.metrics.features`) and its name travels with
the result (:class:`i2ilib.metrics.score.Score`). Computations run in float64.

References:
    - Fréchet distance: thesis (Wang 2020) eq. 2.5; UCSD report eq. 9 (Heusel et al. 2017).
    - KID / KMMD: Bińkowski et al. 2018, cubic polynomial kernel, unbiased MMD² over subsets
      (thesis Section 3.4 uses KMMD for MineGAN).
    - Improved precision and recall: Kynkäänniemi et al. 2019, as used in the UCSD report
      (Section 6.1, Table 1), k = 3 nearest-neighbour balls.
    - Independent Wasserstein critic: thesis Section 2.3.2, eq. 2.6 (Danihelka et al. 2017).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch
from torch import nn


def as_feature_matrix(feats, name: str = "features", min_samples: int = 2) -> np.ndarray:
    """Validate and convert a feature set to a float64 numpy array of shape ``(N, D)``.

    Raises:
        TypeError: if ``feats`` is not array-like.
        ValueError: on a wrong number of dimensions, too few samples, or NaN/inf values.
    """
    if isinstance(feats, torch.Tensor):
        arr = feats.detach().to("cpu", torch.float64).numpy()
    else:
        try:
            arr = np.asarray(feats, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array or tensor of shape (N, D): {exc}") from exc
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have shape (N, D) (one feature vector per row), got shape {arr.shape}. "
            "Flatten per-sample features with feats.reshape(len(feats), -1)."
        )
    if arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} sample(s); at least {min_samples} are needed. "
            "Extract features from more images."
        )
    if arr.shape[1] < 1:
        raise ValueError(f"{name} has feature dimension 0.")
    if not np.all(np.isfinite(arr)):
        n_bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(
            f"{name} contains NaN or inf in {n_bad} of {arr.shape[0]} rows; check the images "
            "(range [-1, 1]) and the feature extractor."
        )
    return arr


def _check_same_dim(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} has feature dimension {a.shape[1]} but {names[1]} has {b.shape[1]}: "
            "both sets must come from the same feature extractor."
        )


# --------------------------------------------------------------------------------------------
# Fréchet distance (FID when the features are Inception-V3 pool3 features)
# --------------------------------------------------------------------------------------------


def feature_statistics(feats, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(D,)`` and unbiased covariance ``(D, D)`` (divisor ``N - 1``) of a feature set.

    Warns when ``N <= D``: the covariance is then singular (rank ``<= N - 1``) and the Fréchet
    distance is strongly biased upwards; use more samples or a lower-dimensional extractor.
    """
    arr = as_feature_matrix(feats, name)
    n, d = arr.shape
    if n <= d:
        warnings.warn(
            f"{name}: {n} samples for {d}-dimensional features; the covariance is singular "
            f"(rank <= {n - 1}) and the Fréchet distance is biased. Use N > D samples "
            "(FID papers use 10 000 or 50 000) or a lower-dimensional feature extractor.",
            stacklevel=2,
        )
    mu = arr.mean(axis=0)
    sigma = np.cov(arr, rowvar=False, ddof=1).reshape(d, d)
    return mu, sigma


def _sqrtm(m: np.ndarray) -> np.ndarray:
    root = scipy.linalg.sqrtm(m)
    return root[0] if isinstance(root, tuple) else root  # older scipy may return (root, err)


def _imag_ok(root: np.ndarray) -> bool:
    return not np.iscomplexobj(root) or np.allclose(np.diagonal(root).imag, 0, atol=1e-3)


def sqrtm_product(sigma1: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Square root of ``sigma1 @ sigma2`` (float64), robust to singular products.

    ``scipy.linalg.sqrtm`` of the product; if the result is not finite (singular product), both
    covariances get ``eps`` added to their diagonal and the root is taken again (the standard fix,
    as in pytorch-fid). The same retry is made when the root has a non-negligible imaginary
    diagonal, where pytorch-fid raises; whenever pytorch-fid returns a value, this function
    returns the same root. A tiny imaginary part from round-off is dropped.

    Raises:
        ValueError: if the root has a non-negligible imaginary diagonal (> 1e-3) even after the
            ``eps`` offset (strongly rank-deficient covariances: far fewer samples than feature
            dimensions). :func:`trace_sqrtm_product` handles that case.
    """
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)) or not _imag_ok(covmean):
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if not np.all(np.isfinite(covmean)) or not _imag_ok(covmean):
        imag = np.max(np.abs(np.imag(covmean))) if np.all(np.isfinite(covmean)) else np.inf
        raise ValueError(
            f"sqrtm(sigma1 @ sigma2) failed (imaginary part up to {imag:.3g}): the covariances "
            "are not positive semi-definite or far too rank-deficient; use more samples than "
            "feature dimensions."
        )
    return np.real(covmean)


def trace_sqrtm_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``Tr((sigma1 sigma2)^(1/2))`` from symmetric eigendecompositions (float64).

    ``sigma1 sigma2`` is similar to the symmetric PSD matrix ``A = sigma1^(1/2) sigma2
    sigma1^(1/2)``, so the trace of its root is ``sum_i sqrt(lambda_i(A))``. Exact for PSD inputs
    of any rank; used when :func:`sqrtm_product` cannot produce a real root.
    """
    w, v = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    lam = np.linalg.eigvalsh(root1 @ ((sigma2 + sigma2.T) / 2) @ root1)
    return float(np.sqrt(np.clip(lam, 0, None)).sum())


def frechet_distance_from_stats(
    mu1, sigma1, mu2, sigma2, eps: float = 1e-6
) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (thesis eq. 2.5).

    ``||mu1 - mu2||² + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``.

    Args:
        mu1, mu2: means, shape ``(D,)``.
        sigma1, sigma2: covariances, shape ``(D, D)``.
        eps: diagonal offset used only when the product of covariances is singular.

    Raises:
        ValueError: on mismatched shapes or non-finite values.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape:
        raise ValueError(f"mean vectors have different shapes: {mu1.shape} vs {mu2.shape}")
    d = mu1.shape[0]
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if s.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}) to match the means, got {s.shape}")
    for name, v in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} contains NaN or inf")
    diff = mu1 - mu2
    try:
        tr_covmean = float(np.trace(sqrtm_product(sigma1, sigma2, eps)))
    except ValueError:
        warnings.warn(
            "sqrtm(sigma1 @ sigma2) has no usable real root (covariances far too rank-deficient); "
            "using the eigenvalue form of Tr(sqrt(sigma1 sigma2)). Use more samples than "
            "feature dimensions for a meaningful Fréchet distance.",
            stacklevel=2,
        )
        tr_covmean = trace_sqrtm_product(sigma1, sigma2)
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(value)


def frechet_distance(feats_a, feats_b, eps: float = 1e-6) -> float:
    """Fréchet distance between two feature sets (thesis eq. 2.5), Gaussian fit of each set.

    This is the FID when both sets are Inception-V3 pool3 features (pytorch-fid weights); on any
    other extractor report it as "FD on <extractor>" (see :func:`i2ilib.metrics.set_scores.fd_score`).

    ``Tr((sigma_a sigma_b)^(1/2))`` comes from :func:`sqrtm_product`; if no real root can be had
    (far fewer samples than dimensions) it falls back to :func:`trace_sqrtm_product` with a warning.

    Args:
        feats_a: ``(N, D)`` features of the first set (e.g. real images).
        feats_b: ``(M, D)`` features of the second set (e.g. translated images).
        eps: diagonal offset used only when the covariance product is singular.

    Raises:
        ValueError: on fewer than 2 samples, NaN/inf, or different feature dimensions.
    """
    a = as_feature_matrix(feats_a, "feats_a")
    b = as_feature_matrix(feats_b, "feats_b")
    _check_same_dim(a, b, ("feats_a", "feats_b"))
    mu1, s1 = feature_statistics(a, "feats_a")
    mu2, s2 = feature_statistics(b, "feats_b")
    return frechet_distance_from_stats(mu1, s1, mu2, s2, eps)


# --------------------------------------------------------------------------------------------
# KID (kernel MMD with the cubic polynomial kernel)
# --------------------------------------------------------------------------------------------


def polynomial_kernel(
    x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None, coef: float = 1.0
) -> np.ndarray:
    """``k(x, y) = (gamma x·y + coef)^degree`` for all row pairs, shape ``(len(x), len(y))``.

    ``gamma`` defaults to ``1 / D``.
    """
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef) ** degree


def mmd2_unbiased(
    feats_a, feats_b, degree: int = 3, gamma: float | None = None, coef: float = 1.0
) -> float:
    """Unbiased estimate of MMD² with the polynomial kernel (sets may differ in size).

    ``sum_{i!=j} k(a_i, a_j) / (n(n-1)) + sum_{i!=j} k(b_i, b_j) / (m(m-1))
    - 2 sum_{i,j} k(a_i, b_j) / (n m)``. On the full sets this is the deterministic KID.
    """
    a = as_feature_matrix(feats_a, "feats_a")
    b = as_feature_matrix(feats_b, "feats_b")
    _check_same_dim(a, b, ("feats_a", "feats_b"))
    return _mmd2(a, b, degree, gamma, coef)


def _mmd2(a: np.ndarray, b: np.ndarray, degree: int, gamma: float | None, coef: float) -> float:
    n, m = len(a), len(b)
    k_aa = polynomial_kernel(a, a, degree, gamma, coef)
    k_bb = polynomial_kernel(b, b, degree, gamma, coef)
    k_ab = polynomial_kernel(a, b, degree, gamma, coef)
    term_aa = (k_aa.sum() - np.trace(k_aa)) / (n * (n - 1))
    term_bb = (k_bb.sum() - np.trace(k_bb)) / (m * (m - 1))
    return float(term_aa + term_bb - 2.0 * k_ab.sum() / (n * m))


def kid(
    feats_a,
    feats_b,
    n_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
    degree: int = 3,
    gamma: float | None = None,
    coef: float = 1.0,
) -> tuple[float, float]:
    """Kernel Inception Distance (a.k.a. KMMD): mean and std of unbiased MMD² over subsets.

    Each of ``n_subsets`` rounds draws ``subset_size`` rows without replacement from each set
    (``numpy.random.default_rng(seed)``) and computes the unbiased MMD² with the kernel
    ``(x·y / D + 1)^3``. The std is the population std over subsets (as the reference
    implementations report it).

    Returns:
        ``(mean, std)`` over subsets.

    Raises:
        ValueError: if ``subset_size`` exceeds either set, is < 2, or the features are invalid.
    """
    a = as_feature_matrix(feats_a, "feats_a")
    b = as_feature_matrix(feats_b, "feats_b")
    _check_same_dim(a, b, ("feats_a", "feats_b"))
    if n_subsets < 1:
        raise ValueError(f"n_subsets must be >= 1, got {n_subsets}")
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2, got {subset_size}")
    if subset_size > min(len(a), len(b)):
        raise ValueError(
            f"subset_size={subset_size} is larger than the sets ({len(a)} and {len(b)} samples); "
            f"pass subset_size <= {min(len(a), len(b))}."
        )
    rng = np.random.default_rng(seed)
    values = np.empty(n_subsets)
    for s in range(n_subsets):
        ia = rng.choice(len(a), subset_size, replace=False)
        ib = rng.choice(len(b), subset_size, replace=False)
        values[s] = _mmd2(a[ia], b[ib], degree, gamma, coef)
    return float(values.mean()), float(values.std())


# --------------------------------------------------------------------------------------------
# Improved precision and recall (k-NN balls)
# --------------------------------------------------------------------------------------------


def _pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances ``(len(x), len(y))`` via the Gram trick, clamped at 0."""
    d = (x * x).sum(1, keepdim=True) + (y * y).sum(1)[None, :] - 2.0 * (x @ y.T)
    return d.clamp_min_(0.0)


def knn_radii(feats, k: int = 3, batch_size: int = 1024) -> np.ndarray:
    """Squared distance from each row to its k-th nearest *other* row, shape ``(N,)``.

    Computed in row batches of ``batch_size`` (memory ``batch_size x N``).

    Raises:
        ValueError: if there are not more than ``k`` samples.
    """
    x = torch.from_numpy(as_feature_matrix(feats, "feats", min_samples=k + 1))
    out = torch.empty(len(x), dtype=torch.float64)
    for start in range(0, len(x), batch_size):
        d = _pairwise_sq_dists(x[start:start + batch_size], x)
        # the (k+1)-th smallest value includes the point itself at distance 0
        out[start:start + batch_size] = d.kthvalue(k + 1, dim=1).values
    return out.numpy()


def _coverage(queries: torch.Tensor, support: torch.Tensor, radii_sq: torch.Tensor,
              batch_size: int) -> float:
    """Fraction of ``queries`` inside at least one ball (support_i, radius_i)."""
    inside = 0
    for start in range(0, len(queries), batch_size):
        d = _pairwise_sq_dists(queries[start:start + batch_size], support)
        inside += int((d <= radii_sq[None, :]).any(dim=1).sum())
    return inside / len(queries)


def precision_recall(
    real_feats, fake_feats, k: int = 3, batch_size: int = 1024
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019; UCSD report Section 6.1).

    Each set approximates its manifold by the union of balls centred on its samples with radius
    the distance to the k-th nearest neighbour in the same set. Precision = fraction of fake
    samples inside the real manifold (quality); recall = fraction of real samples inside the
    fake manifold (coverage). Distances in float64, batched over rows.

    Args:
        real_feats: ``(N, D)``; fake_feats: ``(M, D)``; ``k``: neighbourhood size (3 in the paper).

    Returns:
        ``(precision, recall)`` in [0, 1].

    Raises:
        ValueError: if a set has ``<= k`` samples, features contain NaN, or dimensions differ.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    real = as_feature_matrix(real_feats, "real_feats", min_samples=k + 1)
    fake = as_feature_matrix(fake_feats, "fake_feats", min_samples=k + 1)
    _check_same_dim(real, fake, ("real_feats", "fake_feats"))
    r_real = torch.from_numpy(knn_radii(real, k, batch_size))
    r_fake = torch.from_numpy(knn_radii(fake, k, batch_size))
    real_t, fake_t = torch.from_numpy(real), torch.from_numpy(fake)
    precision = _coverage(fake_t, real_t, r_real, batch_size)
    recall = _coverage(real_t, fake_t, r_fake, batch_size)
    return precision, recall


# --------------------------------------------------------------------------------------------
# Independent Wasserstein critic (TransferGAN, thesis eq. 2.6)
# --------------------------------------------------------------------------------------------


@dataclass
class IWResult:
    """Result of :func:`independent_wasserstein_critic`.

    Attributes:
        value: eq. 2.6 on the held-out halves, ``E_{X1}[D(x)] - E_{X2}[D(x)]``, with the critic
            trained to make it large: an estimate of the Wasserstein-1 distance in feature units
            (``>= 0`` up to noise; 0 for identical distributions; lower = closer).
        train_value: the same quantity on the samples the critic was trained on (optimistic).
        critic: the trained critic network (``(B, D) -> (B, 1)``), in eval mode on the CPU.
    """

    value: float
    train_value: float
    critic: nn.Module

    @property
    def table_value(self) -> float:
        """``-value``: the sign convention of thesis Tables 2.1, 2.2, 2.4 (negative, higher = better)."""
        return -self.value


def _split(x: torch.Tensor, holdout: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    perm = torch.randperm(len(x), generator=gen)
    n_eval = max(1, round(holdout * len(x)))
    return x[perm[n_eval:]], x[perm[:n_eval]]


def independent_wasserstein_critic(
    feats_ref,
    feats_gen,
    *,
    holdout: float = 0.5,
    n_steps: int = 600,
    batch_size: int = 128,
    hidden: int = 256,
    lambda_gp: float = 10.0,
    lr: float = 2e-4,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> IWResult:
    """Independent Wasserstein critic (IW; thesis Section 2.3.2, eq. 2.6).

    ``IW(X1, X2) = E_{x~X1}[D^(x)] - E_{x~X2}[D^(x)]`` where ``D^`` is a critic used *only* for
    evaluation, trained with the WGAN-GP objective (Gulrajani et al. 2017, thesis eq. 2.3) to
    separate X1 (the reference/validation set) from X2 (the generated set). Both sets are split;
    the critic is trained on ``1 - holdout`` of each and eq. 2.6 is evaluated on the held-out
    rest, so that a critic that memorises samples does not inflate the estimate.

    Sign convention: with the critic trained to *maximise* eq. 2.6, ``value`` estimates the
    Wasserstein-1 distance (lower = closer). The thesis tables list negative numbers with "higher
    is better", i.e. the negated estimate: :attr:`IWResult.table_value`.

    The critic is an MLP ``D -> hidden -> hidden -> 1`` with LeakyReLU (no normalisation, as the
    gradient penalty requires), Adam(lr, betas=(0.5, 0.9)), deterministic given ``seed`` (the
    global torch RNG state is restored afterwards).

    Args:
        feats_ref: ``(N, D)`` reference features (X1).
        feats_gen: ``(M, D)`` generated features (X2).
        holdout: fraction of each set kept for evaluation, in (0, 1).

    Raises:
        ValueError: on invalid features, fewer than 4 samples per set, or ``holdout`` out of range.
    """
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    a = as_feature_matrix(feats_ref, "feats_ref", min_samples=4)
    b = as_feature_matrix(feats_gen, "feats_gen", min_samples=4)
    _check_same_dim(a, b, ("feats_ref", "feats_gen"))
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    a_train, a_eval = _split(torch.from_numpy(a).float(), holdout, gen)
    b_train, b_eval = _split(torch.from_numpy(b).float(), holdout, gen)
    d = a.shape[1]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = nn.Sequential(
            nn.Linear(d, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        ).to(device)
    opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))
    a_train, b_train = a_train.to(device), b_train.to(device)
    for _ in range(n_steps):
        ia = torch.randint(len(a_train), (batch_size,), generator=gen)
        ib = torch.randint(len(b_train), (batch_size,), generator=gen)
        x_a, x_b = a_train[ia.to(device)], b_train[ib.to(device)]
        t = torch.rand(batch_size, 1, generator=gen).to(device)
        x_hat = (t * x_a + (1 - t) * x_b).requires_grad_(True)
        grad = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0]
        penalty = ((grad.norm(dim=1) - 1.0) ** 2).mean()
        loss = critic(x_b).mean() - critic(x_a).mean() + lambda_gp * penalty
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    critic = critic.eval().cpu()
    with torch.no_grad():
        value = float(critic(a_eval).mean() - critic(b_eval).mean())
        train_value = float(critic(a_train.cpu()).mean() - critic(b_train.cpu()).mean())
    return IWResult(value=value, train_value=train_value, critic=critic)
