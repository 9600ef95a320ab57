"""Losses: adversarial (:mod:`.gan`), reconstruction / cycle / identity (:mod:`.reconstruction`)
and the KL term of a variational auto-encoder (:mod:`.vae`, OST's ``L_VAE_B``)."""

from .gan import GAN_MODES, GANLoss, gradient_penalty
from .reconstruction import (
    RECONSTRUCTION_KINDS,
    cycle_loss,
    identity_loss,
    reconstruction_loss,
)
from .vae import kl_to_standard_normal

__all__ = [
    "GAN_MODES",
    "RECONSTRUCTION_KINDS",
    "GANLoss",
    "cycle_loss",
    "gradient_penalty",
    "identity_loss",
    "kl_to_standard_normal",
    "reconstruction_loss",
]
