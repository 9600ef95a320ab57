"""The official pretrained generators on the real test sets they were trained for.

The reference pix2pix/CycleGAN code publishes trained generators, fetched with its scripts::

    bash ./scripts/download_pix2pix_model.sh facades_label2photo
    # -> ./checkpoints/facades_label2photo_pretrained/latest_net_G.pth
    bash ./scripts/download_cyclegan_model.sh horse2zebra
    # -> ./checkpoints/horse2zebra_pretrained/latest_net_G.pth

and its datasets with ``bash ./datasets/download_pix2pix_dataset.sh facades`` /
``bash ./datasets/download_cyclegan_dataset.sh horse2zebra`` (or, here,
``i2ilib.data.registry.get_dataset(name, root)``). :func:`official_demo` runs such a generator
(loaded by :func:`i2ilib.nets.official.load_official_generator`) on the first test images of
its set and, for pix2pix sets, measures L1 / MSE to the true counterparts. Nothing is
downloaded here: on a machine without internet both files have to be copied in by hand, and a
missing one raises :class:`PretrainedMissingError` saying which file goes where and how to get
it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["OFFICIAL_MODELS", "OfficialModel", "PretrainedMissingError", "official_checkpoint",
           "official_demo", "run_on_colab_note", "shown_path"]


@dataclass(frozen=True)
class OfficialModel:
    """One published generator: which reference script downloads it, the registry set it was
    trained on, and the ``direction`` that makes the set's item ``"A"`` its input."""

    method: str
    dataset: str
    direction: str

    @property
    def script(self) -> str:
        return f"./scripts/download_{self.method}_model.sh"


#: Published generators by their download name (the argument of the reference scripts).
OFFICIAL_MODELS: dict[str, OfficialModel] = {
    "facades_label2photo": OfficialModel("pix2pix", "facades", "BtoA"),
    "sat2map": OfficialModel("pix2pix", "maps", "AtoB"),
    "map2sat": OfficialModel("pix2pix", "maps", "BtoA"),
    "day2night": OfficialModel("pix2pix", "night2day", "BtoA"),
    "horse2zebra": OfficialModel("cyclegan", "horse2zebra", "AtoB"),
    "zebra2horse": OfficialModel("cyclegan", "horse2zebra", "BtoA"),
    "cityscapes_label2photo": OfficialModel("cyclegan", "cityscapes", "BtoA"),
    "cityscapes_photo2label": OfficialModel("cyclegan", "cityscapes", "AtoB"),
}


class PretrainedMissingError(FileNotFoundError):
    """The checkpoint or the dataset of :func:`official_demo` is not on this machine; the
    message says which file or folder to put where, and the command that fetches it."""


REFERENCE_REPOSITORY = "https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix"


def _checkout() -> Path | None:
    from i2ilib.results import project_root

    return project_root() or project_root(Path(__file__).parent)


def official_checkpoint(name: str) -> Path:
    """Where the book looks for the published generator ``name`` (``"facades_label2photo"``):
    ``checkpoints/<name>_pretrained/latest_net_G.pth`` in the checkout, where the reference
    download script puts it when run from the checkout."""
    if name not in OFFICIAL_MODELS:
        raise ValueError(f"Unknown published generator {name!r}; known: "
                         f"{', '.join(OFFICIAL_MODELS)}.")
    return ((_checkout() or Path.cwd()) / "checkpoints" / f"{name}_pretrained"
            / "latest_net_G.pth")


def shown_path(path: str | os.PathLike) -> str:
    """``path`` as a message shows it: relative to the checkout (``checkpoints/...``,
    ``datasets/facades``) or to ``$I2I_DATA`` when it lies below them, else its last two parts.

    Never an absolute path: these messages are printed on the pages of the book, and the
    folders of the machine that built it mean nothing to a reader.
    """
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    path = path.resolve()
    bases = [(Path(os.environ["I2I_DATA"]), "$I2I_DATA/")] if os.environ.get("I2I_DATA") else []
    checkout = _checkout()
    bases += [(checkout, "")] if checkout is not None else []
    for base, prefix in bases:
        try:
            rel = path.relative_to(base.resolve())
        except ValueError:
            continue
        if rel == Path("."):
            return prefix.rstrip("/") or "."
        return prefix + rel.as_posix()
    return ".../" + "/".join(path.parts[-2:])


