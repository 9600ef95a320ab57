"""Losses: adversarial (:mod:`.gan`) and reconstruction / cycle / identity (:mod:`.reconstruction`)."""

from .gan import GAN_MODES, GANLoss, gradient_penalty
from .reconstruction import (
    RECONSTRUCTION_KINDS,
    cycle_loss,
    identity_loss,
    reconstruction_loss,
)

__all__ = [
    "GAN_MODES",
    "RECONSTRUCTION_KINDS",
    "GANLoss",
    "cycle_loss",
    "gradient_penalty",
    "identity_loss",
    "reconstruction_loss",
]
