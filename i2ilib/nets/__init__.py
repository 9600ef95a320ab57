"""Networks of pix2pix and CycleGAN, faithful to the reference implementation.

Architectures in the papers' notation (CycleGAN, Zhu et al. 2017, Appendix 7.2; pix2pix,
Isola et al. 2017, Appendix 6.1; both repeated in the implicit-pairs paper's appendix,
"Architectures"):

* :class:`ResnetGenerator` -- ``c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3`` (CycleGAN).
* :class:`UnetGenerator` -- encoder ``C64-C128-C256-C512-C512-C512-C512-C512``, decoder
  ``CD512-CD512-CD512-C512-C256-C128-C64`` with skip connections (pix2pix); ``skip=False``
  for the encoder-decoder ablation.
* :class:`NLayerDiscriminator` -- the PatchGAN ``C64-C128-C256-C512`` (70x70 receptive field;
  16/34/70/142/286 px for ``n_layers`` 1..5) and :class:`PixelDiscriminator` (1x1).
* :func:`define_G` / :func:`define_D` -- by the reference names (``resnet_9blocks``,
  ``unet_256``, ``basic``, ``pixel``, ...), initialised ``N(0, 0.02)``.
* :func:`load_official_generator` -- the reference ``.pth`` generator checkpoints, with an
  error naming every option that differs.
* :mod:`i2ilib.nets.ost` -- OST's parts (Benaim & Wolf 2018): unshared encoders ``E_X^U`` and
  decoders ``G_X^U``, the shared encoder ``E^S`` and decoder ``G^S``, and the translators
  ``T_XY = G_Y^U o G^S o E^S o E_X^U`` (:class:`OSTTranslator`), cut from the ResNet generator.
* :mod:`i2ilib.nets.mmnets` -- mix and match networks (Wang 2020, thesis chapter 4): SegNet
  encoders ``f_R, f_D, f_S`` and decoders ``g_R, g_D, g_S`` meeting in one latent space, with
  pooling indices, skip connections or no side information, and the RGB discriminator ``C``.
* :mod:`i2ilib.nets.stargan_modalities` -- StarGAN adapted to modalities (thesis Section
  4.6.2): one translator and critic shared by RGB, depth and segmentation but for their first
  and last layers, the target modality as label maps, pooling indices.
* :mod:`i2ilib.nets.wgan_resnet` -- TransferGAN's WGAN-GP ResNet generator and critic (Wang 2020
  thesis, Section 2.3.3; one linear layer, residual blocks, one convolution), with the AC-GAN
  options of Section 2.4 and :func:`transfer_state`, the initialisation from a pretrained GAN.
* :mod:`i2ilib.nets.miner` -- MineGAN's miner ``M`` (thesis Section 3.3.2), the MLP in front of a
  frozen generator.
* :mod:`i2ilib.nets.munit` -- UDIT's MUNIT-style diverse translator (thesis chapter 5, Tables
  A.13-A.18): content encoder ``E^c`` with pooling indices, style encoder ``E^s``, AdaIN decoder
  ``G`` with its style MLP, and the least-squares discriminator.
* :mod:`i2ilib.nets.sdit` -- SDIT (thesis chapter 6): the label-conditioned encoder ``E``, the
  mapping ``M``, the generator with conditional instance normalisation (CIN) and attention
  (eq. 6.9), and the discriminator with heads ``D_src``, ``D_cls`` and ``F_rec``.
* :mod:`i2ilib.nets.content` -- content transfer (Press et al. 2019): the common encoder
  ``e1``, the separate encoder ``e2``, one decoder ``g`` and the latent domain discriminator.
* :mod:`i2ilib.nets.semantic` -- semantic extractors ``h`` for UDIT's constraint (Section
  5.5.1): a network's method as a module, and the reduced ``1 x 1 x D`` variant.
* :mod:`i2ilib.nets.points` -- networks on points of the plane in ``K`` independent copies: the
  minimal translator ``sigma_a(W x + b)`` of the minimality slide and small MLPs.

Modules: :mod:`i2ilib.nets.resnet`, :mod:`i2ilib.nets.unet`, :mod:`i2ilib.nets.patchgan`
(PatchGAN and pixel discriminators), :mod:`i2ilib.nets.norm` (batch / instance norm by name),
:mod:`i2ilib.nets.init` (the reference initialisations), :mod:`i2ilib.nets.factory`
(``define_G`` / ``define_D``), :mod:`i2ilib.nets.receptive_field` (by formula and by
measurement), :mod:`i2ilib.nets.official` (the official ``.pth`` files), :mod:`i2ilib.nets.residual` (a
generator predicting a change to its input, ``netG="<name>_residual"``; not the papers').

Width (``ngf``/``ndf``) and depth (``n_blocks``, ``num_downs``, ``n_layers``) are parameters, so
book-scale runs use the same classes as the papers, only smaller.
"""

