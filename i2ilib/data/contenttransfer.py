"""SynthFaces for content transfer (Press et al. 2019), with the truth of both tasks.

Domain A holds faces without an attribute, domain B faces with it (glasses or a smile), drawn
from different people's training images, unpaired. Two held-out tasks come with their truth,
which only a renderer can give:

* **removal** (B -> A): test faces with the attribute; the truth is the same person, pose and
  everything else, rendered without it;
* **guided transfer** (A -> B with a guide): a test face without the attribute and a guide face
  from B; the truth is the first face rendered with the *guide's* attribute (the guide's pair of
  glasses -- shape, frame, tint -- or the guide's degree of smile).

:func:`content_transfer_data` builds both (uint8 arrays; :func:`to_m11` gives tensors).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from .synthfaces import images_to_tensor, make_synthfaces, render_face

__all__ = ["CONTENT_ATTRIBUTES", "ContentTransferData", "content_transfer_data"]

#: The attributes the book transfers and removes, with the rendered value that means "off".
CONTENT_ATTRIBUTES: dict[str, float] = {"Eyeglasses": 0.0, "Smiling": 0.0}


@dataclass
class ContentTransferData:
    """Training domains and the two held-out tasks, uint8 ``(N, H, W, 3)``.

    Attributes:
        A, B: training faces without / with the attribute (different images, unpaired).
        removal_input: held-out faces with the attribute; ``removal_truth``: each without it.
        transfer_input: held-out faces without it; ``transfer_guide``: a held-out face with it
            for each; ``transfer_truth``: the input face with the guide's attribute.
        attribute: ``"Eyeglasses"`` or ``"Smiling"``.
    """

    A: np.ndarray
    B: np.ndarray
    removal_input: np.ndarray
    removal_truth: np.ndarray
    transfer_input: np.ndarray
    transfer_guide: np.ndarray
    transfer_truth: np.ndarray
    attribute: str

    def tensors(self, name: str) -> torch.Tensor:
        """One of the arrays as float32 in [-1, 1], ``(N, 3, H, W)``."""
        return images_to_tensor(getattr(self, name))


def content_transfer_data(attribute: str = "Eyeglasses", n_identities: int = 400,
                          images_per_identity: int = 6, size: int = 64, n_test: int = 100,
                          seed: int = 0) -> ContentTransferData:
    """Render a SynthFaces set with the attribute on half of the images and split it.

    Training domains come from the ``train`` partition (A: attribute off, B: on); the tasks
    from the ``test`` partition (people never seen in training): the first ``n_test`` faces
    with the attribute for removal, the first ``n_test`` without it for transfer, each with a
    guide drawn from the test faces with it (seeded).

    Raises:
        ValueError: an attribute outside :data:`CONTENT_ATTRIBUTES`, or too few test faces.
    """
    if attribute not in CONTENT_ATTRIBUTES:
        raise ValueError(f"attribute must be one of {', '.join(CONTENT_ATTRIBUTES)}, got "
                         f"{attribute!r}")
    ds = make_synthfaces(n_identities, images_per_identity, size, seed=seed,
                         attribute_probs={attribute: 0.5})
    on = ds.values[attribute] >= 0.5
    train, test = ds.partition == 0, ds.partition == 2
    test_on, test_off = np.flatnonzero(test & on), np.flatnonzero(test & ~on)
    if min(len(test_on), len(test_off)) < n_test:
        raise ValueError(f"only {len(test_on)} / {len(test_off)} test faces with / without "
                         f"{attribute} for n_test={n_test}: render more identities")
    off_value = CONTENT_ATTRIBUTES[attribute]
    rem = test_on[:n_test]
    removal_truth = np.stack([ds.render(int(i), **{attribute: off_value}).image for i in rem])
    rng = np.random.default_rng(seed + 10_007)
    inputs = test_off[:n_test]
    guides = rng.choice(test_on, size=n_test, replace=True)
    truth = []
    for i, j in zip(inputs, guides):
        ident = ds.identities[int(ds.identity[i]) - 1]
        vals = ds.attribute_values(int(i))
        if attribute == "Eyeglasses":  # the guide's pair of glasses on this face
            guide_ident = ds.identities[int(ds.identity[j]) - 1]
            ident = dataclasses.replace(ident, glasses=guide_ident.glasses)
        vals[attribute] = float(ds.values[attribute][j])
        truth.append(render_face(ident, vals, ds.poses[int(i)], size).image)
    return ContentTransferData(A=ds.images[train & ~on], B=ds.images[train & on],
                               removal_input=ds.images[rem], removal_truth=removal_truth,
                               transfer_input=ds.images[inputs], transfer_guide=ds.images[guides],
                               transfer_truth=np.stack(truth), attribute=attribute)
