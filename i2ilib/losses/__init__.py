"""Losses: adversarial (:mod:`.gan`), reconstruction / cycle / identity (:mod:`.reconstruction`)
the KL term of a variational auto-encoder (:mod:`.vae`, OST's ``L_VAE_B``), and the WGAN-GP
critic and generator losses, the AC-GAN classification term and MineGAN's supersample maximum
and selector frequencies (:mod:`.wgan`)."""

from .gan import GAN_MODES, GANLoss, gradient_penalty
from .reconstruction import (
    RECONSTRUCTION_KINDS,
    cycle_loss,
    identity_loss,
    reconstruction_loss,
)
from .vae import kl_to_standard_normal
from .wgan import (
    auxiliary_classifier_loss,
    selector_probabilities,
    supersample_max,
    wgan_critic_loss,
    wgan_generator_loss,
)

__all__ = [
    "GAN_MODES",
    "RECONSTRUCTION_KINDS",
    "GANLoss",
    "auxiliary_classifier_loss",
    "cycle_loss",
    "gradient_penalty",
    "identity_loss",
    "kl_to_standard_normal",
    "reconstruction_loss",
    "selector_probabilities",
    "supersample_max",
    "wgan_critic_loss",
    "wgan_generator_loss",
]
