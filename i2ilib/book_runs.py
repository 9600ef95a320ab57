"""The stored runs of the book, one function per run: ``f(scale) -> (name, config)``.

The chapters call these functions and hand the result to
:func:`i2ilib.results.load_or_train`; ``python -m i2ilib reproduce`` (``make reproduce``)
retrains every one of them at book scale. Keeping the configurations here, rather than only in
the notebooks, is what lets one command regenerate every stored number.

Book scale deviates from the papers in image size (64 px instead of 256), width (``ngf`` 16 and
``ndf`` 32 instead of 64), depth (U-Net with 6 downsamplings for 64 px images, 6 residual blocks)
and schedule (a few thousand steps instead of 200 epochs); each chapter prints the comparison.
"""

from __future__ import annotations

from typing import Any, Callable

from .experiment import make_config
from .scale import get_scale, pick

Config = dict[str, Any]


def _scenes(scale: str, task: str, seed: int) -> dict[str, Any]:
    return {"source": "synthscenes", "task": task, "seed": seed, "flip": True,
            "size": pick(scale, smoke=32, book=64, paper=256),
            "n_train": pick(scale, smoke=8, book=400, paper=400),
            "n_test": pick(scale, smoke=4, book=32, paper=100)}


def pix2pix_scenes(scale: str | None = None, task: str = "labels2photo",
                   seed: int = 0) -> tuple[str, Config]:
    """Chapter 02: pix2pix on SynthScenes pairs (labels -> photo by default)."""
    scale = get_scale(scale)
    trainer = pick(
        scale,
        smoke=dict(netG="unet_32", ngf=8, ndf=8, batch_size=4, n_epochs=1, n_epochs_decay=1),
        book=dict(netG="unet_64", ngf=16, ndf=32, batch_size=4, n_epochs=20, n_epochs_decay=20),
        paper=dict(netG="unet_256", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                   n_epochs_decay=100),
    )
    trainer["seed"] = seed
    return (f"02_pix2pix/{task}-seed{seed}",
            make_config("pix2pix", _scenes(scale, task, seed), trainer, scale))


def cyclegan_scenes(scale: str | None = None, task: str = "labels2photo",
                    seed: int = 0) -> tuple[str, Config]:
    """Chapter 04: CycleGAN on *unpaired* SynthScenes (A and B from different scenes)."""
    scale = get_scale(scale)
    trainer = pick(
        scale,
        smoke=dict(netG="resnet_2blocks", ngf=8, ndf=8, batch_size=4, n_epochs=1,
                   n_epochs_decay=1),
        book=dict(netG="resnet_6blocks", ngf=16, ndf=32, batch_size=4, n_epochs=10,
                  n_epochs_decay=10),
        paper=dict(netG="resnet_9blocks", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                   n_epochs_decay=100),
    )
    trainer["seed"] = seed
    return (f"04_cyclegan/{task}-seed{seed}",
            make_config("cyclegan", _scenes(scale, task, seed), trainer, scale))


RUNS: dict[str, list[Callable[[str], tuple[str, Config]]]] = {
    "02": [pix2pix_scenes],
    "04": [cyclegan_scenes],
}


def reproduce(chapter: str | None = None, scale: str = "book") -> list[str]:
    """Retrain (and store) every run of ``chapter`` (default: all chapters)."""
    from .experiment import train_translation
    from .results import load_or_train

    chapters = [chapter] if chapter else sorted(RUNS)
    unknown = [c for c in chapters if c not in RUNS]
    if unknown:
        raise ValueError(f"No stored runs for chapter(s) {unknown}; chapters with runs: "
                         f"{', '.join(sorted(RUNS))}.")
    names = []
    for ch in chapters:
        for make in RUNS[ch]:
            name, config = make(scale)
            load_or_train(name, config, train_translation, retrain=True)
            names.append(name)
    return names
