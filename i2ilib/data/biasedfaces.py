"""Biased SynthFaces for unbiased diverse translation (UDIT, Wang 2020 thesis, chapter 5).

The thesis's *Biased makeup* set (Table 5.1) has a wanted change (makeup) and an unwanted one
(gender): the target domain is dominated by one gender, so a diverse translator learns to
change gender along with the makeup. The embedded faces rebuild that layout with the truth a
web collection cannot give:

* the **wanted** property ``w`` is ``Eyeglasses``: domain A holds faces without glasses,
  domain B faces with glasses;
* the **unwanted** property ``u`` (the stand-in for gender) is the hair colour, blond
  (``u = 1``) or black (``u = 0``): balanced in A, but a share ``bias`` (default 0.9) of B is
  blond. The hair colour is the person's own and must survive the translation.

Every face is rendered from its own person, with hair that shows (no bald or buzz-cut
heads, no hats), so its hair colour is always visible. Held-out test faces of A (half blond)
come with their **true translation**: the same person, pose and light rendered with glasses,
which is where an unbiased translation should land (up to its style). Two further balanced
sets (hair colour x glasses, like the thesis's Table 5.3) train the semantic extractor's
classifier and, disjoint from it, the judge of the hair colour.

:func:`biased_faces` builds it all (uint8 arrays; :meth:`BiasedFaces.tensors` gives tensors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .synthfaces import images_to_tensor, render_face, sample_identity, sample_pose

__all__ = ["BIAS_ATTRIBUTE", "BiasedFaces", "biased_faces", "hair_faces"]

#: The property that must not change (the thesis's ``u``): blond (1) or black (0) hair.
BIAS_ATTRIBUTE = "Blond_Hair"
#: Hair styles that hide the hair colour; such people are not drawn.
_HIDDEN_HAIR = ("bald", "buzz")
#: The seed streams of the parts (each part draws its own people).
_PARTS = {"A": 0, "B": 1, "test": 2, "h": 3, "judge": 4}


@dataclass
class BiasedFaces:
    """The biased training domains, the test faces with their truth, and the classifier sets.

    Attributes:
        A, B: training faces ``(N, H, W, 3)`` uint8, without / with glasses.
        u_A, u_B: their hair colour (1 blond, 0 black), ``(N,)`` int64.
        test: held-out faces of A (no glasses); ``u_test`` their hair colour;
            ``test_truth`` each rendered with glasses (the same person, pose and light).
        bias: the share of blond faces in B asked for.
    """

    A: np.ndarray
    B: np.ndarray
    u_A: np.ndarray
    u_B: np.ndarray
    test: np.ndarray
    u_test: np.ndarray
    test_truth: np.ndarray
    bias: float

    def tensors(self, name: str) -> torch.Tensor:
        """One of the image arrays as float32 in [-1, 1], ``(N, 3, H, W)``."""
        return images_to_tensor(getattr(self, name))


def _render(n: int, size: int, seed: int, part: str, blond: np.ndarray, glasses: bool,
            with_truth: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _PARTS[part]]))
    out = np.empty((n, size, size, 3), np.uint8)
    truth = np.empty_like(out) if with_truth else None
    for k in range(n):
        ident = sample_identity(rng)
        while ident.hair_style in _HIDDEN_HAIR:
            ident = sample_identity(rng)
        pose = sample_pose(rng)
        values = {"Blond_Hair": float(blond[k]), "Black_Hair": float(not blond[k]),
                  "Eyeglasses": float(glasses), "Smiling": float(rng.uniform(0.0, 1.0)),
                  "Wearing_Hat": 0.0}
        out[k] = render_face(ident, values, pose, size).image
        if truth is not None:
            truth[k] = render_face(ident, {**values, "Eyeglasses": 1.0}, pose, size).image
    return out, truth


def _blond(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """``round(share * n)`` ones among ``n``, in a seeded order."""
    u = np.zeros(n, np.int64)
    u[:round(share * n)] = 1
    return rng.permutation(u)


def _check(n_A: int, n_B: int, n_test: int, size: int, bias: float) -> None:
    for name, v in (("n_A", n_A), ("n_B", n_B), ("n_test", n_test), ("size", size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}.")
    if not 0.0 <= float(bias) <= 1.0:
        raise ValueError(f"bias is the share of blond faces in B and must lie in [0, 1], "
                         f"got {bias}.")


def biased_faces(n_A: int = 600, n_B: int = 600, n_test: int = 100, size: int = 32,
                 bias: float = 0.9, seed: int = 0) -> BiasedFaces:
    """Render the biased set: A without glasses (half blond), B with glasses (a share ``bias``
    blond), ``n_test`` held-out A faces (half blond) with their true translation.

    Raises:
        ValueError: a non-positive count or size, or ``bias`` outside [0, 1].
    """
    _check(n_A, n_B, n_test, size, bias)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 99]))
    u_A, u_B, u_test = _blond(n_A, 0.5, rng), _blond(n_B, bias, rng), _blond(n_test, 0.5, rng)
    A, _ = _render(n_A, size, seed, "A", u_A, glasses=False)
    B, _ = _render(n_B, size, seed, "B", u_B, glasses=True)
    test, truth = _render(n_test, size, seed, "test", u_test, glasses=False, with_truth=True)
    return BiasedFaces(A=A, B=B, u_A=u_A, u_B=u_B, test=test, u_test=u_test, test_truth=truth,
                       bias=float(bias))


def hair_faces(n: int, size: int = 32, seed: int = 0, part: str = "h",
               ) -> tuple[np.ndarray, np.ndarray]:
    """A balanced set for a hair-colour classifier: ``n`` faces (``n`` even), blond and black
    in equal numbers and each half with glasses, from people of their own (``part``: ``"h"``
    for the semantic extractor's classifier, ``"judge"`` for the evaluation's; the two never
    share a person with each other or with :func:`biased_faces`). Returns ``(images uint8,
    u)``.
    """
    if part not in ("h", "judge"):
        raise ValueError(f"part must be 'h' or 'judge', got {part!r}.")
    _check(n, 1, 1, size, 0.5)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 98, _PARTS[part]]))
    u = _blond(n, 0.5, rng)
    glasses = _blond(n, 0.5, rng).astype(bool)
    images = np.empty((n, size, size, 3), np.uint8)
    for g in (False, True):
        idx = np.flatnonzero(glasses == g)
        images[idx], _ = _render(len(idx), size, seed + 7 * int(g), part, u[idx], glasses=g)
    return images, u

