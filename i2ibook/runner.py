"""Translation experiments as the chapters run them: build the data a configuration names,
train pix2pix or CycleGAN on it, evaluate against the ground truth, and hand the result to the
results store (:func:`i2ilib.results.load_or_train`).

A configuration is a plain dict, stored verbatim with the run::

    {"scale": "book", "method": "pix2pix" | "cyclegan",
     "data": {"source": "synthscenes", "task": "labels2photo", "size": 64,
              "n_train": 400, "n_test": 32, "seed": 0, "flip": True},
     "trainer": {... every field of Pix2PixConfig / CycleGANConfig ...},
     "n_show": 6}

At paper scale the data are the papers' real sets, read from disk through the dataset
registry (:mod:`i2ilib.data.registry`)::

    "data": {"source": "registry", "dataset": "facades", "direction": "BtoA", "size": 256,
             "load_size": 286, "n_test": 100, "seed": 0, "flip": True}

with the datasets folder ``$I2I_DATA`` (default ``datasets/`` in the checkout); see
:func:`registry_folder`. Training images get the reference jitter (resize to ``load_size``,
random ``size`` crop, random flip); an optional ``"n_train"`` keeps only the first files.

An optional ``"set_metrics": "<feature network>"`` adds the UCSD report's set metrics (Fréchet
distance, precision, recall) and, for labels -> photo, the FCN-score to the stored metrics.

Unpaired data (``method = "cyclegan"``) takes its A images and its B images from *different*
scenes, so no true pair is hidden in the training set; the test set is paired, which lets the
chapter measure how far each translation is from the true counterpart. A data key
``"alpha": a`` instead hides ``round(a * n_train)`` true pairs among the unpaired images
(Ginger et al. 2019, Sec. 3.2; :func:`alpha_paired_train`).

Content transfer (``"source": "content"``, ``method = "content"``, chapter 10) trains the two
encoders and one decoder of Press et al. (2019) on faces without and with an attribute and scores
removal and guided transfer against the truth SynthFaces renders (:func:`train_content`).

Digits (``"source": "digits"``, chapter 09) train OST's two phases (``method = "ost"``; a
Phase II configuration names its stored Phase I run under ``"phase1"``) or CycleGAN on a few
handwritten digits and many printed ones, and are scored by the printed-digit classifier on
held-out handwritten digits (:func:`train_digits`).

Zero-pair scenes (``"source": "zeropair"``, chapter 13) train mix and match networks
(``method = "mmnets"``) on the disjoint sets ``D_RS`` and ``D_RD``, or their oracle
(``"mmnets-oracle"``) on true (depth, segmentation) pairs, and are scored on test scenes with all
three modalities (:func:`train_zero_pair`); so are the baselines of Tables 4.4-4.5, 2x pix2pix
(``"zp-2xpix2pix"``), CycleGAN between depth and segmentation (``"zp-cyclegan"``) and the two
StarGANs (``"zp-stargan-unpaired"``, ``"zp-stargan-paired"``).

Audio (``"source": "audio"``, ``method = "content"``, chapter 10) trains the same model on
spectrograms of unmatched instrumental clips (A) and of mixtures with a voice (B), and scores the
voice left by subtracting the removal from the mixture (SI-SDR, :func:`train_audio_separation`).

Multi-domain faces (``"source": "multidomain"``, chapter 15) train SDIT (``method = "sdit"``) on
hair-colour domains of SynthFaces and score its translations of test faces against the truth
rendered in every domain (:func:`train_sdit`).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from i2ibook.specs import parse_data, parse_experiment
from i2ilib.data.folders import TensorPairDataset
from i2ilib.results import Outcome, Run, config_hash, project_root
from i2ilib.train import (
    ContentTransferConfig,
    ContentTransferTrainer,
    CycleGANConfig,
    CycleGANTrainer,
    MMNetConfig,
    MMNetOracleTrainer,
    MMNetTrainer,
    OSTConfig,
    OSTTrainer,
    Pix2PixConfig,
    Pix2PixTrainer,
    generator_from_config,
)
from i2ilib.train.sdit import SDITConfig, SDITTrainer
from i2ilib.train.stargan_modalities import StarGANModalityConfig, StarGANModalityTrainer
from i2ilib.train.udit import UDITConfig, UDITTrainer
from i2ilib.train.wgan import ImageSet, WGANConfig, WGANTrainer
from i2ilib.train.zeropair_cyclegan import ZeroPairCycleGANConfig, ZeroPairCycleGANTrainer
from i2ilib.train.zeropair_pix2pix import ZeroPairPix2PixConfig, ZeroPairPix2PixTrainer
from i2ilib.viz import image_grid

METHODS = {"pix2pix": (Pix2PixConfig, Pix2PixTrainer), "cyclegan": (CycleGANConfig, CycleGANTrainer),
           "ost": (OSTConfig, OSTTrainer),
           "content": (ContentTransferConfig, ContentTransferTrainer),
           "mmnets": (MMNetConfig, MMNetTrainer),
           "mmnets-oracle": (MMNetConfig, MMNetOracleTrainer)}
METHODS["wgan"] = (WGANConfig, WGANTrainer)  # chapter 11: TransferGAN's WGAN-GP
METHODS["udit"] = (UDITConfig, UDITTrainer)  # chapter 14: UDIT, MUNIT with lambda_U = 0
METHODS["sdit"] = (SDITConfig, SDITTrainer)  # chapter 15: SDIT
#: Chapter 13's baselines of Tables 4.4-4.5: 2x pix2pix through RGB and CycleGAN D <-> S, and
#: the StarGAN baselines (Section 4.6.2).
METHODS["zp-2xpix2pix"] = (ZeroPairPix2PixConfig, ZeroPairPix2PixTrainer)
METHODS["zp-cyclegan"] = (ZeroPairCycleGANConfig, ZeroPairCycleGANTrainer)
METHODS["zp-stargan-unpaired"] = (StarGANModalityConfig, StarGANModalityTrainer)
METHODS["zp-stargan-paired"] = (StarGANModalityConfig, StarGANModalityTrainer)


def trainer_config(method: str, /, **options: Any):
    """The full trainer configuration for ``method`` with ``options`` changed."""
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}: choose one of {', '.join(METHODS)}.")
    return METHODS[method][0].from_dict(options)


def make_config(method: str, data: dict[str, Any], trainer: dict[str, Any], scale: str,
                n_show: int = 6, phase1: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete experiment configuration (every trainer option written out), checked
    against its schema (:func:`i2ibook.specs.parse_experiment`: a misspelt key is an error
    naming the valid ones, never a silently different run). ``phase1``: OST's Phase II only,
    ``{"name", "config"}`` of the stored Phase I run it starts from."""
    config = {"scale": scale, "method": method, "data": dict(data),
              "trainer": trainer_config(method, **trainer).to_dict(), "n_show": n_show}
    if phase1 is not None:
        config["phase1"] = phase1
    parse_experiment(config)
    return config


#: The data sources a configuration's ``data["source"]`` may name: the book's rendered street
#: scenes, or a real dataset of :mod:`i2ilib.data.registry` read from ``$I2I_DATA``.
DATA_SOURCES = ("synthscenes", "registry", "pseudopairs", "digits", "content", "imageset",
                "zeropair")
DATA_SOURCES += ("biasedfaces",)  # chapter 14
DATA_SOURCES += ("multidomain",)
DATA_SOURCES += ("audio",)  # chapter 10: audio separation as translation of spectrograms


def data_root() -> Path:
    """The folder that holds the real datasets: ``$I2I_DATA`` if set, else ``datasets/`` in
    the checkout, else ``./datasets``."""
    if os.environ.get("I2I_DATA"):
        return Path(os.environ["I2I_DATA"])
    root = project_root() or project_root(Path(__file__).parent)
    return (root / "datasets") if root else Path("datasets")


def _download_allowed() -> bool:
    """Missing registry sets are downloaded unless ``I2I_DOWNLOAD`` is ``0``/``no``/``off``."""
    return os.environ.get("I2I_DOWNLOAD", "1").strip().lower() not in ("0", "no", "off", "false")


def registry_folder(spec: dict[str, Any]) -> Path:
    """The folder of the real dataset a ``"registry"`` data specification names.

    The set lies in ``data_root() / <dataset>`` (e.g. ``datasets/facades/train/...``). If it is
    absent it is downloaded from the reference server, unless ``I2I_DOWNLOAD=0``; offline the
    download fails within seconds.

    Raises:
        ValueError: no ``"dataset"`` in the specification, or an unknown name (the message
            lists the known ones).
        DataLayoutError / DatasetDownloadError: the set is missing or incomplete and could not
            be downloaded; the message names the dataset, the folder to fill, the URL and the
            command that downloads it.
    """
    from i2ilib.data.errors import DataLayoutError
    from i2ilib.data.registry import DatasetDownloadError, dataset_info, get_dataset

    name = spec.get("dataset")
    if not name:
        raise ValueError("A 'registry' data specification needs a 'dataset' name, e.g. "
                         "{'source': 'registry', 'dataset': 'facades', 'direction': 'BtoA', ...}.")
    info = dataset_info(name)
    root = data_root()
    try:
        return get_dataset(name, root, download=_download_allowed())
    except (DataLayoutError, DatasetDownloadError) as err:
        raise type(err)(
            f"Dataset {name!r} is needed in {root / info.folder} (with "
            f"{', '.join(info.required)}). {err} To download it on a machine with internet: "
            f"python -c \"from i2ilib.data.registry import get_dataset; "
            f"get_dataset('{name}', '{root}')\". If the set lies elsewhere, set I2I_DATA to the "
            f"folder that holds {info.folder}/."
        ) from err


def _registry_direction(spec: dict[str, Any]) -> str:
    direction = spec.get("direction", "AtoB")
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"data['direction'] must be 'AtoB' or 'BtoA', got {direction!r}.")
    return direction


def _load_size(spec: dict[str, Any]) -> int:
    """``load_size`` of a specification, by default the reference's 286 / 256 of ``size``."""
    return int(spec.get("load_size", round(int(spec["size"]) * 286 / 256)))


def _registry_layout(spec: dict[str, Any]) -> str:
    from i2ilib.data.registry import dataset_info

    layout = dataset_info(spec["dataset"]).layout
    if layout not in ("aligned", "unaligned"):
        raise ValueError(f"Dataset {spec['dataset']!r} ({layout!r} layout) is not a translation "
                         "set: use a pix2pix (aligned A|B) or CycleGAN (trainA/ trainB/) set.")
    return layout


