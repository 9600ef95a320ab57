"""Image-folder datasets (paired and unpaired), an in-memory pair dataset, and the loader.

The folder layouts are those of the reference pix2pix/CycleGAN implementation:

``PairedImageFolder`` (pix2pix, ``--dataset_mode aligned``)
    ``root/<phase>/*.jpg``: each file holds A and B side by side, A in the left half and B in
    the right half (the layout of the facades / maps / cityscapes downloads). Also accepted:
    two folders ``root/<phase>/A`` and ``root/<phase>/B`` (or ``root/A`` and ``root/B``) whose
    files have matching names, ``A/0001.png`` <-> ``B/0001.png`` (extensions may differ).

``UnpairedImageFolder`` (CycleGAN, ``--dataset_mode unaligned``)
    ``root/<phase>A/`` and ``root/<phase>B/`` (``trainA``, ``trainB``, ``testA``, ``testB``).
    Item ``i`` is A image ``i mod |A|`` and a *random* B image (``serial_batches=True``: B image
    ``i mod |B|``); the length is ``max(|A|, |B|)``. There is no correspondence to learn from:
    the cycle loss (implicit-pairs paper, sec. 3.1, eqs. 4-6) replaces it.

``AlignedAsUnpaired``
    A paired folder read as unpaired data for CycleGAN: inputs from the first half of the
    files, targets from the second half, so no true pair is seen in training.

``TensorPairDataset``
    The same items built from tensors or ``uint8`` arrays held in memory, so data that the
    book generates is trained on without writing files.

Every item is a dict ``{"A": Tensor(C_A, H, W), "B": Tensor(C_B, H, W), "A_path": str,
"B_path": str}`` with values in ``[-1, 1]``; ``"A"`` is always the generator's *input*
(``direction="BtoA"`` swaps the halves or folders here, where the reference swaps them in the
model's ``set_input``; the result is the same). ``input_nc`` / ``output_nc`` are the channels of
the generator's input / output, 1 meaning grayscale.

Randomness (crop, flip, the unpaired B index) is a pure function of ``(seed, epoch, index)``:
``ds[i]`` gives the same item every time, ``ds[i, epoch]`` the item as drawn in ``epoch``.
:func:`make_loader` passes the epoch along with each index, so every epoch draws new crops,
and a run is reproducible and resumable whatever ``num_workers`` is. ``seed=None`` draws fresh
OS entropy for every item instead (the reference's behaviour; not reproducible).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Sampler

from i2ilib.data.errors import (
    ChannelMismatchError,
    DataLayoutError,
    EmptyDatasetError,
)
from i2ilib.data.transforms import (
    IMG_EXTENSIONS,
    TransformParams,
    apply_transform,
    get_params,
    is_image_file,
    load_image,
    to_tensor_m11,
    validate_options,
)

__all__ = [
    "AlignedAsUnpaired",
    "EpochSampler",
    "PairedImageFolder",
    "TensorPairDataset",
    "UnpairedImageFolder",
    "check_channels",
    "detect_layout",
    "list_images",
    "make_loader",
]

_DIRECTIONS = ("AtoB", "BtoA")
_RESIZING = ("resize_and_crop", "resize")  # options that give every image the same size


# --------------------------------------------------------------------------------------------
# Folder scanning and layout detection
# --------------------------------------------------------------------------------------------


def list_images(folder: str | os.PathLike, max_dataset_size: int | None = None) -> list[Path]:
    """Image files under ``folder`` (recursively), sorted by path; hidden files skipped.

    Raises:
        DataLayoutError: ``folder`` does not exist or is not a folder.
        EmptyDatasetError: ``folder`` holds no image file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataLayoutError(f"Dataset folder not found: {folder}")
    paths = sorted(
        Path(dirpath) / name
        for dirpath, dirnames, filenames in os.walk(folder)
        for name in filenames
        if is_image_file(name) and not any(part.startswith(".") for part in Path(dirpath).parts)
    )
    if not paths:
        others = sum(len(f) for _, _, f in os.walk(folder))
        found = f" (it holds {others} other file(s))" if others else ""
        raise EmptyDatasetError(
            f"Dataset folder {folder} holds no image files{found}: expected files ending in "
            f"{', '.join(IMG_EXTENSIONS)}. Put the images there or point root at the right "
            f"folder."
        )
    if max_dataset_size is not None:
        if max_dataset_size < 1:
            raise ValueError(f"max_dataset_size must be >= 1 or None, got {max_dataset_size}.")
        paths = paths[:max_dataset_size]
    return paths


