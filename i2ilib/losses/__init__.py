"""Losses: adversarial (:mod:`.gan`), reconstruction / cycle / identity (:mod:`.reconstruction`),
the KL term of a variational auto-encoder (:mod:`.vae`, OST's ``L_VAE_B``), the cross-modal
losses of mix and match networks (:mod:`.crossmodal`: L2, Berhu, cross-entropy, latent
consistency ``L_LAT`` and the pseudo-pair terms ``L_PP``), and the WGAN-GP critic and generator
losses, the AC-GAN classification term and MineGAN's supersample maximum and selector
frequencies (:mod:`.wgan`), and UDIT's least-squares, reconstruction, latent reconstruction and
semantic-constraint terms (:mod:`.diverse`), and content transfer's L_A, L_B and
domain-confusion terms (:mod:`.content`)."""

from .content import (
    CONFUSION_KINDS,
    confusion_loss,
    content_reconstruction_loss,
    domain_loss,
)
from .crossmodal import (
    LATENT_KINDS,
    berhu,
    berhu_loss,
    l2_loss,
    latent_consistency_loss,
    pseudo_pair_depth_loss,
    pseudo_pair_segmentation_loss,
    segmentation_loss,
)
from .diverse import (
    image_reconstruction_loss,
    latent_reconstruction_loss,
    semantic_constraint_loss,
    udit_discriminator_loss,
    udit_generator_loss,
)
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
    "CONFUSION_KINDS",
    "GAN_MODES",
    "LATENT_KINDS",
    "RECONSTRUCTION_KINDS",
    "GANLoss",
    "auxiliary_classifier_loss",
    "berhu",
    "berhu_loss",
    "confusion_loss",
    "content_reconstruction_loss",
    "cycle_loss",
    "domain_loss",
    "gradient_penalty",
    "identity_loss",
    "image_reconstruction_loss",
    "kl_to_standard_normal",
    "l2_loss",
    "latent_consistency_loss",
    "latent_reconstruction_loss",
    "pseudo_pair_depth_loss",
    "pseudo_pair_segmentation_loss",
    "reconstruction_loss",
    "segmentation_loss",
    "selector_probabilities",
    "semantic_constraint_loss",
    "supersample_max",
    "udit_discriminator_loss",
    "udit_generator_loss",
    "wgan_critic_loss",
    "wgan_generator_loss",
]