def _model_for(checkpoint: Path, dataset: str) -> tuple[str | None, OfficialModel | None]:
    """The published model a checkpoint path names (``<name>_pretrained/latest_net_G.pth``)."""
    for part in (checkpoint.parent.name, checkpoint.stem):
        name = part.removesuffix("_pretrained")
        if name in OFFICIAL_MODELS:
            return name, OFFICIAL_MODELS[name]
    for name, model in OFFICIAL_MODELS.items():  # the first published model of the set
        if model.dataset == dataset:
            return name, model
    return None, None


def _missing_checkpoint(checkpoint: Path, dataset: str) -> PretrainedMissingError:
    name, model = _model_for(checkpoint, dataset)
    where = shown_path(checkpoint)
    if model is None:
        how = ("Train one with i2ilib, or fetch a published generator with the reference "
               "repository's ./scripts/download_pix2pix_model.sh or "
               "./scripts/download_cyclegan_model.sh.")
    else:
        how = (f"In a clone of the reference pytorch-CycleGAN-and-pix2pix repository, on a "
               f"machine with internet: bash {model.script} {name}  (it writes "
               f"./checkpoints/{name}_pretrained/latest_net_G.pth); then copy that file to "
               f"{where}.")
    return PretrainedMissingError(
        f"Pretrained generator not found: {where}. {how} Machines without internet "
        f"cannot download it: copy the .pth file in by hand.")


def _missing_dataset(dataset: str, root: Path) -> PretrainedMissingError:
    from i2ibook.runner import data_root
    from i2ilib.data.registry import dataset_info

    info = dataset_info(dataset)
    where = shown_path(root)
    script = ("download_pix2pix_dataset.sh" if info.layout == "aligned"
              else "download_cyclegan_dataset.sh")
    root_code = ("data_root()" if Path(root).resolve() == data_root().resolve()
                 else repr(where))
    return PretrainedMissingError(
        f"Dataset {dataset!r} not found: expected {where}/{info.folder}/ with "
        f"{', '.join(info.required)}. Get it on a machine with internet with "
        f"python -c \"from i2ibook.runner import data_root; "
        f"from i2ilib.data.registry import get_dataset; get_dataset('{dataset}', {root_code})\" "
        f"or the reference repository's bash ./datasets/{script} {dataset}, then copy the "
        f"{info.folder}/ folder to {where}/ (or set I2I_DATA to the folder that holds it).")


def run_on_colab_note(name: str) -> str:
    """A MyST note for a page built without the published generator ``name`` or its test set:
    what the cell shows where both are present, and the lines that fetch them on Colab.

    Display it with ``IPython.display.Markdown``; it names no folder of the building machine.
    """
    model = OFFICIAL_MODELS[name]
    shows = ("its translations of the first test images next to the true ones, with the L1 "
             "and MSE to them" if model.method == "pix2pix" else
             "its translations of the first test images")
    return f"""````{{admonition}} Run this on Colab
:class: note
The official `{name}` generator and the {model.dataset} test images are downloaded, not
shipped with the book, so this page was built without them. With both, this cell shows {shows}.
Open the chapter on Colab (the badge at the top), run the set-up cell, then these lines in a new
cell, and run this cell again:

```ipython
%cd /content/i2i-book
REF = "{REFERENCE_REPOSITORY}"
!git clone -q --depth 1 $REF ../ref
!bash ../ref/{model.script.removeprefix("./")} {name}
from i2ibook.runner import data_root
from i2ilib.data.registry import get_dataset
get_dataset("{model.dataset}", data_root())
```

On your own machine, run the same lines in your checkout of the book: the weights go to
`checkpoints/{name}_pretrained/latest_net_G.pth` and the images to
`datasets/{dataset_folder(model.dataset)}/` (or below `$I2I_DATA`).
````"""


def dataset_folder(dataset: str) -> str:
    """The folder of a registry set below the data root (``"facades"``)."""
    from i2ilib.data.registry import dataset_info

    return dataset_info(dataset).folder


