"""The stored runs of the book, one function per run: ``f(scale) -> (name, config)``.

The chapters call these functions and hand the result to
:func:`i2ilib.results.load_or_train`; ``python -m i2ibook reproduce`` (``make reproduce``)
retrains every one of them at book scale. Keeping the configurations here, rather than only in
the notebooks, is what lets one command regenerate every stored number.

Book scale deviates from the papers in image size (64 px instead of 256), width (``ngf`` 16 and
``ndf`` 32 instead of 64), depth (U-Net with 6 downsamplings for 64 px images, 6 residual blocks)
and schedule (a few thousand steps instead of 200 epochs); each chapter prints the comparison.

Paper scale (``I2I_SCALE=paper``) trains on the real datasets the papers used
(:data:`PAPER_DATASETS`), read from ``$I2I_DATA`` (default ``datasets/`` in the checkout) through
:mod:`i2ilib.data.registry`, at 256 px with the published schedules.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from i2ibook.runner import make_config
from i2ibook.scale import get_scale, pick

Config = dict[str, Any]


def _scenes(scale: str, task: str, seed: int) -> dict[str, Any]:
    return {"source": "synthscenes", "view": "street", "task": task, "seed": seed, "flip": True,
            "size": pick(scale, smoke=32, book=64, paper=256),
            "n_train": pick(scale, smoke=8, book=400, paper=400),
            "n_test": pick(scale, smoke=4, book=32, paper=100)}


#: Paper scale: the real set (and the ``--direction`` of the reference scripts) behind each of
#: the book's tasks. pix2pix (Isola et al. 2017, Sec. 4) trains labels -> photo on Cityscapes
#: (its A|B images hold photo | labels, so labels -> photo is ``BtoA``), photo -> labels on the
#: same set, day -> night on the Transient Attributes webcams (``night2day``: A = night, so
#: ``BtoA``) and aerial photo -> map on ``maps``; CycleGAN (Zhu et al. 2017) adds the unpaired
#: horse -> zebra. The implicit-pairs paper (Ginger et al. 2019, Sec. 4.1) uses Cityscapes too
#: (A = photo, its Table 1), and CVC-14 for day <-> night, which the registry does not carry;
#: ``night2day`` stands in for it.
PAPER_DATASETS: dict[str, tuple[str, str]] = {
    "labels2photo": ("cityscapes", "BtoA"),
    "photo2labels": ("cityscapes", "AtoB"),
    "day2night": ("night2day", "BtoA"),
    "photo2map": ("maps", "AtoB"),
    "map2photo": ("maps", "BtoA"),
    "horse2zebra": ("horse2zebra", "AtoB"),
}
#: Tasks that exist only on real data (no SynthScenes counterpart): paper scale only.
PAPER_ONLY_TASKS = ("photo2map", "map2photo", "horse2zebra")
#: Sets with no pairs at all: CycleGAN only.
UNPAIRED_ONLY_TASKS = ("horse2zebra",)
#: Chapter 05 at paper scale: the UCSD report's facades, labels -> photo. The report ran its
#: paired experiments on Cityscapes, maps and facades (Sec. 3, Table 1) and its unpaired ones on
#: maps, facades and horse2zebra (Sec. 5.2, Table 2); facades is the set common to both tables
#: and the one of its qualitative comparison (Sec. 7, Fig. 3), so the chapter uses it for both.
ABLATION_PAPER_DATASET: tuple[str, str] = ("facades", "BtoA")

#: pix2pix's per-set schedule where it is not 200 epochs at batch 1 (Isola et al. 2017,
#: appendix on training details): day -> night trains 17 epochs at batch size 4 on its 17,823
#: webcam images. The split into constant and decaying epochs is the reference code's (half
#: and half); the paper gives the total only.
PIX2PIX_PAPER_SCHEDULES: dict[str, dict[str, int]] = {
    "night2day": {"batch_size": 4, "n_epochs": 9, "n_epochs_decay": 8},
}


#: Paper-scale runs last hours: a checkpoint every so many steps (roughly every 15-20 minutes
#: on a Colab T4, see the appendix) lets a run cut off by a disconnect resume where it stopped
#: (with ``$I2I_RUNS`` on Google Drive). Resuming may change this without restarting the run.
PAPER_CHECKPOINT_EVERY: dict[str, int] = {"pix2pix": 10_000, "cyclegan": 2_000, "batch16": 1_000}


def _check_task(scale: str, task: str, method: str) -> None:
    """Paper-only tasks at smoke/book scale, and unpaired-only sets for pix2pix, are errors."""
    if task in PAPER_ONLY_TASKS and scale != "paper":
        book = "day2night" if task in UNPAIRED_ONLY_TASKS else "photo2labels"
        raise ValueError(
            f"Task {task!r} exists only at paper scale (I2I_SCALE=paper), on the real "
            f"{PAPER_DATASETS[task][0]!r} set: SynthScenes has no such domains. At {scale} "
            f"scale use a SynthScenes task such as {book!r}.")
    if task in UNPAIRED_ONLY_TASKS and method == "pix2pix":
        raise ValueError(f"Task {task!r} has no pairs ({PAPER_DATASETS[task][0]} is an "
                         "unpaired set): train it with CycleGAN (cyclegan_scenes_run).")


def _real(task: str, seed: int, n_test: int,
          dataset: tuple[str, str] | None = None) -> dict[str, Any]:
    """A paper-scale data specification: a real registry set at 256 px with the reference
    jitter (resize to 286, random 256 crop, random flip), every training image."""
    if dataset is None and task not in PAPER_DATASETS:
        raise ValueError(f"No real dataset is known for task {task!r}; paper-scale tasks: "
                         f"{', '.join(PAPER_DATASETS)}.")
    name, direction = dataset or PAPER_DATASETS[task]
    return {"source": "registry", "dataset": name, "direction": direction, "task": task,
            "size": 256, "load_size": 286, "n_test": n_test, "seed": seed, "flip": True}


def _data(scale: str, task: str, seed: int) -> dict[str, Any]:
    """Chapters 02 and 04: SynthScenes at smoke/book scale, the real set at paper scale."""
    if get_scale(scale) == "paper":
        return _real(task, seed, n_test=100)
    return _scenes(scale, task, seed)


def pix2pix_scenes_run(scale: str | None = None, task: str = "labels2photo",
                   seed: int = 0) -> tuple[str, Config]:
    """Chapter 02: pix2pix on SynthScenes pairs (labels -> photo by default); at paper scale on
    the real set of :data:`PAPER_DATASETS` (also ``"photo2map"`` / ``"map2photo"`` on maps)."""
    scale = get_scale(scale)
    _check_task(scale, task, "pix2pix")
    trainer = pick(
        scale,
        smoke=dict(netG="unet_32", ngf=8, ndf=8, batch_size=4, n_epochs=1, n_epochs_decay=1),
        book=dict(netG="unet_64", ngf=16, ndf=32, batch_size=4, n_epochs=20, n_epochs_decay=20),
        paper=dict(netG="unet_256", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                   n_epochs_decay=100, checkpoint_every=PAPER_CHECKPOINT_EVERY["pix2pix"]),
    )
    data = _data(scale, task, seed)
    if scale == "paper":
        trainer.update(PIX2PIX_PAPER_SCHEDULES.get(data["dataset"], {}))
    trainer["seed"] = seed
    return (f"02_pix2pix/{task}-seed{seed}", make_config("pix2pix", data, trainer, scale))


def cyclegan_scenes_run(scale: str | None = None, task: str = "labels2photo",
                    seed: int = 0) -> tuple[str, Config]:
    """Chapter 04: CycleGAN on *unpaired* SynthScenes (A and B from different scenes).

    At paper scale on the real set of :data:`PAPER_DATASETS` (A and B from different files of
    a pix2pix set), and ``task="horse2zebra"`` on the CycleGAN paper's horse2zebra, which
    exists only at paper scale (a ``ValueError`` at smoke/book scale, whose unpaired
    counterpart is ``"day2night"``).
    """
    scale = get_scale(scale)
    _check_task(scale, task, "cyclegan")
    trainer = pick(
        scale,
        smoke=dict(netG="resnet_2blocks", ngf=8, ndf=8, batch_size=4, n_epochs=1,
                   n_epochs_decay=1),
        book=dict(netG="resnet_6blocks", ngf=16, ndf=32, batch_size=4, n_epochs=10,
                  n_epochs_decay=10),
        paper=dict(netG="resnet_9blocks", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                   n_epochs_decay=100, checkpoint_every=PAPER_CHECKPOINT_EVERY["cyclegan"]),
    )
    trainer["seed"] = seed
    return (f"04_cyclegan/{task}-seed{seed}",
            make_config("cyclegan", _data(scale, task, seed), trainer, scale))


#: Chapter 04's switches: CycleGAN with one of its two stabilisers turned off (Zhu et al. 2017,
#: Sec. 5.2 identity loss; Sec. 4 image pool, after Shrivastava et al. 2017).
CYCLEGAN_SWITCHES: dict[str, dict[str, Any]] = {
    "no identity loss": {"lambda_id": 0.0},
    "no image pool": {"pool_size": 0},
}


#: Chapter 04's failure gallery: with the cycle loss (and so the identity loss, which CycleGAN
#: weights by lambda_cyc) off, nothing ties an output to its input: two unconditional GANs.
FAILURE_SWITCHES: dict[str, dict[str, Any]] = {
    "no cycle loss": {"lambda_cyc": 0.0, "lambda_id": 0.0},
}


def cyclegan_switch_run(scale: str | None = None, switch: str = "no identity loss",
                    seed: int = 0) -> tuple[str, Config]:
    """Chapter 04: the chapter's CycleGAN run with the identity loss, the image pool or (for
    the failure gallery) the cycle loss off."""
    switches = {**CYCLEGAN_SWITCHES, **FAILURE_SWITCHES}
    if switch not in switches:
        raise ValueError(f"Unknown switch {switch!r}; choose one of {', '.join(switches)}.")
    name, config = cyclegan_scenes_run(scale, seed=seed)
    config["trainer"].update(switches[switch])
    return name.replace("-seed", f"-{_slug(switch)}-seed"), config


#: The paired experiments of the UCSD report (Sec. 5.1, Table 1): what each one changes in the
#: pix2pix baseline (L1 reconstruction, 70x70 PatchGAN, U-Net with skips). ``"PatchGAN large"``
#: is the report's 286x286 PatchGAN at paper scale (256 px); at 64 px a 286 px receptive field
#: does not fit (the discriminator would need images of at least 96 px), so book scale uses the
#: largest one that does, 142x142, which like 286 at 256 px sees more than the whole image.
PAIRED_ABLATIONS: dict[str, Callable[[str], dict[str, Any]]] = {
    "L1": lambda scale: {},
    "L2": lambda scale: {"rec_loss": "l2"},
    "0.5 L1 + 0.5 L2": lambda scale: {"rec_loss": "l1+l2"},
    "PatchGAN 16": lambda scale: {"netD": "patch_16"},
    "PatchGAN large": lambda scale: {"netD": pick(scale, smoke="patch_142", book="patch_142",
                                                  paper="patch_286")},
    "U-Net without skips": lambda scale: {"netG": pick(scale, smoke="unet_64_noskip",
                                                       book="unet_64_noskip",
                                                       paper="unet_256_noskip")},
}
ABLATION_SEEDS = (0, 1, 2)


def _set_metric_network(scale: str) -> str:
    """Features for FD/precision/recall: the book's offline network, Inception at paper scale."""
    return pick(scale, smoke="synthcnn-v1-d192", book="synthcnn-v1-d192",
                paper="inception-v3-pytorch-fid-pool3")


