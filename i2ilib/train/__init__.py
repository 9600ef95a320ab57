"""Training: the pix2pix and CycleGAN trainers and their parts."""

from .base import (
    NonFiniteLossError,
    Trainer,
    TrainerConfig,
    generator_from_config,
    seed_everything,
    set_requires_grad,
)
from .checkpoint import atomic_save, load_checkpoint, remove_stale_temporaries
from .cyclegan import CycleGANConfig, CycleGANTrainer
from .pix2pix import Pix2PixConfig, Pix2PixTrainer
from .pool import ImagePool
from .schedule import linear_decay_factor, linear_decay_scheduler

__all__ = [
    "CycleGANConfig",
    "CycleGANTrainer",
    "ImagePool",
    "NonFiniteLossError",
    "Pix2PixConfig",
    "Pix2PixTrainer",
    "Trainer",
    "TrainerConfig",
    "atomic_save",
    "generator_from_config",
    "linear_decay_factor",
    "linear_decay_scheduler",
    "load_checkpoint",
    "remove_stale_temporaries",
    "seed_everything",
    "set_requires_grad",
]
