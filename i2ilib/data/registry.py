"""Registry of the real datasets: where they come from, how they lie on disk, their terms.

The book runs on its embedded data (SynthScenes, SynthFaces, digits, objects);
the papers' real datasets are one call away for Colab or paper-scale runs:

    >>> from i2ilib.data.registry import get_dataset
    >>> root = get_dataset("facades", "datasets")   # doctest: +SKIP

- pix2pix sets (Isola et al. 2017), aligned ``A|B`` images in ``train/``,
  ``val/`` (and ``test/``): ``facades``, ``cityscapes``, ``maps``,
  ``edges2shoes``, ``edges2handbags``, ``night2day``, from the reference
  implementation's server (``.tar.gz``).
- CycleGAN sets (Zhu et al. 2017), unaligned ``trainA/ trainB/ testA/ testB/``:
  ``horse2zebra``, ``apple2orange``, ``summer2winter_yosemite``,
  ``monet2photo``, ``cezanne2photo``, ``ukiyoe2photo``, ``vangogh2photo``,
  ``iphone2dslr_flower`` (``.zip``).
- ``celeba``, ``mnist``, ``svhn`` through torchvision (its folder layouts and
  its md5 checks); CelebA is read with :mod:`i2ilib.data.celeba_format` or
  :func:`celeba_torchvision` (attribute filtering, landmarks).
- ``cityscapes_official``: the Cityscapes release itself needs a registered
  account, so it is never downloaded; :func:`prepare_cityscapes_pairs` turns
  it into pix2pix ``photo|labels`` pairs (what the implicit-pairs paper,
  Section 4.2, and the reference's Cityscapes set use).

Downloads are careful: a short network timeout (offline, the call fails in
seconds with the dataset's name, its URL and the folder to fill by hand), a
temporary ``.part`` file, a sha256 check when the registry knows the digest,
an archive integrity test, and an atomic move; a truncated or corrupt archive
is deleted and never extracted. No archive digest is published for the
pix2pix / CycleGAN server, so those entries hold ``sha256=None``: the first
successful download records the digest in ``ROOT/.i2ilib_checksums.json``
and later downloads into the same root must match it (trust on first use).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2ilib.data.errors import DataLayoutError

__all__ = [
    "DATASETS",
    "ChecksumError",
    "DatasetDownloadError",
    "DatasetInfo",
    "UnknownDatasetError",
    "celeba_torchvision",
    "dataset_info",
    "download_archive",
    "get_dataset",
    "prepare_cityscapes_pairs",
    "validate_layout",
]

CHECKSUM_RECORD = ".i2ilib_checksums.json"
_IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".ppm", ".tif", ".tiff")


class DatasetDownloadError(ConnectionError):
    """A dataset could not be downloaded (offline, server error, truncated transfer)."""


class UnknownDatasetError(KeyError, ValueError):
    """A dataset name the registry does not know (the message lists the known names)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ChecksumError(ValueError):
    """A downloaded archive does not have the expected sha256 digest, or is corrupt."""


@dataclass(frozen=True)
class DatasetInfo:
    """What the registry knows about one dataset.

    Attributes:
        name: registry key.
        layout: ``"aligned"`` (pix2pix A|B images per split), ``"unaligned"``
            (CycleGAN ``trainA/`` ...), ``"celeba"``, ``"mnist"``, ``"svhn"``
            or ``"cityscapes_raw"``.
        folder: the dataset's folder below the root passed to :func:`get_dataset`.
        required: paths below ``folder`` that must exist (folders end in ``/``).
        urls: download URLs, tried in order (empty: manual download only).
        archive: archive file name (``None`` for torchvision-managed sets).
        sha256: archive digest, or ``None`` when unknown (recorded on first download).
        licence: terms of use, in short; read the source's page before use.
        source: where the data comes from (paper or project page).
        description: content and size.
        reference_direction: ``--direction`` the reference pix2pix scripts use
            for this set's headline task (``None`` where not applicable).
        manual: cannot be downloaded automatically (registration required).
        instructions: how to obtain it by hand.
    """

    name: str
    layout: str
    folder: str
    required: tuple[str, ...]
    urls: tuple[str, ...] = ()
    archive: str | None = None
    sha256: str | None = None
    licence: str = ""
    source: str = ""
    description: str = ""
    reference_direction: str | None = None
    manual: bool = False
    instructions: str = ""


_PIX2PIX_URL = "https://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{}.tar.gz"
_CYCLEGAN_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{}.zip"


