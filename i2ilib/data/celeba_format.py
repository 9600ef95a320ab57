"""CelebA's on-disk layout: write a :class:`~i2ilib.data.synthfaces.SynthFacesSet` as CelebA
and read CelebA (ours or the real one) back through the same code.

CelebA (Liu et al., ICCV 2015) ships the aligned images and five annotation files::

    img_align_celeba/000001.jpg ...        178 x 218 JPEGs (ours: size x size, jpg or png)
    list_attr_celeba.txt                   N / 40 names / "000001.jpg -1  1 ..."
    list_landmarks_align_celeba.txt        N / 10 names / "000001.jpg   69  109 ..."
    list_bbox_celeba.txt                   N / "image_id x_1 y_1 width height" / rows
    identity_CelebA.txt                    "000001.jpg 2880" (no header)
    list_eval_partition.txt                "000001.jpg 0"    (0 train, 1 valid, 2 test)

Conventions kept exactly: the first line of the three tabular files is the image count, the
second the space-separated column names (the attribute header ends with a space, as in the
real file); values are right-aligned ("%2d" for attributes, so "-1" and " 1"); file names
are six-digit numbers from 000001. The real ``list_bbox_celeba.txt`` refers to the
*unaligned* photos; ours is the head box in the aligned image. The real files are sometimes
nested (``Anno/``, ``Eval/``, ``Img/``); :func:`read_celeba` looks in both places, so the
same path reads the real CelebA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from i2ilib.data.synthfaces import CELEBA_ATTRIBUTES, SynthFacesSet

__all__ = [
    "BBOX_NAMES",
    "LANDMARK_NAMES",
    "CelebAAnnotations",
    "celeba_filename",
    "read_celeba",
    "write_celeba",
]

LANDMARK_NAMES: tuple[str, ...] = (
    "lefteye_x", "lefteye_y", "righteye_x", "righteye_y", "nose_x", "nose_y",
    "leftmouth_x", "leftmouth_y", "rightmouth_x", "rightmouth_y",
)  # fmt: skip
BBOX_NAMES: tuple[str, ...] = ("image_id", "x_1", "y_1", "width", "height")

ATTR_FILE = "list_attr_celeba.txt"
LANDMARK_FILE = "list_landmarks_align_celeba.txt"
BBOX_FILE = "list_bbox_celeba.txt"
IDENTITY_FILE = "identity_CelebA.txt"
PARTITION_FILE = "list_eval_partition.txt"
IMAGE_DIR = "img_align_celeba"


def celeba_filename(index: int, ext: str = "jpg") -> str:
    """CelebA's file name of the ``index``-th image (0-based): ``000001.jpg`` for 0."""
    return f"{index + 1:06d}.{ext}"


def _attr_text(names: list[str], attrs: np.ndarray) -> str:
    lines = [str(len(names)), " ".join(CELEBA_ATTRIBUTES) + " "]
    for name, row in zip(names, attrs):
        lines.append(name + "".join(f" {int(v):2d}" for v in row))
    return "\n".join(lines) + "\n"


def _landmark_text(names: list[str], landmarks: np.ndarray) -> str:
    pts = np.rint(landmarks.reshape(len(names), 10)).astype(np.int64)
    lines = [str(len(names)), " ".join(LANDMARK_NAMES)]
    for name, row in zip(names, pts):
        lines.append(name + "".join(f" {int(v):4d}" for v in row))
    return "\n".join(lines) + "\n"


def _bbox_text(names: list[str], bboxes: np.ndarray) -> str:
    boxes = np.rint(bboxes).astype(np.int64)
    lines = [str(len(names)), " ".join(BBOX_NAMES)]
    for name, (x, y, w, h) in zip(names, boxes):
        lines.append(f"{name} {int(x):5d}{int(y):4d}{int(w):4d}{int(h):4d}")
    return "\n".join(lines) + "\n"


