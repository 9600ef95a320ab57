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
- ``celeba``, ``mnist``, ``svhn`` in torchvision's folder layouts, checked
  against the MD5 checksums published with them (:data:`PUBLISHED_MD5`, as in
  torchvision's dataset classes); MNIST and SVHN are downloaded here, CelebA
  (Google Drive) by torchvision. CelebA is read with
  :mod:`i2ilib.data.celeba_format` or :func:`celeba_torchvision` (attribute
  filtering, landmarks).
- ``cityscapes_official``: the Cityscapes release itself needs a registered
  account, so it is never downloaded; :func:`prepare_cityscapes_pairs` turns
  it into pix2pix ``photo|labels`` pairs (what the implicit-pairs paper,
  Section 4.2, and the reference's Cityscapes set use).
- ``sunrgbd``: SUN RGB-D, too large and awkward to fetch automatically (a
  manual download), prepared by :func:`i2ilib.data.sunrgbd.prepare_sunrgbd`
  into (RGB, depth, 13-class labels) triplets for zero-pair translation.

Downloads are careful: https only (an ``http:`` URL, or a redirect to
anything but https, is refused with :class:`InsecureDownloadError`; ``file:``
URLs name local mirrors), a short network timeout (offline, the call fails in
seconds with the dataset's name, its URL and the folder to fill by hand), a
temporary ``.part`` file, a check of the published checksum (sha256, or the
publisher's MD5) or of the recorded one, an archive integrity test, and an
atomic move; a truncated or corrupt download is deleted and never extracted.
No archive digest is published for the pix2pix / CycleGAN server, so those
entries hold ``sha256=None``: the first successful download prints the
archive's sha256 and records it in ``ROOT/.i2ilib_checksums.json``, and later
downloads into the same root must match it (trust on first use). A digest
record that cannot be read is an error (:class:`ChecksumRecordError`), never
silently replaced.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from i2ilib.data.errors import DataLayoutError

__all__ = [
    "DATASETS",
    "PUBLISHED_MD5",
    "ChecksumError",
    "ChecksumRecordError",
    "DatasetDownloadError",
    "DatasetInfo",
    "InsecureDownloadError",
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


class ChecksumRecordError(ChecksumError):
    """The record of digests from earlier downloads (``ROOT/.i2ilib_checksums.json``) cannot
    be read, so no download into that root can be verified."""


class InsecureDownloadError(DatasetDownloadError):
    """A download URL, or a redirect, that is not https (or a local ``file:`` URL)."""


#: MD5 checksums published with the torchvision-format sets, by dataset and file name, as in
#: torchvision's dataset classes (``MNIST.resources``, ``SVHN.split_list``,
#: ``CelebA.file_list``). MNIST's are those of the ``.gz`` files as served.
PUBLISHED_MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "svhn": {
        "train_32x32.mat": "e26dedcc434d2e4c54c9b2d4a06d8373",
        "test_32x32.mat": "eb5a983be6a315427106f1b164d9cef3",
    },
    "celeba": {
        "img_align_celeba.zip": "00d2c5bc6d35e252742224ab0c1e8fcb",
        "list_attr_celeba.txt": "75e246fa4810816ffd6ee81facbd244c",
        "identity_CelebA.txt": "32bd1bd63d3c78cd57e08160ec5ed1e2",
        "list_bbox_celeba.txt": "00566efa6fedff7a56946cd1c10f1c16",
        "list_landmarks_align_celeba.txt": "cc24ecafdb5b50baae59b03474781f8c",
        "list_eval_partition.txt": "d32c9cbf5e040fd4025c592c306e6668",
    },
}


@dataclass(frozen=True)
class DatasetInfo:
    """What the registry knows about one dataset.

    Attributes:
        name: registry key.
        layout: ``"aligned"`` (pix2pix A|B images per split), ``"unaligned"``
            (CycleGAN ``trainA/`` ...), ``"celeba"``, ``"mnist"``, ``"svhn"``,
            ``"cityscapes_raw"`` or ``"rgbd_triplets"`` (``rgb/``, ``depth/``,
            ``labels/`` per split, :mod:`i2ilib.data.sunrgbd`).
        folder: the dataset's folder below the root passed to :func:`get_dataset`.
        required: paths below ``folder`` that must exist (folders end in ``/``).
        urls: download URLs (https, or ``file:`` for a local mirror), tried in order
            (empty: manual download only); for ``mnist`` and ``svhn`` the folders that
            serve the files of :data:`PUBLISHED_MD5`.
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
        urls=(_PIX2PIX_URL.format(name),),
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
        urls=(_CYCLEGAN_URL.format(name),),
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
        "5 landmarks. Downloaded by torchvision.datasets.CelebA (Google Drive) and checked "
        "against the published MD5s; "
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
        urls=("https://ossci-datasets.s3.amazonaws.com/mnist/",),
        licence="MNIST (LeCun, Cortes & Burges): commonly distributed under CC BY-SA 3.0.",
        source="http://yann.lecun.com/exdb/mnist/",
        description="70,000 handwritten digits, 28x28 grey. Downloaded over https from "
        "torchvision's mirror and checked against the published MD5s.",
        instructions="Download the four *-ubyte.gz files, gunzip them into ROOT/MNIST/raw/.",
    ),
    DatasetInfo(
        name="svhn",
        layout="svhn",
        folder="SVHN",
        required=("train_32x32.mat", "test_32x32.mat"),
        urls=("https://ufldl.stanford.edu/housenumbers/",),
        licence="SVHN (Netzer et al. 2011): non-commercial use only.",
        source="http://ufldl.stanford.edu/housenumbers/",
        description="Cropped house-number digits, 32x32 RGB (73,257 train, 26,032 test). "
        "Downloaded over https and checked against the published MD5s.",
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
    DatasetInfo(
        name="sunrgbd",
        layout="rgbd_triplets",
        folder="sunrgbd13",
        required=("train/rgb/", "train/depth/", "train/labels/", "test/rgb/", "test/depth/",
                  "test/labels/"),
        licence="SUN RGB-D (Song, Lichtenberg & Xiao, CVPR 2015): research use; cite the "
        "authors and the datasets it builds on (NYU-Depth v2, Berkeley B3DO, SUN3D).",
        source="https://rgbd.cs.princeton.edu",
        description="10,335 indoor RGB-D frames (5285 training, 5050 test) with 2-D "
        "segmentations, prepared as (RGB, depth in mm, 13-class labels) triplets for "
        "zero-pair translation (the mix-and-match networks' Tables 4.6-4.7).",
        manual=True,
        instructions="Download SUNRGBD.zip from https://rgbd.cs.princeton.edu and unzip it "
        "into a folder RELEASE (giving RELEASE/SUNRGBD/); from the sunrgbd-meta-data "
        "repository (github.com/ankurhanda/sunrgbd-meta-data) take "
        "sunrgbd_training_images.txt, sunrgbd_testing_images.txt and the 37-class labels "
        "(sunrgbd_train_test_labels.tar.gz, unpacked into LABELS/); then call "
        "i2ilib.data.sunrgbd.prepare_sunrgbd(RELEASE, LABELS, TRAIN_TXT, TEST_TXT, "
        "'ROOT/sunrgbd13').",
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
            elif (info.layout in ("aligned", "unaligned", "celeba", "rgbd_triplets")
                  and not _has_images(p)):
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


_SAFE_SCHEMES = ("https", "file")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _require_https(url: str, what: str = "") -> None:
    """Refuse any URL that is not https (or a local ``file:`` mirror)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        raise InsecureDownloadError(
            f"{what}refusing to download from {url}: datasets are downloaded over https only "
            f"(an {scheme or 'unspecified'}: transfer can be altered on the way). Use the "
            "https URL, or download the file by hand and check its digest."
        )


class _HTTPSOnlyRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to https URLs."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """urllib's redirect, refused (:class:`InsecureDownloadError`) unless to https."""
        if urllib.parse.urlsplit(newurl).scheme.lower() != "https":
            raise InsecureDownloadError(
                f"refusing the redirect from {req.full_url} to {newurl}: datasets are "
                "downloaded over https only."
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _build_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """The URL opener of all downloads: urllib's, with redirects restricted to https."""
    return urllib.request.build_opener(_HTTPSOnlyRedirectHandler(), *handlers)


def _urlopen(url: str, timeout: float):
    """Open ``url`` (https or file) with a timeout; the single network entry point."""
    _require_https(url)
    req = urllib.request.Request(url, headers={"User-Agent": "i2ilib-dataset-registry"})
    resp = _build_opener().open(req, timeout=timeout)
    final = resp.geturl() if hasattr(resp, "geturl") else url
    if final and urllib.parse.urlsplit(final).scheme.lower() not in _SAFE_SCHEMES:
        resp.close()
        raise InsecureDownloadError(
            f"refusing {url}: it was redirected to {final}; datasets are downloaded over "
            "https only."
        )
    return resp


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _recorded(root: Path) -> dict[str, str]:
    """The digests recorded by earlier downloads into ``root`` (archive name -> sha256).

    Raises:
        ChecksumRecordError: the record exists but is not such a mapping.
    """
    p = root / CHECKSUM_RECORD
    if not p.is_file():
        return {}
    try:
        rec = json.loads(p.read_text())
        problem = None
    except (ValueError, OSError) as e:
        rec, problem = None, f"it cannot be read ({e})"
    if problem is None and not (
        isinstance(rec, dict)
        and all(isinstance(k, str) and isinstance(v, str) and _HEX64.fullmatch(v)
                for k, v in rec.items())
    ):
        problem = "it is not a mapping of archive names to sha256 digests (64 hex digits)"
    if problem:
        raise ChecksumRecordError(
            f"the digest record {p} is corrupt: {problem}. Downloads into {root} cannot be "
            f"verified against it. Restore it from a backup, or, if you trust the archives "
            f"you will download next, delete {p} (each next download records its digest anew)."
        )
    return rec


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


def _fetch(info: DatasetInfo, url: str, dest: Path, timeout: float) -> tuple[str, str]:
    """Stream ``url`` into ``dest`` (https only, complete per Content-Length); return the
    sha256 and MD5 hex digests of the bytes received."""
    _require_https(url, f"{info.name}: ")
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    size = 0
    with open(dest, "wb") as out, _urlopen(url, timeout) as resp:
        length = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
        for chunk in iter(lambda: resp.read(1 << 20), b""):
            out.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    if length is not None and int(length) != size:
        raise DatasetDownloadError(
            f"{info.name}: transfer from {url} truncated ({size} of {length} bytes)"
        )
    return sha.hexdigest(), md5.hexdigest()


def download_archive(info: DatasetInfo, root: str | os.PathLike, timeout: float = 10.0) -> Path:
    """Download ``info``'s archive into ``root`` safely; return the verified archive path.

    The bytes go to a ``.part`` file next to the target, over https only; the
    transfer must be complete (Content-Length), the sha256 must match
    ``info.sha256`` (or the digest recorded by an earlier download into
    ``root``), and the archive must open and read through; only then is it
    moved into place with an atomic rename. On any failure the partial file is
    deleted. A first download of an archive without a known digest prints its
    sha256 and records it in ``root / CHECKSUM_RECORD``.

    Raises:
        DatasetDownloadError: no URL could be read (offline, HTTP error, truncated).
        InsecureDownloadError: a URL or a redirect that is not https.
        ChecksumError: wrong digest or corrupt archive.
        ChecksumRecordError: the digest record in ``root`` is corrupt.
    """
    if not info.urls or not info.archive:
        raise DatasetDownloadError(
            f"{info.name} cannot be downloaded automatically. {_manual_hint(info, Path(root))}"
        )
    for url in info.urls:
        _require_https(url, f"{info.name}: ")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / info.archive
    expected = info.sha256 or _recorded(root).get(info.archive)
    errors = []
    for url in info.urls:
        fd, tmp_name = tempfile.mkstemp(prefix=info.archive + ".", suffix=".part", dir=root)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            digest, _ = _fetch(info, url, tmp, timeout)
            if expected is not None and digest != expected:
                raise ChecksumError(
                    f"{info.name}: archive from {url} has sha256 {digest}, expected {expected}; "
                    f"the download is corrupt or the file changed on the server. It was deleted."
                )
            _check_archive(tmp, info.archive)
            os.replace(tmp, target)
            if expected is None:
                _record(root, info.archive, digest)
                print(
                    f"{info.name}: no digest is published for {info.archive}; its sha256 is "
                    f"{digest}, recorded in {root / CHECKSUM_RECORD}. Later downloads into "
                    f"{root} must match it; compare it with a copy you trust."
                )
            return target
        except (ChecksumError, InsecureDownloadError):
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


def _download_published_files(info: DatasetInfo, root: Path, timeout: float) -> Path:
    """Download the files of :data:`PUBLISHED_MD5` for ``info`` (``mnist``, ``svhn``) into
    a staging folder, check each MD5, gunzip MNIST's into ``raw/``, and move the folder into
    place as ``root / info.folder``."""
    for url in info.urls:
        _require_https(url, f"{info.name}: ")
    files = PUBLISHED_MD5[info.name]
    stage = Path(tempfile.mkdtemp(prefix=f".{info.folder}.", dir=root))
    try:
        for name, md5 in files.items():
            dest = stage / name
            errors = []
            for base in info.urls:
                url = base + name
                try:
                    _, got = _fetch(info, url, dest, timeout)
                except InsecureDownloadError:
                    raise
                except (urllib.error.URLError, OSError, ValueError) as e:
                    dest.unlink(missing_ok=True)
                    errors.append(f"{url}: {getattr(e, 'reason', e)}")
                    continue
                if got != md5:
                    raise ChecksumError(
                        f"{info.name}: {name} from {url} has MD5 {got}, but {md5} is "
                        "published for it; the download is corrupt or the file changed on the "
                        "server. Nothing was installed."
                    )
                break
            else:
                raise DatasetDownloadError(
                    f"could not reach the server for dataset {info.name!r} "
                    f"({'; '.join(errors)}). Offline? {_manual_hint(info, root)}"
                )
            if info.layout == "mnist":
                raw = stage / "raw"
                raw.mkdir(exist_ok=True)
                with gzip.open(dest, "rb") as src, open(raw / name[: -len(".gz")], "wb") as out:
                    shutil.copyfileobj(src, out)
                dest.unlink()
        validate_layout(info, stage)
        final = root / info.folder
        os.replace(stage, final)
        return final
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_published_md5(info: DatasetInfo, folder: str | os.PathLike) -> None:
    """Check the files of ``folder`` that :data:`PUBLISHED_MD5` lists for ``info`` (those
    present; a downloaded archive may have been deleted after extraction).

    Raises:
        ChecksumError: a file's MD5 differs from the published one.
    """
    folder = Path(folder)
    for name, md5 in PUBLISHED_MD5.get(info.name, {}).items():
        p = folder / name
        if p.is_file() and (got := _md5(p)) != md5:
            raise ChecksumError(
                f"{info.name}: {p} has MD5 {got}, but {md5} is published for it; the file is "
                f"corrupt or not the published one. Delete it and download it again."
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
    """Probe the host quickly, then let torchvision download (CelebA, from Google Drive),
    then check the files against the published MD5s."""
    try:
        with _urlopen(info.urls[0], timeout):
            pass
    except InsecureDownloadError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DatasetDownloadError(
            f"could not reach {info.urls[0]} for dataset {info.name!r} "
            f"({getattr(e, 'reason', e)}). Offline? {_manual_hint(info, root)}"
        ) from e
    import torchvision.datasets as tvd

    try:
        tvd.CelebA(str(root), split="all", download=True)
    except Exception as e:  # torchvision raises RuntimeError / URLError / quota errors
        raise DatasetDownloadError(
            f"torchvision could not download {info.name!r}: {e}. {_manual_hint(info, root)}"
        ) from e
    check_published_md5(info, root / info.folder)


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
        InsecureDownloadError: a URL or redirect that is not https was refused.
        ChecksumError: the archive is corrupt or has the wrong digest (it was deleted).
        ChecksumRecordError: the record of earlier digests in ``root`` is corrupt.
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
    if info.layout in ("mnist", "svhn"):
        return validate_layout(info, _download_published_files(info, root, timeout))
    if info.layout == "celeba":
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