def _run_generator(G: nn.Module, x: Tensor, mode: str, seed: int) -> Tensor:
    """``G`` on ``x`` ``(n, C, H, W)``, one image at a time, without gradients.

    ``mode="reference"`` runs as the reference ``test.py`` does without ``--eval``: the network
    in training mode (batch norm on each image's own statistics, dropout on, pix2pix Sec. 3.3),
    with dropout drawn from ``seed``; ``"eval"`` uses ``G.eval()``.
    """
    if mode not in ("reference", "eval"):
        raise ValueError(f"mode must be 'reference' or 'eval', got {mode!r}.")
    G.train(mode == "reference")
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        out = torch.cat([G(x[i:i + 1]) for i in range(len(x))])
    G.eval()
    return out.clamp(-1, 1)


def official_demo(
    checkpoint_path: str | os.PathLike,
    dataset: str,
    root: str | os.PathLike | None = None,
    n: int = 6,
    direction: str | None = None,
    size: int = 256,
    mode: str = "reference",
    seed: int = 0,
) -> dict[str, Any]:
    """Run a published generator on the first ``n`` test images of its real dataset.

    Args:
        checkpoint_path: the reference ``.pth`` file (``latest_net_G.pth``, ``..._net_G_A.pth``).
        dataset: the registry name of the set (``"facades"``, ``"horse2zebra"``, ...).
        root: the datasets folder (default: ``$I2I_DATA`` or ``datasets/`` in the checkout).
        n: how many test images.
        direction: ``"AtoB"`` / ``"BtoA"``: which half (pix2pix sets) or which folder
            (``testA``/``testB``) is the input. Default: the published model the checkpoint
            path names (``facades_label2photo_pretrained/`` -> ``BtoA``), else the registry's
            reference direction, else ``AtoB``.
        size: the side the test images are resized to (256 for the published generators).
        mode: ``"reference"`` (as the reference ``test.py``) or ``"eval"``; see
            :func:`_run_generator`.
        seed: the dropout draw in ``"reference"`` mode.

    Returns:
        ``{"inputs", "outputs"}`` ``(m, 3, size, size)`` in [-1, 1] (``m = min(n, available)``),
        ``"truth"`` (the true counterparts, pix2pix sets; ``None`` for unpaired sets),
        ``"l1"`` and ``"mse"`` to the truth on the [0, 1] scale (``None`` without truth),
        ``"generator"`` (the architecture read from the checkpoint), and ``"checkpoint"``,
        ``"dataset"``, ``"split"``, ``"direction"``, ``"mode"``.

    Raises:
        PretrainedMissingError: the checkpoint file or the dataset folder is missing (the
            message says what to put where and the download command).
        ValueError: the file is not a reference generator checkpoint, or an unknown set.
    """
    from i2ibook.runner import data_root, distance_to_truth, registry_tensors, registry_test_split
    from i2ilib.data.errors import DataLayoutError
    from i2ilib.data.registry import dataset_info, get_dataset
    from i2ilib.nets.official import describe_checkpoint, load_official_generator

    checkpoint = Path(checkpoint_path)
    info = dataset_info(dataset)
    root = Path(root) if root is not None else data_root()
    if not checkpoint.is_file():
        raise _missing_checkpoint(checkpoint, dataset)
    try:
        folder = get_dataset(dataset, root, download=False)
    except DataLayoutError as err:
        raise _missing_dataset(dataset, root) from err
    if direction is None:
        _, model = _model_for(checkpoint, dataset)
        direction = (model.direction if model is not None and model.dataset == dataset
                     else info.reference_direction or "AtoB")
    spec = {"source": "registry", "dataset": dataset, "direction": direction,
            "size": int(size), "n_test": int(n)}
    spec["test_split"] = split = registry_test_split(spec, folder)
    inputs, others = registry_tensors(spec, int(n), "test", folder=folder)
    G = load_official_generator(checkpoint)
    outputs = _run_generator(G, inputs, mode, seed)
    paired = info.layout == "aligned"
    dist = distance_to_truth(outputs, others) if paired else {"l1": None, "mse": None}
    return {"inputs": inputs, "outputs": outputs, "truth": others if paired else None,
            "l1": dist["l1"], "mse": dist["mse"], "generator": describe_checkpoint(checkpoint),
            "checkpoint": str(checkpoint), "dataset": dataset, "split": split,
            "direction": direction, "mode": mode}
