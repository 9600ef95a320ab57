"""Trivial baselines and the sanity check a translation model must pass before its numbers
are compared.

A model that loses to returning its input unchanged, or to a blur of it, on the distance to the
true counterpart has not learned the task; comparisons between such models measure how much
each one blurs, not the effect of a training setting. Each baseline returns "outputs" that are
scored like a model's:

- :func:`identity_baseline` -- the input returned unchanged;
- :func:`blur_baseline` -- a Gaussian blur of the input (default ``sigma = 1.5`` pixels);
- :func:`mean_baseline` -- the mean image of the training targets, for every input.

:func:`completed_with_truth` judges task completion with the truth (the attribute is gone *and*
the output is closer to the true counterpart than the input was), and :func:`sanity_checks`
lists what a model fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["BLUR_SIGMA", "SanityCheck", "blur_baseline", "completed_with_truth",
           "identity_baseline", "mean_baseline", "sanity_checks"]

#: The blur of the input used as a baseline, in pixels.
BLUR_SIGMA = 1.5


def _check_images(x: Tensor, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name} must be an (N, C, H, W) batch, got shape {tuple(x.shape)}")


def identity_baseline(inputs: Tensor) -> Tensor:
    """``(N, C, H, W)`` -> the same batch: the translation that changes nothing."""
    _check_images(inputs, "inputs")
    return inputs.clone()


def blur_baseline(inputs: Tensor, sigma: float = BLUR_SIGMA) -> Tensor:
    """``(N, C, H, W)`` -> the same batch blurred by a separable Gaussian of standard deviation
    ``sigma`` pixels (kernel radius ``ceil(3 sigma)``, reflected borders)."""
    _check_images(inputs, "inputs")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    r = int(np.ceil(3 * sigma))
    if r >= min(inputs.shape[-2:]):
        raise ValueError(f"sigma {sigma} is too large for {tuple(inputs.shape[-2:])} images")
    x = torch.arange(-r, r + 1, dtype=inputs.dtype, device=inputs.device)
    k = torch.exp(-x ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    c = inputs.shape[1]
    out = F.pad(inputs, (r, r, r, r), mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(out, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def mean_baseline(train_targets: Tensor, n: int) -> Tensor:
    """``(M, C, H, W)`` training targets -> ``(n, C, H, W)``: their mean image, ``n`` times."""
    _check_images(train_targets, "train_targets")
    if n < 1 or len(train_targets) == 0:
        raise ValueError("mean_baseline needs training targets and n >= 1")
    return train_targets.mean(dim=0, keepdim=True).expand(n, -1, -1, -1).clone()


def completed_with_truth(attribute_prob: np.ndarray, mse_output: np.ndarray,
                         mse_input: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``(N,)`` booleans: the task counts as done on an image when the classifier no longer
    sees the attribute (probability below ``threshold``) *and* the output is closer to the true
    counterpart than the input was (``mse_output < mse_input``). A blur that hides glasses from
    the classifier moves the face away from the truth, so it does not count.

    Args:
        attribute_prob: ``(N,)`` probability that each output still shows the attribute.
        mse_output: ``(N,)`` MSE of each output to its true counterpart.
        mse_input: ``(N,)`` MSE of each input to its true counterpart.
    """
    p, mo, mi = (np.asarray(a, dtype=np.float64) for a in (attribute_prob, mse_output, mse_input))
    if not (p.shape == mo.shape == mi.shape) or p.ndim != 1:
        raise ValueError(f"need three (N,) arrays, got {p.shape}, {mo.shape}, {mi.shape}")
    return (p < threshold) & (mo < mi)


@dataclass(frozen=True)
class SanityCheck:
    """One check: its name, whether it passed, and the numbers behind it."""

    name: str
    passed: bool
    detail: str


def sanity_checks(model_mse: float, baseline_mse: Mapping[str, float],
                  completion: float | None = None, min_completion: float = 0.5,
                  must_beat: Sequence[str] | None = None) -> list[SanityCheck]:
    """The checks a model must pass before its row gets a verdict other than *inconclusive*.

    Args:
        model_mse: the model's mean MSE to the true counterparts.
        baseline_mse: ``{baseline name: its mean MSE}`` (e.g. ``"identity"``, ``"blur"``).
        completion: the share of test images on which the task is done, judged with the truth
            (:func:`completed_with_truth`), or None where there is no task to complete.
        min_completion: the share the model must reach ("most test images").
        must_beat: the baselines to beat (default: all of ``baseline_mse``).
    """
    names = list(baseline_mse) if must_beat is None else list(must_beat)
    out = [SanityCheck(f"beats {b} on MSE to the truth", model_mse < baseline_mse[b],
                       f"MSE {model_mse:.4f} vs {b} {baseline_mse[b]:.4f}") for b in names]
    if completion is not None:
        out.append(SanityCheck("completes the task on most test images (judged with the truth)",
                               completion >= min_completion,
                               f"{completion:.0%} of the test images"))
    return out
