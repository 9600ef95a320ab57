"""Training: the pix2pix, CycleGAN, OST, M&MNets and WGAN-GP trainers and their parts.

- :mod:`i2ilib.train.base` -- ``TrainerConfig`` and ``Trainer``: device, data order, the loop
  with its progress bar, sample grids and resumable checkpoints.
- :mod:`i2ilib.train.pix2pix` -- ``Pix2PixTrainer`` (Isola et al. 2017, eq. 4).
- :mod:`i2ilib.train.cyclegan` -- ``CycleGANTrainer`` (Zhu et al. 2017, eq. 3 plus the identity
  loss).
- :mod:`i2ilib.train.ost` -- ``OSTTrainer`` (Benaim & Wolf 2018, one-shot translation): Phase I,
  the variational auto-encoder of domain B; Phase II, the one sample of A with selective
  backpropagation.
- :mod:`i2ilib.train.wgan` -- ``WGANTrainer`` (Wang 2020 thesis, chapters 2-3): WGAN-GP and
  AC-GAN from scratch or initialised from pretrained runs (TransferGAN), the BSA-style
  batch-norm-only baseline, and MineGAN (miners, supersamples and the selector).
- :mod:`i2ilib.train.mmnets` -- ``MMNetTrainer`` (Wang 2020, thesis chapter 4, mix and match
  networks): zero-pair translation between depth and segmentation, trained on disjoint
  (RGB, segmentation) and (RGB, depth) sets in two stages, plus a pseudo-pair stage;
  ``MMNetOracleTrainer``, the same parts trained on true (depth, segmentation) pairs.
- :mod:`i2ilib.train.zeropair_baselines`, :mod:`i2ilib.train.zeropair_pix2pix`,
  :mod:`i2ilib.train.zeropair_cyclegan` -- the zero-pair baselines of the thesis's Tables 4.4-4.5:
  ``ZeroPairPix2PixTrainer`` (2x pix2pix through RGB) and ``ZeroPairCycleGANTrainer`` (CycleGAN
  between depth and segmentation), translating with ``MMNetTrainer``'s contract.
- :mod:`i2ilib.train.stargan_modalities` -- ``StarGANModalityTrainer`` (thesis Section 4.6.2):
  the StarGAN baselines of zero-pair translation, unpaired and paired.
- :mod:`i2ilib.train.udit` -- ``UDITTrainer`` (Wang 2020, thesis chapter 5): the MUNIT-style
  diverse translator with the semantic constraint of eq. 5.3 (without it: MUNIT).
- :mod:`i2ilib.train.sdit` -- ``SDITTrainer`` (Wang 2020, thesis chapter 6): one encoder-generator
  for many domains with CIN from a mapped latent code, attention and a three-headed
  discriminator.
- :mod:`i2ilib.train.content` -- ``ContentTransferTrainer`` (Press et al. 2019): the common
  and separate encoders, one decoder, domain confusion; and the Fader-style baseline.
- :mod:`i2ilib.train.grid` -- ``fit_grid``: K CycleGAN runs folded into one network, each its own run.
- :mod:`i2ilib.train.circular_points` -- ``train_circular_points``: a circular GAN (CycleGAN's
  objective) between two segments of the plane, one copy of each network per seed.
- :mod:`i2ilib.train.pool` -- ``ImagePool``, the history of generated images (Shrivastava et al.).
- :mod:`i2ilib.train.schedule` -- the constant-then-linear-decay learning rate.
- :mod:`i2ilib.train.checkpoint` -- atomic checkpoint files and their loader.
- :mod:`i2ilib.train.warmstart` -- generators pretrained as auto-encoders before training.
"""

from .base import (
    NonFiniteLossError,
    Trainer,
    TrainerConfig,
    generator_from_config,
    seed_everything,
    set_requires_grad,
)
from .checkpoint import atomic_save, load_checkpoint, remove_stale_temporaries
from .content import (
    ContentTransferConfig,
    ContentTransferTrainer,
    content_transfer_from_config,
)
from .cyclegan import CycleGANConfig, CycleGANTrainer
from .grid import fit_grid
from .mmnets import (
    MMNET_PARTS,
    MMNET_TRANSLATORS,
    MMNetConfig,
    MMNetOracleTrainer,
    MMNetTrainer,
    mmnet_module_from_config,
    mmnet_translator_state,
)
from .ost import OSTConfig, OSTTrainer, ost_translator_from_config
from .pix2pix import Pix2PixConfig, Pix2PixTrainer
from .pool import ImagePool
from .schedule import linear_decay_factor, linear_decay_scheduler
from .sdit import SDITConfig, SDITTrainer, sdit_generator_from_config
from .udit import UDIT_NETWORKS, UDITConfig, UDITTrainer, udit_autoencoder_from_config
from .warmstart import autoencoder_warm_start
from .wgan import (
    MINEGAN_MNIST,
    WGAN_METHODS,
    ImageSet,
    WGANConfig,
    WGANTrainer,
    wgan_generator_from_config,
)

__all__ = [
    "MINEGAN_MNIST",
    "MMNET_PARTS",
    "MMNET_TRANSLATORS",
    "UDIT_NETWORKS",
    "WGAN_METHODS",
    "ContentTransferConfig",
    "ContentTransferTrainer",
    "CycleGANConfig",
    "CycleGANTrainer",
    "ImagePool",
    "ImageSet",
    "MMNetConfig",
    "MMNetOracleTrainer",
    "MMNetTrainer",
    "NonFiniteLossError",
    "OSTConfig",
    "OSTTrainer",
    "Pix2PixConfig",
    "Pix2PixTrainer",
    "SDITConfig",
    "SDITTrainer",
    "Trainer",
    "TrainerConfig",
    "UDITConfig",
    "UDITTrainer",
    "WGANConfig",
    "WGANTrainer",
    "atomic_save",
    "autoencoder_warm_start",
    "content_transfer_from_config",
    "fit_grid",
    "generator_from_config",
    "linear_decay_factor",
    "linear_decay_scheduler",
    "load_checkpoint",
    "mmnet_module_from_config",
    "mmnet_translator_state",
    "ost_translator_from_config",
    "remove_stale_temporaries",
    "sdit_generator_from_config",
    "seed_everything",
    "set_requires_grad",
    "udit_autoencoder_from_config",
    "wgan_generator_from_config",
]