def write_celeba(
    root: str | os.PathLike,
    dataset: SynthFacesSet,
    image_format: str = "jpg",
    jpeg_quality: int = 95,
) -> Path:
    """Write ``dataset`` into ``root`` in CelebA's layout (see the module docstring).

    ``torchvision.datasets.CelebA(parent)`` reads it when ``root`` is ``parent/celeba``
    (apart from its MD5 check of the real annotation files). The same dataset and arguments
    give byte-identical files.

    Args:
        root: target folder (created if missing).
        dataset: from :func:`~i2ilib.data.synthfaces.make_synthfaces`.
        image_format: ``"jpg"`` (like ``img_align_celeba.zip``) or ``"png"`` (lossless, like
            ``img_align_celeba_png.7z``).
        jpeg_quality: JPEG quality for ``"jpg"``.

    Returns:
        ``root`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: unknown ``image_format`` or an empty dataset.
    """
    if image_format not in ("jpg", "png"):
        raise ValueError(f"image_format must be 'jpg' or 'png', got {image_format!r}.")
    n = len(dataset)
    if n == 0:
        raise ValueError("write_celeba got an empty dataset; make it with make_synthfaces(n>0).")
    if n > 999_999:
        raise ValueError(f"CelebA file names have six digits; {n} images do not fit.")
    root = Path(root)
    img_dir = root / IMAGE_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    names = [celeba_filename(i, image_format) for i in range(n)]
    for name, img in zip(names, dataset.images):
        pil = Image.fromarray(img)
        if image_format == "jpg":
            pil.save(img_dir / name, format="JPEG", quality=int(jpeg_quality), optimize=False)
        else:
            pil.save(img_dir / name, format="PNG", optimize=False, compress_level=6)
    files = {
        ATTR_FILE: _attr_text(names, dataset.attrs),
        LANDMARK_FILE: _landmark_text(names, dataset.landmarks),
        BBOX_FILE: _bbox_text(names, dataset.bboxes),
        IDENTITY_FILE: "".join(f"{a} {int(b)}\n" for a, b in zip(names, dataset.identity)),
        PARTITION_FILE: "".join(f"{a} {int(b)}\n" for a, b in zip(names, dataset.partition)),
    }
    for fname, text in files.items():
        with open(root / fname, "w", newline="\n", encoding="ascii") as fh:
            fh.write(text)
    return root


@dataclass
class CelebAAnnotations:
    """CelebA's annotations as arrays, rows in file-name order.

    Attributes:
        filenames: list of N names (``000001.jpg`` ...).
        attr_names: the 40 column names as read from the header.
        attrs: int8 (N, 40), +1 / -1.
        landmarks: int64 (N, 5, 2) aligned-image landmarks (x, y).
        bboxes: int64 (N, 4) (x_1, y_1, width, height), or ``None`` if the file is missing.
        identity: int64 (N,), or ``None`` if missing (the real file is "available upon request").
        partition: int8 (N,) 0/1/2, or ``None`` if missing.
        image_dir: folder of the images.
    """

    filenames: list[str]
    attr_names: list[str]
    attrs: np.ndarray
    landmarks: np.ndarray
    bboxes: np.ndarray | None
    identity: np.ndarray | None
    partition: np.ndarray | None
    image_dir: Path

    def __len__(self) -> int:
        return len(self.filenames)

    def column(self, name: str) -> np.ndarray:
        if name not in self.attr_names:
            raise ValueError(f"Unknown CelebA attribute {name!r}; columns are {self.attr_names}.")
        return self.attrs[:, self.attr_names.index(name)]

    def split_indices(self, split: str) -> np.ndarray:
        """Row indices of ``"train"``, ``"valid"``, ``"test"`` or ``"all"``."""
        codes = {"train": 0, "valid": 1, "test": 2}
        if split == "all":
            return np.arange(len(self))
        if split not in codes:
            raise ValueError(f"split must be train, valid, test or all, got {split!r}.")
        if self.partition is None:
            raise FileNotFoundError(f"{PARTITION_FILE} is missing next to {ATTR_FILE}.")
        return np.flatnonzero(self.partition == codes[split])

    def load_image(self, i: int) -> np.ndarray:
        """Image ``i`` as uint8 (H, W, 3)."""
        with Image.open(self.image_dir / self.filenames[i]) as im:
            return np.asarray(im.convert("RGB"))