def _layout_hint(root: Path, phase: str) -> str:
    return (
        f"expected {root / phase}/ holding A|B side-by-side images, {root / phase}/A and "
        f"{root / phase}/B (or {root}/A and {root}/B) with matching file names, or "
        f"{root / (phase + 'A')} and {root / (phase + 'B')} for unpaired data"
    )


def detect_layout(root: str | os.PathLike, phase: str = "train") -> str:
    """Which layout ``root`` holds for ``phase``: ``"folders"``, ``"aligned"`` or ``"unaligned"``.

    Checked in this order: ``root/<phase>/A`` + ``root/<phase>/B`` (``"folders"``),
    ``root/<phase>/`` (``"aligned"``, A|B images), ``root/A`` + ``root/B`` (``"folders"``),
    ``root/<phase>A`` + ``root/<phase>B`` (``"unaligned"``).

    Raises:
        DataLayoutError: none of these exists (the message lists what was expected).
    """
    root = Path(root)
    if not root.is_dir():
        raise DataLayoutError(f"Dataset root not found: {root}; {_layout_hint(root, phase)}.")
    pdir = root / phase
    if (pdir / "A").is_dir() and (pdir / "B").is_dir():
        return "folders"
    if pdir.is_dir():
        return "aligned"
    if (root / "A").is_dir() and (root / "B").is_dir():
        return "folders"
    if (root / f"{phase}A").is_dir() and (root / f"{phase}B").is_dir():
        return "unaligned"
    raise DataLayoutError(f"No {phase!r} data found in {root}: {_layout_hint(root, phase)}.")


def _check_common(direction: str, input_nc: int, output_nc: int, seed: int | None) -> None:
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}.")
    for name, nc in (("input_nc", input_nc), ("output_nc", output_nc)):
        if nc not in (1, 3, 4):
            raise ValueError(
                f"{name} must be 1 (grayscale), 3 (RGB) or 4 (RGBA) for image files, got {nc!r}."
            )
    _check_seed(seed)


def _check_seed(seed: int | None) -> None:
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}.")