def registry_test_split(spec: dict[str, Any], folder: Path | None = None) -> str:
    """The split the test images of a registry specification come from.

    ``spec["test_split"]`` if given; else, for pix2pix sets, ``val`` if it holds at least
    ``n_test`` images, then ``test``, and otherwise whichever of them holds more (with a
    warning); CycleGAN sets have ``test`` (``testA/`` and ``testB/``).
    """
    from i2ilib.data.folders import list_images

    if spec.get("test_split"):
        return str(spec["test_split"])
    folder = folder or registry_folder(spec)
    if _registry_layout(spec) == "unaligned":
        return "test"
    n_test, counts = int(spec["n_test"]), {}
    for split in ("val", "test"):
        if (folder / split).is_dir():
            counts[split] = len(list_images(folder / split))
            if counts[split] >= n_test:
                return split
    best = max(counts, key=counts.get)
    warnings.warn(f"{spec['dataset']}: no split holds n_test={n_test} images "
                  f"({', '.join(f'{k}/ {v}' for k, v in counts.items())}); testing on all "
                  f"{counts[best]} images of {best}/.", stacklevel=2)
    return best


def _stack(dataset, n: int) -> tuple[Tensor, Tensor]:
    items = [dataset[i] for i in range(n)]
    return (torch.stack([it["A"] for it in items]), torch.stack([it["B"] for it in items]))


def registry_tensors(spec: dict[str, Any], n: int, split: str,
                      folder: Path | None = None) -> tuple[Tensor, Tensor]:
    """``(A, B)``, ``(m, 3, s, s)`` each in [-1, 1]: the first ``m <= n`` images of a registry
    set, resized without crop or flip (``A`` = the generator input after ``direction``).

    ``split="test"``: the test split (:func:`registry_test_split`) at ``s = size``.
    ``split="train"``: training pairs at ``s = load_size`` (pools for ``"alpha"``, which
    :class:`TensorPairDataset` then crops to ``size``); only pix2pix sets have true pairs.
    ``folder``: the dataset folder (default: :func:`registry_folder`).
    """
    from i2ilib.data.folders import PairedImageFolder, UnpairedImageFolder

    folder = Path(folder) if folder is not None else registry_folder(spec)
    direction, layout = _registry_direction(spec), _registry_layout(spec)
    if split == "test":
        phase, side = registry_test_split(spec, folder), int(spec["size"])
    elif split == "train":
        phase, side = "train", _load_size(spec)
    else:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    options = dict(direction=direction, load_size=side, crop_size=side, preprocess="resize",
                   flip=False, seed=0, max_dataset_size=n)
    if layout == "aligned":
        ds = PairedImageFolder(folder, phase, **options)
        m = len(ds)
    else:
        if split == "train":
            raise ValueError(f"{spec['dataset']!r} is an unpaired set ({phase}A/, {phase}B/): it "
                             "has no true pairs to hide (data['alpha']); use a pix2pix set.")
        ds = UnpairedImageFolder(folder, phase, serial_batches=True, **options)
        m = min(len(ds.A_paths), len(ds.B_paths))
    if m < n and not (layout == "aligned" and split == "test"):  # else said by the split choice
        warnings.warn(f"{spec['dataset']}/{phase}: {m} image(s) where {n} were asked for.",
                      stacklevel=2)
    return _stack(ds, m)


def _registry_train(spec: dict[str, Any], paired: bool):
    """The training dataset of a registry specification, with the reference jitter: resize to
    ``load_size``, random ``size`` crop, random flip (the same for both halves of a pair)."""
    from i2ilib.data.folders import AlignedAsUnpaired, PairedImageFolder, UnpairedImageFolder

    folder = registry_folder(spec)
    options = dict(direction=_registry_direction(spec), load_size=_load_size(spec),
                   crop_size=int(spec["size"]), preprocess="resize_and_crop",
                   flip=bool(spec.get("flip", True)), seed=int(spec.get("seed", 0)),
                   max_dataset_size=spec.get("n_train"))
    if _registry_layout(spec) == "unaligned":
        if paired:
            raise ValueError(f"{spec['dataset']!r} is an unpaired set (trainA/, trainB/): "
                             "pix2pix needs pairs; train it with method 'cyclegan'.")
        return UnpairedImageFolder(folder, "train", **options)
    if paired:
        return PairedImageFolder(folder, "train", **options)
    return AlignedAsUnpaired(folder, "train", **options)


def _paired(spec: dict[str, Any], n: int, seed: int, split: str) -> tuple[Tensor, Tensor]:
    source = spec.get("source", "synthscenes")
    if source == "registry":
        return registry_tensors(spec, n, split)
    if source != "synthscenes":
        raise ValueError(f"Unknown data source {source!r}; choose one of "
                         f"{', '.join(DATA_SOURCES)}.")
    from i2ilib.data.synthscenes import paired_tensors

    return paired_tensors(n, size=spec["size"], task=spec["task"], seed=seed, split=split,
                          view=spec.get("view", "street"))


def build_data(config: dict[str, Any]) -> tuple[TensorPairDataset, Tensor, Tensor]:
    """``(train_dataset, test_A, test_B)`` for a configuration.

    SynthScenes: training scenes come from the ``train`` split of seed ``s``; for unpaired
    training the B images come from the scenes of seed ``s + 1`` instead (disjoint from the A
    scenes). Test scenes come from the ``test`` split, which never shares a scene with
    ``train``.

    Registry (real) sets: the ``train/`` folder, read from disk with the reference jitter;
    pix2pix sets trained unpaired take A and B from different files
    (:class:`~i2ilib.data.folders.AlignedAsUnpaired`); CycleGAN sets read ``trainA/`` and
    ``trainB/``. Test images: :func:`build_test_data`.
    """
    parse_experiment(config)
    spec, paired = config["data"], config["method"] == "pix2pix"
    seed = int(spec.get("seed", 0))
    registry = spec.get("source", "synthscenes") == "registry"
    if spec.get("source") == "pseudopairs":
        A, B = pseudo_pair_train(spec, paired)
        train = TensorPairDataset(A, B, paired=paired, flip=spec.get("flip", True), seed=seed)
        return (train, *build_test_data(config))
    if "alpha" in spec:
        if paired:
            raise ValueError("data['alpha'] (implicit pairs) is for unpaired training: use "
                             "method 'cyclegan', or drop 'alpha' for pix2pix.")
        pairs = alpha_paired_train(spec)
        A, B = pairs.A, pairs.B
    elif registry:
        return (_registry_train(spec, paired), *build_test_data(config))
    else:
        A, B = _paired(spec, spec["n_train"], seed, "train")
        if not paired:
            _, B = _paired(spec, spec["n_train"], seed + 1, "train")
    if registry:  # alpha pools are held at load_size: crop them to size as the reference does
        train = TensorPairDataset(A, B, paired=paired, flip=spec.get("flip", True), seed=seed,
                                  crop_size=int(spec["size"]))
    else:
        train = TensorPairDataset(A, B, paired=paired, flip=spec.get("flip", True), seed=seed)
    return (train, *build_test_data(config))