from .content import (
    SEPARATE_KINDS,
    ContentDecoder,
    ContentTransferNet,
    ConvEncoder,
    LatentDiscriminator,
    build_content_transfer,
)
from .factory import (
    DISCRIMINATOR_NAMES,
    GENERATOR_NAMES,
    define_D,
    define_G,
    generator_name,
    parse_generator_name,
)
from .init import INIT_TYPES, init_weights
from .miner import Miner
from .mmnets import (
    Latent,
    MMNetArchitecture,
    MMNetDiscriminator,
    MMNetTranslator,
    define_mmnet_parts,
)
from .munit import MUNITAutoEncoder, MUNITDiscriminator
from .norm import NORMS, get_norm_layer, uses_conv_bias
from .official import (
    build_generator_for,
    describe_checkpoint,
    load_official_generator,
    read_state_dict,
)
from .ost import (
    OSTArchitecture,
    OSTTranslator,
    SharedDecoder,
    SharedEncoder,
    UnsharedDecoder,
    UnsharedEncoder,
    define_ost_parts,
)
from .patchgan import NLayerDiscriminator, PixelDiscriminator, patchgan_output_size
from .receptive_field import (
    measure_receptive_field,
    n_layers_for_receptive_field,
    patchgan_receptive_field,
)
from .resnet import ResnetBlock, ResnetGenerator
from .sdit import SDITDiscriminator, SDITGenerator
from .unet import UnetGenerator, UnetSkipConnectionBlock
from .wgan_resnet import (
    ClassBatchNorm2d,
    WGANResnetCritic,
    WGANResnetGenerator,
    transfer_state,
)

__all__ = [
    "DISCRIMINATOR_NAMES",
    "GENERATOR_NAMES",
    "INIT_TYPES",
    "NORMS",
    "SEPARATE_KINDS",
    "ClassBatchNorm2d",
    "ContentDecoder",
    "ContentTransferNet",
    "ConvEncoder",
    "Latent",
    "LatentDiscriminator",
    "MMNetArchitecture",
    "MMNetDiscriminator",
    "MMNetTranslator",
    "MUNITAutoEncoder",
    "MUNITDiscriminator",
    "Miner",
    "NLayerDiscriminator",
    "OSTArchitecture",
    "OSTTranslator",
    "PixelDiscriminator",
    "ResnetBlock",
    "ResnetGenerator",
    "SDITDiscriminator",
    "SDITGenerator",
    "SharedDecoder",
    "SharedEncoder",
    "UnetGenerator",
    "UnetSkipConnectionBlock",
    "UnsharedDecoder",
    "UnsharedEncoder",
    "WGANResnetCritic",
    "WGANResnetGenerator",
    "build_content_transfer",
    "build_generator_for",
    "define_D",
    "define_G",
    "define_mmnet_parts",
    "define_ost_parts",
    "describe_checkpoint",
    "generator_name",
    "get_norm_layer",
    "init_weights",
    "load_official_generator",
    "measure_receptive_field",
    "n_layers_for_receptive_field",
    "parse_generator_name",
    "patchgan_output_size",
    "patchgan_receptive_field",
    "read_state_dict",
    "transfer_state",
    "uses_conv_bias",
]