def _item_rng(seed: int | None, epoch: int, index: int) -> np.random.Generator:
    """The random stream of one item: a pure function of ``(seed, epoch, index)``."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), int(epoch), int(index)])


def _with_path(err: ValueError, *paths: Path | str) -> ValueError:
    return ValueError(f"{' / '.join(str(p) for p in paths)}: {err}")


class _EpochKeyedDataset(Dataset):
    """Base of the datasets here: ``ds[i]`` or ``ds[i, epoch]`` (see the module docstring)."""

    #: :func:`make_loader` sends ``(index, epoch)`` keys to datasets that say so.
    supports_epoch_keys = True
    #: The epoch used by a plain ``ds[i]``; :meth:`set_epoch` changes it.
    epoch: int = 0

    def set_epoch(self, epoch: int) -> None:
        """Make plain ``ds[i]`` return the items as drawn in ``epoch``."""
        self.epoch = int(epoch)

    def _get(self, index: int, epoch: int) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, Any]:
        if isinstance(key, tuple):
            if len(key) != 2:
                raise TypeError(f"key must be an index or (index, epoch), got {key!r}.")
            index, epoch = operator.index(key[0]), operator.index(key[1])
        else:
            index, epoch = operator.index(key), self.epoch
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} item(s).")
        return self._get(index, epoch)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]


# --------------------------------------------------------------------------------------------
# Paired (pix2pix) folders
# --------------------------------------------------------------------------------------------


class PairedImageFolder(_EpochKeyedDataset):
    """Paired images A <-> B, pixel-aligned: the pix2pix data (reference ``aligned`` mode).

    Args:
        root: dataset folder (``datasets/facades`` in the reference).
        phase: sub-folder to read: ``"train"``, ``"val"``, ``"test"``.
        direction: ``"AtoB"`` (A is the input) or ``"BtoA"`` (B is the input).
        load_size: resize target (reference default 286).
        crop_size: random crop (reference default 256).
        preprocess: see :mod:`i2ilib.data.transforms` (default ``"resize_and_crop"``).
        flip: random left-right flip, the same for A and B (reference default on).
        input_nc, output_nc: channels of the generator's input (item ``"A"``) and output
            (item ``"B"``); 1 converts to grayscale.
        seed: makes crops and flips reproducible; ``None`` = fresh randomness every item.
        max_dataset_size: keep only the first N files (sorted by name), as the reference.
        method: resize interpolation, ``"bicubic"`` (reference) or ``"nearest"`` for label maps.

    Attributes:
        layout: ``"aligned"`` (A|B images) or ``"folders"`` (``A/`` and ``B/``).
        pairs: list of ``(A_file, B_file)`` as on disk, before the ``direction`` swap (the
            same file twice for A|B images).

    Raises:
        DataLayoutError: no paired layout at ``root`` (the message lists the layouts accepted).
        EmptyDatasetError: the folder holds no images.
        ValueError: bad options, or A/ and B/ file names that do not match.

    Items (see the module docstring) can also raise :class:`~i2ilib.data.errors.ImageReadError`
    for a corrupt file, and ``ValueError`` for an A|B image of odd width or a crop that does
    not fit; the message names the file.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        phase: str = "train",
        direction: str = "AtoB",
        load_size: int = 286,
        crop_size: int = 256,
        preprocess: str = "resize_and_crop",
        flip: bool = True,
        input_nc: int = 3,
        output_nc: int = 3,
        seed: int | None = None,
        max_dataset_size: int | None = None,
        method: str = "bicubic",
    ) -> None:
        _check_common(direction, input_nc, output_nc, seed)
        validate_options(load_size, crop_size, preprocess)
        self.root = Path(root)
        self.phase = phase
        self.direction = direction
        self.load_size, self.crop_size, self.preprocess = load_size, crop_size, preprocess
        self.flip = flip
        self.input_nc, self.output_nc = input_nc, output_nc
        self.seed = seed
        self.method = method
        self.layout, self.pairs = self._find_pairs(max_dataset_size)

    def _find_pairs(self, max_dataset_size: int | None) -> tuple[str, list[tuple[Path, Path]]]:
        root, phase = self.root, self.phase
        try:
            layout = detect_layout(root, phase)
        except DataLayoutError as e:
            where = "Dataset root not found" if not root.is_dir() else "No paired data"
            raise DataLayoutError(
                f"{where} for phase {phase!r} in {root}: expected {root / phase}/ "
                f"holding A|B side-by-side images, or {root / phase}/A and {root / phase}/B "
                f"(or {root}/A and {root}/B) with matching file names."
            ) from e
        if layout == "unaligned":
            raise DataLayoutError(
                f"{root} holds unpaired folders {phase}A/ and {phase}B/ but no paired data: "
                f"expected {root / phase}/ holding A|B side-by-side images, or "
                f"{root / phase}/A and {root / phase}/B with matching file names. Use "
                f"UnpairedImageFolder (CycleGAN) for {phase}A/ and {phase}B/."
            )
        if layout == "aligned":
            paths = list_images(root / phase, max_dataset_size)
            return layout, [(p, p) for p in paths]
        base = root / phase if (root / phase / "A").is_dir() else root
        dir_a, dir_b = base / "A", base / "B"
        files_a = self._by_name(dir_a)
        files_b = self._by_name(dir_b)
        only_a = sorted(set(files_a) - set(files_b))
        only_b = sorted(set(files_b) - set(files_a))
        if only_a or only_b:
            parts = []
            if only_a:
                parts.append(
                    f"{len(only_a)} file(s) in {dir_a} have no match in {dir_b} "
                    f"(e.g. {', '.join(only_a[:5])})"
                )
            if only_b:
                parts.append(
                    f"{len(only_b)} file(s) in {dir_b} have no match in {dir_a} "
                    f"(e.g. {', '.join(only_b[:5])})"
                )
            raise ValueError(
                "; ".join(parts) + ". Paired folders must hold the same file names "
                "(extensions may differ): A/0001.png pairs with B/0001.png."
            )
        names = sorted(files_a)
        if max_dataset_size is not None:
            names = names[:max_dataset_size]
        return layout, [(files_a[n], files_b[n]) for n in names]

    @staticmethod
    def _by_name(folder: Path) -> dict[str, Path]:
        out: dict[str, Path] = {}
        for p in list_images(folder):
            key = p.relative_to(folder).with_suffix("").as_posix()
            if key in out:
                raise ValueError(
                    f"Two images in {folder} share the name {key!r} ({out[key].name} and "
                    f"{p.name}): paired files are matched by name, so keep one of them."
                )
            out[key] = p
        return out

    def __len__(self) -> int:
        return len(self.pairs)

    def _load_halves(self, index: int) -> tuple[Image.Image, Image.Image, Path, Path]:
        """The (left/A, right/B) images and paths of item ``index``, before any swap."""
        path_a, path_b = self.pairs[index]
        # Channels of the A and B *files*: the generator input is B when direction is BtoA.
        nc_a, nc_b = (
            (self.input_nc, self.output_nc)
            if self.direction == "AtoB"
            else (self.output_nc, self.input_nc)
        )
        if self.layout == "aligned":
            ab = load_image(path_a, 4 if 4 in (nc_a, nc_b) else 3)
            w, h = ab.size
            if w % 2:
                raise ValueError(
                    f"{path_a} is {w} px wide, an odd width: an A|B image holds A in its "
                    f"left half and B in its right half, so it cannot be split into two "
                    f"halves of equal size. Re-save it with an even width, or store A and B "
                    f"as separate files in A/ and B/ folders."
                )
            img_a = _to_channels(ab.crop((0, 0, w // 2, h)), nc_a)
            img_b = _to_channels(ab.crop((w // 2, 0, w, h)), nc_b)
            return img_a, img_b, path_a, path_b
        img_a, img_b = load_image(path_a, nc_a), load_image(path_b, nc_b)
        if img_a.size != img_b.size and self.preprocess not in _RESIZING:
            raise ValueError(
                f"Paired images differ in size: {path_a} is {img_a.size[0]}x{img_a.size[1]} "
                f"px but {path_b} is {img_b.size[0]}x{img_b.size[1]} px. With "
                f"preprocess={self.preprocess!r} both halves of a pair must have the same "
                f"size; resize the files, or use preprocess='resize_and_crop'."
            )
        return img_a, img_b, path_a, path_b

    def _get(self, index: int, epoch: int) -> dict[str, Any]:
        img_a, img_b, path_a, path_b = self._load_halves(index)
        if self.direction == "BtoA":
            img_a, img_b, path_a, path_b = img_b, img_a, path_b, path_a
        rng = _item_rng(self.seed, epoch, index)
        try:
            params = get_params(
                img_a.size, self.load_size, self.crop_size, self.preprocess, self.flip, rng
            )
            a = apply_transform(img_a, params, self.method)
            b = apply_transform(img_b, params, self.method)
        except ValueError as e:
            raise _with_path(e, *dict.fromkeys([path_a, path_b])) from e
        return {
            "A": to_tensor_m11(a),
            "B": to_tensor_m11(b),
            "A_path": str(path_a),
            "B_path": str(path_b),
        }


def _to_channels(img: Image.Image, channels: int) -> Image.Image:
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    return img if img.mode == mode else img.convert(mode)


# --------------------------------------------------------------------------------------------
# Unpaired (CycleGAN) folders
# --------------------------------------------------------------------------------------------


class UnpairedImageFolder(_EpochKeyedDataset):
    """Two unpaired image sets A and B: the CycleGAN data (reference ``unaligned`` mode).

    Reads ``root/<phase>A`` and ``root/<phase>B``. Item ``i`` pairs A image ``i mod |A|`` with
    a B image drawn at random (``serial_batches=True``: B image ``i mod |B|``); the length is
    ``max(|A|, |B|)``. A and B get *independent* crops and flips: there is no pixel
    correspondence to keep.

    Args:
        root, phase, direction, load_size, crop_size, preprocess, flip, input_nc, output_nc,
        seed, max_dataset_size, method: as :class:`PairedImageFolder`.
        serial_batches: take B images in order instead of at random (reference
            ``--serial_batches``).

    Attributes:
        A_paths, B_paths: the files of the generator-input domain (item ``"A"``) and of the
            target domain (item ``"B"``), after the ``direction`` swap.

    Raises:
        DataLayoutError: ``root/<phase>A`` or ``root/<phase>B`` is missing.
        EmptyDatasetError: one of them holds no images.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        phase: str = "train",
        direction: str = "AtoB",
        load_size: int = 286,
        crop_size: int = 256,
        preprocess: str = "resize_and_crop",
        flip: bool = True,
        input_nc: int = 3,
        output_nc: int = 3,
        serial_batches: bool = False,
        seed: int | None = None,
        max_dataset_size: int | None = None,
        method: str = "bicubic",
    ) -> None:
        _check_common(direction, input_nc, output_nc, seed)
        validate_options(load_size, crop_size, preprocess)
        self.root = Path(root)
        self.phase = phase
        self.direction = direction
        self.load_size, self.crop_size, self.preprocess = load_size, crop_size, preprocess
        self.flip = flip
        self.input_nc, self.output_nc = input_nc, output_nc
        self.serial_batches = serial_batches
        self.seed = seed
        self.method = method
        dir_a, dir_b = self.root / f"{phase}A", self.root / f"{phase}B"
        missing = [d for d in (dir_a, dir_b) if not d.is_dir()]
        if missing:
            hint = ""
            if (self.root / phase).is_dir():
                hint = (
                    f" {self.root / phase}/ exists: that is the paired (pix2pix) layout, read "
                    f"it with PairedImageFolder."
                )
            where = "" if self.root.is_dir() else f" (the dataset root {self.root} does not exist)"
            raise DataLayoutError(
                f"Unpaired dataset folder(s) not found: {', '.join(map(str, missing))}{where}. "
                f"Expected {dir_a} and {dir_b} (one image set per domain, any file names)." + hint
            )
        paths_a = list_images(dir_a, max_dataset_size)
        paths_b = list_images(dir_b, max_dataset_size)
        if direction == "BtoA":
            paths_a, paths_b = paths_b, paths_a
        self.A_paths: list[Path] = paths_a
        self.B_paths: list[Path] = paths_b

    def __len__(self) -> int:
        return max(len(self.A_paths), len(self.B_paths))

    def _get(self, index: int, epoch: int) -> dict[str, Any]:
        rng = _item_rng(self.seed, epoch, index)
        n_b = len(self.B_paths)
        index_b = index % n_b if self.serial_batches else int(rng.integers(0, n_b))
        path_a = self.A_paths[index % len(self.A_paths)]
        path_b = self.B_paths[index_b]
        out: dict[str, Any] = {}
        for key, path, nc in (("A", path_a, self.input_nc), ("B", path_b, self.output_nc)):
            img = load_image(path, nc)
            try:
                params = get_params(
                    img.size, self.load_size, self.crop_size, self.preprocess, self.flip, rng
                )
                out[key] = to_tensor_m11(apply_transform(img, params, self.method))
            except ValueError as e:
                raise _with_path(e, path) from e
        out["A_path"], out["B_path"] = str(path_a), str(path_b)
        return out


class AlignedAsUnpaired(_EpochKeyedDataset):
    """A paired (pix2pix) folder read as *unpaired* data: A images from the first half of the
    file list, B images from the second half, so no true pair is in the training set.

    The CycleGAN papers' pix2pix-format sets (facades, maps, cityscapes) are used this way in
    unpaired experiments: with ``n`` files sorted by name, the generator-input images (item
    ``"A"``) come from files ``0 .. n//2 - 1`` and the targets (item ``"B"``) from files
    ``n//2 .. n - 1`` (``direction`` picks which half of each A|B image is the input, as in
    :class:`PairedImageFolder`). Item ``i`` is input image ``i mod |A|`` with a random target
    (``serial_batches=True``: target ``i mod |B|``), each with its own crop and flip; the length
    is ``max(|A|, |B|)``.

    Args:
        root, phase, direction, load_size, crop_size, preprocess, flip, input_nc, output_nc,
        seed, max_dataset_size, method: as :class:`PairedImageFolder` (``max_dataset_size``
            keeps the first N files before the split).
        serial_batches: as :class:`UnpairedImageFolder`.

    Attributes:
        A_files, B_files: the files the inputs and the targets are read from (disjoint).

    Raises:
        DataLayoutError / EmptyDatasetError: as :class:`PairedImageFolder`.
        ValueError: fewer than two files (nothing to split).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        phase: str = "train",
        direction: str = "AtoB",
        load_size: int = 286,
        crop_size: int = 256,
        preprocess: str = "resize_and_crop",
        flip: bool = True,
        input_nc: int = 3,
        output_nc: int = 3,
        serial_batches: bool = False,
        seed: int | None = None,
        max_dataset_size: int | None = None,
        method: str = "bicubic",
    ) -> None:
        self._pairs = PairedImageFolder(
            root, phase, direction, load_size, crop_size, preprocess, flip, input_nc,
            output_nc, seed, max_dataset_size, method,
        )
        n = len(self._pairs)
        if n < 2:
            raise ValueError(
                f"{Path(root) / phase} holds {n} paired file(s): reading it as unpaired data "
                f"takes A from the first half of the files and B from the second half, so it "
                f"needs at least 2 files."
            )
        half = n // 2
        self._a_index = list(range(half))
        self._b_index = list(range(half, n))
        self.root, self.phase, self.direction = Path(root), phase, direction
        self.flip, self.seed, self.serial_batches = flip, seed, serial_batches
        self.input_nc, self.output_nc = input_nc, output_nc
        self.A_files = [self._pairs.pairs[i][0] for i in self._a_index]
        self.B_files = [self._pairs.pairs[i][1] for i in self._b_index]

    def __len__(self) -> int:
        return max(len(self._a_index), len(self._b_index))

    def _side(self, file_index: int, want_input: bool) -> tuple[Image.Image, Path]:
        """The generator-input half (``want_input``) or the target half of one file."""
        img_a, img_b, path_a, path_b = self._pairs._load_halves(file_index)
        input_first = self.direction == "AtoB"
        if want_input == input_first:
            return img_a, path_a
        return img_b, path_b

    def _get(self, index: int, epoch: int) -> dict[str, Any]:
        rng = _item_rng(self.seed, epoch, index)
        n_b = len(self._b_index)
        ib = index % n_b if self.serial_batches else int(rng.integers(0, n_b))
        ia = index % len(self._a_index)
        p = self._pairs
        out: dict[str, Any] = {}
        for key, file_index, want_input in (("A", self._a_index[ia], True),
                                            ("B", self._b_index[ib], False)):
            img, path = self._side(file_index, want_input)
            try:
                params = get_params(img.size, p.load_size, p.crop_size, p.preprocess, self.flip, rng)
                out[key] = to_tensor_m11(apply_transform(img, params, p.method))
            except ValueError as e:
                raise _with_path(e, path) from e
            out[f"{key}_path"] = f"{path}#{'input' if want_input else 'target'}"
        return out


# --------------------------------------------------------------------------------------------
# In-memory pairs
# --------------------------------------------------------------------------------------------


def _as_image_batch(x: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    """``uint8`` ``(N, H, W[, C])`` arrays or ``(N, C, H, W)`` tensors -> float32 in [-1, 1]."""
    if isinstance(x, np.ndarray):
        if x.dtype != np.uint8:
            raise TypeError(
                f"{name}: numpy arrays must be uint8 images (N, H, W, C), got dtype {x.dtype}; "
                f"pass float data as a torch tensor (N, C, H, W) in [-1, 1]."
            )
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4:
            raise ValueError(f"{name}: expected a uint8 array (N, H, W, C), got shape {x.shape}.")
        return to_tensor_m11(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor or numpy array, got {type(x).__name__}.")
    if x.dim() != 4:
        raise ValueError(f"{name}: expected a tensor (N, C, H, W), got shape {tuple(x.shape)}.")
    if x.dtype == torch.uint8:
        return x.to(torch.float32).div_(255.0).sub_(0.5).div_(0.5)
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a float or uint8 tensor, got dtype {x.dtype}.")
    x = x.detach().to("cpu", torch.float32)
    if x.numel() and (x.min() < -1.0 - 1e-4 or x.max() > 1.0 + 1e-4):
        raise ValueError(
            f"{name}: float images must lie in [-1, 1], got values in "
            f"[{x.min().item():.3g}, {x.max().item():.3g}]. Map uint8 pixels with "
            f"i2ilib.data.transforms.to_tensor_m11, or [0, 1] floats with x * 2 - 1."
        )
    return x.contiguous()


class TensorPairDataset(_EpochKeyedDataset):
    """Image pairs held in memory: data the book generates, trained on without files.

    Args:
        A, B: ``(N, C, H, W)`` float tensors in ``[-1, 1]`` (or ``uint8`` tensors), or
            ``uint8`` numpy arrays ``(N, H, W, C)`` / ``(N, H, W)``. Paired: ``A[i]`` and
            ``B[i]`` belong together (same N, same H x W). Unpaired: any N_A and N_B.
        paired: ``True`` keeps ``A[i]`` with ``B[i]`` and applies the same crop and flip to
            both (pix2pix); ``False`` pairs ``A[i mod N_A]`` with a random B, cropped and
            flipped independently (CycleGAN), length ``max(N_A, N_B)``.
        flip: random left-right flip (reference default on).
        crop_size: random ``crop_size`` square crop, or ``None`` for the full image.
        serial_batches: unpaired only: B index ``i mod N_B`` instead of random.
        seed: reproducible randomness (``None`` = fresh every item).
        name: prefix of the ``"A_path"`` / ``"B_path"`` strings (``"<name>/A/7"``).

    Raises:
        ValueError / TypeError: shapes, dtypes or value ranges that do not fit.
    """

    def __init__(
        self,
        A: torch.Tensor | np.ndarray,
        B: torch.Tensor | np.ndarray,
        paired: bool = True,
        flip: bool = True,
        crop_size: int | None = None,
        serial_batches: bool = False,
        seed: int | None = None,
        name: str = "memory",
    ) -> None:
        _check_seed(seed)
        self.A = _as_image_batch(A, "A")
        self.B = _as_image_batch(B, "B")
        if len(self.A) == 0 or len(self.B) == 0:
            raise EmptyDatasetError(
                f"TensorPairDataset needs at least one image in A and in B, got "
                f"{len(self.A)} and {len(self.B)}."
            )
        if paired and len(self.A) != len(self.B):
            raise ValueError(
                f"paired=True needs as many B images as A images, got {len(self.A)} and "
                f"{len(self.B)}; pass paired=False for unpaired sets."
            )
        if paired and self.A.shape[-2:] != self.B.shape[-2:]:
            raise ValueError(
                f"paired=True needs A and B of the same size, got {tuple(self.A.shape[-2:])} "
                f"and {tuple(self.B.shape[-2:])} (H, W)."
            )
        if crop_size is not None:
            for key, t in (("A", self.A), ("B", self.B)):
                h, w = t.shape[-2:]
                if crop_size > min(h, w) or crop_size < 1:
                    raise ValueError(
                        f"crop_size={crop_size} does not fit the {key} images ({w}x{h} px): "
                        f"pass 1 <= crop_size <= {min(h, w)}, or crop_size=None."
                    )
        self.paired = paired
        self.flip = flip
        self.crop_size = crop_size
        self.serial_batches = serial_batches
        self.seed = seed
        self.name = name
        self.input_nc, self.output_nc = int(self.A.shape[1]), int(self.B.shape[1])

    @classmethod
    def from_arrays(cls, A: np.ndarray, B: np.ndarray, **kwargs: Any) -> TensorPairDataset:
        """Build from ``uint8`` arrays ``(N, H, W, C)`` as renderers produce them."""
        return cls(np.asarray(A), np.asarray(B), **kwargs)

    def __len__(self) -> int:
        return len(self.A) if self.paired else max(len(self.A), len(self.B))

    def _params(self, t: torch.Tensor, rng: np.random.Generator) -> TransformParams | bool:
        """Crop/flip draw for one image; just the flip (a bool) when there is no crop."""
        if self.crop_size is None:
            return bool(rng.random() > 0.5) and self.flip
        h, w = int(t.shape[-2]), int(t.shape[-1])
        return get_params((w, h), self.crop_size, self.crop_size, "crop", self.flip, rng)

    @staticmethod
    def _transform(t: torch.Tensor, params: TransformParams | bool) -> torch.Tensor:
        if isinstance(params, bool):
            return t.flip(-1) if params else t
        return apply_transform(t, params)

    def _get(self, index: int, epoch: int) -> dict[str, Any]:
        rng = _item_rng(self.seed, epoch, index)
        if self.paired:
            ia = ib = index
        else:
            n_b = len(self.B)
            ib = index % n_b if self.serial_batches else int(rng.integers(0, n_b))
            ia = index % len(self.A)
        a, b = self.A[ia], self.B[ib]
        params_a = self._params(a, rng)
        params_b = params_a if self.paired else self._params(b, rng)
        return {
            "A": self._transform(a, params_a).clone(),
            "B": self._transform(b, params_b).clone(),
            "A_path": f"{self.name}/A/{ia}",
            "B_path": f"{self.name}/B/{ib}",
        }


# --------------------------------------------------------------------------------------------
# Channel check
# --------------------------------------------------------------------------------------------


def _channels_of(data: Any) -> tuple[int, int]:
    if isinstance(data, dict):
        if "A" not in data or "B" not in data:
            raise ValueError(
                f"check_channels expects a batch or item with keys 'A' and 'B', got keys "
                f"{sorted(data)}."
            )
        return int(data["A"].shape[-3]), int(data["B"].shape[-3])
    if isinstance(data, DataLoader):
        return _channels_of(data.dataset)
    nc = (getattr(data, "input_nc", None), getattr(data, "output_nc", None))
    if all(isinstance(v, int) for v in nc):
        return nc  # type: ignore[return-value]
    if len(data) == 0:
        raise EmptyDatasetError("check_channels: the dataset is empty.")
    return _channels_of(data[0])


def check_channels(data: Any, input_nc: int, output_nc: int) -> None:
    """Check that the data's channels match a generator's ``input_nc`` / ``output_nc``.

    Args:
        data: a batch or item dict (``"A"``: ``(N, C, H, W)`` or ``(C, H, W)``), a dataset
            (its ``input_nc``/``output_nc`` attributes, or item 0), or a ``DataLoader``.
        input_nc: channels the generator takes (must equal A's channels).
        output_nc: channels the generator produces (must equal B's channels).

    Raises:
        ChannelMismatchError: with the numbers and both ways to fix it.
    """
    c_a, c_b = _channels_of(data)
    problems = []
    if c_a != input_nc:
        problems.append(
            f"data has {c_a} channel(s) in A but the generator expects input_nc={input_nc}: "
            f"pass input_nc={c_a} or convert the images {_conversion(input_nc)} (image "
            f"folders do it when given input_nc={input_nc})"
        )
    if c_b != output_nc:
        problems.append(
            f"data has {c_b} channel(s) in B but the generator produces output_nc={output_nc}: "
            f"pass output_nc={c_b} or convert the images {_conversion(output_nc)} (image "
            f"folders do it when given output_nc={output_nc})"
        )
    if problems:
        raise ChannelMismatchError("; ".join(problems) + ".")


def _conversion(nc: int) -> str:
    return {1: "to grayscale", 3: "to RGB", 4: "to RGBA"}.get(nc, f"to {nc} channels")


# --------------------------------------------------------------------------------------------
# Loader
# --------------------------------------------------------------------------------------------


class EpochSampler(Sampler):
    """Index order of each epoch, a pure function of ``(seed, epoch)``.

    Every ``iter()`` runs one epoch and then moves to the next, so a plain
    ``for epoch ...: for batch in loader:`` sees a new order (and, for datasets with
    ``supports_epoch_keys``, new crops) each epoch. To resume after ``k`` batches of epoch
    ``e``: ``sampler.set_epoch(e, start=k * batch_size)``.

    Yields ``(index, epoch)`` when ``with_epoch`` (the datasets of this module), else ``index``.
    """

    def __init__(
        self, n: int, shuffle: bool = True, seed: int | None = None, with_epoch: bool = True
    ) -> None:
        _check_seed(seed)
        self.n = int(n)
        self.shuffle = shuffle
        self.seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else int(seed)
        self.with_epoch = with_epoch
        self.epoch = 0
        self.start = 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Make the next ``iter()`` run ``epoch``, skipping its first ``start`` indices."""
        if not 0 <= start <= self.n:
            raise ValueError(f"start must be in [0, {self.n}], got {start}.")
        self.epoch, self.start = int(epoch), int(start)

    def order(self, epoch: int) -> list[int]:
        """The full index order of ``epoch``."""
        if not self.shuffle:
            return list(range(self.n))
        state = np.random.SeedSequence([self.seed, int(epoch)]).generate_state(1, np.uint64)[0]
        g = torch.Generator().manual_seed(int(state) & (2**63 - 1))
        return torch.randperm(self.n, generator=g).tolist()

    def __iter__(self) -> Iterator[int | tuple[int, int]]:
        epoch, start = self.epoch, self.start
        self.epoch, self.start = epoch + 1, 0
        order = self.order(epoch)[start:]
        keys: Sequence[Any] = [(i, epoch) for i in order] if self.with_epoch else order
        return iter(keys)

    def __len__(self) -> int:
        return self.n - self.start


def make_loader(
    dataset: Dataset,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = 0,
    num_workers: int = 0,
    drop_last: bool = False,
    pin_memory: bool = False,
) -> DataLoader:
    """A ``DataLoader`` whose order (and augmentation) is fixed by ``seed``.

    The order comes from an :class:`EpochSampler` (``loader.sampler``); datasets of this module
    also receive the epoch, so their random crops change every epoch yet stay reproducible
    and independent of ``num_workers``. Other datasets receive plain indices. Worker
    processes are seeded from ``seed`` too (``torch.Generator``).

    Args:
        dataset: any map-style dataset.
        batch_size: items per batch.
        shuffle: random order per epoch (``False``: 0, 1, 2, ... every epoch).
        seed: fixes the order; ``None`` draws a fresh one.
        num_workers: loading processes (0 = in the main process).
        drop_last: drop the last incomplete batch.
        pin_memory: page-locked batches for faster copies to a GPU.

    Raises:
        ValueError: an empty dataset, ``batch_size < 1``, or ``drop_last`` with fewer items
            than ``batch_size`` (no batch at all).
    """
    n = len(dataset)  # type: ignore[arg-type]
    if n == 0:
        raise EmptyDatasetError("make_loader: the dataset is empty.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if drop_last and batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} with drop_last=True gives no batch from {n} item(s): "
            f"pass batch_size <= {n} or drop_last=False."
        )
    sampler = EpochSampler(
        n,
        shuffle=shuffle,
        seed=seed,
        with_epoch=bool(getattr(dataset, "supports_epoch_keys", False)),
    )
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        drop_last=drop_last,
        pin_memory=pin_memory,
        generator=torch.Generator().manual_seed(sampler.seed),
    )
