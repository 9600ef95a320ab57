"""The image pool of Shrivastava et al. (2017), used by CycleGAN (Sec. 4 of the CycleGAN paper):
the discriminators are updated with a history of generated images rather than only the latest
ones, which reduces model oscillation. Pool size 50, as published.
"""

from __future__ import annotations

import random

import torch
from torch import Tensor


class ImagePool:
    """A buffer of up to ``pool_size`` previously generated images.

    :meth:`query` takes a batch ``(N, C, H, W)`` and returns a batch of the same shape. For each
    image: while the pool is not full, the image is stored and returned; once full, with
    probability 1/2 a random stored image is returned and replaced by the new one, otherwise the
    new image is returned. ``pool_size = 0`` disables the pool (the batch is returned as is).

    The pool's random choices come from its own seeded generator, and its state (images and RNG)
    is saved in checkpoints, so a resumed run makes the same choices as an uninterrupted one.
    """

    def __init__(self, pool_size: int = 50, seed: int = 0):
        if pool_size < 0:
            raise ValueError(f"pool_size must be >= 0, got {pool_size}.")
        self.pool_size = pool_size
        self.images: list[Tensor] = []
        self.rng = random.Random(seed)

    def __len__(self) -> int:
        return len(self.images)

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        """Return ``(N, C, H, W)`` images to show the discriminator (detached)."""
        if self.pool_size == 0:
            return images.detach()
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.pool_size:
                self.images.append(image.clone())
                out.append(image)
            elif self.rng.random() > 0.5:
                idx = self.rng.randint(0, self.pool_size - 1)
                out.append(self.images[idx].clone())
                self.images[idx] = image.clone()
            else:
                out.append(image)
        return torch.cat(out, 0)

    def state_dict(self) -> dict:
        return {"pool_size": self.pool_size, "images": [i.cpu() for i in self.images],
                "rng": self.rng.getstate()}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        if state["pool_size"] != self.pool_size:
            raise ValueError(f"Checkpoint image pool has size {state['pool_size']} but this run "
                             f"uses pool_size={self.pool_size}.")
        self.images = [i.to(device) for i in state["images"]]
        self.rng.setstate(state["rng"])
