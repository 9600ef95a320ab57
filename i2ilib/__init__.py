"""i2ilib: the small PyTorch library behind the i2i-book.

One concept per module:

- :mod:`i2ilib.nets` -- generators (ResNet, U-Net) and discriminators (PatchGAN, pixel).
- :mod:`i2ilib.losses` -- GAN losses and reconstruction / cycle / identity losses.
- :mod:`i2ilib.train` -- the pix2pix and CycleGAN trainers, image pool, schedules, checkpoints.
- :mod:`i2ilib.data` -- image folders (paired / unpaired), the real-dataset registry and the
  book's embedded data (SynthFaces, SynthScenes, digits, coloured objects).
- :mod:`i2ilib.metrics` -- set distances, segmentation and depth scores, identity and attribute
  networks, representation spaces.
- :mod:`i2ilib.viz` -- labelled image grids, framed images and loss curves.
- :mod:`i2ilib.results` -- the store of trained runs and ``load_or_train``.
- :mod:`i2ilib.device` -- device selection and the GPU check.
- :mod:`i2ilib.cli` -- ``python -m i2ilib train`` and ``translate``.

The book built on it (scales, run catalogue, papers' numbers, chapter analyses) is the separate
package ``i2ibook``; nothing here imports it.
"""

__version__ = "0.1.0"
