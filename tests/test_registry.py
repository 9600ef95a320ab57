from __future__ import annotations

import hashlib
import io
import json
import re
import time
import urllib.error
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from i2ilib.data import registry as reg
from i2ilib.data.errors import DataLayoutError


def _img(path: Path, w: int, h: int, colour=(200, 30, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (w, h), colour).save(path)


def _cyclegan_tree(base: Path) -> Path:
    for sub in ("trainA", "trainB", "testA", "testB"):
        _img(base / sub / "1.jpg", 8, 8)
    return base


def _zip_of(folder: Path, name: str, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{name}/{p.relative_to(folder)}")
    return out


def _fake_entry(
    monkeypatch, archive: Path, sha256: str | None, name: str = "fake"
) -> reg.DatasetInfo:
    info = replace(
        reg.DATASETS["horse2zebra"],
        name=name,
        folder=name,
        urls=(archive.resolve().as_uri(),),
        archive=f"{name}.zip",
        sha256=sha256,
    )
    monkeypatch.setitem(reg.DATASETS, name, info)
    return info


def _no_leftovers(root: Path, name: str = "fake") -> None:
    left = [p.name for p in root.iterdir()] if root.exists() else []
    assert not [n for n in left if n.endswith(".part") or n == f"{name}.zip" or n == name], left


# --------------------------------------------------------------------------- #
# the registry itself


def test_required_entries_and_urls():
    for name in ("facades", "cityscapes", "maps", "edges2shoes", "edges2handbags", "night2day"):
        info = reg.dataset_info(name)
        assert info.layout == "aligned"
        assert info.urls[0] == f"https://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{name}.tar.gz"
    for name in ("horse2zebra", "monet2photo", "summer2winter_yosemite", "apple2orange"):
        info = reg.dataset_info(name)
        assert info.layout == "unaligned"
        assert info.urls[0] == f"https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
    for info in reg.DATASETS.values():
        assert info.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", info.sha256)
        assert info.licence and info.required
    assert reg.dataset_info("cityscapes_official").manual
    assert {"celeba", "mnist", "svhn"} <= set(reg.DATASETS)


def test_unknown_name_lists_known_and_suggests():
    with pytest.raises(reg.UnknownDatasetError) as e:
        reg.dataset_info("horse2zebr")
    assert isinstance(e.value, KeyError) and isinstance(e.value, ValueError)
    msg = str(e.value)
    assert msg.startswith("unknown dataset 'horse2zebr'")
    assert "'horse2zebra'" in msg and "Did you mean" in msg
    assert "facades" in msg and "monet2photo" in msg
    with pytest.raises(KeyError, match="Known datasets"):
        reg.get_dataset("no_such_set_xyz", "/nonexistent")


# --------------------------------------------------------------------------- #
# downloads


def test_offline_fails_fast_with_instructions(tmp_path, monkeypatch):
    calls = []

    def offline(url, timeout):
        calls.append((url, timeout))
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(reg, "_urlopen", offline)
    t0 = time.perf_counter()
    with pytest.raises(reg.DatasetDownloadError) as e:
        reg.get_dataset("facades", tmp_path / "data", timeout=3)
    assert time.perf_counter() - t0 < 2.0
    msg = str(e.value)
    assert "facades" in msg
    assert "https://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz" in msg
    assert str(tmp_path / "data" / "facades") in msg
    assert calls and all(t == 3 for _, t in calls)
    assert list((tmp_path / "data").iterdir()) == []  # no partial files left behind

    with pytest.raises(reg.DatasetDownloadError, match="could not reach"):
        reg.get_dataset("mnist", tmp_path / "data", timeout=3)


def test_checksum_mismatch_rejected_and_deleted(tmp_path, monkeypatch):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    _fake_entry(monkeypatch, src, sha256="0" * 64)
    root = tmp_path / "data"
    with pytest.raises(reg.ChecksumError, match="expected 0000"):
        reg.get_dataset("fake", root)
    _no_leftovers(root)


def test_good_checksum_installs_then_works_offline(tmp_path, monkeypatch):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    _fake_entry(monkeypatch, src, sha256=digest)
    root = tmp_path / "data"
    folder = reg.get_dataset("fake", root)
    assert folder == root / "fake"
    assert (folder / "trainB" / "1.jpg").is_file()
    assert not (root / "fake.zip").exists()  # archive removed after extraction

    def offline(url, timeout):
        raise AssertionError("no network access expected for a present dataset")

    monkeypatch.setattr(reg, "_urlopen", offline)
    assert reg.get_dataset("fake", root) == folder


def test_unknown_checksum_recorded_on_first_download(tmp_path, monkeypatch):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    _fake_entry(monkeypatch, src, sha256=None)
    root = tmp_path / "data"
    reg.get_dataset("fake", root, keep_archive=True)
    rec = json.loads((root / reg.CHECKSUM_RECORD).read_text())
    assert rec == {"fake.zip": hashlib.sha256(src.read_bytes()).hexdigest()}
    # the server's file changes: the next download into this root is refused
    _img(tmp_path / "tree" / "trainA" / "2.jpg", 8, 8)
    _zip_of(tmp_path / "tree", "fake", src)
    import shutil

    shutil.rmtree(root / "fake")
    (root / "fake.zip").unlink()
    with pytest.raises(reg.ChecksumError):
        reg.get_dataset("fake", root)
    _no_leftovers(root)


def test_corrupt_archive_detected_and_deleted(tmp_path, monkeypatch):
    bad = tmp_path / "served.zip"
    bad.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    _fake_entry(monkeypatch, bad, sha256=None)
    root = tmp_path / "data"
    with pytest.raises(reg.ChecksumError, match="not a complete zip"):
        reg.get_dataset("fake", root)
    _no_leftovers(root)
    assert not (root / reg.CHECKSUM_RECORD).exists()


def test_truncated_transfer_detected(tmp_path, monkeypatch):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    data = src.read_bytes()
    _fake_entry(monkeypatch, src, sha256=None)

    class Half(io.BytesIO):
        @property
        def headers(self) -> dict[str, str]:
            return {"Content-Length": str(len(data))}

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.close()

    monkeypatch.setattr(reg, "_urlopen", lambda url, timeout: Half(data[: len(data) // 2]))
    root = tmp_path / "data"
    with pytest.raises(reg.DatasetDownloadError, match="truncated"):
        reg.get_dataset("fake", root)
    _no_leftovers(root)


def test_absent_without_download_and_manual_sets(tmp_path):
    with pytest.raises(DataLayoutError, match="horse2zebra.zip"):
        reg.get_dataset("horse2zebra", tmp_path, download=False)
    with pytest.raises(DataLayoutError, match="cityscapes-dataset.com") as e:
        reg.get_dataset("cityscapes_official", tmp_path)
    assert "prepare_cityscapes_pairs" in str(e.value)


# --------------------------------------------------------------------------- #
# layouts: fake trees


def test_pix2pix_aligned_tree_validates_and_loads(tmp_path):
    root = tmp_path / "facades"
    for split in ("train", "val"):
        for i in range(2):
            _img(root / split / f"{i}.jpg", 16, 8)
    assert reg.get_dataset("facades", tmp_path, download=False) == root
    from i2ilib.data.folders import PairedImageFolder

    ds = PairedImageFolder(root, phase="train", load_size=8, crop_size=8, flip=False)
    item = ds[0]
    assert item["A"].shape == (3, 8, 8) and item["B"].shape == (3, 8, 8)


def test_aligned_tree_with_square_images_rejected(tmp_path):
    for split in ("train", "val"):
        _img(tmp_path / "maps" / split / "1.jpg", 8, 8)
    with pytest.raises(DataLayoutError, match="twice as wide"):
        reg.get_dataset("maps", tmp_path, download=False)


def test_cyclegan_tree_validates_and_loads(tmp_path):
    _cyclegan_tree(tmp_path / "horse2zebra")
    folder = reg.get_dataset("horse2zebra", tmp_path)
    from i2ilib.data.folders import UnpairedImageFolder

    ds = UnpairedImageFolder(folder, phase="train", load_size=8, crop_size=8, flip=False, seed=0)
    assert ds[0]["A"].shape == (3, 8, 8)


def test_missing_subfolder_named(tmp_path):
    base = _cyclegan_tree(tmp_path / "apple2orange")
    for p in (base / "trainB").iterdir():
        p.unlink()
    (base / "trainB").rmdir()
    with pytest.raises(DataLayoutError) as e:
        reg.get_dataset("apple2orange", tmp_path)
    assert "missing trainB/" in str(e.value) and "apple2orange" in str(e.value)
    (base / "trainB").mkdir()
    with pytest.raises(DataLayoutError, match="no image files"):
        reg.get_dataset("apple2orange", tmp_path)


CELEBA_COLUMNS = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes "
    "No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling "
    "Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace "
    "Wearing_Necktie Young"
)


def _celeba_tree(root: Path, n: int = 3) -> Path:
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    for nm in names:
        _img(root / "img_align_celeba" / nm, 8, 10)
    attrs = CELEBA_COLUMNS.split()
    eye = attrs.index("Eyeglasses")
    rows = [
        f"{nm} " + " ".join("1" if (i % 2 and j == eye) else "-1" for j in range(40))
        for i, nm in enumerate(names)
    ]
    (root / "list_attr_celeba.txt").write_text(f"{n}\n{' '.join(attrs)}\n" + "\n".join(rows) + "\n")
    lm_head = "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y"
    lm = [f"{nm} 69 109 106 113 77 142 73 152 108 154" for nm in names]
    (root / "list_landmarks_align_celeba.txt").write_text(
        f"{n}\n{lm_head}\n" + "\n".join(lm) + "\n"
    )
    bb = [f"{nm} 95 71 226 313" for nm in names]
    (root / "list_bbox_celeba.txt").write_text(
        f"{n}\nimage_id x_1 y_1 width height\n" + "\n".join(bb) + "\n"
    )
    (root / "identity_CelebA.txt").write_text(
        "".join(f"{nm} {i + 1}\n" for i, nm in enumerate(names))
    )
    (root / "list_eval_partition.txt").write_text("".join(f"{nm} 0\n" for nm in names))
    return root


def test_celeba_tree_validates_and_reads(tmp_path):
    _celeba_tree(tmp_path / "celeba")
    folder = reg.get_dataset("celeba", tmp_path, download=False)
    from i2ilib.data.celeba_format import read_celeba

    ann = read_celeba(folder)
    assert len(ann) == 3
    np.testing.assert_array_equal(ann.column("Eyeglasses"), [-1, 1, -1])
    (folder / "list_eval_partition.txt").unlink()
    with pytest.raises(DataLayoutError, match="list_eval_partition.txt"):
        reg.get_dataset("celeba", tmp_path, download=False)


def test_mnist_raw_tree(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"]
    for n in names:
        (raw / n).write_bytes(b"\x00")
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b")
    with pytest.raises(
        DataLayoutError, match="t10k-labels-idx1-ubyte .found t10k-labels-idx1-ubyte.gz: gunzip"
    ):
        reg.get_dataset("mnist", tmp_path, download=False)
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00")
    assert reg.get_dataset("mnist", tmp_path, download=False) == tmp_path / "MNIST"


def test_svhn_tree(tmp_path):
    (tmp_path / "SVHN").mkdir()
    (tmp_path / "SVHN" / "train_32x32.mat").write_bytes(b"x")
    with pytest.raises(DataLayoutError, match="test_32x32.mat"):
        reg.get_dataset("svhn", tmp_path, download=False)
    (tmp_path / "SVHN" / "test_32x32.mat").write_bytes(b"x")
    assert reg.get_dataset("svhn", tmp_path, download=False) == tmp_path / "SVHN"


def test_prepare_cityscapes_pairs(tmp_path):
    src = tmp_path / "cityscapes_official"
    colours = {"train": (128, 64, 128), "val": (0, 0, 142)}
    for split, col in colours.items():
        for k in range(2):
            _img(
                src / "leftImg8bit" / split / "aachen" / f"aachen_{k:06d}_000019_leftImg8bit.png",
                32,
                16,
                (90, 90, 90),
            )
            _img(
                src / "gtFine" / split / "aachen" / f"aachen_{k:06d}_000019_gtFine_color.png",
                32,
                16,
                col,
            )
    out = reg.prepare_cityscapes_pairs(src, tmp_path / "cityscapes", size=8)
    ab = np.asarray(Image.open(out / "val" / "1.png"))
    assert ab.shape == (8, 16, 3)
    assert (ab[:, 8:] == colours["val"]).all()  # labels resized with nearest: exact colours
    assert (ab[:, :8] == 90).all()
    assert len(list((out / "train").glob("*.png"))) == 2
    assert reg.get_dataset("cityscapes", tmp_path, download=False) == tmp_path / "cityscapes"


def test_pix2pix_tar_gz_installs(tmp_path, monkeypatch):
    import tarfile

    tree = tmp_path / "tree"
    for split in ("train", "val"):
        _img(tree / split / "1.jpg", 16, 8)
    src = tmp_path / "served.tar.gz"
    with tarfile.open(src, "w:gz") as t:
        t.add(tree, arcname="fakep2p")
    info = replace(
        reg.DATASETS["facades"],
        name="fakep2p",
        folder="fakep2p",
        urls=(src.resolve().as_uri(),),
        archive="fakep2p.tar.gz",
        sha256=hashlib.sha256(src.read_bytes()).hexdigest(),
    )
    monkeypatch.setitem(reg.DATASETS, "fakep2p", info)
    folder = reg.get_dataset("fakep2p", tmp_path / "data")
    assert (folder / "val" / "1.jpg").is_file()
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["fakep2p"]


def test_archive_escaping_its_folder_rejected(tmp_path, monkeypatch):
    src = tmp_path / "served.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("fake/trainA/1.txt", "x")
        z.writestr("../evil.txt", "x")
    _fake_entry(monkeypatch, src, sha256=None)
    with pytest.raises(reg.ChecksumError, match="outside"):
        reg.get_dataset("fake", tmp_path / "data")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "data" / "fake").exists()


def test_archive_with_wrong_layout_not_installed(tmp_path, monkeypatch):
    src = tmp_path / "served.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("fake/trainA/1.jpg", "x")
    _fake_entry(monkeypatch, src, sha256=None)
    with pytest.raises(DataLayoutError, match="nothing was installed"):
        reg.get_dataset("fake", tmp_path / "data")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [reg.CHECKSUM_RECORD]


# --------------------------------------------------------------------------- #
# nothing downloaded is trusted unverified


class _Served(io.BytesIO):
    """A fake HTTP response: the bytes of a served file, with Content-Length."""

    def __init__(self, data: bytes, url: str = "") -> None:
        super().__init__(data)
        self.url = url

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Length": str(len(self.getvalue()))}

    def geturl(self) -> str:
        return self.url

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def _serve(monkeypatch, files: dict[str, bytes]) -> list[str]:
    """Replace the network by a server of ``files`` (URL -> bytes); return the URLs asked."""
    asked = []

    def fake(url, timeout):
        asked.append(url)
        if url not in files:
            raise urllib.error.URLError("404 Not Found")
        return _Served(files[url], url)

    monkeypatch.setattr(reg, "_urlopen", fake)
    return asked


def _served_zip(tmp_path: Path) -> bytes:
    return _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip").read_bytes()


def test_every_registry_url_is_https():
    for info in reg.DATASETS.values():
        for url in info.urls:
            assert url.startswith("https://"), (info.name, url)


def test_http_url_refused(tmp_path, monkeypatch):
    data = _served_zip(tmp_path)
    url = "http://datasets.example/fake.zip"
    info = _fake_entry(monkeypatch, tmp_path / "served.zip", sha256=None)
    monkeypatch.setitem(reg.DATASETS, "fake", replace(info, urls=(url,)))
    asked = _serve(monkeypatch, {url: data})
    root = tmp_path / "data"
    with pytest.raises(reg.DatasetDownloadError, match="https only") as e:
        reg.get_dataset("fake", root)
    assert isinstance(e.value, reg.InsecureDownloadError) and url in str(e.value)
    assert asked == []  # refused before any byte was read
    _no_leftovers(root)


def test_network_entry_point_refuses_http():
    with pytest.raises(reg.DatasetDownloadError, match="https only") as e:
        reg._urlopen("http://datasets.example/fake.zip", timeout=1)
    assert isinstance(e.value, reg.InsecureDownloadError)


def _fake_web(monkeypatch, routes: dict[str, tuple[int, bytes | str]]) -> None:
    """Route urllib's https and http through ``routes``: URL -> (200, body) or (302, target)."""
    import email.message
    import urllib.request
    import urllib.response

    def respond(req):
        code, body = routes[req.full_url]
        headers = email.message.Message()
        if code == 302:
            headers["Location"] = body
            body = b""
        headers["Content-Length"] = str(len(body))
        resp = urllib.response.addinfourl(io.BytesIO(body), headers, req.full_url, code)
        resp.msg = "OK" if code == 200 else "Found"
        return resp

    class FakeHTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return respond(req)

    class FakeHTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return respond(req)

    real = urllib.request.build_opener
    monkeypatch.setattr(urllib.request, "build_opener",
                        lambda *h: real(*h, FakeHTTPS(), FakeHTTP()))
    monkeypatch.setattr(urllib.request, "_opener", None)


def test_redirect_to_http_refused(tmp_path, monkeypatch):
    data = _served_zip(tmp_path)
    https, http = "https://datasets.example/fake.zip", "http://mirror.example/fake.zip"
    info = _fake_entry(monkeypatch, tmp_path / "served.zip", sha256=None)
    monkeypatch.setitem(reg.DATASETS, "fake", replace(info, urls=(https,)))
    _fake_web(monkeypatch, {https: (302, http), http: (200, data)})
    root = tmp_path / "data"
    with pytest.raises(reg.DatasetDownloadError, match="redirect") as e:
        reg.get_dataset("fake", root)
    assert isinstance(e.value, reg.InsecureDownloadError) and http in str(e.value)
    _no_leftovers(root)
    assert not (root / reg.CHECKSUM_RECORD).exists()


def test_redirect_to_https_followed(tmp_path, monkeypatch):
    data = _served_zip(tmp_path)
    first, moved = "https://datasets.example/fake.zip", "https://mirror.example/fake.zip"
    info = _fake_entry(monkeypatch, tmp_path / "served.zip",
                       sha256=hashlib.sha256(data).hexdigest())
    monkeypatch.setitem(reg.DATASETS, "fake", replace(info, urls=(first,)))
    _fake_web(monkeypatch, {first: (302, moved), moved: (200, data)})
    assert (reg.get_dataset("fake", tmp_path / "data") / "trainA" / "1.jpg").is_file()


@pytest.mark.parametrize("record", ["{not json", '["fake.zip"]', '{"fake.zip": "abc"}'])
def test_corrupt_digest_record_is_an_error(tmp_path, monkeypatch, record):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    _fake_entry(monkeypatch, src, sha256=None)
    root = tmp_path / "data"
    root.mkdir()
    (root / reg.CHECKSUM_RECORD).write_text(record)
    with pytest.raises(reg.ChecksumError, match="corrupt") as e:
        reg.get_dataset("fake", root)
    msg = str(e.value)
    assert isinstance(e.value, reg.ChecksumRecordError)
    assert str(root / reg.CHECKSUM_RECORD) in msg and "delete" in msg
    assert (root / reg.CHECKSUM_RECORD).read_text() == record  # never silently replaced
    _no_leftovers(root)


def test_first_download_prints_its_digest_and_the_record(tmp_path, monkeypatch, capsys):
    src = _zip_of(_cyclegan_tree(tmp_path / "tree"), "fake", tmp_path / "served.zip")
    _fake_entry(monkeypatch, src, sha256=None)
    root = tmp_path / "data"
    reg.get_dataset("fake", root)
    out = capsys.readouterr().out
    assert hashlib.sha256(src.read_bytes()).hexdigest() in out
    assert str(root / reg.CHECKSUM_RECORD) in out


_MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _mnist_files() -> dict[str, bytes]:
    import gzip

    return {name: gzip.compress(bytes([i]) * 16) for i, name in enumerate(_MNIST_FILES)}


def test_published_md5_mismatch_refused(tmp_path, monkeypatch):
    base = reg.DATASETS["mnist"].urls[0]
    asked = _serve(monkeypatch, {base + n: b for n, b in _mnist_files().items()})
    root = tmp_path / "data"
    with pytest.raises(reg.ChecksumError, match="MD5") as e:
        reg.get_dataset("mnist", root)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and "f68b3c2dcbeaaa9fbdd348bbdeb94873" in msg
    assert asked and all(u.startswith("https://") for u in asked)
    assert list(root.iterdir()) == []  # nothing installed, nothing left behind


def test_files_matching_published_md5_installed(tmp_path, monkeypatch):
    files = _mnist_files()
    monkeypatch.setitem(reg.PUBLISHED_MD5, "mnist",
                        {n: hashlib.md5(b).hexdigest() for n, b in files.items()})
    base = reg.DATASETS["mnist"].urls[0]
    _serve(monkeypatch, {base + n: b for n, b in files.items()})
    folder = reg.get_dataset("mnist", tmp_path / "data")
    assert folder == tmp_path / "data" / "MNIST"
    assert (folder / "raw" / "train-images-idx3-ubyte").read_bytes() == bytes([0]) * 16
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["MNIST"]


def test_published_md5_are_torchvisions():
    tvd = pytest.importorskip("torchvision.datasets")
    assert reg.PUBLISHED_MD5["mnist"] == dict(tvd.MNIST.resources)
    assert reg.PUBLISHED_MD5["svhn"] == {f: m for _, f, m in
                                         (tvd.SVHN.split_list[s] for s in ("train", "test"))}
    assert reg.PUBLISHED_MD5["celeba"] == {f: m for _, m, f in tvd.CelebA.file_list}


def test_celeba_files_checked_against_published_md5(tmp_path):
    folder = tmp_path / "celeba"
    folder.mkdir()
    (folder / "list_eval_partition.txt").write_text("000001.jpg 0\n")
    with pytest.raises(reg.ChecksumError, match="list_eval_partition.txt"):
        reg.check_published_md5(reg.DATASETS["celeba"], folder)
