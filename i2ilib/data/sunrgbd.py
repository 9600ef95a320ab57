"""SUN RGB-D as zero-pair data: the real (RGB, depth, segmentation) triplets of the thesis's
Section 4.6.3 (Tables 4.6-4.7), read from a prepared folder.

The release (Song et al. 2015, https://rgbd.cs.princeton.edu) cannot be downloaded here and
keeps its 2-D labels in a MATLAB file that needs tens of GB of memory to read, so the book
reads a *prepared* folder, made once by :func:`prepare_sunrgbd` from

* the release's ``SUNRGBD/`` tree (``SUNRGBD.zip`` unzipped): per frame ``image/*.jpg`` and the
  in-painted depth ``depth_bfx/*.png`` (else ``depth/*.png``);
* the 37-class label PNGs and the frame lists of the official split (5285 training, 5050 test
  frames) published with the ``sunrgbd-meta-data`` repository (Handa): the labels of the test
  frames come first (``img-000001.png`` ... ``img-005050.png``), then those of the training frames.

The prepared layout (registry entry ``"sunrgbd"``, folder ``sunrgbd13/``)::

    sunrgbd13/{train,test}/rgb/NNNNNN.jpg      RGB (the release's JPEG, copied)
    sunrgbd13/{train,test}/depth/NNNNNN.png    16-bit depth in millimetres, 0 = no reading
    sunrgbd13/{train,test}/labels/NNNNNN.png   8-bit class ids into NYU13_CLASSES, 255 = unlabelled

Conventions, named:

* **13 classes.** The thesis's Table 4.6 scores the 13 classes of NYU-Depth v2's 13-class set
  (Couprie et al. 2013), the classes SceneNet RGB-D uses too. The 37 classes of SUN RGB-D are the
  first 37 of NYU's 40, so :data:`SUN37_TO_13` maps them with NYU's 40-to-13 table (a door
  counts as wall, a desk as table, a curtain as window, a pillow as an object...). Pixels
  labelled 0 in the release (no class) are :data:`UNLABELLED`: the losses and scores skip them.
* **Depth.** The release stores depth in millimetres rotated by three bits within 16 bits (the
  toolbox's ``read3dPoints``); :func:`read_release_depth` undoes it and caps at 8 m, as the
  toolbox does. The depth range of the encoding is :data:`DEPTH_RANGE`.
* **Split (a reading).** The thesis takes "10K triplets for the train set and 335 triplets for
  test set", two disjoint halves of 5K for ``D_RS`` and ``D_RD``, without saying which 335 frames
  were tested. :func:`sunrgbd_zero_pair` tests on the first ``n_test`` frames of the official
  test list and draws the two training halves, by seed, from every other frame.
* **Size.** Each frame is resized so that its short side is ``size`` and cropped to the centre
  square (RGB with antialiasing; labels and depth by nearest neighbour, so that no class or
  depth is invented between two regions). The thesis does not give its SUN RGB-D resolution.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..nets.mmnets import UNLABELLED
from .errors import DataLayoutError
from .zeropair import ZeroPairScenes, _check_encoding, encode_depth

__all__ = [
    "DEPTH_RANGE",
    "NYU13_CLASSES",
    "PALETTE",
    "SPLITS",
    "SUN37_CLASSES",
    "SUN37_TO_13",
    "prepare_sunrgbd",
    "read_release_depth",
    "read_triplets",
    "sunrgbd_zero_pair",
]

#: The 13 classes, in the order of the thesis's Table 4.6.
NYU13_CLASSES: tuple[str, ...] = ("bed", "books", "ceiling", "chair", "floor", "furniture",
                                  "objects", "picture", "sofa", "table", "tv", "wall", "window")

#: A colour per class of :data:`NYU13_CLASSES`, for pictures of label maps (uint8 RGB).
PALETTE: np.ndarray = np.array([
    (204, 102, 255), (255, 204, 0), (230, 230, 230), (255, 102, 0), (153, 102, 51),
    (0, 153, 153), (255, 51, 153), (255, 255, 102), (51, 102, 255), (153, 51, 0),
    (0, 0, 153), (160, 160, 160), (102, 204, 255)], dtype=np.uint8)

#: SUN RGB-D's 37 classes (its ``seg37list``), ids 1 ... 37 in this order; 0 is no class.
SUN37_CLASSES: tuple[str, ...] = (
    "wall", "floor", "cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf",
    "picture", "counter", "blinds", "desk", "shelves", "curtain", "dresser", "pillow", "mirror",
    "floor_mat", "clothes", "ceiling", "books", "fridge", "tv", "paper", "towel",
    "shower_curtain", "box", "whiteboard", "person", "night_stand", "toilet", "sink", "lamp",
    "bathtub", "bag")

_AS = {"wall": "wall", "floor": "floor", "cabinet": "furniture", "bed": "bed", "chair": "chair",
       "sofa": "sofa", "table": "table", "door": "wall", "window": "window",
       "bookshelf": "furniture", "picture": "picture", "counter": "furniture",
       "blinds": "window", "desk": "table", "shelves": "furniture", "curtain": "window",
       "dresser": "furniture", "floor_mat": "floor", "ceiling": "ceiling", "books": "books",
       "fridge": "furniture", "tv": "tv", "night_stand": "furniture"}

#: 37-class name -> 13-class name (NYU's 40-to-13 table restricted to SUN RGB-D's 37 classes;
#: every class not listed in it is an object).
SUN37_TO_13: dict[str, str] = {c: _AS.get(c, "objects") for c in SUN37_CLASSES}

#: The (near, far) metres of the depth encoding: the toolbox caps readings at 8 m; the sensors
#: read nothing nearer than about 0.4 m.
DEPTH_RANGE: tuple[float, float] = (0.25, 8.0)

_RGB_SUFFIXES = (".jpg", ".jpeg", ".png")

#: The prepared folder's splits and modalities.
SPLITS: tuple[str, ...] = ("train", "test")
_MODALITIES = ("rgb", "depth", "labels")


def _lookup() -> np.ndarray:
    """256 entries: release id (0 = no class, 1 ... 37) -> 13-class id, or UNLABELLED."""
    table = np.full(256, UNLABELLED, dtype=np.uint8)
    for i, name in enumerate(SUN37_CLASSES, start=1):
        table[i] = NYU13_CLASSES.index(SUN37_TO_13[name])
    return table


def read_release_depth(path: str | os.PathLike) -> np.ndarray:
    """A depth PNG of the release -> metres, ``(H, W)`` float32; 0 where the sensor read nothing.

    The release stores the millimetres rotated left by three bits within 16 bits; this rotates
    them back and caps at 8 m (the toolbox's ``read3dPoints``).
    """
    raw = np.asarray(Image.open(path)).astype(np.uint32)
    mm = ((raw >> 3) | (raw << 13)) & 0xFFFF
    return np.minimum(mm.astype(np.float32) / 1000.0, 8.0)


def _one_png(folder: Path) -> Path:
    found = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if len(found) != 1:
        raise DataLayoutError(f"SUN RGB-D: expected one depth PNG in {folder}, found {len(found)}.")
    return found[0]


def _frame_depth(image_path: Path) -> Path:
    frame = image_path.parent.parent  # .../<frame>/image/<name>.jpg
    bfx = frame / "depth_bfx"
    return _one_png(bfx if bfx.is_dir() else frame / "depth")


def _read_list(path: Path) -> list[str]:
    if not path.is_file():
        raise DataLayoutError(f"SUN RGB-D: the frame list {path} does not exist (it comes with "
                              "the sunrgbd-meta-data repository).")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def prepare_sunrgbd(release: str | os.PathLike, labels37: str | os.PathLike,
                    train_list: str | os.PathLike, test_list: str | os.PathLike,
                    out: str | os.PathLike) -> dict[str, int]:
    """Write the prepared folder (module docstring) from the release and the 37-class labels.

    Args:
        release: the folder that holds ``SUNRGBD/`` (the lists' paths start with ``SUNRGBD/``).
        labels37: the folder of ``img-NNNNNN.png`` 37-class label maps (test frames first).
        train_list, test_list: ``sunrgbd_training_images.txt`` and
            ``sunrgbd_testing_images.txt`` (one RGB path per line, relative to ``release``).
        out: the prepared folder to write (e.g. ``$I2I_DATA/sunrgbd13``).

    Returns:
        ``{"train": n, "test": m}``, the frames written.

    Raises:
        DataLayoutError: a list, an image, a depth map or a label map is missing, or a label map
            and its image differ in size.
    """
    release, labels37, out = Path(release), Path(labels37), Path(out)
    lists = {"test": _read_list(Path(test_list)), "train": _read_list(Path(train_list))}
    table = _lookup()
    label_no = 0
    written = {}
    for split in ("test", "train"):  # the order of the label files
        for m in _MODALITIES:
            (out / split / m).mkdir(parents=True, exist_ok=True)
        for k, rel in enumerate(lists[split], start=1):
            label_no += 1
            image_path = release / rel
            label_path = labels37 / f"img-{label_no:06d}.png"
            for p, what in ((image_path, "image"), (label_path, "37-class label map")):
                if not p.is_file():
                    raise DataLayoutError(f"SUN RGB-D: the {what} {p} does not exist.")
            with Image.open(image_path) as rgb:
                size = rgb.size
            ids = np.asarray(Image.open(label_path))
            if ids.shape != (size[1], size[0]):
                raise DataLayoutError(f"SUN RGB-D: {label_path} is {ids.shape[::-1]} but "
                                      f"{image_path} is {size}: the label files are not in "
                                      "the lists' order.")
            depth_mm = np.round(read_release_depth(_frame_depth(image_path)) * 1000)
            stem = f"{k:06d}.png"
            shutil.copyfile(image_path, out / split / "rgb" / f"{k:06d}.jpg")
            Image.fromarray(depth_mm.astype(np.uint16)).save(out / split / "depth" / stem)
            Image.fromarray(table[ids.astype(np.int64).clip(0, 255)]).save(
                out / split / "labels" / stem)
        written[split] = len(lists[split])
    return written


def _stems(folder: Path, suffixes: tuple[str, ...] = (".png",)) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix.lower() in suffixes)


def _rgb_file(folder: Path, stem: str) -> Path:
    for suffix in _RGB_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    raise DataLayoutError(f"SUN RGB-D: no image {stem}.jpg or {stem}.png in {folder}.")


def _square(img: Image.Image, size: int, resample: int) -> Image.Image:
    w, h = img.size
    scale = size / min(w, h)
    img = img.resize((max(size, round(w * scale)), max(size, round(h * scale))), resample)
    left, top = (img.width - size) // 2, (img.height - size) // 2
    return img.crop((left, top, left + size, top + size))


def read_triplets(root: str | os.PathLike, split: str, size: int,
                  indices: list[int] | None = None) -> dict[str, torch.Tensor]:
    """Frames of one split of the prepared folder at ``size`` px (module docstring).

    Returns:
        ``{"R": (n, 3, size, size) in [-1, 1], "S": (n, size, size) int64 (255 unlabelled),
        "depth_m": (n, size, size) float32 metres (0 = no reading)}``.

    Raises:
        DataLayoutError: a missing folder, files that do not match across the three folders, or
            label ids outside the 13 classes (a folder of 37-class maps not prepared).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    base = Path(root) / split
    stems = {}
    for m in _MODALITIES:
        if not (base / m).is_dir():
            raise DataLayoutError(f"SUN RGB-D: {base / m} does not exist; prepare the folder "
                                  "with i2ilib.data.sunrgbd.prepare_sunrgbd.")
        stems[m] = _stems(base / m, _RGB_SUFFIXES if m == "rgb" else (".png",))
    if not stems["rgb"] or stems["rgb"] != stems["depth"] or stems["rgb"] != stems["labels"]:
        raise DataLayoutError(f"SUN RGB-D: {base}'s rgb/, depth/ and labels/ must hold the same "
                              f"file names ({len(stems['rgb'])}, {len(stems['depth'])} and "
                              f"{len(stems['labels'])} files).")
    names = stems["rgb"] if indices is None else [stems["rgb"][i] for i in indices]
    R, S, D = [], [], []
    for name in names:
        rgb = _square(Image.open(_rgb_file(base / "rgb", name)).convert("RGB"), size,
                      Image.Resampling.BICUBIC)
        lab = _square(Image.open(base / "labels" / f"{name}.png"), size,
                      Image.Resampling.NEAREST)
        dep = _square(Image.open(base / "depth" / f"{name}.png"), size, Image.Resampling.NEAREST)
        R.append(np.asarray(rgb))
        S.append(np.asarray(lab))
        D.append(np.asarray(dep).astype(np.float32) / 1000.0)
    S_t = torch.from_numpy(np.stack(S).astype(np.int64))
    bad = S_t[(S_t != UNLABELLED) & ((S_t < 0) | (S_t >= len(NYU13_CLASSES)))]
    if bad.numel():
        raise DataLayoutError(f"SUN RGB-D: {base / 'labels'} holds class id {int(bad.max())}; "
                              f"the prepared maps hold 0 ... {len(NYU13_CLASSES) - 1} and "
                              f"{UNLABELLED} (prepare_sunrgbd maps the release's 37 classes).")
    R_t = torch.from_numpy(np.stack(R)).permute(0, 3, 1, 2).float() / 127.5 - 1
    return {"R": R_t, "S": S_t, "depth_m": torch.from_numpy(np.stack(D))}


def _encoded(depth_m: torch.Tensor, encoding: str) -> torch.Tensor:
    """``(n, H, W)`` metres -> ``(n, 1, H, W)`` encoded; a pixel without a reading (0) becomes
    the far end of the range (the losses cannot tell it apart; the scores skip it)."""
    far = torch.where(depth_m > 0, depth_m, torch.full_like(depth_m, DEPTH_RANGE[1]))
    return encode_depth(far, encoding, DEPTH_RANGE).unsqueeze(1)


def sunrgbd_zero_pair(root: str | os.PathLike, n_train: int, n_test: int, size: int = 256,
                      seed: int = 0, depth_encoding: str = "log",
                      with_oracle: bool = False) -> ZeroPairScenes:
    """``D_RS``, ``D_RD`` (``n_train`` frames each, disjoint) and ``n_test`` test frames of the
    prepared folder ``root`` (module docstring: which frames, the size, the 13 classes).

    Depth pixels without a reading are skipped by the scores; in the training tensors they hold
    the far end of :data:`DEPTH_RANGE` (the in-painted ``depth_bfx`` maps the preparation reads
    have few).

    Raises:
        ValueError: the folder holds fewer than ``n_test`` test frames or ``2 n_train`` others.
        DataLayoutError: see :func:`read_triplets`.
    """
    _check_encoding(depth_encoding)
    root = Path(root)
    n_official_test = len(_stems(root / "test" / "rgb", _RGB_SUFFIXES))
    pool = [("train", i) for i in range(len(_stems(root / "train" / "rgb", _RGB_SUFFIXES)))]
    if not n_official_test or not pool:
        raise DataLayoutError(f"SUN RGB-D: {root} holds no prepared frames (train/rgb/ and "
                              "test/rgb/); prepare it with i2ilib.data.sunrgbd.prepare_sunrgbd.")
    pool += [("test", i) for i in range(n_test, n_official_test)]
    if n_test > n_official_test or 2 * n_train > len(pool):
        raise ValueError(f"SUN RGB-D at {root} has {n_official_test} test frames and "
                         f"{len(pool)} others; asked for {n_test} test frames and 2 x {n_train} "
                         "training frames.")
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed)).tolist()
    chosen = [pool[i] for i in order[:2 * n_train]]

    def load(frames: list[tuple[str, int]]) -> dict[str, torch.Tensor]:
        parts = {s: [i for t, i in frames if t == s] for s in SPLITS}
        loaded = {s: read_triplets(root, s, size, idx) for s, idx in parts.items() if idx}
        where = {s: iter(range(len(idx))) for s, idx in parts.items()}
        rows = [(s, next(where[s])) for s, _ in frames]  # back to the order of ``frames``
        return {k: torch.stack([loaded[s][k][j] for s, j in rows])
                for k in ("R", "S", "depth_m")}

    train = load(chosen)
    test = read_triplets(root, "test", size, list(range(n_test))) if n_test else None
    rs = {"R": train["R"][:n_train], "S": train["S"][:n_train]}
    rd = {"R": train["R"][n_train:], "D": _encoded(train["depth_m"][n_train:], depth_encoding)}
    if test is None:
        empty = torch.zeros(0, size, size)
        test = {"R": torch.zeros(0, 3, size, size), "S": empty.long(), "depth_m": empty}
    test["D"] = _encoded(test["depth_m"], depth_encoding)
    oracle = ({"S": train["S"], "D": _encoded(train["depth_m"], depth_encoding)}
              if with_oracle else None)
    return ZeroPairScenes(rs, rd, test, depth_encoding, n_classes=len(NYU13_CLASSES),
                          depth_range=DEPTH_RANGE, oracle=oracle)