def _find(root: Path, name: str, subdirs: tuple[str, ...]) -> Path | None:
    for sub in ("",) + subdirs:
        p = root / sub / name if sub else root / name
        if p.exists():
            return p
    return None


def _read_table(path: Path, header: bool) -> tuple[list[str], list[str], np.ndarray]:
    with open(path, encoding="ascii", errors="replace") as fh:
        lines = [ln.split() for ln in fh.read().splitlines()]
    lines = [ln for ln in lines if ln]
    names: list[str] = []
    if header:
        try:
            count = int(lines[0][0])
        except (IndexError, ValueError) as exc:
            raise ValueError(f"{path}: first line must be the image count.") from exc
        names = lines[1]
        rows = lines[2:]
        if len(rows) != count:
            raise ValueError(f"{path}: says {count} images but has {len(rows)} rows.")
    else:
        rows = lines
    files = [r[0] for r in rows]
    try:
        data = np.array([[int(x) for x in r[1:]] for r in rows], dtype=np.int64)
    except ValueError as exc:
        raise ValueError(f"{path}: non-integer value in a row.") from exc
    return names, files, data


def read_celeba(root: str | os.PathLike) -> CelebAAnnotations:
    """Read CelebA's annotation files from ``root`` (ours, or the real CelebA).

    Looks for each file in ``root`` and in CelebA's own sub-folders (``Anno/``, ``Eval/``,
    ``Img/``). ``list_attr_celeba.txt`` and ``list_landmarks_align_celeba.txt`` are required;
    identities, boxes and the partition are optional.

    Raises:
        FileNotFoundError: if the folder or a required file is missing (names what to put where).
        ValueError: if a file does not follow CelebA's format, or files disagree on the images.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"CelebA folder {root} does not exist. Write one with write_celeba(root, "
            "make_synthfaces(...)) or download CelebA (see i2ilib.data.registry)."
        )
    attr_path = _find(root, ATTR_FILE, ("Anno",))
    lm_path = _find(root, LANDMARK_FILE, ("Anno",))
    for name, p in ((ATTR_FILE, attr_path), (LANDMARK_FILE, lm_path)):
        if p is None:
            raise FileNotFoundError(f"{name} not found in {root} or {root / 'Anno'}.")
    attr_names, files, attrs = _read_table(attr_path, header=True)
    if len(attr_names) != 40 or attrs.shape[1:] != (40,):
        raise ValueError(f"{attr_path}: expected 40 attribute columns, got {len(attr_names)}.")
    if not set(np.unique(attrs)) <= {-1, 1}:
        raise ValueError(f"{attr_path}: attribute values must be +1 or -1.")
    _, lm_files, lms = _read_table(lm_path, header=True)
    if lm_files != files:
        raise ValueError(f"{lm_path} and {attr_path} list different images.")
    optional = {}
    for key, name, sub, header in (
        ("bboxes", BBOX_FILE, ("Anno",), True),
        ("identity", IDENTITY_FILE, ("Anno",), False),
        ("partition", PARTITION_FILE, ("Eval",), False),
    ):
        p = _find(root, name, sub)
        if p is None:
            optional[key] = None
            continue
        _, f2, data = _read_table(p, header=header)
        if f2 != files:
            raise ValueError(f"{p} and {attr_path} list different images.")
        optional[key] = data if key == "bboxes" else data[:, 0]
    image_dir = _find(root, IMAGE_DIR, ("Img",)) or root / IMAGE_DIR
    return CelebAAnnotations(
        filenames=files,
        attr_names=list(attr_names),
        attrs=attrs.astype(np.int8),
        landmarks=lms.reshape(-1, 5, 2),
        bboxes=optional["bboxes"],
        identity=optional["identity"],
        partition=None if optional["partition"] is None else optional["partition"].astype(np.int8),
        image_dir=image_dir,
    )
