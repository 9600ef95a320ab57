"""Distances between each output and *its own* reference: MSE to ground truth, InfoSim, ID distance.

- Per-direction MSE against the true counterpart (implicit-pairs paper, Section 4.1, Table 1:
  "we measure the MSE between the generated images and their true counterparts"; A2B = photo ->
  labels, B2A = labels -> photo). The paper does not state the pixel scale. Its values (0.22 to
  0.87) only make sense on the [-1, 1] tensors the CycleGAN code works in: on [0, 1] an MSE of
  0.26 would be an RMS error of half the range, on [0, 255] the values would be in the
  thousands. We therefore compute MSE on [-1, 1] by default (``scale="minus_one_one"``);
  ``"unit"`` ([0, 1], a quarter of the [-1, 1] value) and ``"uint8"`` ([0, 255]) are available
  for comparison with other papers.
- InfoSim (implicit-pairs paper, Section 4.2, Tables 4, 5, 7): "the MSE between the
  representation of the input and output images" of an identity network (OpenFace in the paper;
  the book's identity embedder for SynthFaces). Lower = identity better preserved.
- ID distance (thesis Sections 5.6.3 and 6.4): the distance between identity features of input and
  translated faces (VGGFace in the thesis), Euclidean by default.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

SCALES = {"minus_one_one": 1.0, "unit": 0.5, "uint8": 127.5}


def check_images(x, name: str = "images") -> torch.Tensor:
    """Check an image batch: ``(N, C, H, W)``, not empty, finite, in [-1, 1].

    Args:
        x: a tensor or anything :func:`torch.as_tensor` takes (returned as a tensor).
        name: what to call ``x`` in error messages.

    Raises:
        ValueError: on another number of dimensions, an empty batch, NaN/inf or values outside
            [-1, 1] (the message says how to fix it).
    """
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if x.ndim != 4:
        raise ValueError(
            f"{name} must be a batch (N, C, H, W), got shape {tuple(x.shape)}"
            + ("; add a batch dimension with x[None] for a single image" if x.ndim == 3 else "")
        )
    if x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)})")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"{name} must be in [-1, 1] (the book's image convention), got range "
            f"[{lo:.3g}, {hi:.3g}]; scale [0, 1] images with 2 * x - 1"
        )
    return x


def mse(outputs, targets, scale: str = "minus_one_one") -> float:
    """Mean squared error over all pixels and channels, images in [-1, 1].

    Args:
        outputs: ``(N, C, H, W)`` generated images in [-1, 1].
        targets: ``(N, C, H, W)`` true counterparts in [-1, 1].
        scale: pixel scale the error is measured on: ``"minus_one_one"`` (default, implicit-pairs
            Table 1), ``"unit"`` ([0, 1]) or ``"uint8"`` ([0, 255]).

    Raises:
        ValueError: on shape mismatch, values outside [-1, 1] or an unknown scale.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, got {scale!r}")
    o = check_images(outputs, "outputs").double()
    t = check_images(targets, "targets").double()
    if o.shape != t.shape:
        raise ValueError(f"outputs {tuple(o.shape)} and targets {tuple(t.shape)} differ in shape")
    return float(((o - t) * SCALES[scale]).pow(2).mean())


def per_direction_mse(
    fake_b, real_b, fake_a, real_a, scale: str = "minus_one_one"
) -> dict[str, float]:
    """``{"A2B": mse(G_AB(a), b), "B2A": mse(G_BA(b), a)}`` as in implicit-pairs Table 1."""
    return {"A2B": mse(fake_b, real_b, scale), "B2A": mse(fake_a, real_a, scale)}


@torch.no_grad()
def embed(embed_fn: Callable[[torch.Tensor], torch.Tensor], images, batch_size: int = 64) -> torch.Tensor:
    """Apply ``embed_fn`` batch by batch; returns float64 ``(N, D)`` on the CPU."""
    x = check_images(images, "images")
    out = []
    for s in range(0, len(x), batch_size):
        e = torch.as_tensor(embed_fn(x[s:s + batch_size]))
        out.append(e.detach().reshape(e.shape[0], -1).to("cpu", torch.float64))
    return torch.cat(out)


def _paired_embeddings(embed_fn, inputs, outputs, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    if len(inputs) != len(outputs):
        raise ValueError(f"{len(inputs)} inputs but {len(outputs)} outputs: they must be paired")
    if len(inputs) == 0:
        raise ValueError("no samples given")
    e_in = embed(embed_fn, inputs, batch_size)
    e_out = embed(embed_fn, outputs, batch_size)
    if not (torch.isfinite(e_in).all() and torch.isfinite(e_out).all()):
        raise ValueError("embed_fn returned NaN or inf")
    return e_in, e_out


def infosim(embed_fn: Callable[[torch.Tensor], torch.Tensor], inputs, outputs, batch_size: int = 64) -> float:
    """InfoSim: MSE between identity embeddings of inputs and outputs (implicit pairs, Sec. 4.2).

    ``mean_i mean_d (e(x_i)_d - e(G(x_i))_d)²`` — the mean over samples of the per-sample mean
    squared difference of the embedding vectors. Lower is better.

    Args:
        embed_fn: identity network, ``(B, C, H, W)`` in [-1, 1] -> ``(B, D)``.
        inputs: ``(N, C, H, W)`` source images; outputs: ``(N, C, H, W)`` their translations.
    """
    e_in, e_out = _paired_embeddings(embed_fn, inputs, outputs, batch_size)
    return float((e_in - e_out).pow(2).mean())


def id_distance(
    embed_fn: Callable[[torch.Tensor], torch.Tensor],
    inputs,
    outputs,
    metric: str = "euclidean",
    batch_size: int = 64,
) -> float:
    """ID distance (thesis Sections 5.6.3, 6.4): mean distance between identity features.

    Args:
        metric: ``"euclidean"`` (L2 between embeddings, the default) or ``"cosine"``
            (``1 - cos``).
    """
    e_in, e_out = _paired_embeddings(embed_fn, inputs, outputs, batch_size)
    if metric == "euclidean":
        return float((e_in - e_out).norm(dim=1).mean())
    if metric == "cosine":
        return float((1.0 - torch.nn.functional.cosine_similarity(e_in, e_out, dim=1)).mean())
    raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}")