def _pix2pix(name: str, description: str, licence: str, source: str, direction: str) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        layout="aligned",
        folder=name,
        required=("train/", "val/"),
        urls=(_PIX2PIX_URL.format(name), _PIX2PIX_URL.format(name).replace("https:", "http:")),
        archive=f"{name}.tar.gz",
        licence=licence,
        source=source,
        description=description,
        reference_direction=direction,
    )


def _cyclegan(name: str, description: str, licence: str, source: str) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        layout="unaligned",
        folder=name,
        required=("trainA/", "trainB/", "testA/", "testB/"),
        urls=(_CYCLEGAN_URL.format(name), _CYCLEGAN_URL.format(name).replace("https:", "http:")),
        archive=f"{name}.zip",
        licence=licence,
        source=source,
        description=description,
    )


_IMAGENET = (
    "Images from ImageNet: research and non-commercial use under the ImageNet terms of access."
)
_FLICKR_ART = (
    "Paintings from WikiArt and photos from Flickr: copyright of the individual authors; "
    "research use only."
)

_ENTRIES: list[DatasetInfo] = [
    _pix2pix(
        "facades",
        "400 building fronts with facade labels (CMP Facade Database); A = photo, B = labels.",
        "CMP Facade Database (Tylecek & Sara, GCPR 2013): research use; cite the authors.",
        "http://cmp.felk.cvut.cz/~tylecr1/facade/",
        "BtoA",
    ),
    _pix2pix(
        "cityscapes",
        "2975 Cityscapes training images with colour labels, 256x256; A = photo, B = labels.",
        "Derived from Cityscapes: the Cityscapes licence applies (non-commercial, "
        "registration at cityscapes-dataset.com). If the server no longer offers it, "
        "use 'cityscapes_official' and prepare_cityscapes_pairs.",
        "https://www.cityscapes-dataset.com",
        "BtoA",
    ),
    _pix2pix(
        "maps",
        "1096 training pairs of aerial photo | map tile scraped from Google Maps.",
        "Scraped from Google Maps: Google's terms apply; research use only.",
        "Isola et al. 2017, pix2pix",
        "AtoB",
    ),
    _pix2pix(
        "edges2shoes",
        "50k shoe photos (UT Zappos50K) with HED edges; A = edges, B = photo.",
        "UT Zappos50K (Yu & Grauman 2014): research use; cite the authors.",
        "http://vision.cs.utexas.edu/projects/finegrained/utzap50k/",
        "AtoB",
    ),
    _pix2pix(
        "edges2handbags",
        "137k Amazon handbag photos (iGAN project) with HED edges; A = edges, B = photo.",
        "Amazon product photos collected by the iGAN project (Zhu et al. 2016): research use.",
        "https://github.com/junyanz/iGAN",
        "AtoB",
    ),
    _pix2pix(
        "night2day",
        "Outdoor webcam scenes at two times of day (Transient Attributes, Laffont et al. 2014).",
        "Transient Attributes database (Laffont et al., SIGGRAPH 2014): research use.",
        "http://transattr.cs.brown.edu/",
        "BtoA",
    ),
    _cyclegan(
        "horse2zebra",
        "939 horses, 1177 zebras (ImageNet 'wild horse', 'zebra').",
        _IMAGENET,
        "ImageNet",
    ),
    _cyclegan("apple2orange", "996 apples, 1020 oranges (ImageNet).", _IMAGENET, "ImageNet"),
    _cyclegan(
        "summer2winter_yosemite",
        "1273 summer and 854 winter photos of Yosemite (Flickr API).",
        "Flickr photos: copyright of the individual authors; research use only.",
        "Flickr",
    ),
    _cyclegan(
        "monet2photo",
        "1074 Monet paintings and 6853 landscape photos.",
        _FLICKR_ART,
        "WikiArt, Flickr",
    ),
    _cyclegan(
        "cezanne2photo",
        "584 Cezanne paintings and landscape photos.",
        _FLICKR_ART,
        "WikiArt, Flickr",
    ),
    _cyclegan(
        "ukiyoe2photo", "1433 ukiyo-e prints and landscape photos.", _FLICKR_ART, "WikiArt, Flickr"
    ),
    _cyclegan(
        "vangogh2photo",
        "401 Van Gogh paintings and landscape photos.",
        _FLICKR_ART,
        "WikiArt, Flickr",
    ),
    _cyclegan(
        "iphone2dslr_flower",
        "1813 iPhone and 3316 DSLR flower photos (Flickr).",
        "Flickr photos: copyright of the individual authors; research use only.",
        "Flickr",
    ),
    DatasetInfo(
        name="celeba",
        layout="celeba",
        folder="celeba",
        required=(
            "img_align_celeba/",
            "list_attr_celeba.txt",
            "identity_CelebA.txt",
            "list_bbox_celeba.txt",
            "list_landmarks_align_celeba.txt",
            "list_eval_partition.txt",
        ),
        urls=("https://drive.google.com/",),
        licence="CelebA agreement: non-commercial research and educational use only; "
        "no redistribution of the images.",
        source="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        description="202,599 aligned faces of 10,177 identities, 40 binary attributes, "
        "5 landmarks. Downloaded by torchvision.datasets.CelebA (Google Drive, md5-checked); "
        "the drive often refuses with a quota error, then download by hand.",
        instructions="Download img_align_celeba.zip and the five annotation .txt files from "
        "the CelebA page (Google Drive or Baidu links), unzip the images so that "
        "ROOT/celeba/img_align_celeba/000001.jpg exists, and put the .txt files in ROOT/celeba/.",
    ),
    DatasetInfo(
        name="mnist",
        layout="mnist",
        folder="MNIST",
        required=(
            "raw/train-images-idx3-ubyte",
            "raw/train-labels-idx1-ubyte",
            "raw/t10k-images-idx3-ubyte",
            "raw/t10k-labels-idx1-ubyte",
        ),
        urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        licence="MNIST (LeCun, Cortes & Burges): commonly distributed under CC BY-SA 3.0.",
        source="http://yann.lecun.com/exdb/mnist/",
        description="70,000 handwritten digits, 28x28 grey. Downloaded by "
        "torchvision.datasets.MNIST (md5-checked).",
        instructions="Download the four *-ubyte.gz files, gunzip them into ROOT/MNIST/raw/.",
    ),
    DatasetInfo(
        name="svhn",
        layout="svhn",
        folder="SVHN",
        required=("train_32x32.mat", "test_32x32.mat"),
        urls=("http://ufldl.stanford.edu/housenumbers/",),
        licence="SVHN (Netzer et al. 2011): non-commercial use only.",
        source="http://ufldl.stanford.edu/housenumbers/",
        description="Cropped house-number digits, 32x32 RGB (73,257 train, 26,032 test). "
        "Downloaded by torchvision.datasets.SVHN (md5-checked).",
        instructions="Download train_32x32.mat and test_32x32.mat into ROOT/SVHN/.",
    ),
    DatasetInfo(
        name="cityscapes_official",
        layout="cityscapes_raw",
        folder="cityscapes_official",
        required=("leftImg8bit/train/", "leftImg8bit/val/", "gtFine/train/", "gtFine/val/"),
        licence="Cityscapes licence: non-commercial research; registration required; "
        "no redistribution.",
        source="https://www.cityscapes-dataset.com",
        description="5000 finely annotated street scenes (2975 train, 500 val, 1525 test).",
        manual=True,
        instructions="Register at https://www.cityscapes-dataset.com, download "
        "leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip, unzip both into "
        "ROOT/cityscapes_official/ (giving leftImg8bit/ and gtFine/), then call "
        "prepare_cityscapes_pairs(ROOT/'cityscapes_official', ROOT/'cityscapes') to write "
        "pix2pix photo|labels pairs.",
    ),
]