def pseudo_spec_args(spec: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`i2ilib.data.pseudopairs.build_config` that a pseudo-pair
    data specification holds (``n_base``, ``n_aug``, ``n_test``, ``size``, ``seed``, and
    ``glasses_scale`` where a pilot sets it)."""
    args = {"n_base": int(spec["n_base"]), "n_aug": int(spec["n_aug"]),
            "n_test": int(spec["n_test"]), "size": int(spec["size"]),
            "seed": int(spec.get("seed", 0))}
    if "glasses_scale" in spec:
        args["glasses_scale"] = float(spec["glasses_scale"])
    return args


def pseudo_pair_train(spec: dict[str, Any], paired: bool = False):
    """The training images of a pseudo-pair configuration (Ginger et al. 2019, Sec. 4.2):
    ``{"source": "pseudopairs", "task": "eyeglass_removal" | "smile_removal", "setting":
    "ours" | "no_augmentation" | "pseudo_unpaired" | "natural" | "ratio_<α>", "n_base", "n_aug",
    "n_test", "size", "seed"}`` (:func:`i2ilib.data.pseudopairs.build_config`).

    Unpaired (CycleGAN): ``(A, B)`` as the configuration holds them, uint8 ``(N, H, W, 3)``,
    with the attribute in A. Paired (pix2pix, Table 7's explicit use): only the pseudo-paired
    A samples, each with the real B face it was made from, as aligned arrays.
    """
    from i2ilib.data.pseudopairs import build_config

    cfg = build_config(spec["task"], spec["setting"], **pseudo_spec_args(spec))
    if not paired:
        return cfg.A, cfg.B
    mask = cfg.A_counterpart >= 0
    if not mask.any():
        raise ValueError(f"Setting {spec['setting']!r} has no pseudo-pairs for pix2pix to use; "
                         "choose 'ours' or a 'ratio_<α>' setting.")
    return cfg.A[mask], cfg.B[cfg.A_counterpart[mask]]


def _pseudo_pair_test(spec: dict[str, Any]) -> tuple[Tensor, Tensor]:
    from i2ilib.data.pseudopairs import build_configs
    from i2ilib.data.transforms import to_tensor_m11

    held_out = build_configs(spec["task"], ("no_augmentation",),
                             **{**pseudo_spec_args(spec), "n_base": 1, "n_aug": 0})
    cfg = held_out["no_augmentation"]
    return to_tensor_m11(cfg.test_A), to_tensor_m11(cfg.test_A_truth)


def alpha_paired_train(spec: dict[str, Any]):
    """The α-paired training set of a data specification with an ``"alpha"`` key (Ginger et
    al. 2019, Sec. 3.2): ``n_train`` images per domain, of which ``round(alpha * n_train)`` are
    true counterparts hidden among the others (:func:`i2ilib.data.pairing.make_alpha_paired`).

    Both domains are drawn from one pool of ``2 * n_train`` training scenes with a permutation
    fixed by the seed, so every α shares the same A images and differs only in which B images
    come with them: what changes between the runs of a sweep is the pairing, nothing else.

    Returns:
        :class:`~i2ilib.data.pairing.AlphaPaired` with ``A`` and ``B`` ``(n_train, 3, H, W)``.
    """
    from i2ilib.data.pairing import make_alpha_paired

    n, seed = int(spec["n_train"]), int(spec.get("seed", 0))
    pool_A, pool_B = _paired(spec, 2 * n, seed, "train")
    return make_alpha_paired(pool_A, pool_B, float(spec["alpha"]), n, seed=seed)


def with_n_test(config: dict[str, Any], n_test: int) -> dict[str, Any]:
    """A copy of ``config`` whose test set has ``n_test`` scenes (to score a stored run on more
    test images than it was stored with; the training data stay the same)."""
    return dict(config, data=dict(config["data"], n_test=n_test))


def build_test_data(config: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """``(test_A, test_B)``: the paired test scenes of a configuration, ``(n_test, 3, H, W)``
    each in [-1, 1], without rendering the training scenes.

    Registry sets: the first ``n_test`` images of ``val/`` (or ``test/``;
    :func:`registry_test_split`) resized to ``size`` x ``size``. For a CycleGAN set
    (``testA/``, ``testB/``) the two are *not* counterparts: ``test_B[i]`` is just the i-th
    target-domain image, so a distance "to the truth" means nothing there."""
    spec = config["data"]
    parse_data(spec)
    if spec.get("source") == "pseudopairs":  # held-out faces with the attribute, and without
        return _pseudo_pair_test(spec)
    return _paired(spec, spec["n_test"], int(spec.get("seed", 0)), "test")


def translate(run: Run, images: Tensor, direction: str = "A->B", batch_size: int = 32) -> Tensor:
    """A stored run's translations of ``images`` (``(N, 3, H, W)`` in [-1, 1]), clamped to
    [-1, 1]: pix2pix's ``G``; CycleGAN's ``G_AB`` (``"A->B"``) or ``G_BA`` (``"B->A"``)."""
    if direction not in ("A->B", "B->A"):
        raise ValueError(f"direction must be 'A->B' or 'B->A', got {direction!r}")
    if run.config["method"] == "pix2pix":
        if direction != "A->B":
            raise ValueError("a pix2pix run translates A->B only")
        key = "G"
    elif run.config["method"] == "ost":
        key = "T_AB" if direction == "A->B" else "T_BA"
    else:
        key = "G_AB" if direction == "A->B" else "G_BA"
    G = generators_from_run(run)[key]
    return _translate_all(G, images, batch_size).clamp(-1, 1)


def run_dir_for(config: dict[str, Any]) -> Path:
    """Where a run keeps its checkpoints while it trains, so an interrupted run resumes:
    ``$I2I_RUNS/<hash>`` if set (e.g. a folder on Google Drive, to survive a Colab reset), else
    ``runs/<hash>`` in the checkout, else ``./runs/<hash>``; a temporary folder at smoke scale."""
    if config.get("scale") == "smoke":
        return Path(tempfile.gettempdir()) / "i2i-runs" / config_hash(config)
    if os.environ.get("I2I_RUNS"):
        return Path(os.environ["I2I_RUNS"]) / config_hash(config)
    return (project_root() or Path.cwd()) / "runs" / config_hash(config)


def distance_to_truth(output: Tensor, target: Tensor) -> dict[str, float]:
    """``{"mse", "l1"}`` of translations ``output`` against their true counterparts ``target``
    (both ``(N, C, H, W)`` in [-1, 1]), on the [0, 1] intensity scale, averaged over pixels,
    channels and images: the numbers every chapter calls "L1 / MSE to the truth"."""
    o, t = (output + 1) / 2, (target + 1) / 2
    return {"mse": float(((o - t) ** 2).mean()), "l1": float((o - t).abs().mean())}


def _translate_all(fn, x: Tensor, batch_size: int = 16) -> Tensor:
    with torch.no_grad():
        return torch.cat([fn(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


def evaluate(trainer, test_A: Tensor, test_B: Tensor, batch_size: int = 16) -> dict[str, Any]:
    """Distance of the translations to the true counterparts (per direction)."""
    if isinstance(trainer, Pix2PixTrainer):
        return {"A->B": distance_to_truth(_translate_all(trainer.translate, test_A, batch_size), test_B)}
    return {"A->B": distance_to_truth(_translate_all(trainer.translate_AB, test_A, batch_size), test_B),
            "B->A": distance_to_truth(_translate_all(trainer.translate_BA, test_B, batch_size), test_A)}


#: Feature networks a configuration may name for its set metrics (``config["set_metrics"]``).
SET_METRIC_EXTRACTORS = ("synthcnn-v1-d192", "inception-v3-pytorch-fid-pool3")


def _set_metric_extractor(name: str) -> nn.Module:
    from i2ilib.metrics import inception_extractor, synth_feature_extractor

    if name == "synthcnn-v1-d192":
        return synth_feature_extractor()
    if name == "inception-v3-pytorch-fid-pool3":
        return inception_extractor()
    raise ValueError(f"Unknown feature network {name!r} for set metrics; choose one of "
                     f"{', '.join(SET_METRIC_EXTRACTORS)}.")


def set_metrics(fakes: Tensor, reals: Tensor, extractor: str = "synthcnn-v1-d192",
                labels=None) -> dict[str, Any]:
    """The UCSD report's set metrics (Sec. 6) of translated vs real test images.

    Args:
        fakes: ``(N, 3, H, W)`` translations of the test inputs, in [-1, 1].
        reals: ``(N, 3, H, W)`` the real target images of the same test set.
        extractor: the feature network (named in the result; FD is FID only on Inception).
        labels: ``(N, H, W)`` true SynthScenes classes; if given (labels -> photo), the
            FCN-score of the translations (``scenesegnet-v1``) is added.

    Returns:
        ``{"fd", "precision", "recall", "extractor", "n", "k"}`` (+ ``"fcn": {"pixel_acc",
        "class_acc", "mean_iou"}``): Fréchet distance and improved precision/recall (k = 3).
    """
    from i2ilib.metrics import distribution, extract_features, fcn_score_labels2photo
    from i2ilib.metrics.segnet import NAME as SEGMENTER

    net = _set_metric_extractor(extractor)
    f_fake = extract_features(net, fakes, progress=False).double().numpy()
    f_real = extract_features(net, reals, progress=False).double().numpy()
    precision, recall = distribution.precision_recall(f_real, f_fake, k=3)
    out: dict[str, Any] = {"fd": distribution.frechet_distance(f_real, f_fake),
                           "precision": precision, "recall": recall,
                           "extractor": net.name, "n": len(fakes), "k": 3}
    if labels is not None:
        fcn = fcn_score_labels2photo(fakes, labels)
        out["fcn"] = {k: float(fcn[k]) for k in ("pixel_acc", "class_acc", "mean_iou")}
        out["fcn"]["segmenter"] = SEGMENTER
    return out


def scene_labels_for_test(spec: dict[str, Any]):
    """True classes ``(n_test, H, W)`` of the test scenes a data specification names.

    Raises:
        ValueError: for a real (registry) set: its label images are colour maps of another
            class list, which the book's segmenter (trained on SynthScenes) does not read.
    """
    if spec.get("source", "synthscenes") != "synthscenes":
        raise ValueError(
            f"Only SynthScenes test sets have class maps here, not {spec.get('source')!r} "
            f"({spec.get('dataset', '?')}): the FCN-score uses the SynthScenes segmenter "
            "scenesegnet-v1, so it is skipped on real sets.")
    from i2ilib.data.synthscenes import render_scenes

    return render_scenes(spec["n_test"], spec["size"], int(spec.get("seed", 0)), "test",
                         view=spec.get("view", "street"))["labels"]


def scene_fcn_scores(photo_to_labels: Tensor, labels_to_photo: Tensor,
                     spec: dict[str, Any]) -> dict[str, dict[str, float]]:
    """FCN-scores of both directions of a SynthScenes photo <-> labels model (Ginger et al.
    2019, Tables 2 and 3; pix2pix Sec. 4.2).

    Args:
        photo_to_labels: ``(n_test, 3, H, W)`` generated label images of the test photos,
            in [-1, 1]; each pixel is read as the nearest palette colour.
        labels_to_photo: ``(n_test, 3, H, W)`` generated photos of the test label maps,
            segmented by ``scenesegnet-v1``.
        spec: the data specification (task ``photo2labels``, street view) naming the test set.

    Returns:
        ``{"photo->labels": {...}, "labels->photo": {...}}``, each with ``pixel_acc``,
        ``class_acc`` and ``mean_iou``.
    """
    if spec.get("task") != "photo2labels" or spec.get("view", "street") != "street":
        raise ValueError("FCN-scores of both directions need the street task 'photo2labels' "
                         f"(A = photo, B = labels), not {spec.get('task')!r} on view "
                         f"{spec.get('view', 'street')!r}.")
    from i2ilib.data.synthscenes import PALETTE
    from i2ilib.metrics import fcn_score_labels2photo, fcn_score_photo2labels

    labels = scene_labels_for_test(spec)
    keys = ("pixel_acc", "class_acc", "mean_iou")
    p2l = fcn_score_photo2labels(photo_to_labels, labels, PALETTE)
    l2p = fcn_score_labels2photo(labels_to_photo, labels)
    return {"photo->labels": {k: float(p2l[k]) for k in keys},
            "labels->photo": {k: float(l2p[k]) for k in keys}}


def has_scene_labels(spec: dict[str, Any]) -> bool:
    """Whether the test set of ``spec`` has SynthScenes class maps (for FCN-scores): only
    rendered scenes do; real registry sets do not."""
    return spec.get("source", "synthscenes") == "synthscenes"


def _fcn_labels(spec: dict[str, Any]):
    """The labels for an FCN-score: SynthScenes street labels -> photo only (what the segmenter
    reads); ``None`` (no FCN-score) for every other task and for real sets."""
    if not has_scene_labels(spec):
        return None
    if spec.get("task") == "labels2photo" and spec.get("view", "street") == "street":
        return scene_labels_for_test(spec)
    return None


def warm_start(trainer, train, config: dict[str, Any]) -> list[float]:
    """Run the configuration's optional ``"warm_start"`` (the generators pretrained as
    auto-encoders, :func:`i2ilib.train.warmstart.autoencoder_warm_start`) on a trainer that has
    not trained yet, and checkpoint it so that a resumed run does not repeat it. Nothing happens
    without the key, or when the run already has a checkpoint (it is resumed instead).

    Returns:
        The warm start's losses, one per step (empty when nothing ran).
    """
    from i2ilib.train.warmstart import autoencoder_warm_start

    spec = config.get("warm_start")
    if not spec or not spec.get("steps"):
        return []
    if trainer.run_dir is not None and trainer.checkpoint_path.exists():
        return []
    losses = autoencoder_warm_start(trainer, train, int(spec["steps"]), lr=spec.get("lr"))
    if trainer.run_dir is not None:
        trainer.save()
    return losses


def train_translation(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train the experiment ``config`` describes; the ``train`` function for ``load_or_train``."""
    parse_experiment(config)  # before anything is built or rendered
    if config["data"]["source"] == "digits":
        return train_digits(config, progress)
    if config["data"]["source"] == "content":
        return train_content(config, progress)
    if config["data"]["source"] == "audio":
        return train_audio_separation(config, progress)
    if config["method"] == "wgan":
        return train_wgan(config, progress)
    if config["data"]["source"] == "zeropair":
        return train_zero_pair(config, progress)
    if config["method"] == "udit":
        return train_udit(config, progress)
    if config["method"] == "sdit":
        return train_sdit(config, progress)
    cfg_cls, trainer_cls = METHODS[config["method"]]
    train, test_A, test_B = build_data(config)
    trainer = trainer_cls(cfg_cls.from_dict(config["trainer"]), run_dir=run_dir_for(config))
    warm_start(trainer, train, config)
    t0 = time.perf_counter()
    trainer.fit(train, progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    metrics = evaluate(trainer, test_A, test_B)
    if config.get("set_metrics"):
        G_AB = trainer.translate if isinstance(trainer, Pix2PixTrainer) else trainer.translate_AB
        metrics["A->B"].update(set_metrics(_translate_all(G_AB, test_A).clamp(-1, 1), test_B,
                                           config["set_metrics"], _fcn_labels(config["data"])))
    if config.get("fcn_scores") and has_scene_labels(config["data"]):
        metrics["fcn"] = scene_fcn_scores(
            _translate_all(trainer.translate_AB, test_A).clamp(-1, 1),
            _translate_all(trainer.translate_BA, test_B).clamp(-1, 1), config["data"])
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    fig = image_grid(trainer.samples({"A": test_A[:n], "B": test_B[:n]}), max_rows=n)
    return Outcome(metrics=metrics, history=trainer.history, generators=trainer.generator_state(),
                   figure=fig, device=trainer.device, wall_time_s=wall)


def get_run(make, scale: str = "book", train: bool = False, progress: bool = False,
            results_dir: str | Path | None = None) -> Run | None:
    """The stored run ``make(scale)`` names, or None. With ``train`` (and always at smoke scale,
    in a temporary folder) it is trained and stored first when missing. ``results_dir``: where
    stored runs are looked up (default: the book's ``results/``). The chapters' modules read
    their runs through this."""
    from i2ilib.results import find_run, load_or_train

    name, config = make(scale)
    if train or scale == "smoke":
        return load_or_train(name, config, partial(train_translation, progress=progress),
                             verbose=progress)
    return find_run(name, config, results_dir)


def cached_beside(make, scale: str, filename: str, version: int, compute,
                  results_dir: str | Path | None = None) -> Any:
    """``compute()``, cached in ``filename`` beside the stored run ``make(scale)`` names
    (:func:`i2ilib.results.cached_result`, checked by its digest), or computed afresh when that
    run is not stored or ``scale`` is smoke (whose runs live in temporary folders). The
    chapters keep their trivial baselines of a seed this way: rendering the seed's test data
    takes seconds, reading the cache none."""
    from i2ilib.results import cached_result

    run = get_run(make, scale, results_dir=results_dir) if scale != "smoke" else None
    if run is None:
        return compute()
    return cached_result(run, filename, version, compute)


def generators_from_run(run: Run) -> dict[str, nn.Module]:
    """The stored generators of a run, built from its configuration, in eval mode on CPU."""
    nets = {}
    for name, state in run.generator_state().items():
        G = generator_from_config(run.config["trainer"], name)
        G.load_state_dict(state)
        nets[name] = G.eval()
    return nets


# --------------------------------------------------------------------------------------------
# Digits: one-shot translation (OST, Benaim & Wolf 2018) and its CycleGAN baseline

#: Handwritten digits held out for testing (the same for every run), and the pool the A
#: training samples are drawn from (every other handwritten digit).
N_HANDWRITTEN_TEST = 500
N_A_POOL = 1797 - N_HANDWRITTEN_TEST
#: The fixed order of the handwritten digits that splits them into test digits and the pool.
_HANDWRITTEN_SPLIT_SEED = 2018
#: Seed of the held-out printed digits on which a Phase I run's reconstructions are scored.
PHASE1_TEST_SEED = 99
#: A digits run stores the losses of every so many steps.
HISTORY_EVERY = 10


def _digit_augmentations():
    from i2ilib.data.augment import Augmentation

    return {
        # the book's: a zoom-and-crop of up to 5 % (about 1.5 px at 32 px) and a rotation of up
        # to 10 degrees, no flip (a mirrored digit is another symbol); edge pixels fill in
        "shift_rotate": Augmentation(zoom=1.1, flip=False, max_rotation=10.0, fill="border"),
        # the authors' MNIST/SVHN script: a flip and at most 0.1 degree of rotation, no crop
        "authors": Augmentation(zoom=1.0, flip=True, max_rotation=0.1, fill="border"),
        "none": None,
    }


#: The augmentations ``P(x)`` and ``P(Lambda)`` a digits specification may name.
DIGIT_AUGMENTATIONS = ("shift_rotate", "authors", "none")


@dataclass(frozen=True)
class Digits:
    """The images of a digits specification: ``A`` ``(n_A, 3, s, s)`` with ``A_labels``, ``B``
    ``(n_B, 3, s, s)`` with ``B_labels`` (never used in training), and the held-out
    ``test_A`` ``(n_test, 3, s, s)`` with ``test_labels``; all in [-1, 1]."""

    A: Tensor
    A_labels: Tensor
    B: Tensor
    B_labels: Tensor
    test_A: Tensor
    test_labels: Tensor


def handwritten_split(size: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(pool, pool_labels, test, test_labels)``: every handwritten digit at ``size`` px as
    ``(N, 3, size, size)`` in [-1, 1], split by one fixed permutation into the
    :data:`N_HANDWRITTEN_TEST` test digits and the :data:`N_A_POOL` others."""
    import numpy as np

    from i2ilib.data.digits import handwritten_digits

    images, labels = handwritten_digits(size)
    x = torch.from_numpy(images).float().div(127.5).sub(1.0).unsqueeze(1).repeat(1, 3, 1, 1)
    y = torch.from_numpy(labels)
    order = torch.from_numpy(np.random.default_rng(_HANDWRITTEN_SPLIT_SEED).permutation(len(x)))
    test, pool = order[:N_HANDWRITTEN_TEST], order[N_HANDWRITTEN_TEST:]
    return x[pool], y[pool], x[test], y[test]


_DIGITS_CACHE: dict[tuple, Digits] = {}


def digits_data(spec: dict[str, Any]) -> Digits:
    """The images a ``"digits"`` data specification names (cached in memory).

    A: ``n_A`` handwritten digits drawn without replacement from the pool
    (:func:`handwritten_split`) by ``numpy.random.default_rng((seed, 9))``, so the one-shot
    sample of seed 0 is a different digit than that of seed 1; ``n_A = N_A_POOL`` is the whole
    pool. B: ``printed_digits(n_B, size, seed)`` (classes balanced). Test: the held-out
    handwritten digits, the first ``n_test`` of them.
    """
    import numpy as np

    from i2ilib.data.digits import printed_digits

    d = parse_data(spec)
    key = (d.size, d.n_A, d.n_B, d.n_test, d.seed)
    if key not in _DIGITS_CACHE:
        pool, pool_labels, test, test_labels = handwritten_split(d.size)
        pick_ = np.random.default_rng((d.seed, 9)).choice(len(pool), d.n_A, replace=False)
        pick_ = torch.from_numpy(np.sort(pick_))
        images, labels = printed_digits(d.n_B, d.size, seed=d.seed)
        B = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        _DIGITS_CACHE[key] = Digits(pool[pick_], pool_labels[pick_], B.contiguous(),
                                    torch.from_numpy(labels), test[:d.n_test],
                                    test_labels[:d.n_test])
    return _DIGITS_CACHE[key]


def digits_dataset(spec: dict[str, Any], with_A: bool = True):
    """The training set of a digits specification: the augmented items ``{"A": s in P(x),
    "B": s in P(Lambda)}`` (``{"B"}`` only without A, OST's Phase I) of
    :class:`i2ilib.data.augment.AugmentedUnpaired`, seeded by the specification's seed. OST and
    its CycleGAN baseline train on the same items."""
    from i2ilib.data.augment import AugmentedUnpaired

    d = parse_data(spec)
    data = digits_data(spec)
    augment = _digit_augmentations()[d.augment]
    return AugmentedUnpaired(data.A if with_A and d.n_A else None, data.B, augment, augment,
                             seed=d.seed, name="digits")


def _half(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Floating-point tensors rounded to float16 (how the digits runs store their weights)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def as_stored(nets: dict[str, dict[str, Tensor]]) -> dict[str, dict[str, Tensor]]:
    """Every network's weights as the store keeps them and gives them back: rounded to float16,
    then float32 again (integer buffers unchanged)."""
    return {k: {n: t.float() if t.is_floating_point() else t for n, t in _half(v).items()}
            for k, v in nets.items()}


def phase1_state(run: Run) -> dict[str, Any]:
    """The state :meth:`i2ilib.train.ost.OSTTrainer.start_from_phase1` takes, rebuilt from a
    stored Phase I run (its ``T_BB`` holds ``E_B^U``, ``E^S``, ``G^S``, ``G_B^U``)."""
    T_BB = run.generator_state()["T_BB"]
    parts = {"E_U": "E_B_U", "E_S": "E_S", "G_S": "G_S", "G_U": "G_B_U"}
    nets: dict[str, dict[str, Tensor]] = {v: {} for v in parts.values()}
    for key, value in T_BB.items():
        prefix, rest = key.split(".", 1)
        nets[parts[prefix]][rest] = value
    return {"trainer": OSTTrainer.__name__, "config": dict(run.config["trainer"]), "nets": nets,
            "global_step": int(run.metrics.get("steps", 0)), "epoch": 0}


def _finished_checkpoint(config: dict[str, Any]) -> dict[str, Any] | None:
    """The last checkpoint of a finished training of ``config`` in its run folder, or None."""
    from i2ilib.train.checkpoint import load_checkpoint

    path = run_dir_for(config) / "checkpoints" / "latest.pt"
    if not path.is_file():
        return None
    state = load_checkpoint(path, map_location="cpu")
    t = config["trainer"]
    if state.get("config") != t or state.get("epoch", 0) < t["n_epochs"] + t["n_epochs_decay"]:
        return None
    return state


def phase1_start(phase1: dict[str, Any], progress: bool = False) -> dict[str, Any]:
    """The Phase I state a Phase II run starts from (``config["phase1"]``: its name and
    configuration), with every weight rounded to float16 as the store keeps it, so a Phase II
    run starts from the same numbers whichever source they come from:

    1. the stored Phase I run's weights (trained and stored first if the run is missing);
    2. where the store kept no weights (a run the book does not show), the finished training
       checkpoint in the run folder (:func:`run_dir_for`);
    3. else Phase I is trained again (stored again without its weights) and 2. applies.
    """
    from i2ibook.catalogue import NOT_KEPT_UNLESS_SHOWN, shown_runs
    from i2ilib.results import load_or_train

    name, config = phase1["name"], phase1["config"]
    drop = () if name in shown_runs(config["scale"]) else NOT_KEPT_UNLESS_SHOWN
    first = load_or_train(name, config, train_translation, verbose=progress, drop_files=drop)
    if first.has_weights:
        state = phase1_state(first)
    else:
        state = _finished_checkpoint(config)
        if state is None:
            load_or_train(name, config, train_translation, retrain=True, verbose=progress,
                          drop_files=drop)
            state = _finished_checkpoint(config)
        if state is None:
            raise RuntimeError(f"Phase I run {name} trained, but its checkpoint in "
                               f"{run_dir_for(config)} is missing.")
        state = {**{k: state[k] for k in ("trainer", "config", "global_step", "epoch")},
                 "nets": {k: state["nets"][k] for k in ("E_B_U", "E_S", "G_S", "G_B_U")}}
    state["nets"] = as_stored(state["nets"])
    return state


def digit_scores(translations: Tensor, labels: Tensor, classifier=None) -> dict[str, Any]:
    """What the printed-digit classifier (:func:`i2ilib.metrics.digitnet.digit_classifier`)
    reads in ``translations`` ``(N, 3, H, W)`` of sources with ``labels``: ``accuracy`` (the
    slides' Fig. 3 measure), ``per_class`` accuracy, the ``predicted`` counts per class, the
    per-image ``predictions`` (for paired comparisons on the same test digits) and ``n``."""
    import numpy as np

    from i2ilib.metrics.digitnet import digit_classifier, digit_probabilities

    net = classifier or digit_classifier()
    pred = digit_probabilities(net, translations.clamp(-1, 1)).argmax(1)
    y = labels.numpy()
    per_class = [float(np.mean(pred[y == k] == k)) if (y == k).any() else None for k in range(10)]
    return {"accuracy": float(np.mean(pred == y)), "per_class": per_class,
            "predicted": np.bincount(pred, minlength=10).tolist(),
            "predictions": pred.tolist(), "n": len(y)}


def train_digits(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train a digits experiment: OST's Phase I (the B auto-encoder), OST's Phase II from its
    stored Phase I run (trained first if missing), or CycleGAN on the same items.

    Metrics: Phase I, the L1 (on [0, 1]) and classifier accuracy of ``T_BB`` on held-out printed
    digits; Phase II and CycleGAN, ``"A->B"``: :func:`digit_scores` of the translations of the
    held-out handwritten test digits, ``"train A->B"``: the same for the n_A training samples,
    and ``"cycle_l1"`` of the test digits.

    Stored (the chapter's results budget): the one translator the chapter uses (``T_BB`` for
    Phase I, ``T_AB`` for Phase II, ``G_AB`` for CycleGAN) with its weights rounded to float16,
    and the losses of every :data:`HISTORY_EVERY`-th step.
    """
    from i2ilib.data.digits import printed_digits

    exp, spec, tcfg = parse_experiment(config)
    data = digits_data(config["data"])
    ost, phase = exp.method == "ost", getattr(tcfg, "phase", 2)
    trainer = METHODS[exp.method][1](tcfg, run_dir=run_dir_for(config))
    if ost and phase == 2:
        trainer.start_from_phase1(phase1_start(exp.phase1, progress))
    t0 = time.perf_counter()
    trainer.fit(digits_dataset(config["data"], with_A=phase == 2), progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    n = config.get("n_show", 6)
    if phase == 1:
        images, labels = printed_digits(spec.n_test, spec.size, seed=PHASE1_TEST_SEED)
        held_out = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        rec = _translate_all(trainer.reconstruct_B, held_out).clamp(-1, 1)
        metrics: dict[str, Any] = {
            "B->B": {"l1": distance_to_truth(rec, held_out)["l1"],
                     **digit_scores(rec, torch.from_numpy(labels))}}
        fig = image_grid(trainer.samples({"B": held_out[:n]}), max_rows=n)
    else:
        fake = _translate_all(trainer.translate_AB, data.test_A).clamp(-1, 1)
        back = _translate_all(trainer.translate_BA, fake).clamp(-1, 1)
        metrics = {"A->B": digit_scores(fake, data.test_labels),
                   "train A->B": digit_scores(_translate_all(trainer.translate_AB, data.A),
                                              data.A_labels),
                   "cycle_l1": distance_to_truth(back, data.test_A)["l1"]}
        fig = image_grid(trainer.samples({"A": data.test_A[:n], "B": data.B[:n]}), max_rows=n)
    metrics["steps"] = trainer.global_step
    # the store keeps the translator the chapter uses, in float16, and every tenth step's losses
    keep = ("T_BB",) if phase == 1 else ("T_AB",) if ost else ("G_AB",)
    state = trainer.generator_state()
    return Outcome(metrics=metrics, history=trainer.history[::HISTORY_EVERY],
                   generators={k: _half(state[k]) for k in keep}, figure=fig,
                   device=trainer.device, wall_time_s=wall)


# --------------------------------------------------------------------------------------------
# Faces: content transfer (Press, Galanti, Benaim & Wolf, ICLR 2019)

#: A content-transfer run stores the losses of every so many steps.
CONTENT_HISTORY_EVERY = 10


def content_data(spec: dict[str, Any]):
    """The :class:`~i2ilib.data.contenttransfer.ContentTransferData` of a ``"content"`` data
    specification. SynthFaces are rendered (with the truth of both tasks); CelebA (paper
    scale) is read through the dataset registry from ``$I2I_DATA`` and has no truth.

    Raises:
        DataLayoutError / DatasetDownloadError: CelebA is missing and could not be downloaded
            (offline, or the drive's quota): the message says where to put it.
    """
    from i2ilib.data.contenttransfer import content_transfer_data

    parse_data(spec)
    if spec.get("dataset", "synthfaces") == "celeba":
        return _celeba_content(spec)
    return content_transfer_data(spec["attribute"], int(spec["n_identities"]),
                                 int(spec["images_per_identity"]), int(spec["size"]),
                                 int(spec["n_test"]), int(spec.get("seed", 0)))


def _celeba_content(spec: dict[str, Any]):
    """CelebA's faces without / with the attribute (train split: the domains; test split: the
    tasks, with guides), center-cropped to 178 px and resized to ``size`` as the reference
    code does. The truth arrays are empty: real photos have no true counterpart."""
    import numpy as np
    import torchvision.transforms as T

    from i2ilib.data.contenttransfer import ContentTransferData
    from i2ilib.data.registry import celeba_torchvision

    registry_folder({"dataset": "celeba"})  # a clear error when it is missing
    size, att, n = int(spec["size"]), spec["attribute"], int(spec.get("n_train", 0))
    tf = T.Compose([T.CenterCrop(178), T.Resize(size)])

    def images(split: str, on: bool, limit: int) -> np.ndarray:
        subset = celeba_torchvision(data_root(), split, where={att: on}, transform=tf)
        k = len(subset) if not limit else min(limit, len(subset))
        return np.stack([np.asarray(subset[i][0], dtype=np.uint8) for i in range(k)])

    n_test = int(spec["n_test"])
    rng = np.random.default_rng(int(spec.get("seed", 0)))
    test_on, test_off = images("test", True, 2 * n_test), images("test", False, n_test)
    empty = np.zeros((0, size, size, 3), np.uint8)
    return ContentTransferData(A=images("train", False, n), B=images("train", True, n),
                               removal_input=test_on[:n_test], removal_truth=empty,
                               transfer_input=test_off,
                               transfer_guide=test_on[rng.integers(0, len(test_on), n_test)],
                               transfer_truth=empty, attribute=att)


def content_scores(trainer, data) -> dict[str, Any]:
    """Removal and guided-transfer scores of a trained content-transfer model: per-image arrays
    (as lists) and means, the trivial baselines of removal and the sanity check (SynthFaces);
    on real faces (no truth) only the attribute classifier's probabilities."""
    import numpy as np

    from i2ibook.chapters import ch10_disentanglement as ch10

    if len(data.removal_truth) == 0:
        probs = {"removal": ch10.attribute_prob(_translate_all(trainer.remove,
                                                               data.tensors("removal_input")),
                                                data.attribute),
                 "transfer": ch10.attribute_prob(trainer.transfer(data.tensors("transfer_input"),
                                                                  data.tensors("transfer_guide")),
                                                 data.attribute)}
        return {k: {"attribute_prob": v.tolist(), "mean": {"attribute_prob": float(v.mean())}}
                for k, v in probs.items()}
    res = ch10.evaluate_trainer(trainer, data)

    def store(scores):
        return {**{k: np.asarray(v).round(7).tolist() for k, v in scores.items()},
                "mean": ch10.summary(scores)}

    return {"removal": store(res["removal"]), "transfer": store(res["transfer"]),
            "baselines": {k: store(v) for k, v in res["baselines"].items()},
            "sanity": res["sanity"], "passes": res["passes"]}


def train_content(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train a content-transfer configuration and score it (:func:`content_scores`). Stored:
    the model ``AE`` (``e1``, ``e2``, ``g``) in float16 and every
    :data:`CONTENT_HISTORY_EVERY`-th step's losses."""
    _, spec, tcfg = parse_experiment(config)
    data = content_data(config["data"])
    trainer = ContentTransferTrainer(tcfg, run_dir=run_dir_for(config))
    train = TensorPairDataset(data.A, data.B, paired=False, flip=spec.flip, seed=spec.seed)
    t0 = time.perf_counter()
    trainer.fit(train, progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    metrics = content_scores(trainer, data)
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    a, b = data.tensors("transfer_input")[:n], data.tensors("removal_input")[:n]
    fig = image_grid(trainer.samples({"A": a, "B": b}), max_rows=n)
    return Outcome(metrics=metrics, history=trainer.history[::CONTENT_HISTORY_EVERY],
                   generators={"AE": _half(trainer.generator_state()["AE"])}, figure=fig,
                   device=trainer.device, wall_time_s=wall)


# --------------------------------------------------------------------------------------------
# Audio separation as content transfer on spectrograms (chapter 10, Benaim & Wolf's slides)


def audio_data(spec: dict[str, Any]):
    """The :class:`~i2ilib.data.audio_mixtures.AudioSeparationData` of an ``"audio"`` data
    specification: unmatched instrumental clips (A), mixtures (B), test mixtures with their
    truth."""
    from i2ilib.data.audio_mixtures import audio_separation_data

    parse_data(spec)
    return audio_separation_data(int(spec["n_train"]), int(spec["n_test"]),
                                 int(spec.get("seed", 0)))


def audio_separation_scores(remove: Callable[[Tensor], Tensor], data) -> dict[str, Any]:
    """SI-SDR (dB) of the voice estimates on the test mixtures: the model's (the mixture's
    magnitude minus the removal ``remove`` gives in spectrogram space) and those of
    :func:`i2ilib.metrics.separation.separation_baselines`, per clip (lists) with their
    means."""
    import numpy as np

    from i2ilib.metrics.separation import separation_baselines, si_sdr, voice_from_translator

    test = data.test
    scores = {"model": si_sdr(voice_from_translator(remove, test.mixtures), test.voices),
              **separation_baselines(test.mixtures, test.voices, test.backgrounds,
                                     data.backgrounds)}
    return {"si_sdr": {k: np.asarray(v).round(4).tolist() for k, v in scores.items()},
            "mean_si_sdr": {k: float(np.mean(v)) for k, v in scores.items()}}


def train_audio_separation(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Content transfer on spectrograms (A: unmatched instrumental clips, B: mixtures), the
    voice estimated by subtracting the removal ``g(e1(b), 0)`` from the mixture in magnitude
    space (:func:`audio_separation_scores`). Stored: ``AE`` in float16, every
    :data:`CONTENT_HISTORY_EVERY`-th step's losses, and a grid of test spectrograms."""
    from i2ilib.data.spectrogram import spectrogram_image

    _, _, tcfg = parse_experiment(config)
    data = audio_data(config["data"])
    trainer = ContentTransferTrainer(tcfg, run_dir=run_dir_for(config))
    train = TensorPairDataset(spectrogram_image(data.backgrounds),
                              spectrogram_image(data.mixtures), paired=False, flip=False,
                              seed=int(config["data"].get("seed", 0)))
    t0 = time.perf_counter()
    trainer.fit(train, progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    metrics = audio_separation_scores(trainer.remove, data)
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    mixtures = spectrogram_image(data.test.mixtures[:n])
    fig = image_grid({"mixture": mixtures, "removal g(e1(b), 0)": trainer.remove(mixtures),
                      "true background": spectrogram_image(data.test.backgrounds[:n]),
                      "true voice": spectrogram_image(data.test.voices[:n])}, max_rows=n)
    return Outcome(metrics=metrics, history=trainer.history[::CONTENT_HISTORY_EVERY],
                   generators={"AE": _half(trainer.generator_state()["AE"])}, figure=fig,
                   device=trainer.device, wall_time_s=wall)


# --------------------------------------------------------------------------------------------
# One image domain for an unconditional GAN: TransferGAN (Wang et al. 2018, thesis chapter 2)

#: The embedded domains of ``"imageset"`` data: SynthScenes street photos by day and the same
#: kind of scenes at night, SynthFaces, coloured objects (the SDIT colours) and printed digits.
IMAGE_DOMAINS = ("scenes_day", "scenes_night", "faces", "faces_accessories", "objects",
                 "digits_printed", "celeba")
#: SynthFaces' attribute probabilities of the ``"faces_accessories"`` domain: every face wears
#: glasses and a hat (8 % of the default faces wear a hat, 30 % glasses).
FACES_ACCESSORIES = {"Eyeglasses": 1.0, "Wearing_Hat": 1.0}
#: Each domain draws the training images of seed ``s`` from its own seeds ``offset + s``, so no
#: two domains share a scene layout, a face or an object (the day and night renderings of one
#: scene are the same layout: a source run by day must not see the target's scenes).
_DOMAIN_OFFSETS = {"scenes_day": 1000, "scenes_night": 2000, "faces": 3000,
                   "faces_accessories": 6000, "objects": 4000, "digits_printed": 5000,
                   "celeba": 0}
#: The seed of every domain's held-out test images (scenes: the "test" split instead).
IMAGE_TEST_SEED = 999
#: Seed of the noise of the samples a WGAN run is scored on (the same for every run).
SAMPLE_SEED = 2018
#: The independent Wasserstein critic (IW, thesis eq. 2.6) of a WGAN run: its critic's width and
#: steps (cut to book size; the thesis gives no schedule).
IW_NDF, IW_STEPS = 8, 200

_IMAGE_CACHE: dict[tuple, Tensor] = {}


def _u8_to_tensor(images) -> Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous()


def _render_domain(domain: str, n: int, size: int, seed: int, test: bool) -> Tensor:
    import numpy as np

    key = (domain, n, size, seed, test)
    if key in _IMAGE_CACHE:
        return _IMAGE_CACHE[key]
    if domain in ("scenes_day", "scenes_night"):
        from i2ilib.data.synthscenes import render_scenes

        scenes = render_scenes(n, size, seed=0 if test else seed, split="test" if test else "train")
        images = scenes["photo" if domain == "scenes_day" else "night"]
    elif domain in ("faces", "faces_accessories"):
        from i2ilib.data.synthfaces import make_synthfaces

        probs = FACES_ACCESSORIES if domain == "faces_accessories" else None
        images = make_synthfaces(n, 1, size, seed=seed,
                                 attribute_probs=probs).images
    elif domain == "objects":
        from i2ilib.data.objects import SDIT_DOMAINS, colour_objects

        per = -(-n // len(SDIT_DOMAINS))
        images = colour_objects(per, size=size, seed=seed)["images"]
        images = images[np.random.default_rng(seed).permutation(len(images))[:n]]
    elif domain == "digits_printed":
        from i2ilib.data.digits import printed_digits

        images = printed_digits(n, size, seed=seed)[0]
    elif domain == "celeba":
        images = _celeba_images(n, size, seed, test)
    else:
        raise ValueError(f"Unknown image domain {domain!r}: choose one of "
                         f"{', '.join(IMAGE_DOMAINS)}.")
    _IMAGE_CACHE[key] = _u8_to_tensor(np.ascontiguousarray(images))
    return _IMAGE_CACHE[key]


def _celeba_images(n: int, size: int, seed: int, test: bool):
    """CelebA's aligned faces (paper scale: the thesis's CelebA source) from the registry's
    folder: the central 108x108 crop resized to ``size``; test images are the last files,
    training images a draw of ``seed`` from the others. Offline and without the set, the
    registry's error names the folder to fill and the files it needs."""
    import numpy as np
    from PIL import Image

    folder = registry_folder({"source": "registry", "dataset": "celeba"})
    files = sorted((folder / "img_align_celeba").glob("*.jpg"))
    if len(files) < 2 * n:
        raise ValueError(f"CelebA in {folder} holds {len(files)} images; {2 * n} are needed.")
    pool = files[-n:] if test else [files[i] for i in np.random.default_rng(seed).choice(
        len(files) - 10_000, n, replace=False)]
    out = np.empty((n, size, size, 3), np.uint8)
    for i, f in enumerate(pool):
        im = Image.open(f).convert("RGB")
        w, h = im.size
        box = ((w - 108) // 2, (h - 108) // 2, (w + 108) // 2, (h + 108) // 2)
        out[i] = np.asarray(im.crop(box).resize((size, size), Image.BICUBIC))
    return out


def image_domain(spec: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """``(train, test)``: the ``n_train`` training images of an ``"imageset"`` specification
    (those of its seed) and its ``n_test`` held-out images (the same for every seed), each
    ``(N, 3, size, size)`` in [-1, 1], rendered once per process."""
    d = parse_data(spec)
    train = _render_domain(d.domain, d.n_train, d.size, _DOMAIN_OFFSETS[d.domain] + d.seed, False)
    test = _render_domain(d.domain, d.n_test, d.size, IMAGE_TEST_SEED, True)
    return train, test


def image_features(images: Tensor):
    """The ``synthcnn-v1-d192`` features (float64 numpy) of images in [-1, 1] for FD."""
    from i2ilib.metrics import extract_features

    return extract_features(_set_metric_extractor("synthcnn-v1-d192"), images,
                            progress=False).double().numpy()


def trivial_generators(train: Tensor, n: int, seed: int = 0) -> dict[str, Tensor]:
    """The pilot's trivial generators (``n`` images each, [-1, 1]) a GAN must beat:
    ``"mean_noise"``, the training set's mean image plus per-pixel Gaussian noise with the
    training set's per-pixel std; ``"blur"``, training images (cycled) blurred by a Gaussian of
    sigma 1.5 px."""
    from torchvision.transforms.functional import gaussian_blur

    g = torch.Generator().manual_seed(seed)
    mean, std = train.mean(0, keepdim=True), train.std(0, keepdim=True)
    noise = (mean + std * torch.randn(n, *train.shape[1:], generator=g)).clamp(-1, 1)
    picks = train[torch.arange(n) % len(train)]
    return {"mean_noise": noise, "blur": gaussian_blur(picks, kernel_size=7, sigma=1.5)}


def set_fd(images: Tensor, reference_features) -> float:
    """Fréchet distance (``synthcnn-v1-d192``) between images and reference features."""
    from i2ilib.metrics import distribution

    return float(distribution.frechet_distance(reference_features, image_features(images)))


def wgan_source_state(pretrained: dict[str, Any], progress: bool = False) -> dict[str, Any]:
    """The state a TransferGAN run starts from: the stored source run ``pretrained``
    (``{"name", "config"}``; trained and stored first if missing) with its ``G`` and ``D`` as
    the store keeps them (float16, read back as float32), in the form
    :meth:`i2ilib.train.wgan.WGANTrainer.start_from_pretrained` takes."""
    from i2ilib.results import load_or_train

    run = load_or_train(pretrained["name"], pretrained["config"], train_translation,
                        verbose=progress)
    nets = run.generator_state()
    return {"trainer": WGANTrainer.__name__, "config": dict(run.config["trainer"]),
            "nets": {k: nets[k] for k in ("G", "D")}, "global_step": int(run.metrics["steps"]),
            "epoch": 0}


def train_wgan(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train a WGAN-GP on one image domain, from scratch or from a stored source run
    (``config["pretrained"]``, the generator and/or critic as ``pretrained_G``/``pretrained_D``
    say), and score it.

    Metrics: ``"fd"``, the Fréchet distance (``synthcnn-v1-d192``) between ``n_test`` samples
    and the held-out test images; ``"fd_curve"``, the same every ``config["fd_every"]`` steps
    (step 0 included: where a pretrained run starts); ``"iw"``, the independent Wasserstein
    critic's estimate (eq. 2.6; lower = closer; the thesis's tables print ``-iw``); and, for the
    pilot, ``"baselines"``: the FD of :func:`trivial_generators` and of the training images
    themselves (``"train_set"``, the lower bound of thesis Table 2.2).

    Stored: ``G`` and ``D`` in float16 (a source run's critic is what a TransferGAN run takes
    over), every tenth step's losses, a grid of samples beside training images.
    """
    import json

    from i2ilib.metrics.wasserstein_critic import independent_wasserstein_images

    exp, _, tcfg = parse_experiment(config)
    train, test = image_domain(config["data"])
    trainer = WGANTrainer(tcfg, run_dir=run_dir_for(config))
    if exp.pretrained is not None and not trainer.checkpoint_path.exists():
        trainer.start_from_pretrained(wgan_source_state(exp.pretrained, progress))
    dataset = ImageSet(train)
    total = trainer.total_epochs * trainer.batches_per_epoch(len(dataset))
    every = exp.fd_every or total
    f_test = image_features(test)
    n = len(test)

    def score() -> float:
        return set_fd(trainer.generate(n, generator=torch.Generator().manual_seed(SAMPLE_SEED)),
                      f_test)

    trainer.run_dir.mkdir(parents=True, exist_ok=True)
    curve_path = trainer.run_dir / "fd_curve.json"
    curve = json.loads(curve_path.read_text()) if curve_path.exists() else []
    t0 = time.perf_counter()
    goals = [0, *range(every, total, every), total]
    for goal in goals:
        if curve and curve[-1]["step"] >= goal:
            continue
        if goal:
            trainer.fit(dataset, max_steps=goal, progress=progress)
        curve.append({"step": trainer.global_step, "fd": score()})
        curve_path.write_text(json.dumps(curve))
    fake = trainer.generate(n, generator=torch.Generator().manual_seed(SAMPLE_SEED))
    iw_steps = IW_STEPS if exp.scale != "smoke" else 10
    iw = independent_wasserstein_images(test, fake, ndf=IW_NDF, seed=0, n_steps=iw_steps)
    baselines = {k: set_fd(v, f_test) for k, v in trivial_generators(train, n).items()}
    baselines["train_set"] = set_fd(train, f_test)
    wall = time.perf_counter() - t0
    metrics = {"fd": curve[-1]["fd"], "fd_curve": curve, "iw": float(iw.value),
               "baselines": baselines, "steps": trainer.global_step, "n_samples": n,
               "iw_steps": iw_steps,
               "extractor": "synthcnn-v1-d192"}
    k = config.get("n_show", 6)
    fig = image_grid({"training images": train[:k], "samples": fake[:k]}, max_rows=k)
    state = trainer.generator_state()
    nets = {**{k: _half(v) for k, v in state.items()}, "D": _half(trainer.D.state_dict())}
    return Outcome(metrics=metrics, history=trainer.history[::HISTORY_EVERY], generators=nets,
                   figure=fig, device=trainer.device, wall_time_s=wall)


# --------------------------------------------------------------------------------------------
# Zero-pair translation: mix and match networks (Wang 2020, thesis chapter 4)

#: The weight of the second modality in multi-modal translation (Section 4.6.2, alpha = 0.2).
MULTIMODAL_ALPHA = 0.2
#: The parts a zero-pair run keeps (float16): the two unseen translators ``T_DS = g_S o f_D``
#: and ``T_SD = g_D o f_S``, and ``f_R`` for the pooling-index comparison.
ZERO_PAIR_KEEP = ("f_R", "f_D", "g_S", "f_S", "g_D")
#: Chapter 13's baselines (Section 4.6.2, "Baselines"), trained on the same zero-pair sets and
#: scored on the unseen pair; a 2x pix2pix or CycleGAN run keeps all its generators.
ZERO_PAIR_BASELINE_METHODS = ("zp-2xpix2pix", "zp-cyclegan")
#: The StarGAN baselines of Tables 4.4-4.5 (:mod:`i2ilib.train.stargan_modalities`); they keep
#: their one shared generator ``G``.
ZERO_PAIR_STARGAN_METHODS = ("zp-stargan-unpaired", "zp-stargan-paired")
ZERO_PAIR_STARGAN_KEEP = ("G",)


def zero_pair_data(spec: dict[str, Any], oracle: bool = False):
    """``(train_dataset, scenes)`` of a ``"zeropair"`` data specification: SynthScenes
    (:func:`i2ilib.data.zeropair.zero_pair_scenes`) or, with ``dataset = "sunrgbd"``, the
    registry's prepared SUN RGB-D below :func:`data_root`
    (:func:`i2ilib.data.sunrgbd.sunrgbd_zero_pair`; a clear error says how to prepare it when
    it is not there).

    ``oracle``: the training set of the oracle instead, the same ``2 n_train`` training scenes
    with their true (depth, segmentation) pairs (item ``i`` of the dataset holds the labels and
    the depth of one scene); ``scenes.oracle`` holds those pairs either way when ``oracle``.
    """
    from i2ilib.data.zeropair import ZeroPairDataset, zero_pair_scenes

    args = dict(n_train=spec["n_train"], n_test=spec["n_test"], size=spec["size"],
                seed=spec["seed"], depth_encoding=spec["depth_encoding"], with_oracle=oracle)
    if spec.get("dataset", "synthscenes") == "sunrgbd":
        from i2ilib.data.registry import get_dataset
        from i2ilib.data.sunrgbd import sunrgbd_zero_pair

        scenes = sunrgbd_zero_pair(get_dataset("sunrgbd", data_root(), download=False), **args)
    else:
        scenes = zero_pair_scenes(**args)
    if not oracle:
        return scenes.train_dataset(), scenes
    rgb = torch.cat([scenes.rs["R"], scenes.rd["R"]])
    return (ZeroPairDataset({"R": rgb, "S": scenes.oracle["S"]}, {"R": rgb, "D": scenes.oracle["D"]}),
            scenes)


def _agreement(a: tuple[Tensor, ...], b: tuple[Tensor, ...]) -> list[float]:
    """Per level: the share of pooling windows (every channel) where two encoders picked the
    same position."""
    return [float((x == y).float().mean()) for x, y in zip(a, b, strict=True)]


def _cosine(a: Tensor, b: Tensor) -> float:
    """Mean over images of the cosine similarity of two ``(N, ...)`` feature tensors (eq. 4.16's
    alignment factor when they are latent codes)."""
    a, b = a.flatten(1).double(), b.flatten(1).double()
    return float(torch.nn.functional.cosine_similarity(a, b, dim=1).mean())


def side_information_statistics(trainer, test: dict[str, Tensor]) -> dict[str, Any]:
    """What each encoder hands to a decoder, compared across modalities on the same test
    scenes (the thesis's explanation of Table 4.2, Section 4.6.2):

    * ``"indices"``: per level, the share of pooling windows where two encoders chose the same
      position, for the pairs ``RD``, ``RS``, ``DS`` of one scene and ``shuffled`` (``f_R`` of
      one scene against ``f_D`` of another; chance is 1/4);
    * ``"features"``: per level, the cosine similarity of the features before the pooling (what a
      skip connection carries), the same pairs;
    * ``"code"``: the cosine similarity of the latent codes ``h`` (eq. 4.16's alignment factors
      ``AF_RD``, ``AF_RS``, ``AF_DS``), the same pairs.
    """
    lat = {m: trainer.latents(m, test[m]) for m in ("R", "D", "S")}
    roll = torch.roll(torch.arange(len(test["R"])), 1)
    other = lat["D"]
    out: dict[str, Any] = {"indices": {}, "features": {}, "code": {}}
    for name, (a, b) in {"RD": ("R", "D"), "RS": ("R", "S"), "DS": ("D", "S")}.items():
        out["indices"][name] = _agreement(lat[a].indices, lat[b].indices)
        out["features"][name] = [_cosine(x, y) for x, y in zip(lat[a].features, lat[b].features)]
        out["code"][name] = _cosine(lat[a].h, lat[b].h)
    out["indices"]["shuffled"] = _agreement(lat["R"].indices, tuple(i[roll] for i in other.indices))
    out["features"]["shuffled"] = [_cosine(x, y[roll]) for x, y in
                                   zip(lat["R"].features, other.features)]
    out["code"]["shuffled"] = _cosine(lat["R"].h, other.h[roll])
    return out


def _zero_pair_scorers(scenes) -> tuple[Callable[[Tensor], dict[str, Any]],
                                          Callable[[Tensor], dict[str, float]]]:
    """``(seg, depth)``: segmentation scores (``N x K x H x W`` class scores -> global accuracy,
    mean class accuracy, mIoU, per-class IoU) and depth scores (``N x 1 x H x W`` encoded depth ->
    eq. 4.15's measures in metres) against the test scenes' truth."""
    import numpy as np

    from i2ilib.data.zeropair import decode_depth
    from i2ilib.metrics.depth import depth_scores
    from i2ilib.metrics.segmentation import segmentation_scores

    test, k, enc, span = scenes.test, scenes.n_classes, scenes.depth_encoding, scenes.depth_range

    def seg(scores: Tensor) -> dict[str, Any]:
        s = segmentation_scores(scores.argmax(1), test["S"], k)
        return {"global_acc": s["global_acc"], "class_acc": s["class_acc"],
                "mean_iou": s["mean_iou"],
                "class_iou": [None if np.isnan(v) else float(v) for v in s["class_iou"]]}

    def depth(out: Tensor) -> dict[str, float]:
        d = depth_scores(decode_depth(out[:, 0], enc, span), test["depth_m"])
        return {key: v for key, v in d.items() if key != "n_valid"}

    return seg, depth


def zero_pair_translation_scores(trainer, scenes, seen: bool = True) -> dict[str, Any]:
    """The measures of :func:`zero_pair_scores` that need nothing but ``trainer.translate(source,
    target, x)``: the unseen ``"D->S"``, ``"S->D"`` and, with ``seen``, the seen ``"R->S"``,
    ``"R->D"`` and the cascades through RGB ``"D->R->S"``, ``"S->R->D"`` (any zero-pair
    translator, M&MNets or a baseline)."""
    seg, depth = _zero_pair_scorers(scenes)
    test, t = scenes.test, trainer.translate
    out = {"D->S": seg(t("D", "S", test["D"])), "S->D": depth(t("S", "D", test["S"]))}
    if seen:
        out.update({"R->S": seg(t("R", "S", test["R"])), "R->D": depth(t("R", "D", test["R"])),
                    "D->R->S": seg(t("R", "S", t("D", "R", test["D"]))),
                    "S->R->D": depth(t("R", "D", t("S", "R", test["S"])))})
    return out


def zero_pair_scores(trainer, scenes) -> dict[str, Any]:
    """Tables 4.4-4.5's measures of a trained M&MNets (or oracle, or a baseline of
    :data:`ZERO_PAIR_BASELINE_METHODS`: only ``"D->S"`` and ``"S->D"``) on the test scenes, whose
    three modalities are all known: ``"D->S"`` (global accuracy, mean class accuracy, mIoU,
    per-class IoU), ``"S->D"`` (eq. 4.15 over every test pixel, metres), the seen translations
    ``"R->S"``, ``"R->D"``, the cascades through RGB ``"D->R->S"``, ``"S->R->D"`` (Table 4.4's
    "M&M Nets D -> R -> S"), the multi-modal ``"RD->S"``, ``"RS->D"`` (alpha
    :data:`MULTIMODAL_ALPHA`, the RGB encoder's side information) and
    :func:`side_information_statistics` under ``"side"``."""
    if not isinstance(trainer, MMNetTrainer):  # 2x pix2pix or CycleGAN: the unseen pair only
        return zero_pair_translation_scores(trainer, scenes, seen=False)
    seg, depth = _zero_pair_scorers(scenes)
    test = scenes.test
    return {**zero_pair_translation_scores(trainer, scenes),
            "RD->S": seg(trainer.translate_multimodal("R", test["R"], "D", test["D"], "S",
                                                      MULTIMODAL_ALPHA)),
            "RS->D": depth(trainer.translate_multimodal("R", test["R"], "S", test["S"], "D",
                                                        MULTIMODAL_ALPHA)),
            "side": side_information_statistics(trainer, test)}


def train_zero_pair(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train M&MNets (``method = "mmnets"``), its oracle (``"mmnets-oracle"``) or a baseline
    (:data:`ZERO_PAIR_BASELINE_METHODS`) on the zero-pair sets of ``config["data"]`` and score
    it with :func:`zero_pair_scores` (the StarGAN baselines, :data:`ZERO_PAIR_STARGAN_METHODS`:
    with :func:`zero_pair_translation_scores`).

    Stored (the chapter's results budget): the parts :data:`ZERO_PAIR_KEEP` in float16, the
    losses of every :data:`HISTORY_EVERY`-th step, the test scenes' translations as a grid.
    """
    exp, _, tcfg = parse_experiment(config)
    train, scenes = zero_pair_data(config["data"], oracle=exp.method == "mmnets-oracle")
    trainer = METHODS[exp.method][1](tcfg, run_dir=run_dir_for(config))
    t0 = time.perf_counter()
    trainer.fit(train, progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    if exp.method in ZERO_PAIR_STARGAN_METHODS:  # one shared translator: no codes to mix
        metrics = zero_pair_translation_scores(trainer, scenes)
    else:
        metrics = zero_pair_scores(trainer, scenes)
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    test = scenes.test
    fig = image_grid(trainer.samples({"R_RS": test["R"][:n], "S": test["S"][:n],
                                      "R_RD": test["R"][:n], "D": test["D"][:n]}), max_rows=n)
    state = trainer.generator_state()
    if exp.method in ZERO_PAIR_STARGAN_METHODS:
        keep = ZERO_PAIR_STARGAN_KEEP
    else:
        keep = ZERO_PAIR_KEEP if isinstance(trainer, MMNetTrainer) else trainer.generator_names
    return Outcome(metrics=metrics, history=trainer.history[::HISTORY_EVERY],
                   generators={k: _half(state[k]) for k in keep}, figure=fig,
                   device=trainer.device, wall_time_s=wall)


# --------------------------------------------------------------------------------------------
# Biases in diverse translation: UDIT (Wang 2020, thesis chapter 5)


def udit_data(spec: dict[str, Any]):
    """``(data, h_net, judge, accuracies)`` of a ``"biasedfaces"`` data specification: the
    biased faces (:func:`i2ilib.data.biasedfaces.biased_faces`), the hair-colour classifier
    whose reduced layer is the semantic extractor ``h`` and the judge of the translations' hair
    colour (:func:`i2ibook.chapters.ch14_udit.hair_networks`), with their accuracies on each
    other's set."""
    from i2ibook.chapters import ch14_udit as ch14
    from i2ilib.data.biasedfaces import biased_faces

    parse_data(spec)
    data = biased_faces(spec["n_A"], spec["n_B"], spec["n_test"], spec["size"],
                        spec.get("bias", 0.9), spec.get("seed", 0))
    h_net, judge, acc = ch14.hair_networks(spec["size"], spec.get("n_hair", 2000),
                                           spec.get("seed", 0), spec.get("hair_steps", 400))
    return data, h_net, judge, acc


def train_udit(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train MUNIT (``semantic_constraint`` off) or UDIT (on: ``h`` is the hair classifier's
    reduced ``1 x 1 x D`` layer, frozen) on the biased faces and score it
    (:func:`i2ibook.chapters.ch14_udit.score_udit`). Stored: both auto-encoders in float16, the
    losses of every :data:`HISTORY_EVERY`-th step, the test faces' translations as a grid."""
    from i2ibook.chapters import ch14_udit as ch14

    _, spec, tcfg = parse_experiment(config)
    data, h_net, judge, acc = udit_data(config["data"])
    trainer = UDITTrainer(tcfg, run_dir=run_dir_for(config),
                          semantic_extractor=h_net.extractor if tcfg.semantic_constraint else None)
    train = TensorPairDataset(data.tensors("A"), data.tensors("B"), paired=False, flip=spec.flip,
                              seed=spec.seed)
    t0 = time.perf_counter()
    trainer.fit(train, progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    metrics = ch14.score_udit(trainer, data, judge, seed=spec.seed)
    metrics["hair_networks"] = acc
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    fig = image_grid(trainer.samples({"A": data.tensors("test")[:n], "B": data.tensors("B")[:n]}),
                     max_rows=n)
    state = trainer.generator_state()
    return Outcome(metrics=metrics, history=trainer.history[::HISTORY_EVERY],
                   generators={k: _half(state[k]) for k in state}, figure=fig,
                   device=trainer.device, wall_time_s=wall)


# Scalable and diverse translation: SDIT (Wang 2020, thesis chapter 6)

#: Outputs per (test face, target domain) for the diversity score (the thesis draws 10).
SDIT_STYLES = 4
#: Seed of the latent codes drawn at test time (the same for every run).
SDIT_TEST_SEED = 2020


def sdit_data(spec: dict[str, Any]):
    """The :class:`i2ilib.data.multidomain.MultiDomainFaces` of a ``"multidomain"`` spec."""
    from i2ilib.data.multidomain import hair_colour_faces

    return hair_colour_faces(spec["n_train"], spec["n_test"], spec["size"], spec["seed"])


def sdit_targets(test_y: Tensor, n_domains: int) -> tuple[Tensor, Tensor]:
    """Every (test face, target domain) pair with the target unlike the face's own domain:
    ``(face indices, targets)``, each ``(N (C - 1),)``, face by face."""
    faces, targets = [], []
    for i, s in enumerate(test_y.tolist()):
        for t in range(n_domains):
            if t != s:
                faces.append(i)
                targets.append(t)
    return torch.tensor(faces), torch.tensor(targets)


@torch.no_grad()
def multidomain_scores(outputs: Tensor, faces: Tensor, targets: Tensor, data,
                       identity_net: nn.Module | None = None) -> dict[str, Any]:
    """Scores of ``outputs`` ``(M, K, 3, S, S)``: ``K`` translations of test face ``faces[m]``
    to domain ``targets[m]``.

    * ``"mse_truth"``: mean squared error to the truth (the face rendered in the target domain);
    * ``"target_accuracy"``: the share of outputs whose nearest rendering of their face (mean
      squared error, over the ``C`` domains) is the target's;
    * ``"id_distance"``: the Euclidean distance between the identity embeddings (``synthid``, unit
      vectors) of input and output, the thesis's ID distance (Section 6.4.2) with the book's
      identity network in place of VGGFace;
    * ``"accuracy_by_target"``: ``target_accuracy`` per target domain.
    """
    from i2ilib.metrics.identity import synthfaces_identity_embedder

    m, k = outputs.shape[:2]
    truth_all = data.truth[faces]                                      # (M, C, 3, S, S)
    err = ((outputs[:, :, None] - truth_all[:, None]) ** 2).mean(dim=(3, 4, 5))  # (M, K, C)
    mse = err.gather(2, targets.view(m, 1, 1).expand(m, k, 1)).squeeze(2)
    hit = (err.argmin(dim=2) == targets.view(m, 1)).float()
    net = identity_net if identity_net is not None else synthfaces_identity_embedder()
    e_in = net(data.test_x[faces])
    e_out = net(outputs.flatten(0, 1).clamp(-1, 1)).view(m, k, -1)
    idd = (e_out - e_in[:, None]).norm(dim=2)
    by_target = {data.domains[t]: float(hit[targets == t].mean()) for t in targets.unique().tolist()}
    return {"mse_truth": float(mse.mean()), "target_accuracy": float(hit.mean()),
            "id_distance": float(idd.mean()), "accuracy_by_target": by_target}


@torch.no_grad()
def sdit_scores(trainer, data, n_styles: int = SDIT_STYLES) -> dict[str, Any]:
    """:func:`multidomain_scores` of ``n_styles`` translations per (test face, other domain) and
    their ``"diversity"``: the mean LPIPS-style distance between every two translations of one
    face to one domain (:func:`i2ilib.metrics.perceptual.pairwise_diversity`; Tables 6.1-6.2's
    LPIPS column), with ``"diversity_distance"`` naming the distance: always the offline
    LPIPS-style distance on the book's ``synthcnn`` features, so that a run scores the same
    wherever it is trained."""
    from i2ilib.metrics.perceptual import LPIPSStyleDistance, pairwise_diversity
    from i2ilib.metrics.synthnet import synth_feature_extractor

    faces, targets = sdit_targets(data.test_y, data.n_domains)
    g = torch.Generator().manual_seed(SDIT_TEST_SEED)
    x = data.test_x[faces]
    outputs = torch.stack([torch.cat([trainer.translate(x[s:s + 64], targets[s:s + 64],
                                                        generator=g)
                                      for s in range(0, len(x), 64)])
                           for _ in range(n_styles)], dim=1)
    scores = multidomain_scores(outputs, faces, targets, data)
    div = pairwise_diversity(outputs, LPIPSStyleDistance(synth_feature_extractor()))
    scores.update(diversity=div.value, diversity_distance=div.extractor)
    return scores


def sdit_warm_start(trainer, data, steps: int, lr: float | None = None) -> list[float]:
    """Train SDIT's generator to reproduce each training face in its own domain,
    ``L1(G(E(x, l_sc), M(z)), x)`` with ``z ~ N(0, I)``, for ``steps`` steps of the trainer's batch
    size, with an Adam optimiser of its own (the trainer's learning rate and betas unless ``lr``
    is given): the book-scale warm start of chapter 15 (:mod:`i2ilib.train.warmstart` does the
    same for two-domain generators). The trainer's optimisers, step counter and the global random
    state are left as they were. Returns the L1 loss of every step."""
    c = trainer.config
    if trainer.global_step > 0:
        raise ValueError("A warm start must come before the first training step.")
    if steps <= 0:
        return []
    g = torch.Generator().manual_seed(c.seed)
    net = trainer.SDIT
    opt = torch.optim.Adam(net.parameters(), lr=lr or c.lr, betas=(c.beta1, c.beta2))
    losses = []
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(len(data.train_x), (c.batch_size,), generator=g)
        x, labels = data.train_x[idx].to(trainer.device), data.train_y[idx].to(trainer.device)
        z = torch.randn(len(idx), c.z_dim, generator=g).to(trainer.device)
        loss = torch.nn.functional.l1_loss(net(x, labels, z), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    trainer.wall_time = (trainer.wall_time or 0.0) + time.perf_counter() - t0
    return losses


def train_sdit(config: dict[str, Any], progress: bool = True) -> Outcome:
    """Train SDIT on the multi-domain faces of ``config["data"]`` and score it with
    :func:`sdit_scores`. Stored: the generator in float16, the losses of every
    :data:`HISTORY_EVERY`-th step, the first test faces translated to every domain as a grid."""
    _, _, tcfg = parse_experiment(config)
    data = sdit_data(config["data"])
    trainer = SDITTrainer(tcfg, run_dir=run_dir_for(config))
    warm = config.get("warm_start")
    if warm and not (trainer.run_dir is not None and trainer.checkpoint_path.exists()):
        sdit_warm_start(trainer, data, int(warm["steps"]), warm.get("lr"))
        if trainer.run_dir is not None:
            trainer.save()
    t0 = time.perf_counter()
    trainer.fit(ImageSet(data.train_x, data.train_y), progress=progress)
    wall = trainer.wall_time or (time.perf_counter() - t0)
    metrics = sdit_scores(trainer, data)
    metrics["steps"] = trainer.global_step
    n = config.get("n_show", 6)
    fig = image_grid(trainer.samples({"x": data.test_x[:n]}), max_rows=n)
    state = trainer.generator_state()
    return Outcome(metrics=metrics, history=trainer.history[::HISTORY_EVERY],
                   generators={k: _half(v) for k, v in state.items()}, figure=fig,
                   device=trainer.device, wall_time_s=wall)
