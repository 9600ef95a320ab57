"""Multi-domain SynthFaces: ``C`` domains of one attribute family, with the truth of every
translation.

SDIT (Wang 2020 thesis, chapter 6) translates a face to any of ``C`` domains with one model;
on CelebA it is judged by the ID distance between input and output and by LPIPS diversity
(Section 6.4.2), because CelebA never shows the same person in another domain. SynthFaces
does: every face is rendered from an identity, a pose and attribute values, so the same face
in each of the ``C`` domains -- the **truth** of a translation -- is one more rendering.

The domains here are hair colours, the attribute family of StarGAN's and SDIT's CelebA faces
(Table 6.2 has *blond hair* and *brown hair*): :data:`HAIR_DOMAINS` ``= ("black", "blond",
"other")``, rendered with the attributes ``Black_Hair`` / ``Blond_Hair`` on, or both off (the
person's own colour when it is neither black nor blond -- brown, dark brown, auburn or grey --
and brown otherwise). People without hair (``bald``, ``buzz``) are not drawn, so that the
domain is visible on every face; hats are off for the same reason. The other transient
attributes (glasses, smile, bangs, make-up, open mouth) are drawn per image with SynthFaces'
usual probabilities and kept in every domain's rendering of that image.

Training images are unpaired: each is one person, one pose, in one domain drawn uniformly.
Test images hold, for each face, its rendering in all ``C`` domains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from i2ilib.data.synthfaces import (
    DEFAULT_ATTRIBUTE_PROBS,
    images_to_tensor,
    render_face,
    sample_identity,
    sample_image_attributes,
    sample_pose,
)

__all__ = ["HAIR_DOMAINS", "MultiDomainFaces", "domain_attributes", "hair_colour_faces"]

#: The domains, in label order: hair colour black, blond, or neither.
HAIR_DOMAINS: tuple[str, ...] = ("black", "blond", "other")
#: Hair styles whose colour is hardly visible; people with them are not drawn.
_HAIRLESS = ("bald", "buzz")


def domain_attributes(domain: int) -> dict[str, float]:
    """The SynthFaces attribute values that put a face in ``domain`` (an index of
    :data:`HAIR_DOMAINS`)."""
    if not 0 <= int(domain) < len(HAIR_DOMAINS):
        raise ValueError(f"domain must lie in [0, {len(HAIR_DOMAINS)}), got {domain!r}.")
    name = HAIR_DOMAINS[int(domain)]
    return {"Black_Hair": float(name == "black"), "Blond_Hair": float(name == "blond")}


@dataclass
class MultiDomainFaces:
    """Training and test faces of :func:`hair_colour_faces`.

    Attributes:
        train_x: ``(n_train, 3, S, S)`` in ``[-1, 1]``; train_y: ``(n_train,)`` int64 domains.
        test_x: ``(n_test, 3, S, S)``; test_y: ``(n_test,)`` the test faces' own domains.
        truth: ``(n_test, C, 3, S, S)``: test face ``i`` rendered in every domain
            (``truth[i, test_y[i]]`` is ``test_x[i]``).
        domains: the domains' names.
    """

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor
    truth: Tensor
    domains: tuple[str, ...] = HAIR_DOMAINS

    @property
    def n_domains(self) -> int:
        return len(self.domains)


def _faces(n: int, size: int, seq: np.random.SeedSequence, all_domains: bool,
           ) -> tuple[np.ndarray, np.ndarray]:
    probs = {**DEFAULT_ATTRIBUTE_PROBS, "Wearing_Hat": 0.0}
    c = len(HAIR_DOMAINS)
    images = np.empty((n, c if all_domains else 1, size, size, 3), np.uint8)
    labels = np.empty(n, np.int64)
    for k, child in enumerate(seq.spawn(n)):
        rng = np.random.default_rng(child)
        ident = sample_identity(rng)
        while ident.hair_style in _HAIRLESS:
            ident = sample_identity(rng)
        pose = sample_pose(rng)
        values = sample_image_attributes(ident, rng, probs)
        labels[k] = int(rng.integers(c))
        domains = range(c) if all_domains else [labels[k]]
        for j, d in enumerate(domains):
            images[k, j] = render_face(ident, {**values, **domain_attributes(d)}, pose,
                                       size).image
    return images, labels


def hair_colour_faces(n_train: int, n_test: int, size: int = 32, seed: int = 0,
                      ) -> MultiDomainFaces:
    """``n_train`` unpaired training faces and ``n_test`` test faces with their truth in every
    domain of :data:`HAIR_DOMAINS`, at ``size`` px. Training and test people differ (separate
    random streams of ``seed``); face ``k`` depends only on ``(seed, split, k)``.

    Raises:
        ValueError: counts below 1 or a size below 16.
    """
    if n_train < 1 or n_test < 1 or size < 16:
        raise ValueError(f"Need n_train, n_test >= 1 and size >= 16, got {n_train}, {n_test}, "
                         f"{size}.")
    train_seq, test_seq = np.random.SeedSequence([seed, 15]).spawn(2)
    train, train_y = _faces(n_train, size, train_seq, all_domains=False)
    test, test_y = _faces(n_test, size, test_seq, all_domains=True)
    truth = images_to_tensor(test.reshape(-1, size, size, 3)).view(n_test, len(HAIR_DOMAINS),
                                                                    3, size, size)
    y = torch.from_numpy(test_y)
    return MultiDomainFaces(train_x=images_to_tensor(train[:, 0]), train_y=torch.from_numpy(train_y),
                            test_x=truth[torch.arange(n_test), y].clone(), test_y=y, truth=truth)