def _slug(text: str) -> str:
    """``"0.5 L1 + 0.5 L2"`` -> ``"0-5-l1-0-5-l2"``: the variant's name as a folder name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def ablation_paired_run(scale: str | None = None, variant: str = "L1",
                    seed: int = 0) -> tuple[str, Config]:
    """Chapter 05: one paired experiment of the UCSD report's Table 1 on SynthScenes labels -> photo.

    Book scale: 64 px (also at smoke scale, so that every PatchGAN fits), 400 training pairs,
    10 + 10 epochs, and 256 test scenes for the set metrics (the report's 256 images). Paper
    scale: facades labels -> photo (:data:`ABLATION_PAPER_DATASET`), batch 16, 75 + 75 epochs
    (the report's 150 epochs, Sec. 5.1), Inception features, the 100 images of ``val/``.
    """
    scale = get_scale(scale)
    if variant not in PAIRED_ABLATIONS:
        raise ValueError(f"Unknown paired ablation {variant!r}; choose one of "
                         f"{', '.join(PAIRED_ABLATIONS)}.")
    data = _scenes(scale, "labels2photo", seed)
    data["size"] = pick(scale, smoke=64, book=64, paper=256)
    data["n_test"] = pick(scale, smoke=16, book=256, paper=256)
    data["n_train"] = pick(scale, smoke=8, book=400, paper=400)
    trainer = pick(
        scale,
        smoke=dict(netG="unet_64", ngf=8, ndf=8, batch_size=4, n_epochs=1, n_epochs_decay=1),
        book=dict(netG="unet_64", ngf=16, ndf=32, batch_size=4, n_epochs=10, n_epochs_decay=10),
        paper=dict(netG="unet_256", ngf=64, ndf=64, batch_size=16, n_epochs=75,
                   n_epochs_decay=75, checkpoint_every=PAPER_CHECKPOINT_EVERY["batch16"]),
    )
    trainer.update(PAIRED_ABLATIONS[variant](scale))
    trainer["seed"] = seed
    if scale == "paper":  # facades' val/ holds 100 images (the report's 256 do not fit)
        data = _real("labels2photo", seed, n_test=100, dataset=ABLATION_PAPER_DATASET)
    config = make_config("pix2pix", data, trainer, scale)
    config["set_metrics"] = _set_metric_network(scale)
    return f"05_ablations/paired-{_slug(variant)}-seed{seed}", config


#: The unpaired experiments of the UCSD report (Sec. 5.2, Table 2): CycleGAN's cycle loss.
UNPAIRED_ABLATIONS: dict[str, str] = {"L1 cycle": "l1", "L2 cycle": "l2",
                                      "0.5 L1 + 0.5 L2 cycle": "l1+l2"}


def ablation_unpaired_run(scale: str | None = None, variant: str = "L1 cycle",
                      seed: int = 0) -> tuple[str, Config]:
    """Chapter 05: one unpaired experiment of the UCSD report's Table 2 (CycleGAN's cycle loss).

    The chapter 04 CycleGAN (unpaired SynthScenes labels <-> photo, LSGAN, identity loss and
    image pool as published) with the cycle loss changed; book scale trains 5 + 5 epochs (half of
    chapter 04's schedule, to fit nine runs on a CPU) and scores 256 test scenes. Paper scale:
    facades labels <-> photo read unpaired (A and B from different files), with the report's
    paired settings, batch 16 and 75 + 75 epochs (Sec. 5.2 refers to Sec. 5.1).
    """
    scale = get_scale(scale)
    if variant not in UNPAIRED_ABLATIONS:
        raise ValueError(f"Unknown unpaired ablation {variant!r}; choose one of "
                         f"{', '.join(UNPAIRED_ABLATIONS)}.")
    _, config = cyclegan_scenes_run(scale, "labels2photo", seed)
    config["data"]["n_test"] = pick(scale, smoke=16, book=256, paper=256)
    if scale == "paper":  # Sec. 5.2: the paired experiments' settings (Sec. 5.1)
        config["data"] = _real("labels2photo", seed, n_test=100, dataset=ABLATION_PAPER_DATASET)
        config["trainer"].update(batch_size=16, n_epochs=75, n_epochs_decay=75,
                                 checkpoint_every=PAPER_CHECKPOINT_EVERY["batch16"])
    if scale == "book":
        config["trainer"].update(n_epochs=5, n_epochs_decay=5)
    config["trainer"]["cycle_loss"] = UNPAIRED_ABLATIONS[variant]
    config["set_metrics"] = _set_metric_network(scale)
    return f"05_ablations/unpaired-{_slug(variant)}-seed{seed}", config


def _ablation_runs() -> list[Callable[[str], tuple[str, Config]]]:
    return ([partial(ablation_paired_run, variant=v, seed=s)
             for s in ABLATION_SEEDS for v in PAIRED_ABLATIONS]
            + [partial(ablation_unpaired_run, variant=v, seed=s)
               for s in ABLATION_SEEDS for v in UNPAIRED_ABLATIONS])


#: Chapter 06's pairing ratios (Ginger et al. 2019, Sec. 4.1, Tables 1-3) and seeds.
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
IMPLICIT_SEEDS = (0, 1, 2)
#: Chapter 06's tasks: photo <-> labels (the paper's Cityscapes, A = photo as in its Table 1)
#: and day <-> night (its CVC-14).
IMPLICIT_TASKS = ("photo2labels", "day2night")


def implicit_pairs_run(scale: str | None = None, task: str = "photo2labels", alpha: float = 0.0,
                   seed: int = 0) -> tuple[str, Config]:
    """Chapter 06: CycleGAN on an α-paired SynthScenes set (Ginger et al. 2019, Sec. 3.2, 4.1).

    ``n_train`` images per domain (|A| = |B|), of which ``round(alpha * n_train)`` are true
    counterparts that the training loop never sees as pairs. The trainer is chapter 04's
    CycleGAN (ResNet generator, 70x70 PatchGAN, LSGAN, cycle and identity losses, image pool)
    at half its width (``ngf`` 8, ``ndf`` 16) and 200 images per domain, 8 + 8 epochs, so that
    the 30 runs of the chapter (5 ratios x 3 seeds x 2 tasks) fit on a 2-core CPU; 256 test
    scenes score every run.
    """
    scale = get_scale(scale)
    if task not in IMPLICIT_TASKS:
        raise ValueError(f"Unknown chapter 06 task {task!r}; choose one of {', '.join(IMPLICIT_TASKS)}.")
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (0 = unpaired, 1 = paired), got {alpha}.")
    data = _scenes(scale, task, seed) if scale != "paper" else _real(task, seed, n_test=500)
    data.update(alpha=float(alpha), n_train=pick(scale, smoke=8, book=200, paper=400),
                n_test=pick(scale, smoke=8, book=256, paper=500))
    trainer = pick(
        scale,
        smoke=dict(netG="resnet_2blocks", ngf=8, ndf=8, batch_size=4, n_epochs=1,
                   n_epochs_decay=1),
        book=dict(netG="resnet_6blocks", ngf=8, ndf=16, batch_size=4, n_epochs=8,
                  n_epochs_decay=8),
        paper=dict(netG="resnet_9blocks", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                   n_epochs_decay=100, checkpoint_every=PAPER_CHECKPOINT_EVERY["cyclegan"]),
    )
    trainer["seed"] = seed
    config = make_config("cyclegan", data, trainer, scale)
    if task == "photo2labels" and data["source"] == "synthscenes":  # no segmenter for real sets
        config["fcn_scores"] = True
    return f"06_implicit_pairs/{task}-alpha{alpha:.2f}-seed{seed}", config


#: Chapter 07's seeds; its settings are the paper's Table 4 (augmentations) and Table 5
#: (pseudo-pair ratios; ``ratio_0.5`` is the same set as ``ours``).
PSEUDO_SEEDS = (0, 1, 2)
PSEUDO_SETTINGS = ("ours", "no_augmentation", "pseudo_unpaired", "natural", "ratio_0.25",
                   "ratio_0.75", "ratio_1.0")


def pseudo_pairs_run(scale: str | None = None, task: str = "eyeglass_removal",
                 setting: str = "ours", seed: int = 0,
                 explicit: bool = False, netG: str | None = None) -> tuple[str, Config]:
    """Chapter 07: a removal task on SynthFaces with pseudo-pairs (Ginger et al. 2019, Sec. 4.2).

    ``n_base`` = 1000 real faces per domain plus ``n_aug`` = 1000 augmentation samples, as the
    paper set up; ``setting`` picks the augmentation (Table 4) or the pseudo-pair ratio
    (Table 5). CycleGAN learns from the set without ever seeing the pairing (implicit use);
    ``explicit=True`` trains pix2pix on the pseudo-pairs themselves (Table 7). Book scale: 64 px
    faces and chapter 06's half-width CycleGAN (``ngf`` 8, ``ndf`` 16) for 3 + 3 epochs.
    ``netG`` swaps the generator (e.g. ``"unet_64"``, the official code's U-Net option) and adds
    its name to the run's.
    """
    from i2ilib.data.pseudopairs import CONFIG_NAMES, TASKS

    scale = get_scale(scale)
    if task not in TASKS:
        raise ValueError(f"Unknown chapter 07 task {task!r}; choose one of {', '.join(TASKS)}.")
    if setting not in CONFIG_NAMES:
        raise ValueError(f"Unknown setting {setting!r}; choose one of {', '.join(CONFIG_NAMES)}.")
    data = {"source": "pseudopairs", "task": task, "setting": setting, "seed": seed,
            "flip": True, "size": pick(scale, smoke=32, book=64, paper=128),
            "n_base": pick(scale, smoke=8, book=1000, paper=1000),
            "n_aug": pick(scale, smoke=8, book=1000, paper=1000),
            "n_test": pick(scale, smoke=8, book=200, paper=200)}
    if explicit:
        trainer = pick(
            scale,
            smoke=dict(netG="unet_32", ngf=8, ndf=8, batch_size=4, n_epochs=1, n_epochs_decay=1),
            book=dict(netG="unet_64", ngf=16, ndf=32, batch_size=4, n_epochs=6, n_epochs_decay=6),
            paper=dict(netG="unet_128", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                       n_epochs_decay=100),
        )
        method, suffix = "pix2pix", "-explicit"
    else:
        trainer = pick(
            scale,
            smoke=dict(netG="resnet_2blocks", ngf=8, ndf=8, batch_size=4, n_epochs=1,
                       n_epochs_decay=1),
            book=dict(netG="resnet_6blocks", ngf=8, ndf=16, batch_size=4, n_epochs=3,
                      n_epochs_decay=3),
            paper=dict(netG="resnet_9blocks", ngf=64, ndf=64, batch_size=1, n_epochs=100,
                       n_epochs_decay=100),
        )
        method, suffix = "cyclegan", ""
    trainer["seed"] = seed
    if netG is not None:
        trainer["netG"] = netG
        suffix += f"-{_slug(netG)}"
    name = f"07_pseudo_pairs/{task}-{_slug(setting)}{suffix}-seed{seed}"
    return name, make_config(method, data, trainer, scale)


#: Chapter 07's models, ``(task, setting, explicit)``: per task, Table 4's settings, Table 5's
#: other ratios, and Table 7's pix2pix on the fully pseudo-paired set.
PSEUDO_MODELS: tuple[tuple[str, str, bool], ...] = tuple(
    [(t, s, False) for t in ("smile_removal", "eyeglass_removal") for s in PSEUDO_SETTINGS]
    + [(t, "ratio_1.0", True) for t in ("smile_removal", "eyeglass_removal")])


def _pseudo_runs() -> list[Callable[[str], tuple[str, Config]]]:
    return [partial(pseudo_pairs_run, task=t, setting=s, seed=seed, explicit=e)
            for seed in PSEUDO_SEEDS for t, s, e in PSEUDO_MODELS] + [UNET_VARIANT]


#: Chapter 07's one run with the U-Net generator instead of the ResNet (eyeglass removal, ours,
#: seed 0): how the architecture moves the trade-off between keeping the face and doing the task.
UNET_VARIANT = partial(pseudo_pairs_run, task="eyeglass_removal", setting="ours", seed=0,
                       netG="unet_64")


def _implicit_runs() -> list[Callable[[str], tuple[str, Config]]]:
    return [partial(implicit_pairs_run, task=t, alpha=a, seed=s)
            for s in IMPLICIT_SEEDS for t in IMPLICIT_TASKS for a in ALPHAS]


# --------------------------------------------------------------------------------------------
# Chapter 09: one-shot translation (OST, Benaim & Wolf, NeurIPS 2018), handwritten -> printed

#: The numbers of A samples of chapter 09's Fig. 3 (a) analogue (the slides' x-axis runs from 1
#: to every MNIST image, log scale); ``"all"`` is every handwritten training digit.
OST_N_A: tuple[int | str, ...] = (1, 10, "all")
OST_SEEDS = (0, 1, 2)


def _digits_spec(scale: str, n_A: int | str, seed: int) -> dict[str, Any]:
    from i2ibook.runner import N_A_POOL

    return {"source": "digits", "size": 32, "n_A": N_A_POOL if n_A == "all" else int(n_A),
            "n_B": pick(scale, smoke=64, book=2000, paper=2000),
            "n_test": pick(scale, smoke=50, book=500, paper=500), "seed": seed,
            "augment": "shift_rotate"}


def _ost_trainer(scale: str, phase: int) -> dict[str, Any]:
    """OST's options at each scale: the parts of :mod:`i2ilib.nets.ost` cut small (``ngf`` 16,
    two shared residual blocks in ``E^S`` and two in ``G^S``, only the first and last layers
    unshared as in the authors' MNIST/SVHN networks), a 2-layer PatchGAN, batch 16.

    Phase II, at every scale: the A terms step the A layers only
    (``a_path_trains_B_unshared=False``, as the authors' code does; the slides bar only ``E^S``
    and ``G^S``). At book scale the GAN terms of Phase II weigh 0.1 instead of the authors' 1:
    the chapter's first pilot (weight 1, benchmarks/pilots.md) collapsed, every test digit
    translated to the same textured patch and ``T_AA`` to a black image."""
    sizes = pick(scale,
                 smoke=dict(ngf=4, n_blocks_shared=1, ndf=4, n_layers_D=2, batch_size=16),
                 book=dict(ngf=16, n_blocks_shared=2, ndf=16, n_layers_D=2, batch_size=16),
                 paper=dict(ngf=64, n_blocks_shared=6, ndf=64, n_layers_D=3, batch_size=16))
    schedule = pick(scale, smoke=(1, 0, 1, 0), book=(8, 4, 1, 1), paper=(20, 10, 10, 10))
    epochs = schedule[:2] if phase == 1 else schedule[2:]
    options = dict(phase=phase, n_unshared=0, n_epochs=epochs[0], n_epochs_decay=epochs[1],
                   **sizes)
    if phase == 2:
        options.update(a_path_trains_B_unshared=False,
                       lambda_gan=pick(scale, smoke=0.1, book=0.1, paper=1.0))
    return options


def ost_phase1_run(scale: str | None = None, seed: int = 0) -> tuple[str, Config]:
    """Chapter 09: OST's Phase I, the variational auto-encoder of the printed digits (domain B)
    with its discriminator, on the B digits of ``seed``. Every Phase II run of that seed starts
    from this one stored run."""
    scale = get_scale(scale)
    trainer = _ost_trainer(scale, 1)
    trainer["seed"] = seed
    return (f"09_one_shot_translation/ost-phase1-seed{seed}",
            make_config("ost", _digits_spec(scale, 0, seed), trainer, scale))


def ost_run(scale: str | None = None, n_A: int | str = 1, selective_backprop: bool = True,
            seed: int = 0) -> tuple[str, Config]:
    """Chapter 09: OST's Phase II on ``n_A`` handwritten digits (``"all"``: every training one)
    and the printed digits of ``seed``, from :func:`ost_phase1_run`'s stored Phase I; with
    selective backpropagation (the slides' method) or without (their ablation)."""
    scale = get_scale(scale)
    trainer = _ost_trainer(scale, 2)
    trainer.update(seed=seed, selective_backprop=bool(selective_backprop))
    first_name, first = ost_phase1_run(scale, seed)
    config = make_config("ost", _digits_spec(scale, n_A, seed), trainer, scale,
                         phase1={"name": first_name, "config": first})
    switch = "" if selective_backprop else "-no-selective-backprop"
    return f"09_one_shot_translation/ost-nA{n_A}{switch}-seed{seed}", config


def cyclegan_digits_run(scale: str | None = None, n_A: int | str = 1,
                        seed: int = 0) -> tuple[str, Config]:
    """Chapter 09: the CycleGAN baseline of the slides' Fig. 3 (a) on the same items as
    :func:`ost_run` (the same ``n_A`` handwritten digits and printed digits, the same
    augmentations), a ResNet generator of the OST parts' width, as many steps as OST's two
    phases together."""
    scale = get_scale(scale)
    ost = _ost_trainer(scale, 1)
    phase2 = _ost_trainer(scale, 2)
    trainer = dict(netG=pick(scale, smoke="resnet_2blocks", book="resnet_4blocks",
                             paper="resnet_9blocks"),
                   ngf=ost["ngf"], ndf=ost["ndf"], n_layers_D=ost["n_layers_D"],
                   batch_size=ost["batch_size"],
                   n_epochs=ost["n_epochs"] + phase2["n_epochs"],
                   n_epochs_decay=ost["n_epochs_decay"] + phase2["n_epochs_decay"], seed=seed)
    return (f"09_one_shot_translation/cyclegan-nA{n_A}-seed{seed}",
            make_config("cyclegan", _digits_spec(scale, n_A, seed), trainer, scale))


def _ost_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """Chapter 09's grid, in the order that puts the runs of the verdicts (one A sample) first:
    the Phase I runs, then per model every seed at ``n_A = 1``, then the other ``n_A``."""
    one = [partial(ost_run, n_A=1, seed=s) for s in OST_SEEDS]
    one += [partial(ost_run, n_A=1, selective_backprop=False, seed=s) for s in OST_SEEDS]
    one += [partial(cyclegan_digits_run, n_A=1, seed=s) for s in OST_SEEDS]
    more = [partial(make, n_A=n, seed=s) for make in (ost_run, cyclegan_digits_run)
            for n in OST_N_A if n != 1 for s in OST_SEEDS]
    return [partial(ost_phase1_run, seed=s) for s in OST_SEEDS] + one + more


# Chapter 10: content transfer (Press, Galanti, Benaim & Wolf, ICLR 2019), SynthFaces glasses

CONTENT_SEEDS = (0, 1, 2)
#: The chapter's models: the paper's (``e2``) and the Fader-networks-style baseline.
CONTENT_MODELS = ("e2", "fader")


def _content_spec(scale: str, attribute: str, seed: int) -> dict[str, Any]:
    if get_scale(scale) == "paper":
        return {"source": "content", "dataset": "celeba", "attribute": attribute, "size": 128,
                "n_test": 500, "n_train": 30000, "seed": seed}
    return {"source": "content", "dataset": "synthfaces", "attribute": attribute,
            "size": pick(scale, smoke=32, book=64, paper=64),
            "n_identities": pick(scale, smoke=80, book=400, paper=400),
            "images_per_identity": pick(scale, smoke=4, book=6, paper=6),
            "n_test": pick(scale, smoke=8, book=100, paper=100), "seed": seed}


def _content_trainer(scale: str, separate: str, seed: int) -> dict[str, Any]:
    """Content transfer's options at each scale. Book: the networks of
    :mod:`i2ilib.nets.content` cut small (``ngf`` 32, the common code a 16 x 16 grid of 32
    channels, ``e2`` 25 numbers as in the reference code), batch 16, 49 epochs of the about
    970 faces per domain (about 3000 steps). Three deviations from the reference code, from
    the chapter's pilots (benchmarks/pilots.md): no instance norm (with it, colours were lost
    and A reconstructed worse than B), a confusion weight of 0.1 instead of 0.001 (at 0.001 the
    latent discriminator won outright and the glasses stayed in ``e1``), and a learning rate of
    1e-3 instead of 2e-4 for the short schedule. Paper: the reference code's widths, batch,
    norm, confusion weight and learning rate at 128 px (``ngf`` 32, batch 32, instance norm,
    0.001, 2e-4) on at most 30000 CelebA training faces per domain (CelebA has about 10 k
    with glasses); 200 epochs of 938 steps are about 190 k steps, 15 % of the reference
    code's 1.25 M iterations."""
    sizes = pick(scale,
                 smoke=dict(ngf=4, n_down=2, content_nc=8, hidden_D=16, batch_size=8,
                            n_epochs=1),
                 book=dict(ngf=32, n_down=2, content_nc=32, hidden_D=256, batch_size=16,
                           n_epochs=49, norm="none", lr=1e-3, lambda_D=0.1),
                 paper=dict(ngf=32, n_down=4, content_nc=487, hidden_D=512, batch_size=32,
                            n_epochs=200))
    size = pick(scale, smoke=32, book=64, paper=128)
    options = dict(size=size, sep=25, n_epochs_decay=0, seed=seed, separate=separate)
    options.update(sizes)
    if scale == "smoke":
        options.update(norm="none", lambda_D=0.1, lr=1e-3)
    if separate == "fader":
        options["confusion"] = "swap"
    return options


def content_transfer_run(scale: str | None = None, attribute: str = "Eyeglasses",
                         separate: str = "e2", seed: int = 0) -> tuple[str, Config]:
    """Chapter 10: content transfer on faces without (A) and with (B) ``attribute``;
    ``separate="e2"`` is the paper's model, ``"fader"`` the Fader-networks-style baseline."""
    scale = get_scale(scale)
    slug = {"Eyeglasses": "glasses", "Smiling": "smile"}[attribute]
    model = "ours" if separate == "e2" else "fader"
    return (f"10_content_disentanglement/{slug}-{model}-seed{seed}",
            make_config("content", _content_spec(scale, attribute, seed),
                        _content_trainer(scale, separate, seed), scale))


def _content_runs() -> list[Callable[[str], tuple[str, Config]]]:
    return [partial(content_transfer_run, separate=m, seed=s) for m in CONTENT_MODELS
            for s in CONTENT_SEEDS]


def audio_separation_run(scale: str | None = None, seed: int = 0) -> tuple[str, Config]:
    """Chapter 10's audio separation (Benaim & Wolf's slides): content transfer on 64 x 64
    log-magnitude spectrograms, A = unmatched instrumental clips, B = mixtures with a voice;
    the voice is the mixture minus the removal. Book: the chapter's book-scale network at
    half the width (``ngf`` 16, one channel), 1000 clips per domain, batch 16, 65 epochs of
    63 steps (4095 steps); the confusion weight, learning rate and no norm of the faces' book
    scale. It fails against spectral subtraction, as every pilot did (S1-S8 in
    benchmarks/pilots.md). Paper scale keeps the book's settings: the slides report no audio
    experiment to match."""
    scale = get_scale(scale)
    n_train = pick(scale, smoke=64, book=1000, paper=1000)
    data = {"source": "audio", "n_train": n_train,
            "n_test": pick(scale, smoke=16, book=100, paper=100), "seed": seed}
    trainer = dict(size=64, input_nc=1, output_nc=1, ngf=pick(scale, smoke=4, book=16, paper=16),
                   n_down=2, content_nc=pick(scale, smoke=8, book=32, paper=32),
                   hidden_D=pick(scale, smoke=16, book=256, paper=256), sep=25, norm="none",
                   lr=1e-3, lambda_D=0.1, batch_size=16,
                   n_epochs=pick(scale, smoke=2, book=65, paper=65), n_epochs_decay=0,
                   seed=seed)
    return (f"10_content_disentanglement/audio-separation-seed{seed}",
            make_config("content", data, trainer, scale))


# --------------------------------------------------------------------------------------------
# Chapter 11: transferring GANs (TransferGAN, Wang et al. ECCV 2018 = Wang 2020 thesis, ch. 2)

#: The four initialisations of thesis Table 2.1: (generator, critic) from the source or not.
TRANSFER_INITS: dict[str, tuple[bool, bool]] = {
    "scratch": (False, False), "pretrained G": (True, False), "pretrained D": (False, True),
    "TransferGAN": (True, True)}
TRANSFER_SEEDS = (0, 1, 2)
#: The book's source and target domains: SynthFaces (many) and faces that all wear glasses and
#: a hat (few), the analogue of the thesis's CelebA -> LFW.
TRANSFER_SOURCE, TRANSFER_TARGET = "faces", "faces_accessories"


def _transfer_trainer(scale: str, n_images: int, steps: int, seed: int,
                      pretrained: tuple[bool, bool] = (False, False)) -> dict[str, Any]:
    """The WGAN-GP of thesis Section 2.3.3 cut to book size: 32 px (three residual blocks per
    network instead of four), width units ``ngf`` 16 and ``ndf`` 8 instead of 64, batch 16
    instead of 64 (128 for the sources); the thesis's Adam(1e-4, betas (0, 0.9)), ``n_critic`` 5,
    ``lambda`` 10, ``|z|`` 128. ``steps`` critic steps (one generator update per five),
    rounded up to whole epochs."""
    sizes = pick(scale, smoke=dict(image_size=16, ngf=4, ndf=4, batch_size=16),
                 book=dict(image_size=32, ngf=16, ndf=8, batch_size=16),
                 paper=dict(image_size=64, ngf=64, ndf=64, batch_size=64))
    per_epoch = -(-n_images // sizes["batch_size"])
    return dict(output_nc=3, n_epochs=max(1, -(-steps // per_epoch)), seed=seed,
                pretrained_G=pretrained[0], pretrained_D=pretrained[1], **sizes)


def _wgan_config(scale: str, data: dict[str, Any], trainer: dict[str, Any], fd_every: int,
                 pretrained: dict[str, Any] | None = None) -> Config:
    """A complete WGAN configuration, checked like :func:`i2ibook.runner.make_config`'s."""
    from i2ibook.runner import trainer_config
    from i2ibook.specs import parse_experiment

    config = {"scale": scale, "method": "wgan", "data": dict(data),
              "trainer": trainer_config("wgan", **trainer).to_dict(), "n_show": 6,
              "fd_every": fd_every}
    if pretrained is not None:
        config["pretrained"] = pretrained
    parse_experiment(config)
    return config


def transfer_source_run(scale: str | None = None, domain: str = TRANSFER_SOURCE,
                        seed: int = 0) -> tuple[str, Config]:
    """Chapter 11: the source GAN, a WGAN-GP trained from scratch on many images of ``domain``
    (the thesis's ImageNet/Places/bedroom/CelebA models). Every target run starts from it."""
    scale = get_scale(scale)
    if scale == "paper" and domain == TRANSFER_SOURCE:
        domain = "celeba"  # the thesis's CelebA source, read through the dataset registry
    n = pick(scale, smoke=64, book=2000, paper=100000)
    # book: 15000 critic steps (3000 generator updates); pilots T1-T2 (benchmarks/pilots.md):
    # at 3000 the samples were blobs that a blur of the training faces beat
    steps = pick(scale, smoke=4, book=15000, paper=250000)  # paper: 50K iterations
    data = {"source": "imageset", "domain": domain, "size": pick(scale, smoke=16, book=32,
                                                                 paper=64), "n_train": n,
            "n_test": pick(scale, smoke=32, book=500, paper=500), "seed": seed}
    config = _wgan_config(scale, data, _transfer_trainer(scale, n, steps, seed),
                          pick(scale, smoke=2, book=1500, paper=5000))
    return f"11_transfer_gans/source-{domain}-seed{seed}", config


def transfer_gan_run(scale: str | None = None, init: str = "TransferGAN", seed: int = 0,
                     n_target: int | None = None, domain: str = TRANSFER_TARGET,
                     source: str = TRANSFER_SOURCE) -> tuple[str, Config]:
    """Chapter 11: a WGAN-GP on ``n_target`` images of the target ``domain`` (the training
    subset of ``seed``), initialised as ``init`` says (:data:`TRANSFER_INITS`) from the stored
    source run of ``source`` (seed 0), for as many steps whatever the initialisation."""
    scale = get_scale(scale)
    if init not in TRANSFER_INITS:
        raise ValueError(f"Unknown initialisation {init!r}: choose one of "
                         f"{', '.join(TRANSFER_INITS)}.")
    n = n_target or pick(scale, smoke=32, book=200, paper=1000)
    steps = pick(scale, smoke=4, book=300, paper=200000)  # paper: 40K iterations
    pretrained = TRANSFER_INITS[init]
    first_name, first = transfer_source_run(scale, source)
    data = dict(first["data"], domain=domain, n_train=n, seed=seed)
    config = _wgan_config(scale, data, _transfer_trainer(scale, n, steps, seed, pretrained),
                          pick(scale, smoke=2, book=100, paper=1000),
                          {"name": first_name, "config": first} if any(pretrained) else None)
    slug = _slug(init)
    src = f"-from-{first['data']['domain']}" if any(pretrained) else ""
    return f"11_transfer_gans/{slug}{src}-{domain}-n{n}-seed{seed}", config


def _transfer_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """Chapter 11's grid: the source run, then Table 2.1's four initialisations per seed."""
    return [transfer_source_run] + [partial(transfer_gan_run, init=i, seed=s)
                                    for s in TRANSFER_SEEDS for i in TRANSFER_INITS]


# --------------------------------------------------------------------------------------------
# Chapter 12: MineGAN (Wang et al. CVPR 2020 = Wang 2020 thesis, ch. 3)

#: The adaptations chapter 12 trains itself (TransferGAN and scratch are chapter 11's runs, the
#: same settings): ``(method, mining steps as a share of the run)``; ``None``: not MineGAN.
MINEGAN_METHODS: dict[str, tuple[str, float | None]] = {
    "MineGAN": ("minegan", 0.5), "MineGAN w/o FT": ("minegan", -1.0), "BSA": ("bsa", None)}
MINEGAN_SEEDS = (0, 1, 2)


def minegan_run(scale: str | None = None, method: str = "MineGAN", seed: int = 0,
                n_target: int | None = None, domain: str = TRANSFER_TARGET,
                source: str = TRANSFER_SOURCE) -> tuple[str, Config]:
    """Chapter 12: ``method`` (:data:`MINEGAN_METHODS`) on ``n_target`` images of ``domain``
    from chapter 11's stored source run, with exactly :func:`transfer_gan_run`'s data, sizes,
    optimiser and number of steps. MineGAN: a miner of four fully connected layers (thesis
    Section 3.4) in front of the frozen source generator, trained with the source's critic for
    the first half of the steps (stage 1), then everything fine-tuned (stage 2)."""
    scale = get_scale(scale)
    if method not in MINEGAN_METHODS:
        raise ValueError(f"Unknown method {method!r}: choose one of "
                         f"{', '.join(MINEGAN_METHODS)}.")
    _, like = transfer_gan_run(scale, "TransferGAN", seed, n_target, domain, source)
    kind, share = MINEGAN_METHODS[method]
    trainer = {k: like["trainer"][k] for k in ("output_nc", "n_epochs", "seed", "image_size",
                                               "ngf", "ndf", "batch_size")}
    trainer.update(method=kind, pretrained_G=True, pretrained_D=True)
    if kind == "minegan":
        steps = trainer["n_epochs"] * -(-like["data"]["n_train"] // trainer["batch_size"])
        trainer.update(miner_layers=4,
                       mining_steps=-1 if share < 0 else round(share * steps))
    config = _wgan_config(scale, like["data"], trainer, like["fd_every"], like["pretrained"])
    n = like["data"]["n_train"]
    source_domain = like["pretrained"]["config"]["data"]["domain"]
    return f"12_minegan/{_slug(method)}-from-{source_domain}-{domain}-n{n}-seed{seed}", config


def _minegan_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """Chapter 12's grid: every method of :data:`MINEGAN_METHODS` per seed."""
    return [partial(minegan_run, method=m, seed=s) for s in MINEGAN_SEEDS for m in MINEGAN_METHODS]


# --------------------------------------------------------------------------------------------
# Chapter 13: zero-pair translation (mix and match networks, Wang 2020 thesis, ch. 4)

#: Chapter 13: the seeds of every comparison.
ZERO_PAIR_SEEDS = (0, 1, 2)
#: Chapter 13's main comparison (Tables 4.4-4.5 analogues): label -> the switches of
#: :func:`zero_pair_run`.
ZERO_PAIR_MODELS: dict[str, dict[str, Any]] = {
    "M&MNets, pooling indices": dict(side_information="indices"),
    "M&MNets, skip connections": dict(side_information="skip"),
    "M&MNets, pooling indices + pseudo-pairs": dict(side_information="indices",
                                                    pseudo_pairs=True),
    "oracle (true depth-segmentation pairs)": dict(side_information="indices", oracle=True),
}


def _zero_pair_trainer(scale: str) -> dict[str, Any]:
    """M&MNets' options at each scale. Paper: Section 4.6.1 and Appendix A.3.1 (VGG-16 widths,
    five levels, 200K + 200K (+ 100K) steps at batch 6). Book: 32 px scenes, ``ngf`` 16, three
    levels (a 4x4 latent code of 64 channels), a 3-layer discriminator of width 16 and 1,000 +
    4,000 (+ 500) steps; every weight, learning rate, noise level and the stage structure as
    published. Stage 2 is four times as long as stage 1 (the thesis: equal), a named deviation:
    the unseen pair is aligned in stage 2, and after 1,000 steps of it one seed of three was
    still below the per-pixel mean depth (pilots Z2-Z4 in ``benchmarks/pilots.md``; a first
    pilot with four levels, a 2x2 code, failed its sanity check too)."""
    sizes = pick(scale,
                 smoke=dict(ngf=4, n_levels=4, ndf=4, n_layers_D=2),
                 book=dict(ngf=16, n_levels=3, ndf=16, n_layers_D=3),
                 paper=dict(ngf=64, n_levels=5, ndf=64, n_layers_D=4))
    steps = pick(scale, smoke=(2, 2, 1), book=(1000, 4000, 500),
                 paper=(200_000, 200_000, 100_000))
    return dict(n_classes=pick(scale, smoke=12, book=12, paper=13), batch_size=6,
                stage1_steps=steps[0], stage2_steps=steps[1], stage3_steps=steps[2], **sizes)


#: Chapter 13's ablations (Tables 4.2-4.3 analogues): label -> the switches of
#: :func:`zero_pair_run`. Table 4.2 compares the side information (none against skip connections
#: and pooling indices, both in :data:`ZERO_PAIR_MODELS`); Table 4.3 switches the stage-2
#: components on one after the other (its last two rows are the pooling-index model with and
#: without pseudo-pairs).
ZERO_PAIR_ABLATIONS: dict[str, dict[str, Any]] = {
    "M&MNets, no side information": dict(side_information="none"),
    "no auto-encoders, latent consistency or noise": dict(
        side_information="indices", autoencoders=False, latent_consistency=False, noise=False),
    "auto-encoders": dict(side_information="indices", latent_consistency=False, noise=False),
    "auto-encoders + latent consistency": dict(side_information="indices", noise=False),
}


def zero_pair_run(scale: str | None = None, side_information: str = "indices",
                  pseudo_pairs: bool = False, oracle: bool = False, autoencoders: bool = True,
                  latent_consistency: bool = True, noise: bool = True,
                  seed: int = 0) -> tuple[str, Config]:
    """Chapter 13: mix and match networks (Wang 2020, thesis chapter 4) on two disjoint
    SynthScenes sets ``D_RS`` (RGB, segmentation) and ``D_RD`` (RGB, depth), scored on the unseen
    depth <-> segmentation translations; ``oracle``: the same encoders and decoders trained on
    true (depth, segmentation) pairs of the same training scenes, as many steps.

    The switches are Tables 4.2-4.3's: ``side_information`` (``"indices"``, ``"skip"``,
    ``"none"``), ``pseudo_pairs`` (stage 3), ``autoencoders``, ``latent_consistency`` and the
    latent ``noise``. At paper scale the published networks and schedule on SUN RGB-D, the
    thesis's real data (Section 4.6.3, Tables 4.6-4.7: 2 x 5,000 training frames, 335 test
    frames, 13 classes), prepared by hand through the registry (entry ``"sunrgbd"``) at 256 px;
    the registry has no SceneNet RGB-D (Tables 4.4-4.5: hundreds of GB of synthetic video).
    """
    scale = get_scale(scale)
    trainer = _zero_pair_trainer(scale)
    trainer.update(seed=seed, side_information=side_information,
                   pseudo_pairs=bool(pseudo_pairs) and not oracle,
                   autoencoders=bool(autoencoders), latent_consistency=bool(latent_consistency),
                   noise_std=0.5 if noise else 0.0)
    data = {"source": "zeropair", "size": pick(scale, smoke=16, book=32, paper=256),
            "n_train": pick(scale, smoke=8, book=400, paper=5000),
            "n_test": pick(scale, smoke=4, book=64, paper=335), "seed": seed,
            "depth_encoding": "log"}
    if scale == "paper":
        data["dataset"] = "sunrgbd"
    if oracle:
        name = f"oracle-{side_information}"
    else:
        off = [k for k, on in (("no-autoencoders", autoencoders),
                               ("no-latent-consistency", latent_consistency),
                               ("no-noise", noise)) if not on]
        name = "-".join(["mmnets", side_information, *(["pp"] if pseudo_pairs else []), *off])
    return (f"13_zero_pair_translation/{name}-seed{seed}",
            make_config("mmnets-oracle" if oracle else "mmnets", data, trainer, scale))


#: Chapter 13's runs not trained yet (model, seed): none; the tuple stays so that a grid
#: extended later can list what its time did not reach.
ZERO_PAIR_PENDING: tuple[tuple[str, int], ...] = ()


def _zero_pair_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """Chapter 13's runs in the order of its claims' priority: the pilot (pooling indices, seed
    0) first, every model of seed 0, then pooling indices against skip connections for the other
    seeds, the pseudo-pairs and the oracle seed by seed, then the ablations seed by seed."""
    indices, skip, pp, oracle = ({**m} for m in ZERO_PAIR_MODELS.values())
    first = [partial(zero_pair_run, **m, seed=0) for m in (indices, skip, pp, oracle)]
    later = [(m, s) for s in ZERO_PAIR_SEEDS[1:] for m in (indices, skip)]
    later += [(m, s) for s in ZERO_PAIR_SEEDS[1:] for m in (pp, oracle)]
    later += [(m, s) for s in ZERO_PAIR_SEEDS for m in ZERO_PAIR_ABLATIONS.values()]
    return first + [partial(zero_pair_run, **m, seed=s) for m, s in later]

RUNS: dict[str, list[Callable[[str], tuple[str, Config]]]] = {
    "02": [pix2pix_scenes_run, partial(pix2pix_scenes_run, task="photo2labels"),
           partial(pix2pix_scenes_run, task="day2night")],
    "04": [cyclegan_scenes_run, partial(cyclegan_switch_run, switch="no identity loss"),
           partial(cyclegan_switch_run, switch="no image pool"),
           partial(cyclegan_scenes_run, task="day2night"),
           partial(cyclegan_switch_run, switch="no cycle loss")],
    "05": _ablation_runs(),
    "06": _implicit_runs(),
    "07": _pseudo_runs(),
    "09": _ost_runs(),
    "10": [*_content_runs(), audio_separation_run],
    "13": _zero_pair_runs(),
}
RUNS["11"] = _transfer_runs()
#: Thesis Table 2.2's analogue: target sets smaller and larger than the grid's (book: 50 and 1000
#: images beside the grid's 200), scratch and TransferGAN, every seed, as many critic steps as the
#: grid's runs whatever the size (300, rounded up to whole epochs).
TRANSFER_SIZES: dict[str, dict[str, int]] = {"smaller": dict(smoke=16, book=50, paper=200),
                                             "larger": dict(smoke=64, book=1000, paper=5000)}


def transfer_size_run(scale: str | None = None, init: str = "TransferGAN", seed: int = 0,
                      size: str = "smaller") -> tuple[str, Config]:
    """Chapter 11, Table 2.2: :func:`transfer_gan_run` on the ``size`` target set
    (:data:`TRANSFER_SIZES`)."""
    scale = get_scale(scale)
    if size not in TRANSFER_SIZES:
        raise ValueError(f"Unknown target size {size!r}: choose one of "
                         f"{', '.join(TRANSFER_SIZES)}.")
    return transfer_gan_run(scale, init, seed, n_target=pick(scale, **TRANSFER_SIZES[size]))


RUNS["11"] += [partial(transfer_size_run, init=i, seed=s, size=z) for z in TRANSFER_SIZES
               for s in TRANSFER_SEEDS for i in ("scratch", "TransferGAN")]
#: Thesis Tables 2.4-2.5's analogue: sources beside SynthFaces (the CelebA analogue), each
#: trained like the faces' source: coloured objects (the analogue of ImageNet, many kinds of
#: object) and SynthScenes by day (of Places, scenes). TransferGAN from each on the same target
#: sets, every seed.
TRANSFER_OTHER_SOURCES = ("objects", "scenes_day")
RUNS["11"] += [partial(transfer_source_run, domain=d) for d in TRANSFER_OTHER_SOURCES]
RUNS["11"] += [partial(transfer_gan_run, init="TransferGAN", seed=s, source=d)
               for d in TRANSFER_OTHER_SOURCES for s in TRANSFER_SEEDS]
RUNS["12"] = _minegan_runs()


# --------------------------------------------------------------------------------------------
# Chapter 15: scalable and diverse translation (SDIT, Wang 2020 thesis, ch. 6)

#: Chapter 15: the seeds of every comparison.
SDIT_SEEDS = (0, 1, 2)
#: Table 6.1's variants (attention, CIN, L_LAT), label -> the switches of :func:`sdit_run`.
SDIT_VARIANTS: dict[str, dict[str, Any]] = {
    "SDIT w/o CIN (Atten)": dict(cin=False, latent_loss=False),
    "SDIT w/o Atten (L_LAT = 0)": dict(attention=False, latent_loss=False),
    "SDIT w/o Atten (L_LAT > 0)": dict(attention=False),
    "SDIT (L_LAT = 0)": dict(latent_loss=False),
    "SDIT": dict(),
}
#: Fig. 6.6's ablation: which CIN parameters ``M`` sets, label -> switches of :func:`sdit_run`.
SDIT_CIN_PARAMS: dict[str, dict[str, Any]] = {
    "gamma and beta": dict(),
    "gamma only (beta = 0)": dict(cin_params="gamma"),
    "beta only (gamma = 1)": dict(cin_params="beta"),
}


def _sdit_trainer(scale: str) -> dict[str, Any]:
    """SDIT's options at each scale. Paper: Section 6.4 (128 px, widths 64, six residual blocks,
    a six-layer discriminator, batch 16; the number of iterations is not given: 20 epochs here).
    Book: 32 px faces, ``ngf`` 16, three residual blocks per part, a three-layer discriminator of
    width 16, batch 8, 20 epochs of 1,600 faces (4,000 steps); every loss weight, the learning
    rate, Adam's betas, ``z``'s length and ``M``'s hidden width as published. Two book-scale
    deviations, named (``benchmarks/pilots.md``, chapter 15): the Gaussian initialisation is He's
    (``init_type="kaiming"``; the thesis gives no standard deviation, and the library's default
    0.02 left the discriminator's activations vanishing at this size: a first pilot's
    translations were noise after 1,800 steps), the generator is warm-started as an
    auto-encoder in each face's own domain (:data:`SDIT_WARM_START`), and ``lambda_REC`` is 10,
    StarGAN's weight of the same cycle term, instead of 800 (a second pilot with 800 kept its
    input: 10 % of its translations reached their target domain). The pilot with these settings
    still fails its sanity check (it reaches the target but does not keep the face), so the
    grid waits (:data:`SDIT_PENDING`)."""
    sizes = pick(scale,
                 smoke=dict(ngf=4, n_res=1, ndf=4, n_layers_D=2, mlp_dim=16, batch_size=4),
                 book=dict(ngf=16, n_res=3, ndf=16, n_layers_D=3, mlp_dim=256, batch_size=8),
                 paper=dict(ngf=64, n_res=6, ndf=64, n_layers_D=6, mlp_dim=256, batch_size=16))
    init = pick(scale, smoke=dict(init_type="kaiming", lambda_REC=10.0),
                book=dict(init_type="kaiming", lambda_REC=10.0), paper=dict())
    return dict(n_domains=3, image_size=pick(scale, smoke=16, book=32, paper=128),
                n_epochs=pick(scale, smoke=1, book=20, paper=20), **sizes, **init)


#: Chapter 15's warm start at each scale: steps of the generator reproducing each training face
#: in its own domain before SDIT's training (:func:`i2ibook.runner.sdit_warm_start`).
SDIT_WARM_START = dict(smoke=2, book=500, paper=0)


def sdit_run(scale: str | None = None, attention: bool = True, cin: bool = True,
             latent_loss: bool = True, cin_params: str = "both",
             seed: int = 0) -> tuple[str, Config]:
    """Chapter 15: SDIT (Wang 2020, thesis chapter 6) on three hair-colour domains of SynthFaces
    (:mod:`i2ilib.data.multidomain`), one model for every direction, scored against the truth of
    every translation.

    The switches are Table 6.1's (``attention``, ``cin``, ``latent_loss``: ``lambda_LAT`` 10 or 0)
    and Fig. 6.6's ``cin_params``. At paper scale SynthFaces at 128 px with the published
    networks: CelebA's hair colours would need the registry's CelebA and give no truth.
    """
    scale = get_scale(scale)
    if not cin and latent_loss:
        raise ValueError("Without CIN, z plays no part: SDIT w/o CIN has latent_loss=False.")
    trainer = _sdit_trainer(scale)
    trainer.update(seed=seed, attention=bool(attention), cin=bool(cin),
                   lambda_LAT=10.0 if latent_loss else 0.0, cin_params=cin_params)
    data = {"source": "multidomain", "size": trainer["image_size"],
            "n_train": pick(scale, smoke=16, book=1600, paper=20000),
            "n_test": pick(scale, smoke=4, book=64, paper=2000), "seed": seed}
    off = [k for k, on in (("no-attention", attention), ("no-cin", cin),
                           ("no-lat", latent_loss)) if not on]
    name = "-".join(["sdit", *off, *([f"{cin_params}-only"] if cin_params != "both" else [])])
    config = make_config("sdit", data, trainer, scale)
    if pick(scale, **SDIT_WARM_START):
        config["warm_start"] = {"steps": pick(scale, **SDIT_WARM_START)}
    return f"15_scalable_diverse_translation/{name}-seed{seed}", config


def _sdit_grid() -> list[tuple[str, int]]:
    """Chapter 15's runs as (variant, seed) in the order of their claims' priority: the pilot
    (SDIT, seed 0), the variants of Table 6.1 that the claims compare with it (without CIN,
    without L_LAT, without attention), the last variant, the CIN ablation for seed 0, then the
    other seeds."""
    order = ["SDIT", "SDIT w/o CIN (Atten)", "SDIT (L_LAT = 0)", "SDIT w/o Atten (L_LAT > 0)",
             "SDIT w/o Atten (L_LAT = 0)"]
    grid = [(m, 0) for m in order] + [(m, 0) for m in list(SDIT_CIN_PARAMS)[1:]]
    return grid + [(m, s) for s in SDIT_SEEDS[1:] for m in order]


def _sdit_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """:func:`sdit_run` for every entry of :func:`_sdit_grid`, in its order."""
    switches = {**SDIT_VARIANTS, **SDIT_CIN_PARAMS}
    return [partial(sdit_run, **switches[m], seed=s) for m, s in _sdit_grid()]


#: Chapter 15's runs that are trained and stored (variant, seed): the pilot, which fails its
#: sanity check; every other run of the grid is pending (:data:`SDIT_PENDING`, about 10 CPU
#: minutes each) until a pilot passes.
SDIT_TRAINED: tuple[tuple[str, int], ...] = (("SDIT", 0),)
SDIT_PENDING: tuple[tuple[str, int], ...] = tuple(
    ms for ms in _sdit_grid() if ms not in SDIT_TRAINED)


RUNS["15"] = _sdit_runs()


#: The runs whose images the book shows, with where it shows them: only these keep their
#: generators' weights, loss history and sample grid in ``results/``; every other run keeps its
#: configuration, metrics, meta data, the digests of what it dropped and what was derived from its
#: weights (cached statistics). That keeps ``results/`` within its budget (120 MB for the whole
#: book); ``make reproduce RUN=... KEEP_WEIGHTS=1`` retrains any run with its weights.
SHOWN: tuple[tuple[Callable[[str], tuple[str, Config]], str], ...] = (
    *((partial(pix2pix_scenes_run, task=t), "chapters 02 and 03: translations")
      for t in ("labels2photo", "photo2labels", "day2night")),
    *((partial(cyclegan_scenes_run, task=t), "chapters 03-05: translations")
      for t in ("labels2photo", "day2night")),
    *((partial(cyclegan_switch_run, switch=s), "chapter 04: the switches' translations")
      for s in CYCLEGAN_SWITCHES),
    (partial(cyclegan_switch_run, switch="no cycle loss"), "chapter 04: the gallery"),
    *((partial(ablation_paired_run, variant=v, seed=0), "chapter 05: Fig. 3 (seed 0)")
      for v in PAIRED_ABLATIONS),
    (partial(ablation_paired_run, variant="L1", seed=0), "chapter 04: the gallery"),
    (partial(ablation_paired_run, variant="U-Net without skips", seed=1),
     "chapter 04: the gallery (the collapsed seed)"),
    *((partial(implicit_pairs_run, task="photo2labels", alpha=a, seed=0),
       "chapter 06: one scene by every α (seed 0)") for a in ALPHAS),
    *((partial(pseudo_pairs_run, task=t, setting=s, seed=0, explicit=e),
       "chapter 07: Figs. 4-8 (seed 0)") for t, s, e in PSEUDO_MODELS),
    (UNET_VARIANT, "chapter 07: the two generators"),
    *((partial(pseudo_pairs_run, task="smile_removal", setting=s, seed=0, explicit=e),
       "chapter 08: Fig. 10 (seed 0; the other seeds' projections are cached)")
      for s, e in (("ours", False), ("no_augmentation", False), ("pseudo_unpaired", False),
                   ("natural", False), ("ratio_1.0", False), ("ratio_1.0", True))),
    (partial(ost_phase1_run, seed=0), "chapter 09: Phase I's reconstructions (seed 0)"),
    (partial(ost_run, n_A=1, seed=0), "chapter 09: the pilot's translations"),
    (partial(cyclegan_digits_run, n_A=1, seed=0), "chapter 09: OST against CycleGAN"),
    (partial(content_transfer_run, seed=0), "chapter 10: the pilot and the Fig. 2 grid"),
    (partial(content_transfer_run, separate="fader", seed=0), "chapter 10: removal, ours vs Fader"),
    (audio_separation_run, "chapter 10: audio separation, spectrograms and listenable audio"),
    (partial(zero_pair_run, seed=0), "chapter 13: the pilot's translations"),
    (partial(zero_pair_run, side_information="skip", seed=0),
     "chapter 13: skip connections against pooling indices"),
)
SHOWN = (*SHOWN,
         (transfer_source_run, "chapter 11: the source GAN's samples and the critic it hands on"),
         *((partial(transfer_gan_run, init=i, seed=0),
            "chapter 11: samples from scratch and TransferGAN (seed 0)")
           for i in ("scratch", "TransferGAN")))
SHOWN = (*SHOWN,
         *((partial(transfer_source_run, domain=d),
            "chapter 11: Tables 2.4-2.5, another source (its target runs start from its weights)")
           for d in TRANSFER_OTHER_SOURCES))
SHOWN = (*SHOWN,
         *((partial(minegan_run, method=m, seed=0),
            "chapter 12: samples of MineGAN and of mining alone (seed 0)")
           for m in ("MineGAN", "MineGAN w/o FT")))
SHOWN = (*SHOWN, (partial(sdit_run, seed=0), "chapter 15: the pilot's translations and attention"))


#: Runs of the catalogue that are not trained yet: each chapter says so where it would use them;
#: ``make reproduce CHAPTER=NN MISSING=1`` trains them. Remove a run from here once it is stored.
PENDING: tuple[Callable[[str], tuple[str, Config]], ...] = ()
#: Chapter 10: only the pilot (ours, seed 0) is stored; the grid waits for a pilot that passes.
PENDING += tuple(make for make in _content_runs()
                 if make.keywords != {"separate": "e2", "seed": 0})
#: Chapter 13: the runs of ZERO_PAIR_PENDING.
PENDING += tuple(partial(zero_pair_run, **ZERO_PAIR_MODELS[m], seed=s) for m, s in ZERO_PAIR_PENDING)
#: Chapter 15: the runs of SDIT_PENDING.
PENDING += tuple(partial(sdit_run, **{**SDIT_VARIANTS, **SDIT_CIN_PARAMS}[m], seed=s)
                 for m, s in SDIT_PENDING)


def pending_runs(scale: str = "book") -> set[str]:
    """The names of the :data:`PENDING` runs at ``scale``."""
    return {make(scale)[0] for make in PENDING}


def shown_runs(scale: str = "book") -> dict[str, str]:
    """``{run name: where the book shows its images}`` at ``scale`` (see :data:`SHOWN`)."""
    out: dict[str, str] = {}
    for make, where in SHOWN:
        name = make(scale)[0]
        out[name] = f"{out[name]}; {where}" if name in out else where
    return out


#: What a run the book does not show leaves out of ``results/`` (their digests are kept).
NOT_KEPT_UNLESS_SHOWN = ("generators.pt", "history.json", "samples.png")


def training_time(chapter: str, scale: str | None = None) -> str:
    """One sentence on what a chapter's stored runs cost: how many are stored, their summed
    training (wall-clock) time and the hardware, read from each run's ``meta.json``."""
    from i2ilib.results import find_run

    scale = get_scale(scale)
    if chapter not in RUNS:
        raise ValueError(f"No stored runs for chapter {chapter!r}; chapters with runs: "
                         f"{', '.join(sorted(RUNS))}.")
    runs = [find_run(*make(scale)) for make in RUNS[chapter]]
    stored = [r for r in runs if r is not None]
    if not stored:
        return (f"None of chapter {chapter}'s {len(runs)} runs is stored at {scale} scale "
                "(smoke-scale runs never are): each one trains when its cell runs.")
    seconds = sum(float(r.meta.get("wall_time_s", 0.0)) for r in stored)
    hardware = ", ".join(sorted({str(r.meta.get("hardware", "unknown")) for r in stored}))
    return (f"Chapter {chapter}: {len(stored)} of {len(runs)} runs stored, {seconds / 60:.0f} min "
            f"of training in total on {hardware}; `make reproduce CHAPTER={chapter}` retrains "
            "them.")


@dataclass(frozen=True)
class PlannedRun:
    """One run that :func:`reproduce` will train: its name, configuration and estimated cost
    (the wall time of its stored twin; else from its chapter's stored runs of the same method and
    phase, e.g. the other seeds or settings of a CycleGAN row, else from all its chapter's stored
    runs: their median time per step times its steps, or their median wall time where steps are
    not known (:func:`_typical`); None when nothing of the chapter is stored)."""

    name: str
    config: Config
    estimate_s: float | None
    drop_files: tuple[str, ...] = ()  # what the store leaves out (NOT_KEPT_UNLESS_SHOWN)


def plan(chapter: str | None = None, scale: str = "book", missing_only: bool = False,
         runs: Sequence[str] = (), keep_all: bool = False) -> list[PlannedRun]:
    """The runs :func:`reproduce` would train, in order, with their estimated training time.

    Args:
        runs: only these runs (names such as ``05_ablations/paired-l1-seed1``).
        keep_all: keep every run's weights, history and samples, not only those the book shows.

    Raises:
        ValueError: an unknown chapter or run (the message lists what there is).
    """
    from i2ilib.results import find_run, results_dir_for

    if runs:
        every = {make(scale)[0] for makers in RUNS.values() for make in makers}
        unknown_runs = sorted(set(runs) - every)
        if unknown_runs:
            raise ValueError(f"No run named {', '.join(unknown_runs)} in the catalogue; its runs "
                             f"are named like {min(every)} (see results/).")
        chapter = None
    shown = shown_runs(scale)
    chapters = [chapter] if chapter else sorted(RUNS)
    unknown = [c for c in chapters if c not in RUNS]
    if unknown:
        raise ValueError(f"No stored runs for chapter(s) {unknown}; chapters with runs: "
                         f"{', '.join(sorted(RUNS))}.")
    planned = []
    for ch in chapters:
        made = [make(scale) for make in RUNS[ch]]
        stored = {name: find_run(name, config, results_dir_for(scale)) for name, config in made}
        times: dict[object, list[tuple[float, int | None]]] = {}
        for name, config in made:
            if stored[name] is not None:
                wall = float(stored[name].meta.get("wall_time_s", 0.0))
                for key in (_kind(config), None):
                    times.setdefault(key, []).append((wall, _steps(config)))
        for name, config in made:
            run = stored[name]
            if (missing_only and run is not None) or (runs and name not in runs):
                continue
            own = float(run.meta.get("wall_time_s", 0.0)) if run is not None else None
            typical = _typical(times.get(_kind(config)) or times.get(None), _steps(config))
            drop = () if keep_all or name in shown else NOT_KEPT_UNLESS_SHOWN
            planned.append(PlannedRun(name, config, own or typical, drop))
    return planned


def _steps(config: Config) -> int | None:
    """A run's training steps (epochs times batches per epoch), where its configuration says
    them: ``n_train`` images in batches of ``batch_size``; None otherwise."""
    trainer, data = config.get("trainer") or {}, config.get("data") or {}
    n, batch = data.get("n_train"), trainer.get("batch_size")
    if not isinstance(n, int) or not isinstance(batch, int) or "n_epochs" not in trainer:
        return None
    return (int(trainer["n_epochs"]) + int(trainer.get("n_epochs_decay") or 0)) * -(-n // batch)


def _typical(alike: list[tuple[float, int | None]] | None, steps: int | None) -> float | None:
    """The estimate from stored runs ``alike`` (``(wall time, steps)``). When every one says its
    steps: the median time per step of those nearest in steps (by ratio), times ``steps``; a
    short run spends more of its time on scoring, so a source GAN of 15000 steps is estimated
    from runs as long as it, not from target runs of 300. Else the median wall time."""
    if not alike:
        return None
    if steps is not None and all(k for _, k in alike):
        gap = min(abs(math.log(k / steps)) for _, k in alike)  # type: ignore[operator]
        per_step = sorted(w / k for w, k in alike  # type: ignore[operator]
                          if abs(math.log(k / steps)) <= gap + 1e-9)  # type: ignore[operator]
        return per_step[len(per_step) // 2] * steps
    walls = sorted(w for w, _ in alike)
    return walls[len(walls) // 2]


def _kind(config: Config) -> tuple[str, object]:
    """What a run's cost depends on most: its method and, for two-phase methods, its phase."""
    return str(config.get("method")), (config.get("trainer") or {}).get("phase")


def describe_plan(planned: list[PlannedRun], jobs: int) -> str:
    """What :func:`reproduce` is about to do, in two lines: how many runs, in how many
    processes, and the estimated CPU time and wall time (from the stored runs' wall times)."""
    known = [p.estimate_s for p in planned if p.estimate_s is not None]
    if not planned:
        return "Nothing to train: every planned run is stored."
    cpu = sum(known)
    line = f"{len(planned)} run(s) to train in {jobs} process(es)"
    if not known:
        return line + "; no stored run to estimate the time from."
    part = "" if len(known) == len(planned) else f" (for the {len(known)} with an estimate)"
    # each process trains one run at a time on its own core: wall ≈ CPU time / jobs, at least the
    # longest run
    wall = max(cpu / jobs, max(known))
    return (f"{line}: about {_duration(cpu)} of CPU time{part}, about {_duration(wall)} of wall "
            "time. Interrupted runs resume from their checkpoints when this is run again.")


def _duration(seconds: float) -> str:
    """``"1.7 h"`` from an hour on, else ``"12 min"``."""
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{max(1, round(seconds / 60))} min"


def _train_one(planned: PlannedRun, threads: int) -> str:
    """Train and store one run in a worker process (one run per process at a time)."""
    import torch

    from i2ibook.runner import train_translation
    from i2ilib.results import load_or_train

    torch.set_num_threads(threads)
    load_or_train(planned.name, planned.config, train_translation, retrain=True,
                  drop_files=planned.drop_files)
    return planned.name


def reproduce(chapter: str | None = None, scale: str = "book", missing_only: bool = False,
              jobs: int = 1, show_plan: bool = False, runs: Sequence[str] = (),
              keep_all: bool = False) -> list[str]:
    """Retrain (and store) every run of ``chapter`` (default: all chapters), or only ``runs``;
    with ``missing_only``, train only the runs that have no stored twin. Runs the book does not
    show are stored without weights, history and samples (:data:`SHOWN`) unless ``keep_all``.
    ``jobs`` processes train independent runs side by side, each on ``cores // jobs`` threads
    (one per core on this book's 2-core machines); every run is stored as its own run, exactly
    as when trained alone. Returns the names trained, in the plan's order."""
    from i2ibook.runner import train_translation
    from i2ilib.results import load_or_train

    planned = plan(chapter, scale, missing_only, runs, keep_all)
    jobs = max(1, min(int(jobs), len(planned) or 1))
    if show_plan:
        print(describe_plan(planned, jobs), flush=True)
        if planned:
            print(training_device(planned, jobs), flush=True)
    if jobs == 1:
        for p in planned:
            load_or_train(p.name, p.config, train_translation, retrain=True,
                          drop_files=p.drop_files)
        return [p.name for p in planned]
    threads = max(1, (os.cpu_count() or jobs) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) \
            as pool:
        futures = [pool.submit(_train_one, p, threads) for p in planned]
        return [f.result() for f in futures]


def slim(scale: str = "book", dry_run: bool = False) -> dict[str, list[str]]:
    """Remove from the stored runs the book does not show (:data:`SHOWN`) their weights, loss
    history and sample grid, keeping the digests of each (:func:`i2ilib.results.remove_files`).
    Returns ``{run name: files removed}`` (would remove, with ``dry_run``)."""
    from i2ilib.results import read_run, remove_files, results_dir_for, verify_run

    root = results_dir_for(scale)
    shown = shown_runs(scale)
    out: dict[str, list[str]] = {}
    for makers in RUNS.values():
        for make in makers:
            name = make(scale)[0]
            if name in shown or not (root / name).is_dir():
                continue
            read_run(root / name)  # verified before anything is removed
            stored = [n for n in NOT_KEPT_UNLESS_SHOWN if n in verify_run(root / name)]
            if stored:
                out[name] = stored if dry_run else remove_files(root / name, stored)
    return out


def _training_images(data: dict[str, Any]) -> str | int:
    """The table's "training images": a count, or the real set's ``train/`` folder."""
    if data.get("source") == "registry":
        which = f"first {data['n_train']} of " if data.get("n_train") else "all of "
        return f"{which}{data['dataset']} train ({data['direction']})"
    if data.get("source") == "pseudopairs":
        return (f"{data['n_base']} real per domain + {data['n_aug']} augmentation "
                f"({data['setting']})")
    return data["n_train"]


_TABLE_ROWS = (
    ("image size (px)", lambda c: c["data"]["size"]),
    ("training images", lambda c: _training_images(c["data"])),
    ("generator", lambda c: f"{c['trainer']['netG']}, ngf {c['trainer']['ngf']}"),
    ("discriminator", lambda c: f"{c['trainer']['netD']} PatchGAN, n_layers "
                                f"{c['trainer']['n_layers_D']}, ndf {c['trainer']['ndf']}"),
    ("epochs (constant + decay)", lambda c: f"{c['trainer']['n_epochs']} + "
                                            f"{c['trainer']['n_epochs_decay']}"),
    ("batch size", lambda c: c["trainer"]["batch_size"]),
    ("GAN loss", lambda c: c["trainer"]["gan_mode"]),
    ("learning rate, betas", lambda c: f"{c['trainer']['lr']}, ({c['trainer']['beta1']}, "
                                       f"{c['trainer']['beta2']})"),
)


def scale_table(make: Callable[[str], tuple[str, Config]],
                scales: tuple[str, ...] = ("paper", "book")) -> str:
    """A Markdown table comparing a run's settings across scales (``paper`` = as published)."""
    configs = {s: make(s)[1] for s in scales}
    extra = []
    t = configs[scales[0]]["trainer"]
    for key in ("lambda_L1", "lambda_cyc", "lambda_id", "pool_size"):
        if key in t:
            extra.append((key, lambda c, k=key: c["trainer"][k]))
    lines = ["| setting | " + " | ".join(f"{s} scale" for s in scales) + " |",
             "|---|" + "---|" * len(scales)]
    for label, get in (*_TABLE_ROWS, *extra):
        values = [str(get(configs[s])) for s in scales]
        mark = "" if len(set(values)) == 1 else " **≠**"
        lines.append(f"| {label}{mark} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def training_device(planned: Sequence[PlannedRun], jobs: int = 1) -> str:
    """Where :func:`reproduce` trains the planned runs on this machine: each trainer's ``device``
    option (``"auto"`` in every catalogue run: CUDA when there is a GPU, else Apple MPS, else the
    CPU) as :func:`i2ilib.device.select_device` resolves it; with ``jobs`` processes on one
    GPU they share it."""
    from i2ilib.device import describe_hardware, select_device

    wanted = sorted({str(p.config.get("trainer", {}).get("device", "auto")) for p in planned})
    where = []
    for name in wanted or ["auto"]:
        try:
            device = select_device(name)
        except RuntimeError:
            where.append(f"{name} (not available on this machine)")
            continue
        if device.type == "cpu":
            where.append(f"the CPU ({os.cpu_count()} cores)")
            continue
        share = f" ({jobs} processes share it)" if jobs > 1 else ""
        where.append(describe_hardware(device) + share)
    return f"Training on {', '.join(where)}."


# --------------------------------------------------------------------------------------------
# Chapter 14: biases in diverse translation (UDIT, Wang 2020 thesis, ch. 5)

#: Chapter 14: the seeds of the comparison.
UDIT_SEEDS = (0, 1, 2)
#: Chapter 14's comparison: label -> the switches of :func:`udit_run`.
UDIT_MODELS: dict[str, dict[str, Any]] = {
    "MUNIT (lambda_U = 0)": dict(constraint=False),
    "UDIT (hair-colour constraint)": dict(constraint=True),
}
#: The weight of the semantic constraint at book scale (eq. 5.8's lambda_U; the thesis does not
#: publish it).
UDIT_LAMBDA_U = 1.0


def _udit_trainer(scale: str) -> dict[str, Any]:
    """UDIT's options at each scale. Paper: Tables A.13-A.18's layout (``ngf`` 64, three
    poolings with pooling indices, six residual blocks of 7x7 kernels, style 8, MLP 256, a
    4-layer discriminator of width 64) and MUNIT's weights and optimiser, batch 4. Book: 32 px
    faces, ``ngf`` 16, two poolings (an 8x8 content map), two residual blocks of 3x3 kernels, an
    MLP of width 64, a 3-layer discriminator of width 16, batch 8, 90 epochs of 800 faces (9,000
    steps) at learning rate 5e-4 (MUNIT's 1e-4 is for 1M steps), and layer norm after the
    decoders' upsampling convolutions (MUNIT's code; Table A.17's instance norm removes the
    style's statistics, and two pilots with it failed: ``benchmarks/pilots.md``); the loss
    weights as published."""
    sizes = pick(scale,
                 smoke=dict(ngf=4, n_down=2, n_res=1, kernel=3, mlp_dim=8, ndf=4, n_layers_D=2),
                 book=dict(ngf=16, n_down=2, n_res=2, kernel=3, mlp_dim=64, ndf=16,
                           n_layers_D=3),
                 paper=dict(ngf=64, n_down=3, n_res=6, kernel=7, mlp_dim=256, ndf=64,
                            n_layers_D=4))
    return dict(batch_size=pick(scale, smoke=4, book=8, paper=4),
                n_epochs=pick(scale, smoke=1, book=90, paper=100), n_epochs_decay=0,
                lr=pick(scale, smoke=5e-4, book=5e-4, paper=1e-4),
                upsample_norm=pick(scale, smoke="ln", book="ln", paper="in"), **sizes)


def udit_run(scale: str | None = None, constraint: bool = True, seed: int = 0,
             lambda_U: float | None = None) -> tuple[str, Config]:
    """Chapter 14: MUNIT (``constraint=False``, eq. 5.8 with ``lambda_U = 0``) or UDIT (the
    semantic constraint of eq. 5.3 on the hair colour, ``h`` the reduced layer of a frozen
    hair-colour classifier, Section 5.5.1) translating faces without glasses (A) into faces with
    glasses (B), where B is 90 % blond and A half blond (thesis Table 5.1's biased makeup, with
    glasses for makeup and hair colour for gender). At paper scale the same faces at 128 px
    with the thesis's networks: the registry has neither the biased makeup set nor MORPH.
    ``lambda_U``: the constraint's weight (default :data:`UDIT_LAMBDA_U`)."""
    scale = get_scale(scale)
    trainer = _udit_trainer(scale)
    weight = UDIT_LAMBDA_U if lambda_U is None else float(lambda_U)
    trainer.update(seed=seed, semantic_constraint=bool(constraint), lambda_U=weight)
    data = {"source": "biasedfaces", "size": pick(scale, smoke=32, book=32, paper=128),
            "n_A": pick(scale, smoke=16, book=800, paper=1400),
            "n_B": pick(scale, smoke=16, book=800, paper=1400),
            "n_test": pick(scale, smoke=8, book=100, paper=100),
            "bias": pick(scale, smoke=0.9, book=0.9, paper=0.95), "seed": seed,
            "n_hair": pick(scale, smoke=64, book=2000, paper=4000),
            "hair_steps": pick(scale, smoke=5, book=400, paper=2000)}
    name = "udit" if constraint else "munit"
    if constraint and lambda_U is not None:
        name += f"-lambdaU{weight:g}"
    return (f"14_biases_in_diverse_translation/{name}-seed{seed}",
            make_config("udit", data, trainer, scale))


def _udit_runs() -> list[Callable[[str], tuple[str, Config]]]:
    """Chapter 14's comparison: the pilot (MUNIT, seed 0) first, then UDIT seed 0, then both
    models seed by seed."""
    return [partial(udit_run, **m, seed=s) for s in UDIT_SEEDS for m in UDIT_MODELS.values()]


RUNS["14"] = _udit_runs()
SHOWN = (*SHOWN,
         *((partial(udit_run, **m, seed=0), "chapter 14: translations of MUNIT and UDIT (seed 0)")
           for m in UDIT_MODELS.values()))
#: Chapter 14's runs not trained yet (model, seed): the comparison waits for a pilot that passes
#: its sanity check (``benchmarks/pilots.md``); only the pilot (MUNIT, seed 0) is stored.
UDIT_PENDING: tuple[tuple[str, int], ...] = tuple(
    (m, s) for s in UDIT_SEEDS for m in UDIT_MODELS if (m, s) != ("MUNIT (lambda_U = 0)", 0))
PENDING += tuple(partial(udit_run, **UDIT_MODELS[m], seed=s) for m, s in UDIT_PENDING)


#: Chapter 13's baselines (thesis Section 4.6.2, "Baselines"; Tables 4.4-4.5): label -> the
#: method of :func:`zero_pair_baseline_run`.
ZERO_PAIR_BASELINES: dict[str, str] = {"2x pix2pix (skip connections)": "zp-2xpix2pix",
                                       "CycleGAN (skip connections)": "zp-cyclegan"}


def zero_pair_baseline_run(scale: str | None = None, method: str = "zp-2xpix2pix",
                           seed: int = 0) -> tuple[str, Config]:
    """Chapter 13: a baseline of Tables 4.4-4.5 on the zero-pair scenes of
    :func:`zero_pair_run` (the same data for the same seed): ``"zp-2xpix2pix"``, four pix2pix
    translators through RGB (:mod:`i2ilib.train.zeropair_pix2pix`), or ``"zp-cyclegan"``,
    CycleGAN between depth and segmentation (:mod:`i2ilib.train.zeropair_cyclegan`).

    Sizes and budget as M&MNets' at each scale (:func:`_zero_pair_trainer`): the image size, the
    generators' first width ``ngf``, the discriminators' ``ndf`` and layers (at most 3, pix2pix's
    and CycleGAN's 70x70 PatchGAN at paper scale), batch 6 and as many
    steps as M&MNets' stages 1 + 2 (book 5,000; paper 400,000); U-Nets with skip connections
    (the thesis's "SC") for the image size (at smoke scale 32 px, the smallest U-Net, in place of
    M&MNets' 16). Every other option is the published pix2pix's or CycleGAN's (the trainers'
    defaults).
    """
    if method not in ZERO_PAIR_BASELINES.values():
        raise ValueError(f"Unknown zero-pair baseline {method!r}: use one of "
                         f"{', '.join(ZERO_PAIR_BASELINES.values())}.")
    scale = get_scale(scale)
    like = zero_pair_run(scale, seed=seed)[1]
    mm = like["trainer"]
    trainer = {k: mm[k] for k in ("ngf", "ndf", "n_layers_D", "n_classes", "batch_size", "lr",
                                  "seed")}
    data = dict(like["data"], size=max(32, like["data"]["size"]))  # smoke: a U-Net needs 32 px
    trainer.update(steps=mm["stage1_steps"] + mm["stage2_steps"], netD="n_layers",
                   n_layers_D=min(mm["n_layers_D"], 3),  # the published 70x70 PatchGAN at most
                   netG=f"unet_{data['size']}")
    return (f"13_zero_pair_translation/{method}-seed{seed}",
            make_config(method, data, trainer, scale))


RUNS["13"] += [partial(zero_pair_baseline_run, method=m, seed=s)
               for s in ZERO_PAIR_SEEDS for m in ZERO_PAIR_BASELINES.values()]
#: Chapter 13's baseline runs not trained yet (method, seed): none (the pilots, seed 0 of each,
#: passed the chapter's sanity check, ``benchmarks/pilots.md``; seeds 1-2 followed).
ZERO_PAIR_BASELINE_PENDING: tuple[tuple[str, int], ...] = ()
PENDING += tuple(partial(zero_pair_baseline_run, method=m, seed=s)
                 for m, s in ZERO_PAIR_BASELINE_PENDING)

# --------------------------------------------------------------------------------------------
# Chapter 13: the StarGAN baselines of Tables 4.4-4.5 (thesis Section 4.6.2, "Baselines")

#: Chapter 13's StarGAN baselines: label -> the switches of :func:`zero_pair_stargan_run`
#: (both with pooling indices, as the thesis's rows "PI").
ZERO_PAIR_STARGANS: dict[str, dict[str, Any]] = {
    "StarGAN unpaired (pooling indices)": dict(paired=False),
    "StarGAN paired (pooling indices)": dict(paired=True),
}


def zero_pair_stargan_run(scale: str | None = None, paired: bool = False,
                          seed: int = 0) -> tuple[str, Config]:
    """Chapter 13: StarGAN adapted to modalities (one translator shared by RGB, depth and
    segmentation but for modality-specific first and last layers;
    :mod:`i2ilib.train.stargan_modalities`), StarGAN(unpaired) or StarGAN(paired), on the scenes
    of :func:`zero_pair_run` of the same seed, scored on the same unseen depth <-> segmentation
    translations.

    Sizes as M&MNets' at each scale (:func:`_zero_pair_trainer`: book 32 px, ``ngf`` 16, three
    levels, batch 6, a 3-layer critic of width 16); StarGAN's own critic at paper scale (six
    layers of width 64). ``steps`` (critic iterations) are M&MNets' stages 1 + 2 (book 5,000;
    paper StarGAN's and M&MNets' 200K + 200K would be 400K: StarGAN's published 200K is taken),
    at least ``n_critic`` so that the generator takes a step; StarGAN's weights, learning rate
    and ``n_critic`` at every scale.
    """
    scale = get_scale(scale)
    mm = _zero_pair_trainer(scale)
    steps = pick(scale, smoke=max(mm["stage1_steps"] + mm["stage2_steps"], 5),
                 book=mm["stage1_steps"] + mm["stage2_steps"], paper=200_000)
    trainer = dict(seed=seed, paired=bool(paired), n_classes=mm["n_classes"],
                   batch_size=mm["batch_size"], ngf=mm["ngf"], n_levels=mm["n_levels"],
                   ndf=mm["ndf"], n_layers_D=pick(scale, smoke=mm["n_layers_D"],
                                                  book=mm["n_layers_D"], paper=6),
                   steps=steps)
    data = zero_pair_run(scale, seed=seed)[1]["data"]
    kind = "paired" if paired else "unpaired"
    return (f"13_zero_pair_translation/stargan-{kind}-seed{seed}",
            make_config(f"zp-stargan-{kind}", data, trainer, scale))


#: Chapter 13's StarGAN runs, after M&MNets' (the paired version first: the pilot), seed by seed.
RUNS["13"] += [partial(zero_pair_stargan_run, **m, seed=s) for s in ZERO_PAIR_SEEDS
               for m in (ZERO_PAIR_STARGANS["StarGAN paired (pooling indices)"],
                         ZERO_PAIR_STARGANS["StarGAN unpaired (pooling indices)"])]
#: Chapter 13's StarGAN runs not trained yet (label, seed): none. Both versions fail the
#: chapter's sanity check on every seed at M&MNets' budget; their rows are stored so that the
#: chapter shows how far they are (benchmarks/pilots.md, SG1-SG2).
ZERO_PAIR_STARGAN_PENDING: tuple[tuple[str, int], ...] = ()
PENDING += tuple(partial(zero_pair_stargan_run, **ZERO_PAIR_STARGANS[m], seed=s)
                 for m, s in ZERO_PAIR_STARGAN_PENDING)