#: name -> :class:`DatasetInfo`.
DATASETS: dict[str, DatasetInfo] = {d.name: d for d in _ENTRIES}


# --------------------------------------------------------------------------- #
# look-up


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry for ``name``.

    Raises:
        UnknownDatasetError: (a ``KeyError`` and ``ValueError``) for an unknown
            name; the message suggests the closest known name and lists all.
    """
    if name in DATASETS:
        return DATASETS[name]
    close = difflib.get_close_matches(str(name), list(DATASETS), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownDatasetError(
        f"unknown dataset {name!r}.{hint} Known datasets: {', '.join(sorted(DATASETS))}."
    )


# --------------------------------------------------------------------------- #
# layout validation


def _has_images(folder: Path) -> bool:
    return any(p.suffix.lower() in _IMAGE_EXT for p in folder.iterdir() if p.is_file())


def validate_layout(info: DatasetInfo, folder: str | os.PathLike) -> Path:
    """Check that ``folder`` holds ``info``'s layout; return it as a Path.

    Every path of ``info.required`` must exist (image folders must hold at
    least one image, and aligned images must be twice as wide as high).

    Raises:
        DataLayoutError: naming the first missing or malformed part and the layout expected.
    """
    folder = Path(folder)
    expected = ", ".join(info.required)
    if not folder.is_dir():
        raise DataLayoutError(
            f"{info.name}: folder {folder} does not exist (expected it to contain {expected})."
        )
    missing = []
    for rel in info.required:
        p = folder / rel.rstrip("/")
        if rel.endswith("/"):
            if not p.is_dir():
                missing.append(rel)
            elif info.layout in ("aligned", "unaligned", "celeba") and not _has_images(p):
                raise DataLayoutError(f"{info.name}: {p} holds no image files ({_IMAGE_EXT}).")
        elif not p.is_file():
            gz = p.with_name(p.name + ".gz")
            extra = f" (found {gz.name}: gunzip it)" if gz.is_file() else ""
            missing.append(rel + extra)
    if missing:
        raise DataLayoutError(
            f"{info.name}: {folder} is missing {', '.join(missing)}; the {info.layout!r} "
            f"layout needs {expected}."
        )
    if info.layout == "aligned":
        from PIL import Image

        split = folder / info.required[0].rstrip("/")
        first = min(p for p in split.iterdir() if p.suffix.lower() in _IMAGE_EXT)
        with Image.open(first) as im:
            w, h = im.size
        if w != 2 * h:
            raise DataLayoutError(
                f"{info.name}: {first} is {w}x{h}; aligned pix2pix images hold A|B side by "
                f"side and must be twice as wide as high."
            )
    return folder


# --------------------------------------------------------------------------- #
# downloading


def _urlopen(url: str, timeout: float):
    """Open ``url`` (http, https or file) with a timeout; the single network entry point."""
    req = urllib.request.Request(url, headers={"User-Agent": "i2ilib-dataset-registry"})
    return urllib.request.urlopen(req, timeout=timeout)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _recorded(root: Path) -> dict[str, str]:
    p = root / CHECKSUM_RECORD
    if not p.is_file():
        return {}
    try:
        return dict(json.loads(p.read_text()))
    except (ValueError, OSError):
        return {}


def _record(root: Path, archive: str, digest: str) -> None:
    rec = _recorded(root)
    rec[archive] = digest
    tmp = root / (CHECKSUM_RECORD + ".tmp")
    tmp.write_text(json.dumps(rec, indent=1, sort_keys=True))
    os.replace(tmp, root / CHECKSUM_RECORD)


def _check_archive(path: Path, name: str) -> None:
    """Raise ChecksumError unless ``path`` is a complete, readable zip or tar archive."""
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
            if bad is not None:
                raise ChecksumError(f"{path}: member {bad} is corrupt")
        else:
            with tarfile.open(path, "r:*") as t:
                for _ in t:
                    pass
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as e:
        raise ChecksumError(
            f"{path}: not a complete {name.rsplit('.', 1)[-1]} archive ({e})"
        ) from e


def _manual_hint(info: DatasetInfo, root: Path) -> str:
    where = root / info.folder
    url = info.urls[0] if info.urls else info.source
    how = info.instructions or (
        f"download {url} by hand and extract it so that {where}/ contains "
        f"{', '.join(info.required)}"
    )
    return f"To install {info.name!r} by hand: {how.replace('ROOT', str(root))}"


def download_archive(info: DatasetInfo, root: str | os.PathLike, timeout: float = 10.0) -> Path:
    """Download ``info``'s archive into ``root`` safely; return the verified archive path.

    The bytes go to a ``.part`` file next to the target; the transfer must be
    complete (Content-Length), the sha256 must match ``info.sha256`` (or the
    digest recorded by an earlier download into ``root``), and the archive
    must open and read through; only then is it moved into place with an
    atomic rename. On any failure the partial file is deleted.

    Raises:
        DatasetDownloadError: no URL could be read (offline, HTTP error, truncated).
        ChecksumError: wrong digest or corrupt archive.
    """
    if not info.urls or not info.archive:
        raise DatasetDownloadError(
            f"{info.name} cannot be downloaded automatically. {_manual_hint(info, Path(root))}"
        )
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / info.archive
    expected = info.sha256 or _recorded(root).get(info.archive)
    errors = []
    for url in info.urls:
        fd, tmp_name = tempfile.mkstemp(prefix=info.archive + ".", suffix=".part", dir=root)
        tmp = Path(tmp_name)
        try:
            h = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out, _urlopen(url, timeout) as resp:
                length = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
                for chunk in iter(lambda: resp.read(1 << 20), b""):
                    out.write(chunk)
                    h.update(chunk)
                    size += len(chunk)
            if length is not None and int(length) != size:
                raise DatasetDownloadError(
                    f"{info.name}: transfer from {url} truncated ({size} of {length} bytes)"
                )
            digest = h.hexdigest()
            if expected is not None and digest != expected:
                raise ChecksumError(
                    f"{info.name}: archive from {url} has sha256 {digest}, expected {expected}; "
                    f"the download is corrupt or the file changed on the server. It was deleted."
                )
            _check_archive(tmp, info.archive)
            os.replace(tmp, target)
            if expected is None:
                _record(root, info.archive, digest)
            return target
        except ChecksumError:
            tmp.unlink(missing_ok=True)
            raise
        except (urllib.error.URLError, OSError, ValueError) as e:
            tmp.unlink(missing_ok=True)
            errors.append(f"{url}: {getattr(e, 'reason', e)}")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    raise DatasetDownloadError(
        f"could not download dataset {info.name!r} ({'; '.join(errors)}). "
        f"Offline? {_manual_hint(info, root)}"
    )


def _safe_members(t: tarfile.TarFile, dest: Path) -> list[tarfile.TarInfo]:
    dest = dest.resolve()
    out = []
    for m in t.getmembers():
        p = (dest / m.name).resolve()
        if not str(p).startswith(str(dest) + os.sep) and p != dest:
            raise ChecksumError(f"archive member {m.name!r} would extract outside {dest}")
        if m.issym() or m.islnk() or m.isdev():
            continue
        out.append(m)
    return out


def _extract(archive: Path, dest: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for n in z.namelist():
                p = (dest / n).resolve()
                if not str(p).startswith(str(dest.resolve()) + os.sep):
                    raise ChecksumError(f"archive member {n!r} would extract outside {dest}")
            z.extractall(dest)
    else:
        with tarfile.open(archive, "r:*") as t:
            t.extractall(dest, members=_safe_members(t, dest))


def _install(info: DatasetInfo, archive: Path, root: Path) -> Path:
    """Extract ``archive`` next to ``root/info.folder`` and move the dataset into place."""
    work = Path(tempfile.mkdtemp(prefix=f".{info.folder}.", dir=root))
    try:
        _extract(archive, work)
        candidates = [work / info.folder, work]
        candidates += [p for p in work.iterdir() if p.is_dir()]
        for c in candidates:
            try:
                validate_layout(info, c)
            except DataLayoutError:
                continue
            final = root / info.folder
            if final.exists():
                shutil.rmtree(final)
            os.replace(c, final)
            return final
        top = sorted(p.name for p in work.iterdir())
        raise DataLayoutError(
            f"{info.name}: archive {archive.name} holds {top}, not a folder with "
            f"{', '.join(info.required)}; nothing was installed."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _torchvision_download(info: DatasetInfo, root: Path, timeout: float) -> None:
    """Probe the host quickly, then let torchvision download (md5-checked)."""
    try:
        with _urlopen(info.urls[0], timeout):
            pass
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DatasetDownloadError(
            f"could not reach {info.urls[0]} for dataset {info.name!r} "
            f"({getattr(e, 'reason', e)}). Offline? {_manual_hint(info, root)}"
        ) from e
    import torchvision.datasets as tvd

    try:
        if info.layout == "mnist":
            tvd.MNIST(str(root), train=True, download=True)
            tvd.MNIST(str(root), train=False, download=True)
        elif info.layout == "svhn":
            for split in ("train", "test"):
                tvd.SVHN(str(root / info.folder), split=split, download=True)
        elif info.layout == "celeba":
            tvd.CelebA(str(root), split="all", download=True)
    except Exception as e:  # torchvision raises RuntimeError / URLError / quota errors
        raise DatasetDownloadError(
            f"torchvision could not download {info.name!r}: {e}. {_manual_hint(info, root)}"
        ) from e


def get_dataset(
    name: str,
    root: str | os.PathLike,
    download: bool = True,
    timeout: float = 10.0,
    keep_archive: bool = False,
) -> Path:
    """The folder of dataset ``name`` below ``root``, downloading it if needed.

    Args:
        name: a key of :data:`DATASETS`.
        root: the datasets folder (the dataset lands in ``root / info.folder``).
        download: try to download when the folder is absent.
        timeout: seconds to wait for the server before giving up (fail fast offline).
        keep_archive: keep the downloaded archive next to the folder.
    Returns:
        The dataset folder, its layout validated.

    Raises:
        UnknownDatasetError: unknown name (the message lists the known ones).
        DataLayoutError: the folder exists but is incomplete, or is absent and
            ``download`` is False or the set needs a manual download.
        DatasetDownloadError: the download failed (message: URL and where to put the data).
        ChecksumError: the archive is corrupt or has the wrong digest (it was deleted).
    """
    info = dataset_info(name)
    root = Path(root)
    folder = root / info.folder
    if folder.exists():
        return validate_layout(info, folder)
    if info.manual or not download:
        why = "needs a manual download" if info.manual else "is not present and download=False"
        raise DataLayoutError(
            f"dataset {name!r} {why} (expected {folder}). {_manual_hint(info, root)}"
        )
    root.mkdir(parents=True, exist_ok=True)
    if info.layout in ("mnist", "svhn", "celeba"):
        _torchvision_download(info, root, timeout)
        return validate_layout(info, folder)
    archive = download_archive(info, root, timeout)
    try:
        return _install(info, archive, root)
    finally:
        if not keep_archive:
            archive.unlink(missing_ok=True)


# --------------------------------------------------------------------------- #
# helpers for specific sets


def celeba_torchvision(
    root: str | os.PathLike,
    split: str = "train",
    where: Mapping[str, bool] | None = None,
    target_type: tuple[str, ...] = ("attr", "landmarks"),
    transform: Any = None,
):
    """Real CelebA through ``torchvision.datasets.CelebA``, filtered by attributes.

    Args:
        root: the folder holding ``celeba/`` (as for torchvision).
        split: ``"train"``, ``"valid"``, ``"test"`` or ``"all"``.
        where: attribute name -> required value, e.g. ``{"Eyeglasses": True,
            "Male": False}``; names as in ``list_attr_celeba.txt``.
        target_type: torchvision targets (``attr`` (40,), ``landmarks`` (10,) =
            the 5 (x, y) points, ``identity``, ``bbox``).
        transform: image transform passed to torchvision.
    Returns:
        ``torch.utils.data.Subset`` of the matching images.
    """
    import torch
    import torchvision.datasets as tvd

    info = DATASETS["celeba"]
    validate_layout(info, Path(root) / info.folder)
    ds = tvd.CelebA(str(root), split=split, target_type=list(target_type), transform=transform)
    keep = torch.ones(len(ds), dtype=torch.bool)
    for attr, value in (where or {}).items():
        if attr not in ds.attr_names:
            close = difflib.get_close_matches(attr, ds.attr_names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown CelebA attribute {attr!r}{hint}")
        keep &= ds.attr[:, ds.attr_names.index(attr)] == int(bool(value))
    return torch.utils.data.Subset(ds, torch.nonzero(keep).flatten().tolist())


def prepare_cityscapes_pairs(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    size: int = 256,
    splits: tuple[str, ...] = ("train", "val"),
) -> Path:
    """Turn the official Cityscapes release into pix2pix ``photo|labels`` pairs.

    For every ``leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png`` with its
    ``gtFine/<split>/<city>/<stem>_gtFine_color.png``, both are resized to
    ``size x size`` (photo: bicubic; labels: nearest, so colours stay exact)
    and written side by side as ``dst/<split>/<n>.png`` (A = photo, B =
    labels, the reference's Cityscapes convention).

    Returns:
        ``dst`` as a Path.
    """
    from PIL import Image

    src, dst = Path(src), Path(dst)
    validate_layout(DATASETS["cityscapes_official"], src)
    for split in splits:
        photos = sorted((src / "leftImg8bit" / split).glob("*/*_leftImg8bit.png"))
        if not photos:
            raise DataLayoutError(f"no *_leftImg8bit.png under {src / 'leftImg8bit' / split}")
        out = dst / split
        out.mkdir(parents=True, exist_ok=True)
        for n, photo in enumerate(photos, start=1):
            stem = photo.name[: -len("_leftImg8bit.png")]
            label = src / "gtFine" / split / photo.parent.name / f"{stem}_gtFine_color.png"
            if not label.is_file():
                raise DataLayoutError(f"label map {label} for {photo} is missing")
            a = Image.open(photo).convert("RGB").resize((size, size), Image.BICUBIC)
            b = Image.open(label).convert("RGB").resize((size, size), Image.NEAREST)
            ab = Image.new("RGB", (2 * size, size))
            ab.paste(a, (0, 0))
            ab.paste(b, (size, 0))
            ab.save(out / f"{n}.png")
    return dst
