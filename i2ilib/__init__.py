"""i2ilib: the small PyTorch library behind the i2i-book.

One concept per module:

- :mod:`i2ilib.nets` -- generators (ResNet, U-Net) and discriminators (PatchGAN, pixel).
- :mod:`i2ilib.losses` -- GAN losses and reconstruction / cycle / identity losses.
- :mod:`i2ilib.train` -- the pix2pix and CycleGAN trainers, image pool, schedules, checkpoints.
- :mod:`i2ilib.data` -- image folders (paired / unpaired) and the book's embedded data.
- :mod:`i2ilib.viz` -- labelled image grids and loss curves.
- :mod:`i2ilib.results` -- the store of book-scale runs and ``load_or_train``.
- :mod:`i2ibook.scale` -- the three scales (smoke / book / paper).
- :mod:`i2ilib.device` -- device selection and the GPU check.
"""

__version__ = "0.1.0"
